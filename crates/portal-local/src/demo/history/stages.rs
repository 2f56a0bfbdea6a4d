//! The recent pipeline: the stages every account that still buys has an order at on the last
//! day of history, and the dates that put an order there.

use super::*;

/// The stages every account that still buys has an order at on the last day of history, whatever
/// that day is, so that the demo shows what order tracking is for: open orders, shipments in
/// transit, an invoice due and one overdue. (The history's own orders are almost all invoiced
/// by then: an account orders every few weeks, and an order is invoiced within about three.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    Received,
    Confirmed,
    InProduction,
    PartiallyShipped,
    InTransit,
    Delivered,
    /// Invoiced, unpaid and not yet due.
    InvoicedOpen,
    /// Invoiced, unpaid and past its due date.
    InvoicedOverdue,
    Cancelled,
}

impl Stage {
    pub(super) const ALL: [Stage; 9] = [
        Stage::Received,
        Stage::Confirmed,
        Stage::InProduction,
        Stage::PartiallyShipped,
        Stage::InTransit,
        Stage::Delivered,
        Stage::InvoicedOpen,
        Stage::InvoicedOverdue,
        Stage::Cancelled,
    ];

    /// The order's dates that put it at this stage on `today` (at noon, when the demo's clock
    /// stops), for an account with `terms` days to pay.
    pub(super) fn plan(self, today: NaiveDate, terms: i64) -> Plan {
        let days = Duration::days;
        let plan = |day, ship_on: NaiveDate, delivered_on: NaiveDate| Plan {
            day,
            produced_on: None,
            ship_on,
            transit: (delivered_on - ship_on).num_days(),
            second_ship_on: None,
            invoice_delay: 1,
            cancelled: false,
        };
        match self {
            Stage::Received => {
                let ship_on = weekday_on_or_after(today + days(7));
                plan(today, ship_on, ship_on + days(3))
            }
            Stage::Confirmed => {
                let day = weekday_on_or_before(today) - days(1);
                let ship_on = weekday_on_or_after(day + days(6));
                plan(day, ship_on, ship_on + days(3))
            }
            Stage::InProduction => {
                // Confirmed on the working day before production starts.
                let produced_on = weekday_on_or_before(today);
                let day = weekday_on_or_before(produced_on - days(1)) - days(1);
                let ship_on = weekday_on_or_after(day + days(14));
                Plan {
                    produced_on: Some(produced_on),
                    ..plan(day, ship_on, ship_on + days(3))
                }
            }
            Stage::PartiallyShipped => {
                let ship_on = weekday_on_or_before(today - days(1));
                Plan {
                    second_ship_on: Some(weekday_on_or_after(ship_on + days(10))),
                    ..plan(ship_on - days(5), ship_on, ship_on + days(4))
                }
            }
            Stage::InTransit => {
                let ship_on = weekday_on_or_before(today - days(1));
                plan(ship_on - days(4), ship_on, ship_on + days(4))
            }
            Stage::Delivered => {
                let ship_on = weekday_on_or_before(today - days(3));
                Plan {
                    invoice_delay: 2,
                    ..plan(ship_on - days(3), ship_on, today - days(1))
                }
            }
            Stage::InvoicedOpen => {
                let ship_on = weekday_on_or_before(today - days(10));
                plan(ship_on - days(4), ship_on, ship_on + days(2))
            }
            Stage::InvoicedOverdue => {
                let ship_on = weekday_on_or_before(today - days(terms + 24));
                plan(ship_on - days(5), ship_on, ship_on + days(2))
            }
            Stage::Cancelled => {
                let day = weekday_on_or_before(today - days(6));
                Plan {
                    cancelled: true,
                    ..plan(day, day + days(7), day + days(10))
                }
            }
        }
    }
}

/// The dates of a pipeline order's life (see [`Stage::plan`]).
pub(super) struct Plan {
    pub(super) day: NaiveDate,
    pub(super) produced_on: Option<NaiveDate>,
    pub(super) ship_on: NaiveDate,
    pub(super) transit: i64,
    /// The second part's shipping day, if the order ships in two.
    pub(super) second_ship_on: Option<NaiveDate>,
    /// Days from the last delivery to the invoice.
    pub(super) invoice_delay: i64,
    pub(super) cancelled: bool,
}

/// One order at each [`Stage`] for a customer that still buys: a few lines of one division
/// (the divisions in turn, the order in transit of one whose batches get certificates if the
/// account buys from one), at least one of them of a product whose batches get material
/// certificates where the division has one.
pub(super) fn pipeline(
    g: &mut Gen,
    spec: &DemoSpec,
    ci: usize,
    customer: &Customer,
    catalog: &[CatalogItem],
) -> Vec<Draft> {
    let (_, _, _, terms, _) = COUNTRIES[customer.country];
    // Divisions whose batches get certificates first, so that the shipment in transit has one.
    let mut divisions: Vec<_> = customer.account.divisions.iter().collect();
    divisions.sort_by_key(|d| {
        !FAMILIES
            .iter()
            .any(|f| f.material_certificate && f.division == d.as_str())
    });
    let n = divisions.len();
    let mut drafts = Vec::new();
    for (k, stage) in Stage::ALL.into_iter().enumerate() {
        let Some(division) = divisions.get((k + 2 * n).saturating_sub(4) % n.max(1)) else {
            break;
        };
        let pool: Vec<usize> = (0..catalog.len())
            .filter(|&i| catalog[i].product.division == **division)
            .collect();
        let certified: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&i| FAMILIES[catalog[i].family].material_certificate)
            .collect();
        let mut lines = BTreeMap::new();
        if let Some(&item) = certified.choose(&mut g.rng) {
            lines.insert(item, g.rng.random_range(1..5));
        }
        for _ in 0..6 {
            if lines.len() >= 3 {
                break;
            }
            if let Some(&item) = pool.choose(&mut g.rng) {
                lines.entry(item).or_insert(g.rng.random_range(1..5));
            }
        }
        if lines.is_empty() {
            continue;
        }
        drafts.push(Draft {
            customer: ci,
            day: stage.plan(spec.today, terms).day,
            lines,
            stage: Some(stage),
        });
    }
    drafts
}
