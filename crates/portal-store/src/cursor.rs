//! Opaque, signed pagination cursors.
//!
//! A cursor carries the key of the last item a page returned. It is signed with
//! the deployment's secret and bound to the principal and the query it was made
//! for, so a client can neither forge one, alter one, nor replay one under another
//! user or with other filters. It expires after [`CURSOR_TTL`], so one that leaked (a logged
//! URL) does not keep working for as long as the secret does.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

type HmacSha256 = Hmac<Sha256>;

/// Where a page ended: the key attributes of its last item (all strings in this table).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageKey(pub BTreeMap<String, String>);

/// The page-key attribute of a list of accounts that is computed rather than queried (a
/// manager's assigned accounts, their outlooks): the last account listed.
const AFTER_ACCOUNT: &str = "after_account";

/// The page-key attribute that names the analytics run a list's page is of.
const RUN: &str = "run";

impl PageKey {
    /// This key, naming the analytics run `run_id` its list is of.
    pub fn of_run(mut self, run_id: &str) -> Self {
        self.0.insert(RUN.to_owned(), run_id.to_owned());
        self
    }

    /// The key without its run, when it is of `run_id`; `RunReplaced` when it is of another
    /// run (the served run changed while the client paged).
    pub fn in_run(mut self, run_id: &str) -> Result<Self, CursorError> {
        match self.0.remove(RUN) {
            Some(run) if run == run_id => Ok(self),
            Some(run) => Err(CursorError::RunReplaced {
                was: run,
                now: run_id.to_owned(),
            }),
            None => Err(CursorError::WrongQuery),
        }
    }

    /// The key that resumes a computed list of accounts after `account`.
    pub fn after_account(account: &portal_domain::AccountId) -> Self {
        Self(BTreeMap::from([(
            AFTER_ACCOUNT.to_owned(),
            account.to_string(),
        )]))
    }

    /// The account a computed list of accounts resumes after, or `WrongQuery` for the key of
    /// another list.
    pub fn account_after(&self) -> Result<&str, CursorError> {
        self.0
            .get(AFTER_ACCOUNT)
            .map(String::as_str)
            .ok_or(CursorError::WrongQuery)
    }
}

/// Why a cursor is refused. Every variant is the client's fault: a 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("cursor is not a cursor this API issued")]
    Malformed,
    #[error("cursor has been altered")]
    BadSignature,
    #[error("cursor belongs to another user or another query")]
    WrongQuery,
    #[error("cursor has expired (cursors last 24 hours): start again from the first page")]
    Expired,
    /// A page of an analytics run's results, after the served run was replaced.
    #[error(
        "this list was of analytics run {was}, which a newer run ({now}) has replaced: start \
         the list again without a cursor"
    )]
    RunReplaced { was: String, now: String },
}

/// How long a cursor stays valid.
pub const CURSOR_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What a cursor is bound to: who asked, and what exactly (route and filters, without the cursor).
#[derive(Debug, Clone, Copy)]
pub struct CursorBinding<'a> {
    pub principal: &'a str,
    pub query: &'a str,
}

impl CursorBinding<'_> {
    fn digest(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.principal.as_bytes());
        h.update([0]);
        h.update(self.query.as_bytes());
        URL_SAFE_NO_PAD.encode(&h.finalize()[..16])
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    /// The binding digest.
    b: String,
    /// The page key.
    k: PageKey,
    /// When it expires, in seconds since the epoch (absent in cursors issued before they did:
    /// those are refused as expired).
    #[serde(default)]
    e: Option<i64>,
}

/// Seals and opens cursors with the deployment's secret.
#[derive(Clone)]
pub struct CursorCodec {
    key: Vec<u8>,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorCodec(..)")
    }
}

impl CursorCodec {
    /// A codec signing with `secret` (at least 32 bytes of randomness in production).
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Self {
            key: secret.as_ref().to_vec(),
        }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }

    /// Turns a page key into an opaque token bound to `binding`.
    pub fn seal(&self, key: &PageKey, binding: CursorBinding<'_>) -> String {
        self.seal_at(key, binding, now_seconds())
    }

    fn seal_at(&self, key: &PageKey, binding: CursorBinding<'_>, now: i64) -> String {
        let payload = Payload {
            b: binding.digest(),
            k: key.clone(),
            e: Some(now + CURSOR_TTL.as_secs() as i64),
        };
        // A map of strings always serialises.
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let body = URL_SAFE_NO_PAD.encode(json);
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{body}.{sig}")
    }

    /// Checks a token and returns its page key.
    pub fn open(&self, token: &str, binding: CursorBinding<'_>) -> Result<PageKey, CursorError> {
        self.open_at(token, binding, now_seconds())
    }

    fn open_at(
        &self,
        token: &str,
        binding: CursorBinding<'_>,
        now: i64,
    ) -> Result<PageKey, CursorError> {
        let (body, sig) = token.split_once('.').ok_or(CursorError::Malformed)?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| CursorError::Malformed)?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_slice(&sig)
            .map_err(|_| CursorError::BadSignature)?;
        let json = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| CursorError::Malformed)?;
        let payload: Payload = serde_json::from_slice(&json).map_err(|_| CursorError::Malformed)?;
        if payload.b != binding.digest() {
            return Err(CursorError::WrongQuery);
        }
        if payload.e.is_none_or(|expires| expires <= now) {
            return Err(CursorError::Expired);
        }
        Ok(payload.k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PageKey {
        PageKey(
            [("PK".to_owned(), "ORDER#1".to_owned())]
                .into_iter()
                .collect(),
        )
    }

    const BINDING: CursorBinding<'static> = CursorBinding {
        principal: "u1",
        query: "/orders?status=shipped",
    };

    #[test]
    fn a_cursor_expires_after_a_day_and_one_without_an_expiry_is_refused() {
        let codec = CursorCodec::new("secret");
        let issued = 1_800_000_000;
        let token = codec.seal_at(&key(), BINDING, issued);
        let day = CURSOR_TTL.as_secs() as i64;
        assert_eq!(codec.open_at(&token, BINDING, issued + day - 1), Ok(key()));
        assert_eq!(
            codec.open_at(&token, BINDING, issued + day),
            Err(CursorError::Expired)
        );
        // A cursor sealed before cursors expired (no `e`), signed with the same secret.
        let old = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&serde_json::json!({"b": BINDING.digest(), "k": key()}))
                .expect("json"),
        );
        let mut mac = codec.mac();
        mac.update(old.as_bytes());
        let token = format!(
            "{old}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        assert_eq!(
            codec.open_at(&token, BINDING, issued),
            Err(CursorError::Expired)
        );
    }

    #[test]
    fn sealed_cursor_opens_for_the_same_principal_and_query() {
        let codec = CursorCodec::new("secret");
        let token = codec.seal(&key(), BINDING);
        assert_eq!(codec.open(&token, BINDING), Ok(key()));
    }

    #[test]
    fn cursor_of_another_principal_or_query_is_refused() {
        let codec = CursorCodec::new("secret");
        let token = codec.seal(&key(), BINDING);
        let other_user = CursorBinding {
            principal: "u2",
            ..BINDING
        };
        let other_query = CursorBinding {
            query: "/orders",
            ..BINDING
        };
        assert_eq!(codec.open(&token, other_user), Err(CursorError::WrongQuery));
        assert_eq!(
            codec.open(&token, other_query),
            Err(CursorError::WrongQuery)
        );
    }

    #[test]
    fn altered_or_foreign_cursor_is_refused() {
        let codec = CursorCodec::new("secret");
        let token = codec.seal(&key(), BINDING);
        let mut bytes = token.clone().into_bytes();
        bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(bytes).expect("ascii");
        assert_eq!(
            codec.open(&altered, BINDING),
            Err(CursorError::BadSignature)
        );
        let foreign = CursorCodec::new("other secret").seal(&key(), BINDING);
        assert_eq!(
            codec.open(&foreign, BINDING),
            Err(CursorError::BadSignature)
        );
        assert_eq!(codec.open("garbage", BINDING), Err(CursorError::Malformed));
        assert_eq!(codec.open("", BINDING), Err(CursorError::Malformed));
    }
}
