//! Lake writes: the current lines of the orders a chunk touched, one object per month, and
//! the orders a push left in the lake outbox.

use super::{CHUNK_ROWS, FileInfo, IngestError, Target};
use crate::entity::Entity;
use portal_domain::Sku;
use portal_domain::model::Order;
use portal_domain::records::{Record, RecordKey};
use portal_lake::{LakeLine, month_of};
use portal_store::lake::ingested_lines_key;
use rust_decimal::prelude::ToPrimitive;
use std::collections::{BTreeMap, HashMap};

impl Target {
    /// Writes the current lines of every order the lake outbox names to the lake, then clears
    /// those markers ([`portal_store::outbox`]): what a push that stopped between the table and
    /// the lake left. The analytics job does this before it reads the lake. Returns the orders
    /// written.
    pub async fn drain_lake_outbox(&self) -> Result<usize, IngestError> {
        let pending = self.store.lake_outbox().await?;
        for part in pending.chunks(CHUNK_ROWS) {
            let keys: Vec<RecordKey> = part
                .iter()
                .map(|p| RecordKey::Order(p.order.clone()))
                .collect();
            let current = self.store.read_current(&keys).await?;
            let records: HashMap<RecordKey, (Option<Record>, u64)> = current
                .into_iter()
                .filter_map(|(key, c)| c.record.map(|r| (key, (Some(r.value), r.revision))))
                .collect();
            let digest = {
                use sha2::Digest;
                let mut hasher = sha2::Sha256::new();
                for p in part {
                    hasher.update(format!("{}@{}\n", p.order, p.revision));
                }
                hasher
                    .finalize()
                    .iter()
                    .take(12)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            };
            let info = FileInfo {
                source: "outbox".into(),
                entity: Entity::Orders,
                name: "lake outbox".into(),
                file_id: digest,
            };
            self.write_lake(&info, 0, &records, &PackSizes::default())
                .await?;
            self.store.clear_lake_outbox(part).await?;
        }
        Ok(pending.len())
    }

    /// Writes the current lines of the orders a chunk touched, one object per month, with the
    /// pack sizes of their products (looked up once per file, in `known`).
    pub(super) async fn write_lake(
        &self,
        info: &FileInfo,
        chunk: usize,
        results: &HashMap<RecordKey, (Option<Record>, u64)>,
        known: &PackSizes,
    ) -> Result<usize, IngestError> {
        let orders: Vec<(&Order, u64)> = results
            .values()
            .filter_map(|(record, revision)| match record {
                Some(Record::Order(order)) => Some((order, *revision)),
                _ => None,
            })
            .collect();
        let packs = {
            let mut known = known.lock().await;
            let mut missing: Vec<Sku> = orders
                .iter()
                .flat_map(|(o, _)| o.lines.iter().map(|l| &l.sku))
                .filter(|sku| !known.contains_key(*sku))
                .cloned()
                .collect();
            missing.sort();
            missing.dedup();
            if !missing.is_empty() {
                let found = self.store.pack_sizes(&missing).await?;
                for sku in missing {
                    let pack = found.get(&sku).and_then(|p| p.to_f64());
                    known.insert(sku, pack);
                }
            }
            known.clone()
        };
        let mut by_month: BTreeMap<String, Vec<LakeLine>> = BTreeMap::new();
        for (order, revision) in orders {
            for mut line in portal_lake::order_lines(order, revision) {
                line.pack_size = Sku::parse(&line.sku)
                    .ok()
                    .and_then(|sku| packs.get(&sku).copied().flatten());
                by_month.entry(month_of(&line)).or_default().push(line);
            }
        }
        let objects = by_month.len();
        for (month, mut lines) in by_month {
            lines.sort_by(|a, b| (&a.order_id, a.line_no).cmp(&(&b.order_id, b.line_no)));
            let bytes = (self.format.encode)(&lines).map_err(IngestError::Lake)?;
            let key = ingested_lines_key(
                &month,
                &info.source,
                &info.file_id,
                chunk,
                self.format.extension,
            );
            self.lake.put(&key, self.format.content_type, bytes).await?;
        }
        Ok(objects)
    }
}

/// Pack sizes by SKU, as far as looked up (`None`: no such product).
pub(super) type PackSizes = std::sync::Arc<tokio::sync::Mutex<HashMap<Sku, Option<f64>>>>;
