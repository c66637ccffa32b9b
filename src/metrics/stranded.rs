//! Stranded capacity: free allocatable that the typical waiting pod cannot use.
//!
//! At every time-series sample the recorder takes the *median pending pod shape*, the
//! per-resource median (nearest rank) of the requests of the pods Pending at that moment,
//! and sums the free cpu and memory of the Ready nodes where that shape does not fit (some
//! resource short, or the node's pod capacity used up). When no pod is pending the shape is
//! the per-resource median request of every pod created so far, so that the figure still
//! says how fragmented the free capacity is for the workload's typical pod.
//!
//! The cost is O(pods pending + pods created since the last sample + nodes) per sample and
//! nothing per event (DESIGN §9): pods only ever leave `Pending` (a pod is never sent back
//! to the queue; a replacement is a new pod), so the pods pending now are among those
//! pending at the last sample and those created since.

use crate::cluster::ClusterState;
use crate::cluster::ids::PodId;
use crate::cluster::pod::PodPhase;
use crate::cluster::resources::Resources;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The lower median (nearest rank, the ⌈n/2⌉-th smallest) of a growing sample, in
/// O(log n) per value: the smaller half in a max-heap, the larger half in a min-heap.
#[derive(Clone, Debug, Default)]
pub struct RunningMedian {
    low: BinaryHeap<i64>,
    high: BinaryHeap<Reverse<i64>>,
}

impl RunningMedian {
    /// Adds a value.
    pub fn push(&mut self, v: i64) {
        match self.low.peek() {
            Some(&top) if v > top => self.high.push(Reverse(v)),
            _ => self.low.push(v),
        }
        // Keep `low` holding ⌈n/2⌉ values, so its top is the nearest-rank median.
        if self.low.len() > self.high.len() + 1 {
            if let Some(v) = self.low.pop() {
                self.high.push(Reverse(v));
            }
        } else if self.high.len() > self.low.len() {
            if let Some(Reverse(v)) = self.high.pop() {
                self.low.push(v);
            }
        }
    }

    /// The median so far; `None` before the first value.
    pub fn median(&self) -> Option<i64> {
        self.low.peek().copied()
    }
}

/// The nearest-rank median of `values` (the ⌈n/2⌉-th smallest), reordering them; `None`
/// when empty.
pub fn median_of(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let k = (values.len() - 1) / 2;
    Some(*values.select_nth_unstable(k).1)
}

/// Keeps the stranded-capacity figures of a run.
#[derive(Debug, Default)]
pub struct Stranded {
    /// Pods already seen: `cluster.pods.len()` at the last sample.
    seen: usize,
    /// Pods Pending at the last sample.
    pending: Vec<PodId>,
    /// Median request of every pod created so far, per resource slot.
    all: Vec<RunningMedian>,
    scratch: Vec<i64>,
    /// Σ stranded cpu (millicores) over the samples in the measured window.
    cpu_sum: i128,
    /// Σ stranded memory (bytes) over the samples in the measured window.
    memory_sum: i128,
    /// Samples in the measured window.
    samples: u64,
}

/// Stranded amounts at one sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StrandedSample {
    /// Free cpu (millicores) on Ready nodes where the median shape does not fit.
    pub cpu: i64,
    /// Free memory (bytes) on those nodes.
    pub memory: i64,
}

impl Stranded {
    /// Measures the cluster now; `measured` says whether the sample is in the measured
    /// window (at or after warmup) and counts towards the means.
    pub fn sample(&mut self, cluster: &ClusterState, measured: bool) -> StrandedSample {
        let slots = cluster.resources.len();
        self.all.resize_with(slots, RunningMedian::default);
        let created = cluster.pods.len();
        for (i, p) in cluster.pods.iter().enumerate().skip(self.seen) {
            for (m, &v) in self.all.iter_mut().zip(&p.requests.0) {
                m.push(v);
            }
            self.pending.push(PodId(i as u32));
        }
        self.seen = created;
        self.pending
            .retain(|&p| cluster.pods[p.index()].phase == PodPhase::Pending);
        let mut shape = Resources::ZERO;
        for (r, m) in self.all.iter().enumerate() {
            self.scratch.clear();
            self.scratch.extend(
                self.pending
                    .iter()
                    .map(|&p| cluster.pods[p.index()].requests.0[r]),
            );
            shape.0[r] = match median_of(&mut self.scratch) {
                Some(v) => v,
                // No pod pending: the typical pod of the run so far, or nothing to place.
                None => m.median().unwrap_or(0),
            };
        }
        let s = if created == 0 {
            StrandedSample::default()
        } else {
            stranded_for(cluster, &shape)
        };
        if measured {
            self.cpu_sum += i128::from(s.cpu);
            self.memory_sum += i128::from(s.memory);
            self.samples += 1;
        }
        s
    }

    /// Mean stranded cpu (cores) and memory (bytes) over the samples in the measured
    /// window; `None` when there was none.
    pub fn means(&self) -> Option<(f64, f64)> {
        (self.samples > 0).then(|| {
            let n = self.samples as f64;
            (self.cpu_sum as f64 / n / 1000.0, self.memory_sum as f64 / n)
        })
    }
}

/// Free cpu and memory summed over the Ready nodes where `shape` does not fit.
fn stranded_for(cluster: &ClusterState, shape: &Resources) -> StrandedSample {
    let nodes = &cluster.nodes;
    let mut s = StrandedSample::default();
    for n in nodes.ids() {
        let i = n.index();
        if nodes.ready[i] && nodes.shortfalls(n, shape).next().is_some() {
            s.cpu += nodes.free_cpu[i];
            s.memory += nodes.free_memory[i];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_median_is_nearest_rank() {
        let mut m = RunningMedian::default();
        assert_eq!(m.median(), None);
        let mut seen = Vec::new();
        // A fixed scrambled sequence with repeats.
        for v in [5, 1, 9, 3, 3, 7, 2, 8, 8, 0, 6, 4] {
            m.push(v);
            seen.push(v);
            let mut sorted = seen.clone();
            sorted.sort_unstable();
            let want = sorted[sorted.len().div_ceil(2) - 1];
            assert_eq!(m.median(), Some(want), "after {seen:?}");
            assert_eq!(median_of(&mut seen.clone()), Some(want));
        }
        assert_eq!(median_of(&mut []), None);
        // Even count: the lower of the two middle values.
        assert_eq!(median_of(&mut [4, 1, 3, 2]), Some(2));
    }
}
