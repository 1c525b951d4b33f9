#!/usr/bin/env bash
# Smoke test of the real binary as the container runs it: built by scripts/build.sh, run as an
# unprivileged user when we are root, configured by environment variables only. Checks
# /healthz, /readyz, /api/docs, that /metrics answers on the metrics listener and not on the
# public one, then that SIGTERM during a slow request lets it finish and the process exits 0.
# LINLI_SMOKE_REAL=1 points it at MariaDB + Redis on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
scripts/build.sh "$work/linli" >/dev/null
port=$(( 20000 + RANDOM % 20000 ))
mport=$(( port + 1 ))
env=(LINLI_HTTP_ADDR="127.0.0.1:$port" LINLI_HTTP_METRICS_ADDR="127.0.0.1:$mport" LINLI_DATA_DIR="$work/data" LINLI_LOG_FORMAT=text)
label="embedded"
if [ "${LINLI_SMOKE_REAL:-0}" = 1 ]; then
  db="linli_smoke_$$"
  mariadb -uroot -h127.0.0.1 -e "CREATE DATABASE $db" 
  trap 'cleanup; mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS '"$db"'"' EXIT
  env+=(LINLI_DB_DRIVER=mysql "LINLI_DB_DSN=root:@tcp(127.0.0.1:3306)/$db" LINLI_REDIS_ADDR=127.0.0.1:6379 "LINLI_REDIS_PREFIX=smoke$$:")
  label="mariadb+redis"
fi
runas=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  mkdir -p "$work/data"; chown -R nobody "$work"
  runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
env "${env[@]}" "${runas[@]}" "$work/linli" >"$work/log" 2>&1 &
pid=$!
fail() { echo "smoke ($label): $*"; sed 's/^/  server: /' "$work/log" | tail -20; exit 1; }
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
for path in /healthz /readyz /api/docs /api/docs/openapi.json; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
  [ "$code" = 200 ] || fail "GET $path answered $code"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")
[ "$code" = 404 ] || fail "GET /metrics on the public listener answered $code, want 404"
metrics=$(curl -fs "http://127.0.0.1:$mport/metrics") || fail "GET /metrics on the metrics listener (127.0.0.1:$mport) failed"
[[ "$metrics" == *linli_http_requests_total* ]] || fail "GET /metrics on the metrics listener lacks linli_http_requests_total"
env "${env[@]}" "$work/linli" healthcheck || fail "linli healthcheck failed"
if [ "$label" = embedded ]; then [ -f "$work/data/linli.db" ] || fail "no SQLite file in the data directory"; fi

# A slow request: the body arrives over 1.5 s; SIGTERM lands while it is in flight.
( printf '{"openid":'; sleep 1.5; printf '"smoke-user"}' ) |
  curl -s -o "$work/slow" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -T - "http://127.0.0.1:$port/api/v1/auth/dev-login" >"$work/slow.code" &
curlpid=$!
sleep 0.5
kill -TERM "$pid"
wait "$curlpid" || true
rc=0; wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
code=$(cat "$work/slow.code")
[ "$code" = 200 ] || fail "slow request answered '$code' during shutdown: $(cat "$work/slow")"
grep -q '"token"' "$work/slow" || fail "slow request got no session: $(cat "$work/slow")"
echo "smoke ($label): healthz/readyz/docs 200, /metrics on its own listener only, slow request answered $code during SIGTERM, exit 0"
