//! The product catalog: products by SKU, search by SKU prefix and by name, per division.

use crate::items::{Item, Page, QuerySpec, SortKey, from_item, s, to_item};
use crate::keys::{self, GSI1PK, Index, ItemKeys, META};
use crate::{PageKey, Store, StoreError};
use portal_domain::model::{Product, ProductSummary};
use portal_domain::{DivisionId, Principal, Sku};
use serde::Serialize;

/// A catalog search. With neither field set it lists the catalog in SKU order.
#[derive(Debug, Clone, Default)]
pub struct ProductQuery {
    /// Only SKUs starting with this (upper-cased like SKUs).
    pub sku_prefix: Option<String>,
    /// Words the product name must contain; the first must start a word of the name.
    pub name: Option<String>,
    /// Only this division (when visible).
    pub division: Option<DivisionId>,
}

/// The words of a product name as the search index keeps them.
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2 && w.len() <= MAX_WORD_BYTES)
        .map(str::to_lowercase)
        .filter(|w| seen.insert(w.clone()))
        .take(MAX_WORDS)
        .collect();
    words.sort();
    words
}

/// The most words of a product's name that get an index item: a product and its words are
/// written in one transaction (of at most 100 actions, renames deleting the old words too), and
/// names that long are descriptions; their later words are still found by the `contains`
/// filter once a search starts with an indexed one.
pub(crate) const MAX_WORDS: usize = 40;

/// The longest word of a name that gets an index item, in bytes: its keys hold the word, and
/// the table takes sort keys of at most 1,024 bytes. Longer "words" (part numbers run together,
/// a pasted blob) are still found by the `contains` filter once a search starts with another.
pub(crate) const MAX_WORD_BYTES: usize = 100;

#[derive(Serialize)]
struct Searchable<'a, T> {
    #[serde(flatten)]
    value: &'a T,
    /// The lower-cased name, for `contains` filters.
    name_lc: String,
}

/// The product's item and one index item per word of its name.
pub(crate) fn product_items(product: &Product) -> Result<Vec<Item>, StoreError> {
    let name_lc = product.name.to_lowercase();
    let catalog = keys::catalog(&product.division);
    let mut items = vec![to_item(
        &Searchable {
            value: product,
            name_lc: name_lc.clone(),
        },
        ItemKeys {
            entity: "product",
            pk: keys::product(&product.sku),
            sk: META.to_owned(),
            gsi1: Some((catalog.clone(), keys::catalog_sku(product.sku.as_str()))),
            gsi2: None,
        },
    )?];
    let summary = ProductSummary::from(product);
    for word in words(&product.name) {
        items.push(to_item(
            &Searchable {
                value: &summary,
                name_lc: name_lc.clone(),
            },
            ItemKeys {
                entity: "product-word",
                pk: keys::product(&product.sku),
                sk: keys::catalog_word(&word),
                gsi1: Some((
                    catalog.clone(),
                    format!("{}#{}", keys::catalog_word(&word), product.sku),
                )),
                gsi2: None,
            },
        )?);
    }
    Ok(items)
}

const SUMMARY: &[&str] = &["sku", "name", "division", "unit", "pack_size"];

impl Store {
    /// The pack sizes of the products of `skus` that exist (for ingest's lake lines; not a
    /// request path, so not scoped by a principal). `BatchGetItem`, 100 keys a call.
    pub async fn pack_sizes(
        &self,
        skus: &[Sku],
    ) -> Result<std::collections::HashMap<Sku, rust_decimal::Decimal>, StoreError> {
        let keys = skus
            .iter()
            .map(|sku| (keys::product(sku), META.to_owned()))
            .collect();
        let products: Vec<Product> = self.table.batch_get_as(keys).await?;
        Ok(products.into_iter().map(|p| (p.sku, p.pack_size)).collect())
    }

    /// A product, when its division is visible to `principal`.
    pub async fn product(
        &self,
        principal: &Principal,
        sku: &Sku,
    ) -> Result<Option<Product>, StoreError> {
        let product: Option<Product> = self.table.get_as(keys::product(sku), META).await?;
        Ok(product.filter(|p| principal.can_see_division(&p.division)))
    }

    /// Searches the divisions visible to `principal`, one division after another in id order.
    pub async fn products(
        &self,
        principal: &Principal,
        query: &ProductQuery,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<ProductSummary>, StoreError> {
        let mut divisions: Vec<DivisionId> = match &query.division {
            Some(d) => vec![d.clone()],
            None => self.divisions().await?.into_iter().map(|d| d.id).collect(),
        };
        divisions.retain(|d| principal.can_see_division(d));
        divisions.sort();
        // Resume in the division the cursor was in.
        let mut start = 0;
        let mut after = after;
        if let Some(key) = &after {
            let current = key
                .0
                .get(GSI1PK)
                .or_else(|| key.0.get(NEXT_DIVISION))
                .ok_or(crate::CursorError::WrongQuery)?;
            start = divisions
                .iter()
                .position(|d| &keys::catalog(d) == current)
                .ok_or(crate::CursorError::WrongQuery)?;
            if key.0.contains_key(NEXT_DIVISION) {
                after = None;
            }
        }
        let name_words = query.name.as_deref().map(words).unwrap_or_default();
        let mut items: Vec<(ProductSummary, PageKey)> = Vec::new();
        for division in &divisions[start.min(divisions.len())..] {
            let spec = search_spec(division, query.sku_prefix.as_deref(), &name_words);
            let page = self
                .table
                .query_page(&spec, limit - items.len(), after.take())
                .await?;
            let next = page.next.clone();
            for (item, after) in page.into_edges() {
                let product: ProductSummary = from_item(item)?;
                if !items.iter().any(|(p, _)| p.sku == product.sku) {
                    items.push((product, after));
                }
            }
            if next.is_some() {
                return Ok(Page::new(items, next));
            }
            if items.len() >= limit {
                // This division is done; the next page starts at the next division.
                return Ok(Page::new(items, next_division_start(&divisions, division)));
            }
        }
        Ok(Page::new(items, None))
    }
}

fn search_spec(
    division: &DivisionId,
    sku_prefix: Option<&str>,
    name_words: &[String],
) -> QuerySpec {
    let catalog = keys::catalog(division);
    let (sk, other_words) = match (sku_prefix, name_words.split_first()) {
        (Some(prefix), _) => (keys::catalog_sku(&prefix.to_ascii_uppercase()), name_words),
        (None, Some((first, rest))) => (keys::catalog_word(first), rest),
        (None, None) => (keys::catalog_sku(""), name_words),
    };
    let mut spec = QuerySpec::new(Some(Index::Gsi1), catalog, SortKey::BeginsWith(sk));
    spec.projection = Some(SUMMARY);
    for (i, word) in other_words.iter().enumerate() {
        let placeholder = format!(":w{i}");
        spec.filter
            .and(format!("contains(#name_lc, {placeholder})"))
            .value(&placeholder, s(word.clone()));
    }
    if !other_words.is_empty() {
        spec.filter.name("#name_lc", "name_lc");
    }
    spec
}

/// The page-key entry that means "start this division's partition from its beginning".
const NEXT_DIVISION: &str = "next_division";

/// A page key that starts the division after `current` from its beginning.
fn next_division_start(divisions: &[DivisionId], current: &DivisionId) -> Option<PageKey> {
    let next = divisions.iter().skip_while(|d| *d != current).nth(1)?;
    Some(PageKey(
        [(NEXT_DIVISION.to_owned(), keys::catalog(next))]
            .into_iter()
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_words_are_lower_cased_unique_and_at_least_two_characters() {
        assert_eq!(
            words("Ball Valve DN-50 ball, X"),
            vec!["50", "ball", "dn", "valve"]
        );
    }

    #[test]
    fn a_very_long_name_indexes_its_first_forty_words() {
        let name: Vec<String> = (0..60).map(|i| format!("w{i:02}")).collect();
        let indexed = words(&name.join(" "));
        assert_eq!(indexed.len(), MAX_WORDS);
        assert!(indexed.contains(&"w00".to_owned()) && indexed.contains(&"w39".to_owned()));
        assert!(!indexed.contains(&"w40".to_owned()));
    }

    #[test]
    fn a_word_too_long_for_a_key_is_not_indexed() {
        let blob = "a".repeat(1_100);
        assert_eq!(words(&format!("Valve {blob} DN")), vec!["dn", "valve"]);
        let longest = "ü".repeat(MAX_WORD_BYTES / 2);
        assert_eq!(words(&longest), vec![longest.clone()]);
        assert!(words(&format!("{longest}x")).is_empty());
    }
}
