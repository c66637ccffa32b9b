//! Distributions as written in scenario files, over typed values (`30s`, `500m`, `2Gi`).
//!
//! The spec keeps the user's typed values so that errors and `Display` can speak the scenario's
//! language; [`DistSpec::to_distribution`] converts to the engine's unit-less
//! [`Distribution`] and is the single place where parameters are validated.
//!
//! YAML forms (a bare value is a constant):
//!
//! ```yaml
//! runTime: 30s
//! runTime: {constant: 30s}
//! runTime: {exponential: {mean: 170s}}
//! runTime: {uniform: {min: 10s, max: 60s}}
//! runTime: {normal: {mean: 60s, stddev: 10s}}
//! runTime: {lognormal: {median: 60s, sigma: 0.5}}
//! runTime: {weibull: {scale: 100s, shape: 1.5}}
//! runTime: {pareto: {scale: 10s, shape: 2.5}}
//! runTime: {choice: [{value: 10s, weight: 3}, {value: 1m}]}
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, Visitor};

use crate::engine::dist::{Distribution, MAX_SAMPLE};

/// The accepted kind keys, in the order error messages list them.
const KINDS: &[&str] = &[
    "constant",
    "exponential",
    "uniform",
    "normal",
    "lognormal",
    "weibull",
    "pareto",
    "choice",
];

/// A distribution as written in a scenario: a bare value means a constant.
///
/// `T` is the typed value (a duration, a quantity…); unit-less shape parameters stay `f64`.
#[derive(Clone, Debug, PartialEq)]
pub enum DistSpec<T> {
    /// Always this value.
    Constant(T),
    /// Exponential with the given mean (memoryless, e.g. Poisson arrivals).
    Exponential {
        /// Mean, > 0.
        mean: T,
    },
    /// Continuous uniform on `[min, max)`.
    Uniform {
        /// Lower bound, >= 0.
        min: T,
        /// Upper bound, >= `min`.
        max: T,
    },
    /// Normal conditioned on being >= 0 (negative draws are redrawn).
    Normal {
        /// Mean before truncation, >= 0.
        mean: T,
        /// Standard deviation before truncation, >= 0.
        stddev: T,
    },
    /// Log-normal, written by its median because `e^mu` in base units is unreadable.
    LogNormal {
        /// Median (= e^mu), > 0.
        median: T,
        /// Standard deviation of ln X (unit-less), >= 0.
        sigma: f64,
    },
    /// Weibull with CDF `1 - exp(-(x/scale)^shape)`.
    Weibull {
        /// Scale λ, > 0.
        scale: T,
        /// Shape k (unit-less), > 0.
        shape: f64,
    },
    /// Pareto type I; `scale` is the minimum value.
    Pareto {
        /// Minimum value x_m, > 0.
        scale: T,
        /// Tail index α (unit-less), > 0; the mean is infinite for α <= 1.
        shape: f64,
    },
    /// Weighted choice among explicit values.
    Choice(Vec<Weighted<T>>),
}

/// One outcome of a [`DistSpec::Choice`]; `weight` defaults to 1 so equal-odds lists stay short.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weighted<T> {
    /// The outcome.
    pub value: T,
    /// Relative (not normalised) weight, finite and >= 0.
    #[serde(default = "default_weight")]
    pub weight: f64,
}

/// Serde default for [`Weighted::weight`].
fn default_weight() -> f64 {
    1.0
}

/// Parameters of `exponential`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeanParams<T> {
    mean: T,
}

/// Parameters of `uniform`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeParams<T> {
    min: T,
    max: T,
}

/// Parameters of `normal`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NormalParams<T> {
    mean: T,
    stddev: T,
}

/// Parameters of `lognormal`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogNormalParams<T> {
    median: T,
    sigma: f64,
}

/// Parameters of `weibull` and `pareto`, which happen to share names.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScaleShapeParams<T> {
    scale: T,
    shape: f64,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for DistSpec<T> {
    /// Hand-written rather than `#[serde(untagged)]` so a typo yields a precise message
    /// (unknown kind, unknown field) instead of "data did not match any variant".
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DistSpecVisitor(PhantomData))
    }
}

/// Dispatches scalars to `T` (the constant shorthand) and one-key maps to the named kind.
struct DistSpecVisitor<T>(PhantomData<T>);

/// Deserialize a scalar the visitor already consumed as `T`, so the shorthand accepts exactly
/// what `T` accepts (strings like `30s`, integers, floats…).
fn constant<'de, T, D>(scalar: D) -> Result<DistSpec<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    T::deserialize(scalar).map(DistSpec::Constant)
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for DistSpecVisitor<T> {
    type Value = DistSpec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a value (a constant) or a map with one key naming the distribution, one of {}",
            KINDS.join(", ")
        )
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        constant(IntoDeserializer::<E>::into_deserializer(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        constant(IntoDeserializer::<E>::into_deserializer(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        constant(IntoDeserializer::<E>::into_deserializer(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        constant(IntoDeserializer::<E>::into_deserializer(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        constant(IntoDeserializer::<E>::into_deserializer(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        constant(IntoDeserializer::<E>::into_deserializer(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        constant(IntoDeserializer::<E>::into_deserializer(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        // Keeps zero-copy `T`s (e.g. `&'de str`) working when the input allows borrowing.
        constant(de::value::BorrowedStrDeserializer::<E>::new(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        constant(IntoDeserializer::<E>::into_deserializer(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(kind) = map.next_key::<String>()? else {
            return Err(de::Error::custom(format!(
                "empty map: a distribution needs exactly one key naming its kind, one of {}",
                KINDS.join(", ")
            )));
        };
        let spec = match kind.as_str() {
            "constant" => DistSpec::Constant(map.next_value()?),
            "exponential" => {
                let MeanParams { mean } = map.next_value()?;
                DistSpec::Exponential { mean }
            }
            "uniform" => {
                let RangeParams { min, max } = map.next_value()?;
                DistSpec::Uniform { min, max }
            }
            "normal" => {
                let NormalParams { mean, stddev } = map.next_value()?;
                DistSpec::Normal { mean, stddev }
            }
            "lognormal" => {
                let LogNormalParams { median, sigma } = map.next_value()?;
                DistSpec::LogNormal { median, sigma }
            }
            "weibull" => {
                let ScaleShapeParams { scale, shape } = map.next_value()?;
                DistSpec::Weibull { scale, shape }
            }
            "pareto" => {
                let ScaleShapeParams { scale, shape } = map.next_value()?;
                DistSpec::Pareto { scale, shape }
            }
            "choice" => DistSpec::Choice(map.next_value()?),
            // Not `Error::unknown_variant`: its wording ("unknown variant") means nothing to a
            // scenario author, and listing the kinds is the useful part.
            _ => {
                return Err(de::Error::custom(format!(
                    "unknown distribution `{kind}`, expected one of {}",
                    KINDS.join(", ")
                )));
            }
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a distribution needs exactly one key naming its kind, found both `{kind}` and \
                 `{extra}`"
            )));
        }
        Ok(spec)
    }
}

impl<T> DistSpec<T> {
    /// The kind key as written in YAML, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Constant(_) => "constant",
            Self::Exponential { .. } => "exponential",
            Self::Uniform { .. } => "uniform",
            Self::Normal { .. } => "normal",
            Self::LogNormal { .. } => "lognormal",
            Self::Weibull { .. } => "weibull",
            Self::Pareto { .. } => "pareto",
            Self::Choice(_) => "choice",
        }
    }

    /// Convert to a sampler, mapping each value to its base unit with `to_base` (e.g. seconds,
    /// cores), and validate the parameters.
    ///
    /// Values in messages are in base units because `T` is not required to be `Display`; the
    /// caller is expected to prefix the field path (e.g. `jobs[2].runTime: `).
    pub fn to_distribution(&self, to_base: impl Fn(&T) -> f64) -> Result<Distribution, String> {
        let kind = self.kind();
        match self {
            Self::Constant(value) => Ok(Distribution::Constant(non_negative(
                kind,
                "value",
                to_base(value),
            )?)),
            Self::Exponential { mean } => Ok(Distribution::Exponential {
                mean: positive(kind, "mean", to_base(mean))?,
            }),
            Self::Uniform { min, max } => {
                let min = non_negative(kind, "min", to_base(min))?;
                let max = non_negative(kind, "max", to_base(max))?;
                if min > max {
                    return Err(format!(
                        "uniform: min ({}) must not exceed max ({})",
                        num(min),
                        num(max)
                    ));
                }
                Ok(Distribution::Uniform { min, max })
            }
            Self::Normal { mean, stddev } => Ok(Distribution::Normal {
                mean: non_negative(kind, "mean", to_base(mean))?,
                stddev: non_negative(kind, "stddev", to_base(stddev))?,
            }),
            Self::LogNormal { median, sigma } => Ok(Distribution::LogNormal {
                mu: positive(kind, "median", to_base(median))?.ln(),
                sigma: shape_param(kind, "sigma", *sigma, false)?,
            }),
            Self::Weibull { scale, shape } => Ok(Distribution::Weibull {
                scale: positive(kind, "scale", to_base(scale))?,
                shape: shape_param(kind, "shape", *shape, true)?,
            }),
            Self::Pareto { scale, shape } => Ok(Distribution::Pareto {
                scale: positive(kind, "scale", to_base(scale))?,
                shape: shape_param(kind, "shape", *shape, true)?,
            }),
            Self::Choice(options) => {
                let values = options
                    .iter()
                    .map(|option| non_negative(kind, "value", to_base(&option.value)))
                    .collect::<Result<Vec<_>, _>>()?;
                let weights: Vec<f64> = options.iter().map(|option| option.weight).collect();
                Distribution::choice(values, &weights)
            }
        }
    }
}

/// Check a value-typed parameter (already in base units) that may be zero.
fn non_negative(kind: &str, param: &str, x: f64) -> Result<f64, String> {
    let x = finite_value(kind, param, x)?;
    if x >= 0.0 {
        Ok(x)
    } else {
        Err(format!("{kind}: {param} must be >= 0, got {}", num(x)))
    }
}

/// Check a value-typed parameter (already in base units) that must be strictly positive.
fn positive(kind: &str, param: &str, x: f64) -> Result<f64, String> {
    let x = finite_value(kind, param, x)?;
    if x > 0.0 {
        Ok(x)
    } else {
        Err(format!("{kind}: {param} must be > 0, got {}", num(x)))
    }
}

/// Reject NaN/inf from `to_base`, and values the sampler would silently clamp: better to tell
/// the author than to simulate something other than what they wrote.
fn finite_value(kind: &str, param: &str, x: f64) -> Result<f64, String> {
    if !x.is_finite() {
        Err(format!("{kind}: {param} must be finite, got {}", num(x)))
    } else if x > MAX_SAMPLE {
        Err(format!(
            "{kind}: {param} must be at most {MAX_SAMPLE} (in base units), got {}",
            num(x)
        ))
    } else {
        Ok(x)
    }
}

/// Check a unit-less shape parameter; `strict` means zero is not allowed.
fn shape_param(kind: &str, param: &str, x: f64, strict: bool) -> Result<f64, String> {
    if !x.is_finite() {
        Err(format!("{kind}: {param} must be finite, got {}", num(x)))
    } else if strict && x <= 0.0 {
        Err(format!("{kind}: {param} must be > 0, got {}", num(x)))
    } else if x < 0.0 {
        Err(format!("{kind}: {param} must be >= 0, got {}", num(x)))
    } else {
        Ok(x)
    }
}

/// Format a number for an error message: plain for everyday magnitudes, scientific for huge
/// or tiny ones (f64's `Display` would print all 300 digits of `1e300`).
fn num(x: f64) -> String {
    let magnitude = x.abs();
    if magnitude != 0.0 && x.is_finite() && !(1e-4..1e16).contains(&magnitude) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

impl<T: fmt::Display> fmt::Display for DistSpec<T> {
    /// Writes the YAML flow form, so a message quoting a spec can be pasted back into a scenario.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Constant(value) => write!(f, "{value}"),
            Self::Exponential { mean } => write!(f, "{{exponential: {{mean: {mean}}}}}"),
            Self::Uniform { min, max } => write!(f, "{{uniform: {{min: {min}, max: {max}}}}}"),
            Self::Normal { mean, stddev } => {
                write!(f, "{{normal: {{mean: {mean}, stddev: {stddev}}}}}")
            }
            Self::LogNormal { median, sigma } => {
                write!(f, "{{lognormal: {{median: {median}, sigma: {sigma}}}}}")
            }
            Self::Weibull { scale, shape } => {
                write!(f, "{{weibull: {{scale: {scale}, shape: {shape}}}}}")
            }
            Self::Pareto { scale, shape } => {
                write!(f, "{{pareto: {{scale: {scale}, shape: {shape}}}}}")
            }
            Self::Choice(options) => {
                f.write_str("{choice: [")?;
                for (i, option) in options.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{{value: {}, weight: {}}}", option.value, option.weight)?;
                }
                f.write_str("]}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stand-in for the crate's duration type: parses `500ms`, `30s`, `2m`, `1h` or a bare
    /// number of seconds.
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Secs(f64);

    impl fmt::Display for Secs {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}s", self.0)
        }
    }

    impl<'de> Deserialize<'de> for Secs {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Secs;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a duration like 30s")
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Secs, E> {
                    Ok(Secs(v as f64))
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<Secs, E> {
                    Ok(Secs(v as f64))
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<Secs, E> {
                    Ok(Secs(v))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Secs, E> {
                    let (num, factor) = if let Some(n) = v.strip_suffix("ms") {
                        (n, 0.001)
                    } else if let Some(n) = v.strip_suffix('s') {
                        (n, 1.0)
                    } else if let Some(n) = v.strip_suffix('m') {
                        (n, 60.0)
                    } else if let Some(n) = v.strip_suffix('h') {
                        (n, 3600.0)
                    } else {
                        (v, 1.0)
                    };
                    num.parse::<f64>()
                        .map(|n| Secs(n * factor))
                        .map_err(|_| E::custom(format!("invalid duration `{v}`")))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// Stand-in for the crate's quantity type: `500m` is 0.5 cores, `2Gi` is 2^31 bytes.
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Qty(f64);

    impl<'de> Deserialize<'de> for Qty {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Qty;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a quantity like 500m or 2Gi")
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Qty, E> {
                    Ok(Qty(v as f64))
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<Qty, E> {
                    Ok(Qty(v))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Qty, E> {
                    let (num, factor) = if let Some(n) = v.strip_suffix("Gi") {
                        (n, 1024.0 * 1024.0 * 1024.0)
                    } else if let Some(n) = v.strip_suffix('m') {
                        (n, 0.001)
                    } else {
                        (v, 1.0)
                    };
                    num.parse::<f64>()
                        .map(|n| Qty(n * factor))
                        .map_err(|_| E::custom(format!("invalid quantity `{v}`")))
                }
            }
            d.deserialize_any(V)
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Job {
        run_time: DistSpec<Secs>,
    }

    fn job(yaml: &str) -> Result<DistSpec<Secs>, String> {
        serde_yaml::from_str::<Job>(yaml)
            .map(|j| j.run_time)
            .map_err(|e| e.to_string())
    }

    fn parse_err(yaml: &str) -> String {
        match job(yaml) {
            Ok(spec) => panic!("expected an error for {yaml:?}, got {spec:?}"),
            Err(e) => e,
        }
    }

    fn secs(spec: &DistSpec<Secs>) -> Result<Distribution, String> {
        spec.to_distribution(|s| s.0)
    }

    fn weighted(value: f64, weight: f64) -> Weighted<Secs> {
        Weighted {
            value: Secs(value),
            weight,
        }
    }

    #[test]
    fn every_documented_form_parses() {
        let cases = [
            ("runTime: 30s", DistSpec::Constant(Secs(30.0))),
            ("runTime: 30", DistSpec::Constant(Secs(30.0))),
            ("runTime: 2.5", DistSpec::Constant(Secs(2.5))),
            ("runTime: '1m'", DistSpec::Constant(Secs(60.0))),
            ("runTime: {constant: 30s}", DistSpec::Constant(Secs(30.0))),
            (
                "runTime: {exponential: {mean: 170s}}",
                DistSpec::Exponential { mean: Secs(170.0) },
            ),
            (
                "runTime: {uniform: {min: 10s, max: 60s}}",
                DistSpec::Uniform {
                    min: Secs(10.0),
                    max: Secs(60.0),
                },
            ),
            (
                "runTime: {normal: {mean: 60s, stddev: 10s}}",
                DistSpec::Normal {
                    mean: Secs(60.0),
                    stddev: Secs(10.0),
                },
            ),
            (
                "runTime: {lognormal: {median: 60s, sigma: 0.5}}",
                DistSpec::LogNormal {
                    median: Secs(60.0),
                    sigma: 0.5,
                },
            ),
            (
                "runTime: {weibull: {scale: 100s, shape: 1.5}}",
                DistSpec::Weibull {
                    scale: Secs(100.0),
                    shape: 1.5,
                },
            ),
            (
                "runTime: {pareto: {scale: 10s, shape: 2}}",
                DistSpec::Pareto {
                    scale: Secs(10.0),
                    shape: 2.0,
                },
            ),
            (
                "runTime: {choice: [{value: 10s, weight: 3}, {value: 1m}]}",
                DistSpec::Choice(vec![weighted(10.0, 3.0), weighted(60.0, 1.0)]),
            ),
        ];
        for (yaml, want) in cases {
            assert_eq!(job(yaml), Ok(want), "{yaml}");
        }
    }

    #[test]
    fn block_style_yaml_parses() {
        let yaml = "
runTime:
  choice:
    - value: 10s
      weight: 3
    - value: 1m
";
        assert_eq!(
            job(yaml),
            Ok(DistSpec::Choice(vec![
                weighted(10.0, 3.0),
                weighted(60.0, 1.0)
            ]))
        );
        let yaml = "runTime:\n  uniform:\n    min: 10s\n    max: 1m\n";
        assert_eq!(
            job(yaml),
            Ok(DistSpec::Uniform {
                min: Secs(10.0),
                max: Secs(60.0)
            })
        );
    }

    #[test]
    fn plain_f64_values() {
        let parse =
            |yaml: &str| serde_yaml::from_str::<DistSpec<f64>>(yaml).map_err(|e| e.to_string());
        assert_eq!(parse("3"), Ok(DistSpec::Constant(3.0)));
        assert_eq!(parse("-3"), Ok(DistSpec::Constant(-3.0)));
        assert_eq!(parse("2.5"), Ok(DistSpec::Constant(2.5)));
        assert_eq!(
            parse("{uniform: {min: 1, max: 2.5}}"),
            Ok(DistSpec::Uniform { min: 1.0, max: 2.5 })
        );
        let err = parse("30s").expect_err("f64 does not accept units");
        assert!(
            err.contains("invalid type: string \"30s\", expected f64"),
            "{err}"
        );
        // Negative constants parse (T accepts them) but are rejected on conversion.
        let spec = DistSpec::Constant(-3.0);
        assert_eq!(
            spec.to_distribution(|v| *v),
            Err("constant: value must be >= 0, got -3".to_string())
        );
    }

    #[test]
    fn quantity_values_convert_to_base_units() {
        let spec: DistSpec<Qty> =
            serde_yaml::from_str("{uniform: {min: 500m, max: 2}}").expect("valid spec");
        assert_eq!(
            spec.to_distribution(|q| q.0),
            Ok(Distribution::Uniform { min: 0.5, max: 2.0 })
        );
        let spec: Result<DistSpec<Qty>, _> = serde_yaml::from_str("2Gi");
        assert_eq!(
            spec.map_err(|e| e.to_string())
                .and_then(|s| s.to_distribution(|q| q.0)),
            Ok(Distribution::Constant(2_147_483_648.0))
        );
    }

    #[test]
    fn to_distribution_converts_units() {
        let ok = |yaml: &str| job(yaml).and_then(|spec| secs(&spec));
        assert_eq!(ok("runTime: 1m"), Ok(Distribution::Constant(60.0)));
        assert_eq!(
            ok("runTime: {exponential: {mean: 2m}}"),
            Ok(Distribution::Exponential { mean: 120.0 })
        );
        assert_eq!(
            ok("runTime: {uniform: {min: 500ms, max: 1m}}"),
            Ok(Distribution::Uniform {
                min: 0.5,
                max: 60.0
            })
        );
        assert_eq!(
            ok("runTime: {normal: {mean: 1h, stddev: 1m}}"),
            Ok(Distribution::Normal {
                mean: 3600.0,
                stddev: 60.0
            })
        );
        assert_eq!(
            ok("runTime: {lognormal: {median: 1m, sigma: 0.5}}"),
            Ok(Distribution::LogNormal {
                mu: 60.0_f64.ln(),
                sigma: 0.5
            })
        );
        assert_eq!(
            ok("runTime: {weibull: {scale: 2m, shape: 1.5}}"),
            Ok(Distribution::Weibull {
                scale: 120.0,
                shape: 1.5
            })
        );
        assert_eq!(
            ok("runTime: {pareto: {scale: 10s, shape: 2.5}}"),
            Ok(Distribution::Pareto {
                scale: 10.0,
                shape: 2.5
            })
        );
        assert_eq!(
            ok("runTime: {choice: [{value: 10s, weight: 3}, {value: 1m}]}"),
            Distribution::choice(vec![10.0, 60.0], &[3.0, 1.0])
        );
        // A different base unit: milliseconds.
        let spec = DistSpec::Uniform {
            min: Secs(1.0),
            max: Secs(2.0),
        };
        assert_eq!(
            spec.to_distribution(|s| s.0 * 1000.0),
            Ok(Distribution::Uniform {
                min: 1000.0,
                max: 2000.0
            })
        );
        // The lognormal median really is the median of the resulting sampler.
        let Ok(dist) = ok("runTime: {lognormal: {median: 1m, sigma: 0.5}}") else {
            panic!("lognormal failed to convert");
        };
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
        let below = (0..20_000).filter(|_| dist.sample(&mut rng) < 60.0).count();
        assert!((9_500..10_500).contains(&below), "{below}");
    }

    #[test]
    fn unknown_kind_lists_the_kinds() {
        let err = parse_err("runTime: {expo: {mean: 1s}}");
        assert!(
            err.contains(
                "unknown distribution `expo`, expected one of constant, exponential, uniform, \
                 normal, lognormal, weibull, pareto, choice"
            ),
            "{err}"
        );
        // serde_yaml attaches the path and the position.
        assert!(err.starts_with("runTime: "), "{err}");
        assert!(err.contains("line 1 column"), "{err}");
    }

    #[test]
    fn unknown_parameter_names_the_expected_ones() {
        let err = parse_err("runTime: {exponential: {men: 170s}}");
        assert!(
            err.contains("unknown field `men`, expected `mean`"),
            "{err}"
        );
        let err = parse_err("runTime: {uniform: {min: 1s, max: 2s, mean: 1s}}");
        assert!(
            err.contains("unknown field `mean`, expected `min` or `max`"),
            "{err}"
        );
        let err = parse_err("runTime: {choice: [{value: 1s, wieght: 2}]}");
        assert!(
            err.contains("unknown field `wieght`, expected `value` or `weight`"),
            "{err}"
        );
        let err = parse_err("runTime: {lognormal: {mu: 1, sigma: 1}}");
        assert!(
            err.contains("unknown field `mu`, expected `median` or `sigma`"),
            "{err}"
        );
    }

    #[test]
    fn missing_parameter_is_named() {
        let err = parse_err("runTime: {uniform: {min: 1s}}");
        assert!(err.contains("missing field `max`"), "{err}");
        let err = parse_err("runTime: {weibull: {scale: 1s}}");
        assert!(err.contains("missing field `shape`"), "{err}");
    }

    #[test]
    fn map_must_have_exactly_one_key() {
        let err = parse_err("runTime: {exponential: {mean: 1s}, uniform: {min: 1s, max: 2s}}");
        assert!(
            err.contains(
                "a distribution needs exactly one key naming its kind, found both `exponential` \
                 and `uniform`"
            ),
            "{err}"
        );
        let err = parse_err("runTime: {}");
        assert!(
            err.contains("empty map: a distribution needs exactly one key naming its kind"),
            "{err}"
        );
        assert!(err.contains("one of constant, exponential"), "{err}");
    }

    #[test]
    fn bad_values_report_the_inner_error() {
        let err = parse_err("runTime: abc");
        assert!(err.contains("invalid duration `abc`"), "{err}");
        let err = parse_err("runTime: {exponential: {mean: xyz}}");
        assert!(err.contains("invalid duration `xyz`"), "{err}");
        let err = parse_err("runTime: [1, 2]");
        assert!(err.contains("invalid type: sequence"), "{err}");
        assert!(
            err.contains("a map with one key naming the distribution"),
            "{err}"
        );
        let err = parse_err("runTime: {lognormal: {median: 1s, sigma: wide}}");
        assert!(
            err.contains("invalid type: string \"wide\", expected f64"),
            "{err}"
        );
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        let err = |yaml: &str| match job(yaml).map(|spec| secs(&spec)) {
            Ok(Err(e)) => e,
            other => panic!("expected a validation error for {yaml:?}, got {other:?}"),
        };
        let cases = [
            ("runTime: -1", "constant: value must be >= 0, got -1"),
            (
                "runTime: {uniform: {min: 5s, max: 1s}}",
                "uniform: min (5) must not exceed max (1)",
            ),
            (
                "runTime: {uniform: {min: -5s, max: 1s}}",
                "uniform: min must be >= 0, got -5",
            ),
            (
                "runTime: {exponential: {mean: 0s}}",
                "exponential: mean must be > 0, got 0",
            ),
            (
                "runTime: {exponential: {mean: -2s}}",
                "exponential: mean must be > 0, got -2",
            ),
            (
                "runTime: {normal: {mean: -1s, stddev: 1s}}",
                "normal: mean must be >= 0, got -1",
            ),
            (
                "runTime: {normal: {mean: 1s, stddev: -1s}}",
                "normal: stddev must be >= 0, got -1",
            ),
            (
                "runTime: {lognormal: {median: 0s, sigma: 1}}",
                "lognormal: median must be > 0, got 0",
            ),
            (
                "runTime: {lognormal: {median: 1s, sigma: -1}}",
                "lognormal: sigma must be >= 0, got -1",
            ),
            (
                "runTime: {lognormal: {median: 1s, sigma: .inf}}",
                "lognormal: sigma must be finite, got inf",
            ),
            (
                "runTime: {weibull: {scale: 1s, shape: 0}}",
                "weibull: shape must be > 0, got 0",
            ),
            (
                "runTime: {weibull: {scale: 0s, shape: 1}}",
                "weibull: scale must be > 0, got 0",
            ),
            (
                "runTime: {pareto: {scale: 1s, shape: -2}}",
                "pareto: shape must be > 0, got -2",
            ),
            (
                "runTime: {pareto: {scale: .nan, shape: 2}}",
                "pareto: scale must be finite, got NaN",
            ),
            ("runTime: {choice: []}", "choice: needs at least one value"),
            (
                "runTime: {choice: [{value: 1s, weight: 0}]}",
                "choice: weights must be finite and >= 0 and not all zero",
            ),
            (
                "runTime: {choice: [{value: 1s, weight: -1}, {value: 2s}]}",
                "choice: weights must be finite and >= 0 and not all zero",
            ),
            (
                "runTime: {choice: [{value: 1s, weight: .inf}]}",
                "choice: weights must be finite and >= 0 and not all zero",
            ),
            (
                "runTime: {choice: [{value: -1s}]}",
                "choice: value must be >= 0, got -1",
            ),
            (
                "runTime: 1e300",
                "constant: value must be at most 9007199254740992 (in base units), got 1e300",
            ),
        ];
        for (yaml, want) in cases {
            assert_eq!(err(yaml), want, "{yaml}");
        }
        // Degenerate but meaningful parameters are accepted.
        for yaml in [
            "runTime: 0s",
            "runTime: {uniform: {min: 5s, max: 5s}}",
            "runTime: {normal: {mean: 0s, stddev: 0s}}",
            "runTime: {lognormal: {median: 1s, sigma: 0}}",
            "runTime: {pareto: {scale: 1s, shape: 0.5}}",
            "runTime: {choice: [{value: 0s, weight: 0}, {value: 1s}]}",
        ] {
            assert!(job(yaml).and_then(|spec| secs(&spec)).is_ok(), "{yaml}");
        }
    }

    #[test]
    fn display_round_trips_through_yaml() {
        let specs = [
            DistSpec::Constant(Secs(30.0)),
            DistSpec::Exponential { mean: Secs(170.0) },
            DistSpec::Uniform {
                min: Secs(10.0),
                max: Secs(60.5),
            },
            DistSpec::Normal {
                mean: Secs(60.0),
                stddev: Secs(10.0),
            },
            DistSpec::LogNormal {
                median: Secs(60.0),
                sigma: 0.5,
            },
            DistSpec::Weibull {
                scale: Secs(100.0),
                shape: 1.5,
            },
            DistSpec::Pareto {
                scale: Secs(10.0),
                shape: 2.5,
            },
            DistSpec::Choice(vec![weighted(10.0, 3.0), weighted(60.0, 1.0)]),
        ];
        for spec in specs {
            let text = spec.to_string();
            assert_eq!(job(&format!("runTime: {text}")), Ok(spec), "{text}");
        }
        assert_eq!(
            DistSpec::Choice(vec![weighted(10.0, 3.0), weighted(60.0, 1.0)]).to_string(),
            "{choice: [{value: 10s, weight: 3}, {value: 60s, weight: 1}]}"
        );
    }

    #[test]
    fn kind_names_match_the_yaml_keys() {
        let spec: DistSpec<Secs> = DistSpec::Pareto {
            scale: Secs(1.0),
            shape: 2.0,
        };
        assert_eq!(spec.kind(), "pareto");
        assert_eq!(DistSpec::Constant(Secs(1.0)).kind(), "constant");
        assert_eq!(DistSpec::<Secs>::Choice(vec![]).kind(), "choice");
    }
}
