//! `cluster.nodePools[].autoscaling` (node groups) and `clusterAutoscaler` (the cluster
//! autoscaler's flags), and the limits a cluster at its largest must respect.

use super::{Refs, bounded, one_of};
use crate::autoscaling::spec::{CaConfig, Expander, NodeGroup};
use crate::cluster::node::NodeSpec;
use crate::engine::dist::Distribution;
use crate::scenario::dist::DistSpec;
use crate::scenario::limits::{MAX_CLUSTER_AMOUNT, MAX_NODES};
use crate::scenario::model::Pool;
use crate::scenario::schema::NodePoolDoc;
use crate::scenario::units::SimDuration;
use crate::scenario::validate::{Ctx, R, duration_dist};
use serde::Deserialize;

/// Default `provisioningDelay` of a node group, seconds: a cloud VM's boot and join
/// (upstream's FAQ: "usually 3 to 4 minutes" on GCE, 1–5 min elsewhere).
pub const DEFAULT_PROVISIONING_DELAY_SECS: f64 = 120.0;

/// `cluster.nodePools[].autoscaling`: makes the pool a node group of the cluster
/// autoscaler.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeGroupDoc {
    /// Fewest nodes (default 0).
    pub min_count: Option<i64>,
    /// Most nodes (required).
    pub max_count: Option<i64>,
    /// From the scale-up request to the node joining (default 120s).
    pub provisioning_delay: Option<DistSpec<SimDuration>>,
}

/// `clusterAutoscaler`: the cluster autoscaler's flags, camelCased.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterAutoscalerDoc {
    /// `--scan-interval` (default 10s).
    pub scan_interval: Option<SimDuration>,
    /// `--expander` (default `random`).
    pub expander: Option<String>,
    /// `--scale-down-enabled` (default true).
    pub scale_down_enabled: Option<bool>,
    /// `--scale-down-utilization-threshold` (default 0.5).
    pub scale_down_utilization_threshold: Option<f64>,
    /// `--scale-down-unneeded-time` (default 10m).
    pub scale_down_unneeded_time: Option<SimDuration>,
    /// `--scale-down-delay-after-add` (default 10m).
    pub scale_down_delay_after_add: Option<SimDuration>,
    /// `--scale-down-delay-after-delete` (default 0s).
    pub scale_down_delay_after_delete: Option<SimDuration>,
    /// `--scale-down-delay-after-failure` (default 3m).
    pub scale_down_delay_after_failure: Option<SimDuration>,
    /// `--max-node-provision-time` (default 15m).
    pub max_node_provision_time: Option<SimDuration>,
    /// `--max-nodes-total` (default 0: no limit).
    pub max_nodes_total: Option<i64>,
    /// `--new-pod-scale-up-delay` (default 0s).
    pub new_pod_scale_up_delay: Option<SimDuration>,
    /// `--max-empty-bulk-delete` (default 10).
    pub max_empty_bulk_delete: Option<i64>,
}

/// `cluster.nodePools[i].autoscaling` of pool `p` (at `path`), whose initial size is
/// `count`.
pub(in crate::scenario) fn node_group(
    cx: &Ctx,
    path: &str,
    p: &NodePoolDoc,
    doc: &NodeGroupDoc,
) -> R<NodeGroup> {
    let apath = format!("{path}.autoscaling");
    let min = doc.min_count.unwrap_or(0);
    if min < 0 {
        return cx.err(
            format!("{apath}.minCount"),
            format!("{min} is negative: use 0 or more (default 0)"),
        );
    }
    let Some(max) = doc.max_count else {
        return cx.err(
            format!("{apath}.maxCount"),
            "is required: the most nodes the cluster autoscaler may give the pool, e.g. 10",
        );
    };
    if max < 1 {
        return cx.err(
            format!("{apath}.maxCount"),
            format!("{max}: must be at least 1 (a group that may hold no node cannot scale)"),
        );
    }
    if max as u64 > MAX_NODES {
        return cx.err(
            format!("{apath}.maxCount"),
            format!("{max} exceeds the limit of {MAX_NODES} nodes"),
        );
    }
    if max < min {
        return cx.err(
            format!("{apath}.maxCount"),
            format!("{max} is less than minCount ({min}); maxCount must be >= minCount"),
        );
    }
    if p.count < min as u64 || p.count > max as u64 {
        return cx.err(
            format!("{path}.count"),
            format!(
                "{} lies outside the group's bounds [minCount, maxCount] = [{min}, {max}]; the \
                 initial size must lie within them",
                p.count
            ),
        );
    }
    if p.added_at.is_some() {
        return cx.err(
            format!("{path}.addedAt"),
            "an autoscaled pool is there from the start and the cluster autoscaler adds its \
             nodes; leave out addedAt (or autoscaling)",
        );
    }
    let dpath = format!("{apath}.provisioningDelay");
    let provisioning_delay = match &doc.provisioning_delay {
        Some(DistSpec::Constant(SimDuration(0))) => {
            return cx.err(
                dpath,
                "must be more than 0s: a node takes time to boot and join (default 120s)",
            );
        }
        Some(d) => duration_dist(cx, &dpath, d)?,
        None => Distribution::Constant(DEFAULT_PROVISIONING_DELAY_SECS),
    };
    Ok(NodeGroup {
        min: min as u32,
        max: max as u32,
        provisioning_delay,
    })
}

/// Refuses pools that could grow past the node limit, or past the cluster-wide resource
/// limit, once every node group is at its `maxCount`: the run must never be able to.
pub(in crate::scenario) fn check_growth(cx: &Ctx, pools: &[Pool], nodes: &[NodeSpec]) -> R<()> {
    if pools.iter().all(|p| p.autoscaling.is_none()) {
        return Ok(());
    }
    let most: u64 = pools
        .iter()
        .map(|p| {
            p.autoscaling
                .as_ref()
                .map_or(p.count as u64, |g| g.max as u64)
        })
        .sum();
    if most > MAX_NODES {
        return cx.err(
            "cluster.nodePools",
            format!(
                "the pools may grow to {most} nodes in all (maxCount of the autoscaled pools, \
                 count of the others), over the limit of {MAX_NODES}; lower some maxCount"
            ),
        );
    }
    let mut total = [0i128; crate::cluster::resources::MAX_RESOURCES];
    for p in pools {
        match &p.autoscaling {
            Some(g) => {
                for (t, a) in total.iter_mut().zip(p.template.allocatable.0) {
                    *t += i128::from(a) * i128::from(g.max);
                }
            }
            None => {
                for n in &nodes[p.first_node..p.first_node + p.count] {
                    for (t, a) in total.iter_mut().zip(n.allocatable.0) {
                        *t += i128::from(a);
                    }
                }
            }
        }
    }
    if let Some(r) = (0..cx.resources.len()).find(|&r| total[r] > i128::from(MAX_CLUSTER_AMOUNT)) {
        return cx.err(
            "cluster.nodePools",
            format!(
                "with every autoscaled pool at its maxCount, the cluster's total allocatable {} \
                 would exceed the limit of 2^58 base units; lower some maxCount",
                cx.resources.name(r)
            ),
        );
    }
    Ok(())
}

/// `clusterAutoscaler`, and the notes for node groups nothing sizes.
pub(super) fn cluster_autoscaler(
    cx: &mut Ctx,
    doc: Option<&ClusterAutoscalerDoc>,
    refs: &Refs,
) -> R<Option<CaConfig>> {
    let groups: Vec<(usize, &Pool)> = refs
        .pools
        .iter()
        .enumerate()
        .filter(|(_, p)| p.autoscaling.is_some())
        .collect();
    let Some(doc) = doc else {
        for (i, _) in &groups {
            cx.warnings.insert(format!(
                "cluster.nodePools[{i}].autoscaling: the scenario has no clusterAutoscaler, so \
                 the pool keeps its count: add clusterAutoscaler to size it"
            ));
        }
        return Ok(None);
    };
    if groups.is_empty() {
        return cx.err(
            "clusterAutoscaler",
            "no node pool has `autoscaling`, so there is nothing to size: give a pool \
             autoscaling: {minCount: 1, maxCount: 10}, or remove clusterAutoscaler",
        );
    }
    if refs.duration.is_none() {
        return cx.err(
            "duration",
            "clusterAutoscaler scans every scanInterval without end: set the scenario's \
             `duration`",
        );
    }
    // Nodes are numbered as they join: the autoscaler's would take the numbers of a
    // pool that joins later.
    if let Some(i) = refs.pools.iter().position(|p| p.added_at > 0) {
        return cx.err(
            format!("cluster.nodePools[{i}].addedAt"),
            "a pool that joins later cannot be combined with clusterAutoscaler: give the pool \
             autoscaling (minCount 0, count 0) and let the autoscaler add its nodes, or remove \
             addedAt",
        );
    }
    let d = CaConfig::default();
    let p = |f: &str| format!("clusterAutoscaler.{f}");
    let expander = match &doc.expander {
        None => d.expander,
        Some(name) => match one_of(cx, &p("expander"), name, &Expander::NAMES)? {
            "random" => Expander::Random,
            "least-waste" => Expander::LeastWaste,
            "most-pods" => Expander::MostPods,
            _ => Expander::Price,
        },
    };
    if expander == Expander::Price {
        if let Some((i, pool)) = groups.iter().find(|(_, p)| p.price_per_hour.is_none()) {
            return cx.err(
                format!("cluster.nodePools[{i}].pricePerHour"),
                format!(
                    "is required by `clusterAutoscaler.expander: price`, which compares the \
                     cost of the autoscaled pools' nodes: give pool `{}` a pricePerHour, or \
                     choose another expander",
                    pool.name
                ),
            );
        }
    }
    let utilization_threshold = match doc.scale_down_utilization_threshold {
        None => d.utilization_threshold,
        Some(t) if t.is_finite() && t > 0.0 && t <= 1.0 => t,
        Some(t) => {
            return cx.err(
                p("scaleDownUtilizationThreshold"),
                format!("{t}: must be above 0 and at most 1 (default 0.5)"),
            );
        }
    };
    let count = |f: &str, v: Option<i64>, min: i64, default: u32| -> R<u32> {
        match v {
            None => Ok(default),
            Some(v) if v < min || v as u64 > MAX_NODES => cx.err(
                p(f),
                format!("{v}: must be from {min} to {MAX_NODES} (default {default})"),
            ),
            Some(v) => Ok(v as u32),
        }
    };
    Ok(Some(CaConfig {
        scan_interval: bounded(
            cx,
            &p("scanInterval"),
            doc.scan_interval,
            1,
            d.scan_interval,
        )?,
        expander,
        scale_down_enabled: doc.scale_down_enabled.unwrap_or(d.scale_down_enabled),
        utilization_threshold,
        unneeded_time: bounded(
            cx,
            &p("scaleDownUnneededTime"),
            doc.scale_down_unneeded_time,
            0,
            d.unneeded_time,
        )?,
        delay_after_add: bounded(
            cx,
            &p("scaleDownDelayAfterAdd"),
            doc.scale_down_delay_after_add,
            0,
            d.delay_after_add,
        )?,
        delay_after_delete: bounded(
            cx,
            &p("scaleDownDelayAfterDelete"),
            doc.scale_down_delay_after_delete,
            0,
            d.delay_after_delete,
        )?,
        delay_after_failure: bounded(
            cx,
            &p("scaleDownDelayAfterFailure"),
            doc.scale_down_delay_after_failure,
            0,
            d.delay_after_failure,
        )?,
        max_node_provision_time: bounded(
            cx,
            &p("maxNodeProvisionTime"),
            doc.max_node_provision_time,
            1,
            d.max_node_provision_time,
        )?,
        max_nodes_total: count("maxNodesTotal", doc.max_nodes_total, 0, d.max_nodes_total)?,
        new_pod_scale_up_delay: bounded(
            cx,
            &p("newPodScaleUpDelay"),
            doc.new_pod_scale_up_delay,
            0,
            d.new_pod_scale_up_delay,
        )?,
        max_empty_bulk_delete: count(
            "maxEmptyBulkDelete",
            doc.max_empty_bulk_delete,
            1,
            d.max_empty_bulk_delete,
        )?,
        backoff: d.backoff,
    }))
}
