//! How good reorder probabilities are: ranking (ROC-AUC, PR-AUC) and calibration (Brier score,
//! expected calibration error). Each takes (probability, outcome) pairs, outcome true when the
//! pair did reorder within the horizon.

/// The Brier score: mean squared difference between probability and outcome (lower is better).
pub fn brier(pairs: &[(f64, bool)]) -> Option<f64> {
    (!pairs.is_empty()).then(|| {
        pairs
            .iter()
            .map(|&(p, y)| (p - f64::from(u8::from(y))).powi(2))
            .sum::<f64>()
            / pairs.len() as f64
    })
}

/// ROC-AUC: the chance that a random positive gets a higher probability than a random negative,
/// ties counting half (the Mann–Whitney statistic). `None` without both classes.
pub fn roc_auc(pairs: &[(f64, bool)]) -> Option<f64> {
    let positives = pairs.iter().filter(|(_, y)| *y).count();
    let negatives = pairs.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the positives' ranks, ties sharing the mean rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        let mean_rank = (i + 1 + j) as f64 / 2.0;
        rank_sum += mean_rank * sorted[i..j].iter().filter(|(_, y)| *y).count() as f64;
        i = j;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// PR-AUC as average precision: the mean, over the positives, of the precision at the threshold
/// that first includes each (tied probabilities enter together). `None` without positives.
pub fn pr_auc(pairs: &[(f64, bool)]) -> Option<f64> {
    let positives = pairs.iter().filter(|(_, y)| *y).count();
    if positives == 0 {
        return None;
    }
    let mut sorted: Vec<(f64, bool)> = pairs.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut seen, mut hits, mut sum) = (0usize, 0usize, 0.0);
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        let new_hits = sorted[i..j].iter().filter(|(_, y)| *y).count();
        seen += j - i;
        hits += new_hits;
        sum += new_hits as f64 * hits as f64 / seen as f64;
        i = j;
    }
    Some(sum / positives as f64)
}

/// Expected calibration error over `bins` equal-width probability bins: the bins' gaps between
/// mean probability and observed rate, weighted by their share of pairs.
pub fn expected_calibration_error(pairs: &[(f64, bool)], bins: usize) -> Option<f64> {
    if pairs.is_empty() || bins == 0 {
        return None;
    }
    let mut sums = vec![(0.0, 0.0, 0usize); bins];
    for &(p, y) in pairs {
        let bin = ((p.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        sums[bin].0 += p;
        sums[bin].1 += f64::from(u8::from(y));
        sums[bin].2 += 1;
    }
    let total = pairs.len() as f64;
    Some(
        sums.iter()
            .filter(|(_, _, n)| *n > 0)
            .map(|&(p, y, n)| (n as f64 / total) * ((p - y) / n as f64).abs())
            .sum(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn brier_score_is_the_mean_squared_error_of_probabilities() {
        // (0.9-1)^2 + (0.2-0)^2 = 0.01 + 0.04; mean 0.025.
        assert!(close(brier(&[(0.9, true), (0.2, false)]), 0.025));
        assert_eq!(brier(&[]), None);
    }

    #[test]
    fn roc_auc_counts_correctly_ordered_pairs_and_half_ties() {
        assert!(close(roc_auc(&[(0.9, true), (0.1, false)]), 1.0));
        assert!(close(roc_auc(&[(0.1, true), (0.9, false)]), 0.0));
        // Positives 0.8, 0.4; negatives 0.6, 0.4: pairs (0.8>0.6, 0.8>0.4, 0.4<0.6, 0.4=0.4) = 2.5 / 4.
        assert!(close(
            roc_auc(&[(0.8, true), (0.4, true), (0.6, false), (0.4, false)]),
            0.625
        ));
        assert_eq!(roc_auc(&[(0.5, true)]), None);
    }

    #[test]
    fn average_precision_rewards_positives_ranked_first() {
        // Ranked: 0.9 (+), 0.8 (-), 0.7 (+): precisions at the positives 1/1 and 2/3; mean 5/6.
        assert!(close(
            pr_auc(&[(0.9, true), (0.8, false), (0.7, true)]),
            5.0 / 6.0
        ));
        assert!(close(
            pr_auc(&[(0.9, true), (0.8, true), (0.1, false)]),
            1.0
        ));
        assert_eq!(pr_auc(&[(0.3, false)]), None);
    }

    #[test]
    fn calibration_error_is_zero_when_rates_match_probabilities() {
        let matched = [(0.25, true), (0.25, false), (0.25, false), (0.25, false)];
        assert!(close(expected_calibration_error(&matched, 10), 0.0));
        // All at 0.9 but only half happen: gap 0.4.
        let over = [(0.9, true), (0.9, false)];
        assert!(close(expected_calibration_error(&over, 10), 0.4));
    }
}
