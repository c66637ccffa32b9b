//! Autoscaling: the HorizontalPodAutoscaler, the cluster autoscaler, the metrics they
//! read and what the nodes cost.

pub mod hpa;
pub mod spec;
