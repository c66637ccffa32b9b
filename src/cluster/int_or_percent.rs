//! Kubernetes' `IntOrString` as counts of pods use it: a number, or a percent of some total
//! (`maxSurge`, `maxUnavailable`, `minAvailable`).

/// A number of pods, or a percent of a total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    /// A number of pods.
    Int(u32),
    /// A percent of the total.
    Percent(u32),
}

impl IntOrPercent {
    /// Reads `"25%"`; as upstream, a string must be a whole percentage (a plain count is
    /// given as a YAML integer).
    pub fn parse_percent(s: &str) -> Result<IntOrPercent, String> {
        s.strip_suffix('%')
            .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
            .and_then(|d| d.parse::<u32>().ok())
            .map(IntOrPercent::Percent)
            .ok_or_else(|| {
                format!(
                    "`{s}` is neither a count nor a percentage: write an integer (2) or a whole \
                     percentage (\"25%\")"
                )
            })
    }

    /// The value for `total` pods: a percent rounds up or down as asked
    /// (`intstr.GetScaledValueFromIntOrPercent`).
    pub fn scaled(self, total: u32, round_up: bool) -> u32 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => {
                let x = u64::from(p) * u64::from(total);
                let v = if round_up { x.div_ceil(100) } else { x / 100 };
                v.min(u64::from(u32::MAX)) as u32
            }
        }
    }

    /// Whether it is zero however large the total.
    pub fn is_zero(self) -> bool {
        matches!(self, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_strings_and_rounding() {
        assert_eq!(
            IntOrPercent::parse_percent("25%"),
            Ok(IntOrPercent::Percent(25))
        );
        for bad in ["oops", "25", "%", "-5%", "2.5%", " 5%"] {
            assert!(IntOrPercent::parse_percent(bad).is_err(), "{bad}");
        }
        // 39 % of 10 is 3.9 pods: 4 rounded up, 3 down.
        assert_eq!(IntOrPercent::Percent(39).scaled(10, true), 4);
        assert_eq!(IntOrPercent::Percent(39).scaled(10, false), 3);
        assert_eq!(IntOrPercent::Int(7).scaled(10, false), 7);
        assert!(IntOrPercent::Percent(0).is_zero() && !IntOrPercent::Int(1).is_zero());
    }
}
