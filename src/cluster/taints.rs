//! Taints and tolerations, with Kubernetes' matching rules (`ToleratesTaint`).

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
