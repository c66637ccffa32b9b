//! The kubelet's CrashLoopBackOff: how long a crashed container waits before it restarts.
//!
//! The kubelet keeps one client-go `Backoff` entry per container (initial 10 s, max 300 s,
//! no jitter). When a container exits at `ts`, `doBackOff` restarts it at once unless
//! `IsInBackOffSince(key, ts)` holds, and every restart calls `Next(key, ts)`:
//!
//! ```text
//! IsInBackOffSince: entry exists, not hasExpired(ts, lastUpdate), now − ts < backoff
//! Next:             no entry or hasExpired(ts, lastUpdate) → backoff = 10 s
//!                   else backoff = min(2 · backoff, 300 s);  lastUpdate = now
//! hasExpired:       ts − lastUpdate > 2 · 300 s
//! ```
//!
//! So the first crash restarts at once, the next ones wait 10 s, 20 s, … 300 s after the
//! crash, and a crash more than 10 minutes after the last restart starts over.

use crate::engine::time::{NANOS_PER_SEC, Nanos};

/// The kubelet's initial container back-off (`backOffPeriod`).
pub const INITIAL: Nanos = 10 * NANOS_PER_SEC;
/// The kubelet's largest container back-off (`MaxContainerBackOff`).
pub const MAX: Nanos = 300 * NANOS_PER_SEC;

/// One container's back-off entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrashBackoff {
    /// `(backoff, lastUpdate)` once the container has restarted.
    entry: Option<(Nanos, Nanos)>,
}

impl CrashBackoff {
    /// The container crashed at `ts`: how long it waits before it restarts. The entry is
    /// updated as the kubelet's `Next` does at that restart, `ts + delay`.
    pub fn crashed(&mut self, ts: Nanos) -> Nanos {
        let (delay, backoff) = match self.entry {
            Some((backoff, last)) if ts.saturating_sub(last) <= 2 * MAX => {
                (backoff, backoff.saturating_mul(2).min(MAX))
            }
            // No entry, or it expired: restart at once and start over at the initial delay.
            _ => (0, INITIAL),
        };
        self.entry = Some((backoff, ts.saturating_add(delay)));
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const S: Nanos = NANOS_PER_SEC;

    /// Crashes `run` seconds after each restart; returns the delays in seconds.
    fn delays(runs: &[u64]) -> Vec<u64> {
        let mut b = CrashBackoff::default();
        let mut t = 0;
        runs.iter()
            .map(|&run| {
                t += run * S;
                let d = b.crashed(t);
                t += d;
                d / S
            })
            .collect()
    }

    #[test]
    fn delays_double_from_zero_to_the_cap() {
        // Reference §9.1: 0 (first restart at once), 10, 20, 40, 80, 160, 300, 300 s.
        assert_eq!(delays(&[60; 8]), vec![0, 10, 20, 40, 80, 160, 300, 300]);
    }

    #[test]
    fn resets_after_running_more_than_ten_minutes() {
        // hasExpired is strict: a crash exactly 600 s after the last restart keeps the
        // entry (it waits 40 s, the entry's value), 601 s later starts over at 0 then 10.
        assert_eq!(delays(&[60, 60, 60, 600, 60]), vec![0, 10, 20, 40, 80]);
        assert_eq!(delays(&[60, 60, 60, 601, 60]), vec![0, 10, 20, 0, 10]);
    }

    #[test]
    fn the_wait_does_not_count_as_running() {
        // lastUpdate is the restart, not the crash: after a 300 s back-off a container
        // that then runs 590 s crashed 890 s after the previous crash, yet keeps its entry.
        let mut b = CrashBackoff::default();
        let mut t = 0;
        for _ in 0..7 {
            t += 10 * S;
            t += b.crashed(t);
        }
        t += 590 * S;
        assert_eq!(b.crashed(t), 300 * S);
    }
}
