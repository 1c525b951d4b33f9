#!/usr/bin/env bash
# The OpenAPI document as its users meet it: Spectral's OpenAPI ruleset (spectral:oas) finds no
# warning, and a TypeScript client generated from it (openapi-typescript + openapi-fetch)
# type-checks against client/usage.ts, the calls a mini-program makes. Needs Node.js and npm
# (the versions are pinned in package-lock.json); skipped with a message when npm is absent,
# unless CI=true.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null; then
  if [ "${CI:-}" = "true" ]; then echo "contract: npm is required in CI"; exit 1; fi
  echo "== skipping the contract check: npm is not installed"; exit 0
fi
# The command builds the server to describe it: its state goes to a temporary directory.
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
LINLI_DATA_DIR="$data" go run ../.. openapi >openapi.json
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error
npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity=warn --display-only-failures openapi.json
npx --no-install openapi-typescript openapi.json -o client/schema.d.ts --silent
npx --no-install tsc -p client
echo "contract: Spectral clean, TypeScript client type-checks"
