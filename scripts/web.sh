#!/usr/bin/env bash
# The reference web app's checks (web/): its committed build (web/dist, which `portal` embeds)
# is exactly what its sources build; then the browser tests and the accessibility scan
# (web/e2e, Node's test runner driving Debian's Chromium through playwright-core) against a
# small demo folder served by a `portal` binary. Installs Chromium with apt-get when it is
# missing, and the app's npm packages with `npm ci` (from package-lock.json). Screenshots of
# every page are left in web/e2e-artifacts/.
#
# Usage: scripts/web.sh [PORTAL_BINARY]   (default: the dev build, $CARGO_TARGET_DIR/debug/portal)
set -euo pipefail
cd "$(dirname "$0")/.."

portal="${1:-${CARGO_TARGET_DIR:-$HOME/.cache/b2b-portal/target}/debug/portal}"
portal="$(cd "$(dirname "$portal")" && pwd)/$(basename "$portal")"
scripts="$(pwd)/scripts"

if ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium"
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

cd web
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent -- --logLevel warn
if ! git diff --quiet -- dist || [ -n "$(git ls-files --others --exclude-standard -- dist)" ]; then
  git status --short -- dist
  echo "web/dist is not what web/src builds: run (cd web && npm ci && npm run build) and commit web/dist" >&2
  exit 1
fi
echo "web/dist is what web/src builds"

# shellcheck source=scripts/demo-server.sh
. "$scripts/demo-server.sh"
work=$(mktemp -d)
cleanup() {
  stop_demo_server
  rm -rf "$work"
}
trap cleanup EXIT
start_demo_server "$portal" "$work"

rm -rf e2e-artifacts
PORTAL_URL="$url" node --test --test-reporter=spec e2e/
echo "screenshots of every page: web/e2e-artifacts/"
