//! Upstream's normalization of the desired replicas (`horizontal.go`): min/max bounds,
//! stabilization windows, and the scaling policies of `behavior` (or the legacy limits
//! without one).
