#!/usr/bin/env bash
# Starts moto's server (a second, independent AWS emulator) on a free loopback port, runs the
# given command with PORTAL_TEST_MOTO_ENDPOINT pointing at it, and stops the server.
# moto is installed into a virtualenv from PyPI (PORTAL_VENV, default ~/.cache/b2b-portal/venv).
set -euo pipefail

venv="${PORTAL_VENV:-$HOME/.cache/b2b-portal/venv}"
if [ ! -x "$venv/bin/moto_server" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "moto[server]==5.2.5"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 100); do
  if python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then break; fi
  if ! kill -0 "$moto" 2>/dev/null; then cat "$log"; echo "moto_server did not start" >&2; exit 1; fi
  sleep 0.2
done

PORTAL_TEST_MOTO_ENDPOINT="http://127.0.0.1:$port" "$@"
