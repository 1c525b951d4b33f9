// Command benchvote is the household vote rush of the council (议事厅): a vote of 东亭's size,
// 4,644 households of the register, ballots from 3,000 of them released at once over 200
// connections, with a second member of 300 of those households casting at the same moment.
//
//	go run ./scripts/benchvote [-households 4644] [-ballots 3000] [-doubles 300] [-conns 200]
//
// It starts a complete Linli server in this process on a loopback port (back end from the
// environment as scripts/loadsignup: LINLI_TEST_MYSQL_DSN and LINLI_TEST_REDIS_ADDR for a
// fresh schema and key prefix, else embedded), imports the register, makes and logs in the
// members through the services, opens a vote on a topic on the agenda, measures GET /healthz
// at the same concurrency for the ceiling, then fires the ballots. It exits non-zero unless
// exactly one ballot per household counted, every second member got 409 "本户已投票", nothing
// else failed, the tallies equal a count of the raw ballots before and after the vote closes,
// and the ballots' p99 is within 20 × the p99 of /healthz.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"linli/app"
	"linli/model"
	"linli/scripts/internal/apiclient"
	"linli/scripts/internal/loadenv"
	"linli/scripts/internal/loadrun"
	"linli/service"
)

func main() { loadrun.Main("benchvote", run) }

type options struct {
	households, ballots, doubles, conns int
	over                                time.Duration
}

func run(ctx context.Context) error {
	var o options
	flag.IntVar(&o.households, "households", 4644, "households of the register (the electorate)")
	flag.IntVar(&o.ballots, "ballots", 3000, "households that vote")
	flag.IntVar(&o.doubles, "doubles", 300, "of those, households whose second member votes at the same moment")
	flag.IntVar(&o.conns, "conns", 200, "HTTP connections")
	flag.DurationVar(&o.over, "over", time.Minute, "spread the ballots evenly over this time (0: all at once)")
	flag.Parse()
	if o.ballots > o.households || o.doubles > o.ballots || o.conns < 1 {
		return errors.New("want doubles ≤ ballots ≤ households and conns ≥ 1")
	}
	env, err := loadenv.Open(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	a := env.App
	fmt.Printf("back end: %s; %d households, %d ballots (+%d second members) over %s, %d connections\n",
		env.Backend, o.households, o.ballots, o.doubles, o.over, o.conns)
	t0 := time.Now()
	voteID, tokens, err := setUp(ctx, a.Services, o)
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	fmt.Printf("set-up (register, %d members logged in, topic, vote): %s\n", len(tokens), time.Since(t0).Round(time.Millisecond))

	base, stopServer, err := loadenv.Serve(ctx, a)
	if err != nil {
		return err
	}
	defer stopServer()
	client := &apiclient.Client{Base: base, HTTP: apiclient.Pooled(o.conns, 2*time.Minute)}
	defer client.HTTP.CloseIdleConnections()

	ceiling := healthz(ctx, client, o.conns, 5*time.Second)
	fmt.Printf("ceiling GET /healthz: %d requests, p99 %s\n", len(ceiling), pct(ceiling, 99))
	res := fire(ctx, client, voteID, tokens, o.ballots, o.over)
	ratio := float64(pct(res.latencies, 99)) / float64(pct(ceiling, 99))
	fmt.Printf("ballots: %d counted, %d refused as a second ballot of the household, %d errors\n", res.counted, res.second, res.errors)
	fmt.Printf("wall %s, %.0f ballots/s, p50 %s, p99 %s (%.1f × healthz p99), max %s\n", res.wall.Round(time.Millisecond),
		float64(len(tokens))/res.wall.Seconds(), pct(res.latencies, 50), pct(res.latencies, 99), ratio, pct(res.latencies, 100))
	for msg, n := range res.samples {
		fmt.Printf("  error (%d×): %s\n", n, msg)
	}
	if err := verify(ctx, a, voteID, o); err != nil {
		return err
	}
	var problems []string
	if res.counted != o.ballots || res.second != o.doubles || res.errors != 0 {
		problems = append(problems, fmt.Sprintf("want %d counted, %d refused, 0 errors", o.ballots, o.doubles))
	}
	if ratio > 20 {
		problems = append(problems, fmt.Sprintf("p99 %.1f × healthz p99, target ≤ 20", ratio))
	}
	if len(problems) > 0 {
		return errors.New(fmt.Sprint(problems))
	}
	return nil
}

// setUp imports a register of o.households rooms (43 buildings of 2 units, 9 floors, 6 rooms
// for 东亭's 4,644), gives the first o.ballots households a member and the first o.doubles a
// second one, has member 0 raise a community topic the staff put on the agenda, and opens an
// hour's vote by household. tokens are the members' sessions, second members last.
func setUp(ctx context.Context, s *service.Services, o options) (uint64, []string, error) {
	c, err := s.Places.CreateCommunity(ctx, "表决压测社区"+loadenv.RandomHex(3), "压测街道")
	if err != nil {
		return 0, nil, err
	}
	households, err := loadenv.ImportRegister(ctx, s, c.ID, o.households)
	if err != nil {
		return 0, nil, err
	}
	tokens := make([]string, o.ballots+o.doubles)
	err = loadrun.Parallel(ctx, 16, len(tokens), func(i int) (err error) {
		if _, tokens[i], err = loadenv.Member(ctx, s, fmt.Sprintf("vote-%d", i), households[i%o.ballots], true); err != nil {
			return fmt.Errorf("member %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	staff, err := loadenv.Staff(ctx, s, "vote-staff", c.ID)
	if err != nil {
		return 0, nil, err
	}
	proposerUser, err := s.Auth.EnsureUser(ctx, "vote-0")
	if err != nil {
		return 0, nil, err
	}
	proposer, err := s.Principals.Load(ctx, proposerUser.ID)
	if err != nil {
		return 0, nil, err
	}
	t, err := s.Council.Propose(ctx, proposer, service.Proposal{CommunityID: c.ID, Scope: model.CouncilScopeCommunity,
		Title: "小区增设电动车集中充电桩", Body: "楼道里充电太危险，建议在各区车棚增设集中充电桩，费用由维修资金列支。"})
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.Council.Transition(ctx, staff, t.ID, service.TopicAccept, "居委会研究后列入议程"); err != nil {
		return 0, nil, err
	}
	v, err := s.Council.OpenVote(ctx, staff, t.ID, service.VoteSpec{Question: "是否同意增设电动车集中充电桩？",
		Options: []string{"同意", "不同意", "弃权"}, ClosesAt: time.Now().Add(time.Hour), QuorumPercent: 50})
	if err != nil {
		return 0, nil, err
	}
	if v.Electors != o.households {
		return 0, nil, fmt.Errorf("electorate of %d, want %d", v.Electors, o.households)
	}
	return v.ID, tokens, nil
}

// healthz drives GET /healthz with conns connections for d and returns the sorted latencies.
func healthz(ctx context.Context, client *apiclient.Client, conns int, d time.Duration) []time.Duration {
	return loadrun.Spread(ctx, conns, 0, d, func(int) error {
		resp, err := client.Send(ctx, http.MethodGet, "/healthz", "", nil)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return err
	}).Latencies
}

func pct(lat []time.Duration, p int) time.Duration {
	return loadrun.Rank(lat, p).Round(100 * time.Microsecond)
}

type result struct {
	counted, second, errors int
	wall                    time.Duration
	latencies               []time.Duration
	samples                 map[string]int
}

// fire sends one ballot per token (option i % 3), the i-th at i/len of over after the start
// (all at once when over is 0). A second member's ballot (the tokens after the firsts)
// goes at the same moment as the first member's.
func fire(ctx context.Context, client *apiclient.Client, voteID uint64, tokens []string, firsts int, over time.Duration) *result {
	path := fmt.Sprintf("/api/v1/votes/%d/ballots", voteID)
	type answer struct {
		status  int
		msg     string
		latency time.Duration
	}
	answers := make([]answer, len(tokens))
	wall := loadrun.Burst(len(tokens), func(i int) {
		if over > 0 {
			time.Sleep(time.Duration(int64(over) * int64(i%firsts) / int64(firsts)))
		}
		t0 := time.Now()
		status, msg := ballot(ctx, client, path, tokens[i], i%3)
		answers[i] = answer{status: status, msg: msg, latency: time.Since(t0)}
	})
	r := &result{wall: wall, samples: map[string]int{}}
	for _, a := range answers {
		r.latencies = append(r.latencies, a.latency)
		switch {
		case a.status == http.StatusCreated:
			r.counted++
		case a.status == http.StatusConflict && a.msg == "本户已投票":
			r.second++
		default:
			r.errors++
			r.samples[fmt.Sprintf("HTTP %d %s", a.status, a.msg)]++
		}
	}
	slices.Sort(r.latencies)
	return r
}

func ballot(ctx context.Context, client *apiclient.Client, path, token string, option int) (int, string) {
	status, env, err := client.Call(ctx, http.MethodPost, path, token, map[string]int{"option": option})
	if err != nil && status == 0 {
		return 0, err.Error()
	}
	return status, env.Message
}

// verify compares the tallies with a count of the raw ballots, closes the vote and compares
// the stored result with the same count.
func verify(ctx context.Context, a *app.App, voteID uint64, o options) error {
	raw := map[int]int{}
	rows, err := a.Store.SQL().QueryContext(ctx, "SELECT choice, COUNT(*) FROM council_ballots WHERE vote_id = ? GROUP BY choice", voteID)
	if err != nil {
		return err
	}
	total := 0
	for rows.Next() {
		var choice, n int
		if err := rows.Scan(&choice, &n); err != nil {
			rows.Close()
			return err
		}
		raw[choice], total = n, total+n
	}
	rows.Close()
	check := func(when string) error {
		opts, err := a.Store.VoteOptions(ctx, voteID)
		if err != nil {
			return err
		}
		for _, op := range opts {
			if op.Tally != raw[op.Position] {
				return fmt.Errorf("%s: option %q tallies %d, the ballots say %d", when, op.Label, op.Tally, raw[op.Position])
			}
		}
		return nil
	}
	if total != o.ballots {
		return fmt.Errorf("database: %d ballots, want %d", total, o.ballots)
	}
	if err := check("before close"); err != nil {
		return err
	}
	if _, err := a.Store.SQL().ExecContext(ctx, "UPDATE council_votes SET closes_at = ? WHERE id = ?",
		time.Now().Add(-time.Second).UTC(), voteID); err != nil {
		return err
	}
	if n, err := a.Services.Council.CloseDue(ctx); err != nil || n != 1 {
		return fmt.Errorf("close: %d closed, %v", n, err)
	}
	v, err := a.Store.VoteByID(ctx, voteID)
	if err != nil {
		return err
	}
	if err := check("after close"); err != nil {
		return err
	}
	if v.Ballots != o.ballots || v.Electors != o.households {
		return fmt.Errorf("result: %d ballots of %d electors, want %d of %d", v.Ballots, v.Electors, o.ballots, o.households)
	}
	fmt.Printf("database: %d ballots, one per household; tallies %v equal the raw ballots before and after close; "+
		"result: turnout %.1f%%, quorum met %v, passed %v\n", total, raw, float64(v.Ballots)*100/float64(v.Electors), v.QuorumMet, v.Passed)
	return nil
}
