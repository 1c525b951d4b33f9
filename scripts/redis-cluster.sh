#!/usr/bin/env bash
# Functions that start and stop a real 3-master Redis Cluster on localhost (no replicas), for
# scripts/test.sh and scripts/fault. Source this file, then:
#   cluster_start DIR [PORT...]   starts one redis-server per port (default 17001–17003) with
#                                 cluster-enabled yes, its files in DIR, creates the cluster and
#                                 waits until every node says cluster_state:ok; sets
#                                 CLUSTER_ADDRS (comma-separated) and CLUSTER_PORTS.
#   cluster_stop                  shuts every node down (call it from an EXIT trap).
CLUSTER_PORTS=() CLUSTER_ADDRS="" CLUSTER_DIR=""

cluster_start() {
  CLUSTER_DIR=$1
  shift
  CLUSTER_PORTS=("$@")
  [ ${#CLUSTER_PORTS[@]} -gt 0 ] || CLUSTER_PORTS=(17001 17002 17003)
  local p nodes=()
  for p in "${CLUSTER_PORTS[@]}"; do
    mkdir -p "$CLUSTER_DIR/$p"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$p" --dir "$CLUSTER_DIR/$p" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
      --save "" --appendonly no --logfile "$CLUSTER_DIR/$p/redis.log" \
      --pidfile "$CLUSTER_DIR/$p/redis.pid" >/dev/null || return 1
    nodes+=("127.0.0.1:$p")
  done
  for p in "${CLUSTER_PORTS[@]}"; do
    for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$CLUSTER_DIR/create.log" 2>&1 || {
    cat "$CLUSTER_DIR/create.log"; return 1; }
  cluster_wait_ok || return 1
  CLUSTER_ADDRS=$(IFS=,; echo "${nodes[*]}")
}

# cluster_wait_ok waits up to 30 s until every node reports cluster_state:ok.
cluster_wait_ok() {
  local p ok
  for _ in $(seq 1 300); do
    ok=1
    for p in "${CLUSTER_PORTS[@]}"; do
      redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || ok=0
    done
    [ "$ok" = 1 ] && return 0
    sleep 0.1
  done
  echo "Redis Cluster on ports ${CLUSTER_PORTS[*]} is not ok after 30 s"
  return 1
}

cluster_stop() {
  local p
  for p in "${CLUSTER_PORTS[@]}"; do
    redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
  done
}
