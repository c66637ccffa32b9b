//! Simulated time: `u64` nanoseconds since the start of the run (DESIGN §3).

/// Simulated time or duration in nanoseconds.
pub type Nanos = u64;

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: Nanos = 1_000_000_000;

/// Converts a sampled duration in seconds to nanoseconds, rounding to the nearest nanosecond
/// once, when it is drawn, so that every later computation stays in exact integer time.
/// Negative or NaN inputs become 0; values past `u64::MAX` saturate.
pub fn secs_to_nanos(secs: f64) -> Nanos {
    let ns = (secs * NANOS_PER_SEC as f64).round();
    if ns.is_nan() || ns <= 0.0 {
        0
    } else if ns >= u64::MAX as f64 {
        u64::MAX
    } else {
        ns as Nanos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_nearest_nanosecond() {
        assert_eq!(secs_to_nanos(1.5), 1_500_000_000);
        assert_eq!(secs_to_nanos(1e-9 * 0.4), 0);
        assert_eq!(secs_to_nanos(1e-9 * 0.6), 1);
        assert_eq!(secs_to_nanos(-3.0), 0);
        assert_eq!(secs_to_nanos(f64::NAN), 0);
        assert_eq!(secs_to_nanos(1e30), u64::MAX);
    }
}
