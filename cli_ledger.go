package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"linli/app"
)

// runLedger runs the time bank's maintenance commands:
//
//	linli check-ledger [-c config.yaml]
//	linli rebuild-leaderboards [--community ID] [-c config.yaml]
//
// check-ledger reconciles the whole ledger (every posting sums to zero, every balance equals
// its entries, no source credited twice, …), prints what it checked, and exits non-zero naming
// every problem it found. rebuild-leaderboards rebuilds every leaderboard (or one community's)
// in Redis from the ledger; readers rebuild missing ones by themselves, so this is for
// operators who restored the database or want to be sure.
func runLedger(ctx context.Context, cmd string, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("linli "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", lookup(environ, "LINLI_CONFIG"), "configuration file (YAML); also LINLI_CONFIG")
	community := fs.Uint64("community", 0, "rebuild only this community's leaderboards")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", cmd, fs.Arg(0))
	}
	a, err := boot(ctx, cmd, *cfgPath, environ, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if cmd == "check-ledger" {
		return checkLedger(ctx, a, stdout)
	}
	return rebuildLeaderboards(ctx, a, *community, stdout)
}

func checkLedger(ctx context.Context, a *app.App, stdout io.Writer) error {
	rep, err := a.Services.TimeBank.CheckLedger(ctx)
	if err != nil {
		return fmt.Errorf("check-ledger: %w", err)
	}
	c := rep.Counts
	fmt.Fprintf(stdout, "checked %d postings, %d entries, %d accounts, %d service records\n",
		c.Postings, c.Entries, c.Accounts, c.Records)
	if rep.OK() {
		fmt.Fprintln(stdout, "ledger ok")
		return nil
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "%s: %s\n", p.What, p.Detail)
	}
	return fmt.Errorf("check-ledger: %d problems found (listed above)", len(rep.Problems))
}

func rebuildLeaderboards(ctx context.Context, a *app.App, community uint64, stdout io.Writer) error {
	ids := []uint64{community}
	if community == 0 {
		ids = ids[:0]
		for after := uint64(0); ; {
			page, _, err := a.Services.Places.Communities(ctx, after, 100)
			if err != nil {
				return fmt.Errorf("rebuild-leaderboards: %w", err)
			}
			if len(page) == 0 {
				break
			}
			for _, c := range page {
				ids = append(ids, c.ID)
			}
			after = page[len(page)-1].ID
		}
	}
	for _, id := range ids {
		n, err := a.Services.Leaderboards.RebuildCommunity(ctx, id)
		if err != nil {
			return fmt.Errorf("rebuild-leaderboards: community %d: %w", id, err)
		}
		fmt.Fprintf(stdout, "community %d: %d leaderboards rebuilt\n", id, n)
	}
	return nil
}
