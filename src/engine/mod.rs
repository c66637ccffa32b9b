//! The discrete-event engine: simulated time, the event queue, random streams,
//! distributions, and the run loop that dispatches events to components.

pub mod dist;
pub mod event;
pub mod queue;
pub mod rng;
pub mod sim;
pub mod time;
