"""schemathesis hooks for the fuzz run (scripts/fuzz.sh): rows the push API can load.

openapi.yaml says only that a pushed row is an object, since its fields depend on the entity in
the path; rows generated from that are quarantined at their first unknown key and never reach the
merge or the table. So three in four push cases get rows of the entity in their path instead:
its canonical fields (docs/ingest.md), each one a plausible value (the served data's own ids
most of the time) or one that an ERP does send and a parser or a store might not expect (a word
over 1 KB, an amount near the decimal limit, a negative quantity, a version in the year 9999,
text that is not a date), and a fresh Idempotency-Key. Every such push must still answer as
documented, never with a 5xx; the roles that run after the machine user then read what it loaded.
"""

import datetime
import itertools
import os
import tomllib
import uuid

import schemathesis
from hypothesis import strategies as st

IDENTIFIER, TEXT, NUMBER, DATE, DATETIME, LIST, WHOLE = "id", "text", "number", "date", "datetime", "list", "whole"


def enum(*values):
    return ("enum", values)


ORDER_STATUS = enum("received", "confirmed", "in-production", "partially-shipped", "shipped", "delivered", "invoiced", "cancelled")
SHIPMENT_STATUS = enum("booked", "picked-up", "in-transit", "out-for-delivery", "delivered", "exception")

# Per entity: field -> (kind, required). The demo's accounts, orders and products are among the
# identifiers drawn, so rows also update records that the readers' tokens see.
ENTITIES = {
    "accounts": {"account_id": (IDENTIFIER, True), "name": (TEXT, True), "divisions": (LIST, True),
                 "currency": (IDENTIFIER, True), "account_managers": (LIST, False)},
    "users": {"user_id": (IDENTIFIER, True), "name": (TEXT, True), "email": (TEXT, True),
              "role": (enum("viewer", "buyer", "approver", "account-admin"), True), "account_id": (IDENTIFIER, True)},
    "products": {"sku": (IDENTIFIER, True), "name": (TEXT, True), "description": (TEXT, False),
                 "division": (IDENTIFIER, True), "unit": (TEXT, False), "pack_size": (NUMBER, False)},
    "orders": {"order_id": (IDENTIFIER, True), "account_id": (IDENTIFIER, True), "po_number": (TEXT, True),
               "division": (IDENTIFIER, True), "currency": (IDENTIFIER, True), "order_date": (DATE, True),
               "requested_delivery": (DATE, False), "confirmed_delivery": (DATE, False), "status": (ORDER_STATUS, True),
               "net": (NUMBER, True), "tax": (NUMBER, False), "gross": (NUMBER, False), "ship_to": (TEXT, False)},
    "order-lines": {"order_id": (IDENTIFIER, True), "line_no": (WHOLE, True), "sku": (IDENTIFIER, True),
                    "description": (TEXT, False), "quantity": (NUMBER, True), "unit": (TEXT, False),
                    "unit_price": (NUMBER, True), "line_total": (NUMBER, False),
                    "status": (enum("open", "confirmed", "shipped", "delivered", "cancelled"), False),
                    "batch": (IDENTIFIER, False)},
    "order-status": {"order_id": (IDENTIFIER, True), "status": (ORDER_STATUS, True), "at": (DATETIME, True),
                     "note": (TEXT, False)},
    "shipments": {"shipment_id": (IDENTIFIER, True), "order_id": (IDENTIFIER, True), "account_id": (IDENTIFIER, True),
                  "carrier": (TEXT, True), "tracking_number": (IDENTIFIER, True), "status": (SHIPMENT_STATUS, True),
                  "shipped_on": (DATE, True), "eta": (DATE, False), "delivered_at": (DATETIME, False),
                  "lines": (LIST, False)},
    "tracking-events": {"shipment_id": (IDENTIFIER, True), "at": (DATETIME, True), "status": (SHIPMENT_STATUS, True),
                        "place": (TEXT, False), "description": (TEXT, False)},
    "invoices": {"invoice_id": (IDENTIFIER, True), "account_id": (IDENTIFIER, True),
                 "kind": (enum("invoice", "credit-note"), False), "order_id": (IDENTIFIER, False),
                 "credits_invoice": (IDENTIFIER, False), "issue_date": (DATE, True), "due_date": (DATE, True),
                 "currency": (IDENTIFIER, True), "net": (NUMBER, True), "tax": (NUMBER, False), "gross": (NUMBER, False),
                 "payment": (enum("unpaid", "paid"), False), "paid_on": (DATE, False), "document_id": (IDENTIFIER, False)},
    "invoice-payments": {"invoice_id": (IDENTIFIER, True), "payment": (enum("unpaid", "paid"), False),
                         "paid_on": (DATE, False)},
}

KNOWN_IDS = ["ACC-10001", "ACC-10002", "SO-1000001", "EUR", "PLN", "HYD", "BRG", "demo-buyer", "demo-admin", "pcs"]


def mostly(plausible, unusual):
    """Three in four values plausible, so that rows get past the parser to the merge and the table."""
    return st.sampled_from([plausible, plausible, plausible, unusual]).flatmap(lambda strategy: strategy)


identifiers = mostly(
    st.one_of(st.sampled_from(KNOWN_IDS), st.from_regex(r"\A[A-Z]{2,3}-[0-9]{4,7}\Z")),
    st.one_of(st.from_regex(r"\A[A-Za-z0-9._/-]{1,80}\Z"), st.text(max_size=20)),
)
texts = mostly(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=40),
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["Valve " + "x" * 1100, " ".join(["word" * 30] * 40), "x" * 300_000, "", " ", "#", "a#b"]),
    ),
)
numbers = mostly(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=10**5).map(str),
    st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(["6e28", "79228162514264337593543950335", "-79228162514264337593543950335", "1e400",
                         "NaN", "-3", "5,000-", "0.000000000000000000000000001", "12,5", ""]),
    ),
)
dates = mostly(
    st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2027, 12, 31)).map(str),
    st.one_of(st.dates().map(str), st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", "31.12.2025", ""])),
)
UTC = datetime.timezone.utc
datetimes = mostly(
    st.datetimes(min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2026, 11, 30),
                 timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.one_of(
        st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z")),
        st.sampled_from(["9999-12-31T00:00:00Z", "2025-12-31 14:05:00", "2025-12-31T14:05:00+14:00", "yesterday", ""]),
    ),
)
STRATEGIES = {
    IDENTIFIER: identifiers,
    TEXT: texts,
    NUMBER: numbers,
    DATE: dates,
    DATETIME: datetimes,
    WHOLE: mostly(st.integers(min_value=1, max_value=200), st.one_of(st.integers(), st.sampled_from(["10", "x", "1.5"]))),
    LIST: st.lists(identifiers, max_size=4),
}


# The real ids of the served data, from the config scripts/fuzz-ids.py wrote: rows that name
# them update the records the readers see, and payments find their invoices.
REAL = {}
if os.environ.get("PORTAL_FUZZ_IDS"):
    with open(os.environ["PORTAL_FUZZ_IDS"], "rb") as config:
        REAL = {name: table["values"] for name, table in tomllib.load(config).get("dictionaries", {}).items()}
FIELD_IDS = {
    "account_id": "account", "order_id": "order", "invoice_id": "invoice", "credits_invoice": "invoice",
    "shipment_id": "shipment", "sku": "sku", "division": "division", "tracking_number": "tracking",
    "batch": "batch", "document_id": "document",
}
by_field = {
    "email": mostly(st.from_regex(r"\A[a-z]{1,12}@[a-z]{1,12}\.example\Z"), texts),
    "currency": mostly(st.sampled_from(["EUR", "PLN", "SEK", "USD"]), identifiers),
}
for field, name in FIELD_IDS.items():
    if REAL.get(name):
        by_field[field] = mostly(st.sampled_from([str(v) for v in REAL[name]]), identifiers)
if REAL.get("division"):
    by_field["divisions"] = mostly(st.lists(st.sampled_from(REAL["division"]), min_size=1, max_size=3), STRATEGIES[LIST])


def value(field, kind):
    if field in by_field:
        return by_field[field]
    if isinstance(kind, tuple):
        return mostly(st.sampled_from(kind[1]), st.text(max_size=12))
    return STRATEGIES[kind]


def row(entity):
    fields = ENTITIES[entity]
    required = {name: value(name, kind) for name, (kind, needed) in fields.items() if needed}
    optional = {name: value(name, kind) for name, (kind, needed) in fields.items() if not needed}
    optional["version"] = datetimes
    return st.fixed_dictionaries(required, optional=optional)


def rows(entity):
    return st.lists(row(entity), min_size=1, max_size=4)


# Keys unique to this process: a key drawn by Hypothesis comes back in its later cases, and the
# same key with other rows is only ever a 422.
KEYS = (f"fuzz-{uuid.uuid4().hex[:12]}-{n}" for n in itertools.count())


@schemathesis.hook
def flatmap_case(context, case):
    operation = context.operation
    entity = case.path_parameters.get("entity") if case.path_parameters else None
    if operation is None or operation.method.upper() != "POST" or entity not in ENTITIES:
        return st.just(case)

    def with_rows(body):
        headers = case.headers.copy() if case.headers is not None else {}
        headers["Idempotency-Key"] = next(KEYS)
        case.headers = headers
        case.body = {"rows": body}
        return case

    return mostly(rows(entity).map(with_rows), st.just(case))
