//! The HorizontalPodAutoscaler: upstream's replica calculator and its scaling rules.

pub mod behavior;
pub mod replica_calc;
