#!/usr/bin/env bash
# Uploads the reference web app (web/dist, as committed) to a deployed stack's static site and
# writes its config.json from the stack's outputs: the API's URL, and the user pool's hosted
# UI domain and client for sign-in. Needs the AWS CLI with credentials for the stack's
# account; run it after `sam deploy` with WebApp=on (and AuthDomainPrefix set).
#
# Usage: scripts/deploy-web.sh STACK_NAME [REGION]
set -euo pipefail
cd "$(dirname "$0")/.."

stack="${1:?usage: scripts/deploy-web.sh STACK_NAME [REGION]}"
region="${2:-${AWS_REGION:-$(aws configure get region)}}"

output() {
  aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

bucket=$(output WebBucketName)
distribution=$(output WebDistributionId)
api=$(output ApiUrl)
domain=$(output AuthDomain)
client=$(output UserPoolClientId)
if [ -z "$bucket" ] || [ "$bucket" = None ]; then
  echo "the stack $stack has no web app: deploy it with WebApp=on" >&2
  exit 1
fi
if [ -z "$domain" ] || [ "$domain" = None ]; then
  echo "the stack $stack has no hosted UI for sign-in: deploy it with AuthDomainPrefix set" >&2
  exit 1
fi

config=$(mktemp)
trap 'rm -f "$config"' EXIT
python3 - "$api" "$domain" "$client" >"$config" <<'PY'
import json, sys
api, domain, client = sys.argv[1:4]
print(json.dumps({
    "apiUrl": api.rstrip("/"),
    "signIn": {"kind": "cognito", "domain": domain, "clientId": client, "scopes": "openid email"},
}, indent=2))
PY

# The hashed assets first (cached for good), then the page and its configuration (read afresh),
# so that no visitor gets a page whose assets are not there yet.
aws s3 sync --region "$region" web/dist/assets "s3://$bucket/assets" \
  --cache-control "public, max-age=31536000, immutable"
aws s3 cp --region "$region" web/dist/index.html "s3://$bucket/index.html" \
  --cache-control no-cache --content-type "text/html; charset=utf-8"
aws s3 cp --region "$region" "$config" "s3://$bucket/config.json" \
  --cache-control no-cache --content-type application/json
aws s3 sync --region "$region" web/dist/assets "s3://$bucket/assets" --delete
aws cloudfront create-invalidation --distribution-id "$distribution" \
  --paths /index.html /config.json >/dev/null
echo "The portal web app: $(output WebUrl)"
