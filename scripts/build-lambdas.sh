#!/usr/bin/env bash
# Builds every function under functions/ as an arm64 Lambda zip, without SAM:
#   <lambda dir>/<function>/bootstrap.zip   (default lambda dir: target/lambda)
# Uses cargo-lambda and zig from PyPI (pinned), installed into a virtualenv
# (PORTAL_SAM_VENV, default ~/.cache/b2b-portal/sam-venv), and the release profile.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${PORTAL_SAM_VENV:-$HOME/.cache/b2b-portal/sam-venv}"
if [ ! -x "$venv/bin/cargo-lambda" ]; then
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "cargo-lambda==1.9.2" "ziglang==0.15.2"
fi
if command -v rustup >/dev/null 2>&1; then
  rustup target add aarch64-unknown-linux-gnu >/dev/null
fi

lambda_dir="${1:-target/lambda}"
for package in functions/*/; do
  function=$(basename "$package")
  echo "== $function"
  PATH="$venv/bin:$PATH" cargo-lambda lambda build --release --arm64 --output-format zip \
    --lambda-dir "$lambda_dir" --bin "$function"
done
ls -l "$lambda_dir"/*/bootstrap.zip
