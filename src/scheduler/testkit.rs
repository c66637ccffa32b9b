//! Hand-built clusters for the scheduler's unit tests.

use crate::cluster::ids::{NodeId, PodId, PoolId, WorkloadId};
use crate::cluster::node::NodeSpec;
use crate::cluster::pod::PodTemplate;
use crate::cluster::resources::{CPU, MEMORY, Resources};
use crate::cluster::{ClusterState, NewPod, OwnerKind};
use crate::engine::rng::{StreamKey, StreamRng};

/// A cluster being built.
pub struct Kit {
    /// The cluster.
    pub cluster: ClusterState,
}

/// A template with `priority` and defaults elsewhere.
pub fn template(priority: i32) -> PodTemplate {
    PodTemplate {
        labels: vec![],
        node_selector: vec![],
        tolerations: vec![],
        priority,
        restart_policy: crate::cluster::pod::RestartPolicy::Always,
        node_name: None,
        namespace: "default".into(),
        affinity: Default::default(),
        spread: vec![],
        host_ports: vec![],
        scheduler_name: super::config::DEFAULT_SCHEDULER_NAME.into(),
        preemption_policy: Default::default(),
        termination_grace: crate::engine::time::secs_to_nanos(30.0),
    }
}

/// A scheduler stream for tests.
pub fn rng() -> StreamRng {
    StreamKey::new(1, "scheduler").rng()
}

impl Default for Kit {
    fn default() -> Self {
        Kit::new()
    }
}

impl Kit {
    /// An empty cluster.
    pub fn new() -> Kit {
        let mut cluster = ClusterState {
            zones: vec![String::new()],
            ..Default::default()
        };
        cluster.add_owner("p".into(), OwnerKind::Deployment(WorkloadId(0)));
        Kit { cluster }
    }

    /// Adds a node with `cpu` millicores and `memory` bytes, 110 pods.
    pub fn node(&mut self, cpu: i64, memory: i64) -> NodeId {
        let n = self.cluster.nodes.len();
        self.node_with(cpu, memory, |spec| spec.name = format!("node{}", n + 1))
    }

    /// Adds a node and lets `edit` change its spec first.
    pub fn node_with(&mut self, cpu: i64, memory: i64, edit: impl FnOnce(&mut NodeSpec)) -> NodeId {
        let mut a = Resources::ZERO;
        a.0[CPU] = cpu;
        a.0[MEMORY] = memory;
        let n = self.cluster.nodes.len();
        let mut spec = NodeSpec {
            name: format!("node{}", n + 1),
            pool: PoolId(0),
            zone: 0,
            capacity: a,
            allocatable: a,
            max_pods: 110,
            labels: vec![("kubernetes.io/hostname".into(), format!("node{}", n + 1))],
            taints: vec![],
        };
        edit(&mut spec);
        self.cluster.add_node(spec)
    }

    /// Adds a template and returns its index.
    pub fn template(&mut self, t: PodTemplate) -> u32 {
        self.cluster.templates.push(t);
        (self.cluster.templates.len() - 1) as u32
    }

    /// Creates a pending pod of `template` requesting `cpu` and `memory`.
    pub fn pending(&mut self, template: u32, cpu: i64, memory: i64) -> PodId {
        let mut r = Resources::ZERO;
        r.0[CPU] = cpu;
        r.0[MEMORY] = memory;
        self.cluster.create_pod(
            NewPod {
                owner: 0,
                workload: WorkloadId(0),
                template,
                requests: r,
                nonzero_requests: [cpu, memory],
                usage: r,
                startup_delay: 0,
                run_time: None,
            },
            0,
        )
    }

    /// A running pod of `template` on `node`, started at `start`.
    pub fn running(
        &mut self,
        node: NodeId,
        template: u32,
        cpu: i64,
        memory: i64,
        start: u64,
    ) -> PodId {
        let pod = self.pending(template, cpu, memory);
        self.cluster.bind(pod, node, start);
        self.cluster.start(pod, start);
        pod
    }
}
