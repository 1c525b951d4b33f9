#!/usr/bin/env bash
# The whole test suite: gofmt, go vet, go test on the embedded default (SQLite + in-process
# Redis), the binary's smoke test, then the same against real MariaDB + Redis with the
# concurrency tests again under -race (on the embedded back end when the real servers are not
# there), and the Redis tests on a Redis Cluster.
# With CI=true the real servers are started if installed and stopped, and must be reachable;
# otherwise the real-server run is skipped (and says so) when they are not reachable.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

MYSQL_HOST=127.0.0.1 MYSQL_PORT=3306 REDIS_PORT=6379
MYSQL_DSN="${LINLI_TEST_MYSQL_DSN:-root:@tcp(${MYSQL_HOST}:${MYSQL_PORT})/}"
REDIS_ADDR="${LINLI_TEST_REDIS_ADDR:-127.0.0.1:${REDIS_PORT}}"
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

echo "== tracked file sizes"
scripts/check-sizes.sh
echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './vendor/*'))
if [ -n "$bad" ]; then echo "gofmt would change:"; echo "$bad"; exit 1; fi
echo "== go vet"
go vet ./...
echo "== OpenAPI document: Spectral + generated TypeScript client"
scripts/contract/check.sh
scripts/check-console.sh

total_pass=0 total_fail=0 total_skip=0
# The concurrency tests: the ones that race requests, workers or instances against each other,
# and the ones of what instances keep in memory (an invalidation goroutine per instance).
# They run on both back ends in the whole suite (where the database's locking is what is
# tested), and again with -race on the production back end, MariaDB + Redis (where the race
# detector checks our Go code: the same handlers, services and workers whichever database is
# behind them). The whole suite runs without -race, and the -race run is not repeated on the
# embedded back end: on the 2-core CI machines that costs 4–5 minutes that CI does not have,
# and what it would add is the race detector over the SQLite driver and the in-process Redis,
# which are not ours. Without the real servers the -race run is on the embedded back end.
RACE_TESTS='Concurrent|Race|Racing|Rush|Once|TakenOver|Owed|OneWinner|OneLive|Instances|Parallel|Memory|Kept'

# The tests that touch Redis, run again on a 3-master Redis Cluster: the packages, and in them
# (by name) the tests of identity, sessions, limits, sign-ups, memories and leaderboards.
CLUSTER_PKGS='./cache ./api ./app ./service'
CLUSTER_TESTS='Identity|Session|Login|Logout|Limit|Flood|Signup|SignUp|Memo|Leaderboard|Board|Invalidat'

# suite NAME [FLAGS...]: go test over every package (or those of $PKGS) with FLAGS, counting
# tests from -v output.
suite() {
  local name=$1 log="$logdir/$1.log" rc=0 start=$SECONDS
  shift
  echo "== go test $* ($name)"
  # shellcheck disable=SC2086 # PKGS is a list of packages
  go test "$@" -count=1 -timeout 15m -v ${PKGS:-./...} >"$log" 2>&1 || rc=$?
  local p f s
  p=$(grep -c -- '^\s*--- PASS' "$log" || true)
  f=$(grep -c -- '^\s*--- FAIL' "$log" || true)
  s=$(grep -c -- '^\s*--- SKIP' "$log" || true)
  grep -E '^(ok|FAIL|---|panic|\?)\s' "$log" | grep -v -- '--- PASS' | grep -v -- '--- SKIP' || true
  if [ "$rc" -ne 0 ]; then
    # With -v the messages of parallel subtests are printed where they happen, far from the
    # --- FAIL summary: show the messages of each failed test, found by the last === line
    # naming a test before them.
    echo "---- messages of the failed tests ($name) ----"
    awk '/^=== (RUN|CONT|NAME|PAUSE)/ { cur = $3; next }
      /^[ \t]*--- FAIL: / { failed[$3] = 1; next }
      /^[ \t]+[A-Za-z0-9_]+_test\.go:[0-9]+: / || (/^[ \t]{8,}/ && cur in seen) {
        if (cur != "") { msg[cur] = msg[cur] $0 "\n"; seen[cur] = 1 }; next }
      { delete seen }
      END { for (t in failed) if (t in msg) printf "%s:\n%s", t, msg[t] }' "$log" | head -300 || true
    echo "---- failures ($name) ----"
    grep -B2 -A30 -E -- '--- FAIL|^panic|DATA RACE' "$log" | head -400 || true
  fi
  grep -h -A1 -- '--- SKIP' "$log" | grep -v -- '--- SKIP' | sed 's/^ */skip: /' | sort | uniq -c | head -20 || true
  echo "$name: $p passed, $f failed, $s skipped, $((SECONDS - start)) s"
  total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_skip=$((total_skip + s))
  return "$rc"
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# ensure_servers starts MariaDB and Redis when they are installed but not running.
ensure_servers() {
  if ! tcp_open "$MYSQL_HOST" "$MYSQL_PORT" && [ -x /usr/sbin/mariadbd ]; then
    echo "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  fi
  if ! tcp_open 127.0.0.1 "$REDIS_PORT" && command -v redis-server >/dev/null; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no || true
  fi
  for _ in $(seq 1 60); do
    if tcp_open "$MYSQL_HOST" "$MYSQL_PORT" && tcp_open 127.0.0.1 "$REDIS_PORT"; then return 0; fi
    sleep 1
  done
  return 1
}

source scripts/redis-cluster.sh
# ensure_cluster starts a Redis Cluster on 17001–17003 in its own directory (stopped on exit);
# it fails when redis-server is missing.
ensure_cluster() {
  command -v redis-server >/dev/null || return 1
  cluster_start "$logdir/cluster" 17001 17002 17003
}
trap 'cluster_stop; rm -rf "$logdir"' EXIT

status=0
suite embedded || status=1
LINLI_SMOKE_REAL=0 scripts/smoke.sh || status=1

real=0
if [ "${CI:-}" = "true" ]; then
  if ! ensure_servers; then
    echo "CI: MariaDB ($MYSQL_HOST:$MYSQL_PORT) or Redis (127.0.0.1:$REDIS_PORT) cannot be reached"; exit 1
  fi
  real=1
elif tcp_open "$MYSQL_HOST" "$MYSQL_PORT" && tcp_open 127.0.0.1 "$REDIS_PORT"; then
  real=1
else
  echo "== skipping the real-server run: MariaDB or Redis is not reachable (set CI=true to start them)"
fi
if [ "$real" = 0 ]; then
  suite embedded-race -race -run "$RACE_TESTS" || status=1
fi
if [ "$real" = 1 ]; then
  export LINLI_TEST_MYSQL_DSN="$MYSQL_DSN" LINLI_TEST_REDIS_ADDR="$REDIS_ADDR"
  suite mariadb+redis || status=1
  suite mariadb+redis-race -race -run "$RACE_TESTS" || status=1
  LINLI_SMOKE_REAL=1 scripts/smoke.sh || status=1

  cluster=0
  if ensure_cluster; then
    cluster=1
  elif [ "${CI:-}" = "true" ]; then
    echo "CI: the Redis Cluster could not be started (is redis-server installed?)"; status=1
  else
    echo "== skipping the Redis Cluster run: redis-server is not installed"
  fi
  if [ "$cluster" = 1 ]; then
    start=$SECONDS
    LINLI_TEST_REDIS_CLUSTER="$CLUSTER_ADDRS" PKGS="$CLUSTER_PKGS" \
      suite mariadb+redis-cluster -run "$CLUSTER_TESTS" || status=1
    echo "mariadb+redis-cluster: $((SECONDS - start)) s"
  fi
fi

echo "== total"
echo "tests: $total_pass passed, $total_fail failed, $total_skip skipped"
exit "$status"
