//! Resource vectors: cpu in millicores, everything else in base units (bytes, devices).
//!
//! A fixed-size array indexed by interned resource, so that the scheduler's per-node loop
//! works on plain integers (DESIGN §9). The first three slots are fixed; extended resources
//! such as `nvidia.com/gpu` take the slots after them in the order the scenario names them.

use std::ops::{AddAssign, SubAssign};

/// Slot of cpu (millicores).
pub const CPU: usize = 0;
/// Slot of memory (bytes).
pub const MEMORY: usize = 1;
/// Slot of ephemeral-storage (bytes).
pub const EPHEMERAL_STORAGE: usize = 2;
/// Slots in every vector: the three standard resources and up to five extended ones.
pub const MAX_RESOURCES: usize = 8;
/// How many extended resources one scenario may name.
pub const MAX_EXTENDED: usize = MAX_RESOURCES - 3;

/// Kubernetes' default cpu request for scoring a container that declares none (0.1 core).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// Kubernetes' default memory request for scoring a container that declares none (200 MiB).
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// An amount of every resource.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Resources(pub [i64; MAX_RESOURCES]);

impl Resources {
    /// Nothing of anything.
    pub const ZERO: Resources = Resources([0; MAX_RESOURCES]);

    /// Whether every amount is zero.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&v| v == 0)
    }

    /// Per-slot maximum (Kubernetes' rule for init containers).
    pub fn max(&self, other: &Resources) -> Resources {
        let mut out = *self;
        for (o, b) in out.0.iter_mut().zip(other.0) {
            *o = (*o).max(b);
        }
        out
    }
}

impl AddAssign for Resources {
    #[inline]
    fn add_assign(&mut self, rhs: Resources) {
        for (a, b) in self.0.iter_mut().zip(rhs.0) {
            *a += b;
        }
    }
}

impl SubAssign for Resources {
    #[inline]
    fn sub_assign(&mut self, rhs: Resources) {
        for (a, b) in self.0.iter_mut().zip(rhs.0) {
            *a -= b;
        }
    }
}

/// The resource names one scenario uses, in slot order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceNames {
    names: Vec<String>,
}

impl Default for ResourceNames {
    fn default() -> Self {
        ResourceNames {
            names: vec![
                "cpu".to_string(),
                "memory".to_string(),
                "ephemeral-storage".to_string(),
            ],
        }
    }
}

impl ResourceNames {
    /// The slot of `name`, adding it as an extended resource if it is new. `None` when the
    /// scenario already names [`MAX_EXTENDED`] extended resources.
    pub fn intern(&mut self, name: &str) -> Option<usize> {
        if let Some(i) = self.slot(name) {
            return Some(i);
        }
        if self.names.len() == MAX_RESOURCES {
            return None;
        }
        self.names.push(name.to_string());
        Some(self.names.len() - 1)
    }

    /// The slot of `name`, if the scenario uses it.
    pub fn slot(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Name of slot `r`.
    pub fn name(&self, r: usize) -> &str {
        &self.names[r]
    }

    /// Number of slots in use.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Always false: cpu, memory and ephemeral-storage are always present.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// A column-friendly name: `nvidia.com/gpu` becomes `nvidia_com_gpu`.
    pub fn column_name(&self, r: usize) -> String {
        self.names[r]
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(cpu: i64, mem: i64) -> Resources {
        let mut r = Resources::ZERO;
        r.0[CPU] = cpu;
        r.0[MEMORY] = mem;
        r
    }

    #[test]
    fn arithmetic_and_max() {
        let mut a = res(1, 2);
        a += res(10, 20);
        assert_eq!(a, res(11, 22));
        a -= res(1, 2);
        assert_eq!(a, res(10, 20));
        assert_eq!(res(3, 1).max(&res(2, 5)), res(3, 5));
    }

    #[test]
    fn interning_extended_resources() {
        let mut n = ResourceNames::default();
        assert_eq!(n.intern("memory"), Some(MEMORY));
        assert_eq!(n.intern("nvidia.com/gpu"), Some(3));
        assert_eq!(n.intern("nvidia.com/gpu"), Some(3));
        assert_eq!(n.column_name(3), "nvidia_com_gpu");
        for i in 0..4 {
            assert!(n.intern(&format!("example.com/r{i}")).is_some());
        }
        assert_eq!(n.intern("example.com/one-too-many"), None);
    }
}
