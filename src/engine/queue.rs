//! The pending-event set, ordered by `(time, seq)`.
//!
//! `seq` is a counter stamped at insertion, so events at the same time run in the order they
//! were scheduled and the order never depends on the container's internals (DESIGN §3).
//!
//! Two stores, one order. Up to a few tens of thousands of pending events a binary heap is
//! fastest: it fits in cache. Past that its random walks miss the cache on every level, and
//! a radix heap wins: simulated time never goes backwards (every event is scheduled at or
//! after the one being handled), the monotone case radix heaps serve. There an entry sits in
//! the bucket named by the highest bit in which its key differs from the last key popped;
//! popping refills bucket 0 from the lowest non-empty bucket, entries only ever move down,
//! and every move is a sequential push into a `Vec`. The queue switches store as it grows
//! and shrinks, with hysteresis so that it does not flap. Entries hold the small `Copy`
//! [`Event`] by value: no allocation per event.

use super::event::Event;
use super::time::Nanos;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One scheduled event.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// `(time << 64) | seq`: one integer orders by time, then insertion.
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
        // Reversed: `BinaryHeap` is a max-heap and the earliest event must be on top.
        other.key.cmp(&self.key)
    }
}

/// Switch to the radix heap above this many pending events…
const TO_RADIX: usize = 1 << 15;
/// …and back to the binary heap below this many.
const TO_HEAP: usize = 1 << 13;

/// Radix buckets: 0 holds the key equal to `last`, `b ≥ 1` keys whose highest bit
/// differing from `last` is bit `b − 1`.
const BUCKETS: usize = 129;

#[derive(Debug)]
struct Radix {
    buckets: Vec<Vec<Entry>>,
    /// Bit `b − 1` set when bucket `b ≥ 1` is non-empty.
    occupied: u128,
    last: u128,
}

impl Radix {
    fn new(last: u128) -> Radix {
        Radix {
            buckets: vec![Vec::new(); BUCKETS],
            occupied: 0,
            last,
        }
    }

    #[inline]
    fn insert(&mut self, e: Entry) {
        let b = (128 - (e.key ^ self.last).leading_zeros()) as usize;
        self.buckets[b].push(e);
        if b > 0 {
            self.occupied |= 1 << (b - 1);
        }
    }

    /// Moves the earliest entry into bucket 0, if it is not there already.
    fn settle(&mut self) {
        if !self.buckets[0].is_empty() || self.occupied == 0 {
            return;
        }
        let b = self.occupied.trailing_zeros() as usize + 1;
        self.occupied &= !(1 << (b - 1));
        let mut items = std::mem::take(&mut self.buckets[b]);
        self.last = items.iter().map(|e| e.key).min().unwrap_or(self.last);
        for e in items.drain(..) {
            self.insert(e);
        }
        // Keep the bucket's allocation for later.
        self.buckets[b] = items;
    }

    fn drain(&mut self) -> impl Iterator<Item = Entry> + '_ {
        self.occupied = 0;
        self.buckets.iter_mut().flat_map(|b| b.drain(..))
    }
}

#[derive(Debug)]
enum Store {
    Heap(BinaryHeap<Entry>),
    Radix(Radix),
}

/// Future events of one simulation.
#[derive(Debug)]
pub struct EventQueue {
    store: Store,
    /// The last key popped; no smaller key is ever pushed.
    last: u128,
    len: usize,
    next_seq: u64,
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue::new()
    }
}

impl EventQueue {
    /// An empty queue.
    pub fn new() -> EventQueue {
        EventQueue::with_capacity(0)
    }

    /// An empty queue with room for `n` events in its heap store.
    pub fn with_capacity(n: usize) -> EventQueue {
        EventQueue {
            store: Store::Heap(BinaryHeap::with_capacity(n.min(TO_RADIX))),
            last: 0,
            len: 0,
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`; it runs after every event already scheduled at that
    /// time. `time` must not precede the last event popped: it is clamped to it (a handler
    /// scheduling into the past would be a bug; time still never runs backwards).
    #[inline]
    pub fn push(&mut self, time: Nanos, event: Event) {
        let last_time = (self.last >> 64) as Nanos;
        debug_assert!(time >= last_time, "event scheduled in the past");
        let key = (u128::from(time.max(last_time)) << 64) | u128::from(self.next_seq);
        self.next_seq += 1;
        self.len += 1;
        let e = Entry { key, event };
        match &mut self.store {
            Store::Heap(h) => {
                h.push(e);
                if self.len > TO_RADIX {
                    let mut r = Radix::new(self.last);
                    for e in h.drain() {
                        r.insert(e);
                    }
                    self.store = Store::Radix(r);
                }
            }
            Store::Radix(r) => {
                if e.key < r.last {
                    // `peek_time` settled a later key into bucket 0 and this event comes
                    // before it: re-bucket everything around the new minimum. Rare (the run
                    // loop never pushes between a peek and its pop), but keeps the order.
                    let all: Vec<Entry> = r.drain().collect();
                    r.last = e.key;
                    for x in all {
                        r.insert(x);
                    }
                }
                r.insert(e);
            }
        }
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, Event)> {
        let e = match &mut self.store {
            Store::Heap(h) => h.pop()?,
            Store::Radix(r) => {
                r.settle();
                // Keys are unique, so bucket 0 holds at most the one entry equal to `last`.
                let e = r.buckets[0].pop()?;
                if self.len <= TO_HEAP {
                    let h: BinaryHeap<Entry> = r.drain().collect();
                    self.store = Store::Heap(h);
                }
                e
            }
        };
        self.len -= 1;
        self.last = e.key;
        Some(((e.key >> 64) as Nanos, e.event))
    }

    /// The time of the earliest event, if any. Takes `&mut self` because in the radix
    /// store finding it settles the earliest entry into bucket 0.
    #[inline]
    pub fn peek_time(&mut self) -> Option<Nanos> {
        let key = match &mut self.store {
            Store::Heap(h) => h.peek()?.key,
            Store::Radix(r) => {
                r.settle();
                r.buckets[0].last()?.key
            }
        };
        Some((key >> 64) as Nanos)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
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

    fn arrival(i: u32) -> Event {
        Event::JobArrival {
            workload: WorkloadId(i),
        }
    }

    /// Interleaved pushes (never before the current time) and pops against an ordered map,
    /// growing past the radix threshold and shrinking below the heap one, twice.
    #[test]
    fn interleaved_operations_match_an_ordered_map() {
        use rand::{Rng, SeedableRng};
        use std::collections::BTreeMap;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let mut q = EventQueue::new();
        let mut reference: BTreeMap<(u64, u64), u32> = BTreeMap::new();
        let (mut now, mut seq) = (0u64, 0u64);
        let mut max_len = 0;
        for i in 0..400_000u32 {
            let p_push = if (i / 100_000) % 2 == 0 { 0.7 } else { 0.3 };
            if reference.is_empty() || rng.random_bool(p_push) {
                // Same time, near, and far future; huge times exercise the high buckets.
                let dt = match rng.random_range(0..4) {
                    0 => 0,
                    1 => rng.random_range(0..10),
                    2 => rng.random_range(0..1_000_000_000),
                    _ => rng.random_range(0..u64::MAX / 4),
                };
                let t = now.saturating_add(dt);
                q.push(t, arrival(i));
                reference.insert((t, seq), i);
                seq += 1;
            } else {
                let ((t, _), i) = reference.pop_first().expect("non-empty");
                assert_eq!(q.peek_time(), Some(t));
                assert_eq!(q.pop(), Some((t, arrival(i))));
                now = t;
            }
            assert_eq!(q.len(), reference.len());
            max_len = max_len.max(q.len());
        }
        assert!(max_len > TO_RADIX, "the test must reach the radix store");
        // A push between a peek and its pop, earlier than the peeked event.
        let mut q2 = EventQueue::new();
        for i in 0..40_000u32 {
            q2.push(200 + u64::from(i), arrival(i));
        }
        q2.push(100, arrival(99_999));
        assert_eq!(q2.pop(), Some((100, arrival(99_999))));
        assert_eq!(q2.peek_time(), Some(200));
        q2.push(150, arrival(77_777));
        assert_eq!(q2.pop(), Some((150, arrival(77_777))));
        assert_eq!(q2.pop(), Some((200, arrival(0))));
        while let Some(((t, _), i)) = reference.pop_first() {
            assert_eq!(q.pop(), Some((t, arrival(i))));
        }
        assert_eq!(q.pop(), None);
        assert_eq!(q.peek_time(), None);
    }
}
