//! Documented size limits. A scenario past one is refused with a message before anything
//! is allocated for it, so that absurd input never becomes an out-of-memory.

/// Largest scenario file read. Parsing holds the whole document in memory (about 100 bytes
/// per list entry), so this cap also bounds what a file can make the parser allocate;
/// long lists of arrival times belong in a CSV file instead.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Most nodes in a cluster.
pub const MAX_NODES: u64 = 100_000;
/// Most replicas of one Deployment.
pub const MAX_REPLICAS: u64 = 1_000_000;
/// Most completions (and parallelism) of one Job.
pub const MAX_COMPLETIONS: u64 = 100_000;
/// Most pods one run may create, counting every Job of every stream. Every pod stays in
/// memory for pods.csv (about 300 bytes each), so this bounds a run near 600 MB.
pub const MAX_PODS: u64 = 2_000_000;
/// Most distinct zones in a cluster.
pub const MAX_ZONES: usize = 1_000;
/// Most rows of `timeseries.csv` (duration / interval).
pub const MAX_SAMPLES: u64 = 10_000_000;
/// Largest amount of any resource on one node or in one pod: 2^46 base units (64 TiB of
/// memory, 70 billion cores), which keeps every score computation exact in 64-bit integers.
pub const MAX_RESOURCE_AMOUNT: i64 = 1 << 46;
/// Longest simulated span: 100 years.
pub const MAX_DURATION_NANOS: u64 = 100 * 365 * 24 * 3600 * 1_000_000_000;
/// Most entries in one list (zones, taints, tolerations, containers, arrival times…);
/// maps such as labels are bounded by the file size.
pub const MAX_LIST: usize = 1_000_000;
/// Deepest nesting of YAML flow collections (`[`, `{`); serde's own recursion limit is 128.
pub const MAX_NESTING: usize = 128;
/// Largest usage as a multiple of the request (a pod bursting above its request).
pub const MAX_USAGE_FRACTION: f64 = 16.0;
/// Largest total allocatable of any resource over the whole cluster, 2^58 base units, so
/// that cluster-wide sums of requests and of usage (at most 16 × requests) fit in 64 bits.
pub const MAX_CLUSTER_AMOUNT: i64 = 1 << 58;
/// Most node failures a scenario's pools may be expected to cause (nodes × duration /
/// mean cycle), so that a typo such as `timeToFailure: 1s` on a large pool is refused.
pub const MAX_NODE_FAILURES: f64 = 10_000_000.0;
