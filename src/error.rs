//! The library's error type and the exit code each kind maps to (DESIGN §6).

use crate::scenario::ScenarioError;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario or a command-line value is invalid (exit code 2).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The input is valid but asks for more than the documented limits (exit code 2).
    #[error("{0}")]
    Limit(String),
    /// A command-line argument is invalid (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// A failure while running that is not about output, such as worker threads that
    /// cannot be started (exit code 1).
    #[error("{0}")]
    Run(String),
    /// Output could not be written (exit code 1).
    #[error("cannot write output: {0}")]
    Output(String),
    /// The model broke one of its own invariants: a bug in kubesim (exit code 1).
    #[error("internal error, please report it: {0}")]
    Invariant(String),
}

impl Error {
    /// An output error.
    pub fn output(e: std::io::Error) -> Error {
        Error::Output(e.to_string())
    }

    /// The process exit code for this error: 2 for bad input, 1 for failures while running.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Limit(_) | Error::Usage(_) => 2,
            Error::Run(_) | Error::Output(_) | Error::Invariant(_) => 1,
        }
    }
}
