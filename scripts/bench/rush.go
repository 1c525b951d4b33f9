package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"linli/scripts/internal/apiclient"
	"linli/scripts/internal/loadrun"
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
	client := &apiclient.Client{Base: e.api.Base, HTTP: apiclient.Pooled(o.conns, 2*time.Minute)}
	defer client.HTTP.CloseIdleConnections()
	type answer struct {
		status  string
		err     string
		latency time.Duration
	}
	answers := make([]answer, len(e.rushers))
	wall := loadrun.Burst(len(e.rushers), func(i int) {
		t0 := time.Now()
		var out struct {
			Status string `json:"status"`
		}
		status, err := call(ctx, client, "POST", "/api/v1/activities/"+id+"/signups", nil, e.rushers[i].token, &out)
		answers[i] = answer{status: out.Status, latency: time.Since(t0)}
		if err == nil && status != http.StatusCreated {
			err = fmt.Errorf("HTTP %d", status)
		}
		if err != nil {
			answers[i].err = err.Error()
		}
	})
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
	status, err := call(ctx, e.api, "POST", "/api/v1/activities", map[string]any{
		"community_id": fmt.Sprint(com.ID), "type_id": fmt.Sprint(com.Types[0]), "title": "压测：周末平安巡逻",
		"place": "东门岗亭", "capacity": capacity, "start_at": now.Add(2 * time.Hour).Format(time.RFC3339),
		"end_at": now.Add(4 * time.Hour).Format(time.RFC3339), "signup_opens_at": now.Add(-time.Minute).Format(time.RFC3339),
	}, staff.token, &created)
	if err != nil || status != http.StatusCreated {
		return "", fmt.Errorf("create the rush's activity: %d %v", status, err)
	}
	if status, err = call(ctx, e.api, "POST", "/api/v1/activities/"+created.ID+"/publish", nil, staff.token, nil); err != nil || status >= 300 {
		return "", fmt.Errorf("publish the rush's activity: %d %v", status, err)
	}
	return created.ID, nil
}

// call sends a JSON request and decodes the envelope's data into out (when not nil); the error
// carries the message of a failed answer.
func call(ctx context.Context, client *apiclient.Client, method, path string, body any, token string, out any) (int, error) {
	status, env, err := client.Call(ctx, method, path, token, body)
	if err != nil {
		return status, err
	}
	if status >= 300 {
		return status, fmt.Errorf("HTTP %d: %s", status, env.Message)
	}
	if out != nil && len(env.Data) > 0 {
		return status, json.Unmarshal(env.Data, out)
	}
	return status, nil
}
