//! Money, in integer micro-dollars.
//!
//! Costs are summed across thousands of provider calls and compared against plan limits, so they
//! are kept as exact integers (1 USD = 1,000,000 micros) rather than floats.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

/// An amount of US dollars, stored as integer micro-dollars.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Usd(i64);

impl Usd {
    /// Zero dollars.
    pub const ZERO: Usd = Usd(0);

    /// From micro-dollars.
    #[must_use]
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// From a float dollar amount as providers report it (e.g. DataForSEO's `cost: 0.0101`),
    /// rounded to the nearest micro-dollar. Non-finite or negative input gives zero.
    #[must_use]
    pub fn from_dollars(dollars: f64) -> Self {
        if !dollars.is_finite() || dollars <= 0.0 {
            return Self::ZERO;
        }
        let micros = (dollars * 1_000_000.0).round();
        if micros >= i64::MAX as f64 { Self(i64::MAX) } else { Self(micros as i64) }
    }

    /// The amount in micro-dollars.
    #[must_use]
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// The amount in dollars, for display.
    #[must_use]
    pub fn dollars(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    /// Saturating addition.
    #[must_use]
    pub const fn saturating_add(self, other: Usd) -> Usd {
        Usd(self.0.saturating_add(other.0))
    }

    /// Multiplies by a count, saturating.
    #[must_use]
    pub const fn times(self, n: i64) -> Usd {
        Usd(self.0.saturating_mul(n))
    }
}

impl Add for Usd {
    type Output = Usd;
    fn add(self, rhs: Usd) -> Usd {
        self.saturating_add(rhs)
    }
}

impl AddAssign for Usd {
    fn add_assign(&mut self, rhs: Usd) {
        *self = self.saturating_add(rhs);
    }
}

impl Sub for Usd {
    type Output = Usd;
    fn sub(self, rhs: Usd) -> Usd {
        Usd(self.0.saturating_sub(rhs.0))
    }
}

impl Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        iter.fold(Usd::ZERO, Add::add)
    }
}

impl fmt::Debug for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Usd({self})")
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}${}.{:06}", abs / 1_000_000, abs % 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_provider_floats_exactly_enough() {
        assert_eq!(Usd::from_dollars(0.0101).micros(), 10_100);
        assert_eq!(Usd::from_dollars(-1.0), Usd::ZERO);
        assert_eq!(Usd::from_dollars(f64::NAN), Usd::ZERO);
        assert_eq!(Usd::from_dollars(1e300).micros(), i64::MAX);
    }

    #[test]
    fn sums_and_displays() {
        let total: Usd = [Usd::from_micros(10_100), Usd::from_micros(2_000)].into_iter().sum();
        assert_eq!(total.to_string(), "$0.012100");
        assert_eq!(Usd::from_micros(-1_500_000).to_string(), "-$1.500000");
    }
}
