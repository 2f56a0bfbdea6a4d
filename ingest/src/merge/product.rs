//! How a product row changes a product.

use super::state::State;
use crate::entity::ProductFields;
use portal_domain::model::Product;
use portal_domain::records::Record;

/// A product's own fields (its attributes stay as stored).
pub(super) fn apply_product(state: &mut State, p: &ProductFields) -> Result<(), String> {
    let attributes = match &state.record {
        Some(Record::Product(old)) => old.attributes.clone(),
        _ => Default::default(),
    };
    state.record = Some(Record::Product(Product {
        sku: p.sku.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        division: p.division.clone(),
        unit: p.unit.clone(),
        pack_size: p.pack_size,
        attributes,
    }));
    Ok(())
}
