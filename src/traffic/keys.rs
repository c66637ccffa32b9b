//! Request keys: the client identity or hash key a request carries, drawn when it arrives.
//! Consistent hashing and session affinity route by it.

use crate::engine::rng::StreamRng;
use rand::Rng;

/// How keys are distributed.
#[derive(Clone, Debug, PartialEq)]
pub enum KeySpec {
    /// Every request has its own key (a random 64-bit number).
    Unique,
    /// Uniform over `keys` keys, `0..keys`.
    Uniform {
        /// How many keys.
        keys: u64,
    },
}

impl KeySpec {
    /// Draws one key.
    pub fn sample(&self, rng: &mut StreamRng) -> u64 {
        match *self {
            KeySpec::Unique => rng.random(),
            KeySpec::Uniform { keys } => rng.random_range(0..keys.max(1)),
        }
    }
}
