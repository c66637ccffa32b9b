//! Request traffic: arrival processes and request keys, Services and their endpoints,
//! load balancers, and pods serving requests from queues (DESIGN §1, "traffic").

pub mod arrivals;
pub mod endpoints;
pub mod flow;
pub mod keys;
pub mod load_balancers;
pub mod output;
pub mod pod_server;
pub mod requests;
pub mod service;
pub mod stats;

pub use flow::Traffic;
