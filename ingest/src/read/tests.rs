//! Reading's tests: encodings, quoted newlines, bad rows and their reasons, broken inputs,
//! JSON lines and versions.

use super::*;
use crate::entity::Update;
use chrono::TimeZone;

fn fallback() -> Arrival {
    let at = chrono::Utc
        .with_ymd_and_hms(2025, 12, 1, 0, 0, 0)
        .single()
        .expect("time");
    Arrival::new(at, "the file")
}

fn read(profile: &Profile, entity: Entity, bytes: &[u8]) -> Vec<SourceRow> {
    csv_rows(
        std::io::Cursor::new(bytes.to_vec()),
        profile,
        entity,
        fallback(),
    )
    .expect("readable")
    .collect()
}

fn sap() -> Profile {
    Profile::builtin("sap").expect("built in")
}

fn line(row: &SourceRow) -> portal_domain::model::OrderLine {
    match &row.parsed {
        Ok((Update::OrderLine { line, .. }, _)) => line.clone(),
        other => panic!("row {}: {other:?}", row.row),
    }
}

const VBAP: &str = "VBELN;POSNR;MATNR;ARKTX;KWMENG;VRKME;NETPR;NETWR;PSTAT;CHARG;AEDAT;AEZET\r\n";

#[test]
fn latin_1_and_utf_8_with_a_bom_read_the_same() {
    let text = format!(
        "{VBAP}0000500001;000010;hyd-1;Rørkobling Ø12 – å;1.234,500;ST;0,50;617,25;B;;20251124;101500\r\n"
    );
    let (latin, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend(text.as_bytes());
    let a = line(&read(&sap(), Entity::OrderLines, &latin)[0]);
    let b = line(&read(&sap(), Entity::OrderLines, &with_bom)[0]);
    assert_eq!(a, b);
    assert_eq!(a.description, "Rørkobling Ø12 – å");
    assert_eq!(a.quantity, rust_decimal::Decimal::new(1_234_500, 3));
    assert_eq!(
        a.sku.as_str(),
        "HYD-1",
        "the profile upper-cases material numbers"
    );
    assert_eq!(a.line_no, 10);
    assert_eq!(a.unit, "pcs", "ST is pieces");
}

#[test]
fn quoted_newlines_stay_inside_their_field_and_rows_know_their_line() {
    let text = format!(
        "{VBAP}0000500001;10;A-1;\"two\r\nlines; and \"\"quotes\"\"\";1;ST;1,00;1,00;A;;20251124;101500\r\n0000500001;20;A-2;next;1;ST;1,00;1,00;A;;20251124;101500\r\n"
    );
    let rows = read(&sap(), Entity::OrderLines, text.as_bytes());
    assert_eq!(rows.len(), 2);
    assert_eq!(line(&rows[0]).description, "two\nlines; and \"quotes\"");
    assert_eq!((rows[0].row, rows[0].line), (1, 2));
    assert_eq!((rows[1].row, rows[1].line), (2, 4));
}

#[test]
fn bad_rows_carry_their_reason_and_the_rest_still_read() {
    let text = format!(
        "{VBAP}\
         0000500001;10;A-1;ok;1;ST;1,00;1,00;A;;20251124;101500\r\n\
         0000500001;20;A-2;qty;zwölf;ST;1,00;1,00;A;;20251124;101500\r\n\
         0000500001;30;A-3;code;1;ST;1,00;1,00;Z;;20251124;101500\r\n\
         0000500001;40;A-4;date;1;ST;1,00;1,00;A;;20251324;101500\r\n\
         ;50;A-5;no order;1;ST;1,00;1,00;A;;20251124;101500\r\n\
         ;;;;;;;;;;;\r\n\
         0000500001;60;A-6;ok too;2;KG;1,00;2,00;A;;20251124;101500\r\n\
         0000500001;70;A-7;cut"
    );
    let rows = read(
        &sap(),
        Entity::OrderLines,
        &encoding_rs::WINDOWS_1252.encode(&text).0,
    );
    let reasons: Vec<String> = rows
        .iter()
        .map(|r| match &r.parsed {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.0.clone(),
        })
        .collect();
    assert_eq!(reasons[0], "ok");
    assert_eq!(
        reasons[1],
        "quantity: \"zwölf\" is not a number such as -1.234,56"
    );
    assert!(
        reasons[2].starts_with("status: code \"Z\" is not in the profile's table item_status"),
        "{}",
        reasons[2]
    );
    assert!(
        reasons[3].starts_with("version: \"20251324 101500\" is not a date-time"),
        "{}",
        reasons[3]
    );
    assert_eq!(reasons[4], "order_id: missing (the field is required)");
    assert_eq!(reasons[5], "the row is empty");
    assert_eq!(reasons[6], "ok");
    assert_eq!(
        reasons[7],
        "has 4 fields where the header has 12 (a truncated or broken line?)"
    );
    assert_eq!(rows[7].raw, "0000500001;70;A-7;cut");
    assert_eq!(rows.len(), 8);
}

#[test]
fn a_line_beyond_the_bounds_quarantines_its_row_not_the_file() {
    let generic = Profile::builtin("generic").expect("built in");
    let text = "order_id,line_no,sku,quantity,unit_price\nSO-1,1,A,100000000000000000,1000000000000\nSO-1,2,A,1,1\nSO-1,3,A,1000000000,1000000000000\n";
    let rows = read(&generic, Entity::OrderLines, text.as_bytes());
    let e = rows[0].parsed.as_ref().expect_err("too many units");
    assert_eq!(
        e.0,
        "quantity: 100000000000000000 is beyond the largest quantity ingest takes \
         (±1,000,000,000)"
    );
    assert!(rows[1].parsed.is_ok());
    let e = rows[2].parsed.as_ref().expect_err("too large a value");
    assert!(e.0.starts_with("line_total: "), "{}", e.0);
}

#[test]
fn a_failing_input_marks_its_row_broken_and_ends_the_rows() {
    struct Failing(std::io::Cursor<Vec<u8>>);
    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(std::io::Error::other("connection reset")),
                n => Ok(n),
            }
        }
    }
    let generic = Profile::builtin("generic").expect("built in");
    let text = b"order_id,line_no,sku,quantity,unit_price\nSO-1,1,A,1,1\nSO-1,2,A,1".to_vec();
    let rows: Vec<SourceRow> = csv_rows(
        Failing(std::io::Cursor::new(text)),
        &generic,
        Entity::OrderLines,
        fallback(),
    )
    .expect("readable")
    .collect();
    assert!(!rows[0].broken);
    assert!(rows.last().is_some_and(|r| r.broken), "{rows:?}");
}

#[test]
fn invalid_utf_8_is_named_not_mangled() {
    let generic = Profile::builtin("generic").expect("built in");
    let mut bytes = b"order_id,line_no,sku,quantity,unit_price\nSO-1,1,A,1,1\nSO-1,2,".to_vec();
    bytes.extend(b"B\xF8,1,1\n");
    let rows = read(&generic, Entity::OrderLines, &bytes);
    assert!(rows[0].parsed.is_ok());
    let e = rows[1].parsed.as_ref().expect_err("bad bytes");
    assert!(e.0.contains("not valid UTF-8"), "{e}");
}

#[test]
fn a_file_without_a_required_column_cannot_be_read_and_says_which() {
    let text = "VBELN;POSNR;MATNR\r\n1;10;A\r\n";
    let e = csv_rows(
        std::io::Cursor::new(text),
        &sap(),
        Entity::OrderLines,
        fallback(),
    )
    .err()
    .expect("unreadable");
    let OpenError::Unreadable(e) = e else {
        panic!("{e:?}")
    };
    assert!(e.0.contains("KWMENG (for quantity)"), "{e}");
    assert!(e.0.contains("the header has: VBELN, POSNR, MATNR"), "{e}");
    let e = csv_rows(
        std::io::Cursor::new(""),
        &sap(),
        Entity::OrderLines,
        fallback(),
    )
    .err()
    .expect("empty");
    assert_eq!(
        e,
        OpenError::Unreadable(FileError("the file is empty: no header row".into()))
    );
}

#[test]
fn a_header_the_input_fails_to_deliver_is_worth_a_retry_not_unreadable() {
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("connection reset"))
        }
    }
    let e = rows(Broken, "VBAP.csv", &sap(), Entity::OrderLines, fallback())
        .err()
        .expect("no header");
    assert!(
        matches!(&e, OpenError::Input(m) if m.contains("connection reset")),
        "{e:?}"
    );
}

#[test]
fn json_lines_take_canonical_fields_and_refuse_unknown_ones() {
    let text = "{\"order_id\":\"SO-1\",\"line_no\":1,\"sku\":\"A\",\"quantity\":2.5,\"unit_price\":\"4\"}\n\n{\"order_id\":\"SO-1\",\"colour\":\"red\"}\nnot json\n";
    let rows: Vec<SourceRow> =
        json_rows(std::io::Cursor::new(text), Entity::OrderLines, fallback()).collect();
    assert_eq!(rows.len(), 3, "the blank line is no row");
    assert_eq!(
        line(&rows[0]).line_total,
        rust_decimal::Decimal::new(1000, 2)
    );
    let e = rows[1].parsed.as_ref().expect_err("unknown field");
    assert!(e.0.starts_with("colour: not a field of order-lines"), "{e}");
    assert_eq!(rows[2].line, 4);
    assert!(
        rows[2]
            .parsed
            .as_ref()
            .expect_err("not json")
            .0
            .starts_with("is not JSON")
    );
}

#[test]
fn negative_ordered_quantities_are_quarantined_in_every_format() {
    let text = format!(
        "{VBAP}0000500001;10;A-1;back;5,000-;ST;1,00;5,00-;A;;20251124;101500\r\n\
         0000500001;20;A-2;none;0,000-;ST;1,00;0,00;A;;20251124;101500\r\n"
    );
    let rows = read(&sap(), Entity::OrderLines, text.as_bytes());
    let e = rows[0].parsed.as_ref().expect_err("negative");
    assert!(e.0.starts_with("quantity: -5.000 is negative"), "{e}");
    assert!(rows[1].parsed.is_ok(), "a zero quantity is a line");
    let json = "{\"order_id\":\"SO-1\",\"line_no\":1,\"sku\":\"A\",\"quantity\":-3,\"unit_price\":\"4\"}\n";
    let rows: Vec<SourceRow> =
        json_rows(std::io::Cursor::new(json), Entity::OrderLines, fallback()).collect();
    let e = rows[0].parsed.as_ref().expect_err("negative");
    assert!(e.0.starts_with("quantity: -3 is negative"), "{e}");
}

#[test]
fn an_account_without_divisions_is_quarantined() {
    let json = "{\"account_id\":\"A\",\"name\":\"A Oy\",\"divisions\":[],\"currency\":\"EUR\"}\n\
                {\"account_id\":\"B\",\"name\":\"B Oy\",\"divisions\":[\"HYD\"],\"currency\":\"EUR\"}\n";
    let rows: Vec<SourceRow> =
        json_rows(std::io::Cursor::new(json), Entity::Accounts, fallback()).collect();
    let e = rows[0].parsed.as_ref().expect_err("no divisions");
    assert!(
        e.0.starts_with("divisions: an account buys from at least one"),
        "{e}"
    );
    assert!(rows[1].parsed.is_ok());
}

#[test]
fn a_version_more_than_a_day_ahead_of_the_rows_arrival_is_refused() {
    let row = |version: &str| {
        format!(
            "{{\"order_id\":\"SO-1\",\"status\":\"shipped\",\"at\":\"2025-11-30T08:00:00Z\",\"version\":\"{version}\"}}\n"
        )
    };
    // The rows arrive at `fallback()`, 2025-12-01T00:00:00Z.
    let text = [
        row("9999-12-31T00:00:00Z"),
        row("2025-12-02T00:00:01Z"),
        row("2025-12-02T00:00:00Z"),
    ]
    .concat();
    let rows: Vec<SourceRow> =
        json_rows(std::io::Cursor::new(text), Entity::OrderStatus, fallback()).collect();
    let e = rows[0].parsed.as_ref().expect_err("infinity");
    assert!(
        e.0.starts_with("version: 9999-12-31T00:00:00.000Z is in the future"),
        "{e}"
    );
    assert!(rows[1].parsed.is_err(), "a second past a day ahead");
    assert!(rows[2].parsed.is_ok(), "a day ahead is within the skew");
    let event = "{\"order_id\":\"SO-1\",\"status\":\"shipped\",\"at\":\"2030-01-01T00:00:00Z\"}\n";
    let rows: Vec<SourceRow> =
        json_rows(std::io::Cursor::new(event), Entity::OrderStatus, fallback()).collect();
    let e = rows[0]
        .parsed
        .as_ref()
        .expect_err("an event time versions its row");
    assert!(
        e.0.starts_with("at: 2030-01-01T00:00:00.000Z is in the future"),
        "{e}"
    );
}

#[test]
fn rows_after_blank_lines_are_reported_on_their_own_line() {
    // A header, two empty lines, then a row with a bad date: the row is on line 4.
    for end in ["\n", "\r\n", ""] {
        let text = format!(
            "{VBAP}\r\n\r\n0000500001;10;A-1;x;1;ST;1,00;1,00;A;;20251324;101500\r\n\n\n\
             0000500001;20;A-2;\"two\nlines\";1;ST;1,00;1,00;A;;20251124;101500\n\
             0000500001;30;A-3;y;1;ST;1,00;1,00;A;;20251124;101500{end}"
        );
        let rows = read(&sap(), Entity::OrderLines, text.as_bytes());
        assert_eq!(rows.len(), 3, "{end:?}");
        assert!(rows[0].parsed.is_err());
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [4, 7, 9], "{end:?}");
    }
}
