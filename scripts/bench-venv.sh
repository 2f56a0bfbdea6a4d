#!/usr/bin/env bash
# Runs the given command inside the analytics benchmark's virtualenv (PORTAL_BENCH_VENV, default
# ~/.cache/b2b-portal/bench-venv), with its python and pip first on PATH. The virtualenv is made
# from PyPI with the pinned benchmarks/analytics/requirements.txt when missing, and brought in
# line again whenever that file changes. For example:
#   scripts/bench-venv.sh python benchmarks/analytics/bench.py --skip-5m
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${PORTAL_BENCH_VENV:-$HOME/.cache/b2b-portal/bench-venv}"
requirements="$root/benchmarks/analytics/requirements.txt"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" >"$venv/.requirements.sha256"
fi

export VIRTUAL_ENV="$venv"
export PATH="$venv/bin:$PATH"
exec "$@"
