//! Identifiers, parsed once at the edge.
//!
//! Every identifier that reaches the store or a key has passed its `parse`, so
//! nothing past the edge re-validates. None of them may contain `#`, the
//! separator of the table's composite keys, or control characters.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value is not a valid identifier; the message is safe to show a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {problem}")]
pub struct ParseError {
    /// The kind of value, such as `order id`.
    pub what: &'static str,
    /// What is wrong with it, phrased to follow `what`.
    pub problem: String,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, problem: impl Into<String>) -> Self {
        Self {
            what,
            problem: problem.into(),
        }
    }
}

/// The characters an identifier of the given kind may contain.
#[derive(Clone, Copy)]
enum Charset {
    /// `A-Z a-z 0-9 - _ .`
    Code,
    /// [`Charset::Code`] plus `/`, as SKUs often carry it.
    CodeSlash,
    /// Printable text without `#`: free-form references typed by people.
    Text,
}

impl Charset {
    fn allows(self, c: char) -> bool {
        match self {
            Charset::Code => c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
            Charset::CodeSlash => c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'),
            Charset::Text => !c.is_control() && c != '#',
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Charset::Code => "letters, digits, '-', '_' and '.'",
            Charset::CodeSlash => "letters, digits, '-', '_', '.' and '/'",
            Charset::Text => "printable characters other than '#'",
        }
    }
}

fn check(what: &'static str, raw: &str, max: usize, charset: Charset) -> Result<(), ParseError> {
    if raw.is_empty() {
        return Err(ParseError::new(what, "must not be empty"));
    }
    let len = raw.chars().count();
    if len > max {
        return Err(ParseError::new(
            what,
            format!("must be at most {max} characters long, got {len}"),
        ));
    }
    if raw.trim() != raw {
        return Err(ParseError::new(
            what,
            "must not start or end with white space",
        ));
    }
    if let Some(bad) = raw.chars().find(|c| !charset.allows(*c)) {
        return Err(ParseError::new(
            what,
            format!("contains {bad:?}; allowed are {}", charset.describe()),
        ));
    }
    Ok(())
}

macro_rules! identifier {
    ($(#[$meta:meta])* $name:ident, $what:literal, $max:literal, $charset:expr $(, $normalise:expr)?) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a value received from outside, saying what is wrong with it.
            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                $( let normalised: String = $normalise(raw); let raw = normalised.as_str(); )?
                check($what, raw, $max, $charset)?;
                Ok(Self(raw.to_owned()))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(raw: String) -> Result<Self, ParseError> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        #[cfg(feature = "graphql")]
        async_graphql::scalar!($name);

        impl std::str::FromStr for $name {
            type Err = ParseError;
            fn from_str(raw: &str) -> Result<Self, ParseError> {
                Self::parse(raw)
            }
        }
    };
}

fn upper(raw: &str) -> String {
    raw.to_ascii_uppercase()
}

identifier!(
    /// A customer account (a company buying from the seller), as the ERP numbers it.
    AccountId, "account id", 64, Charset::Code);
identifier!(
    /// A portal user: the `sub` claim of the identity provider's token.
    UserId, "user id", 128, Charset::Text);
identifier!(
    /// A sales order number.
    OrderId, "order id", 64, Charset::Code);
identifier!(
    /// A shipment (delivery) number.
    ShipmentId, "shipment id", 64, Charset::Code);
identifier!(
    /// An invoice or credit-note number.
    InvoiceId, "invoice id", 64, Charset::Code);
identifier!(
    /// A document (PDF) in the archive.
    DocumentId, "document id", 64, Charset::Code);
identifier!(
    /// A production batch or lot number; upper-cased so that look-ups ignore case.
    BatchId, "batch", 64, Charset::CodeSlash, upper);
identifier!(
    /// A division or sales channel of the seller.
    DivisionId, "division", 32, Charset::Code);
identifier!(
    /// A stock-keeping unit; upper-cased so that look-ups ignore case.
    Sku, "sku", 40, Charset::CodeSlash, upper);
identifier!(
    /// The customer's purchase-order reference, as typed by the customer.
    PoNumber, "po number", 35, Charset::Text);
identifier!(
    /// A carrier's tracking number; upper-cased so that look-ups ignore case.
    TrackingNumber, "tracking number", 64, Charset::Code, upper);
identifier!(
    /// A price list of the seller's ERP (a contract, a customer group's list, a division's
    /// default list).
    PriceListId, "price list", 64, Charset::Code);
identifier!(
    /// A customer price group: accounts that share price lists.
    PriceGroupId, "price group", 32, Charset::Code);
identifier!(
    /// A cart, named by the portal when it is made.
    CartId, "cart", 40, Charset::Code);
identifier!(
    /// The key a back-end system sends with a pushed batch, so that sending it again is
    /// answered, not applied twice (a UUID, for example).
    IdempotencyKey, "idempotency key", 128, Charset::Code);

/// An ISO 4217 currency code such as `EUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a three-letter upper-case currency code.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|b| b.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(ParseError::new(
                "currency",
                format!("must be three upper-case letters (ISO 4217), got {raw:?}"),
            )),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // The bytes are ASCII upper-case letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, ParseError> {
        Self::parse(&raw)
    }
}

#[cfg(feature = "graphql")]
async_graphql::scalar!(
    Currency,
    "Currency",
    "an ISO 4217 currency code such as EUR"
);

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sku_is_upper_cased_so_lookups_ignore_case() {
        assert_eq!(
            Sku::parse("ab-12/x").map(|s| s.to_string()),
            Ok("AB-12/X".to_owned())
        );
    }

    #[test]
    fn identifier_with_key_separator_is_rejected_with_reason() {
        let err = OrderId::parse("SO#1").expect_err("'#' must be refused");
        assert_eq!(err.what, "order id");
        assert!(err.to_string().contains("'#'"), "{err}");
    }

    #[test]
    fn empty_and_padded_identifiers_are_rejected() {
        assert!(AccountId::parse("").is_err());
        assert!(AccountId::parse(" A1").is_err());
        assert!(PoNumber::parse("PO 77 ").is_err());
    }

    #[test]
    fn currency_must_be_three_upper_case_letters() {
        assert!(Currency::parse("EUR").is_ok());
        assert!(Currency::parse("eur").is_err());
        assert!(Currency::parse("EURO").is_err());
    }

    #[test]
    fn deserialising_validates_like_parse() {
        let bad: Result<OrderId, _> = serde_json::from_str("\"a b\"");
        assert!(bad.is_err());
        let good: OrderId = serde_json::from_str("\"SO-1\"").expect("valid id");
        assert_eq!(good.as_str(), "SO-1");
    }

    proptest! {
        #[test]
        fn parsed_codes_never_contain_the_key_separator(raw in "\\PC{0,80}") {
            let parsed = [
                OrderId::parse(&raw).map(String::from),
                Sku::parse(&raw).map(String::from),
                PoNumber::parse(&raw).map(String::from),
                UserId::parse(&raw).map(String::from),
            ];
            for id in parsed.into_iter().flatten() {
                prop_assert!(!id.contains('#'));
                prop_assert!(!id.is_empty());
                prop_assert!(!id.chars().any(char::is_control));
            }
        }

        #[test]
        fn valid_codes_round_trip(raw in "[A-Za-z0-9._-]{1,64}") {
            let id = AccountId::parse(&raw).expect("valid code");
            prop_assert_eq!(id.as_str(), raw.as_str());
            let again = AccountId::parse(id.as_str()).expect("still valid");
            prop_assert_eq!(again, id);
        }
    }
}
