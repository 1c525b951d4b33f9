package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
)

// runOpenAPI prints the OpenAPI document the server serves (`linli openapi [--yaml]`), for
// client generators and the contract checks in CI, without serving anything.
func runOpenAPI(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("linli openapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", lookup(environ, "LINLI_CONFIG"), "configuration file (YAML); also LINLI_CONFIG")
	asYAML := fs.Bool("yaml", false, "print YAML instead of JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("openapi: unexpected argument %q", fs.Arg(0))
	}
	a, err := boot(ctx, "openapi", *cfgPath, environ, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	path := "/api/docs/openapi.json"
	if *asYAML {
		path = "/api/docs/openapi.yaml"
	}
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		return fmt.Errorf("openapi: the server answered %d", rec.Code)
	}
	_, err = stdout.Write(rec.Body.Bytes())
	return err
}
