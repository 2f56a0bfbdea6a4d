//! The seller's divisions and products.

use super::Gen;
use portal_domain::model::{Division, Product};
use portal_domain::{DivisionId, Sku};
use rand::Rng;
use rand::seq::IndexedRandom;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// A product family: how its names, units, prices and documents look.
pub(super) struct Family {
    pub division: &'static str,
    pub code: &'static str,
    pub name: &'static str,
    pub variants: &'static [&'static str],
    pub materials: &'static [&'static str],
    pub unit: &'static str,
    pub packs: &'static [i64],
    /// Price per unit, in cents, low and high.
    pub price: (i64, i64),
    /// Batches get material certificates (EN 10204 3.1).
    pub material_certificate: bool,
    /// Products carry a declaration of conformity.
    pub conformity: bool,
    /// Products carry a safety data sheet.
    pub safety_data_sheet: bool,
}

pub(super) const DIVISIONS: [(&str, &str); 4] = [
    ("HYD", "Hydraulics"),
    ("FAS", "Fasteners"),
    ("BRG", "Bearings & Power Transmission"),
    ("SEA", "Seals & Lubricants"),
];

pub(super) const FAMILIES: &[Family] = &[
    Family {
        division: "HYD",
        code: "HH",
        name: "Hydraulic hose",
        variants: &[
            "1SN DN6",
            "2SN DN10",
            "2SN DN12",
            "4SP DN19",
            "R2AT DN16",
            "1SC DN8",
        ],
        materials: &["NBR", "EPDM"],
        unit: "m",
        packs: &[10, 25, 50],
        price: (450, 2900),
        material_certificate: false,
        conformity: false,
        safety_data_sheet: false,
    },
    Family {
        division: "HYD",
        code: "HF",
        name: "Hydraulic fitting",
        variants: &[
            "DKOL M18x1.5",
            "DKOS M20x1.5",
            "BSP 1/2\"",
            "JIC 3/4\"",
            "ORFS 9/16\"",
        ],
        materials: &["steel zinc-nickel", "stainless 316"],
        unit: "pcs",
        packs: &[1, 10, 25],
        price: (300, 4200),
        material_certificate: true,
        conformity: false,
        safety_data_sheet: false,
    },
    Family {
        division: "HYD",
        code: "HC",
        name: "Hydraulic cylinder",
        variants: &[
            "40/25-200",
            "50/30-300",
            "63/36-400",
            "80/45-500",
            "100/56-600",
        ],
        materials: &["double acting", "single acting"],
        unit: "pcs",
        packs: &[1],
        price: (18000, 96000),
        material_certificate: true,
        conformity: true,
        safety_data_sheet: false,
    },
    Family {
        division: "HYD",
        code: "HP",
        name: "Gear pump",
        variants: &["4 cc", "8 cc", "11 cc", "16 cc", "23 cc"],
        materials: &["aluminium body", "cast iron body"],
        unit: "pcs",
        packs: &[1],
        price: (12000, 58000),
        material_certificate: false,
        conformity: true,
        safety_data_sheet: false,
    },
    Family {
        division: "FAS",
        code: "HB",
        name: "Hex bolt",
        variants: &[
            "M6x20", "M8x30", "M10x40", "M12x60", "M16x80", "M20x100", "M24x120",
        ],
        materials: &[
            "8.8 zinc plated",
            "10.9 plain",
            "A2-70 stainless",
            "A4-80 stainless",
            "8.8 hot-dip galvanised",
        ],
        unit: "pcs",
        packs: &[50, 100, 200, 500],
        price: (4, 190),
        material_certificate: true,
        conformity: false,
        safety_data_sheet: false,
    },
    Family {
        division: "FAS",
        code: "HN",
        name: "Hex nut",
        variants: &["M6", "M8", "M10", "M12", "M16", "M20", "M24"],
        materials: &["8 zinc plated", "10 plain", "A2 stainless", "A4 stainless"],
        unit: "pcs",
        packs: &[100, 200, 500, 1000],
        price: (2, 60),
        material_certificate: true,
        conformity: false,
        safety_data_sheet: false,
    },
    Family {
        division: "FAS",
        code: "WA",
        name: "Washer",
        variants: &["6.4", "8.4", "10.5", "13", "17", "21", "25"],
        materials: &["steel zinc plated", "A2 stainless", "A4 stainless"],
        unit: "pcs",
        packs: &[200, 500, 1000],
        price: (1, 25),
        material_certificate: false,
        conformity: false,
        safety_data_sheet: false,
    },
    Family {
        division: "FAS",
        code: "AN",
        name: "Wedge anchor",
        variants: &["M8x75", "M10x90", "M12x110", "M16x145"],
        materials: &["zinc plated", "A4 stainless"],
        unit: "pcs",
        packs: &[25, 50, 100],
        price: (35, 420),
        material_certificate: true,
        conformity: true,
        safety_data_sheet: false,
    },
    Family {
        division: "BRG",
        code: "BB",
        name: "Deep groove ball bearing",
        variants: &[
            "6004-2RS", "6204-2RS", "6205-ZZ", "6305-2RS", "6206-C3", "6308-2Z",
        ],
        materials: &["chrome steel", "stainless"],
        unit: "pcs",
        packs: &[1, 10],
        price: (290, 5400),
        material_certificate: false,
        conformity: false,
        safety_data_sheet: false,
    },
    Family {
        division: "BRG",
        code: "TR",
        name: "Tapered roller bearing",
        variants: &["30205", "30206", "32008", "32210", "33113"],
        materials: &["standard", "high capacity"],
        unit: "pcs",
        packs: &[1, 5],
        price: (850, 9900),
        material_certificate: false,
        conformity: false,
        safety_data_sheet: false,
    },
    Family {
        division: "BRG",
        code: "VB",
        name: "V-belt",
        variants: &["SPA 1250", "SPB 1800", "SPZ 1000", "XPA 1400"],
        materials: &["wrapped", "raw edge cogged"],
        unit: "pcs",
        packs: &[1, 5],
        price: (450, 3900),
        material_certificate: false,
        conformity: false,
        safety_data_sheet: false,
    },
    Family {
        division: "SEA",
        code: "OR",
        name: "O-ring",
        variants: &["10x2", "25x3", "40x3.5", "63x5", "100x5"],
        materials: &["NBR 70", "FKM 75", "EPDM 70", "silicone 60"],
        unit: "pcs",
        packs: &[50, 100, 250],
        price: (3, 140),
        material_certificate: false,
        conformity: false,
        safety_data_sheet: false,
    },
    Family {
        division: "SEA",
        code: "RS",
        name: "Rotary shaft seal",
        variants: &["20x35x7", "35x52x8", "50x72x8", "80x100x10"],
        materials: &["NBR", "FKM"],
        unit: "pcs",
        packs: &[10, 25],
        price: (90, 1600),
        material_certificate: false,
        conformity: false,
        safety_data_sheet: false,
    },
    Family {
        division: "SEA",
        code: "GR",
        name: "Lithium complex grease",
        variants: &[
            "EP2 400 g",
            "EP2 18 kg",
            "EP1 180 kg",
            "food grade H1 400 g",
        ],
        materials: &["mineral", "synthetic"],
        unit: "pcs",
        packs: &[1, 12],
        price: (690, 42000),
        material_certificate: false,
        conformity: false,
        safety_data_sheet: true,
    },
    Family {
        division: "SEA",
        code: "HO",
        name: "Hydraulic oil",
        variants: &[
            "HLP 32 20 l",
            "HLP 46 20 l",
            "HVLP 46 208 l",
            "bio HEES 46 20 l",
        ],
        materials: &["mineral", "synthetic ester"],
        unit: "pcs",
        packs: &[1],
        price: (8900, 98000),
        material_certificate: false,
        conformity: false,
        safety_data_sheet: true,
    },
];

/// A product and what the generator needs to know about it.
pub(super) struct CatalogItem {
    pub product: Product,
    pub family: usize,
    /// Unit price in cents.
    pub price_cents: i64,
}

pub(super) fn divisions() -> Vec<Division> {
    DIVISIONS
        .iter()
        .map(|(id, name)| Division {
            id: DivisionId::parse(id).expect("valid division"),
            name: (*name).to_owned(),
        })
        .collect()
}

pub(super) fn products(g: &mut Gen, count: usize) -> Vec<CatalogItem> {
    (0..count)
        .map(|i| {
            let family_index = i % FAMILIES.len();
            let family = &FAMILIES[family_index];
            let variant = *family.variants.choose(&mut g.rng).unwrap_or(&"");
            let material = *family.materials.choose(&mut g.rng).unwrap_or(&"");
            let sku = Sku::parse(&format!(
                "{}-{}{:05}",
                family.division,
                family.code,
                10_000 + i
            ))
            .expect("valid sku");
            let pack = *family.packs.choose(&mut g.rng).unwrap_or(&1);
            let price_cents = g.rng.random_range(family.price.0..=family.price.1);
            let mut attributes = BTreeMap::new();
            attributes.insert("material".to_owned(), material.to_owned());
            attributes.insert("size".to_owned(), variant.to_owned());
            attributes.insert(
                "country_of_origin".to_owned(),
                (*["FI", "DE", "SE", "IT", "PL", "CZ"]
                    .choose(&mut g.rng)
                    .unwrap_or(&"FI"))
                .to_owned(),
            );
            attributes.insert(
                "customs_tariff".to_owned(),
                format!("{}", g.rng.random_range(73_000_000..85_000_000)),
            );
            let name = format!("{} {variant} {material}", family.name);
            CatalogItem {
                product: Product {
                    description: format!(
                        "{name}. Sold in packs of {pack} {}. Stocked in the central warehouse.",
                        family.unit
                    ),
                    name,
                    sku,
                    division: DivisionId::parse(family.division).expect("valid division"),
                    unit: family.unit.to_owned(),
                    pack_size: Decimal::from(pack),
                    attributes,
                },
                family: family_index,
                price_cents,
            }
        })
        .collect()
}
