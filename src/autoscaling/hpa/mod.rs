//! The HorizontalPodAutoscaler: upstream's replica calculator and its scaling rules.

pub mod behavior;
pub mod controller;
pub mod replica_calc;
