//! What the table refuses whatever is stored: items over its size limit, keys longer than it
//! takes, more writes or bytes than one transaction holds; and the size estimate behind it.

use super::RecordKey;
use crate::items::Item;
use crate::keys::{self, PK, SK};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

/// The table's limit on one item's size (DynamoDB's 400 KB).
pub const MAX_ITEM_BYTES: usize = 400 * 1024;
/// How far below [`MAX_ITEM_BYTES`] an item's estimated size must stay.
const ITEM_SIZE_MARGIN: usize = 20 * 1024;
/// The table's limits on key attributes, in bytes (partition keys, sort keys; both for indexes).
const MAX_PARTITION_KEY_BYTES: usize = 2048;
const MAX_SORT_KEY_BYTES: usize = 1024;

/// The most actions one `TransactWriteItems` takes.
pub(super) const TRANSACTION_ACTIONS: usize = 100;
/// Transactions stay under this many bytes of items (the service's limit is 4 MB).
pub(super) const TRANSACTION_BYTES: usize = 3_000_000;
/// One change's items stay under this many bytes, so that it fits a transaction of its own.
const CHANGE_BYTES: usize = 3_800_000;

fn size_of(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::Ss(v) | AttributeValue::Ns(v) => v.iter().map(String::len).sum(),
        AttributeValue::M(m) => m.iter().map(|(k, v)| k.len() + size_of(v)).sum(),
        AttributeValue::L(l) => l.iter().map(size_of).sum(),
        _ => 8,
    }
}

pub(super) fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + size_of(v)).sum()
}

/// Why the table would refuse one change's actions whatever is stored, if it would.
pub(super) fn refusal(key: &RecordKey, actions: &[TransactWriteItem]) -> Option<String> {
    if actions.len() > TRANSACTION_ACTIONS {
        return Some(format!(
            "{key} would need {} writes at once, over the table's {TRANSACTION_ACTIONS} per \
             transaction",
            actions.len()
        ));
    }
    let mut total = 0;
    for item in actions
        .iter()
        .filter_map(|a| a.put.as_ref().map(|p| p.item()))
    {
        let limits = [
            (PK, MAX_PARTITION_KEY_BYTES),
            (SK, MAX_SORT_KEY_BYTES),
            (keys::GSI1PK, MAX_PARTITION_KEY_BYTES),
            (keys::GSI1SK, MAX_SORT_KEY_BYTES),
            (keys::GSI2PK, MAX_PARTITION_KEY_BYTES),
            (keys::GSI2SK, MAX_SORT_KEY_BYTES),
        ];
        for (attribute, limit) in limits {
            if let Some(value) = item.get(attribute).and_then(|v| v.as_s().ok()) {
                if value.is_empty() {
                    return Some(format!("{key} would have an empty key ({attribute})"));
                }
                if value.len() > limit {
                    return Some(format!(
                        "{key} would have a key of {} bytes ({attribute}), over the table's \
                         {limit}",
                        value.len()
                    ));
                }
            }
        }
        // The estimate leaves out a few bytes of overhead per list and map element: keep a
        // margin below the limit.
        let size = item_size(item);
        if size > MAX_ITEM_BYTES - ITEM_SIZE_MARGIN {
            return Some(format!(
                "{key} would become a {} KB item, over the table's {} KB limit",
                size / 1024,
                MAX_ITEM_BYTES / 1024
            ));
        }
        total += size;
    }
    if total > CHANGE_BYTES {
        return Some(format!(
            "{key} would write {} KB at once (its items together), over the {} KB one \
             transaction takes",
            total / 1024,
            CHANGE_BYTES / 1024
        ));
    }
    None
}
