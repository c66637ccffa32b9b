//! ResourceQuota admission: a pod, Job or Deployment that would take its namespace over a
//! quota's hard limit is refused with Kubernetes' message. Usage is recounted from the pods
//! at each check (no cached sums to go stale): each quota keeps the pods of its namespace
//! that may still be live, and drops the ones that ended as it meets them.

use super::ids::PodId;
use super::pod::Pod;
use super::resources::{CPU, Resources};
use crate::scenario::units::Quantity;

/// A ResourceQuota.
#[derive(Clone, Debug)]
pub struct Quota {
    /// `metadata.name`.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// The templates of its namespace, sorted.
    pub templates: Vec<u32>,
    /// Hard limits, sorted by key.
    pub hard: Vec<Hard>,
}

/// One `spec.hard` entry.
#[derive(Clone, Debug)]
pub struct Hard {
    /// The key as written (`requests.cpu`, `cpu`, `count/pods`, …).
    pub key: String,
    /// What it limits.
    pub resource: QuotaResource,
    /// The limit (millicores for cpu, base units or objects otherwise).
    pub value: i64,
}

/// What a quota limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaResource {
    /// `pods` (or `count/pods`): non-terminal pods.
    Pods,
    /// `requests.<r>` (or `cpu`, `memory`): the sum of their requests of slot `r`.
    Requests(usize),
    /// `limits.<r>`: the sum of their limits of slot `r`.
    Limits(usize),
    /// `count/deployments.apps`.
    Deployments,
    /// `count/jobs.batch`.
    Jobs,
}

/// Objects other than pods that quotas count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    /// A Deployment.
    Deployment,
    /// A Job.
    Job,
}

/// What the quotas have admitted so far, per quota.
#[derive(Clone, Debug, Default)]
pub struct QuotaUsage {
    /// Pods of the namespace, oldest first; terminal ones are dropped when met.
    pods: Vec<Vec<PodId>>,
    /// Deployments and Jobs of the namespace (a finished Job remains an object).
    objects: Vec<[i64; 2]>,
}

/// A quota's amount of one resource, as Kubernetes prints quantities.
fn quantity(resource: QuotaResource, v: i64) -> String {
    let nanos = match resource {
        QuotaResource::Requests(CPU) | QuotaResource::Limits(CPU) => i128::from(v) * 1_000_000,
        _ => i128::from(v) * 1_000_000_000,
    };
    Quantity::from_nanos(nanos).to_string()
}

/// `key=value,…` over the entries `k`, as upstream's `prettyPrint`.
fn pretty(hard: &[Hard], k: &[usize], value: impl Fn(usize) -> i64) -> String {
    k.iter()
        .map(|&i| format!("{}={}", hard[i].key, quantity(hard[i].resource, value(i))))
        .collect::<Vec<_>>()
        .join(",")
}

/// Kubernetes' refusal: the quantities over the limit only.
fn refusal(q: &Quota, over: &[usize], requested: &[i64], used: &[i64]) -> String {
    format!(
        "exceeded quota: {}, requested: {}, used: {}, limited: {}",
        q.name,
        pretty(&q.hard, over, |i| requested[i]),
        pretty(&q.hard, over, |i| used[i]),
        pretty(&q.hard, over, |i| q.hard[i].value)
    )
}

impl QuotaUsage {
    /// Empty accounts for `n` quotas.
    pub fn new(n: usize) -> QuotaUsage {
        QuotaUsage {
            pods: vec![Vec::new(); n],
            objects: vec![[0; 2]; n],
        }
    }

    /// What a quota's pods use of each hard entry (objects count 0 here).
    fn pod_usage(&mut self, k: usize, q: &Quota, pods: &[Pod], limits: &[Resources]) -> Vec<i64> {
        let list = &mut self.pods[k];
        list.retain(|p| !pods[p.index()].phase.is_terminal());
        let mut used = vec![0i64; q.hard.len()];
        for p in list.iter() {
            let pod = &pods[p.index()];
            for (u, h) in used.iter_mut().zip(&q.hard) {
                *u += pod_amount(h.resource, &pod.requests, &limits[pod.template as usize]);
            }
        }
        used
    }

    /// Admits a pod of `template` requesting `requests`, or returns Kubernetes' message
    /// for the first quota (in scenario order) it would exceed.
    pub fn admit_pod(
        &mut self,
        quotas: &[Quota],
        pods: &[Pod],
        limits: &[Resources],
        template: u32,
        requests: &Resources,
    ) -> Result<(), String> {
        for (k, q) in quotas.iter().enumerate() {
            if q.templates.binary_search(&template).is_err() {
                continue;
            }
            let used = self.pod_usage(k, q, pods, limits);
            let requested: Vec<i64> = q
                .hard
                .iter()
                .map(|h| pod_amount(h.resource, requests, &limits[template as usize]))
                .collect();
            let over: Vec<usize> = (0..q.hard.len())
                .filter(|&i| requested[i] > 0 && used[i] + requested[i] > q.hard[i].value)
                .collect();
            if !over.is_empty() {
                return Err(refusal(q, &over, &requested, &used));
            }
        }
        Ok(())
    }

    /// Counts a pod just created from `template`.
    pub fn pod_created(&mut self, quotas: &[Quota], template: u32, pod: PodId) {
        for (k, q) in quotas.iter().enumerate() {
            if q.templates.binary_search(&template).is_ok() {
                self.pods[k].push(pod);
            }
        }
    }

    /// Admits and counts a Deployment or Job of `template`, or returns Kubernetes' message.
    pub fn admit_object(
        &mut self,
        quotas: &[Quota],
        template: u32,
        kind: ObjectKind,
    ) -> Result<(), String> {
        let (slot, resource) = match kind {
            ObjectKind::Deployment => (0, QuotaResource::Deployments),
            ObjectKind::Job => (1, QuotaResource::Jobs),
        };
        let covering = || {
            quotas
                .iter()
                .enumerate()
                .filter(|(_, q)| q.templates.binary_search(&template).is_ok())
        };
        for (k, q) in covering() {
            let used: Vec<i64> = q
                .hard
                .iter()
                .map(|h| {
                    if h.resource == resource {
                        self.objects[k][slot]
                    } else {
                        0
                    }
                })
                .collect();
            let requested: Vec<i64> = q
                .hard
                .iter()
                .map(|h| i64::from(h.resource == resource))
                .collect();
            let over: Vec<usize> = (0..q.hard.len())
                .filter(|&i| requested[i] > 0 && used[i] + 1 > q.hard[i].value)
                .collect();
            if !over.is_empty() {
                return Err(refusal(q, &over, &requested, &used));
            }
        }
        let ks: Vec<usize> = covering().map(|(k, _)| k).collect();
        for k in ks {
            self.objects[k][slot] += 1;
        }
        Ok(())
    }
}

/// How much of a quota's `resource` one pod takes.
pub fn pod_amount(resource: QuotaResource, requests: &Resources, limits: &Resources) -> i64 {
    match resource {
        QuotaResource::Pods => 1,
        QuotaResource::Requests(r) => requests.0[r],
        QuotaResource::Limits(r) => limits.0[r],
        QuotaResource::Deployments | QuotaResource::Jobs => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::resources::MEMORY;

    fn quota(hard: &[(&str, QuotaResource, i64)]) -> Quota {
        let mut hard: Vec<Hard> = hard
            .iter()
            .map(|(k, r, v)| Hard {
                key: k.to_string(),
                resource: *r,
                value: *v,
            })
            .collect();
        hard.sort_by(|a, b| a.key.cmp(&b.key));
        Quota {
            name: "compute".into(),
            namespace: "team".into(),
            templates: vec![0],
            hard,
        }
    }

    #[test]
    fn refusal_names_only_what_is_exceeded() {
        // Hand-derived: 1.5 cores used of 2, a pod asking 1 core: 2.5 > 2, so refused;
        // memory (1Gi of 4Gi, asking 1Gi) is within and not printed.
        let q = quota(&[
            ("requests.cpu", QuotaResource::Requests(CPU), 2000),
            ("requests.memory", QuotaResource::Requests(MEMORY), 4 << 30),
        ]);
        let m = refusal(&q, &[0], &[1000, 1 << 30], &[1500, 1 << 30]);
        assert_eq!(
            m,
            "exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=1500m, limited: requests.cpu=2"
        );
    }

    #[test]
    fn objects_are_counted_up_to_the_limit() {
        let q = [quota(&[("count/jobs.batch", QuotaResource::Jobs, 2)])];
        let mut u = QuotaUsage::new(1);
        assert!(u.admit_object(&q, 0, ObjectKind::Job).is_ok());
        assert!(u.admit_object(&q, 0, ObjectKind::Job).is_ok());
        // Deployments are not limited by this quota.
        assert!(u.admit_object(&q, 0, ObjectKind::Deployment).is_ok());
        let m = u.admit_object(&q, 0, ObjectKind::Job).unwrap_err();
        assert_eq!(
            m,
            "exceeded quota: compute, requested: count/jobs.batch=1, used: count/jobs.batch=2, limited: count/jobs.batch=2"
        );
        // A template outside the namespace is not covered.
        assert!(u.admit_object(&q, 1, ObjectKind::Job).is_ok());
    }
}
