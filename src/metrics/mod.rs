//! Metrics: the recorder that streams rows during a run, statistics, number formatting,
//! the files written at the end (DESIGN §5), and comparisons of runs.

pub mod compare;
pub mod format;
pub mod output;
pub mod recorder;
pub mod recovery;
pub mod stats;
pub mod stranded;
