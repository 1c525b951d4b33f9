package main

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"linli/app/apptest"
	"linli/config"
)

// The tests of run() are not parallel: run sets go-redis's process-wide logger.

// cliEnviron is the environment that points the command line at cfg's database and Redis (a
// fresh SQLite file, or a MariaDB schema and real Redis when the test variables are set).
func cliEnviron(cfg config.Config) []string {
	env := []string{"LINLI_DATA_DIR=" + cfg.DataDir, "LINLI_DB_DRIVER=" + cfg.DB.Driver, "LINLI_LOG_LEVEL=warn"}
	if cfg.DB.DSN != "" {
		env = append(env, "LINLI_DB_DSN="+cfg.DB.DSN)
	}
	if cfg.Redis.Addr != "" {
		env = append(env, "LINLI_REDIS_ADDR="+cfg.Redis.Addr, "LINLI_REDIS_PREFIX="+cfg.Redis.Prefix)
	}
	if cfg.WeChat.AppID != "" {
		env = append(env, "LINLI_WECHAT_APP_ID="+cfg.WeChat.AppID, "LINLI_WECHAT_APP_SECRET="+cfg.WeChat.AppSecret,
			"LINLI_WECHAT_API_BASE="+cfg.WeChat.APIBase, "LINLI_SECRET_KEY="+cfg.SecretKey)
	}
	return env
}

// admin runs `linli admin args...` and returns its standard output and error.
func admin(env []string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"admin"}, args...), env, &out, &errOut)
	return strings.TrimSpace(out.String()), err
}

func TestAdminCreateCommunityAndGrantBeforeFirstLogin(t *testing.T) {
	cfg := apptest.Config(t)
	env := cliEnviron(cfg)
	e := apptest.FromConfig(t, cfg)

	id, err := admin(env, "create-community", "--name", "东亭社区", "--district", "锡山区东亭街道")
	if err != nil || id == "" {
		t.Fatalf("create-community: %q, %v", id, err)
	}
	var dir struct {
		Items []struct{ ID, Name, District string } `json:"items"`
	}
	e.Do("GET", "/api/v1/communities", nil).Want(t, 200).Data(t, &dir)
	if len(dir.Items) != 1 || dir.Items[0].ID != id || dir.Items[0].District != "锡山区东亭街道" {
		t.Fatalf("directory after create-community: %+v", dir)
	}
	if _, err := admin(env, "create-community", "--name", "东亭社区"); err == nil || !strings.Contains(err.Error(), "已有") {
		t.Fatalf("duplicate community: %v", err)
	}

	// Staff granted before their first login: the login finds the user and the role.
	out, err := admin(env, "grant", "--openid", "chief", "--role", "staff", "--community", id)
	if err != nil || !strings.Contains(out, "granted staff") {
		t.Fatalf("grant staff: %q, %v", out, err)
	}
	if out, err := admin(env, "grant", "--openid", "chief", "--role", "staff", "--community", id); err != nil ||
		!strings.Contains(out, "updated staff") {
		t.Fatalf("grant staff again: %q, %v", out, err)
	}
	if n, err := e.App.Store.Count(t.Context(), "audit_log", "route = ? AND ip = ?", "linli admin grant", "console"); err != nil || n != 2 {
		t.Fatalf("%d console grants in the audit log (%v), want 2", n, err)
	}
	var login struct {
		Token   string `json:"token"`
		NewUser bool   `json:"new_user"`
		User    struct {
			Roles []struct {
				Role        string   `json:"role"`
				CommunityID string   `json:"community_id"`
				BuildingIDs []string `json:"building_ids"`
			} `json:"roles"`
		} `json:"user"`
	}
	e.Do("POST", "/api/v1/auth/dev-login", map[string]string{"openid": "chief"}).Want(t, 200).Data(t, &login)
	if login.NewUser || len(login.User.Roles) != 1 || login.User.Roles[0].Role != "staff" || login.User.Roles[0].CommunityID != id {
		t.Fatalf("first login of granted staff: %+v", login)
	}
	// Their staff powers work at once.
	var est struct {
		ID string `json:"id"`
	}
	e.Do("POST", "/api/v1/communities/"+id+"/estates", map[string]string{"name": "1号院"}, apptest.Token(login.Token)).
		Want(t, 201).Data(t, &est)
	var bs []string
	for _, name := range []string{"1栋", "2栋", "3栋"} {
		var b struct {
			ID string `json:"id"`
		}
		e.Do("POST", "/api/v1/communities/"+id+"/buildings", map[string]string{"estate_id": est.ID, "name": name},
			apptest.Token(login.Token)).Want(t, 201).Data(t, &b)
		bs = append(bs, b.ID)
	}

	// A captain's buildings: --building repeated and comma-separated.
	if out, err := admin(env, "grant", "--openid", "cap", "--role", "captain", "--community", id,
		"--building", bs[0], "--building", bs[1]+","+bs[2]); err != nil || !strings.Contains(out, "buildings "+strings.Join(bs, ",")) {
		t.Fatalf("grant captain: %q, %v", out, err)
	}
	e.Do("POST", "/api/v1/auth/dev-login", map[string]string{"openid": "cap"}).Want(t, 200).Data(t, &login)
	if len(login.User.Roles) != 1 || login.User.Roles[0].Role != "captain" || !slices.Equal(login.User.Roles[0].BuildingIDs, bs) {
		t.Fatalf("captain: %+v", login.User.Roles)
	}

	// Admin is global and only granted here.
	if _, err := admin(env, "grant", "--openid", "root", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	e.Do("POST", "/api/v1/auth/dev-login", map[string]string{"openid": "root"}).Want(t, 200).Data(t, &login)
	e.Do("POST", "/api/v1/communities", map[string]string{"name": "东环路社区"}, apptest.Token(login.Token)).Want(t, 201)
}

func TestAdminCommandErrorsNameTheFlag(t *testing.T) {
	cfg := apptest.Config(t)
	env := cliEnviron(cfg)
	id, err := admin(env, "create-community", "--name", "雨湖社区")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"create-community"}, "--name"},
		{[]string{"create-community", "--name", "x", "extra"}, "extra"},
		{[]string{"grant", "--role", "staff", "--community", id}, "--openid"},
		{[]string{"grant", "--openid", "o", "--role", "boss", "--community", id}, "--role"},
		{[]string{"grant", "--openid", "o", "--role", "staff"}, "--community"},
		{[]string{"grant", "--openid", "o", "--role", "admin", "--community", id}, "--community"},
		{[]string{"grant", "--openid", "o", "--role", "captain", "--community", id}, "--building"},
		{[]string{"grant", "--openid", "o", "--role", "captain", "--community", id, "--building", "999999"}, "--building"},
		{[]string{"grant", "--openid", "o", "--role", "staff", "--community", "999999"}, "社区不存在"},
		{[]string{"grant", "--openid", "o", "--role", "staff", "--community", id, "--building", "x"}, "usage"},
		{[]string{"frobnicate"}, "frobnicate"},
		{nil, "usage"},
	} {
		_, err := admin(env, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("admin %v: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
	// Nothing was granted, and no user was made for the refused grants.
	e := apptest.FromConfig(t, cfg)
	for _, table := range []string{"roles", "users"} {
		if n, err := e.App.Store.Count(context.Background(), table, ""); err != nil || n != 0 {
			t.Fatalf("%s: %d rows after refused grants (%v)", table, n, err)
		}
	}
}

// TestAdminGrantWithWeChatUsesTheRealOpenID: with WeChat configured the openid is WeChat's.
func TestAdminGrantWithWeChatUsesTheRealOpenID(t *testing.T) {
	cfg := apptest.Config(t, apptest.WithWeChat())
	env := cliEnviron(cfg)
	id, err := admin(env, "create-community", "--name", "锦山源社区")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin(env, "grant", "--openid", "oWx-real-openid", "--role", "staff", "--community", id); err != nil {
		t.Fatal(err)
	}
	e := apptest.FromConfig(t, cfg)
	u, err := e.App.Store.UserByOpenID(context.Background(), "oWx-real-openid")
	if err != nil {
		t.Fatalf("user by the real openid: %v", err)
	}
	roles, err := e.App.Store.RolesOfUser(context.Background(), u.ID)
	if err != nil || len(roles) != 1 || roles[0].Role.Role != "staff" {
		t.Fatalf("roles: %+v (%v)", roles, err)
	}
}

// TestAdminSaysWhatItDid: create-community prints the id alone on stdout (for scripts) and a
// sentence on stderr; a grant to an openid that never logged in says it made a new user (a
// mistyped openid must not pass unnoticed), a grant to a known user does not.
func TestAdminSaysWhatItDid(t *testing.T) {
	cfg := apptest.Config(t)
	env := cliEnviron(cfg)
	apptest.FromConfig(t, cfg)
	say := func(args ...string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), append([]string{"admin"}, args...), env, &out, &errOut); err != nil {
			t.Fatalf("%v: %v (%s)", args, err, errOut.String())
		}
		return strings.TrimSpace(out.String()), errOut.String()
	}
	id, note := say("create-community", "--name", "水果湖社区", "--district", "武汉市武昌区")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil || !strings.Contains(note, "已创建社区「水果湖社区」，ID "+id) {
		t.Fatalf("create-community: stdout %q, stderr %q", id, note)
	}
	if _, note = say("grant", "--openid", "typo-staff", "--role", "staff", "--community", id); !strings.Contains(note, "还没有登录过") {
		t.Fatalf("grant to a new openid says nothing of it: %q", note)
	}
	if _, note = say("grant", "--openid", "typo-staff", "--role", "staff", "--community", id); strings.Contains(note, "还没有登录过") {
		t.Fatalf("grant to a known user warns: %q", note)
	}
}
