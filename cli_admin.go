package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"linli/app"
	"linli/model"
	"linli/service"
)

// adminUsage lists the admin subcommands.
const adminUsage = `usage:
  linli admin create-community --name N [--district D] [-c config.yaml]
  linli admin grant --openid O --role staff|captain|admin [--community ID] [--building ID ...] [-c config.yaml]
  linli admin revoke --openid O --role staff|captain --community ID [-c config.yaml]
  linli admin list-buildings --community ID [-c config.yaml]`

// runAdmin runs `linli admin <subcommand>`: platform administration that has no endpoint,
// through the same services the API uses. In dev mode (no WeChat AppID) an openid is the one
// given to dev login.
func runAdmin(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, adminUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("linli admin "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", lookup(environ, "LINLI_CONFIG"), "configuration file (YAML); also LINLI_CONFIG")
	var do func(*app.App) error
	switch sub {
	case "create-community":
		name := fs.String("name", "", "name of the community (required, unique)")
		district := fs.String("district", "", "district or sub-district it belongs to")
		do = func(a *app.App) error {
			c, err := a.Services.Places.CreateCommunity(ctx, *name, *district)
			if err != nil {
				return err
			}
			// The id alone on stdout, for scripts ($(linli admin create-community ...)); the
			// sentence for the person at the terminal on stderr.
			fmt.Fprintln(stdout, c.ID)
			fmt.Fprintf(stderr, "已创建社区「%s」，ID %d；用 linli admin grant --community %d 任命社区工作者\n", c.Name, c.ID, c.ID)
			return nil
		}
	case "grant":
		openid := fs.String("openid", "", "the user's openid (in dev mode: the one given to dev login)")
		role := fs.String("role", "", "staff, captain or admin")
		community := fs.Uint64("community", 0, "community id (staff and captain)")
		var buildings idList
		fs.Var(&buildings, "building", "building id of a captain; repeat or separate with commas")
		do = func(a *app.App) error {
			_, lookup := a.Store.UserByOpenID(ctx, a.Services.Auth.StoredOpenID(*openid))
			g, created, err := a.Services.Roles.GrantByOpenID(ctx, *openid,
				service.Grant{Role: *role, CommunityID: *community, BuildingIDs: buildings})
			if err != nil {
				return err
			}
			// The console is an operator acting with no session: user 0, role "cli", address
			// "console"; the grant itself is what the audit must show.
			if err := a.Services.Audit.Record(ctx, service.AuditRecord{Role: "cli", CommunityID: g.CommunityID,
				Method: "CLI", Route: "linli admin grant", TargetType: "roles", TargetID: g.ID, Status: 0,
				IP: "console"}); err != nil {
				return err
			}
			verb := "granted"
			if !created {
				verb = "updated"
			}
			fmt.Fprintf(stdout, "%s %s (role id %d) to user %d", verb, g.Role.Role, g.ID, g.UserID)
			if g.CommunityID != 0 {
				fmt.Fprintf(stdout, " in community %d", g.CommunityID)
			}
			if len(g.BuildingIDs) > 0 {
				fmt.Fprintf(stdout, ", buildings %s", joinIDs(g.BuildingIDs))
			}
			fmt.Fprintln(stdout)
			if errors.Is(lookup, model.ErrNotFound) {
				// Granting before the first login is how the first staff are set up; but a
				// mistyped openid must not pass unnoticed.
				fmt.Fprintf(stderr, "注意：openid %q 还没有登录过，已为其新建用户 %d；若是输错了，请用 linli admin revoke 撤销\n", *openid, g.UserID)
			}
			return nil
		}
	case "revoke":
		openid := fs.String("openid", "", "the user's openid (in dev mode: the one given to dev login)")
		role := fs.String("role", "", "staff or captain")
		community := fs.Uint64("community", 0, "community id")
		do = func(a *app.App) error {
			g, err := a.Services.Roles.RevokeByOpenID(ctx, *openid, *role, *community)
			if err != nil {
				return err
			}
			if err := a.Services.Audit.Record(ctx, service.AuditRecord{Role: "cli", CommunityID: g.CommunityID,
				Method: "CLI", Route: "linli admin revoke", TargetType: "roles", TargetID: g.ID, Status: 0,
				IP: "console"}); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked %s (role id %d) of user %d in community %d\n", g.Role.Role, g.ID, g.UserID, g.CommunityID)
			return nil
		}
	case "list-buildings":
		community := fs.Uint64("community", 0, "community id")
		do = func(a *app.App) error { return listBuildings(ctx, a, *community, stdout) }
	default:
		fmt.Fprintln(stderr, adminUsage)
		return fmt.Errorf("unknown admin command %q (commands: create-community, grant, revoke, list-buildings)", sub)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("admin %s: unexpected argument %q", sub, fs.Arg(0))
	}
	a, err := boot(ctx, "admin", *cfgPath, environ, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	return adminError(sub, do(a))
}

// adminError turns a service error into one line naming the flag at fault.
func adminError(sub string, err error) error {
	var se *service.Error
	if !errors.As(err, &se) {
		return err
	}
	if se.Kind == service.KindInternal || se.Kind == service.KindUnavailable {
		return fmt.Errorf("admin %s: %w", sub, err)
	}
	msg := se.Message
	for _, f := range se.Fields {
		flagName := map[string]string{"building_ids": "building", "community_id": "community"}[f.Field]
		if flagName == "" {
			flagName = f.Field
		}
		msg += " (--" + flagName + ")"
	}
	return fmt.Errorf("admin %s: %s", sub, msg)
}

// idList is a repeatable flag of ids, each occurrence possibly comma-separated.
type idList []uint64

// String shows the ids as given.
func (l *idList) String() string { return joinIDs(*l) }

// Set adds the ids of one occurrence.
func (l *idList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil || id == 0 {
			return fmt.Errorf("%q is not an id", s)
		}
		*l = append(*l, id)
	}
	return nil
}

func joinIDs(ids []uint64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(s, ",")
}

// listBuildings prints the community's buildings, one per line: the id --building takes, the
// estate and the building's name.
func listBuildings(ctx context.Context, a *app.App, community uint64, stdout io.Writer) error {
	c, err := a.Services.Places.Community(ctx, community)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (community %d)\n", c.Name, c.ID)
	q := service.BuildingQuery{CommunityID: community, Limit: 200}
	for {
		items, more, err := a.Services.Places.Buildings(ctx, q)
		if err != nil {
			return err
		}
		for _, b := range items {
			fmt.Fprintf(stdout, "%d\t%s %s\n", b.ID, b.EstateName, b.Name)
		}
		if !more || len(items) == 0 {
			return nil
		}
		last := items[len(items)-1]
		q.After = model.BuildingPos{EstateID: last.EstateID, ID: last.ID}
	}
}
