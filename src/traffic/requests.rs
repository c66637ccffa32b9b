//! Requests in flight: one record per attempt of a request at a Service, in an arena
//! whose slots are reused. A slot's generation changes when it is freed, so events and
//! child requests that refer to an earlier occupant can tell.

use crate::engine::time::Nanos;

/// No request, no pod.
pub const NONE: u32 = u32::MAX;

/// One attempt of a request at a Service.
#[derive(Clone, Copy, Debug)]
pub struct Request {
    /// Bumped when the slot is freed.
    pub generation: u32,
    /// The Service.
    pub service: u16,
    /// Retries before this attempt (0 for the first).
    pub attempt: u16,
    /// Its caller gave up on it (timeout); the pod works on, unknowing.
    pub abandoned: bool,
    /// It occupies one of its pod's workers.
    pub holds_worker: bool,
    /// One of its calls failed: it answers with a failure.
    pub failed_child: bool,
    /// The caller's request slot and generation, or [`NONE`] for an external client.
    pub parent: (u32, u32),
    /// Its pod (index of the `PodId`), or [`NONE`] before it reaches one.
    pub pod: u32,
    /// Its index in its pod's list of admitted requests, or [`NONE`] while queued.
    pub slot: u32,
    /// Calls sent and not answered.
    pub pending: u32,
    /// When this attempt arrived at the Service.
    pub arrived: Nanos,
    /// Its own work at one full CPU.
    pub demand: Nanos,
    /// Its key (client identity, hash key).
    pub key: u64,
    /// Seed of everything random about its calls, drawn when the request was created.
    pub seed: u64,
}

impl Request {
    /// A first attempt that has not reached a pod yet, with what was drawn for it:
    /// its demand, key and the seed of its calls.
    pub fn new(
        service: u16,
        parent: (u32, u32),
        arrived: Nanos,
        (demand, key, seed): (Nanos, u64, u64),
    ) -> Request {
        Request {
            generation: 0,
            service,
            attempt: 0,
            abandoned: false,
            holds_worker: false,
            failed_child: false,
            parent,
            pod: NONE,
            slot: NONE,
            pending: 0,
            arrived,
            demand,
            key,
            seed,
        }
    }
}

/// The arena.
#[derive(Debug, Default)]
pub struct Requests {
    slots: Vec<Request>,
    free: Vec<u32>,
}

impl Requests {
    /// Stores `r` in a free slot and returns the slot.
    pub fn alloc(&mut self, mut r: Request) -> u32 {
        match self.free.pop() {
            Some(id) => {
                r.generation = self.slots[id as usize].generation;
                self.slots[id as usize] = r;
                id
            }
            None => {
                r.generation = 0;
                self.slots.push(r);
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Frees a slot: every reference to its occupant turns stale.
    pub fn free(&mut self, id: u32) {
        let r = &mut self.slots[id as usize];
        r.generation = r.generation.wrapping_add(1);
        self.free.push(id);
    }

    /// The request in slot `id`.
    pub fn get(&self, id: u32) -> &Request {
        &self.slots[id as usize]
    }

    /// The request in slot `id`, to change.
    pub fn get_mut(&mut self, id: u32) -> &mut Request {
        &mut self.slots[id as usize]
    }

    /// Whether slot `id` still holds the request of generation `generation`.
    pub fn current(&self, id: u32, generation: u32) -> bool {
        self.slots
            .get(id as usize)
            .is_some_and(|r| r.generation == generation)
    }

    /// Slots in use.
    pub fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// The requests in use (slow: for checks at the end of a run).
    pub fn in_use(&self) -> impl Iterator<Item = &Request> {
        let mut free = vec![false; self.slots.len()];
        for &f in &self.free {
            free[f as usize] = true;
        }
        self.slots
            .iter()
            .zip(free)
            .filter(|(_, f)| !f)
            .map(|(r, _)| r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_slots_are_reused_with_a_new_generation() {
        let mut a = Requests::default();
        let x = a.alloc(Request::new(0, (NONE, 0), 0, (5, 0, 0)));
        let g = a.get(x).generation;
        assert!(a.current(x, g));
        a.free(x);
        assert!(!a.current(x, g));
        let y = a.alloc(Request::new(1, (NONE, 0), 7, (5, 0, 0)));
        assert_eq!(x, y);
        assert!(a.current(y, g.wrapping_add(1)));
        assert_eq!(a.get(y).service, 1);
        assert_eq!(a.live(), 1);
    }
}
