//! What the nodes cost: every machine is billed from when it is asked for (a pool's
//! `addedAt`, or the cluster autoscaler's request: a booting VM is billed) until it is
//! deleted or the run ends, at its pool's `pricePerHour`.

use super::spec::Billing;
use crate::cluster::ids::{NodeId, PoolId};
use crate::engine::time::Nanos;

/// Nanoseconds in an hour.
const HOUR: Nanos = 3600 * crate::engine::time::NANOS_PER_SEC;

/// One billed machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Machine {
    pool: PoolId,
    from: Nanos,
    /// When it was deleted; `None` while it exists.
    to: Option<Nanos>,
}

/// Every machine of the run.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    machines: Vec<Machine>,
    /// Per node id: its machine.
    machine_of_node: Vec<u32>,
}

/// Node hours and cost of one pool over the measured window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PoolBill {
    /// Node hours billed.
    pub hours: f64,
    /// Their price (0 for a pool without one).
    pub cost: f64,
}

impl Ledger {
    /// Starts billing a machine of `pool` at `from`; returns its index.
    pub fn open(&mut self, pool: PoolId, from: Nanos) -> u32 {
        self.machines.push(Machine {
            pool,
            from,
            to: None,
        });
        (self.machines.len() - 1) as u32
    }

    /// Machine `m` runs node `n` (nodes are numbered as they join).
    pub fn attach(&mut self, m: u32, n: NodeId) {
        if self.machine_of_node.len() <= n.index() {
            self.machine_of_node.resize(n.index() + 1, u32::MAX);
        }
        self.machine_of_node[n.index()] = m;
    }

    /// Stops billing machine `m` at `to`.
    pub fn close(&mut self, m: u32, to: Nanos) {
        self.machines[m as usize].to = Some(to);
    }

    /// Stops billing the machine of node `n` at `to`.
    pub fn close_node(&mut self, n: NodeId, to: Nanos) {
        if let Some(&m) = self.machine_of_node.get(n.index()) {
            self.close(m, to);
        }
    }

    /// Each pool's node hours and cost over `[warmup, end]`: per second, or with each
    /// machine's time in the window rounded up to whole hours.
    pub fn bills(
        &self,
        prices: &[Option<f64>],
        billing: Billing,
        warmup: Nanos,
        end: Nanos,
    ) -> Vec<PoolBill> {
        let mut out = vec![PoolBill::default(); prices.len()];
        for m in &self.machines {
            let from = m.from.max(warmup);
            let to = m.to.unwrap_or(end).min(end);
            if to <= from {
                continue;
            }
            let span = to - from;
            let hours = match billing {
                Billing::PerSecond => span as f64 / HOUR as f64,
                Billing::Hourly => span.div_ceil(HOUR) as f64,
            };
            let bill = &mut out[m.pool.index()];
            bill.hours += hours;
            bill.cost += hours * prices[m.pool.index()].unwrap_or(0.0);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::NANOS_PER_SEC;

    /// Per second: a machine from 0.5 h to 2 h in a 3 h run is 1.5 h; one still up at
    /// the end counts to the end; a warm-up of 1 h cuts both.
    #[test]
    fn per_second_billing_counts_the_time_in_the_window() {
        let mut l = Ledger::default();
        let a = l.open(PoolId(0), HOUR / 2);
        l.close(a, 2 * HOUR);
        l.open(PoolId(1), 0);
        let prices = [Some(2.0), Some(0.5)];
        let b = l.bills(&prices, Billing::PerSecond, 0, 3 * HOUR);
        assert_eq!(
            b[0],
            PoolBill {
                hours: 1.5,
                cost: 3.0
            }
        );
        assert_eq!(
            b[1],
            PoolBill {
                hours: 3.0,
                cost: 1.5
            }
        );
        let b = l.bills(&prices, Billing::PerSecond, HOUR, 3 * HOUR);
        assert_eq!(b[0].hours, 1.0);
        assert_eq!(b[1].hours, 2.0);
    }

    /// Hourly: 61 minutes bill as 2 hours, exactly one hour as 1, one second as 1.
    #[test]
    fn hourly_billing_rounds_each_machine_up() {
        let mut l = Ledger::default();
        let a = l.open(PoolId(0), 0);
        l.close(a, 61 * 60 * NANOS_PER_SEC);
        let b = l.open(PoolId(0), 0);
        l.close(b, HOUR);
        let c = l.open(PoolId(0), 0);
        l.close(c, NANOS_PER_SEC);
        let bills = l.bills(&[Some(1.0)], Billing::Hourly, 0, 10 * HOUR);
        assert_eq!(bills[0].hours, 4.0);
        assert_eq!(bills[0].cost, 4.0);
    }
}
