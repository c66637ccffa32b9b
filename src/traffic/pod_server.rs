//! A pod serving requests: `workers` serve at once, the rest wait in a FIFO queue of
//! optional capacity. A worker of a pod with C CPUs (its limit, else its request) and w
//! workers runs at speed min(1, C/w): a request's demand, given for one full CPU, takes
//! demand / speed.

use crate::engine::time::Nanos;
use std::collections::VecDeque;

/// What the pod is doing.
#[derive(Debug)]
pub struct PodServer {
    /// Workers.
    pub workers: u32,
    /// Waiting room; `None` for no limit.
    pub capacity: Option<u32>,
    /// Cores one busy worker uses: min(1, C/w).
    pub speed: f64,
    /// Workers held (working, or waiting for calls).
    pub busy: u32,
    /// Requests waiting for a worker, oldest first.
    pub queue: VecDeque<u32>,
    /// Requests past the queue (working, or waiting for their calls).
    pub admitted: Vec<u32>,
    /// When the containers it serves for started: a later start means they restarted.
    pub started: Nanos,
    /// CPU its finished work took, in core-nanoseconds (each request's demand): the
    /// cumulative counter metrics-server takes rates of.
    pub cpu_done: Nanos,
    /// Requests the load balancers sent it, refused ones included.
    pub received: u64,
}

impl PodServer {
    /// An idle pod with `workers` workers and `cpu_millis` of CPU.
    pub fn new(workers: u32, capacity: Option<u32>, cpu_millis: u32) -> PodServer {
        let cores = f64::from(cpu_millis) / 1000.0;
        PodServer {
            workers,
            capacity,
            speed: (cores / f64::from(workers)).min(1.0),
            busy: 0,
            queue: VecDeque::new(),
            admitted: Vec::new(),
            started: 0,
            cpu_done: 0,
            received: 0,
        }
    }

    /// How long `demand` (at one full CPU) takes on one worker.
    pub fn service_time(&self, demand: Nanos) -> Nanos {
        if self.speed >= 1.0 {
            demand
        } else {
            crate::engine::time::secs_to_nanos(demand as f64 / 1e9 / self.speed)
        }
    }

    /// Whether a request arriving now would be refused for lack of room.
    pub fn full(&self) -> bool {
        self.busy >= self.workers
            && self
                .capacity
                .is_some_and(|c| self.queue.len() as u64 >= u64::from(c))
    }

    /// Admits request `id`: it takes a worker and its slot in `admitted`.
    pub fn admit(&mut self, id: u32) -> u32 {
        self.admitted.push(id);
        (self.admitted.len() - 1) as u32
    }

    /// Removes the request at `slot` of `admitted`; returns the request that moved
    /// into that slot, if any, so that its record can follow.
    pub fn remove(&mut self, slot: u32) -> Option<u32> {
        let slot = slot as usize;
        self.admitted.swap_remove(slot);
        self.admitted.get(slot).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_is_cpu_over_workers_capped_at_one() {
        // 2 CPUs, 4 workers: each runs at half speed, so 10 ms of demand takes 20 ms.
        let s = PodServer::new(4, None, 2000);
        assert_eq!(s.speed, 0.5);
        assert_eq!(s.service_time(10_000_000), 20_000_000);
        // 4 CPUs, 2 workers: a worker cannot use more than one CPU.
        let s = PodServer::new(2, None, 4000);
        assert_eq!(s.speed, 1.0);
        assert_eq!(s.service_time(10_000_000), 10_000_000);
    }

    #[test]
    fn full_only_when_workers_busy_and_queue_at_capacity() {
        let mut s = PodServer::new(1, Some(1), 1000);
        assert!(!s.full());
        s.busy = 1;
        assert!(!s.full());
        s.queue.push_back(7);
        assert!(s.full());
    }
}
