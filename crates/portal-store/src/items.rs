//! Turning domain values into items and back, and queries as data (`QuerySpec`, `SortKey`,
//! `Filter`, `Days`); the table operations every repository shares are in `table`.

mod table;
pub use table::{MAX_EVALUATED, MAX_QUERIES};
pub(crate) use table::{Table, backoff};

use crate::cursor::PageKey;
use crate::error::StoreError;
use crate::keys::{self, ENTITY, GSI1PK, GSI1SK, GSI2PK, GSI2SK, Index, ItemKeys, PK, SK};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// Serialises `value` and adds its keys.
pub(crate) fn to_item<T: Serialize>(value: &T, item_keys: ItemKeys) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::aws_sdk_dynamodb_1::to_item(value).map_err(|source| {
        StoreError::Serialise {
            what: format!("{} {}", item_keys.entity, item_keys.pk),
            source,
        }
    })?;
    item.insert(
        ENTITY.to_owned(),
        AttributeValue::S(item_keys.entity.to_owned()),
    );
    item.insert(PK.to_owned(), AttributeValue::S(item_keys.pk));
    item.insert(SK.to_owned(), AttributeValue::S(item_keys.sk));
    if let Some((pk, sk)) = item_keys.gsi1 {
        item.insert(GSI1PK.to_owned(), AttributeValue::S(pk));
        item.insert(GSI1SK.to_owned(), AttributeValue::S(sk));
    }
    if let Some((pk, sk)) = item_keys.gsi2 {
        item.insert(GSI2PK.to_owned(), AttributeValue::S(pk));
        item.insert(GSI2SK.to_owned(), AttributeValue::S(sk));
    }
    Ok(item)
}

/// Parses an item into a domain value; an item that does not parse is an error naming its key.
pub(crate) fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    let key = describe_key(&item);
    serde_dynamo::from_item(item).map_err(|source| StoreError::Corrupt { key, source })
}

fn describe_key(item: &Item) -> String {
    let get = |name| {
        item.get(name)
            .and_then(|v: &AttributeValue| v.as_s().ok())
            .map_or("?", String::as_str)
    };
    format!("{}/{}", get(PK), get(SK))
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// How a query narrows the sort key.
#[derive(Debug, Clone)]
pub(crate) enum SortKey {
    Any,
    BeginsWith(String),
    Between(String, String),
}

/// A filter applied after the key condition (it costs reads, so only on bounded partitions).
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub expression: Vec<String>,
    pub names: Vec<(String, String)>,
    pub values: Vec<(String, AttributeValue)>,
}

impl Filter {
    /// Adds a condition, AND-ed with the others; `#n` and `:v` placeholders are the caller's.
    pub fn and(&mut self, expression: impl Into<String>) -> &mut Self {
        self.expression.push(expression.into());
        self
    }
    pub fn name(&mut self, placeholder: &str, attribute: &str) -> &mut Self {
        self.names
            .push((placeholder.to_owned(), attribute.to_owned()));
        self
    }
    pub fn value(&mut self, placeholder: &str, value: AttributeValue) -> &mut Self {
        self.values.push((placeholder.to_owned(), value));
        self
    }
}

/// One `Query` on the table or an index.
#[derive(Debug, Clone)]
pub(crate) struct QuerySpec {
    pub index: Option<Index>,
    pub pk: String,
    pub sk: SortKey,
    pub filter: Filter,
    /// Attributes to read; `None` reads whole items.
    pub projection: Option<&'static [&'static str]>,
    pub newest_first: bool,
}

impl QuerySpec {
    pub fn new(index: Option<Index>, pk: impl Into<String>, sk: SortKey) -> Self {
        Self {
            index,
            pk: pk.into(),
            sk,
            filter: Filter::default(),
            projection: None,
            newest_first: false,
        }
    }

    fn key_attributes(&self) -> (&'static str, &'static str) {
        self.index.map_or((PK, SK), Index::attributes)
    }

    /// The attributes a page key of this query holds.
    fn page_key_attributes(&self) -> Vec<&'static str> {
        let mut attrs = vec![PK, SK];
        if let Some(index) = self.index {
            let (pk, sk) = index.attributes();
            attrs.extend([pk, sk]);
        }
        attrs
    }
}

/// A page of a list: its items, each with the key of the page that starts right after it (a
/// Relay edge's cursor), and where the next page starts. The items and their keys change only
/// together, so a page filtered after its read still resumes after each item it kept.
#[derive(Debug, Clone)]
pub struct Page<T> {
    items: Vec<T>,
    after: Vec<PageKey>,
    pub next: Option<PageKey>,
}

impl<T> Page<T> {
    /// A page of `edges` (each item with the key that resumes the list after it).
    pub fn new(edges: impl IntoIterator<Item = (T, PageKey)>, next: Option<PageKey>) -> Self {
        let (items, after) = edges.into_iter().unzip();
        Self { items, after, next }
    }

    /// The page of an empty list.
    pub fn empty() -> Self {
        Self::new([], None)
    }

    pub fn items(&self) -> &[T] {
        &self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// Each item with the key that resumes the list after it.
    pub fn into_edges(self) -> impl Iterator<Item = (T, PageKey)> {
        self.items.into_iter().zip(self.after)
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        self.filter_map(|item| Some(f(item)))
    }

    pub fn filter_map<U>(self, mut f: impl FnMut(T) -> Option<U>) -> Page<U> {
        let next = self.next.clone();
        Page::new(
            self.into_edges()
                .filter_map(|(item, after)| f(item).map(|item| (item, after))),
            next,
        )
    }

    /// The page of analytics run `run_id`'s results: every key names the run (see
    /// [`PageKey::of_run`]).
    pub fn of_run(self, run_id: &str) -> Self {
        let next = self.next.clone().map(|k| k.of_run(run_id));
        Page::new(
            self.into_edges()
                .map(|(item, after)| (item, after.of_run(run_id))),
            next,
        )
    }

    /// Keeps the items for which `keep` holds (with their keys).
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let next = self.next.take();
        let edges = std::mem::take(&mut self.items)
            .into_iter()
            .zip(std::mem::take(&mut self.after));
        *self = Page::new(edges.filter(|(item, _)| keep(item)), next);
    }
}

/// An inclusive range of days, either end open.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Days {
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

impl Days {
    /// The range as sort-key bounds for keys that start with the date (`<date>#...`).
    pub fn key_range(&self) -> SortKey {
        let (from, to) = self.bounds();
        SortKey::Between(from, to)
    }

    /// Adds `attribute BETWEEN from AND to` to `filter`, unless the range is open at both ends.
    pub fn filter_on(&self, filter: &mut Filter, attribute: &str) {
        if self.from.is_none() && self.to.is_none() {
            return;
        }
        let (from, to) = self.bounds();
        filter
            .and("#day BETWEEN :day_from AND :day_to")
            .name("#day", attribute)
            .value(":day_from", s(from))
            .value(":day_to", s(to));
    }

    fn bounds(&self) -> (String, String) {
        let from = self.from.map_or_else(|| "0".to_owned(), |d| d.to_string());
        let to = self
            .to
            .map_or_else(|| keys::HIGH.to_string(), |d| through(&d.to_string()));
        (from, to)
    }
}

/// The upper bound of a sort-key range that starts with `prefix`.
pub(crate) fn through(prefix: &str) -> String {
    format!("{prefix}{}", keys::HIGH)
}
