//! The table operations every repository shares: gets and batch gets, batched writes and
//! deletes with retries of unprocessed items, and queries paged within a bounded amount of work.

use super::{Item, Page, QuerySpec, SortKey, from_item, s};
use crate::cursor::PageKey;
use crate::error::{StoreError, dynamo};
use crate::keys::{PK, SK};
use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::time::Duration;

/// The table's name and client: the operations every repository shares.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub client: aws_sdk_dynamodb::Client,
    pub name: String,
}

/// The most items one `BatchWriteItem` takes.
const WRITE_BATCH: usize = 25;
/// The most keys one `BatchGetItem` takes.
const GET_BATCH: usize = 100;
/// `BatchGetItem` calls sent at once for larger reads.
const GETS_IN_FLIGHT: usize = 8;
const RETRIES: u32 = 8;
/// The most items one page request evaluates (reads before a filter drops them): a partial
/// page with a cursor beyond it. Without a filter, a page of at most 100 never gets there.
pub const MAX_EVALUATED: usize = 1_000;
/// The most `Query` calls one page request makes (each reads at most 1 MB).
pub const MAX_QUERIES: usize = 8;
/// What a filtered page reads first; each further call reads twice as many.
const READ_AHEAD: usize = 50;
/// The most `Query` calls of [`Table::query_at_most`].
const MAX_QUERIES_TO_END: usize = 16;

impl Table {
    pub async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.name)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .send()
            .await
            .map_err(dynamo("GetItem"))?;
        Ok(out.item)
    }

    /// [`Table::get`], parsing the item into `T`.
    pub async fn get_as<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<T>, StoreError> {
        self.get(pk, sk).await?.map(from_item).transpose()
    }

    /// Reads items by key in batches of 100, up to [`GETS_IN_FLIGHT`] at once, retrying what the
    /// service leaves unprocessed. Order is not kept.
    pub async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        if keys.len() <= GET_BATCH {
            return self.batch_get_one(&keys).await;
        }
        let mut found = Vec::with_capacity(keys.len());
        let mut tasks = tokio::task::JoinSet::new();
        let mut chunks = keys.chunks(GET_BATCH).map(<[_]>::to_vec);
        loop {
            while tasks.len() < GETS_IN_FLIGHT {
                let Some(chunk) = chunks.next() else { break };
                let table = self.clone();
                tasks.spawn(async move { table.batch_get_one(&chunk).await });
            }
            let Some(done) = tasks.join_next().await else {
                break;
            };
            found.extend(done.map_err(|e| StoreError::Service {
                service: "DynamoDB",
                operation: "BatchGetItem",
                code: None,
                message: format!("a read task stopped: {e}"),
            })??);
        }
        Ok(found)
    }

    /// One `BatchGetItem` of at most 100 keys, with its retries.
    async fn batch_get_one(&self, chunk: &[(String, String)]) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::with_capacity(chunk.len());
        let mut request = KeysAndAttributes::builder();
        for (pk, sk) in chunk {
            request = request.keys(HashMap::from([
                (PK.to_owned(), s(pk)),
                (SK.to_owned(), s(sk)),
            ]));
        }
        let mut pending = Some(request.build().map_err(|e| StoreError::Service {
            service: "DynamoDB",
            operation: "BatchGetItem",
            code: None,
            message: e.to_string(),
        })?);
        let mut attempt = 0;
        while let Some(request) = pending.take() {
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.name, request)
                .send()
                .await
                .map_err(dynamo("BatchGetItem"))?;
            if let Some(mut responses) = out.responses {
                found.extend(responses.remove(&self.name).unwrap_or_default());
            }
            pending = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.name))
                .filter(|k| !k.keys.is_empty());
            if pending.is_some() {
                attempt += 1;
                if attempt > RETRIES {
                    return Err(StoreError::Unprocessed(chunk.len()));
                }
                backoff(attempt).await;
            }
        }
        Ok(found)
    }

    /// Writes items in batches of 25, retrying unprocessed ones with backoff.
    pub async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.batch_write(items.into_iter().map(|item| {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .expect("item is set");
            WriteRequest::builder().put_request(put).build()
        }))
        .await
    }

    /// Deletes the items of `keys` (partition and sort key) in batches of 25, retrying
    /// unprocessed ones with backoff.
    pub async fn batch_delete(&self, keys: Vec<(String, String)>) -> Result<(), StoreError> {
        self.batch_write(keys.into_iter().map(|(pk, sk)| {
            let delete = DeleteRequest::builder()
                .key(PK, s(pk))
                .key(SK, s(sk))
                .build()
                .expect("key is set");
            WriteRequest::builder().delete_request(delete).build()
        }))
        .await
    }

    async fn batch_write(
        &self,
        requests: impl Iterator<Item = WriteRequest>,
    ) -> Result<(), StoreError> {
        let mut requests = requests.peekable();
        while requests.peek().is_some() {
            let mut batch: Vec<WriteRequest> = requests.by_ref().take(WRITE_BATCH).collect();
            let mut attempt = 0;
            while !batch.is_empty() {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.name, batch)
                    .send()
                    .await
                    .map_err(dynamo("BatchWriteItem"))?;
                batch = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.name))
                    .unwrap_or_default();
                if !batch.is_empty() {
                    attempt += 1;
                    if attempt > RETRIES {
                        return Err(StoreError::Unprocessed(batch.len()));
                    }
                    backoff(attempt).await;
                }
            }
        }
        Ok(())
    }

    /// Runs `spec` and returns up to `limit` items after `after`, filling the page across
    /// service pages when a filter drops items, and where the next page starts.
    ///
    /// The work is bounded, as DynamoDB bounds one `Query`: a page evaluates at most
    /// [`MAX_EVALUATED`] items (read before a filter drops them) in at most [`MAX_QUERIES`]
    /// calls. When the bound is reached first, the page is partial (possibly empty) and `next`
    /// continues where the reading stopped, so a client that follows cursors gets every match.
    pub async fn query_page(
        &self,
        spec: &QuerySpec,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<Item>, StoreError> {
        self.query_page_within(spec, limit, after, MAX_EVALUATED)
            .await
    }

    /// [`Table::query_page`] evaluating at most `evaluate` items (at most [`MAX_EVALUATED`]):
    /// for a request that reads something else too.
    pub async fn query_page_within(
        &self,
        spec: &QuerySpec,
        limit: usize,
        after: Option<PageKey>,
        evaluate: usize,
    ) -> Result<Page<Item>, StoreError> {
        let evaluate = evaluate.clamp(1, MAX_EVALUATED);
        if let Some(after) = &after {
            self.check_page_key(spec, after)?;
        }
        let mut start = after.map(|k| k.0.into_iter().map(|(k, v)| (k, s(v))).collect::<Item>());
        let mut items = Vec::new();
        let mut evaluated = 0;
        let mut read_ahead = READ_AHEAD;
        let mut queries = 0;
        loop {
            let want = limit - items.len();
            // With a filter the service evaluates more than it returns: read ahead, more each
            // time the filter left the page short, within what is left of the bound.
            let read = if spec.filter.expression.is_empty() {
                want
            } else {
                want.max(read_ahead)
            }
            .min(evaluate - evaluated);
            read_ahead = read_ahead.saturating_mul(2);
            let out = self.query_once(spec, read, start.take()).await?;
            queries += 1;
            evaluated += usize::try_from(out.scanned_count).map_or(read, |n| n.min(read));
            let fetched = out.items.unwrap_or_default();
            let service_next = out.last_evaluated_key;
            let cut = fetched.len() > want;
            items.extend(fetched.into_iter().take(want).map(|item| {
                let after = self.page_key_of(spec, &item);
                (item, after)
            }));
            if cut {
                // The filter kept more than fits: continue after the last item kept.
                let next = items.last().map(|(_, after)| after.clone());
                return Ok(Page::new(items, next));
            }
            match service_next {
                Some(key)
                    if items.len() < limit && evaluated < evaluate && queries < MAX_QUERIES =>
                {
                    start = Some(key);
                }
                // Full, or the bound is reached: the client continues from here.
                Some(key) => return Ok(Page::new(items, Some(to_page_key(key)))),
                None => return Ok(Page::new(items, None)),
            }
        }
    }

    /// Runs `spec` to the end, unless more than `most` items match or reading them takes more
    /// than [`MAX_QUERIES_TO_END`] calls: then `Ok(None)`. For reads whose answer needs every
    /// item (a sum), where a partial answer would be wrong.
    pub async fn query_at_most(
        &self,
        spec: &QuerySpec,
        most: usize,
    ) -> Result<Option<Vec<Item>>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        for _ in 0..MAX_QUERIES_TO_END {
            // One more than `most`, to tell "exactly `most`" from "more".
            let read = (most + 1 - items.len()).min(1000);
            let out = self.query_once(spec, read, start).await?;
            items.extend(out.items.unwrap_or_default());
            if items.len() > most {
                return Ok(None);
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(Some(items)),
            }
        }
        Ok(None)
    }

    /// [`Table::query_page`], parsing each item into `T`.
    pub async fn query_page_as<T: DeserializeOwned>(
        &self,
        spec: &QuerySpec,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<Page<T>, StoreError> {
        self.query_page_within_as(spec, limit, after, MAX_EVALUATED)
            .await
    }

    /// [`Table::query_page_within`], parsing each item into `T`.
    pub async fn query_page_within_as<T: DeserializeOwned>(
        &self,
        spec: &QuerySpec,
        limit: usize,
        after: Option<PageKey>,
        evaluate: usize,
    ) -> Result<Page<T>, StoreError> {
        let page = self.query_page_within(spec, limit, after, evaluate).await?;
        let next = page.next.clone();
        let edges = page
            .into_edges()
            .map(|(item, after)| Ok((from_item(item)?, after)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Page::new(edges, next))
    }

    /// [`Table::query_all`], parsing each item into `T`.
    pub async fn query_all_as<T: DeserializeOwned>(
        &self,
        spec: &QuerySpec,
    ) -> Result<Vec<T>, StoreError> {
        self.query_all(spec)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// [`Table::batch_get`], parsing each item into `T`.
    pub async fn batch_get_as<T: DeserializeOwned>(
        &self,
        keys: Vec<(String, String)>,
    ) -> Result<Vec<T>, StoreError> {
        self.batch_get(keys)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Runs `spec` to the end. Only for partitions bounded by design (a manager's assignments,
    /// the divisions, one SKU's forecasts); what grows with the data pages with
    /// [`Table::query_page`].
    pub async fn query_all(&self, spec: &QuerySpec) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self.query_once(spec, 1000, start).await?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(items),
            }
        }
    }

    async fn query_once(
        &self,
        spec: &QuerySpec,
        limit: usize,
        start: Option<Item>,
    ) -> Result<aws_sdk_dynamodb::operation::query::QueryOutput, StoreError> {
        let (pk_attr, sk_attr) = spec.key_attributes();
        let mut names: HashMap<String, String> =
            HashMap::from([("#pk".to_owned(), pk_attr.to_owned())]);
        let mut values: Item = HashMap::from([(":pk".to_owned(), s(&spec.pk))]);
        let mut condition = "#pk = :pk".to_owned();
        match &spec.sk {
            SortKey::Any => {}
            SortKey::BeginsWith(prefix) => {
                names.insert("#sk".to_owned(), sk_attr.to_owned());
                values.insert(":sk".to_owned(), s(prefix));
                condition.push_str(" AND begins_with(#sk, :sk)");
            }
            SortKey::Between(low, high) => {
                names.insert("#sk".to_owned(), sk_attr.to_owned());
                values.insert(":skl".to_owned(), s(low));
                values.insert(":skh".to_owned(), s(high));
                condition.push_str(" AND #sk BETWEEN :skl AND :skh");
            }
        }
        names.extend(spec.filter.names.iter().cloned());
        values.extend(spec.filter.values.iter().cloned());
        let mut request = self
            .client
            .query()
            .table_name(&self.name)
            .set_index_name(spec.index.map(|i| i.name().to_owned()))
            .key_condition_expression(condition)
            .scan_index_forward(!spec.newest_first)
            .limit(i32::try_from(limit.max(1)).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start);
        if !spec.filter.expression.is_empty() {
            request = request.filter_expression(spec.filter.expression.join(" AND "));
        }
        if let Some(projection) = spec.projection {
            let mut parts = Vec::new();
            for (i, attr) in projection
                .iter()
                .chain(spec.page_key_attributes().iter())
                .enumerate()
            {
                let placeholder = format!("#p{i}");
                names.insert(placeholder.clone(), (*attr).to_owned());
                parts.push(placeholder);
            }
            request = request.projection_expression(parts.join(", "));
        }
        request
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map_err(dynamo("Query"))
    }

    fn page_key_of(&self, spec: &QuerySpec, item: &Item) -> PageKey {
        PageKey(
            spec.page_key_attributes()
                .into_iter()
                .filter_map(|attr| {
                    item.get(attr)
                        .and_then(|v| v.as_s().ok())
                        .map(|v| (attr.to_owned(), v.clone()))
                })
                .collect(),
        )
    }

    /// A signed cursor cannot be forged, but it must also belong to this partition.
    fn check_page_key(&self, spec: &QuerySpec, key: &PageKey) -> Result<(), StoreError> {
        let (pk_attr, _) = spec.key_attributes();
        let fits = key.0.get(pk_attr) == Some(&spec.pk)
            && spec
                .page_key_attributes()
                .iter()
                .all(|a| key.0.contains_key(*a))
            && key.0.len() == spec.page_key_attributes().len();
        if fits {
            Ok(())
        } else {
            Err(crate::cursor::CursorError::WrongQuery.into())
        }
    }
}

fn to_page_key(key: Item) -> PageKey {
    PageKey(
        key.into_iter()
            .filter_map(|(k, v)| v.as_s().ok().map(|v| (k, v.clone())))
            .collect(),
    )
}

pub(crate) async fn backoff(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(10u64 << attempt.min(6))).await;
}
