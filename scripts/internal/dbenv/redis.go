package dbenv

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Redis connects to one Redis node with the options the server uses.
func Redis(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
}

// RedisCluster connects to a Redis Cluster through its nodes, with the options the server uses.
func RedisCluster(addrs []string) *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, DisableIdentity: true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
}

// DeleteKeys deletes the keys that start with prefix, giving up after 10 s. addr is one node,
// or a Redis Cluster's nodes comma-separated: then on every master, where SCAN sees only the
// node's own keys. It returns the first error.
func DeleteKeys(ctx context.Context, addr, prefix string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	scan := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			if err := c.Del(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	if strings.Contains(addr, ",") {
		c := RedisCluster(strings.Split(addr, ","))
		defer c.Close()
		return c.ForEachMaster(ctx, scan)
	}
	c := Redis(addr)
	defer c.Close()
	return scan(ctx, c)
}
