//! Demand classes after Syntetos, Boylan and Croston (2005).
//!
//! A series is classified by the average inter-demand interval (ADI: periods per period with
//! demand) and the squared coefficient of variation of its non-zero demand sizes (CV²), with the
//! cut-offs 1.32 and 0.49 from that paper.

use serde::{Deserialize, Serialize};

/// The ADI cut-off between frequent and intermittent demand.
pub const ADI_CUTOFF: f64 = 1.32;
/// The CV² cut-off between steady and variable demand sizes.
pub const CV2_CUTOFF: f64 = 0.49;

/// A demand class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DemandClass {
    /// Frequent, steady sizes.
    Smooth,
    /// Frequent, variable sizes.
    Erratic,
    /// Infrequent, steady sizes.
    Intermittent,
    /// Infrequent, variable sizes.
    Lumpy,
    /// No demand at all in the history.
    NoDemand,
}

/// ADI and CV² of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    pub adi: f64,
    pub cv2: f64,
}

/// The ADI and CV² of `series`, or `None` when it has no demand.
pub fn profile(series: &[f64]) -> Option<Profile> {
    let sizes: Vec<f64> = series.iter().copied().filter(|&y| y > 0.0).collect();
    if sizes.is_empty() {
        return None;
    }
    let adi = series.len() as f64 / sizes.len() as f64;
    let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
    let variance = sizes.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / sizes.len() as f64;
    Some(Profile {
        adi,
        cv2: variance / (mean * mean),
    })
}

/// The class of `series`.
pub fn classify(series: &[f64]) -> DemandClass {
    match profile(series) {
        None => DemandClass::NoDemand,
        Some(Profile { adi, cv2 }) => match (adi < ADI_CUTOFF, cv2 < CV2_CUTOFF) {
            (true, true) => DemandClass::Smooth,
            (true, false) => DemandClass::Erratic,
            (false, true) => DemandClass::Intermittent,
            (false, false) => DemandClass::Lumpy,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_period_with_the_same_size_is_smooth() {
        assert_eq!(
            profile(&[5.0, 5.0, 5.0, 5.0]),
            Some(Profile { adi: 1.0, cv2: 0.0 })
        );
        assert_eq!(classify(&[5.0, 5.0, 5.0, 5.0]), DemandClass::Smooth);
    }

    #[test]
    fn demand_every_other_period_with_steady_size_is_intermittent() {
        // ADI = 6 / 3 = 2; sizes 4, 4, 4: CV² = 0.
        assert_eq!(
            classify(&[0.0, 4.0, 0.0, 4.0, 0.0, 4.0]),
            DemandClass::Intermittent
        );
    }

    #[test]
    fn rare_and_varied_demand_is_lumpy_and_frequent_varied_demand_is_erratic() {
        // Sizes 1 and 9: mean 5, variance 16, CV² = 0.64.
        assert_eq!(
            classify(&[0.0, 1.0, 0.0, 0.0, 9.0, 0.0]),
            DemandClass::Lumpy
        );
        assert_eq!(classify(&[1.0, 9.0, 1.0, 9.0]), DemandClass::Erratic);
    }

    #[test]
    fn a_series_without_demand_has_its_own_class() {
        assert_eq!(classify(&[0.0, 0.0]), DemandClass::NoDemand);
        assert_eq!(classify(&[]), DemandClass::NoDemand);
    }
}
