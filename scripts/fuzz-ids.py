"""Writes a schemathesis config whose dictionaries hold real ids of the served data.

Usage: fuzz-ids.py URL CONFIG USER=TOKEN...

Random strings almost never name an order, a shipment or a document, so without real ids the
fuzzer would see 404s and never check a full answer against its schema. Path and query
parameters named like ids draw from these dictionaries half of the time (and from the schema
otherwise). The ids come from the customers' own accounts (the tokens of demo-buyer and
demo-other-buyer), so each role also asks for objects it may not see.
"""

import json
import sys
import urllib.parse
import urllib.request

url, out = sys.argv[1], sys.argv[2]
tokens = dict(arg.split("=", 1) for arg in sys.argv[3:])


def get(user, path):
    request = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + tokens[user]})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def quoted(value):
    return urllib.parse.quote(str(value), safe="")


ids = {
    name: set()
    for name in ["account", "order", "line_no", "shipment", "tracking", "invoice", "document", "sku", "batch", "division"]
}
for user in ["demo-buyer", "demo-other-buyer"]:
    for account in get(user, "/me")["accounts"]:
        ids["account"].add(account)
        ids["division"].update(get(user, f"/accounts/{quoted(account)}")["divisions"])
    for order in get(user, "/orders?limit=10")["items"]:
        ids["order"].add(order["id"])
        for line in get(user, f"/orders/{quoted(order['id'])}")["lines"]:
            ids["line_no"].add(line["line_no"])
            ids["sku"].add(line["sku"])
            if "batch" in line:
                ids["batch"].add(line["batch"])
        for shipment in get(user, f"/orders/{quoted(order['id'])}/shipments")["items"]:
            ids["shipment"].add(shipment["id"])
            ids["tracking"].add(shipment["tracking_number"])
        for document in get(user, f"/orders/{quoted(order['id'])}/documents")["items"]:
            ids["document"].add(document["id"])
    for invoice in get(user, "/invoices?limit=10")["items"]:
        ids["invoice"].add(invoice["id"])
    for product in get(user, "/products?limit=5")["items"]:
        ids["sku"].add(product["sku"])
        for document in get(user, f"/products/{quoted(product['sku'])}/certificates")["items"]:
            ids["document"].add(document["id"])

bindings = {
    "path.account_id": "account",
    "query.account": "account",
    "path.order_id": "order",
    "path.line_no": "line_no",
    "path.shipment_id": "shipment",
    "query.tracking_number": "tracking",
    "path.invoice_id": "invoice",
    "path.document_id": "document",
    "path.sku": "sku",
    "query.sku": "sku",
    "query.batch": "batch",
    "query.division": "division",
}
with open(out, "w", encoding="utf-8") as config:
    for name, values in ids.items():
        if values:
            config.write(f"[dictionaries.{name}]\nvalues = {json.dumps(sorted(values, key=str))}\n\n")
    config.write("[parameters]\n")
    for key, name in bindings.items():
        if ids[name]:
            config.write(f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}\n')
print(", ".join(f"{len(values)} {name}" for name, values in ids.items()))
