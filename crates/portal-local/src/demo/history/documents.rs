//! The documents of the demo: an account's PDFs, batches' material certificates and the
//! products' own certificates.

use super::*;

pub(super) fn account_document(
    id: DocumentId,
    kind: DocumentKind,
    title: String,
    issued_on: NaiveDate,
    account: &AccountId,
    links: DocumentLinks,
) -> Document {
    Document {
        file_name: format!("{id}.pdf"),
        id,
        kind,
        title,
        content_type: "application/pdf".to_owned(),
        size_bytes: 0,
        file_revision: None,
        issued_on,
        links,
        audience: DocumentAudience::Account {
            account_id: account.clone(),
        },
    }
}

/// Material certificates of delivered batches, and the products' own certificates.
pub(super) fn certificates(
    h: &mut History,
    catalog: &[CatalogItem],
    batches: BTreeMap<BatchId, (Sku, NaiveDate, BTreeSet<AccountId>)>,
) {
    for (batch, (sku, first_shipped, delivered_to)) in batches {
        let id = DocumentId::parse(&format!("MC-{batch}")).expect("valid document id");
        let issued_on = first_shipped - Duration::days(3);
        let text = vec![
            format!("{SELLER} - Inspection certificate 3.1 (EN 10204)"),
            format!("Product {sku}, batch {batch}"),
            "Chemical composition and mechanical properties tested; results within specification."
                .to_owned(),
            format!("Issued {issued_on} by the quality department"),
        ];
        let document = Document {
            file_name: format!("{id}.pdf"),
            title: format!("Material certificate 3.1, batch {batch}"),
            id,
            kind: DocumentKind::MaterialCertificate,
            content_type: "application/pdf".to_owned(),
            size_bytes: 0,
            file_revision: None,
            issued_on,
            links: DocumentLinks {
                sku: Some(sku),
                batch: Some(batch),
                ..Default::default()
            },
            audience: DocumentAudience::Batch {
                delivered_to: delivered_to.into_iter().collect(),
            },
        };
        h.documents.push((document, text));
    }
    for item in catalog {
        let family = &FAMILIES[item.family];
        let sku = &item.product.sku;
        let kinds = [
            (
                family.conformity,
                DocumentKind::DeclarationOfConformity,
                "DC",
                "EU declaration of conformity",
            ),
            (
                family.safety_data_sheet,
                DocumentKind::SafetyDataSheet,
                "SDS",
                "Safety data sheet",
            ),
        ];
        for (applies, kind, prefix, title) in kinds {
            if !applies {
                continue;
            }
            let id = DocumentId::parse(&format!("{prefix}-{sku}")).expect("valid document id");
            let text = vec![
                format!("{SELLER} - {title}"),
                format!("Product {sku}: {}", item.product.name),
            ];
            h.documents.push((
                Document {
                    file_name: format!("{id}.pdf"),
                    title: format!("{title}, {sku}"),
                    id,
                    kind,
                    content_type: "application/pdf".to_owned(),
                    size_bytes: 0,
                    file_revision: None,
                    issued_on: NaiveDate::from_ymd_opt(2023, 1, 16).unwrap_or_default(),
                    links: DocumentLinks {
                        sku: Some(sku.clone()),
                        ..Default::default()
                    },
                    audience: DocumentAudience::Product,
                },
                text,
            ));
        }
    }
}
