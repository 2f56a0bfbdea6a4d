//! Invoices and credit notes, their status filters and an account's open balance.

use crate::items::{Days, Item, Page, QuerySpec, SortKey, from_item, s, to_item};
use crate::keys::{self, Index, ItemKeys, META};
use crate::{PageKey, Store, StoreError};
use chrono::NaiveDate;
use portal_domain::model::{Invoice, PaymentState};
use portal_domain::{Currency, InvoiceId, Principal, ScopedAccount};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// Which invoices to list by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceStatusFilter {
    /// Unpaid and not yet due.
    Open,
    /// Unpaid and past due.
    Overdue,
    /// Open or overdue.
    Unpaid,
    Paid,
}

/// Filters of the invoice list.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub status: Option<InvoiceStatusFilter>,
    /// Issued on or after.
    pub from: Option<NaiveDate>,
    /// Issued on or before.
    pub to: Option<NaiveDate>,
}

/// The most unpaid invoices (and credit notes) an open balance sums: a few megabytes read in a
/// handful of calls, far more than an account has open at once.
pub const MAX_UNPAID_SUMMED: usize = 5_000;

/// What an open balance reads of an unpaid invoice.
#[derive(serde::Deserialize)]
struct Unpaid {
    currency: Currency,
    totals: portal_domain::model::Totals,
    due_date: NaiveDate,
}

/// What an account owes in one currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenBalance {
    pub currency: Currency,
    /// Everything unpaid, credit notes deducted.
    pub open_amount: Decimal,
    /// The part of it past due.
    pub overdue_amount: Decimal,
    pub open_count: u32,
    pub overdue_count: u32,
}

pub(crate) fn invoice_item(invoice: &Invoice) -> Result<Item, StoreError> {
    to_item(
        invoice,
        ItemKeys {
            entity: "invoice",
            pk: keys::invoice(&invoice.id),
            sk: META.to_owned(),
            gsi1: Some((
                keys::account_invoices(&invoice.account_id),
                format!("{}#{}", invoice.issue_date, invoice.id),
            )),
            // The sparse "unpaid" partition holds only what is still owed, by due date.
            gsi2: (invoice.payment == PaymentState::Unpaid).then(|| {
                (
                    keys::account_unpaid(&invoice.account_id),
                    format!("{}#{}", invoice.due_date, invoice.id),
                )
            }),
        },
    )
}

impl Store {
    /// An account's invoices: newest first, or, for unpaid ones, the longest overdue first.
    pub async fn invoices(
        &self,
        account: &ScopedAccount,
        filter: &InvoiceFilter,
        today: NaiveDate,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<Invoice>, StoreError> {
        let account = account.id();
        let issued = Days {
            from: filter.from,
            to: filter.to,
        };
        let unpaid = |sk| QuerySpec::new(Some(Index::Gsi2), keys::account_unpaid(account), sk);
        let mut spec = match filter.status {
            None | Some(InvoiceStatusFilter::Paid) => {
                let mut spec = QuerySpec::new(
                    Some(Index::Gsi1),
                    keys::account_invoices(account),
                    issued.key_range(),
                );
                spec.newest_first = true;
                spec
            }
            Some(InvoiceStatusFilter::Unpaid) => unpaid(SortKey::Any),
            // Unpaid invoices are keyed by due date: open ones are due today or later.
            Some(InvoiceStatusFilter::Open) => unpaid(
                Days {
                    from: Some(today),
                    to: None,
                }
                .key_range(),
            ),
            Some(InvoiceStatusFilter::Overdue) => unpaid(
                Days {
                    from: None,
                    to: today.pred_opt(),
                }
                .key_range(),
            ),
        };
        if filter.status == Some(InvoiceStatusFilter::Paid) {
            spec.filter
                .and("#payment = :paid")
                .name("#payment", "payment")
                .value(":paid", s("paid"));
        }
        if spec.index == Some(Index::Gsi2) {
            issued.filter_on(&mut spec.filter, "issue_date");
        }
        self.table.query_page_as(&spec, limit, after).await
    }

    /// One invoice or credit note, when visible to `principal`.
    pub async fn invoice(
        &self,
        principal: &Principal,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, StoreError> {
        let invoice: Option<Invoice> = self.table.get_as(keys::invoice(id), META).await?;
        Ok(invoice.filter(|i| principal.can_see(&i.account_id)))
    }

    /// What an account owes, per currency, from the sparse partition of unpaid invoices. Sums
    /// that overflow are [`StoreError::Overflow`], never a panic.
    ///
    /// A sum needs every unpaid invoice, and a partial one would be wrong: an account with more
    /// than [`MAX_UNPAID_SUMMED`] of them is [`StoreError::TooManyToSum`], after a bounded read
    /// (of only the attributes summed), instead of a request that runs into its timeout.
    pub async fn open_balance(
        &self,
        account: &ScopedAccount,
        today: NaiveDate,
    ) -> Result<Vec<OpenBalance>, StoreError> {
        let account = account.id();
        let mut spec = QuerySpec::new(
            Some(Index::Gsi2),
            keys::account_unpaid(account),
            SortKey::Any,
        );
        spec.projection = Some(&["currency", "totals", "due_date"]);
        let mut balances: BTreeMap<Currency, OpenBalance> = BTreeMap::new();
        let Some(unpaid) = self.table.query_at_most(&spec, MAX_UNPAID_SUMMED).await? else {
            return Err(StoreError::TooManyToSum {
                what: format!("the open balance of account {account}"),
                most: MAX_UNPAID_SUMMED,
                items: "unpaid invoices and credit notes",
            });
        };
        for item in unpaid {
            let invoice: Unpaid = from_item(item)?;
            let balance = balances.entry(invoice.currency).or_insert(OpenBalance {
                currency: invoice.currency,
                open_amount: Decimal::ZERO,
                overdue_amount: Decimal::ZERO,
                open_count: 0,
                overdue_count: 0,
            });
            let overflow = |what: &str| StoreError::Overflow {
                what: format!("the {what} of account {account} in {}", invoice.currency),
            };
            balance.open_amount = balance
                .open_amount
                .checked_add(invoice.totals.gross)
                .ok_or_else(|| overflow("open balance"))?;
            balance.open_count = balance.open_count.saturating_add(1);
            if invoice.due_date < today {
                balance.overdue_amount = balance
                    .overdue_amount
                    .checked_add(invoice.totals.gross)
                    .ok_or_else(|| overflow("overdue balance"))?;
                balance.overdue_count = balance.overdue_count.saturating_add(1);
            }
        }
        Ok(balances.into_values().collect())
    }
}
