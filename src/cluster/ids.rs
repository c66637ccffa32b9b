//! Typed arena indices. Entities live in `Vec`s; these name a slot (DESIGN §1).

macro_rules! arena_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The slot this id names.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

arena_id!(
    /// A node in the cluster's node table.
    NodeId
);
arena_id!(
    /// A pod in the pod arena (pods are never removed, so ids stay valid).
    PodId
);
arena_id!(
    /// A workload entry of the scenario (a Deployment or a Job stream).
    WorkloadId
);
arena_id!(
    /// One Job object (a job stream creates many).
    JobId
);
arena_id!(
    /// A node pool of the scenario.
    PoolId
);
