//! Customer accounts, their users, and the seller's staff.

use super::Gen;
use super::catalog::DIVISIONS;
use portal_domain::model::{Account, Address, User};
use portal_domain::{AccountId, Currency, DivisionId, Role, UserId};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

/// The users `portal demo` prints tokens for.
pub const DEMO_BUYER: &str = "demo-buyer";
pub const DEMO_VIEWER: &str = "demo-viewer";
pub const DEMO_MANAGER: &str = "demo-manager";
pub const DEMO_ADMIN: &str = "demo-admin";
/// A buyer of the second account, for trying cross-account access.
pub const DEMO_OTHER_BUYER: &str = "demo-other-buyer";
/// The ERP's machine user, for trying the push API.
pub const DEMO_INTEGRATION: &str = "demo-erp";
/// The approver of the demo buyer's account.
pub const DEMO_APPROVER: &str = "demo-approver";
/// The account admin of the demo buyer's account (its checkout rules and buyers' limits).
pub const DEMO_ACCOUNT_ADMIN: &str = "demo-account-admin";

/// The demo's users with what each is, in the order `portal demo` prints their tokens.
pub const DEMO_USERS: [(&str, &str); 8] = [
    (DEMO_BUYER, "buyer of ACC-10001"),
    (DEMO_VIEWER, "viewer of ACC-10001"),
    (DEMO_OTHER_BUYER, "buyer of ACC-10002"),
    (DEMO_APPROVER, "approver of ACC-10001"),
    (DEMO_ACCOUNT_ADMIN, "account admin of ACC-10001"),
    (DEMO_MANAGER, "account manager, assigned accounts"),
    (DEMO_ADMIN, "seller admin, all accounts"),
    (
        DEMO_INTEGRATION,
        "the ERP's machine user, for POST /integration/...",
    ),
];

/// Country, currency, VAT rate in per mille, payment terms in days, cities.
pub(super) const COUNTRIES: &[(&str, &str, i64, i64, &[&str])] = &[
    (
        "FI",
        "EUR",
        255,
        30,
        &["Tampere", "Oulu", "Vaasa", "Lahti", "Espoo"],
    ),
    (
        "SE",
        "SEK",
        250,
        30,
        &["Göteborg", "Västerås", "Luleå", "Malmö"],
    ),
    (
        "DE",
        "EUR",
        190,
        30,
        &["Stuttgart", "Dortmund", "Bremen", "Leipzig"],
    ),
    ("NO", "NOK", 250, 30, &["Stavanger", "Trondheim", "Bergen"]),
    ("GB", "GBP", 200, 60, &["Sheffield", "Leeds", "Glasgow"]),
    ("US", "USD", 0, 60, &["Milwaukee", "Houston", "Pittsburgh"]),
    ("PL", "PLN", 230, 45, &["Gdańsk", "Katowice", "Poznań"]),
];

const NAME_A: &[&str] = &[
    "Nordic",
    "Baltic",
    "Arctic",
    "Boreal",
    "Atlas",
    "Titan",
    "Granite",
    "Fjord",
    "Aurora",
    "Delta",
    "Summit",
    "Keystone",
    "Ironwood",
    "Bluewater",
    "Northgate",
];
const NAME_B: &[&str] = &[
    "Steelworks",
    "Machinery",
    "Hydraulics",
    "Mining",
    "Marine",
    "Paper Mill",
    "Forestry",
    "Energy",
    "Automation",
    "Fabrication",
    "Cranes",
    "Process Systems",
    "Agritech",
    "Rail Services",
];
const FIRST: &[&str] = &[
    "Aino",
    "Mikko",
    "Sofia",
    "Lars",
    "Anna",
    "Jonas",
    "Katarzyna",
    "Oliver",
    "Emma",
    "Pekka",
    "Ingrid",
    "Tomasz",
    "Grace",
    "Henrik",
    "Laura",
    "Matti",
];
const LAST: &[&str] = &[
    "Virtanen",
    "Lindqvist",
    "Schmidt",
    "Nowak",
    "Hansen",
    "Smith",
    "Korhonen",
    "Berg",
    "Müller",
    "Jensen",
    "Wilson",
    "Mäkinen",
];

/// What the history generator needs to know about an account.
pub(super) struct Customer {
    pub account: Account,
    pub country: usize,
    /// How much this customer buys relative to others.
    pub weight: f64,
    /// 0 pays early, 1 pays late, 2 leaves invoices unpaid.
    pub payer: u8,
}

fn legal_form(country: &str) -> &'static str {
    match country {
        "FI" => "Oy",
        "SE" => "AB",
        "DE" => "GmbH",
        "NO" => "AS",
        "GB" => "Ltd",
        "US" => "Inc.",
        _ => "Sp. z o.o.",
    }
}

pub(super) fn customers(g: &mut Gen, count: usize) -> Vec<Customer> {
    (0..count)
        .map(|i| {
            let country = g.rng.random_range(0..COUNTRIES.len());
            let (code, currency, _, _, cities) = COUNTRIES[country];
            let id = AccountId::parse(&format!("ACC-{}", 10_001 + i)).expect("valid account id");
            let name = format!(
                "{} {} {}",
                NAME_A.choose(&mut g.rng).unwrap_or(&"Nordic"),
                NAME_B.choose(&mut g.rng).unwrap_or(&"Steelworks"),
                legal_form(code)
            );
            let mut divisions: Vec<DivisionId> = DIVISIONS
                .iter()
                .map(|(d, _)| DivisionId::parse(d).expect("valid division"))
                .collect();
            divisions.shuffle(&mut g.rng);
            // The first two demo accounts buy from every division, so the demo shows everything.
            let keep = if i < 2 {
                divisions.len()
            } else {
                g.rng.random_range(1..=3)
            };
            divisions.truncate(keep);
            divisions.sort();
            let ship_to = (0..g.rng.random_range(1..=3))
                .map(|n| {
                    let city = *cities.choose(&mut g.rng).unwrap_or(&"Tampere");
                    Address {
                        id: format!("ST{}", n + 1),
                        name: if n == 0 {
                            "Main plant".to_owned()
                        } else {
                            format!("Site {city}")
                        },
                        street: format!(
                            "{} {}",
                            [
                                "Industrial Road",
                                "Harbour Street",
                                "Mill Lane",
                                "Factory Avenue"
                            ][n % 4],
                            g.rng.random_range(1..200)
                        ),
                        postal_code: format!("{:05}", g.rng.random_range(10_000..99_999)),
                        city: city.to_owned(),
                        country: code.to_owned(),
                    }
                })
                .collect();
            // A few large customers buy most (a long-tailed, lognormal-like spread).
            let weight = (g.normal() * 0.9).exp();
            let payer = match g.rng.random_range(0..100) {
                0..70 => 0,
                70..92 => 1,
                _ => 2,
            };
            Customer {
                account: Account {
                    id,
                    name,
                    divisions,
                    currency: Currency::parse(currency).expect("valid currency"),
                    ship_to,
                    account_managers: Vec::new(),
                    price_groups: Vec::new(),
                },
                country,
                weight: if i < 2 { weight.max(1.5) } else { weight },
                payer,
            }
        })
        .collect()
}

fn person(g: &mut Gen, id: String, role: Role, account: Option<AccountId>, domain: &str) -> User {
    let first = *FIRST.choose(&mut g.rng).unwrap_or(&"Aino");
    let last = *LAST.choose(&mut g.rng).unwrap_or(&"Virtanen");
    User {
        id: UserId::parse(&id).expect("valid user id"),
        name: format!("{first} {last}"),
        email: format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase())
            .replace(['ä', 'ö', 'ü', 'ń'], "a"),
        role,
        account_id: account,
        assigned_accounts: Vec::new(),
    }
}

/// Users of every account, the seller's account managers (each with assigned accounts) and admins.
pub(super) fn users(g: &mut Gen, customers: &mut [Customer]) -> Vec<User> {
    let mut users = Vec::new();
    let managers = (customers.len() / 25).max(4);
    let mut staff: Vec<User> = (0..managers)
        .map(|m| {
            let id = if m == 0 {
                DEMO_MANAGER.to_owned()
            } else {
                format!("am-{:02}", m + 1)
            };
            person(g, id, Role::AccountManager, None, "seller.example")
        })
        .collect();
    for (i, customer) in customers.iter_mut().enumerate() {
        // Account i is managed by manager i mod n; every eighth account also by the next one.
        let mut assigned = vec![i % managers];
        if i % 8 == 7 {
            assigned.push((i + 1) % managers);
        }
        for m in assigned {
            staff[m].assigned_accounts.push(customer.account.id.clone());
            customer.account.account_managers.push(staff[m].id.clone());
        }
        let domain = format!("{}.example", customer.account.id.as_str().to_lowercase());
        let roles = [
            Role::AccountAdmin,
            Role::Buyer,
            Role::Viewer,
            Role::Approver,
        ];
        for (n, role) in roles.iter().take(g.rng.random_range(1..=4)).enumerate() {
            users.push(person(
                g,
                format!("u-{}-{}", customer.account.id, n + 1),
                *role,
                Some(customer.account.id.clone()),
                &domain,
            ));
        }
        let demo = match i {
            0 => vec![(DEMO_BUYER, Role::Buyer), (DEMO_VIEWER, Role::Viewer)],
            1 => vec![(DEMO_OTHER_BUYER, Role::Buyer)],
            _ => vec![],
        };
        for (id, role) in demo {
            users.push(person(
                g,
                id.to_owned(),
                role,
                Some(customer.account.id.clone()),
                &domain,
            ));
        }
    }
    users.extend(staff);
    users.push(person(
        g,
        DEMO_ADMIN.to_owned(),
        Role::Admin,
        None,
        "seller.example",
    ));
    // Not drawn from the generator, so the rest of the demo stays as it was.
    if let Some(first) = customers.first() {
        users.push(User {
            id: UserId::parse(DEMO_APPROVER).expect("valid user id"),
            name: "Demo Approver".into(),
            email: "approver@demo.example".into(),
            role: Role::Approver,
            account_id: Some(first.account.id.clone()),
            assigned_accounts: Vec::new(),
        });
        users.push(User {
            id: UserId::parse(DEMO_ACCOUNT_ADMIN).expect("valid user id"),
            name: "Demo Account Admin".into(),
            email: "admin@demo.example".into(),
            role: Role::AccountAdmin,
            account_id: Some(first.account.id.clone()),
            assigned_accounts: Vec::new(),
        });
    }
    users.push(User {
        id: UserId::parse(DEMO_INTEGRATION).expect("valid user id"),
        name: "ERP integration".into(),
        email: "erp@seller.example".into(),
        role: Role::Integration,
        account_id: None,
        assigned_accounts: Vec::new(),
    });
    users
}
