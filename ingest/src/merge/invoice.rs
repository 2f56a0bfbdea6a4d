//! How invoice rows change an invoice: its fields, and its payment.

use super::state::{State, stays_with};
use crate::entity::{InvoiceFields, Version, version_text};
use chrono::NaiveDate;
use portal_domain::InvoiceId;
use portal_domain::model::{Invoice, PaymentState};
use portal_domain::records::Record;

/// An invoice's fields; its payment only when not older than the stored payment's.
pub(super) fn apply_invoice(
    state: &mut State,
    i: &InvoiceFields,
    version: &Version,
) -> Result<(), String> {
    if let Some(Record::Invoice(old)) = &state.record {
        stays_with(&old.account_id, &i.account_id)?;
    }
    let stored_payment = match &state.record {
        Some(Record::Invoice(old)) => (old.payment, old.paid_on),
        _ => (PaymentState::Unpaid, None),
    };
    // The row's payment state counts only if it is not older than the stored payment's.
    let v = version_text(version);
    let (payment, paid_on) = match i.payment {
        Some(p)
            if state
                .versions
                .get("payment")
                .is_none_or(|stored| *stored <= v) =>
        {
            state.versions.insert("payment".into(), v);
            p
        }
        _ => stored_payment,
    };
    state.record = Some(Record::Invoice(Invoice {
        id: i.id.clone(),
        account_id: i.account_id.clone(),
        kind: i.kind,
        order_id: i.order_id.clone(),
        credits_invoice: i.credits_invoice.clone(),
        issue_date: i.issue_date,
        due_date: i.due_date,
        currency: i.currency,
        totals: i.totals,
        payment,
        paid_on: if payment == PaymentState::Paid {
            paid_on
        } else {
            None
        },
        document_id: i.document_id.clone(),
    }));
    Ok(())
}

/// An invoice's payment: the invoice must be stored.
pub(super) fn apply_invoice_payment(
    state: &mut State,
    invoice_id: &InvoiceId,
    payment: PaymentState,
    paid_on: Option<NaiveDate>,
) -> Result<(), String> {
    match &mut state.record {
        Some(Record::Invoice(i)) => {
            i.payment = payment;
            i.paid_on = match payment {
                PaymentState::Paid => paid_on.or(i.paid_on),
                PaymentState::Unpaid => None,
            };
        }
        _ => {
            return Err(format!(
                "invoice {invoice_id} is not known: load the invoice before its payment"
            ));
        }
    }
    Ok(())
}
