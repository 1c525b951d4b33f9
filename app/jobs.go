package app

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Job is background work the server repeats while it serves: the first run at once, then one
// every Every. Runs of one job never overlap: a run that takes longer than Every delays the
// next (ticks are dropped, not queued). A run's context ends when the server stops; bound
// slow calls inside Run (the WeChat client and the database have their own timeouts). Jobs
// must be safe with several server instances running them at the same time (conditional
// statements in the database, not in-process locks).
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Jobs is the set of background jobs of one server. Register them with Add while wiring
// (App.New); ServeListener starts them and waits for them at shutdown.
type Jobs struct {
	log  *slog.Logger
	list []Job
	// runs counts each job's finished runs (the map is filled by Add, before Start).
	runs map[string]*atomic.Int64
}

// NewJobs returns an empty set that logs to log.
func NewJobs(log *slog.Logger) *Jobs { return &Jobs{log: log, runs: map[string]*atomic.Int64{}} }

// Runs is how many runs of the job have finished (failed and panicked ones included): a test
// that must see that more runs change nothing waits for this to move instead of sleeping.
func (j *Jobs) Runs(name string) int64 {
	if n, ok := j.runs[name]; ok {
		return n.Load()
	}
	return 0
}

// Add registers a job; every must be positive. Call it before Start.
func (j *Jobs) Add(name string, every time.Duration, run func(ctx context.Context) error) {
	if every <= 0 {
		panic(fmt.Sprintf("job %s: interval must be positive", name))
	}
	j.list = append(j.list, Job{Name: name, Every: every, Run: run})
	j.runs[name] = &atomic.Int64{}
}

// List returns the registered jobs.
func (j *Jobs) List() []Job { return append([]Job(nil), j.list...) }

// Start runs every job in a goroutine of its own until ctx ends. The returned wait blocks until
// all of them have returned (a run in progress sees its context cancelled).
func (j *Jobs) Start(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for _, job := range j.list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.loop(ctx, job)
		}()
	}
	return wg.Wait
}

func (j *Jobs) loop(ctx context.Context, job Job) {
	t := time.NewTicker(job.Every)
	defer t.Stop()
	for {
		j.runOnce(ctx, job)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runOnce runs the job once; an error or a panic is logged and the job runs again next time.
func (j *Jobs) runOnce(ctx context.Context, job Job) {
	if ctx.Err() != nil {
		return
	}
	start := time.Now()
	defer j.runs[job.Name].Add(1)
	defer func() {
		if r := recover(); r != nil {
			j.log.Error("job panicked", "job", job.Name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	if err := job.Run(ctx); err != nil && ctx.Err() == nil {
		j.log.Warn("job failed", "job", job.Name, "error", err.Error(),
			"duration_ms", time.Since(start).Milliseconds())
	}
}
