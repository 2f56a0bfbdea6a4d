//! Ingest: exports of back-end systems into the portal, through the same path as `portal ingest`.

use ingest::{Entity, Outcome, Profile};
use portal_local::ingest::ingest_file;
use portal_store::Lake;
use std::path::Path;
use tests::fixture::*;
use tests::{TestApp, spawn_app};

fn sap() -> Profile {
    Profile::builtin("sap").expect("built in")
}

fn cp1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable, "the test text is Latin-1");
    bytes.into_owned()
}

/// Writes `bytes` as `name` into `dir` and ingests it as `source`'s `entity`.
async fn ingest(
    app: &TestApp,
    dir: &Path,
    profile: &Profile,
    entity: Entity,
    name: &str,
    bytes: &[u8],
) -> Outcome {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("file written");
    let (outcome, _) = ingest_file(&app.local, profile, &profile.name, entity, &path, false)
        .await
        .expect("ingested");
    assert!(outcome.report.counts_add_up, "{:?}", outcome.report);
    outcome
}

fn counts(o: &Outcome) -> (u64, u64, u64, u64) {
    let c = &o.report.counts;
    (c.rows_read, c.loaded, c.unchanged, c.quarantined)
}

fn number(value: &serde_json::Value) -> f64 {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal string: {value}"))
}

const VBAK: &str = "VBELN;KUNNR;BSTNK;SPART;WAERK;AUDAT;VDATU;USTAT;NETWR;MWSBT;KUNWE;AEDAT;AEZET\r\n\
0000500001;A;PO-Ölmühle-7781;10;EUR;24.11.2025;05.12.2025;E0002;1.183,50;224,87;;20251124;101500\r\n";
const VBAP: &str = "VBELN;POSNR;MATNR;ARKTX;KWMENG;VRKME;NETPR;NETWR;PSTAT;CHARG;AEDAT;AEZET\r\n\
0000500001;000010;hyd-hose-10;\"Hydraulikschlauch 1/2\"\" – 2 m\";10,000;ST;45,50;455,00;B;;20251124;101500\r\n\
0000500001;000020;HYD-PUMP-20;Druckfilter, Edelstahl;3,000;ST;242,83;728,50;B;LOT-A;20251124;101500\r\n";
const STATUS: &str = "VBELN;USTAT;UDATE;UTIME;TXT\r\n\
0000500001;E0003;20251125;080000;Fertigung gestartet\r\n\
0000500001;E0005;20251125;160000;Teillieferung raus\r\n";
const LIKP: &str = "VBELN;VGBEL;KUNNR;SPDNR;BOLNR;SCAN;WADAT_IST;LFDAT;POSNR_LIST;AEDAT;AEZET\r\n\
0080000001;0000500001;A;0000700001;JD014600006281234567;PU;25.11.2025;28.11.2025;10,20;20251125;160000\r\n";
const SCANS: &str = "VBELN;SCAN_DATE;SCAN_TIME;SCAN;ORT;TEXT\r\n\
0080000001;20251126;063000;IT;Hannover;Im Umschlagzentrum\r\n\
0080000001;20251127;101500;DL;Göteborg;Zugestellt, Empfänger: Åsa Öberg\r\n\
0080000001;20251125;180000;PU;Hamburg;Sendung abgeholt\r\n";
const VBRK: &str = "VBELN;KUNAG;FKART;AUBEL;VBELV;FKDAT;NETDT;WAERK;NETWR;MWSBK;DOCID;AEDAT;AEZET\r\n\
0090000001;A;F2;0000500001;;27.11.2025;27.12.2025;EUR;1.183,50;224,87;DOC-INV-90000001;20251127;090000\r\n\
0090000002;A;G2;0000500001;0090000001;28.11.2025;28.12.2025;EUR;45,50-;8,65-;;20251128;090000\r\n";
const BSAD: &str = "VBELN;AUGDT;CPUTM\r\n0090000001;20251201;120000\r\n";
const DOCS: &str = "DOKNR;DOKAR;DKTXT;FILENAME;ERDAT;KUNNR;MATNR;VBELN;CHARG;LIEFN;FAKTN;KUNNR_LIST\r\n\
DOC-INV-90000001;ZRE;Rechnung 90000001;INV_90000001.pdf;20251127;A;;0000500001;;;0090000001;\r\n\
DOC-LS-80000001;ZLS;Lieferschein 80000001;LS_80000001.pdf;20251125;A;;0000500001;;0080000001;;\r\n";

/// An export to ingest: what it holds, its name and text, and the counts it must give.
type Step = (Entity, &'static str, &'static str, (u64, u64, u64, u64));

#[tokio::test]
async fn sap_exports_show_up_through_the_api_as_orders_shipments_invoices_and_documents() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("folder");
    let p = sap();
    std::fs::write(dir.path().join("INV_90000001.pdf"), b"%PDF-1.4 invoice").expect("pdf");
    std::fs::write(
        dir.path().join("LS_80000001.pdf"),
        b"%PDF-1.4 delivery note",
    )
    .expect("pdf");
    // Items before their header, scans before their delivery: the order of arrival is free.
    let steps: [Step; 8] = [
        (Entity::OrderLines, "VBAP.csv", VBAP, (2, 2, 0, 0)),
        (Entity::Orders, "VBAK.csv", VBAK, (1, 1, 0, 0)),
        (Entity::OrderStatus, "STATUS.csv", STATUS, (2, 2, 0, 0)),
        (Entity::TrackingEvents, "SCANS.csv", SCANS, (3, 3, 0, 0)),
        (Entity::Shipments, "LIKP.csv", LIKP, (1, 1, 0, 0)),
        (Entity::Invoices, "VBRK.csv", VBRK, (2, 2, 0, 0)),
        (Entity::InvoicePayments, "BSAD.csv", BSAD, (1, 1, 0, 0)),
        (Entity::Documents, "DOCS.csv", DOCS, (2, 2, 0, 0)),
    ];
    for (entity, name, text, expected) in steps {
        let outcome = ingest(&app, dir.path(), &p, entity, name, &cp1252(text)).await;
        assert_eq!(
            counts(&outcome),
            expected,
            "{name}: {:?}",
            outcome.quarantined
        );
    }
    assert_eq!(
        ingest(
            &app,
            dir.path(),
            &p,
            Entity::OrderLines,
            "VBAP.csv",
            &cp1252(VBAP)
        )
        .await
        .report
        .counts
        .waiting_for_parent,
        0
    );

    let order = app.get(A_BUYER, "/orders/SO-500001").await;
    assert_eq!(order.status, 200, "{}", order.text);
    let o = &order.body;
    assert_eq!(o["po_number"], "PO-Ölmühle-7781");
    assert_eq!(o["division"], "HYD");
    assert_eq!(o["status"], "shipped", "the latest status change");
    assert_eq!(o["line_count"], 2);
    assert_eq!(number(&o["totals"]["net"]), 1183.5);
    assert_eq!(o["lines"][0]["sku"], "HYD-HOSE-10");
    assert_eq!(
        o["lines"][0]["description"],
        "Hydraulikschlauch 1/2\" – 2 m"
    );
    assert_eq!(number(&o["lines"][0]["quantity"]), 10.0);
    assert_eq!(o["lines"][0]["unit"], "pcs");
    assert_eq!(o["lines"][1]["batch"], "LOT-A");
    assert_eq!(o["status_history"].as_array().map(Vec::len), Some(3));

    let shipments = app.get(A_BUYER, "/orders/SO-500001/shipments").await;
    assert_eq!(shipments.ids(), vec!["SH-80000001"]);
    let s = &shipments.items()[0];
    assert_eq!(s["status"], "delivered", "the latest scan");
    assert_eq!(s["carrier"], "DHL Freight");
    assert_eq!(s["events"].as_array().map(Vec::len), Some(3));
    assert_eq!(s["events"][2]["place"], "Göteborg");
    assert_eq!(s["delivered_at"], "2025-11-27T10:15:00Z");

    let invoice = app.get(A_BUYER, "/invoices/INV-90000001").await;
    assert_eq!(invoice.body["status"], "paid", "{}", invoice.text);
    assert_eq!(invoice.body["paid_on"], "2025-12-01");
    let credit = app.get(A_BUYER, "/invoices/INV-90000002").await;
    assert_eq!(credit.body["kind"], "credit-note");
    assert_eq!(number(&credit.body["totals"]["net"]), -45.5);
    assert_eq!(credit.body["credits_invoice"], "INV-90000001");

    let link = app
        .get(A_BUYER, "/documents/DOC-INV-90000001/download")
        .await;
    assert_eq!(link.status, 200, "{}", link.text);
    let (status, bytes) = app.fetch(link.body["url"].as_str().expect("url")).await;
    assert_eq!(
        (status.as_u16(), bytes),
        (200, b"%PDF-1.4 invoice".to_vec())
    );
    let documents = app.get(A_BUYER, "/orders/SO-500001/documents").await;
    assert_eq!(documents.ids().len(), 2, "{}", documents.text);

    // The other account sees none of it.
    app.get(B_BUYER, "/orders/SO-500001")
        .await
        .assert_problem(404, "not-found");
    app.get(B_BUYER, "/invoices/INV-90000001")
        .await
        .assert_problem(404, "not-found");

    // The lines are in the lake the analytics job reads, once each.
    let lake = app.local.job().read_orders().await.expect("lake");
    let hose = lake
        .skus
        .iter()
        .position(|s| s == "HYD-HOSE-10")
        .expect("the hose is in the lake") as u32;
    let hoses: Vec<f64> = lake
        .lines
        .iter()
        .filter(|l| l.sku == hose)
        .map(|l| l.quantity)
        .collect();
    assert_eq!(hoses, vec![10.0]);
    assert_eq!(
        lake.pack_sizes[hose as usize],
        Some(10.0),
        "the product's pack size comes along"
    );
}

/// One messy export: a byte-order mark, Nordic characters, semicolons, decimal commas, a quoted
/// newline, a duplicate row, a conflicting row, wrong types, an unknown code, a truncated last line.
const UGLY: &str = "\u{feff}VBELN;POSNR;MATNR;ARKTX;KWMENG;VRKME;NETPR;NETWR;PSTAT;CHARG;AEDAT;AEZET\r\n\
0000600001;10;HYD-HOSE-10;Slange, rød;1.250,5;ST;2,00;2.501,00;A;;20251124;101500\r\n\
0000600001;20;HYD-PUMP-20;\"Pumpe\r\nmed to linjer\";2;ST;100,00;200,00;A;;20251124;101500\r\n\
0000600001;10;HYD-HOSE-10;Slange, rød;1.250,5;ST;2,00;2.501,00;A;;20251124;101500\r\n\
0000600001;30;HYD-HOSE-10;tre;3;ST;1,00;3,00;A;;20251124;101500\r\n\
0000600001;30;HYD-HOSE-10;tre;4;ST;1,00;4,00;A;;20251124;101500\r\n\
0000600001;40;HYD-HOSE-10;fire;fire;ST;1,00;4,00;A;;20251124;101500\r\n\
0000600001;50;HYD-HOSE-10;fem;5;ST;1,00;5,00;Q;;20251124;101500\r\n\
0000600001;60;HYD-HOSE-10;seks;6;XX;1,00;6,00;A;;20251124;101500\r\n\
0000600001;70;HYD-HOSE-10;sju;7;ST;1,00;7,00;A;;31.02.2025;101500\r\n\
0000600001;80;HYD-HOSE-10;åtte;8;ST;1,00";

#[tokio::test]
async fn an_ugly_export_accounts_for_every_row_and_names_each_bad_one() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("folder");
    let p = sap();
    let outcome = ingest(
        &app,
        dir.path(),
        &p,
        Entity::OrderLines,
        "ugly.csv",
        UGLY.as_bytes(),
    )
    .await;
    assert_eq!(counts(&outcome), (10, 3, 1, 6));
    assert_eq!(outcome.report.counts.waiting_for_parent, 3);
    let reasons: Vec<(u64, u64, &str)> = outcome
        .quarantined
        .iter()
        .map(|q| (q.row, q.line, q.reason.as_str()))
        .collect();
    assert_eq!(reasons[0].0, 5);
    assert!(
        reasons[0]
            .2
            .starts_with("conflicts with the stored data of the same version")
    );
    assert_eq!(
        (reasons[1].0, reasons[1].1),
        (6, 8),
        "the quoted newline shifts lines, not rows"
    );
    assert_eq!(
        reasons[1].2,
        "quantity: \"fire\" is not a number such as -1.234,56"
    );
    assert!(
        reasons[2]
            .2
            .starts_with("status: code \"Q\" is not in the profile's table item_status")
    );
    assert!(
        reasons[3]
            .2
            .starts_with("unit: code \"XX\" is not in the profile's table unit")
    );
    assert!(
        reasons[4]
            .2
            .starts_with("version: \"31.02.2025 101500\" is not a date-time")
    );
    assert_eq!(
        reasons[5].2,
        "has 7 fields where the header has 12 (a truncated or broken line?)"
    );
    assert_eq!(
        outcome.quarantined[5].record,
        "0000600001;80;HYD-HOSE-10;åtte;8;ST;1,00"
    );

    // The report and the quarantine file are in the ingest bucket.
    let bucket = app.local.ingest_bucket();
    let report = bucket
        .get("reports/sap/order-lines/ugly.csv.report.json")
        .await
        .expect("report");
    let report: serde_json::Value = serde_json::from_slice(&report).expect("json");
    assert_eq!(report["quarantined"], 6);
    assert_eq!(report["counts_add_up"], true);
    let quarantine = bucket
        .get("quarantine/sap/order-lines/ugly.csv.quarantine.csv")
        .await
        .expect("quarantine file");
    let text = String::from_utf8(quarantine).expect("utf-8");
    assert!(text.starts_with("row,line,reason,record\n"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("6,8,")).count(), 1);

    // Running it again changes nothing, and says so.
    let again = ingest(
        &app,
        dir.path(),
        &p,
        Entity::OrderLines,
        "ugly.csv",
        UGLY.as_bytes(),
    )
    .await;
    assert_eq!(counts(&again), (10, 0, 4, 6));
    // The same export in Latin-1 (without the mark) reads identically.
    let latin = cp1252(UGLY.trim_start_matches('\u{feff}'));
    let latin = ingest(
        &app,
        dir.path(),
        &p,
        Entity::OrderLines,
        "latin.csv",
        &latin,
    )
    .await;
    assert_eq!(counts(&latin), (10, 0, 4, 6));
}

#[tokio::test]
async fn an_unreadable_file_is_refused_with_the_reason_and_writes_nothing() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("folder");
    for (name, bytes, reason) in [
        ("empty.csv", &b""[..], "the file is empty"),
        (
            "columns.csv",
            &b"VBELN;POSNR\r\n1;10\r\n"[..],
            "required columns are missing: MATNR (for sku)",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("file");
        let e = ingest_file(&app.local, &sap(), "sap", Entity::OrderLines, &path, false)
            .await
            .expect_err("refused");
        assert!(format!("{e:#}").contains(reason), "{e:#}");
    }
    let reports = app
        .local
        .ingest_bucket()
        .list("reports/")
        .await
        .expect("list");
    assert!(reports.is_empty(), "{reports:?}");
}

fn lines_file(version: &str, quantity: u32, orders: std::ops::Range<u32>, line: u32) -> String {
    let mut text = String::from("order_id,line_no,sku,quantity,unit_price,version\n");
    for o in orders {
        text.push_str(&format!(
            "SO-9{o:04},{line},HYD-HOSE-10,{quantity},1.5,{version}\n"
        ));
    }
    text
}

#[tokio::test]
async fn replayed_and_out_of_order_files_never_overwrite_newer_data() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("folder");
    let generic = Profile::builtin("generic").expect("built in");
    let header = "order_id,account_id,po_number,division,currency,order_date,status,net,version\n\
                  SO-90000,ACC-A,PO 9,HYD,EUR,2025-11-20,received,15,2025-11-20T08:00:00Z\n";
    ingest(
        &app,
        dir.path(),
        &generic,
        Entity::Orders,
        "h.csv",
        header.as_bytes(),
    )
    .await;
    let newer = lines_file("2025-11-22T08:00:00Z", 7, 0..1, 1);
    let older = lines_file("2025-11-21T08:00:00Z", 3, 0..1, 1);
    let first = ingest(
        &app,
        dir.path(),
        &generic,
        Entity::OrderLines,
        "new.csv",
        newer.as_bytes(),
    )
    .await;
    assert_eq!(counts(&first), (1, 1, 0, 0));
    let late = ingest(
        &app,
        dir.path(),
        &generic,
        Entity::OrderLines,
        "old.csv",
        older.as_bytes(),
    )
    .await;
    assert_eq!(
        counts(&late),
        (1, 0, 1, 0),
        "the older file arrived late: it changes nothing"
    );
    let replay = ingest(
        &app,
        dir.path(),
        &generic,
        Entity::OrderLines,
        "new.csv",
        newer.as_bytes(),
    )
    .await;
    assert_eq!(counts(&replay), (1, 0, 1, 0));
    let order = app.get(A_BUYER, "/orders/SO-90000").await;
    assert_eq!(
        number(&order.body["lines"][0]["quantity"]),
        7.0,
        "{}",
        order.text
    );
}

#[tokio::test]
async fn overlapping_ingests_at_the_same_time_lose_nothing() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("folder");
    let generic = Profile::builtin("generic").expect("built in");
    let mut headers =
        String::from("order_id,account_id,po_number,division,currency,order_date,status,net\n");
    for o in 0..120 {
        headers.push_str(&format!(
            "SO-9{o:04},ACC-A,PO {o},HYD,EUR,2025-11-20,received,10\n"
        ));
    }
    ingest(
        &app,
        dir.path(),
        &generic,
        Entity::Orders,
        "h.csv",
        headers.as_bytes(),
    )
    .await;
    // Two files with different lines of the same orders, ingested at once.
    let (one, two) = (dir.path().join("one.csv"), dir.path().join("two.csv"));
    std::fs::write(&one, lines_file("2025-11-22T08:00:00Z", 1, 0..120, 1)).expect("file");
    std::fs::write(&two, lines_file("2025-11-22T08:00:00Z", 2, 0..120, 2)).expect("file");
    let g = &generic;
    let (a, b) = tokio::join!(
        ingest_file(&app.local, g, "generic", Entity::OrderLines, &one, false),
        ingest_file(&app.local, g, "generic", Entity::OrderLines, &two, false),
    );
    let (a, b) = (a.expect("one").0, b.expect("two").0);
    assert_eq!(counts(&a), (120, 120, 0, 0));
    assert_eq!(counts(&b), (120, 120, 0, 0));
    for o in [0, 57, 119] {
        let order = app.get(A_BUYER, &format!("/orders/SO-9{o:04}")).await;
        assert_eq!(order.body["line_count"], 2, "{}", order.text);
    }
}

#[tokio::test]
async fn a_100_mb_export_streams_through_with_every_row_counted() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("folder");
    let generic = Profile::builtin("generic").expect("built in");
    // 100 MB of order lines with long texts, 25 lines an order; every 1,000th row is broken.
    let path = dir.path().join("big.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("file"));
    use std::io::Write;
    writeln!(file, "order_id,line_no,sku,description,quantity,unit_price").expect("write");
    let text = "x".repeat(1_000);
    let mut rows = 0u64;
    let mut bad = 0u64;
    let mut written = 0usize;
    while written < 100 * 1024 * 1024 {
        let (order, line) = (rows / 25, rows % 25 + 1);
        let quantity = if rows % 1_000 == 999 { "many" } else { "2" };
        bad += u64::from(quantity == "many");
        let row = format!("SO-B{order:06},{line},HYD-HOSE-10,\"{text}\",{quantity},1.25\n");
        written += row.len();
        file.write_all(row.as_bytes()).expect("write");
        rows += 1;
    }
    drop(file);
    let (outcome, _) = ingest_file(
        &app.local,
        &generic,
        "generic",
        Entity::OrderLines,
        &path,
        false,
    )
    .await
    .expect("ingested");
    assert_eq!(counts(&outcome), (rows, rows - bad, 0, bad));
    assert!(outcome.report.counts_add_up);
    assert_eq!(outcome.quarantined.len() as u64, bad);
    assert_eq!(outcome.quarantined[0].row, 1_000);
    assert_eq!(
        outcome.quarantined[0].reason,
        "quantity: \"many\" is not a number such as -1234.56"
    );
}

/// SAP-like item rows with every field sometimes wrong, some rows cut short, some texts quoted
/// across lines.
fn messy_rows() -> impl proptest::strategy::Strategy<Value = Vec<String>> {
    use proptest::prelude::*;
    let row = (
        prop_oneof!["0000[0-9]{1,2}", Just(String::new())],
        prop_oneof!["[0-9]{1,3}", Just("x".to_owned())],
        prop_oneof!["hyd-[0-9]", Just(String::new()), Just("a#b".to_owned())],
        prop_oneof![
            "[ -~]{0,6}",
            Just("\"two;\r\nlines\"".to_owned()),
            Just("rød".to_owned())
        ],
        prop_oneof![
            "[0-9]{1,4}(,[0-9]{1,3})?",
            Just("abc".to_owned()),
            Just("1.2.3".to_owned())
        ],
        prop_oneof![Just("ST"), Just("KG"), Just("XX")],
        prop_oneof!["[0-9]{1,3},[0-9]{2}-?", Just(String::new())],
        prop_oneof![Just("A"), Just("B"), Just("Z")],
        prop_oneof!["2025112[0-9]", Just("20251341".to_owned())],
        0usize..14,
    )
        .prop_map(
            |(vbeln, posnr, matnr, text, qty, unit, price, status, date, cut)| {
                let fields = [
                    vbeln,
                    posnr,
                    matnr,
                    text,
                    qty,
                    unit.to_owned(),
                    price,
                    String::new(),
                    status.to_owned(),
                    String::new(),
                    date,
                    "101500".to_owned(),
                ];
                fields[..cut.clamp(1, 12)].join(";")
            },
        );
    proptest::collection::vec(row, 0..30)
}

#[test]
fn for_any_export_every_row_read_is_loaded_unchanged_or_quarantined() {
    use proptest::test_runner::{Config, TestRunner};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let app = runtime.block_on(spawn_app());
    let dir = tempfile::tempdir().expect("folder");
    let profile = sap();
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    runner
        .run(&messy_rows(), |rows| {
            let mut text =
                "VBELN;POSNR;MATNR;ARKTX;KWMENG;VRKME;NETPR;NETWR;PSTAT;CHARG;AEDAT;AEZET\r\n"
                    .to_owned();
            text.push_str(&rows.join("\r\n"));
            let outcome = runtime.block_on(ingest(
                &app,
                dir.path(),
                &profile,
                Entity::OrderLines,
                "messy.csv",
                &cp1252(&text),
            ));
            let c = outcome.report.counts;
            proptest::prop_assert_eq!(c.loaded + c.unchanged + c.quarantined, c.rows_read);
            proptest::prop_assert_eq!(outcome.quarantined.len() as u64, c.quarantined);
            proptest::prop_assert!(c.rows_read <= rows.len() as u64);
            Ok(())
        })
        .expect("the counts add up for every file");
}

use ingest_files::notification;

#[tokio::test]
async fn the_ingest_function_takes_dropped_exports_and_sets_unreadable_ones_aside() {
    use ingest_files::Handled;
    let app = spawn_app().await;
    let function = app.ingest_function();
    let inbox = app.local.ingest_bucket();
    let bucket = inbox.bucket().to_owned();
    let drop = |key: &'static str, bytes: Vec<u8>| {
        let inbox = inbox.clone();
        async move {
            inbox.put(key, "text/csv", bytes).await.expect("dropped");
            key
        }
    };
    let pdf = drop(
        "incoming/sap/documents/LS_80000001.pdf",
        b"%PDF-1.4 ls".to_vec(),
    )
    .await;
    let handled = function
        .handle(&notification(&bucket, pdf))
        .await
        .expect("handled");
    assert_eq!(
        handled,
        vec![Handled::Attachment {
            key: pdf.to_owned()
        }]
    );
    drop(
        "incoming/sap/documents/INV_90000001.pdf",
        b"%PDF-1.4 inv".to_vec(),
    )
    .await;

    for (key, text) in [
        ("incoming/sap/orders/VBAK 24.11.csv", VBAK),
        ("incoming/sap/order-lines/VBAP.csv", VBAP),
        ("incoming/sap/documents/DOCS.csv", DOCS),
    ] {
        let key = drop(key, cp1252(text)).await;
        let handled = function
            .handle(&notification(&bucket, key))
            .await
            .expect("handled");
        let Handled::Ingested { report, .. } = &handled[0] else {
            panic!("{handled:?}");
        };
        assert_eq!(report.counts.quarantined, 0, "{key}: {report:?}");
        assert!(report.counts.loaded > 0, "{key}: {report:?}");
    }
    let order = app.get(A_BUYER, "/orders/SO-500001").await;
    assert_eq!(order.body["line_count"], 2, "{}", order.text);
    let documents = app.get(A_BUYER, "/orders/SO-500001/documents").await;
    assert_eq!(documents.ids().len(), 2, "{}", documents.text);
    let report = inbox
        .get("reports/sap/orders/VBAK 24.11.csv.report.json")
        .await
        .expect("the report is beside the others");
    assert!(String::from_utf8_lossy(&report).contains("\"loaded\": 1"));
    let vbak = "incoming/sap/orders/VBAK 24.11.csv";
    // Only the local drop watcher asks whether a file was reported (the Lambda function is
    // started once per object), so this is not one of the function's calls in AWS.
    let local_function = app.local.ingest_function();
    assert!(
        local_function.reported(vbak).await.expect("head"),
        "its report is of these contents"
    );
    inbox
        .put(vbak, "text/csv", cp1252(&VBAK.replace("E0002", "E0003")))
        .await
        .expect("rewritten");
    assert!(
        !local_function.reported(vbak).await.expect("head"),
        "new contents, no report yet"
    );

    // A file without the columns its profile needs, and one of an unknown source.
    let broken = drop(
        "incoming/sap/orders/broken.csv",
        b"VBELN;KUNNR\r\n1;2\r\n".to_vec(),
    )
    .await;
    let handled = function
        .handle(&notification(&bucket, broken))
        .await
        .expect("handled");
    let Handled::SetAside {
        moved_to, reason, ..
    } = &handled[0]
    else {
        panic!("{handled:?}");
    };
    assert_eq!(moved_to, "failed/sap/orders/broken.csv");
    assert!(reason.contains("required columns are missing"), "{reason}");
    assert!(
        inbox.get_if_exists(broken).await.expect("s3").is_none(),
        "moved, not copied"
    );
    assert!(inbox.get_if_exists(moved_to).await.expect("s3").is_some());
    let why = inbox
        .get("failed/sap/orders/broken.csv.reason.txt")
        .await
        .expect("the reason is beside it");
    assert!(String::from_utf8_lossy(&why).contains("required columns are missing"));

    let unknown = drop("incoming/erp9/orders/x.csv", cp1252(VBAK)).await;
    let handled = function
        .handle(&notification(&bucket, unknown))
        .await
        .expect("handled");
    assert!(
        matches!(&handled[0], Handled::SetAside { reason, .. } if reason.contains("no mapping profile for source \"erp9\"")),
        "{handled:?}"
    );
    // Another bucket's or another folder's objects are not ingest's.
    let other = function
        .handle(&notification(
            "another-bucket",
            "incoming/sap/orders/VBAK.csv",
        ))
        .await
        .expect("handled");
    assert!(matches!(&other[0], Handled::Ignored { .. }), "{other:?}");
}

/// The watcher's next line, within 20 seconds.
async fn next_line(said: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(20), said.recv())
        .await
        .expect("ingested within seconds")
        .expect("a line")
}

#[tokio::test]
async fn exports_copied_into_the_local_ingest_folder_show_up_while_the_portal_runs() {
    let app = spawn_app().await;
    let inbox = app.local.ingest_bucket();
    let (tx, mut said) = tokio::sync::mpsc::unbounded_channel();
    let watcher = tokio::spawn(portal_local::drops::watch(
        app.local.ingest_function(),
        move |line| {
            let _ = tx.send(line);
        },
    ));
    inbox
        .put("incoming/sap/orders/VBAK.csv", "text/csv", cp1252(VBAK))
        .await
        .expect("dropped");
    let line = next_line(&mut said).await;
    assert_eq!(
        line,
        "VBAK.csv: 1 rows read, 1 loaded, 0 unchanged, 0 quarantined"
    );
    let order = app.get(A_BUYER, "/orders/SO-500001").await;
    assert_eq!(order.status, 200, "{}", order.text);
    // The same file is not taken again; a changed one is (of a new size: the local folder's
    // listing tells versions apart by size and time, to the second).
    let changed = VBAK
        .replace("PO-Ölmühle-7781;", "PO-Ölmühle-7781-B;")
        .replace(
            "E0002;1.183,50;224,87;;20251124;101500",
            "E0006;1.183,50;224,87;;20251126;090000",
        );
    inbox
        .put("incoming/sap/orders/VBAK.csv", "text/csv", cp1252(&changed))
        .await
        .expect("dropped again");
    let line = next_line(&mut said).await;
    assert_eq!(
        line,
        "VBAK.csv: 1 rows read, 1 loaded, 0 unchanged, 0 quarantined"
    );
    let order = app.get(A_BUYER, "/orders/SO-500001").await;
    assert_eq!(order.body["status"], "delivered", "{}", order.text);
    watcher.abort();
}

#[tokio::test]
async fn an_order_cancelled_after_ingest_leaves_the_demand_the_analytics_job_reads() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("folder");
    let generic = Profile::builtin("generic").expect("built in");
    let header = "order_id,account_id,po_number,division,currency,order_date,status,net,version\n\
                  SO-77,ACC-A,PO 77,HYD,EUR,2025-11-20,confirmed,15,2025-11-20T08:00:00Z\n\
                  SO-78,ACC-A,PO 78,HYD,EUR,2025-11-21,confirmed,15,2025-11-21T08:00:00Z\n";
    let lines = "order_id,line_no,sku,quantity,unit_price\nSO-77,1,HYD-PUMP-20,4,2\nSO-78,1,HYD-HOSE-10,6,2\n";
    ingest(
        &app,
        dir.path(),
        &generic,
        Entity::Orders,
        "h.csv",
        header.as_bytes(),
    )
    .await;
    ingest(
        &app,
        dir.path(),
        &generic,
        Entity::OrderLines,
        "l.csv",
        lines.as_bytes(),
    )
    .await;
    let skus = |lake: &analytics::input::OrderLines| {
        let mut skus: Vec<String> = lake
            .lines
            .iter()
            .map(|l| lake.skus[l.sku as usize].clone())
            .collect();
        skus.sort();
        skus
    };
    let before = app.local.job().read_orders().await.expect("lake");
    assert_eq!(skus(&before), vec!["HYD-HOSE-10", "HYD-PUMP-20"]);
    let cancel = "order_id,status,at\nSO-77,cancelled,2025-11-22T09:00:00Z\n";
    let outcome = ingest(
        &app,
        dir.path(),
        &generic,
        Entity::OrderStatus,
        "s.csv",
        cancel.as_bytes(),
    )
    .await;
    assert_eq!(counts(&outcome), (1, 1, 0, 0));
    assert_eq!(outcome.report.lake_objects, 1);
    let after = app.local.job().read_orders().await.expect("lake");
    assert_eq!(
        skus(&after),
        vec!["HYD-HOSE-10"],
        "the cancelled order is no demand"
    );
}

#[tokio::test]
async fn a_corrected_document_file_is_served_and_an_older_one_never_replaces_it() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("folder");
    let generic = Profile::builtin("generic").expect("built in");
    let row = |version: &str| {
        format!(
            "document_id,kind,title,file,issued_on,account_id,version\n\
             DOC-FIX-1,delivery-note,Delivery note 1,note.pdf,2025-11-20,{ACCOUNT_A},{version}\n"
        )
    };
    let served = || async {
        let link = app.get(A_BUYER, "/documents/DOC-FIX-1/download").await;
        assert_eq!(link.status, 200, "{}", link.text);
        app.fetch(link.body["url"].as_str().expect("url")).await.1
    };
    for (content, version, verdict) in [
        (&b"%PDF-1.4 first"[..], "2025-11-20T08:00:00Z", (1, 1, 0, 0)),
        // The same size, other bytes: a corrected file is a change of its own.
        (b"%PDF-1.4 fixed", "2025-11-21T08:00:00Z", (1, 1, 0, 0)),
        // An older export's file never replaces the newer one.
        (b"%PDF-1.4 stale", "2025-11-19T08:00:00Z", (1, 0, 1, 0)),
    ] {
        std::fs::write(dir.path().join("note.pdf"), content).expect("file");
        let outcome = ingest(
            &app,
            dir.path(),
            &generic,
            Entity::Documents,
            "docs.csv",
            row(version).as_bytes(),
        )
        .await;
        assert_eq!(
            counts(&outcome),
            verdict,
            "{version}: {:?}",
            outcome.quarantined
        );
    }
    assert_eq!(served().await, b"%PDF-1.4 fixed".to_vec());
}

#[tokio::test]
async fn a_replaced_document_file_is_removed_and_one_brought_back_is_stored_anew() {
    let app = spawn_app().await;
    let function = app.ingest_function();
    let inbox = app.local.ingest_bucket();
    let bucket = inbox.bucket().to_owned();
    let documents = Lake::new(
        portal_local::clients::s3(&app.local.emulators.s3_endpoint),
        portal_local::server::DOCUMENTS_BUCKET,
    );
    let mut objects = Vec::new();
    for (content, version, loaded) in [
        (&b"%PDF-1.4 first"[..], "2025-11-20T08:00:00Z", 1),
        (b"%PDF-1.4 second", "2025-11-21T08:00:00Z", 1),
        // The first file again: an object of its own, not the one just removed.
        (b"%PDF-1.4 first", "2025-11-22T08:00:00Z", 1),
        // A re-run of that file changes nothing.
        (b"%PDF-1.4 first", "2025-11-22T08:00:00Z", 0),
    ] {
        let pdf = "incoming/generic/documents/swap.pdf";
        inbox
            .put(pdf, "application/pdf", content.to_vec())
            .await
            .expect("dropped");
        let export = "incoming/generic/documents/docs.csv";
        let row = format!(
            "document_id,kind,title,file,issued_on,account_id,version\n\
             DOC-SWAP-1,delivery-note,Delivery note,swap.pdf,2025-11-20,{ACCOUNT_A},{version}\n"
        );
        inbox
            .put(export, "text/csv", row.into_bytes())
            .await
            .expect("dropped");
        let handled = function
            .handle(&notification(&bucket, export))
            .await
            .expect("handled");
        let ingest_files::Handled::Ingested { report, .. } = &handled[0] else {
            panic!("{handled:?}");
        };
        assert_eq!(report.counts.loaded, loaded, "{version}: {report:?}");
        let now = documents
            .list("documents/DOC-SWAP-1")
            .await
            .expect("listed");
        assert_eq!(
            now.len(),
            1,
            "{version}: only the current file is kept: {now:?}"
        );
        objects.push(now[0].clone());
        let link = app.get(A_BUYER, "/documents/DOC-SWAP-1/download").await;
        assert_eq!(link.status, 200, "{}", link.text);
        let body = app.fetch(link.body["url"].as_str().expect("url")).await.1;
        assert_eq!(body, content.to_vec(), "{version}");
    }
    assert_ne!(objects[0], objects[2], "a file brought back is stored anew");
    assert_eq!(objects[2], objects[3]);
}
