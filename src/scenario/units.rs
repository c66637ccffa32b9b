//! Kubernetes units for scenario files: resource quantities, durations and
//! event rates.
//!
//! Everything here is exact where the input is exact. Quantities are held as
//! integer nano-units and durations as integer nanoseconds, so `0.1` cpu is
//! exactly `100m` and `1.5h` is exactly 5 400 000 000 000 ns; floating point
//! only appears in [`Rate`], whose purpose is to feed a random-number
//! distribution anyway.
//!
//! Parsers return `Result<_, String>` with messages meant for the author of a
//! scenario file: each one says what was wrong and what is allowed. The
//! `Deserialize` impls pass those messages through `serde::de::Error::custom`
//! so that `serde_yaml` can prefix the field path and append line and column.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};

// ---------------------------------------------------------------------------
// Shared helpers for exact decimal arithmetic on digit strings.
// ---------------------------------------------------------------------------

/// Nano-units per whole unit (and nanoseconds per second).
const NANOS_PER_UNIT: u128 = 1_000_000_000;

/// Converts a string of ASCII digits into digit values (0..=9).
///
/// Callers only pass strings that were selected with `is_ascii_digit`, so the
/// subtraction cannot underflow.
fn digit_values(ascii: &str) -> Vec<u8> {
    ascii.bytes().map(|b| b - b'0').collect()
}

/// Reads big-endian digit values as a `u128`; `None` on overflow.
///
/// Leading zeros are harmless: they never make the accumulator overflow.
fn digits_to_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u128::from(d))
    })
}

/// Multiplies big-endian digit values by `m`, returning the exact product as
/// big-endian digit values.
///
/// This is the only "bignum" operation the parsers need: it lets them scale
/// an arbitrarily long decimal mantissa by a binary suffix or a time unit
/// without ever losing a digit. The carry stays `<= m`, so `10 * m` must fit
/// in a `u128`; callers use `m <= 2^60`.
fn mul_digits(digits: &[u8], m: u128) -> Vec<u8> {
    let mut out = Vec::with_capacity(digits.len() + 20);
    let mut carry: u128 = 0;
    for &d in digits.iter().rev() {
        let cur = u128::from(d) * m + carry;
        out.push((cur % 10) as u8);
        carry = cur / 10;
    }
    while carry > 0 {
        out.push((carry % 10) as u8);
        carry /= 10;
    }
    out.reverse();
    out
}

/// Splits `s` into its leading run of ASCII digits and the rest.
fn split_digits(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    // The first `n` bytes are ASCII, so `n` is a char boundary.
    s.split_at(n)
}

/// Splits `digits[.digits]` off the front of `s`: `(integer, fraction, rest)`.
fn split_decimal(s: &str) -> (&str, &str, &str) {
    let (int, after) = split_digits(s);
    match after.strip_prefix('.') {
        Some(after_dot) => {
            let (frac, rest) = split_digits(after_dot);
            (int, frac, rest)
        }
        None => (int, "", after),
    }
}

/// Writes `value / 10^digits` exactly, trimming trailing zeros of the
/// fraction (and the point itself when the value is whole).
fn fixed_point(value: u64, digits: u32) -> String {
    let mut out = String::new();
    write_fixed_point(&mut out, value, digits);
    out
}

/// Appends `value / 10^digits` as an exact decimal with the fraction's trailing zeros
/// trimmed (`1500, 3` → `1.5`). Writes into a caller's buffer because output files format
/// millions of times and must not allocate for each.
pub fn write_fixed_point(out: &mut String, value: u64, digits: u32) {
    use std::fmt::Write as _;
    let scale = 10u64.pow(digits);
    let (whole, mut frac) = (value / scale, value % scale);
    // Writing to a String cannot fail.
    let _ = write!(out, "{whole}");
    if frac != 0 {
        let mut width = digits as usize;
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        let _ = write!(out, ".{frac:0width$}");
    }
}

/// Exact decimal seconds for CSV output, without float noise.
///
/// `0` -> `"0"`, `1_500_000_000` -> `"1.5"`, `1` -> `"0.000000001"`,
/// `60_000_000_000` -> `"60"`: trailing zeros of the fraction are trimmed so
/// that columns stay short, but no precision is ever lost (unlike printing
/// an `f64`, which would show `1e-9` or rounding noise).
#[must_use]
pub fn format_seconds(ns: u64) -> String {
    fixed_point(ns, 9)
}

// ---------------------------------------------------------------------------
// Quantity
// ---------------------------------------------------------------------------

/// What every quantity error message ends with: the allowed syntax.
const QUANTITY_HELP: &str = "expected a Kubernetes quantity like 500m, 2, 1.5, 512Mi, 2Gi or 1e3 \
     (an optional sign, a decimal number, then an optional suffix: binary Ki, Mi, Gi, Ti, Pi, Ei \
     (powers of 1024), decimal n, u, m, k, M, G, T, P, E (powers of 1000; m is milli, M is mega), \
     or an exponent like e3 or E-2)";

/// Largest accepted magnitude in nano-units: `2^63 - 1` whole units.
///
/// Kubernetes caps binary quantities at the same value; anything larger is
/// certainly a typo in a scenario, and the cap guarantees that [`Quantity::value`]
/// of a parsed quantity always fits an `i64`.
const MAX_NANOS: u128 = i64::MAX as u128 * NANOS_PER_UNIT;

/// Decimal SI suffixes as (nano-units per suffix unit, suffix), largest first.
const DECIMAL_SUFFIXES: [(u128, &str); 10] = [
    (10u128.pow(27), "E"),
    (10u128.pow(24), "P"),
    (10u128.pow(21), "T"),
    (10u128.pow(18), "G"),
    (10u128.pow(15), "M"),
    (10u128.pow(12), "k"),
    (10u128.pow(9), ""),
    (10u128.pow(6), "m"),
    (10u128.pow(3), "u"),
    (1, "n"),
];

/// Binary suffixes as (power of two, suffix), largest first.
const BINARY_SUFFIXES: [(u32, &str); 6] = [
    (60, "Ei"),
    (50, "Pi"),
    (40, "Ti"),
    (30, "Gi"),
    (20, "Mi"),
    (10, "Ki"),
];

/// An exact Kubernetes resource quantity, held in nano-units.
///
/// Nano-units are the finest precision Kubernetes keeps (`1n`); holding them
/// in an `i128` keeps every parsed quantity exact (no `f64`) with room to
/// spare for sums of many quantities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity {
    nanos: i128,
}

/// How a quantity suffix scales the number in front of it.
struct SuffixScale {
    /// The number is multiplied by `2^binary_shift`.
    binary_shift: u32,
    /// The number is multiplied by `10^decimal_exponent`.
    decimal_exponent: i128,
}

impl Quantity {
    /// Parses Kubernetes `resource.Quantity` syntax, e.g. `500m`, `2`, `1.5`,
    /// `.5`, `512Mi`, `2Gi`, `1G`, `1e3`, `12E6`, `-1`.
    ///
    /// Like Kubernetes, precision finer than one nano-unit is rounded up in
    /// magnitude (away from zero), so a tiny non-zero request never becomes
    /// zero. Whitespace is not allowed (Kubernetes rejects it too), and
    /// magnitudes above `2^63 - 1` whole units are refused.
    ///
    /// # Errors
    ///
    /// A message naming the problem (empty, not a number, unknown suffix with
    /// a guess at the intended one, bad exponent, out of range) and the
    /// allowed syntax.
    pub fn parse(s: &str) -> Result<Quantity, String> {
        if s.is_empty() {
            return Err(format!("empty quantity; {QUANTITY_HELP}"));
        }
        if s.trim() != s {
            return Err(format!(
                "quantity `{s}` has leading or trailing whitespace; {QUANTITY_HELP}"
            ));
        }
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac, suffix) = split_decimal(body);
        if int.is_empty() && frac.is_empty() {
            return Err(format!("`{s}` is not a quantity; {QUANTITY_HELP}"));
        }
        let scale = Self::suffix_scale(s, suffix)?;
        let magnitude = Self::magnitude_nanos(int, frac, &scale)
            .filter(|&m| m <= MAX_NANOS)
            .ok_or_else(|| out_of_range(format_args!("`{s}`")))?;
        // `magnitude <= MAX_NANOS < i128::MAX`, so the conversion cannot fail.
        let nanos = i128::try_from(magnitude).map_err(|e| e.to_string())?;
        Ok(Quantity {
            nanos: if negative { -nanos } else { nanos },
        })
    }

    /// Interprets the suffix after the number (`s` is the whole input, for
    /// error messages).
    fn suffix_scale(s: &str, suffix: &str) -> Result<SuffixScale, String> {
        let decimal = |decimal_exponent| SuffixScale {
            binary_shift: 0,
            decimal_exponent,
        };
        let binary = |binary_shift| SuffixScale {
            binary_shift,
            decimal_exponent: 0,
        };
        Ok(match suffix {
            "" => decimal(0),
            "n" => decimal(-9),
            "u" => decimal(-6),
            "m" => decimal(-3),
            "k" => decimal(3),
            "M" => decimal(6),
            "G" => decimal(9),
            "T" => decimal(12),
            "P" => decimal(15),
            "E" => decimal(18),
            "Ki" => binary(10),
            "Mi" => binary(20),
            "Gi" => binary(30),
            "Ti" => binary(40),
            "Pi" => binary(50),
            "Ei" => binary(60),
            _ => match suffix.strip_prefix(['e', 'E']).filter(|e| !e.is_empty()) {
                Some(exponent) => {
                    let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
                    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(format!(
                            "invalid exponent `{suffix}` in quantity `{s}`; {QUANTITY_HELP}"
                        ));
                    }
                    let exponent: i64 = exponent.parse().map_err(|_| {
                        format!("exponent `{suffix}` in quantity `{s}` is out of range")
                    })?;
                    decimal(i128::from(exponent))
                }
                None => {
                    let hint = Self::suffix_hint(suffix)
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default();
                    return Err(format!(
                        "unknown suffix `{suffix}` in quantity `{s}`{hint}; {QUANTITY_HELP}"
                    ));
                }
            },
        })
    }

    /// Guesses what an unknown suffix was meant to be, e.g. `GB` -> `G`/`Gi`.
    fn suffix_hint(suffix: &str) -> Option<&'static str> {
        let lower = suffix.trim().to_lowercase();
        let without_b = lower.strip_suffix('b').unwrap_or(&lower);
        Some(match without_b {
            "ki" => "did you mean `Ki`?",
            "mi" => "did you mean `Mi`?",
            "gi" => "did you mean `Gi`?",
            "ti" => "did you mean `Ti`?",
            "pi" => "did you mean `Pi`?",
            "ei" => "did you mean `Ei`?",
            "k" => "did you mean `k` (10^3) or `Ki` (2^10)?",
            "m" => "did you mean `M` (10^6) or `Mi` (2^20)?",
            "g" => "did you mean `G` (10^9) or `Gi` (2^30)?",
            "t" => "did you mean `T` (10^12) or `Ti` (2^40)?",
            "p" => "did you mean `P` (10^15) or `Pi` (2^50)?",
            "e" => "did you mean `E` (10^18), `Ei` (2^60) or an exponent like `e3`?",
            "" => "drop the `B`: quantities are plain numbers (bytes, for memory)",
            "µ" | "μ" => "did you mean `u` (micro)?",
            _ => return None,
        })
    }

    /// Exact magnitude in nano-units of `int.frac × 2^shift × 10^exp`,
    /// rounded up; `None` if it does not fit a `u128`.
    fn magnitude_nanos(int: &str, frac: &str, scale: &SuffixScale) -> Option<u128> {
        let mut digits = digit_values(int);
        digits.extend(digit_values(frac));
        let Some(first_nonzero) = digits.iter().position(|&d| d != 0) else {
            return Some(0);
        };
        // The exact value is product × 10^exponent nano-units.
        let mut product = mul_digits(&digits[first_nonzero..], 1u128 << scale.binary_shift);
        let trailing_zeros = product.iter().rev().take_while(|&&d| d == 0).count();
        product.truncate(product.len() - trailing_zeros);
        let exponent = scale.decimal_exponent + 9 - frac.len() as i128 + trailing_zeros as i128;
        if exponent >= 0 {
            let factor = 10u128.checked_pow(u32::try_from(exponent).ok()?)?;
            digits_to_u128(&product)?.checked_mul(factor)
        } else {
            // The last digit of `product` is non-zero, so dropping any digits
            // leaves a non-zero remainder: always round up.
            let dropped = usize::try_from(-exponent).unwrap_or(usize::MAX);
            let kept = product.len().saturating_sub(dropped);
            digits_to_u128(&product[..kept])?.checked_add(1)
        }
    }

    /// Builds a quantity from whole units, refusing magnitudes over `2^63-1`.
    fn from_units(units: i128) -> Result<Quantity, String> {
        if units.unsigned_abs() > MAX_NANOS / NANOS_PER_UNIT {
            return Err(out_of_range(units));
        }
        // In range, so `units * 10^9` is far from overflowing an i128.
        Ok(Quantity {
            nanos: units * NANOS_PER_UNIT as i128,
        })
    }

    /// Wraps a raw nano-unit count. No range check: this is for arithmetic
    /// done by the simulator itself, not for user input.
    #[must_use]
    pub fn from_nanos(n: i128) -> Quantity {
        Quantity { nanos: n }
    }

    /// The exact amount in nano-units (`1` cpu is `1_000_000_000`).
    #[must_use]
    pub fn nanos(self) -> i128 {
        self.nanos
    }

    /// Kubernetes' `Value()`: whole units rounded up (toward +inf), e.g.
    /// bytes for memory.
    ///
    /// # Errors
    ///
    /// If the result does not fit an `i64` (only possible for quantities
    /// built with [`Quantity::from_nanos`]).
    ///
    /// Rounding is a ceiling as Kubernetes documents it (`ceil(q)`); note
    /// that for *negative* fractional values Kubernetes' own implementation
    /// is inconsistent, this one is always the mathematical ceiling.
    pub fn value(self) -> Result<i64, String> {
        let units = ceil_div(self.nanos, NANOS_PER_UNIT as i128);
        i64::try_from(units)
            .map_err(|_| format!("quantity {self} does not fit a 64-bit count of whole units"))
    }

    /// Kubernetes' `MilliValue()`: thousandths rounded up (toward +inf), e.g.
    /// millicores for cpu.
    ///
    /// # Errors
    ///
    /// If the result does not fit an `i64` (magnitudes above about 9.2e15
    /// whole units).
    pub fn milli_value(self) -> Result<i64, String> {
        let millis = ceil_div(self.nanos, 1_000_000);
        i64::try_from(millis)
            .map_err(|_| format!("quantity {self} does not fit a 64-bit count of thousandths"))
    }

    /// Whether the quantity is below zero (resource amounts never should be;
    /// callers validate with this).
    #[must_use]
    pub fn is_negative(self) -> bool {
        self.nanos < 0
    }
}

/// The error for a quantity whose magnitude exceeds `2^63 - 1` whole units.
fn out_of_range(quantity: impl fmt::Display) -> String {
    format!(
        "quantity {quantity} is out of range: the magnitude must not exceed \
         9223372036854775807 (2^63-1) whole units"
    )
}

/// `ceil(n / d)` for `d > 0`, without overflow for any `n`.
fn ceil_div(n: i128, d: i128) -> i128 {
    let q = n.div_euclid(d);
    if n.rem_euclid(d) == 0 { q } else { q + 1 }
}

impl fmt::Display for Quantity {
    /// Canonical, exact form: the shortest of "integer × largest exact SI
    /// suffix" (`1500m`, `1G`, `100k`) and "integer × largest exact binary
    /// suffix" (`2Gi`, `512Mi`), preferring the decimal form on a tie.
    /// Every in-range quantity round-trips through [`Quantity::parse`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.nanos.unsigned_abs();
        let sign = if self.nanos < 0 { "-" } else { "" };
        if magnitude == 0 {
            return f.pad("0");
        }
        let (scale, suffix) = DECIMAL_SUFFIXES
            .iter()
            .copied()
            .find(|&(scale, _)| magnitude % scale == 0)
            .unwrap_or((1, "n"));
        let decimal = format!("{}{suffix}", magnitude / scale);
        let binary = if magnitude % NANOS_PER_UNIT == 0 {
            let units = magnitude / NANOS_PER_UNIT;
            BINARY_SUFFIXES
                .iter()
                .find(|&&(shift, _)| units % (1u128 << shift) == 0)
                .map(|&(shift, suffix)| format!("{}{suffix}", units >> shift))
        } else {
            None
        };
        let body = match binary {
            Some(binary) if binary.len() < decimal.len() => binary,
            _ => decimal,
        };
        f.pad(&format!("{sign}{body}"))
    }
}

impl FromStr for Quantity {
    type Err = String;

    /// Same as [`Quantity::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for Quantity {
    /// Accepts YAML strings (`"500m"`, `2Gi`), integers (`2`) and floats
    /// (`1.5`, converted exactly via their shortest decimal form, so `0.1`
    /// is exactly `100m`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QuantityVisitor)
    }
}

/// Serde visitor for [`Quantity`]: strings, integers and floats.
struct QuantityVisitor;

impl Visitor<'_> for QuantityVisitor {
    type Value = Quantity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes quantity such as \"500m\", \"2Gi\", 2 or 1.5")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
        Quantity::parse(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
        Quantity::from_units(i128::from(v)).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
        Quantity::from_units(i128::from(v)).map_err(E::custom)
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Quantity, E> {
        Quantity::from_units(v).map_err(E::custom)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Quantity, E> {
        match i128::try_from(v) {
            Ok(units) => Quantity::from_units(units).map_err(E::custom),
            Err(_) => Err(E::custom(out_of_range(v))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
        if !v.is_finite() {
            return Err(E::custom(format!(
                "quantity must be a finite number, not {v}; {QUANTITY_HELP}"
            )));
        }
        // Rust's `Display` for f64 is the shortest string that round-trips
        // and never uses exponent notation, so `0.1` becomes "0.1".
        Quantity::parse(&v.to_string()).map_err(E::custom)
    }
}

// ---------------------------------------------------------------------------
// SimDuration
// ---------------------------------------------------------------------------

/// What every duration error message ends with: the allowed syntax.
const DURATION_HELP: &str =
    "expected a duration like 250ms, 30s, 5m, 1h30m (units: ns, us, ms, s, m, h, d)";

/// Nanoseconds per minute.
const NANOS_PER_MINUTE: u64 = 60 * NANOS_PER_SEC;
/// Nanoseconds per hour.
const NANOS_PER_HOUR: u64 = 60 * NANOS_PER_MINUTE;
/// Nanoseconds per second.
const NANOS_PER_SEC: u64 = 1_000_000_000;

/// A non-negative simulated duration in nanoseconds.
///
/// Unsigned because simulated time never runs backwards; `u64` nanoseconds
/// cover about 584 years.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(
    /// Nanoseconds.
    pub u64,
);

impl SimDuration {
    /// Parses Go `time.ParseDuration` syntax plus `d` (24h): a sequence of
    /// decimal numbers each followed by a unit (`ns`, `us`/`µs`, `ms`, `s`,
    /// `m`, `h`, `d`), e.g. `250ms`, `30s`, `1h30m`, `1.5h`, `2h45m30.5s`.
    /// `0` alone is allowed; negative durations are refused.
    ///
    /// Unlike Go (which goes through `f64` and truncates), fractions are
    /// exact: each number-with-unit is rounded to the nearest nanosecond
    /// (halves round up).
    ///
    /// # Errors
    ///
    /// A message naming the problem (missing or unknown unit, negative,
    /// beyond `u64` nanoseconds) and the allowed syntax.
    pub fn parse(s: &str) -> Result<SimDuration, String> {
        let invalid = |why: &str| format!("invalid duration `{s}`: {why}; {DURATION_HELP}");
        if s.is_empty() {
            return Err(format!("empty duration; {DURATION_HELP}"));
        }
        let (negative, mut rest) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        if s.contains(char::is_whitespace) {
            return Err(invalid("spaces are not allowed (write 1h30m, not 1h 30m)"));
        }
        if rest == "0" {
            return Ok(SimDuration(0));
        }
        if rest.is_empty() {
            return Err(invalid("no number"));
        }
        // `None` once the sum overflowed; syntax is still checked to the end
        // so that a typo is reported before a range problem.
        let mut total: Option<u128> = Some(0);
        while !rest.is_empty() {
            let (int, frac, after) = split_decimal(rest);
            if int.is_empty() && frac.is_empty() {
                return Err(invalid(&format!("expected a number at `{rest}`")));
            }
            let unit_len = after
                .find(|c: char| c == '.' || c.is_ascii_digit())
                .unwrap_or(after.len());
            let (unit, next) = after.split_at(unit_len);
            if unit.is_empty() {
                return Err(invalid(
                    "missing unit (only 0 may be written without a unit)",
                ));
            }
            let Some(unit_nanos) = duration_unit(unit) else {
                let hint = duration_unit_hint(unit)
                    .map(|h| format!(" (did you mean `{h}`?)"))
                    .unwrap_or_default();
                return Err(invalid(&format!("unknown unit `{unit}`{hint}")));
            };
            let component = digits_to_u128(&digit_values(int))
                .and_then(|whole| whole.checked_mul(unit_nanos))
                .and_then(|whole| whole.checked_add(round_fraction(frac, unit_nanos)?));
            total = total.zip(component).and_then(|(t, c)| t.checked_add(c));
            rest = next;
        }
        if negative && total != Some(0) {
            return Err(invalid("durations must not be negative"));
        }
        total
            .and_then(|t| u64::try_from(t).ok())
            .map(SimDuration)
            .ok_or_else(|| {
                invalid(&format!(
                    "too large, the maximum is {} (about 584 years)",
                    SimDuration(u64::MAX)
                ))
            })
    }

    /// The duration in nanoseconds.
    #[must_use]
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// The duration in seconds, as precisely as an `f64` allows (whole
    /// seconds and the fraction are converted separately, so durations that
    /// are a whole number of seconds stay exact far beyond 2^53 ns).
    #[must_use]
    pub fn as_secs_f64(self) -> f64 {
        (self.0 / NANOS_PER_SEC) as f64 + (self.0 % NANOS_PER_SEC) as f64 / 1e9
    }
}

/// Nanoseconds per duration unit, `None` for an unknown unit.
fn duration_unit(unit: &str) -> Option<u128> {
    Some(match unit {
        "ns" => 1,
        // Go accepts both U+00B5 (micro sign) and U+03BC (Greek mu).
        "us" | "µs" | "μs" => 1_000,
        "ms" => 1_000_000,
        "s" => u128::from(NANOS_PER_SEC),
        "m" => u128::from(NANOS_PER_MINUTE),
        "h" => u128::from(NANOS_PER_HOUR),
        "d" => 24 * u128::from(NANOS_PER_HOUR),
        _ => return None,
    })
}

/// Guesses the intended unit for a common misspelling (`min`, `sec`, `hours`).
fn duration_unit_hint(unit: &str) -> Option<&'static str> {
    Some(match unit.trim().to_lowercase().as_str() {
        "ns" | "nsec" | "nsecs" | "nanos" | "nanosecond" | "nanoseconds" => "ns",
        "us" | "usec" | "usecs" | "micros" | "microsecond" | "microseconds" => "us",
        "ms" | "msec" | "msecs" | "millis" | "millisecond" | "milliseconds" => "ms",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "d" | "day" | "days" => "d",
        _ => return None,
    })
}

/// `0.frac × unit_nanos` rounded to the nearest nanosecond (halves up),
/// computed exactly however many digits `frac` has.
fn round_fraction(frac: &str, unit_nanos: u128) -> Option<u128> {
    if frac.is_empty() {
        return Some(0);
    }
    // product / 10^len(frac) is the exact number of nanoseconds.
    let product = mul_digits(&digit_values(frac), unit_nanos);
    let (whole, dropped) = product.split_at(product.len().saturating_sub(frac.len()));
    // The first digit after the decimal point decides the rounding; if the
    // product is shorter than the fraction, that digit is an implicit zero.
    let first_dropped = if dropped.len() == frac.len() {
        dropped.first().copied().unwrap_or(0)
    } else {
        0
    };
    digits_to_u128(whole)?.checked_add(u128::from(first_dropped >= 5))
}

impl fmt::Display for SimDuration {
    /// Go-like form with zero components left out: `0s`, `999ns`, `1.5us`,
    /// `250ms`, `1.5s`, `1m30s`, `1h30m`, `48h`. Exact, and round-trips
    /// through [`SimDuration::parse`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        let text = if ns == 0 {
            "0s".to_string()
        } else if ns < 1_000 {
            format!("{ns}ns")
        } else if ns < 1_000_000 {
            format!("{}us", fixed_point(ns, 3))
        } else if ns < NANOS_PER_SEC {
            format!("{}ms", fixed_point(ns, 6))
        } else {
            let hours = ns / NANOS_PER_HOUR;
            let minutes = ns % NANOS_PER_HOUR / NANOS_PER_MINUTE;
            let rest = ns % NANOS_PER_MINUTE;
            let mut text = String::new();
            if hours > 0 {
                text.push_str(&format!("{hours}h"));
            }
            if minutes > 0 {
                text.push_str(&format!("{minutes}m"));
            }
            if rest > 0 {
                text.push_str(&fixed_point(rest, 9));
                text.push('s');
            }
            text
        };
        f.pad(&text)
    }
}

impl FromStr for SimDuration {
    type Err = String;

    /// Same as [`SimDuration::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SimDuration::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for SimDuration {
    /// Accepts duration strings (`30s`, `"1h30m"`) and the bare integer `0`.
    /// Any other bare number is refused because its unit would be a guess.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// Serde visitor for [`SimDuration`].
struct DurationVisitor;

impl DurationVisitor {
    /// The error for a bare number other than 0.
    fn needs_unit<E: de::Error>(v: impl fmt::Display) -> E {
        E::custom(format!(
            "the bare number {v} is not a duration: add a unit, e.g. \"{v}s\", \"{v}m\" \
             or \"{v}ms\"; {DURATION_HELP}"
        ))
    }
}

impl Visitor<'_> for DurationVisitor {
    type Value = SimDuration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration string such as \"30s\", \"5m\", \"250ms\" or \"1h30m\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<SimDuration, E> {
        SimDuration::parse(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<SimDuration, E> {
        if v == 0 {
            Ok(SimDuration(0))
        } else {
            Err(Self::needs_unit(v))
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<SimDuration, E> {
        if v == 0 {
            Ok(SimDuration(0))
        } else {
            Err(Self::needs_unit(v))
        }
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<SimDuration, E> {
        if v == 0 {
            Ok(SimDuration(0))
        } else {
            Err(Self::needs_unit(v))
        }
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<SimDuration, E> {
        if v == 0 {
            Ok(SimDuration(0))
        } else {
            Err(Self::needs_unit(v))
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<SimDuration, E> {
        Err(Self::needs_unit(v))
    }
}

// ---------------------------------------------------------------------------
// Rate
// ---------------------------------------------------------------------------

/// What every rate error message ends with: the allowed syntax.
const RATE_HELP: &str = "expected a rate like 20/s, 3/min, 100/h or 1/30s: a positive number, \
     `/`, then a unit (s, sec, m, min, h, d, ms) or a duration (30s, 5m, 1h30m)";

/// An event rate in events per second (finite, > 0).
///
/// A float because rates feed exponential inter-arrival distributions and
/// are usually not whole numbers per second anyway (`3/min` = 0.05/s).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Rate(
    /// Events per second.
    pub f64,
);

impl Rate {
    /// Parses `<number>/<unit>`, where the unit is `s`, `sec`, `m`, `min`,
    /// `h`, `d`, `ms` (also `us`, `ns` and the spelled-out `second`,
    /// `minute`, `hour`, `day`) or a full duration: `20/s`, `3/min`,
    /// `1/30s` (one per 30 s), `5/1m`.
    ///
    /// # Errors
    ///
    /// A message naming the problem (no `/`, a number that is not finite
    /// and positive, unknown unit, zero period) and the accepted forms.
    pub fn parse(s: &str) -> Result<Rate, String> {
        let invalid = |why: &str| format!("invalid rate `{s}`: {why}; {RATE_HELP}");
        let Some((count, per)) = s.split_once('/') else {
            return Err(invalid("missing `/`"));
        };
        let count: f64 = count
            .parse()
            .map_err(|_| invalid(&format!("`{count}` is not a number")))?;
        if !count.is_finite() {
            return Err(invalid("the number must be finite"));
        }
        if count <= 0.0 {
            return Err(invalid("the number must be greater than zero"));
        }
        let period_ns: u64 = match per {
            "s" | "sec" | "second" => NANOS_PER_SEC,
            "m" | "min" | "minute" => NANOS_PER_MINUTE,
            "h" | "hr" | "hour" => NANOS_PER_HOUR,
            "d" | "day" => 24 * NANOS_PER_HOUR,
            "ms" => 1_000_000,
            "us" | "µs" | "μs" => 1_000,
            "ns" => 1,
            _ if per.starts_with(|c: char| c.is_ascii_digit() || c == '.') => {
                SimDuration::parse(per)
                    .map_err(|e| format!("invalid rate `{s}`: {e}"))?
                    .as_nanos()
            }
            _ => return Err(invalid(&format!("unknown unit `{per}`"))),
        };
        if period_ns == 0 {
            return Err(invalid("the period after `/` must be longer than zero"));
        }
        let per_second = if period_ns % NANOS_PER_SEC == 0 {
            // Whole seconds: one exact divisor, one rounding (so `x/s` is
            // exactly x and `3/min` is the f64 nearest to 0.05).
            count / (period_ns / NANOS_PER_SEC) as f64
        } else {
            let scaled = count * 1e9 / period_ns as f64;
            if scaled.is_finite() {
                scaled
            } else {
                count / (period_ns as f64 / 1e9)
            }
        };
        if !per_second.is_finite() || per_second <= 0.0 {
            return Err(invalid("out of range"));
        }
        Ok(Rate(per_second))
    }

    /// Events per second.
    #[must_use]
    pub fn per_second(self) -> f64 {
        self.0
    }
}

impl fmt::Display for Rate {
    /// `<events per second>/s`, e.g. `20/s`; round-trips through
    /// [`Rate::parse`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format!("{}/s", self.0))
    }
}

impl FromStr for Rate {
    type Err = String;

    /// Same as [`Rate::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rate::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for Rate {
    /// Accepts strings only (`"20/s"`): a bare number is refused because its
    /// time unit would be a guess.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RateVisitor)
    }
}

/// Serde visitor for [`Rate`].
struct RateVisitor;

impl RateVisitor {
    /// The error for a bare number.
    fn needs_unit<E: de::Error>(v: impl fmt::Display) -> E {
        E::custom(format!(
            "the bare number {v} is not a rate: write it with a unit, e.g. \"{v}/s\" \
             or \"{v}/min\"; {RATE_HELP}"
        ))
    }
}

impl Visitor<'_> for RateVisitor {
    type Value = Rate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a rate string such as \"20/s\", \"3/min\" or \"1/30s\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Rate, E> {
        Rate::parse(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Rate, E> {
        Err(Self::needs_unit(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Rate, E> {
        Err(Self::needs_unit(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Rate, E> {
        Err(Self::needs_unit(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Rate, E> {
        Err(Self::needs_unit(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rate, E> {
        Err(Self::needs_unit(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    // ----- helpers ---------------------------------------------------------

    fn q(s: &str) -> Quantity {
        match Quantity::parse(s) {
            Ok(q) => q,
            Err(e) => panic!("parse({s:?}) failed: {e}"),
        }
    }

    fn q_err(s: &str) -> String {
        match Quantity::parse(s) {
            Ok(q) => panic!("parse({s:?}) unexpectedly gave {q:?}"),
            Err(e) => e,
        }
    }

    fn d(s: &str) -> u64 {
        match SimDuration::parse(s) {
            Ok(d) => d.as_nanos(),
            Err(e) => panic!("parse({s:?}) failed: {e}"),
        }
    }

    fn d_err(s: &str) -> String {
        match SimDuration::parse(s) {
            Ok(d) => panic!("parse({s:?}) unexpectedly gave {d:?}"),
            Err(e) => e,
        }
    }

    fn r(s: &str) -> f64 {
        match Rate::parse(s) {
            Ok(r) => r.per_second(),
            Err(e) => panic!("parse({s:?}) failed: {e}"),
        }
    }

    fn r_err(s: &str) -> String {
        match Rate::parse(s) {
            Ok(r) => panic!("parse({s:?}) unexpectedly gave {r:?}"),
            Err(e) => e,
        }
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= expected.abs() * 1e-15,
            "{actual} != {expected}"
        );
    }

    /// Deterministic xorshift64* generator for the property-style loops.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    // ----- Quantity: the examples from the brief ---------------------------

    #[test]
    fn quantity_brief_examples() {
        assert_eq!(q("500m").milli_value(), Ok(500));
        assert_eq!(q("2").milli_value(), Ok(2000));
        assert_eq!(q("1.5").milli_value(), Ok(1500));
        assert_eq!(q("0.1"), q("100m"));
        assert_eq!(q("0.1").nanos(), 100_000_000);
        assert_eq!(q("512Mi").value(), Ok(536_870_912));
        assert_eq!(q("2Gi").value(), Ok(2_147_483_648));
        assert_eq!(q("1G").value(), Ok(1_000_000_000));
        assert_eq!(q("100k").value(), Ok(100_000));
        assert_eq!(q("1.5").value(), Ok(2));
        assert_eq!(q("0.5m").milli_value(), Ok(1));
        assert_eq!(q("1e3").value(), Ok(1000));
        assert!(q("-1").is_negative());
        assert_eq!(q("1Ki").value(), Ok(1024));
    }

    #[test]
    fn quantity_every_suffix() {
        let cases: [(&str, i128); 16] = [
            ("1n", 1),
            ("1u", 1_000),
            ("1m", 1_000_000),
            ("1", 1_000_000_000),
            ("1k", 1_000_000_000_000),
            ("1M", 1_000_000_000_000_000),
            ("1G", 1_000_000_000_000_000_000),
            ("1T", 1_000_000_000_000_000_000_000),
            ("1P", 1_000_000_000_000_000_000_000_000),
            ("1E", 1_000_000_000_000_000_000_000_000_000),
            ("1Ki", 1024 * 1_000_000_000),
            ("1Mi", 1_048_576 * 1_000_000_000),
            ("1Gi", 1_073_741_824 * 1_000_000_000),
            ("1Ti", 1_099_511_627_776 * 1_000_000_000),
            ("1Pi", 1_125_899_906_842_624 * 1_000_000_000),
            ("1Ei", 1_152_921_504_606_846_976 * 1_000_000_000),
        ];
        for (text, nanos) in cases {
            assert_eq!(q(text).nanos(), nanos, "{text}");
        }
    }

    #[test]
    fn quantity_number_forms() {
        assert_eq!(q(".5").nanos(), 500_000_000);
        assert_eq!(q("5.").nanos(), 5_000_000_000);
        assert_eq!(q("+5").nanos(), 5_000_000_000);
        assert_eq!(q("1.G").value(), Ok(1_000_000_000));
        assert_eq!(q("000123").value(), Ok(123));
        assert_eq!(q("0").nanos(), 0);
        assert_eq!(q("0.0Gi").nanos(), 0);
        assert_eq!(q("-0").nanos(), 0);
        assert!(!q("-0").is_negative());
        assert!(!q("0").is_negative());
        assert_eq!(q("-1").value(), Ok(-1));
        assert_eq!(q("-1").milli_value(), Ok(-1000));
        assert_eq!(q("-500m").nanos(), -500_000_000);
    }

    #[test]
    fn quantity_exponents() {
        assert_eq!(q("12E6").value(), Ok(12_000_000));
        assert_eq!(q("1E-2").nanos(), 10_000_000);
        assert_eq!(q("1e+3").value(), Ok(1000));
        assert_eq!(q("1.5e3").value(), Ok(1500));
        assert_eq!(q("15e-1").nanos(), 1_500_000_000);
        assert_eq!(q("1e0").nanos(), 1_000_000_000);
        assert_eq!(q("1e-9").nanos(), 1);
        // 1e-10 is finer than a nano-unit: rounds up to 1n.
        assert_eq!(q("1e-10").nanos(), 1);
        assert_eq!(q("1e-99999999").nanos(), 1);
        assert_eq!(q("0e99999999").nanos(), 0);
        assert_eq!(q("1e18").value(), Ok(1_000_000_000_000_000_000));
        // `E` alone is exa, `E3` is an exponent.
        assert_eq!(q("2E").value(), Ok(2_000_000_000_000_000_000));
        assert_eq!(q("2E3").value(), Ok(2000));
    }

    #[test]
    fn quantity_binary_fractions_are_exact() {
        assert_eq!(q("0.5Ki").value(), Ok(512));
        assert_eq!(q("1.5Gi").value(), Ok(1_610_612_736));
        // 0.1Ki = 102.4 exactly.
        assert_eq!(q("0.1Ki").nanos(), 102_400_000_000);
        assert_eq!(q("0.1Ki").value(), Ok(103));
        // 5e-10 * 1024 = 5.12e-7 units = exactly 512n.
        assert_eq!(q("0.0000000005Ki").nanos(), 512);
        // 1e-10 * 1024 = 102.4n, rounded up.
        assert_eq!(q("0.0000000001Ki").nanos(), 103);
    }

    #[test]
    fn quantity_rounds_magnitude_up() {
        assert_eq!(q("0.0000000001").nanos(), 1);
        assert_eq!(q("1.0000000001").nanos(), 1_000_000_001);
        assert_eq!(
            q("1.000000000000000000000000000000000000000001").nanos(),
            1_000_000_001
        );
        // Kubernetes rounds the magnitude, so negatives round away from zero.
        assert_eq!(q("-0.0000000001").nanos(), -1);
        let tiny = format!("0.{}1", "0".repeat(50));
        assert_eq!(q(&tiny).nanos(), 1);
        let padded = format!("{}1", "0".repeat(60));
        assert_eq!(q(&padded).nanos(), 1_000_000_000);
        let exact = format!("1.5{}", "0".repeat(60));
        assert_eq!(q(&exact).nanos(), 1_500_000_000);
    }

    #[test]
    fn quantity_value_rounds_toward_positive_infinity() {
        assert_eq!(q("1n").value(), Ok(1));
        assert_eq!(q("1n").milli_value(), Ok(1));
        assert_eq!(q("999999999n").value(), Ok(1));
        assert_eq!(q("1000000001n").value(), Ok(2));
        assert_eq!(q("-1.5").value(), Ok(-1));
        assert_eq!(q("-1n").value(), Ok(0));
        assert_eq!(q("-1500u").milli_value(), Ok(-1));
        assert_eq!(q("1500u").milli_value(), Ok(2));
    }

    #[test]
    fn quantity_range_limits() {
        assert_eq!(q("9223372036854775807").value(), Ok(i64::MAX));
        assert_eq!(q("-9223372036854775807").value(), Ok(-i64::MAX));
        assert_eq!(q("9.223372036854775807E").value(), Ok(i64::MAX));
        assert_eq!(q("7Ei").value(), Ok(8_070_450_532_247_928_832));
        for text in [
            "9223372036854775808",
            "-9223372036854775808",
            "8Ei",
            "1e19",
            "10E",
            "100000000000000000000000000000000000000000000000000",
            "1e99999999",
        ] {
            let e = q_err(text);
            assert!(e.contains("out of range"), "{text}: {e}");
            assert!(e.contains("9223372036854775807"), "{text}: {e}");
        }
        let e = q_err("1e99999999999999999999");
        assert!(e.contains("out of range"), "{e}");
        // Parsed fine, but a thousandth count does not fit an i64.
        assert!(q("1E").milli_value().is_err());
        assert_eq!(
            q("9223372036854775m").milli_value(),
            Ok(9_223_372_036_854_775)
        );
    }

    #[test]
    fn quantity_from_nanos_extremes_do_not_panic() {
        for n in [i128::MAX, i128::MIN, i128::MIN + 1] {
            let quantity = Quantity::from_nanos(n);
            assert_eq!(quantity.nanos(), n);
            assert!(quantity.value().is_err());
            assert!(quantity.milli_value().is_err());
            assert!(!quantity.to_string().is_empty());
        }
        assert_eq!(Quantity::from_nanos(-1).value(), Ok(0));
        assert!(Quantity::from_nanos(-1).is_negative());
    }

    #[test]
    fn quantity_ordering_is_numeric() {
        assert!(q("500m") < q("1"));
        assert!(q("1Ki") > q("1k"));
        assert!(q("-1") < q("0"));
        assert_eq!(q("1000m"), q("1"));
        assert_eq!(q("1024"), q("1Ki"));
    }

    #[test]
    fn quantity_display() {
        let cases = [
            ("1.5", "1500m"),
            ("2Gi", "2Gi"),
            ("1G", "1G"),
            ("0", "0"),
            ("-0", "0"),
            ("0.1", "100m"),
            ("-1", "-1"),
            ("0.5m", "500u"),
            ("1n", "1n"),
            ("1024", "1Ki"),
            ("1000", "1k"),
            ("3072", "3Ki"),
            ("1.5Gi", "1536Mi"),
            ("1.5G", "1500M"),
            ("1024k", "1024k"),
            ("2000Ki", "2048k"),
            ("1048576", "1Mi"),
            ("512Mi", "512Mi"),
            ("1e3", "1k"),
            ("12E6", "12M"),
            ("-2Gi", "-2Gi"),
            ("9223372036854775807", "9223372036854775807"),
        ];
        for (input, shown) in cases {
            assert_eq!(q(input).to_string(), shown, "{input}");
        }
        assert_eq!(format!("{:>6}", q("2Gi")), "   2Gi");
    }

    #[test]
    fn quantity_from_str() {
        let parsed: Result<Quantity, String> = "2Gi".parse();
        assert_eq!(parsed, Ok(q("2Gi")));
    }

    // ----- Quantity: errors ------------------------------------------------

    /// Every quantity error explains the syntax.
    fn assert_quantity_help(e: &str) {
        for needle in [
            "500m",
            "Ki, Mi, Gi, Ti, Pi, Ei",
            "n, u, m, k, M, G, T, P, E",
            "e3",
        ] {
            assert!(e.contains(needle), "missing {needle:?} in: {e}");
        }
    }

    #[test]
    fn quantity_rejects_garbage() {
        for text in ["", "abc", "-", "+", ".", "--1", "+-1", "G", "Gi", "m"] {
            let e = q_err(text);
            assert_quantity_help(&e);
        }
        assert!(q_err("").contains("empty"));
        assert!(q_err("abc").contains("`abc` is not a quantity"));
    }

    #[test]
    fn quantity_rejects_whitespace() {
        for text in [" 1", "1 ", "\t2Gi", "2Gi\n"] {
            let e = q_err(text);
            assert!(e.contains("whitespace"), "{e}");
            assert_quantity_help(&e);
        }
    }

    #[test]
    fn quantity_unknown_suffix_suggestions() {
        let cases = [
            ("5mb", "did you mean `M` (10^6) or `Mi` (2^20)?"),
            ("5MB", "did you mean `M` (10^6) or `Mi` (2^20)?"),
            ("2GB", "did you mean `G` (10^9) or `Gi` (2^30)?"),
            ("2g", "did you mean `G` (10^9) or `Gi` (2^30)?"),
            ("1gi", "did you mean `Gi`?"),
            ("1GI", "did you mean `Gi`?"),
            ("1GiB", "did you mean `Gi`?"),
            ("1mi", "did you mean `Mi`?"),
            ("1ki", "did you mean `Ki`?"),
            ("1K", "did you mean `k` (10^3) or `Ki` (2^10)?"),
            ("1KB", "did you mean `k` (10^3) or `Ki` (2^10)?"),
            ("1t", "did you mean `T` (10^12) or `Ti` (2^40)?"),
            ("1p", "did you mean `P` (10^15) or `Pi` (2^50)?"),
            ("1e", "`E` (10^18)"),
            ("100B", "drop the `B`"),
            ("1µ", "did you mean `u` (micro)?"),
            ("1 Gi", "(did you mean `Gi`?)"),
        ];
        for (text, hint) in cases {
            let e = q_err(text);
            assert!(e.contains("unknown suffix"), "{text}: {e}");
            assert!(e.contains(hint), "{text}: {e}");
            assert_quantity_help(&e);
        }
        // No plausible guess: still lists what is allowed.
        let e = q_err("1xyz");
        assert!(e.contains("unknown suffix `xyz`"), "{e}");
        assert!(!e.contains("did you mean"), "{e}");
        assert_quantity_help(&e);
        let e = q_err("1.5.5");
        assert!(e.contains("unknown suffix `.5`"), "{e}");
    }

    #[test]
    fn quantity_rejects_bad_exponents() {
        for text in ["1e-", "1e+", "1e3.5", "1E3x", "1e--3", "1ee3"] {
            let e = q_err(text);
            assert!(e.contains("invalid exponent"), "{text}: {e}");
            assert_quantity_help(&e);
        }
    }

    // ----- Quantity: properties ----------------------------------------------

    #[test]
    fn quantity_display_round_trips() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let max = i128::from(i64::MAX) * 1_000_000_000;
        for i in 0..20_000 {
            let magnitude: i128 = match i % 6 {
                // Anything up to about 1.8e19 nano-units.
                0 => i128::from(rng.next()),
                // Whole units, often with binary factors.
                1 => (i128::from(rng.below(1 << 20)) << rng.below(40)) * 1_000_000_000,
                // Small decimal mantissa times a power of ten.
                2 => i128::from(rng.below(10_000)) * 10i128.pow(rng.below(28) as u32),
                // Anything in range.
                3 => ((i128::from(rng.next()) << 64) | i128::from(rng.next())) % (max + 1),
                // Binary units times a binary suffix.
                4 => {
                    i128::from(rng.below(1 << 12)) * (1i128 << (10 * rng.below(6))) * 1_000_000_000
                }
                // Small values near zero.
                _ => i128::from(rng.below(2_000_000)),
            };
            let magnitude = magnitude.min(max);
            let nanos = if rng.below(4) == 0 {
                -magnitude
            } else {
                magnitude
            };
            let quantity = Quantity::from_nanos(nanos);
            let shown = quantity.to_string();
            assert_eq!(
                Quantity::parse(&shown),
                Ok(quantity),
                "{nanos} shown as {shown}"
            );

            // value() and milli_value() are ceilings.
            let value = i128::from(quantity.value().unwrap_or_else(|e| panic!("{e}")));
            assert!(value * 1_000_000_000 >= nanos && (value - 1) * 1_000_000_000 < nanos);
            if let Ok(milli) = quantity.milli_value() {
                let milli = i128::from(milli);
                assert!(milli * 1_000_000 >= nanos && (milli - 1) * 1_000_000 < nanos);
            } else {
                assert!(nanos.abs() > i128::from(i64::MAX - 1) * 1_000_000);
            }
        }
    }

    #[test]
    fn quantity_parse_matches_integer_arithmetic() {
        // `<int>.<frac><suffix>` against the value computed directly.
        let mut rng = Rng(42);
        let suffixes: [(&str, i128, i128); 8] = [
            // (suffix, numerator, denominator) of the suffix in units.
            ("", 1, 1),
            ("m", 1, 1000),
            ("k", 1000, 1),
            ("M", 1_000_000, 1),
            ("Ki", 1024, 1),
            ("Mi", 1 << 20, 1),
            ("Gi", 1 << 30, 1),
            ("u", 1, 1_000_000),
        ];
        for _ in 0..5_000 {
            let int = rng.below(100_000);
            let frac = rng.below(1000);
            let (suffix, num, den) = suffixes[rng.below(8) as usize];
            let text = format!("{int}.{frac:03}{suffix}");
            // value in nanos = (int*1000 + frac) / 1000 * num / den * 1e9, rounded up.
            let exact_num = (i128::from(int) * 1000 + i128::from(frac)) * num * 1_000_000_000;
            let exact_den = 1000 * den;
            let expected = ceil_div(exact_num, exact_den);
            assert_eq!(q(&text).nanos(), expected, "{text}");
        }
    }

    // ----- SimDuration -----------------------------------------------------

    const S: u64 = 1_000_000_000;
    const MIN: u64 = 60 * S;
    const H: u64 = 60 * MIN;

    #[test]
    fn duration_brief_examples() {
        assert_eq!(d("250ms"), 250_000_000);
        assert_eq!(d("30s"), 30 * S);
        assert_eq!(d("5m"), 5 * MIN);
        assert_eq!(d("1h30m"), 90 * MIN);
        assert_eq!(d("1.5h"), 90 * MIN);
        assert_eq!(d("2h45m30.5s"), 2 * H + 45 * MIN + 30 * S + S / 2);
        assert_eq!(d("0"), 0);
        assert_eq!(d("1d"), 24 * H);
        assert_eq!(d("1.5d"), 36 * H);
        assert_eq!(d("1d12h"), 36 * H);
    }

    #[test]
    fn duration_go_examples() {
        // From Go's time.ParseDuration tests.
        let cases: [(&str, u64); 30] = [
            ("0", 0),
            ("5s", 5 * S),
            ("30s", 30 * S),
            ("1478s", 1478 * S),
            ("+5s", 5 * S),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * S),
            ("5.6s", 5 * S + 600_000_000),
            ("5.s", 5 * S),
            (".5s", S / 2),
            ("1.0s", S),
            ("1.00s", S),
            ("1.004s", S + 4_000_000),
            ("1.0040s", S + 4_000_000),
            ("100.00100s", 100 * S + 1_000_000),
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14 * S),
            ("15m", 15 * MIN),
            ("16h", 16 * H),
            ("3h30m", 3 * H + 30 * MIN),
            ("10.5s4m", 4 * MIN + 10 * S + S / 2),
            (
                "1h2m3s4ms5us6ns",
                H + 2 * MIN + 3 * S + 4_000_000 + 5_000 + 6,
            ),
            ("39h9m14.425s", 39 * H + 9 * MIN + 14 * S + 425_000_000),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * MIN),
        ];
        for (text, nanos) in cases {
            assert_eq!(d(text), nanos, "{text}");
        }
        assert_eq!(d("9007199254740993ns"), 9_007_199_254_740_993);
        assert_eq!(d("9223372036854775807ns"), 9_223_372_036_854_775_807);
        assert_eq!(d("-0s"), 0);
    }

    #[test]
    fn duration_fractions_round_to_nearest_nanosecond() {
        assert_eq!(d("0.5ns"), 1);
        assert_eq!(d("0.4ns"), 0);
        assert_eq!(d("1.4999ns"), 1);
        assert_eq!(d("1.5ns"), 2);
        assert_eq!(d("0.0000000015s"), 2);
        assert_eq!(d("0.0000000014s"), 1);
        assert_eq!(d("0.0000000004s"), 0);
        assert_eq!(d("0.0005us"), 1);
        let just_below_half = format!("0.4{}ns", "9".repeat(60));
        assert_eq!(d(&just_below_half), 0);
        let long = format!("1.{}1s", "0".repeat(60));
        assert_eq!(d(&long), S);
        // 1/3 h to 30 digits: 1_199_999_999_999.99999... rounds up to 20 m.
        let third = format!("0.{}h", "3".repeat(30));
        assert_eq!(d(&third), 20 * MIN);
    }

    #[test]
    fn duration_limits() {
        assert_eq!(d("18446744073709551615ns"), u64::MAX);
        assert_eq!(d("5124095h34m33.709551615s"), u64::MAX);
        for text in [
            "18446744073709551616ns",
            "5124095h34m33.709551616s",
            "6000000h",
            "99999999999999999999999999999999999999999999h",
            "1e3s",
        ] {
            let e = d_err(text);
            assert!(e.contains("units: ns, us, ms, s, m, h, d"), "{text}: {e}");
        }
        assert!(d_err("6000000h").contains("too large"));
        assert!(d_err("99999999999999999999999999999999999999999999h").contains("too large"));
    }

    #[test]
    fn duration_errors_explain_the_syntax() {
        let cases = [
            ("", "empty"),
            ("3", "missing unit"),
            ("00", "missing unit"),
            ("1d2", "missing unit"),
            ("-", "no number"),
            ("+", "no number"),
            ("s", "expected a number"),
            (".", "expected a number"),
            (".s", "expected a number"),
            ("+.s", "expected a number"),
            ("1h 30m", "spaces are not allowed"),
            ("5 s", "spaces are not allowed"),
            (" 5s", "spaces are not allowed"),
            ("5s\n", "spaces are not allowed"),
            ("5min", "unknown unit `min` (did you mean `m`?)"),
            ("5sec", "did you mean `s`?"),
            ("2hours", "did you mean `h`?"),
            ("3days", "did you mean `d`?"),
            ("10S", "did you mean `s`?"),
            ("7w", "unknown unit `w`"),
            ("-5s", "must not be negative"),
            ("-2m3.4s", "must not be negative"),
            ("-1000000000000000h", "must not be negative"),
            ("1h-5m", "unknown unit `h-`"),
        ];
        for (text, needle) in cases {
            let e = d_err(text);
            assert!(e.contains(needle), "{text}: {e}");
            assert!(
                e.contains(
                    "expected a duration like 250ms, 30s, 5m, 1h30m (units: ns, us, ms, s, m, h, d)"
                ),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn duration_display() {
        let cases: [(u64, &str); 16] = [
            (0, "0s"),
            (1, "1ns"),
            (999, "999ns"),
            (1_000, "1us"),
            (1_500, "1.5us"),
            (1_000_001, "1.000001ms"),
            (250_000_000, "250ms"),
            (S, "1s"),
            (S + S / 2, "1.5s"),
            (MIN, "1m"),
            (90 * S, "1m30s"),
            (90 * MIN, "1h30m"),
            (H + S, "1h1s"),
            (2 * H + 45 * MIN + 30 * S + S / 2, "2h45m30.5s"),
            (24 * H, "24h"),
            (u64::MAX, "5124095h34m33.709551615s"),
        ];
        for (nanos, shown) in cases {
            assert_eq!(SimDuration(nanos).to_string(), shown, "{nanos}");
        }
        assert_eq!(format!("{:<5}|", SimDuration(S)), "1s   |");
    }

    #[test]
    fn duration_display_round_trips() {
        let mut rng = Rng(7);
        for i in 0..20_000 {
            let nanos = match i % 4 {
                0 => rng.next(),
                1 => rng.below(1 << 40),
                2 => rng.below(100_000) * [1, 1_000, 1_000_000, S, MIN, H][(i / 4) % 6],
                _ => rng.below(2_000_000),
            };
            let duration = SimDuration(nanos);
            let shown = duration.to_string();
            assert_eq!(
                SimDuration::parse(&shown),
                Ok(duration),
                "{nanos} shown as {shown}"
            );
            let secs = format!("{}s", format_seconds(nanos));
            assert_eq!(SimDuration::parse(&secs), Ok(duration), "{nanos} as {secs}");
        }
    }

    #[test]
    fn duration_accessors() {
        assert_eq!(SimDuration::default(), SimDuration(0));
        assert_eq!(SimDuration(5).as_nanos(), 5);
        assert_eq!(SimDuration(250_000_000).as_secs_f64(), 0.25);
        assert_eq!(SimDuration(90 * S).as_secs_f64(), 90.0);
        assert_eq!(SimDuration(1).as_secs_f64(), 1e-9);
        // Whole seconds far beyond 2^53 ns stay exact.
        assert_eq!(SimDuration(18_000_000_000 * S).as_secs_f64(), 18e9);
        let parsed: Result<SimDuration, String> = "1h".parse();
        assert_eq!(parsed, Ok(SimDuration(H)));
        assert!(SimDuration(S) < SimDuration(MIN));
    }

    // ----- format_seconds --------------------------------------------------

    #[test]
    fn format_seconds_examples() {
        assert_eq!(format_seconds(0), "0");
        assert_eq!(format_seconds(1_500_000_000), "1.5");
        assert_eq!(format_seconds(1), "0.000000001");
        assert_eq!(format_seconds(60_000_000_000), "60");
        assert_eq!(format_seconds(1_000_000), "0.001");
        assert_eq!(format_seconds(100_000_000), "0.1");
        assert_eq!(format_seconds(123_456_789_012), "123.456789012");
        assert_eq!(format_seconds(10_000_000_010), "10.00000001");
        assert_eq!(format_seconds(u64::MAX), "18446744073.709551615");
    }

    // ----- Rate ------------------------------------------------------------

    #[test]
    fn rate_examples() {
        assert_eq!(r("20/s"), 20.0);
        assert_close(r("3/min"), 0.05);
        assert_close(r("100/h"), 1.0 / 36.0);
        assert_close(r("1/30s"), 1.0 / 30.0);
        assert_close(r("5/1m"), 5.0 / 60.0);
        assert_close(r("6/m"), 0.1);
        assert_eq!(r("2/ms"), 2000.0);
        assert_close(r("1/d"), 1.0 / 86_400.0);
        assert_eq!(r("0.5/s"), 0.5);
        assert_eq!(r("1.5/sec"), 1.5);
        assert_eq!(r("1/250ms"), 4.0);
        assert_close(r("1/1h30m"), 1.0 / 5400.0);
        assert_close(r("1/100ms"), 10.0);
        assert_eq!(r("3/us"), 3e6);
        assert_eq!(r("1/ns"), 1e9);
        assert_close(r("2/hour"), 2.0 / 3600.0);
        assert_eq!(r("1e3/s"), 1000.0);
        assert_eq!(Rate::parse("20/s").map(Rate::per_second), Ok(20.0));
        let parsed: Result<Rate, String> = "20/s".parse();
        assert_eq!(parsed, Ok(Rate(20.0)));
    }

    #[test]
    fn rate_errors_list_the_accepted_forms() {
        let cases = [
            ("20", "missing `/`"),
            ("", "missing `/`"),
            ("0/s", "greater than zero"),
            ("-1/s", "greater than zero"),
            ("abc/s", "`abc` is not a number"),
            ("/s", "`` is not a number"),
            ("inf/s", "finite"),
            ("NaN/s", "finite"),
            ("1e400/s", "finite"),
            ("1/", "unknown unit ``"),
            ("1/xyz", "unknown unit `xyz`"),
            ("1/0s", "longer than zero"),
            ("1/0", "longer than zero"),
            ("1e-320/d", "out of range"),
            ("1e308/ns", "out of range"),
        ];
        for (text, needle) in cases {
            let e = r_err(text);
            assert!(e.contains(needle), "{text}: {e}");
            assert!(
                e.contains("20/s") && e.contains("1/30s") && e.contains("min"),
                "{e}"
            );
        }
        // A bad duration after `/` reports the duration problem.
        let e = r_err("1/5x");
        assert!(e.contains("unknown unit `x`"), "{e}");
        assert!(e.contains("units: ns, us, ms, s, m, h, d"), "{e}");
    }

    #[test]
    fn rate_display_round_trips() {
        let mut rng = Rng(99);
        for _ in 0..5_000 {
            let value = (rng.below(1 << 53) + 1) as f64 / (1u64 << rng.below(60)) as f64;
            let rate = Rate(value);
            assert_eq!(Rate::parse(&rate.to_string()), Ok(rate), "{value}");
        }
        assert_eq!(Rate(20.0).to_string(), "20/s");
    }

    // ----- Deserialization from YAML ---------------------------------------

    #[derive(Debug, Deserialize)]
    struct QuantityDoc {
        q: Quantity,
    }

    #[derive(Debug, Deserialize)]
    struct DurationDoc {
        d: SimDuration,
    }

    #[derive(Debug, Deserialize)]
    struct RateDoc {
        r: Rate,
    }

    #[derive(Debug, Deserialize)]
    struct Pod {
        #[allow(dead_code)]
        name: String,
        requests: Vec<Quantity>,
    }

    fn yq(yaml: &str) -> Result<Quantity, String> {
        serde_yaml::from_str::<QuantityDoc>(yaml)
            .map(|doc| doc.q)
            .map_err(|e| e.to_string())
    }

    fn yd(yaml: &str) -> Result<SimDuration, String> {
        serde_yaml::from_str::<DurationDoc>(yaml)
            .map(|doc| doc.d)
            .map_err(|e| e.to_string())
    }

    fn yr(yaml: &str) -> Result<Rate, String> {
        serde_yaml::from_str::<RateDoc>(yaml)
            .map(|doc| doc.r)
            .map_err(|e| e.to_string())
    }

    fn ok<T: fmt::Debug>(result: Result<T, String>) -> T {
        result.unwrap_or_else(|e| panic!("unexpected error: {e}"))
    }

    fn err<T: fmt::Debug>(result: Result<T, String>) -> String {
        match result {
            Ok(v) => panic!("unexpectedly parsed {v:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn yaml_quantity_strings_ints_floats() {
        assert_eq!(ok(yq("q: 500m")), q("500m"));
        assert_eq!(ok(yq("q: \"2Gi\"")), q("2Gi"));
        assert_eq!(ok(yq("q: '512Mi'")), q("512Mi"));
        assert_eq!(ok(yq("q: 2")), q("2"));
        assert_eq!(ok(yq("q: -1")), q("-1"));
        assert_eq!(ok(yq("q: 0")), q("0"));
        assert_eq!(ok(yq("q: 1.5")), q("1500m"));
        assert_eq!(ok(yq("q: 0.1")), q("100m"));
        assert_eq!(ok(yq("q: 0.3")), q("300m"));
        assert_eq!(ok(yq("q: 1e3")), q("1k"));
        assert_eq!(ok(yq("q: 12E6")), q("12M"));
        assert_eq!(ok(yq("q: .5")), q("500m"));
        assert_eq!(ok(yq("q: 1e-10")), Quantity::from_nanos(1));
        assert_eq!(ok(yq("q: 9223372036854775807")).value(), Ok(i64::MAX));
    }

    #[test]
    fn yaml_quantity_errors() {
        let e = err(yq("q: 2GB"));
        assert!(e.contains("did you mean `G` (10^9) or `Gi` (2^30)?"), "{e}");
        assert!(e.contains("line 1 column"), "{e}");
        let e = err(yq("q: [1, 2]"));
        assert!(e.contains("Kubernetes quantity"), "{e}");
        let e = err(yq("q: {a: 1}"));
        assert!(e.contains("Kubernetes quantity"), "{e}");
        let e = err(yq("q: true"));
        assert!(e.contains("Kubernetes quantity"), "{e}");
        let e = err(yq("q: ~"));
        assert!(e.contains("Kubernetes quantity"), "{e}");
        let e = err(yq("q: .inf"));
        assert!(e.contains("finite"), "{e}");
        let e = err(yq("q: .nan"));
        assert!(e.contains("finite"), "{e}");
        let e = err(yq("q: 18446744073709551615"));
        assert!(e.contains("out of range"), "{e}");
        let e = err(yq("q: -9223372036854775808"));
        assert!(e.contains("out of range"), "{e}");
        let e = err(yq("q: 1e300"));
        assert!(e.contains("out of range"), "{e}");
        let e = serde_yaml::from_str::<Pod>("name: web\nrequests:\n  - 1\n  - 5mb\n")
            .map(|pod| pod.requests)
            .map_err(|e| e.to_string());
        let e = err(e);
        assert!(e.contains("requests[1]"), "{e}");
        assert!(e.contains("line 4"), "{e}");
        assert!(e.contains("`Mi`"), "{e}");
    }

    #[test]
    fn visitors_handle_128_bit_integers() {
        use serde::de::value::Error;
        let huge = u128::MAX;
        let e = QuantityVisitor.visit_u128::<Error>(huge).map(|q| q.nanos());
        assert!(err(e.map_err(|e| e.to_string())).contains(&huge.to_string()));
        let e = QuantityVisitor
            .visit_i128::<Error>(i128::MIN)
            .map(|q| q.nanos());
        assert!(err(e.map_err(|e| e.to_string())).contains("out of range"));
        let ok_q = QuantityVisitor
            .visit_u128::<Error>(5)
            .map_err(|e| e.to_string());
        assert_eq!(ok(ok_q), q("5"));
        let zero = DurationVisitor
            .visit_u128::<Error>(0)
            .map_err(|e| e.to_string());
        assert_eq!(ok(zero), SimDuration(0));
        let e = DurationVisitor
            .visit_i128::<Error>(7)
            .map_err(|e| e.to_string());
        assert!(err(e).contains("\"7s\""));
        let e = RateVisitor
            .visit_u128::<Error>(7)
            .map_err(|e| e.to_string());
        assert!(err(e).contains("\"7/s\""));
    }

    #[test]
    fn yaml_duration() {
        assert_eq!(ok(yd("d: 30s")), SimDuration(30 * S));
        assert_eq!(ok(yd("d: 1h30m")), SimDuration(90 * MIN));
        assert_eq!(ok(yd("d: \"250ms\"")), SimDuration(250_000_000));
        assert_eq!(ok(yd("d: 0")), SimDuration(0));
        assert_eq!(ok(yd("d: '0'")), SimDuration(0));
        for yaml in [
            "d: 30",
            "d: -5",
            "d: 1.5",
            "d: 0.0",
            "d: 18446744073709551615",
        ] {
            let e = err(yd(yaml));
            assert!(e.contains("add a unit"), "{yaml}: {e}");
            assert!(e.contains("30s") || e.contains("1.5s"), "{yaml}: {e}");
            assert!(e.contains("units: ns, us, ms, s, m, h, d"), "{yaml}: {e}");
        }
        let e = err(yd("d: 30"));
        assert!(e.contains("\"30s\""), "{e}");
        let e = err(yd("d: -5s"));
        assert!(e.contains("must not be negative"), "{e}");
        assert!(e.contains("line 1 column"), "{e}");
        let e = err(yd("d: [1]"));
        assert!(e.contains("duration string"), "{e}");
        let e = err(yd("d: 5min"));
        assert!(e.contains("(did you mean `m`?)"), "{e}");
    }

    #[test]
    fn yaml_rate() {
        assert_eq!(ok(yr("r: 20/s")), Rate(20.0));
        assert_close(ok(yr("r: \"3/min\"")).per_second(), 0.05);
        for yaml in ["r: 20", "r: 1.5", "r: 0"] {
            let e = err(yr(yaml));
            assert!(e.contains("is not a rate"), "{yaml}: {e}");
            assert!(e.contains("/s"), "{yaml}: {e}");
        }
        let e = err(yr("r: 20"));
        assert!(e.contains("\"20/s\""), "{e}");
        let e = err(yr("r: [20]"));
        assert!(e.contains("rate string"), "{e}");
        let e = err(yr("r: 20/fortnight"));
        assert!(e.contains("unknown unit `fortnight`"), "{e}");
        assert!(e.contains("line 1 column"), "{e}");
    }
}
