# Sourced by the checks that need a running portal (scripts/fuzz.sh, scripts/web.sh): seeds a
# small demo data folder with a `portal` binary and serves it on a free loopback port.
#
#   start_demo_server PORTAL_BINARY WORK_DIR   sets $url and $server (the server's pid);
#   stop_demo_server                           stops it (call it from the caller's EXIT trap).

start_demo_server() {
  local portal=$1 work=$2
  # A small folder: it seeds in seconds in a debug build and still has every kind of object.
  local today sizes
  today=$(date -u +%F)
  sizes=(--accounts 6 --skus 60 --order-lines 2000 --years 2 --today "$today")
  "$portal" seed --data-dir "$work/data" "${sizes[@]}" 2>"$work/seed.log" || { cat "$work/seed.log"; return 1; }
  tail -n 1 "$work/seed.log"

  "$portal" serve --data-dir "$work/data" --port 0 >"$work/server.log" 2>&1 &
  server=$!
  url=
  for _ in $(seq 1 150); do
    url=$(sed -n 's|^b2b-portal is serving on \(http://[^ ]*\)$|\1|p' "$work/server.log")
    if [ -n "$url" ] && python3 -c "import urllib.request as u; u.urlopen('$url/openapi.yaml', timeout=1)" 2>/dev/null; then return 0; fi
    if ! kill -0 "$server" 2>/dev/null; then cat "$work/server.log"; echo "portal serve did not start" >&2; return 1; fi
    url=
    sleep 0.2
  done
  cat "$work/server.log"
  echo "portal serve did not answer" >&2
  return 1
}

stop_demo_server() {
  if [ -n "${server:-}" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
}
