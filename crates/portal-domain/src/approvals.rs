//! Approvals and spending limits: when an order placed in the portal waits for an approver of
//! the account instead of going to the ERP, and who decided.

use crate::{Currency, UserId};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An account's checkout rules, set by its account administrators (or the seller's admins).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSettings {
    /// An order whose total is above this (in the account's currency) waits for approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_threshold: Option<Decimal>,
    /// Whether an order needs a PO number.
    #[serde(default)]
    pub po_required: bool,
    /// 0 until first set; one more with each change.
    #[serde(default)]
    pub version: u64,
}

/// A buyer's monthly spending limit, in the account's currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendingLimit {
    pub user_id: UserId,
    pub monthly_limit: Decimal,
    pub set_by: UserId,
    pub set_at: DateTime<Utc>,
}

/// Why an order waits, who may decide, and the decision once made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct Approval {
    pub reasons: Vec<String>,
    /// The account's approvers (never the buyer who placed it).
    pub approvers: Vec<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// An approver's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::SimpleObject))]
pub struct Decision {
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub approved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why an order of `total` by a buyer who has spent `spent` this month must wait for approval
/// (empty: it need not).
pub fn reasons(
    settings: &CheckoutSettings,
    limit: Option<&SpendingLimit>,
    spent: Decimal,
    total: Decimal,
    currency: Currency,
) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(threshold) = settings.approval_threshold
        && total > threshold
    {
        reasons.push(format!(
            "the order's total {total} {currency} is above the account's approval threshold of \
             {threshold} {currency}"
        ));
    }
    if let Some(limit) = limit {
        let after = spent.saturating_add(total);
        if after > limit.monthly_limit {
            reasons.push(format!(
                "with it the buyer's spend this month would be {after} {currency}, above their \
                 monthly limit of {} {currency}",
                limit.monthly_limit
            ));
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().expect("decimal")
    }

    #[test]
    fn an_order_waits_above_the_threshold_or_beyond_the_buyers_monthly_limit_and_not_at_them() {
        let eur = Currency::parse("EUR").expect("eur");
        let settings = CheckoutSettings {
            approval_threshold: Some(d("1000")),
            ..CheckoutSettings::default()
        };
        let limit = SpendingLimit {
            user_id: UserId::parse("b").expect("id"),
            monthly_limit: d("1500"),
            set_by: UserId::parse("adm").expect("id"),
            set_at: Utc::now(),
        };
        assert!(reasons(&settings, Some(&limit), d("500"), d("1000"), eur).is_empty());
        let above = reasons(&settings, Some(&limit), d("0"), d("1000.01"), eur);
        assert_eq!(above.len(), 1);
        assert!(
            above[0].contains("approval threshold of 1000 EUR"),
            "{above:?}"
        );
        let beyond = reasons(&settings, Some(&limit), d("600"), d("901"), eur);
        assert_eq!(beyond.len(), 1);
        assert!(beyond[0].contains("1501 EUR"), "{beyond:?}");
        assert_eq!(
            reasons(&settings, Some(&limit), d("900"), d("1200"), eur).len(),
            2
        );
        assert!(reasons(&CheckoutSettings::default(), None, d("0"), d("1e9"), eur).is_empty());
    }
}
