//! Filter and score plugins, one file each, with kube-scheduler's semantics and integer
//! arithmetic for the pinned Kubernetes version.

pub mod node_resources_fit;
pub mod node_selector;
pub mod taint_toleration;
