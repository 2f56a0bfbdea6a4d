#!/usr/bin/env bash
# The schema-driven fuzz run. Seeds a small demo data folder with a `portal` binary, serves it on
# a free loopback port, and runs schemathesis (installed from PyPI into a virtualenv,
# PORTAL_FUZZ_VENV, default ~/.cache/b2b-portal/fuzz-venv) against the openapi.yaml it serves,
# once per role with that role's demo token: the ERP's machine user on the push API (with rows of
# each entity, scripts/fuzz-hooks.py), then the buyer, the viewer, the account manager and the
# admin on every route, with real ids of the data half of the time (scripts/fuzz-ids.py). Every
# check but positive_data_acceptance must hold (status lists, name words and cursors are plain
# strings in the document, and the server rightly refuses most strings): no 5xx; status codes,
# content types and headers as documented; bodies that match their schemas; a 4xx for
# schema-invalid input, a 401 without a token, a 405 for an undocumented method. A failure prints
# the request that reproduces it, as a curl command. The server stops on exit.
#
# Usage: scripts/fuzz.sh [PORTAL_BINARY]   (default: the dev build, $CARGO_TARGET_DIR/debug/portal)
# PORTAL_FUZZ_EXAMPLES: test cases per operation and role (default 25; six times that for the
# push API); PORTAL_FUZZ_SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

portal="${1:-${CARGO_TARGET_DIR:-$HOME/.cache/b2b-portal/target}/debug/portal}"
portal="$(cd "$(dirname "$portal")" && pwd)/$(basename "$portal")"
examples="${PORTAL_FUZZ_EXAMPLES:-25}"
seed="${PORTAL_FUZZ_SEED:-1}"
scripts="$(pwd)/scripts"

venv="${PORTAL_FUZZ_VENV:-$HOME/.cache/b2b-portal/fuzz-venv}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi

# shellcheck source=scripts/demo-server.sh
. "$scripts/demo-server.sh"
work=$(mktemp -d)
cleanup() {
  stop_demo_server
  rm -rf "$work"
}
trap cleanup EXIT
start_demo_server "$portal" "$work"

users=(demo-buyer demo-viewer demo-manager demo-admin demo-erp demo-other-buyer)
declare -A token
for user in "${users[@]}"; do
  token[$user]=$("$portal" token --data-dir "$work/data" --user "$user")
done

echo "Real ids for the fuzzer: $("$venv/bin/python" "$scripts/fuzz-ids.py" "$url" "$work/schemathesis.toml" \
  "demo-buyer=${token[demo-buyer]}" "demo-other-buyer=${token[demo-other-buyer]}")"

# schemathesis keeps caches in its working directory: keep them out of the clone.
cd "$work"
export SCHEMATHESIS_HOOKS="$scripts/fuzz-hooks.py" PORTAL_FUZZ_IDS="$work/schemathesis.toml"
failed=()
fuzz() {
  local user=$1 cases=$2
  shift 2
  echo "== schemathesis as $user ($cases cases per operation, seed $seed)"
  # One worker: two race inside CPython's parser on some versions (a spurious SystemError).
  # The cases are counted, not timed; the timeout only stops a run that hangs. Hypothesis's
  # too_slow health check times its generator, which a busy CI machine slows: not a finding.
  if ! timeout --signal=INT 600 "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$url/openapi.yaml" \
    --header "Authorization: Bearer ${token[$user]}" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples "$cases" --seed "$seed" --workers 1 \
    --request-timeout 30 --generation-database none --suppress-health-check too_slow \
    --no-color "$@"; then
    failed+=("$user")
  fi
}
# The machine user first: it may call only the push API, which gets rows of each entity (the
# hooks) and loads some of them; the people's roles then read what it loaded.
fuzz demo-erp $((examples * 6)) --include-tag integration
for user in demo-buyer demo-viewer demo-manager demo-admin; do
  fuzz "$user" "$examples"
done

if [ "${#failed[@]}" -gt 0 ]; then
  cat >&2 <<EOF
The fuzz run failed as: ${failed[*]}.
Each failure above ends with the curl command that reproduces it (the token shows as
[Filtered], the Idempotency-Key too). To replay one against the same data:
  portal seed --data-dir DIR ${sizes[*]}
  portal serve --data-dir DIR --port 8080 &
  TOKEN=\$(portal token --data-dir DIR --user USER)
and run the curl with -H "Authorization: Bearer \$TOKEN" on port 8080. A reader's failure may
need rows that demo-erp pushed first: PORTAL_FUZZ_SEED=$seed scripts/fuzz.sh replays the whole run
(on the same day, as the data is dated from today).
EOF
  exit 1
fi
echo "The fuzz run found nothing as demo-erp, demo-buyer, demo-viewer, demo-manager and demo-admin."
