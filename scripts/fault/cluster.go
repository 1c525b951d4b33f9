package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"linli/scripts/internal/dbenv"
)

// clusterRestart is the scenario "cluster" (with -redis naming a Redis Cluster's nodes): the
// master that holds the invalidation channel's slot (and with it a third of the keys) is shut
// down without saving and started again with the same cluster files, so that it rejoins with its
// slots (empty). Writes must keep working or answer 503, never 500, and none acknowledged is lost.
func (r *runner) clusterRestart() ([]check, error) {
	fmt.Println("\n== a Redis Cluster master restarted")
	if !strings.Contains(r.o.redisAddr, ",") {
		return nil, errors.New("-redis must name the cluster's nodes, comma-separated")
	}
	node, dir, err := channelMaster(r.ctx, r.o.redisAddr, r.e.prefix+"inval")
	if err != nil {
		return nil, err
	}
	err = r.phases("master down", func() error {
		start := time.Now()
		stamp("redis-cli shutdown nosave on " + node + " (the master of the invalidation channel)")
		if err := stopRedis(node); err != nil {
			return err
		}
		r.probeSessions(5)
		sleep(r.ctx, r.o.down-time.Since(start))
		if err := startClusterNode(node, dir); err != nil {
			return err
		}
		stamp(fmt.Sprintf("%s started again and the cluster is ok (down %s)", node, time.Since(start).Round(time.Millisecond)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	checks := r.common("master down")
	t := r.load.tally
	sessions := t.sum(func(op string, s int) bool { return op == opSession }, "master down")
	good := t.sum(func(op string, s int) bool { return op == opSession && s == 200 }, "master down")
	checks = append(checks, check{what: fmt.Sprintf("sessions while the master was down: %d of %d GET /me answered 200", good, sessions),
		ok: sessions > 0 && good == sessions})
	return checks, nil
}

// channelMaster returns the address of the master serving channel's slot and its directory.
func channelMaster(ctx context.Context, addrs, channel string) (string, string, error) {
	c := dbenv.RedisCluster(strings.Split(addrs, ","))
	defer c.Close()
	m, err := c.MasterForKey(ctx, channel)
	if err != nil {
		return "", "", err
	}
	dir, err := m.ConfigGet(ctx, "dir").Result()
	if err != nil {
		return "", "", err
	}
	return m.Options().Addr, dir["dir"], nil
}

// startClusterNode starts the node again on its cluster files (as scripts/redis-cluster.sh
// started it) and waits until it answers cluster_state:ok.
func startClusterNode(addr, dir string) error {
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.Command("redis-server", "--daemonize", "yes", "--bind", host, "--port", port, "--dir", dir,
		"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
		"--save", "", "--appendonly", "no", "--logfile", dir+"/redis.log").CombinedOutput()
	if err != nil {
		return fmt.Errorf("redis-server: %v: %s", err, out)
	}
	return waitFor(func() bool {
		out, err := exec.Command("redis-cli", "-h", host, "-p", port, "cluster", "info").Output()
		return err == nil && strings.Contains(string(out), "cluster_state:ok")
	}, 30*time.Second, "the cluster node to rejoin")
}
