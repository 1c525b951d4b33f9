#!/bin/sh
# The committed console/dist must be what console/ builds: rebuild it (when npm is here) and
# fail when the build differs from what is committed.
set -eu
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
	echo "check-console: npm not installed, console/dist not rebuilt"
	exit 0
fi
(cd console && npm ci --no-audit --no-fund && npm run build)
git diff --exit-code --stat -- console/dist
if [ -n "$(git status --porcelain -- console/dist)" ]; then
	echo "check-console: console/dist has files not committed" >&2
	git status --porcelain -- console/dist >&2
	exit 1
fi
