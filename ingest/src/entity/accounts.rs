//! Accounts and their users: the field tables and how a row of each becomes an [`Update`].

use super::row::{Row, RowError, ids};
use super::{Field, Kind, Update, VERSION, opt, req};
use portal_domain::{AccountId, Currency, DivisionId, PriceGroupId, Role, UserId};

pub(super) const ACCOUNTS: &[Field] = &[
    req("account_id", Kind::Id, "the account's id (natural key)"),
    req("name", Kind::Text, "company name"),
    req("divisions", Kind::List, "divisions it buys from"),
    req("currency", Kind::Id, "ISO 4217 code"),
    opt(
        "account_managers",
        Kind::List,
        "user ids of its account managers, who then serve it",
    ),
    opt(
        "price_groups",
        Kind::List,
        "price groups whose price lists apply to it",
    ),
    VERSION,
];
/// The most price groups one account belongs to (each is a query when its prices are read).
pub const MAX_PRICE_GROUPS: usize = 10;
/// The most account managers one account names (each is an item written with the account).
pub const MAX_ACCOUNT_MANAGERS: usize = 20;

/// The roles ingest may give: a customer's people. Seller staff and machine users are made in
/// the portal, never by a back-end system (a system that could make them could make itself one).
pub(super) const USER_ROLES: &[&str] = &{
    let mut words = [""; CUSTOMER_ROLES];
    let (mut i, mut n) = (0, 0);
    while i < Role::ALL.len() {
        if Role::ALL[i].is_customer_side() {
            words[n] = Role::ALL[i].as_str();
            n += 1;
        }
        i += 1;
    }
    words
};
/// How many of the domain's roles are a customer's.
const CUSTOMER_ROLES: usize = {
    let (mut i, mut n) = (0, 0);
    while i < Role::ALL.len() {
        if Role::ALL[i].is_customer_side() {
            n += 1;
        }
        i += 1;
    }
    n
};

pub(super) const USERS: &[Field] = &[
    req(
        "user_id",
        Kind::Id,
        "the identity provider's subject (the token's sub; natural key)",
    ),
    req("name", Kind::Text, "the person's name"),
    req("email", Kind::Text, "e-mail address"),
    req(
        "role",
        Kind::Word(USER_ROLES),
        "a customer's role (staff and machine users are not ingested)",
    ),
    req("account_id", Kind::Id, "the account the person belongs to"),
    VERSION,
];

/// An account's fields (ship-to addresses stay as stored).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountFields {
    pub id: AccountId,
    pub name: String,
    pub divisions: Vec<DivisionId>,
    pub currency: Currency,
    pub account_managers: Vec<UserId>,
    pub price_groups: Vec<PriceGroupId>,
}

/// A customer's user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFields {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub account_id: AccountId,
}

/// An `accounts` row: an account's own fields.
pub(super) fn account(r: &Row) -> Result<Update, RowError> {
    Ok(Update::Account(AccountFields {
        id: r.id("account_id", AccountId::parse)?,
        name: r.text("name")?,
        divisions: {
            let divisions = ids("divisions", r.list("divisions"), DivisionId::parse)?;
            if divisions.is_empty() {
                return Err(RowError(
                    "divisions: an account buys from at least one division".into(),
                ));
            }
            divisions
        },
        currency: r.id("currency", Currency::parse)?,
        account_managers: {
            let mut managers = ids(
                "account_managers",
                r.list("account_managers"),
                UserId::parse,
            )?;
            managers.sort();
            managers.dedup();
            if managers.len() > MAX_ACCOUNT_MANAGERS {
                return Err(RowError(format!(
                    "account_managers: {} listed, at most {MAX_ACCOUNT_MANAGERS}",
                    managers.len()
                )));
            }
            managers
        },
        price_groups: {
            let mut groups = ids("price_groups", r.list("price_groups"), PriceGroupId::parse)?;
            groups.sort();
            groups.dedup();
            if groups.len() > MAX_PRICE_GROUPS {
                return Err(RowError(format!(
                    "price_groups: {} listed, at most {MAX_PRICE_GROUPS}",
                    groups.len()
                )));
            }
            groups
        },
    }))
}

/// A `users` row: a customer's user.
pub(super) fn user(r: &Row) -> Result<Update, RowError> {
    let role: Role = r.word("role")?;
    if !role.is_customer_side() {
        return Err(RowError(format!(
            "role: {role} is given in the portal, not by a back-end system (ingest takes \
             {})",
            USER_ROLES.join(", ")
        )));
    }
    let email = r.text("email")?;
    if !email.contains('@') || email.chars().any(char::is_whitespace) {
        return Err(RowError(format!(
            "email: {email:?} is not an e-mail address"
        )));
    }
    Ok(Update::User(UserFields {
        id: r.id("user_id", UserId::parse)?,
        name: r.text("name")?,
        email,
        role,
        account_id: r.id("account_id", AccountId::parse)?,
    }))
}
