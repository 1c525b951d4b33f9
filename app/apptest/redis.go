package apptest

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// deleteKeys removes every key under prefix on the Redis at addr (a cluster's nodes,
// comma-separated, when cluster is set: then on every master, where SCAN sees only its own keys).
func deleteKeys(addr string, cluster bool, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	maint := &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if !cluster {
		c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true, MaintNotificationsConfig: maint})
		defer c.Close()
		deleteScanned(ctx, c, prefix)
		return
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: strings.Split(addr, ","), DisableIdentity: true, MaintNotificationsConfig: maint,
	})
	defer c.Close()
	_ = c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		deleteScanned(ctx, m, prefix)
		return nil
	})
}

// deleteScanned deletes the keys under prefix of one node, one key per DEL: on a cluster's
// master the keys of one batch hash to different slots.
func deleteScanned(ctx context.Context, c *redis.Client, prefix string) {
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var batch []string
	flush := func() {
		_, _ = c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range batch {
				p.Del(ctx, k)
			}
			return nil
		})
		batch = batch[:0]
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
}
