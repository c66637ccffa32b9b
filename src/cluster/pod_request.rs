//! Kubernetes' effective pod request (`resourcehelper.PodRequests`): the sum of the regular
//! containers, at least the largest init container, sidecars (init containers with
//! `restartPolicy: Always`) counted for the whole life of the pod, plus the pod overhead.

use super::resources::{CPU, DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, MEMORY, Resources};

/// One container's requests, and whether cpu and memory were given at all (the scheduler's
/// non-zero defaults apply to a missing request, not to an explicit zero).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContainerRequests {
    /// Requests (a resource with only a limit requests its limit).
    pub requests: Resources,
    /// Whether a cpu request or limit was given.
    pub has_cpu: bool,
    /// Whether a memory request or limit was given.
    pub has_memory: bool,
    /// An init container with `restartPolicy: Always` (a sidecar).
    pub sidecar: bool,
}

impl ContainerRequests {
    /// The requests with cpu and memory defaulted as the scheduler's scoring does.
    fn non_zero(&self) -> Resources {
        let mut r = Resources::ZERO;
        r.0[CPU] = if self.has_cpu {
            self.requests.0[CPU]
        } else {
            DEFAULT_MILLI_CPU_REQUEST
        };
        r.0[MEMORY] = if self.has_memory {
            self.requests.0[MEMORY]
        } else {
            DEFAULT_MEMORY_REQUEST
        };
        r
    }
}

/// Saturating, because a scenario may list enough huge containers to overflow; the caller
/// refuses any total above the resource limit.
fn add(a: &mut Resources, b: &Resources) {
    for (x, y) in a.0.iter_mut().zip(b.0) {
        *x = x.saturating_add(y);
    }
}

fn combine(
    containers: &[ContainerRequests],
    init: &[ContainerRequests],
    overhead: &Resources,
    each: impl Fn(&ContainerRequests) -> Resources,
) -> Resources {
    let mut reqs = Resources::ZERO;
    for c in containers {
        add(&mut reqs, &each(c));
    }
    let mut sidecars = Resources::ZERO;
    let mut init_peak = Resources::ZERO;
    for c in init {
        let r = each(c);
        let during = if c.sidecar {
            add(&mut reqs, &r);
            add(&mut sidecars, &r);
            sidecars
        } else {
            let mut d = r;
            add(&mut d, &sidecars);
            d
        };
        init_peak = init_peak.max(&during);
    }
    let mut out = reqs.max(&init_peak);
    add(&mut out, overhead);
    out
}

/// The pod's effective requests and its cpu/memory requests with non-zero defaults.
pub fn pod_requests(
    containers: &[ContainerRequests],
    init: &[ContainerRequests],
    overhead: &Resources,
) -> (Resources, [i64; 2]) {
    let real = combine(containers, init, overhead, |c| c.requests);
    let nz = combine(containers, init, overhead, ContainerRequests::non_zero);
    (real, [nz.0[CPU], nz.0[MEMORY]])
}

/// The pod's limits (`resourcehelper.PodLimits`): containers' limits combined like
/// requests, and the overhead added to the resources that have a limit (`limited`).
/// Each container's `requests` field holds its limits here.
pub fn pod_limits(
    containers: &[ContainerRequests],
    init: &[ContainerRequests],
    overhead: &Resources,
    limited: &[bool],
) -> Resources {
    let mut out = combine(containers, init, &Resources::ZERO, |c| c.requests);
    for (r, _) in limited.iter().enumerate().filter(|(_, l)| **l) {
        out.0[r] = out.0[r].saturating_add(overhead.0[r]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(cpu: i64, mem: i64) -> ContainerRequests {
        let mut r = Resources::ZERO;
        r.0[CPU] = cpu;
        r.0[MEMORY] = mem;
        ContainerRequests {
            requests: r,
            has_cpu: true,
            has_memory: true,
            sidecar: false,
        }
    }

    #[test]
    fn init_containers_take_the_max() {
        // fit_test.go: containers {1m,1}, init {3m,1} -> the pod requests 3m of cpu.
        let (r, _) = pod_requests(&[c(1, 1)], &[c(3, 1)], &Resources::ZERO);
        assert_eq!((r.0[CPU], r.0[MEMORY]), (3, 1));
        // ... and with inits {3m,1},{2m,1} still 3m.
        let (r, _) = pod_requests(&[c(1, 1)], &[c(3, 1), c(2, 1)], &Resources::ZERO);
        assert_eq!((r.0[CPU], r.0[MEMORY]), (3, 1));
        // Regular containers add up: least_allocated_test's pod of 1000m+2000m, 2000+3000.
        let (r, _) = pod_requests(&[c(1000, 2000), c(2000, 3000)], &[], &Resources::ZERO);
        assert_eq!((r.0[CPU], r.0[MEMORY]), (3000, 5000));
    }

    #[test]
    fn sidecars_run_alongside() {
        // Hand-derived: sidecar 100m starts first and stays; then an init of 500m runs
        // beside it (peak 600m); then the app of 200m runs with the sidecar (300m).
        let mut side = c(100, 0);
        side.sidecar = true;
        let (r, _) = pod_requests(&[c(200, 0)], &[side, c(500, 0)], &Resources::ZERO);
        assert_eq!(r.0[CPU], 600);
        // A small init: the steady state (app + sidecar = 300m) dominates.
        let (r, _) = pod_requests(&[c(200, 0)], &[side, c(50, 0)], &Resources::ZERO);
        assert_eq!(r.0[CPU], 300);
    }

    #[test]
    fn non_zero_defaults_apply_to_missing_requests_only() {
        let missing = ContainerRequests::default();
        let (r, nz) = pod_requests(&[missing], &[], &Resources::ZERO);
        assert!(r.is_zero());
        assert_eq!(nz, [100, 200 * 1024 * 1024]);
        let explicit_zero = ContainerRequests {
            has_cpu: true,
            has_memory: true,
            ..Default::default()
        };
        assert_eq!(
            pod_requests(&[explicit_zero], &[], &Resources::ZERO).1,
            [0, 0]
        );
        // No containers at all: zero, not the default.
        assert_eq!(pod_requests(&[], &[], &Resources::ZERO).1, [0, 0]);
    }

    #[test]
    fn limits_add_overhead_only_where_limited() {
        // Hand-derived: containers with cpu limits 1 and 2 cores, an init container of 4
        // cores: max(3, 4) = 4 cores, plus 250m overhead; memory has no limit, so the
        // overhead's memory is not added.
        let mut o = Resources::ZERO;
        o.0[CPU] = 250;
        o.0[MEMORY] = 1 << 20;
        let limited = [true, false];
        let r = pod_limits(&[c(1000, 0), c(2000, 0)], &[c(4000, 0)], &o, &limited);
        assert_eq!((r.0[CPU], r.0[MEMORY]), (4250, 0));
    }

    #[test]
    fn overhead_is_added() {
        let mut o = Resources::ZERO;
        o.0[CPU] = 250;
        let (r, nz) = pod_requests(&[c(1000, 0)], &[], &o);
        assert_eq!(r.0[CPU], 1250);
        assert_eq!(nz[0], 1250);
    }
}
