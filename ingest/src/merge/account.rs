//! How account and user rows change accounts and users.

use super::state::State;
use crate::entity::{AccountFields, UserFields};
use portal_domain::model::{Account, User};
use portal_domain::records::Record;

/// An account's own fields (its ship-to addresses stay as stored).
pub(super) fn apply_account(state: &mut State, a: &AccountFields) -> Result<(), String> {
    let ship_to = match &state.record {
        Some(Record::Account(old)) => old.ship_to.clone(),
        _ => Vec::new(),
    };
    state.record = Some(Record::Account(Account {
        id: a.id.clone(),
        name: a.name.clone(),
        divisions: a.divisions.clone(),
        currency: a.currency,
        ship_to,
        account_managers: a.account_managers.clone(),
        price_groups: a.price_groups.clone(),
    }));
    Ok(())
}

/// A customer's user: never one made in the portal, never moved to another account.
pub(super) fn apply_user(state: &mut State, u: &UserFields) -> Result<(), String> {
    if let Some(Record::User(old)) = &state.record {
        if !old.role.is_customer_side() {
            return Err(format!(
                "user {} has the role {}, given in the portal: a back-end system \
                 cannot change it",
                old.id, old.role
            ));
        }
        if state.versions.is_empty() {
            return Err(format!(
                "user {} was made in the portal: ingest changes only the users it loaded",
                old.id
            ));
        }
        if old.account_id.as_ref() != Some(&u.account_id) {
            return Err(format!(
                "user {} belongs to another account: ingest never moves a user between \
                 accounts (load a new user instead)",
                old.id
            ));
        }
    }
    state.record = Some(Record::User(User {
        id: u.id.clone(),
        name: u.name.clone(),
        email: u.email.clone(),
        role: u.role,
        account_id: Some(u.account_id.clone()),
        assigned_accounts: Vec::new(),
    }));
    Ok(())
}
