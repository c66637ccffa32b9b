//! Taints and tolerations, with Kubernetes' matching rules (`ToleratesTaint`), the taints
//! the node lifecycle controller sets and the tolerations every pod gets for them.

use crate::engine::time::{NANOS_PER_SEC, Nanos};

/// The taint key of a node whose Ready condition is Unknown (it stopped heartbeating).
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// The taint key of a node whose Ready condition is False.
pub const NOT_READY: &str = "node.kubernetes.io/not-ready";
/// `--default-not-ready-toleration-seconds` and `--default-unreachable-toleration-seconds`.
pub const DEFAULT_TOLERATION_TIME: Nanos = 300 * NANOS_PER_SEC;

/// What a taint does to pods that do not tolerate it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaintEffect {
    /// New pods are not scheduled onto the node.
    NoSchedule,
    /// The scheduler avoids the node if it can (a scoring preference).
    PreferNoSchedule,
    /// New pods are not scheduled and running ones are evicted.
    NoExecute,
}

impl TaintEffect {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

/// A node taint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    /// Taint key.
    pub key: String,
    /// Taint value (may be empty).
    pub value: String,
    /// Effect.
    pub effect: TaintEffect,
}

/// How a toleration compares values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TolerationOperator {
    /// Key (and effect) must match; the value is ignored.
    Exists,
    /// Key, value (and effect) must match.
    Equal,
}

/// A pod toleration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toleration {
    /// Key to match; empty with `Exists` matches every key.
    pub key: String,
    /// Comparison.
    pub operator: TolerationOperator,
    /// Value for `Equal`.
    pub value: String,
    /// Effect to match; `None` matches every effect.
    pub effect: Option<TaintEffect>,
    /// `tolerationSeconds` (NoExecute only): how long a pod stays on a node after a
    /// matching NoExecute taint lands; `None` is forever, negatives were given as 0.
    pub toleration_time: Option<Nanos>,
}

impl Toleration {
    /// Kubernetes' `Toleration.ToleratesTaint`.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(e) = self.effect {
            if e != taint.effect {
                return false;
            }
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator {
            TolerationOperator::Exists => true,
            TolerationOperator::Equal => self.value == taint.value,
        }
    }
}

/// The first of `taints` with an effect `applies` selects that no toleration tolerates
/// (Kubernetes' `FindMatchingUntoleratedTaint`). The scheduler asks about NoSchedule and
/// NoExecute, the kubelet about NoExecute only.
pub fn first_untolerated<'a>(
    tolerations: &[Toleration],
    taints: &'a [Taint],
    applies: impl Fn(TaintEffect) -> bool,
) -> Option<&'a Taint> {
    taints
        .iter()
        .filter(|t| applies(t.effect))
        .find(|t| !tolerations.iter().any(|tol| tol.tolerates(t)))
}

/// The DefaultTolerationSeconds admission plugin: a pod that does not already tolerate
/// `not-ready:NoExecute` or `unreachable:NoExecute` (a toleration with that key or an empty
/// key, and effect NoExecute or none) gets one for 300 s.
pub fn add_default_tolerations(tolerations: &mut Vec<Toleration>) {
    for key in [NOT_READY, UNREACHABLE] {
        let covered = tolerations.iter().any(|t| {
            (t.key == key || t.key.is_empty())
                && t.effect.is_none_or(|e| e == TaintEffect::NoExecute)
        });
        if !covered {
            tolerations.push(Toleration {
                key: key.into(),
                operator: TolerationOperator::Exists,
                value: String::new(),
                effect: Some(TaintEffect::NoExecute),
                toleration_time: Some(DEFAULT_TOLERATION_TIME),
            });
        }
    }
}

/// How long a pod may stay on a node with `taints` once its NoExecute taints are there
/// (the taint manager's `GetMatchingTolerations` + `getMinTolerationTime`): `Some(0)` when
/// one of them is not tolerated, `None` when every one is tolerated forever, else the
/// shortest `tolerationSeconds` among the first toleration matching each taint.
pub fn time_to_eviction(tolerations: &[Toleration], taints: &[Taint]) -> Option<Nanos> {
    let mut min: Option<Nanos> = None;
    for taint in taints.iter().filter(|t| t.effect == TaintEffect::NoExecute) {
        let Some(used) = tolerations.iter().find(|t| t.tolerates(taint)) else {
            return Some(0);
        };
        if let Some(s) = used.toleration_time {
            min = Some(min.map_or(s, |m| m.min(s)));
        }
    }
    min
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect,
        }
    }
    fn tol(
        key: &str,
        op: TolerationOperator,
        value: &str,
        effect: Option<TaintEffect>,
    ) -> Toleration {
        Toleration {
            key: key.into(),
            operator: op,
            value: value.into(),
            effect,
            toleration_time: None,
        }
    }

    // Cases follow the Kubernetes documentation on taints and tolerations.
    #[test]
    fn matching_rules() {
        use TaintEffect::*;
        use TolerationOperator::*;
        let t = taint("key1", "value1", NoSchedule);
        assert!(tol("key1", Equal, "value1", Some(NoSchedule)).tolerates(&t));
        assert!(tol("key1", Exists, "", Some(NoSchedule)).tolerates(&t));
        assert!(tol("key1", Exists, "", None).tolerates(&t));
        assert!(tol("", Exists, "", None).tolerates(&t)); // empty key + Exists tolerates everything
        assert!(!tol("key1", Equal, "value2", Some(NoSchedule)).tolerates(&t));
        assert!(!tol("key1", Equal, "value1", Some(NoExecute)).tolerates(&t));
        assert!(!tol("key2", Exists, "", None).tolerates(&t));
    }

    #[test]
    fn first_untolerated_respects_the_effects_asked_about() {
        use TaintEffect::*;
        let scheduler = |e: TaintEffect| e != PreferNoSchedule;
        let taints = vec![taint("a", "", PreferNoSchedule)];
        assert!(first_untolerated(&[], &taints, scheduler).is_none());
        let taints = vec![
            taint("a", "", PreferNoSchedule),
            taint("gpu", "true", NoSchedule),
            taint("down", "", NoExecute),
        ];
        assert_eq!(
            first_untolerated(&[], &taints, scheduler).map(|t| t.key.as_str()),
            Some("gpu")
        );
        let ok = [tol("gpu", TolerationOperator::Equal, "true", None)];
        assert_eq!(
            first_untolerated(&ok, &taints, scheduler).map(|t| t.key.as_str()),
            Some("down")
        );
        // The kubelet looks at NoExecute only.
        let kubelet = |e: TaintEffect| e == NoExecute;
        assert_eq!(
            first_untolerated(&[], &taints, kubelet).map(|t| t.key.as_str()),
            Some("down")
        );
        let all = [tol("", TolerationOperator::Exists, "", None)];
        assert!(first_untolerated(&all, &taints, scheduler).is_none());
    }
}

#[cfg(test)]
mod eviction_tests {
    use super::*;

    fn noexec(key: &str) -> Taint {
        Taint {
            key: key.into(),
            value: String::new(),
            effect: TaintEffect::NoExecute,
        }
    }
    fn tol(key: &str, effect: Option<TaintEffect>, secs: Option<u64>) -> Toleration {
        Toleration {
            key: key.into(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect,
            toleration_time: secs.map(|s| s * NANOS_PER_SEC),
        }
    }

    // DefaultTolerationSeconds' admission test cases: nothing given → both added; a
    // matching key with any effect or an empty key covers the key.
    #[test]
    fn default_tolerations_are_added_unless_covered() {
        let mut none = vec![];
        add_default_tolerations(&mut none);
        assert_eq!(none.len(), 2);
        assert_eq!(none[0].key, NOT_READY);
        assert_eq!(none[1].key, UNREACHABLE);
        assert!(
            none.iter()
                .all(|t| t.toleration_time == Some(300 * NANOS_PER_SEC)
                    && t.effect == Some(TaintEffect::NoExecute))
        );
        let mut own = vec![tol(UNREACHABLE, Some(TaintEffect::NoExecute), Some(60))];
        add_default_tolerations(&mut own);
        assert_eq!(own.len(), 2);
        assert_eq!(own[1].key, NOT_READY);
        let mut no_effect = vec![tol(NOT_READY, None, None)];
        add_default_tolerations(&mut no_effect);
        assert_eq!(no_effect.len(), 2);
        let mut all = vec![tol("", None, None)];
        add_default_tolerations(&mut all);
        assert_eq!(all.len(), 1);
        // A NoSchedule toleration of the key does not cover NoExecute.
        let mut other = vec![tol(UNREACHABLE, Some(TaintEffect::NoSchedule), None)];
        add_default_tolerations(&mut other);
        assert_eq!(other.len(), 3);
    }

    #[test]
    fn time_to_eviction_follows_the_taint_manager() {
        let s = NANOS_PER_SEC;
        let taints = [noexec(UNREACHABLE)];
        assert_eq!(time_to_eviction(&[], &taints), Some(0));
        assert_eq!(time_to_eviction(&[], &[]), None);
        let t300 = tol(UNREACHABLE, Some(TaintEffect::NoExecute), Some(300));
        assert_eq!(
            time_to_eviction(std::slice::from_ref(&t300), &taints),
            Some(300 * s)
        );
        let forever = tol(UNREACHABLE, None, None);
        assert_eq!(
            time_to_eviction(std::slice::from_ref(&forever), &taints),
            None
        );
        // The first toleration matching a taint is the one used (GetMatchingTolerations).
        assert_eq!(
            time_to_eviction(&[forever.clone(), t300.clone()], &taints),
            None
        );
        assert_eq!(
            time_to_eviction(&[t300.clone(), forever], &taints),
            Some(300 * s)
        );
        // The minimum over the node's NoExecute taints; an untolerated one wins.
        let two = [noexec(UNREACHABLE), noexec("dedicated")];
        let t10 = tol("dedicated", None, Some(10));
        assert_eq!(time_to_eviction(&[t300.clone(), t10], &two), Some(10 * s));
        assert_eq!(time_to_eviction(&[t300], &two), Some(0));
    }
}
