package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// EnvPrefix starts every environment variable Linli reads.
const EnvPrefix = "LINLI_"

// Load builds the configuration: Default, then the YAML file at path (if path is not empty),
// then LINLI_* variables from environ (as os.Environ returns them). It validates the result.
// Variables name keys by upper-casing them and turning dots into underscores:
// db.dsn is LINLI_DB_DSN, wechat.app_id is LINLI_WECHAT_APP_ID.
func Load(path string, environ []string) (Config, error) {
	k := koanf.New(".")
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return Config{}, fmt.Errorf("config: cannot read %s: %w", path, err)
		}
		if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	byEnv := envNames()
	err := k.Load(env.Provider(".", env.Opt{
		Prefix:      EnvPrefix,
		EnvironFunc: func() []string { return environ },
		TransformFunc: func(name, value string) (string, any) {
			key, ok := byEnv[name]
			if !ok {
				return "", nil // LINLI_CONFIG, test-only variables, and others we do not own
			}
			return key, value
		},
	}), nil)
	if err != nil {
		return Config{}, fmt.Errorf("config: environment: %w", err)
	}

	cfg := Default()
	err = k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{
		Tag: "koanf",
		DecoderConfig: &mapstructure.DecoderConfig{
			DecodeHook: mapstructure.ComposeDecodeHookFunc(
				mapstructure.StringToTimeDurationHookFunc(),
				mapstructure.StringToSliceHookFunc(","),
			),
			ErrorUnused:      true,
			WeaklyTypedInput: true,
			TagName:          "koanf",
			Result:           &cfg,
		},
	})
	if err != nil {
		return Config{}, fmt.Errorf("config: %s", oneLine(err))
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// EnvName is the environment variable that sets a dotted key.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Keys lists every dotted configuration key, in struct order.
func Keys() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := f.Tag.Get("koanf")
			if name == "" {
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.Type.String() != "time.Time" {
				walk(f.Type, prefix+name+".")
				continue
			}
			out = append(out, prefix+name)
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return out
}

func envNames() map[string]string {
	m := map[string]string{}
	for _, k := range Keys() {
		m[EnvName(k)] = k
	}
	return m
}

// oneLine flattens mapstructure's multi-error into one line that still names each key.
func oneLine(err error) string {
	var parts []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "*"))
		if line == "" || strings.HasSuffix(line, "error(s) decoding:") {
			continue
		}
		parts = append(parts, line)
	}
	if len(parts) == 0 {
		return errors.Unwrap(err).Error()
	}
	return strings.Join(parts, "; ")
}
