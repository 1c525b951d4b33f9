package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

const rushName = "sign-up rush"

// rushScenario publishes an activity of o.capacity places in the first community (through the
// API, as its staff) and sends one sign-up from each rush resident, all released at once over
// o.conns connections. The target: exactly o.capacity confirmed, no errors, and a p99 within
// 20× the p99 of GET /healthz.
func (e *benchEnv) rushScenario(ctx context.Context, o options) result {
	r := result{scenario: scenario{name: fmt.Sprintf("%s: %d sign-ups, capacity %d", rushName, len(e.rushers), o.capacity)}, rush: true}
	if len(e.rushers) == 0 {
		r.firstError = "no residents to rush with"
		r.errors = 1
		return r
	}
	id, err := e.rushActivity(ctx, o.capacity)
	if err != nil {
		r.firstError, r.errors = err.Error(), 1
		return r
	}
	logf("scenario %s: activity %s, %d connections", r.name, id, o.conns)
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		MaxConnsPerHost: o.conns, MaxIdleConnsPerHost: o.conns, DisableCompression: true}}
	defer client.CloseIdleConnections()
	type answer struct {
		status  string
		err     string
		latency time.Duration
	}
	answers := make([]answer, len(e.rushers))
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i, u := range e.rushers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			t0 := time.Now()
			var out struct {
				Status string `json:"status"`
			}
			status, err := e.call(ctx, client, "POST", "/api/v1/activities/"+id+"/signups", nil, u.token, &out)
			answers[i] = answer{status: out.Status, latency: time.Since(t0)}
			if err == nil && status != http.StatusCreated {
				err = fmt.Errorf("HTTP %d", status)
			}
			if err != nil {
				answers[i].err = err.Error()
			}
		}()
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	wall := time.Since(start)
	var lat []time.Duration
	for _, a := range answers {
		lat = append(lat, a.latency)
		switch {
		case a.err != "":
			r.errors++
			if r.firstError == "" {
				r.firstError = a.err
			}
		case a.status == "confirmed":
			r.confirmed++
		case a.status == "waitlisted":
			r.waitlisted++
		}
	}
	slices.Sort(lat)
	r.requests, r.rps = len(lat), float64(len(lat))/wall.Seconds()
	r.p50, r.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	return r
}

// rushActivity creates and publishes the rush's activity, starting in two hours, sign-up open.
func (e *benchEnv) rushActivity(ctx context.Context, capacity int) (string, error) {
	com := e.community(e.rushers[0].community)
	var staff user
	for _, s := range e.staff {
		if s.community == com.ID {
			staff = s
		}
	}
	if staff.token == "" || len(com.Types) == 0 {
		return "", fmt.Errorf("community %d has no staff or activity types", com.ID)
	}
	now := time.Now()
	var created struct {
		ID string `json:"id"`
	}
	status, err := e.call(ctx, e.client, "POST", "/api/v1/activities", map[string]any{
		"community_id": fmt.Sprint(com.ID), "type_id": fmt.Sprint(com.Types[0]), "title": "压测：周末平安巡逻",
		"place": "东门岗亭", "capacity": capacity, "start_at": now.Add(2 * time.Hour).Format(time.RFC3339),
		"end_at": now.Add(4 * time.Hour).Format(time.RFC3339), "signup_opens_at": now.Add(-time.Minute).Format(time.RFC3339),
	}, staff.token, &created)
	if err != nil || status != http.StatusCreated {
		return "", fmt.Errorf("create the rush's activity: %d %v", status, err)
	}
	if status, err = e.call(ctx, e.client, "POST", "/api/v1/activities/"+created.ID+"/publish", nil, staff.token, nil); err != nil || status >= 300 {
		return "", fmt.Errorf("publish the rush's activity: %d %v", status, err)
	}
	return created.ID, nil
}

// call sends a JSON request and decodes the envelope's data into out (when not nil); the error
// carries the message of a failed answer.
func (e *benchEnv) call(ctx context.Context, client *http.Client, method, path string, body any, token string, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var env struct {
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil && resp.StatusCode != http.StatusNoContent {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("HTTP %d: %s", resp.StatusCode, env.Message)
	}
	if out != nil && len(env.Data) > 0 {
		return resp.StatusCode, json.Unmarshal(env.Data, out)
	}
	return resp.StatusCode, nil
}
