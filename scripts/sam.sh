#!/usr/bin/env bash
# Runs the SAM CLI (installed from PyPI into a virtualenv, PORTAL_SAM_VENV, default
# ~/.cache/b2b-portal/sam-venv) with the given arguments, offline and without telemetry.
set -euo pipefail

venv="${PORTAL_SAM_VENV:-$HOME/.cache/b2b-portal/sam-venv}"
if [ ! -x "$venv/bin/sam" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "aws-sam-cli==1.170.0"
fi
export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
exec "$venv/bin/sam" "$@"
