//! The pending-event set: a min-heap ordered by `(time, seq)`.
//!
//! `seq` is a counter stamped at insertion, so events at the same time run in the order they
//! were scheduled and the order never depends on heap internals (DESIGN §3). Entries hold the
//! small `Copy` [`Event`] by value: no allocation per event.

use super::event::Event;
use super::time::Nanos;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One scheduled event.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// `(time << 64) | seq` as one key, so a comparison is a single integer compare.
    key: u128,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap and we want the earliest event on top.
        other.key.cmp(&self.key)
    }
}

/// Future events of one simulation.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    next_seq: u64,
}

impl EventQueue {
    /// An empty queue.
    pub fn new() -> EventQueue {
        EventQueue::default()
    }

    /// An empty queue with room for `n` events.
    pub fn with_capacity(n: usize) -> EventQueue {
        EventQueue {
            heap: BinaryHeap::with_capacity(n),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`; it runs after every event already scheduled at that time.
    #[inline]
    pub fn push(&mut self, time: Nanos, event: Event) {
        let key = (u128::from(time) << 64) | u128::from(self.next_seq);
        self.next_seq += 1;
        self.heap.push(Entry { key, event });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, Event)> {
        self.heap.pop().map(|e| ((e.key >> 64) as Nanos, e.event))
    }

    /// The time of the earliest event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<Nanos> {
        self.heap.peek().map(|e| (e.key >> 64) as Nanos)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Events scheduled so far, popped or not.
    pub fn scheduled_total(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ids::WorkloadId;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.push(5, Event::ScheduleCycle);
        q.push(
            1,
            Event::JobArrival {
                workload: WorkloadId(1),
            },
        );
        q.push(
            5,
            Event::JobArrival {
                workload: WorkloadId(2),
            },
        );
        q.push(
            1,
            Event::JobArrival {
                workload: WorkloadId(3),
            },
        );
        q.push(
            0,
            Event::JobArrival {
                workload: WorkloadId(4),
            },
        );
        let got: Vec<(u64, Event)> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            got,
            vec![
                (
                    0,
                    Event::JobArrival {
                        workload: WorkloadId(4)
                    }
                ),
                (
                    1,
                    Event::JobArrival {
                        workload: WorkloadId(1)
                    }
                ),
                (
                    1,
                    Event::JobArrival {
                        workload: WorkloadId(3)
                    }
                ),
                (5, Event::ScheduleCycle),
                (
                    5,
                    Event::JobArrival {
                        workload: WorkloadId(2)
                    }
                ),
            ]
        );
        assert!(q.is_empty());
        assert_eq!(q.scheduled_total(), 5);
    }

    #[test]
    fn matches_a_sorted_reference_on_random_input() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut q = EventQueue::new();
        let mut reference = Vec::new();
        for i in 0..10_000u32 {
            let t = rng.random_range(0..500u64);
            q.push(
                t,
                Event::JobArrival {
                    workload: WorkloadId(i),
                },
            );
            reference.push((t, i));
        }
        reference.sort(); // stable by (time, insertion index)
        for (t, i) in reference {
            assert_eq!(
                q.pop(),
                Some((
                    t,
                    Event::JobArrival {
                        workload: WorkloadId(i)
                    }
                ))
            );
        }
    }
}
