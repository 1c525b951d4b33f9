// Command loadsignup fires concurrent sign-ups over HTTP at one volunteer activity and prints
// how capacity held and how long it took. It is a load script, not a test:
//
//	go run ./scripts/loadsignup [-n 2000] [-capacity 100] [-conns 64]
//
// It starts a complete Linli server in this process (app.New) on a loopback port. The back
// end comes from the environment: with LINLI_TEST_MYSQL_DSN (and LINLI_TEST_REDIS_ADDR) it
// creates a fresh schema and key prefix of its own and removes them afterwards; otherwise the
// usual LINLI_* variables apply (LINLI_DB_DRIVER, LINLI_DB_DSN, LINLI_REDIS_ADDR, …), and with
// none it runs embedded (SQLite in a temporary directory, in-process Redis). It makes the
// activity and the residents through the services (fast), logs them in, then sends every
// sign-up at once through a fixed number of connections, and prints confirmed, waitlisted,
// errors, wall time and p50/p99 latency. It exits non-zero unless exactly capacity were
// confirmed, the rest waitlisted at positions 1..n-capacity, and nothing failed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"linli/model"
	"linli/scripts/internal/apiclient"
	"linli/scripts/internal/loadenv"
	"linli/scripts/internal/loadrun"
)

func main() { loadrun.Main("loadsignup", run) }

// options are the flags.
type options struct {
	n, capacity, conns, buildings int
}

func run(ctx context.Context) error {
	var o options
	flag.IntVar(&o.n, "n", 2000, "residents signing up at once")
	flag.IntVar(&o.capacity, "capacity", 100, "places of the activity")
	flag.IntVar(&o.conns, "conns", 64, "HTTP connections the sign-ups share")
	flag.IntVar(&o.buildings, "buildings", 20, "buildings the residents live in")
	flag.Parse()
	if o.n < 1 || o.capacity < 1 || o.conns < 1 || o.buildings < 1 {
		return errors.New("-n, -capacity, -conns and -buildings must be positive")
	}
	env, err := loadenv.Open(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	a := env.App
	fmt.Printf("back end: %s; %d residents, %d places, %d connections\n", env.Backend, o.n, o.capacity, o.conns)

	setupStart := time.Now()
	activityID, tokens, err := setUp(ctx, a.Services, o)
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	fmt.Printf("set-up (community, %d approved residents logged in, activity): %s\n", o.n, time.Since(setupStart).Round(time.Millisecond))

	base, stopServer, err := loadenv.Serve(ctx, a)
	if err != nil {
		return err
	}
	defer stopServer()

	res := fire(ctx, base, activityID, tokens, o.conns)
	fmt.Printf("confirmed:  %d\nwaitlisted: %d\nerrors:     %d\n", res.confirmed, res.waitlisted, res.errors)
	fmt.Printf("wall time:  %s\np50:        %s\np99:        %s\nmax:        %s\nthroughput: %.0f sign-ups/s\n",
		res.wall.Round(time.Millisecond), res.percentile(50).Round(time.Millisecond),
		res.percentile(99).Round(time.Millisecond), res.percentile(100).Round(time.Millisecond),
		float64(o.n)/res.wall.Seconds())
	for msg, n := range res.samples {
		fmt.Printf("  error (%d×): %s\n", n, msg)
	}
	if err := verify(ctx, a.Store, activityID, o); err != nil {
		return err
	}
	if res.confirmed != o.capacity || res.waitlisted != o.n-o.capacity || res.errors != 0 {
		return fmt.Errorf("want %d confirmed, %d waitlisted, 0 errors", o.capacity, o.n-o.capacity)
	}
	fmt.Printf("database: %d confirmed (capacity held), waitlist at positions 1..%d without gaps or repeats\n", o.capacity, o.n-o.capacity)
	return nil
}

// result is what the sign-ups answered.
type result struct {
	confirmed, waitlisted, errors int
	wall                          time.Duration
	latencies                     []time.Duration
	samples                       map[string]int
}

func (r *result) percentile(p int) time.Duration { return loadrun.Rank(r.latencies, p) }

// fire sends one sign-up per token, all released at once, over conns connections.
func fire(ctx context.Context, base string, activityID uint64, tokens []string, conns int) *result {
	client := &apiclient.Client{Base: base, HTTP: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}}
	defer client.HTTP.CloseIdleConnections()
	path := fmt.Sprintf("/api/v1/activities/%d/signups", activityID)
	type answer struct {
		status  string
		err     string
		latency time.Duration
	}
	answers := make([]answer, len(tokens))
	wall := loadrun.Burst(len(tokens), func(i int) {
		t0 := time.Now()
		status, err := signUp(ctx, client, path, tokens[i])
		answers[i] = answer{status: status, latency: time.Since(t0)}
		if err != nil {
			answers[i].err = err.Error()
		}
	})
	r := &result{wall: wall, samples: map[string]int{}}
	for _, a := range answers {
		r.latencies = append(r.latencies, a.latency)
		switch {
		case a.err != "":
			r.errors++
			r.samples[a.err]++
		case a.status == model.SignupConfirmed:
			r.confirmed++
		case a.status == model.SignupWaitlisted:
			r.waitlisted++
		}
	}
	slices.Sort(r.latencies)
	return r
}

func signUp(ctx context.Context, client *apiclient.Client, path, token string) (string, error) {
	status, env, err := client.Call(ctx, http.MethodPost, path, token, nil)
	if err != nil {
		return "", err
	}
	var data struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(env.Data, &data)
	if status != http.StatusCreated {
		return "", fmt.Errorf("HTTP %d: %s", status, env.Message)
	}
	return data.Status, nil
}

// verify checks what the database holds: the activity's count, the confirmed sign-ups and a
// waitlist at 1..n-capacity.
func verify(ctx context.Context, store *model.Store, activityID uint64, o options) error {
	a, err := store.ActivityByID(ctx, activityID)
	if err != nil {
		return err
	}
	rows, err := store.Roster(ctx, activityID, model.RosterCursor{}, 0)
	if err != nil {
		return err
	}
	confirmed := 0
	var positions []int
	for _, r := range rows {
		if r.Status == model.SignupConfirmed {
			confirmed++
		} else {
			positions = append(positions, r.Position)
		}
	}
	slices.Sort(positions)
	for i, p := range positions {
		if p != i+1 {
			return fmt.Errorf("database: waitlist position %d at rank %d", p, i+1)
		}
	}
	var problems []string
	if a.Confirmed != o.capacity || confirmed != o.capacity {
		problems = append(problems, fmt.Sprintf("activity counts %d confirmed, %d sign-ups confirmed", a.Confirmed, confirmed))
	}
	if len(positions) != o.n-o.capacity {
		problems = append(problems, fmt.Sprintf("%d waitlisted", len(positions)))
	}
	if len(problems) > 0 {
		return errors.New("database: " + strings.Join(problems, "; "))
	}
	return nil
}
