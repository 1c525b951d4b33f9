package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"linli/service"
)

// seedUsage explains the seed command.
const seedUsage = `usage:
  linli seed --demo [-c config.yaml]
      create the demo community 东亭社区（演示）: 7 estates, 100 buildings and their register of
      households (imported from a workbook as staff would), a staff member,
      captains, residents and pending claims, all logging in by dev login (dev mode only)`

// runSeed runs `linli seed --demo`: demo data through the same services the API uses. A
// second run finds the demo community by its name and changes nothing.
func runSeed(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("linli seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, seedUsage) }
	cfgPath := fs.String("c", lookup(environ, "LINLI_CONFIG"), "configuration file (YAML); also LINLI_CONFIG")
	demo := fs.Bool("demo", false, "create the demo community (required)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, seedUsage)
		return fmt.Errorf("seed: unexpected argument %q", fs.Arg(0))
	}
	if !*demo {
		fmt.Fprintln(stderr, seedUsage)
		return errUsage
	}
	a, err := boot(ctx, "seed", *cfgPath, environ, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := service.NewDemo(a.Services).Seed(ctx)
	if err != nil {
		return err
	}
	printDemo(stdout, res)
	return nil
}

// printDemo says what was seeded and lists the dev-login openids.
func printDemo(w io.Writer, r *service.DemoResult) {
	if r.Existed {
		fmt.Fprintf(w, "seed: the demo already exists: community %s (id %d); nothing was changed\n",
			r.CommunityName, r.CommunityID)
	} else {
		claims := map[bool]int{}
		for _, p := range r.People {
			if p.ResidencyID != 0 {
				claims[p.Role == service.DemoNewcomer]++
			}
		}
		fmt.Fprintf(w, "seed: created the demo community %s (id %d): %d estates, %d buildings, %d households, %d people, "+
			"%d approved residencies, %d pending claims\n", r.CommunityName, r.CommunityID, len(r.Estates),
			len(r.BuildingIDs()), r.Households, len(r.People), claims[false], claims[true])
		if h := r.History; h != nil {
			fmt.Fprintf(w, "seed: and %d months of history: %d issues, %d activities with %d sign-ups, %d dispatches, "+
				"%d service records, %d redemptions, %d postings, %d council topics with %d votes, %d announcements "+
				"(see the dashboard: GET /api/v1/communities/%d/dashboard)\n",
				h.Months, h.Issues, h.Activities, h.Signups, h.Dispatches, h.Records, h.Redemptions, h.Postings, h.Topics, h.Votes,
				h.Announcements, r.CommunityID)
		}
	}
	fmt.Fprintln(w, `Log in as any of them (dev mode): POST /api/v1/auth/dev-login {"openid": "<openid>"}`)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, p := range r.People {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.OpenID, p.Nickname, p.Description)
	}
	_ = tw.Flush()
}
