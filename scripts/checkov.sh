#!/usr/bin/env bash
# Runs checkov (an infrastructure-as-code security scanner, installed from PyPI into a
# virtualenv, PORTAL_CHECKOV_VENV, default ~/.cache/b2b-portal/checkov-venv) with the given
# arguments, offline: no Prisma Cloud API key, no download of external checks, no telemetry.
# With no arguments it scans infra/template.yaml; every failed check fails the run, and
# suppressions live in the template next to the resource, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${PORTAL_CHECKOV_VENV:-$HOME/.cache/b2b-portal/checkov-venv}"
if [ ! -x "$venv/bin/checkov" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "checkov==3.3.30"
fi
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
if [ "$#" -eq 0 ]; then
  set -- --file infra/template.yaml --framework cloudformation --compact --quiet
fi
exec "$venv/bin/checkov" --skip-download "$@"
