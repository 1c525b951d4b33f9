package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"linli/app"
)

// parseFlags parses the flags of a subcommand: a bad flag (already reported by the flag set)
// is errUsage, -h is flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// parseWithFile parses flags around one file argument (`--community 3 FILE.xlsx --dry-run`:
// the flag package stops at the first argument that is not a flag).
func parseWithFile(fs *flag.FlagSet, args []string) (string, error) {
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", fmt.Errorf("%s: name the workbook (.xlsx) to import", fs.Name())
	}
	file := fs.Arg(0)
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return file, nil
}

// importHouseholds runs `linli admin import-households`: the first set-up of a community's
// register from a workbook, through the same import as the API (checked whole, one
// transaction, idempotent). A file with errors prints each and fails, writing nothing.
func importHouseholds(ctx context.Context, a *app.App, community uint64, path string, dry bool, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := a.Services.Households.Import(ctx, 0, community, f, dry)
	if err != nil {
		return err
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(stdout, "第 %d 行\t%s\t%s\n", e.Row, e.Column, e.Message)
	}
	if rep.ErrorCount > 0 {
		if more := rep.ErrorCount - len(rep.Errors); more > 0 {
			fmt.Fprintf(stdout, "……另有 %d 处错误\n", more)
		}
		return fmt.Errorf("admin import-households: %d errors in %s, nothing imported", rep.ErrorCount, path)
	}
	mode := "imported"
	if dry {
		mode = "dry run (nothing written)"
	}
	fmt.Fprintf(stdout, "%s: %d rows; estates created %d, buildings created %d, households created %d, updated %d, unchanged %d\n",
		mode, rep.Rows, rep.EstatesCreated, rep.BuildingsCreated, rep.HouseholdsCreated, rep.HouseholdsUpdated, rep.Unchanged)
	return nil
}
