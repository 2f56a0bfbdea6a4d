//! Products: the field table and how a row becomes an [`Update`].

use super::row::{Row, RowError};
use super::{Field, Kind, Update, VERSION, opt, req};
use portal_domain::{DivisionId, Sku};
use rust_decimal::Decimal;

pub(super) const PRODUCTS: &[Field] = &[
    req("sku", Kind::Id, "the SKU (natural key)"),
    req("name", Kind::Text, "product name"),
    opt("description", Kind::Text, "longer text"),
    req("division", Kind::Id, "the division that sells it"),
    opt("unit", Kind::Text, "unit of measure (default pcs)"),
    opt("pack_size", Kind::Decimal, "units per pack (default 1)"),
    VERSION,
];

/// A product's fields (attributes stay as stored).
#[derive(Debug, Clone, PartialEq)]
pub struct ProductFields {
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub division: DivisionId,
    pub unit: String,
    pub pack_size: Decimal,
}

/// A `products` row: a product's own fields.
pub(super) fn product(r: &Row) -> Result<Update, RowError> {
    Ok(Update::Product(ProductFields {
        sku: r.id("sku", Sku::parse)?,
        name: r.text("name")?,
        description: r.opt_text("description").unwrap_or_default(),
        division: r.id("division", DivisionId::parse)?,
        unit: r.opt_text("unit").unwrap_or_else(|| "pcs".into()),
        pack_size: match r.opt_decimal("pack_size")? {
            Some(p) if p <= Decimal::ZERO => {
                return Err(RowError(format!("pack_size: {p} is not positive")));
            }
            p => p.unwrap_or(Decimal::ONE),
        },
    }))
}
