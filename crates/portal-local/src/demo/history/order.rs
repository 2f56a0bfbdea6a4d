//! One order's life: its lines and status history, its shipments with their tracking events,
//! its invoice, payment and sometimes a credit note, and the documents of each.

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn build_order(
    g: &mut Gen,
    spec: &DemoSpec,
    h: &mut History,
    batches: &mut BTreeMap<BatchId, (Sku, NaiveDate, BTreeSet<AccountId>)>,
    seq: usize,
    customer: &Customer,
    catalog: &[CatalogItem],
    draft: &Draft,
    po_seq: u32,
) {
    let account = &customer.account;
    let (_, currency, vat, terms, cities) = COUNTRIES[customer.country];
    let today = spec.today;
    let now = at(today, 12, 0);
    let day = draft.day;
    let id = OrderId::parse(&format!("SO-{}", 1_000_000 + seq)).expect("valid order id");
    let po = match account.id.as_str().len() % 3 {
        0 => format!("45000{:05}", po_seq),
        1 => format!("PO-{}-{:04}", day.year(), po_seq),
        _ => format!("MRO/{}/{po_seq}", day.format("%y%m")),
    };
    let discount = Decimal::new(
        70 + (account.id.as_str().len() as i64 * 7 + seq as i64) % 25,
        2,
    );
    let division = catalog[*draft.lines.keys().next().unwrap_or(&0)]
        .product
        .division
        .clone();

    // The order's life: received, confirmed, maybe produced, shipped (maybe in two parts), delivered.
    let received = at(day, g.rng.random_range(7..16), g.rng.random_range(0..60));
    let cancelled = g.rng.random_bool(0.015) && (today - day).num_days() > 3;
    let confirmed_on = weekday_on_or_after(day + Duration::days(1));
    let lead = g.rng.random_range(2..15);
    let produced_on = (lead >= 7).then(|| weekday_on_or_after(day + Duration::days(2)));
    let ship_on = weekday_on_or_after(day + Duration::days(lead));
    let transit = g.rng.random_range(1..5);
    let split = draft.lines.len() >= 2 && g.rng.random_bool(0.1);
    let second_ship_on = weekday_on_or_after(ship_on + Duration::days(g.rng.random_range(3..11)));
    let plan = draft
        .stage
        .map(|stage| stage.plan(today, COUNTRIES[customer.country].3));
    let (received, cancelled, produced_on, ship_on, transit, split, second_ship_on) = match &plan {
        None => (
            received,
            cancelled,
            produced_on,
            ship_on,
            transit,
            split,
            second_ship_on,
        ),
        // Received in the morning: before the demo's clock stops at noon.
        Some(p) => (
            at(day, 8, received.minute()),
            p.cancelled,
            p.produced_on,
            p.ship_on,
            p.transit,
            p.second_ship_on.is_some() && draft.lines.len() >= 2,
            p.second_ship_on.unwrap_or(second_ship_on),
        ),
    };
    let deliveries = if split {
        vec![
            (ship_on, ship_on + Duration::days(transit)),
            (second_ship_on, second_ship_on + Duration::days(transit)),
        ]
    } else {
        vec![(ship_on, ship_on + Duration::days(transit))]
    };

    let fx = fx(currency);
    let line_count = draft.lines.len();
    let mut lines = Vec::with_capacity(line_count);
    for (n, (&item, &packs)) in draft.lines.iter().enumerate() {
        let product = &catalog[item].product;
        let quantity = product.pack_size * Decimal::from(packs);
        let unit_price = (money(catalog[item].price_cents) * fx * discount).round_dp(2);
        let part = if split && n >= line_count / 2 { 1 } else { 0 };
        let (shipped, delivered) = deliveries[part];
        let status = if cancelled {
            LineStatus::Cancelled
        } else if delivered <= today {
            LineStatus::Delivered
        } else if shipped <= today {
            LineStatus::Shipped
        } else if confirmed_on <= today {
            LineStatus::Confirmed
        } else {
            LineStatus::Open
        };
        let batch = (!cancelled && shipped <= today).then(|| {
            let half = if shipped.month() <= 6 { "A" } else { "B" };
            BatchId::parse(&format!("L{}{half}-{}", shipped.format("%y"), product.sku))
                .expect("valid batch")
        });
        if let Some(batch) = &batch
            && FAMILIES[catalog[item].family].material_certificate
        {
            let entry = batches
                .entry(batch.clone())
                .or_insert_with(|| (product.sku.clone(), shipped, BTreeSet::new()));
            entry.1 = entry.1.min(shipped);
            entry.2.insert(account.id.clone());
        }
        lines.push(OrderLine {
            line_no: (n as u32 + 1) * 10,
            sku: product.sku.clone(),
            description: product.name.clone(),
            quantity,
            unit: product.unit.clone(),
            line_total: (quantity * unit_price).round_dp(2),
            unit_price,
            status,
            batch,
            price_source: None,
        });
    }
    let net: Decimal = lines.iter().map(|l| l.line_total).sum();
    let tax = (net * Decimal::new(vat, 3)).round_dp(2);
    let totals = Totals {
        net,
        tax,
        gross: net + tax,
    };

    let mut history = vec![StatusChange {
        status: OrderStatus::Received,
        at: received,
        note: None,
    }];
    let mut push = |status, when: DateTime<Utc>, note: Option<String>| {
        if when <= now {
            history.push(StatusChange {
                status,
                at: when,
                note,
            });
        }
    };
    let last_delivery = deliveries.iter().map(|d| d.1).max().unwrap_or(ship_on);
    let invoice_delay = g.rng.random_range(0..3);
    let invoice_on =
        last_delivery + Duration::days(plan.as_ref().map_or(invoice_delay, |p| p.invoice_delay));
    if cancelled {
        push(
            OrderStatus::Cancelled,
            at(day + Duration::days(1), 9, 30),
            Some("Cancelled at the customer's request".to_owned()),
        );
    } else {
        push(
            OrderStatus::Confirmed,
            at(confirmed_on, 9, 15),
            Some(format!(
                "Delivery confirmed for {}",
                ship_on + Duration::days(transit)
            )),
        );
        if let Some(p) = produced_on {
            push(OrderStatus::InProduction, at(p, 7, 0), None);
        }
        if split {
            push(OrderStatus::PartiallyShipped, at(ship_on, 14, 0), None);
            push(OrderStatus::Shipped, at(second_ship_on, 14, 0), None);
        } else {
            push(OrderStatus::Shipped, at(ship_on, 14, 0), None);
        }
        push(OrderStatus::Delivered, at(last_delivery, 13, 0), None);
        push(OrderStatus::Invoiced, at(invoice_on, 6, 0), None);
    }
    let status = history.last().map_or(OrderStatus::Received, |c| c.status);

    let summary = OrderSummary {
        id: id.clone(),
        account_id: account.id.clone(),
        po_number: PoNumber::parse(&po).expect("valid po"),
        division,
        currency: account.currency,
        order_date: day,
        requested_delivery: Some(day + Duration::days(g.rng.random_range(5..21))),
        confirmed_delivery: (!cancelled && confirmed_on <= today)
            .then(|| ship_on + Duration::days(transit)),
        status,
        totals,
        line_count: line_count as u32,
    };
    let order = Order {
        summary,
        ship_to: account.ship_to.first().map(|a| a.id.clone()),
        lines,
        status_history: history,
        erp_order_number: None,
        placed: None,
    };

    let doc_lines = |title: String| -> Vec<String> {
        let mut text = vec![
            format!("{SELLER} - {title}"),
            format!("Customer: {} ({})", account.name, account.id),
        ];
        text.push(format!("Order {id}, PO {po}, ordered {day}"));
        for l in order.lines.iter().take(40) {
            text.push(format!(
                "{:>4}  {}  {}  {} {}  {} {currency}",
                l.line_no, l.sku, l.description, l.quantity, l.unit, l.line_total
            ));
        }
        text.push(format!(
            "Net {} {currency}, VAT {} {currency}, total {} {currency}",
            totals.net, totals.tax, totals.gross
        ));
        text
    };
    if !cancelled && confirmed_on <= today && pdf_kept(confirmed_on, today) {
        let doc_id = DocumentId::parse(&format!("OC-{id}")).expect("valid document id");
        let text = doc_lines(format!("Order confirmation {id}"));
        h.documents.push((
            account_document(
                doc_id,
                DocumentKind::OrderConfirmation,
                format!("Order confirmation {id}"),
                confirmed_on,
                &account.id,
                DocumentLinks {
                    order_id: Some(id.clone()),
                    ..Default::default()
                },
            ),
            text,
        ));
    }

    // Shipments and their tracking events.
    if !cancelled {
        for (part, &(shipped, delivered)) in deliveries.iter().enumerate() {
            if shipped > today {
                continue;
            }
            let shipment_id = ShipmentId::parse(&format!("SH-{}", 1_000_000 + seq * 2 + part))
                .expect("valid shipment id");
            let (carrier, prefix, digits) = *CARRIERS.choose(&mut g.rng).unwrap_or(&CARRIERS[0]);
            let number: String = (0..digits)
                .map(|_| char::from(b'0' + g.rng.random_range(0..10u8)))
                .collect();
            let city = *cities.choose(&mut g.rng).unwrap_or(&"Tampere");
            let mut events = vec![
                TrackingEvent {
                    at: at(shipped, 8, 0),
                    place: WAREHOUSE.to_owned(),
                    status: ShipmentStatus::Booked,
                    description: "Shipment booked with carrier".to_owned(),
                },
                TrackingEvent {
                    at: at(shipped, 15, 30),
                    place: WAREHOUSE.to_owned(),
                    status: ShipmentStatus::PickedUp,
                    description: "Picked up".to_owned(),
                },
                TrackingEvent {
                    at: at(shipped + Duration::days(1), 3, 10),
                    place: "Carrier hub".to_owned(),
                    status: ShipmentStatus::InTransit,
                    description: "In transit".to_owned(),
                },
            ];
            let exception = g.rng.random_bool(0.03) && plan.is_none();
            if exception {
                events.push(TrackingEvent {
                    at: at(delivered, 10, 5),
                    place: city.to_owned(),
                    status: ShipmentStatus::Exception,
                    description: "Delivery attempt failed: receiving dock closed".to_owned(),
                });
            }
            let final_day = if exception {
                delivered + Duration::days(1)
            } else {
                delivered
            };
            events.push(TrackingEvent {
                at: at(final_day, 7, 0),
                place: city.to_owned(),
                status: ShipmentStatus::OutForDelivery,
                description: "Out for delivery".to_owned(),
            });
            events.push(TrackingEvent {
                at: at(final_day, 12, g.rng.random_range(0..60)),
                place: city.to_owned(),
                status: ShipmentStatus::Delivered,
                description: "Delivered, signed by goods receipt".to_owned(),
            });
            events.retain(|e| e.at <= now);
            let status = events.last().map_or(ShipmentStatus::Booked, |e| e.status);
            let line_nos: Vec<u32> = order
                .lines
                .iter()
                .enumerate()
                .filter(|(n, _)| !split || (*n >= line_count / 2) == (part == 1))
                .map(|(_, l)| l.line_no)
                .collect();
            let shipment = Shipment {
                id: shipment_id.clone(),
                account_id: account.id.clone(),
                order_id: id.clone(),
                carrier: carrier.to_owned(),
                tracking_number: TrackingNumber::parse(&format!("{prefix}{number}"))
                    .expect("valid tracking number"),
                status,
                shipped_on: shipped,
                eta: Some(delivered),
                delivered_at: events
                    .iter()
                    .find(|e| e.status == ShipmentStatus::Delivered)
                    .map(|e| e.at),
                lines: line_nos,
                events,
            };
            let doc_id =
                DocumentId::parse(&format!("DN-{shipment_id}")).expect("valid document id");
            let text = doc_lines(format!(
                "Delivery note {shipment_id} ({carrier} {})",
                shipment.tracking_number
            ));
            let kept = pdf_kept(shipped, today);
            h.documents.extend(kept.then_some((
                account_document(
                    doc_id,
                    DocumentKind::DeliveryNote,
                    format!("Delivery note {shipment_id}"),
                    shipped,
                    &account.id,
                    DocumentLinks {
                        order_id: Some(id.clone()),
                        shipment_id: Some(shipment_id),
                        ..Default::default()
                    },
                ),
                text,
            )));
            h.shipments.push(shipment);
        }
    }

    // The invoice, its payment, and sometimes a credit note.
    if !cancelled && invoice_on <= today && last_delivery <= today {
        let invoice_id =
            InvoiceId::parse(&format!("INV-{}", 2_000_000 + seq)).expect("valid invoice id");
        let due = invoice_on + Duration::days(terms);
        let paid_on = match customer.payer {
            0 => Some(due - Duration::days(g.rng.random_range(0..12))),
            1 => Some(due + Duration::days(g.rng.random_range(3..45))),
            _ if g.rng.random_bool(0.7) => Some(due + Duration::days(g.rng.random_range(10..90))),
            _ => None,
        }
        .map(|d| d.max(invoice_on))
        .filter(|d| *d <= today && plan.is_none());
        let payment = if paid_on.is_some() {
            PaymentState::Paid
        } else {
            PaymentState::Unpaid
        };
        let doc_id = DocumentId::parse(&format!("IV-{invoice_id}")).expect("valid document id");
        let text = doc_lines(format!("Invoice {invoice_id}, due {due}"));
        let kept = pdf_kept(invoice_on, today) || payment == PaymentState::Unpaid;
        h.documents.extend(kept.then_some((
            account_document(
                doc_id.clone(),
                DocumentKind::Invoice,
                format!("Invoice {invoice_id}"),
                invoice_on,
                &account.id,
                DocumentLinks {
                    order_id: Some(id.clone()),
                    invoice_id: Some(invoice_id.clone()),
                    ..Default::default()
                },
            ),
            text,
        )));
        let invoice = Invoice {
            id: invoice_id.clone(),
            account_id: account.id.clone(),
            kind: InvoiceKind::Invoice,
            order_id: Some(id.clone()),
            credits_invoice: None,
            issue_date: invoice_on,
            due_date: due,
            currency: account.currency,
            totals,
            payment,
            paid_on,
            document_id: kept.then_some(doc_id),
        };
        let credit_on = invoice_on + Duration::days(g.rng.random_range(3..21));
        if g.rng.random_bool(0.02) && credit_on <= today && plan.is_none() {
            let share = Decimal::new(g.rng.random_range(10..=100), 2);
            let net = -(totals.net * share).round_dp(2);
            let tax = (net * Decimal::new(vat, 3)).round_dp(2);
            let credit_id =
                InvoiceId::parse(&format!("CN-{}", 2_000_000 + seq)).expect("valid credit note id");
            let doc_id = DocumentId::parse(&format!("CR-{credit_id}")).expect("valid document id");
            let text = vec![
                format!("{SELLER} - Credit note {credit_id}"),
                format!("Customer: {} ({})", account.name, account.id),
                format!("Credits invoice {invoice_id} of order {id}: quantity difference"),
                format!(
                    "Net {net} {currency}, VAT {tax} {currency}, total {} {currency}",
                    net + tax
                ),
            ];
            h.documents.push((
                account_document(
                    doc_id.clone(),
                    DocumentKind::CreditNote,
                    format!("Credit note {credit_id}"),
                    credit_on,
                    &account.id,
                    DocumentLinks {
                        order_id: Some(id.clone()),
                        invoice_id: Some(credit_id.clone()),
                        ..Default::default()
                    },
                ),
                text,
            ));
            h.invoices.push(Invoice {
                id: credit_id,
                account_id: account.id.clone(),
                kind: InvoiceKind::CreditNote,
                order_id: Some(id.clone()),
                credits_invoice: Some(invoice_id),
                issue_date: credit_on,
                due_date: credit_on,
                currency: account.currency,
                totals: Totals {
                    net,
                    tax,
                    gross: net + tax,
                },
                payment,
                paid_on: paid_on.map(|d| d.max(credit_on)),
                document_id: Some(doc_id),
            });
        }
        h.invoices.push(invoice);
    }
    h.orders.push(order);
}
