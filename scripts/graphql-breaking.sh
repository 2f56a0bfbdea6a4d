#!/usr/bin/env bash
# Fails when schema.graphql breaks clients of its previous committed version (a field, type,
# argument or enum value removed or retyped, a new required argument), unless the change is
# accepted in schema.breaking. The previous version: HEAD's, when the working tree changed the
# file; else the one before the last commit that changed it. Usage: scripts/graphql-breaking.sh [portal]
set -euo pipefail
cd "$(dirname "$0")/.."
portal="${1:-${CARGO_TARGET_DIR:-target}/debug/portal}"

if ! git rev-parse --verify -q HEAD >/dev/null; then
  echo "not a git checkout: nothing to compare with"; exit 0
fi
if ! git diff --quiet HEAD -- schema.graphql 2>/dev/null; then
  base=HEAD
else
  last=$(git log -n 1 --format=%H -- schema.graphql)
  base="${last:+$last^}"
fi
old=$(mktemp)
trap 'rm -f "$old"' EXIT
if [ -z "$base" ] || ! git show "$base:schema.graphql" >"$old" 2>/dev/null; then
  echo "no previous schema.graphql: nothing to compare with"; exit 0
fi
echo "comparing schema.graphql with $(git rev-parse --short "$base"):schema.graphql"
"$portal" graphql-breaking "$old" schema.graphql --accepted schema.breaking
echo "no unaccepted breaking change"
