#!/usr/bin/env bash
# Shows that a refactor changed no output: runs the analytics and ingest benchmarks' commands
# with two builds of `portal` (before and after) on the same generated data and diffs what they
# write. Only wall-clock timings (`timings_ms` in run.json and shard parts) and the output
# folder's name in logs are blanked before the diff. An empty diff is the proof.
#
#   scripts/same-outputs.sh BEFORE_PORTAL AFTER_PORTAL [WORK_DIR]
set -euo pipefail
before=$1
after=$2
work=${3:-$(mktemp -d)}
data=$work/data
mkdir -p "$data"

generate() { # BINARY
  "$1" analytics generate --lines 300000 --accounts 800 --skus 3000 --seed 7 \
    --start 2021-01-01 --end 2025-01-01 --out "$data/history.csv" --truth "$data/truth.csv" \
    > "$data/generate.log"
}

outputs() { # BINARY OUT
  local bin=$1 out=$2
  rm -rf "$out"
  mkdir -p "$out"
  "$bin" analytics generate --lines 300000 --accounts 800 --skus 3000 --seed 7 \
    --start 2021-01-01 --end 2025-01-01 --out "$out/generated.csv" --truth "$out/truth.csv" \
    > "$out/generate.log"
  local orders=(--orders "$data/history.csv" --as-of 2024-07-01)
  "$bin" analytics run "${orders[@]}" --out "$out/month" > "$out/month.log"
  "$bin" analytics run "${orders[@]}" --bucket week --periods 8 --horizon-days 21 \
    --out "$out/week" > "$out/week.log"
  for i in 1 2 3; do
    "$bin" analytics run "${orders[@]}" --shard "$i/3" --out "$out/sharded" > "$out/shard$i.log"
  done
  "$bin" analytics merge --out "$out/sharded" > "$out/merge.log"
  # Ingest: the SAP example exports (times fixed, since a file's time versions its rows) into
  # a fresh data folder, and bench-ingest's normalised Parquet.
  local examples=$work/examples
  if [ ! -d "$examples" ]; then
    cp -r "$(dirname "$0")/../ingest/examples" "$examples"
    find "$examples" -type f -exec touch -d 2025-12-01T00:00:00Z {} +
  fi
  for entity in orders order-lines order-status shipments tracking-events invoices \
    invoice-payments documents; do
    "$bin" ingest --data-dir "$out/ingest" --quiet sap "$entity" "$examples/sap/$entity"/*.csv \
      >> "$out/ingest.log" 2>&1
  done
  rm -f "$out/ingest/dynamodb.sqlite" "$out/ingest/local-secrets.json"
  # The emulator's checksums of report objects cover the reports' times: left out.
  find "$out/ingest" -name '.bucket-*.object-cmVwb3J0cy9*.internal.json' -delete
  find "$out/ingest" -name '*.report.json' -exec sed -i -E \
    's/"started_at": *"[^"]*"/"started_at":"T"/; s/"seconds": *[0-9.e-]+/"seconds":"S"/' {} +
  "$bin" bench-ingest --lines 20000 --work "$out/bench" > /dev/null 2>&1
  mv "$out/bench/normalised" "$out/bench-normalised"
  rm -rf "$out/bench"
  find "$out" -name '*.json' -exec perl -0pi -e \
    's/"timings_ms":\s*\{[^}]*\}/"timings_ms":"<wall-clock>"/g' {} +
  find "$out" -name '*.log' -exec sed -i "s#$out#OUT#g; s#[0-9.]* \(ms\|s\)\b#<time>#g" {} +
}

generate "$before"
outputs "$before" "$work/before"
outputs "$after" "$work/after"
diff -r "$work/before" "$work/after" && echo "same outputs ($work)"
