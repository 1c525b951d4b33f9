package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestNotifyTemplatesFromYAML: the maps load from the file, template_fields replaces the
// default layout instead of adding to it, and an empty one means the default.
func TestNotifyTemplatesFromYAML(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "notify:\n  templates:\n    issue_new: tmplNew_0001\n    issue_status: tmpl-Status-0002\n" +
		"  template_fields: {thing4: title, thing5: body, date6: time}\n  poll_interval: 500ms\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, []string{"LINLI_NOTIFY_LEASE=1m", "LINLI_NOTIFY_MAX_ATTEMPTS=3"})
	if err != nil {
		t.Fatal(err)
	}
	n := cfg.Notify
	if n.Templates["issue_new"] != "tmplNew_0001" || n.Templates["issue_status"] != "tmpl-Status-0002" || len(n.Templates) != 2 {
		t.Fatalf("templates %v", n.Templates)
	}
	want := map[string]string{"thing4": "title", "thing5": "body", "date6": "time"}
	if !reflect.DeepEqual(n.Fields(), want) {
		t.Fatalf("fields %v, want %v", n.Fields(), want)
	}
	if n.PollInterval != 500*time.Millisecond || n.Lease != time.Minute || n.MaxAttempts != 3 || n.BatchSize != 20 {
		t.Fatalf("notify %+v", n)
	}
	if d := Default().Notify.Fields(); !reflect.DeepEqual(d, DefaultTemplateFields()) {
		t.Fatalf("default fields %v", d)
	}
}

func TestNotifyValidation(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		edit func(*Config)
		key  string
	}{
		{"kind", func(c *Config) { c.Notify.Templates = map[string]string{"Issue New": "tmpl1"} }, "notify.templates"},
		{"template id", func(c *Config) { c.Notify.Templates = map[string]string{"issue_new": "has space"} }, "notify.templates"},
		{"empty template id", func(c *Config) { c.Notify.Templates = map[string]string{"issue_new": ""} }, "notify.templates"},
		{"data key", func(c *Config) { c.Notify.TemplateFields = map[string]string{"thing": "title"} }, "notify.template_fields"},
		{"data source", func(c *Config) { c.Notify.TemplateFields = map[string]string{"thing1": "author"} }, "notify.template_fields"},
		{"poll", func(c *Config) { c.Notify.PollInterval = 0 }, "notify.poll_interval"},
		{"lease", func(c *Config) { c.Notify.Lease = 10 * time.Second }, "notify.lease"},
		{"batch", func(c *Config) { c.Notify.BatchSize = 0 }, "notify.batch_size"},
		{"attempts", func(c *Config) { c.Notify.MaxAttempts = 0 }, "notify.max_attempts"},
	} {
		cfg := Default()
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%s: %v, want an error naming %s", c.name, err, c.key)
		}
	}
}
