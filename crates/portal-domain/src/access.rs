//! Who may see what.
//!
//! A [`Principal`] is the caller of a request: the user named by the token, with
//! the role and accounts that the portal's own user record gives them. Every read
//! goes through [`Principal::can_see`] or [`Principal::account_for`], so an
//! object of an account outside the principal's scope is treated as absent.
//!
//! An account's data is reached through a [`ScopedAccount`], which only the principal's scope
//! checks make: the store's methods over an account take one, never a bare [`AccountId`], so a
//! handler that forgets the check does not compile.

use crate::ids::{AccountId, DivisionId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A user's role. The first four are the customer's people, the next two the seller's, the
/// last a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum Role {
    /// Reads the account's data.
    Viewer,
    /// Reads, and (from step 2) orders.
    Buyer,
    /// Reads, and (from step 2) approves orders above a limit.
    Approver,
    /// Reads, and manages the account's users.
    AccountAdmin,
    /// Seller staff serving the accounts assigned to them.
    AccountManager,
    /// Seller staff with access to every account.
    Admin,
    /// A back-end system (ERP, CRM, carrier) that pushes data in. It reads nothing of the
    /// portal: every read route refuses it.
    Integration,
}

impl Role {
    /// Every role, customer side first.
    pub const ALL: [Role; 7] = [
        Role::Viewer,
        Role::Buyer,
        Role::Approver,
        Role::AccountAdmin,
        Role::AccountManager,
        Role::Admin,
        Role::Integration,
    ];

    /// Whether the role is the seller's staff (account managers and admins).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::AccountManager | Role::Admin)
    }

    /// Whether the role may fill carts for its account (viewers read only; staff prepare
    /// carts for the accounts they serve, acting for the customer).
    pub fn may_fill_carts(self) -> bool {
        matches!(
            self,
            Role::Buyer | Role::Approver | Role::AccountAdmin | Role::AccountManager | Role::Admin
        )
    }

    /// Whether the role may place its account's carts as orders (the seller's staff prepare
    /// carts; the customer's buyers order).
    pub fn may_place_orders(self) -> bool {
        matches!(self, Role::Buyer | Role::Approver | Role::AccountAdmin)
    }

    /// Whether the role approves or rejects its account's orders that wait for approval.
    pub fn may_approve(self) -> bool {
        self == Role::Approver
    }

    /// Whether the role sets an account's checkout rules and its buyers' spending limits (the
    /// account's administrators, and the seller's admins).
    pub fn may_set_checkout_rules(self) -> bool {
        matches!(self, Role::AccountAdmin | Role::Admin)
    }

    /// Whether the role may read portal data at all (every role but a machine's).
    pub fn reads_portal_data(self) -> bool {
        self != Role::Integration
    }

    /// Whether the role belongs to a customer's user (as opposed to seller staff).
    pub const fn is_customer_side(self) -> bool {
        matches!(
            self,
            Role::Viewer | Role::Buyer | Role::Approver | Role::AccountAdmin
        )
    }

    /// The role's name as used in tokens, records and documentation.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Buyer => "buyer",
            Role::Approver => "approver",
            Role::AccountAdmin => "account-admin",
            Role::AccountManager => "account-manager",
            Role::Admin => "admin",
            Role::Integration => "integration",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The accounts a principal may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessScope {
    /// A customer's user: their own account only.
    Account(AccountId),
    /// An account manager: the accounts assigned to them (possibly none).
    Assigned(BTreeSet<AccountId>),
    /// A seller admin: every account.
    All,
}

/// The divisions whose products a principal sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogScope {
    /// Seller staff: the whole catalog.
    All,
    /// A customer's user: the divisions their account buys from.
    Divisions(BTreeSet<DivisionId>),
}

/// Why a principal cannot be built from a user record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// A customer-side user record names no account.
    #[error("user {0} has a customer role but no account")]
    CustomerWithoutAccount(UserId),
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user, as named by the token's `sub` claim.
    pub user_id: UserId,
    /// The role from the portal's user record.
    pub role: Role,
    /// The accounts the user may see.
    pub scope: AccessScope,
    /// The divisions whose products the user sees.
    pub catalog: CatalogScope,
}

/// An account some principal may see. Only [`Principal::account_for`], [`Principal::scoped`] and
/// [`Principal::visible_accounts`] make one (its field is private to this module), so holding
/// one proves the scope check was made:
///
/// ```compile_fail
/// # use portal_domain::{AccountId, ScopedAccount};
/// let id = AccountId::parse("ACC-1").unwrap();
/// let scoped = ScopedAccount(id); // error: the field is private
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopedAccount(AccountId);

impl ScopedAccount {
    /// The account's id.
    pub fn id(&self) -> &AccountId {
        &self.0
    }

    /// The account's id, giving up the proof of scope.
    pub fn into_id(self) -> AccountId {
        self.0
    }
}

impl fmt::Display for ScopedAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What [`Principal::account_for`] could not decide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountChoiceError {
    /// The principal sees several accounts and the request did not say which.
    #[error("this user sees several accounts: say which with the `account` parameter")]
    AccountRequired,
    /// The named account is outside the principal's scope (or does not exist).
    #[error("account not found")]
    NotVisible,
}

impl Principal {
    /// Builds the principal for a user record. A customer's user sees no products until
    /// [`Principal::with_divisions`] gives it its account's divisions.
    pub fn new(
        user_id: UserId,
        role: Role,
        account: Option<AccountId>,
        assigned: impl IntoIterator<Item = AccountId>,
    ) -> Result<Self, ScopeError> {
        let catalog = if role.is_staff() {
            CatalogScope::All
        } else {
            CatalogScope::Divisions(BTreeSet::new())
        };
        let scope = match role {
            Role::Admin => AccessScope::All,
            Role::AccountManager => AccessScope::Assigned(assigned.into_iter().collect()),
            // Sees no account (and the HTTP layer refuses it every read route besides).
            Role::Integration => AccessScope::Assigned(BTreeSet::new()),
            _ => AccessScope::Account(
                account.ok_or_else(|| ScopeError::CustomerWithoutAccount(user_id.clone()))?,
            ),
        };
        Ok(Self {
            user_id,
            role,
            scope,
            catalog,
        })
    }

    /// Limits a customer's catalog to the divisions its account buys from; staff keep the whole catalog.
    pub fn with_divisions(mut self, divisions: impl IntoIterator<Item = DivisionId>) -> Self {
        if let CatalogScope::Divisions(set) = &mut self.catalog {
            set.extend(divisions);
        }
        self
    }

    /// Whether products of `division` are visible to this principal.
    pub fn can_see_division(&self, division: &DivisionId) -> bool {
        match &self.catalog {
            CatalogScope::All => true,
            CatalogScope::Divisions(set) => set.contains(division),
        }
    }

    /// Whether objects of `account` are visible to this principal.
    pub fn can_see(&self, account: &AccountId) -> bool {
        match &self.scope {
            AccessScope::Account(own) => own == account,
            AccessScope::Assigned(set) => set.contains(account),
            AccessScope::All => true,
        }
    }

    /// The account a request is about: the one it names if visible, else the only one the principal has.
    pub fn account_for(
        &self,
        requested: Option<&AccountId>,
    ) -> Result<ScopedAccount, AccountChoiceError> {
        let account = match (requested, &self.scope) {
            (Some(account), _) if self.can_see(account) => account.clone(),
            (Some(_), _) => return Err(AccountChoiceError::NotVisible),
            (None, AccessScope::Account(own)) => own.clone(),
            (None, AccessScope::Assigned(set)) if set.len() == 1 => set
                .iter()
                .next()
                .cloned()
                .ok_or(AccountChoiceError::AccountRequired)?,
            (None, _) => return Err(AccountChoiceError::AccountRequired),
        };
        Ok(ScopedAccount(account))
    }

    /// `account`, when this principal may see it.
    pub fn scoped(&self, account: &AccountId) -> Option<ScopedAccount> {
        self.can_see(account)
            .then(|| ScopedAccount(account.clone()))
    }

    /// The accounts this principal is limited to, or `None` for every account.
    pub fn visible_accounts(&self) -> Option<Vec<ScopedAccount>> {
        match &self.scope {
            AccessScope::Account(own) => Some(vec![ScopedAccount(own.clone())]),
            AccessScope::Assigned(set) => Some(set.iter().cloned().map(ScopedAccount).collect()),
            AccessScope::All => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(s: &str) -> AccountId {
        AccountId::parse(s).expect("valid account id")
    }

    fn user(role: Role, account: Option<&str>, assigned: &[&str]) -> Principal {
        Principal::new(
            UserId::parse("u-1").expect("valid user id"),
            role,
            account.map(acc),
            assigned.iter().map(|a| acc(a)),
        )
        .expect("valid principal")
    }

    #[test]
    fn customer_roles_see_only_their_own_account() {
        for role in Role::ALL.into_iter().filter(|r| r.is_customer_side()) {
            let p = user(role, Some("A1"), &["A2"]);
            assert!(p.can_see(&acc("A1")));
            assert!(
                !p.can_see(&acc("A2")),
                "{role} must not see assigned accounts"
            );
            assert_eq!(p.account_for(None).map(|a| a.id().clone()), Ok(acc("A1")));
            assert_eq!(p.scoped(&acc("A2")), None);
            assert_eq!(
                p.account_for(Some(&acc("A2"))),
                Err(AccountChoiceError::NotVisible)
            );
        }
    }

    #[test]
    fn account_manager_sees_only_assigned_accounts() {
        let p = user(Role::AccountManager, Some("A9"), &["A1", "A2"]);
        assert!(p.can_see(&acc("A2")));
        assert!(
            !p.can_see(&acc("A9")),
            "an account manager's own account field grants nothing"
        );
        assert_eq!(
            p.account_for(None),
            Err(AccountChoiceError::AccountRequired)
        );
    }

    #[test]
    fn admin_sees_every_account_but_must_name_one() {
        let p = user(Role::Admin, None, &[]);
        assert!(p.can_see(&acc("ANY")));
        assert_eq!(
            p.account_for(None),
            Err(AccountChoiceError::AccountRequired)
        );
        assert_eq!(p.visible_accounts(), None);
    }

    #[test]
    fn customers_see_only_their_divisions_products_and_staff_see_all() {
        let div = |s| DivisionId::parse(s).expect("division");
        let buyer = user(Role::Buyer, Some("A1"), &[]).with_divisions([div("PUMPS")]);
        assert!(buyer.can_see_division(&div("PUMPS")));
        assert!(!buyer.can_see_division(&div("VALVES")));
        let manager = user(Role::AccountManager, None, &["A1"]).with_divisions([div("PUMPS")]);
        assert!(manager.can_see_division(&div("VALVES")));
    }

    #[test]
    fn customer_role_without_account_is_refused() {
        let err = Principal::new(UserId::parse("u").expect("id"), Role::Buyer, None, []);
        assert!(matches!(err, Err(ScopeError::CustomerWithoutAccount(_))));
    }

    #[test]
    fn a_machine_user_sees_no_account_and_no_product_even_if_its_record_names_some() {
        let p = user(Role::Integration, Some("A1"), &["A2"]);
        assert!(!p.can_see(&acc("A1")) && !p.can_see(&acc("A2")));
        assert!(!p.can_see_division(&DivisionId::parse("PUMPS").expect("division")));
        assert!(!p.role.reads_portal_data() && !p.role.is_staff() && !p.role.is_customer_side());
        assert!(
            Role::ALL
                .iter()
                .filter(|r| **r != Role::Integration)
                .all(|r| r.reads_portal_data())
        );
    }
}
