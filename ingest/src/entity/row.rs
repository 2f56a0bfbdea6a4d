//! Reading one row's canonical values: required and optional fields by their types, the bounds
//! of amounts and quantities, words of the domain's enums, and the errors that quarantine a row.

use super::{Field, Kind};
use crate::values::{Formats, ValueError};
use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::model::Totals;
use portal_domain::text::thousands;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// A row's canonical values, by field name (empty values left out).
pub type Values = BTreeMap<&'static str, String>;

/// Why a row's values do not make an update.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct RowError(pub String);

impl From<ValueError> for RowError {
    fn from(e: ValueError) -> Self {
        RowError(e.to_string())
    }
}

/// The largest amount of money ingest takes, either sign: 10¹⁵ (a thousand trillion) in any
/// currency, for totals, prices and line values. Sums of any realistic number of such amounts
/// stay far below a decimal's limit (about 7.9 × 10²⁸), so balances and totals never overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;
/// The largest quantity (and pack size) ingest takes, either sign: 10⁹ units. Also keeps
/// quantity × unit price, a line's default value, within range.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// The bound of a number field: quantities and pack sizes by [`MAX_QUANTITY`], the rest (money)
/// by [`MAX_AMOUNT`].
fn bound_of(name: &str) -> (i64, &'static str) {
    match name {
        "quantity" | "pack_size" | "min_quantity" | "max_quantity" | "increment" => {
            (MAX_QUANTITY, "quantity")
        }
        _ => (MAX_AMOUNT, "amount"),
    }
}

/// `value` if within its field's bound, else the row's error.
pub(super) fn bounded(name: &'static str, value: Decimal) -> Result<Decimal, RowError> {
    let (bound, what) = bound_of(name);
    if value.abs() > Decimal::from(bound) {
        return Err(RowError(format!(
            "{name}: {value} is beyond the largest {what} ingest takes (±{})",
            thousands(bound.unsigned_abs())
        )));
    }
    Ok(value)
}

/// Reads one row's values by the entity's field list.
pub(super) struct Row<'a> {
    pub(super) values: &'a Values,
    pub(super) formats: &'a Formats,
    /// The entity's fields: a word field's words are its own (a line's `status` is not an
    /// order's).
    pub(super) fields: &'static [Field],
}

impl Row<'_> {
    pub(super) fn raw(&self, name: &'static str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
    pub(super) fn required(&self, name: &'static str) -> Result<&str, RowError> {
        self.raw(name)
            .ok_or_else(|| RowError(format!("{name}: missing (the field is required)")))
    }
    pub(super) fn id<T>(
        &self,
        name: &'static str,
        parse: fn(&str) -> Result<T, portal_domain::ParseError>,
    ) -> Result<T, RowError> {
        let raw = self.required(name)?;
        parse(raw).map_err(|e| RowError(format!("{name}: {e}")))
    }
    pub(super) fn opt_id<T>(
        &self,
        name: &'static str,
        parse: fn(&str) -> Result<T, portal_domain::ParseError>,
    ) -> Result<Option<T>, RowError> {
        self.raw(name)
            .map(|raw| parse(raw).map_err(|e| RowError(format!("{name}: {e}"))))
            .transpose()
    }
    pub(super) fn text(&self, name: &'static str) -> Result<String, RowError> {
        Ok(self.required(name)?.to_owned())
    }
    pub(super) fn opt_text(&self, name: &'static str) -> Option<String> {
        self.raw(name).map(str::to_owned)
    }
    pub(super) fn date(&self, name: &'static str) -> Result<NaiveDate, RowError> {
        Ok(self.formats.date(name, self.required(name)?)?)
    }
    pub(super) fn opt_date(&self, name: &'static str) -> Result<Option<NaiveDate>, RowError> {
        Ok(self
            .raw(name)
            .map(|r| self.formats.date(name, r))
            .transpose()?)
    }
    pub(super) fn datetime(&self, name: &'static str) -> Result<DateTime<Utc>, RowError> {
        Ok(self.formats.datetime(name, self.required(name)?)?)
    }
    pub(super) fn opt_datetime(
        &self,
        name: &'static str,
    ) -> Result<Option<DateTime<Utc>>, RowError> {
        Ok(self
            .raw(name)
            .map(|r| self.formats.datetime(name, r))
            .transpose()?)
    }
    pub(super) fn decimal(&self, name: &'static str) -> Result<Decimal, RowError> {
        bounded(name, self.formats.decimal(name, self.required(name)?)?)
    }
    pub(super) fn opt_decimal(&self, name: &'static str) -> Result<Option<Decimal>, RowError> {
        self.raw(name)
            .map(|r| bounded(name, self.formats.decimal(name, r)?))
            .transpose()
    }
    pub(super) fn integer(&self, name: &'static str) -> Result<u32, RowError> {
        Ok(self.formats.integer(name, self.required(name)?)?)
    }
    pub(super) fn opt_integer(&self, name: &'static str) -> Result<Option<u32>, RowError> {
        Ok(self
            .raw(name)
            .map(|r| self.formats.integer(name, r))
            .transpose()?)
    }
    pub(super) fn list(&self, name: &'static str) -> Vec<String> {
        self.raw(name)
            .map(|r| self.formats.list(r))
            .unwrap_or_default()
    }
    /// A kebab-case word as the domain enum it names.
    pub(super) fn word<T: serde::de::DeserializeOwned>(
        &self,
        name: &'static str,
    ) -> Result<T, RowError> {
        word(self.fields, name, self.required(name)?)
    }
    pub(super) fn opt_word<T: serde::de::DeserializeOwned>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, RowError> {
        self.raw(name)
            .map(|r| word(self.fields, name, r))
            .transpose()
    }
    pub(super) fn totals(&self) -> Result<Totals, RowError> {
        let net = self.decimal("net")?;
        let tax = self.opt_decimal("tax")?.unwrap_or_default();
        let gross = match self.opt_decimal("gross")? {
            Some(g) => g,
            None => net
                .checked_add(tax)
                .ok_or_else(|| RowError("gross: net + tax is too large a number".into()))
                .and_then(|g| bounded("gross", g))?,
        };
        Ok(Totals { net, tax, gross })
    }
}

/// `raw` as the domain enum `T`, else an error listing the words `fields` give `name`.
pub(super) fn word<T: serde::de::DeserializeOwned>(
    fields: &[Field],
    name: &'static str,
    raw: &str,
) -> Result<T, RowError> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned())).map_err(|_| {
        let words = fields
            .iter()
            .find_map(|f| match f.kind {
                Kind::Word(words) if f.name == name => Some(words.join(", ")),
                _ => None,
            })
            .unwrap_or_default();
        RowError(format!("{name}: {raw:?} is not one of {words}"))
    })
}

pub(super) fn ids<T>(
    name: &'static str,
    raw: Vec<String>,
    parse: fn(&str) -> Result<T, portal_domain::ParseError>,
) -> Result<Vec<T>, RowError> {
    raw.iter()
        .map(|r| parse(r).map_err(|e| RowError(format!("{name}: {e}"))))
        .collect()
}
