package model

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	"github.com/go-gormigrate/gormigrate/v2"
	"github.com/go-sql-driver/mysql"

	"linli/config"
)

// testStore opens an empty database: SQLite in a temporary directory, or a fresh schema on the
// MySQL/MariaDB server of LINLI_TEST_MYSQL_DSN (dropped at the end).
func testStore(t *testing.T) *Store {
	t.Helper()
	cfg, dir := testDatabase(t)
	return openTestStore(t, cfg, dir)
}

// testDatabase makes an empty database and returns how to open it: a temporary directory for
// SQLite, or a fresh schema on the MySQL/MariaDB server of LINLI_TEST_MYSQL_DSN (dropped at the
// end). Several stores opened on it stand for several instances sharing one database.
func testDatabase(t *testing.T) (config.DB, string) {
	t.Helper()
	cfg := config.DB{Driver: "sqlite", MaxOpenConns: 4, MaxIdleConns: 2}
	if dsn := os.Getenv("LINLI_TEST_MYSQL_DSN"); dsn != "" {
		c, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		var b [6]byte
		_, _ = rand.Read(b[:])
		name := "linli_mig_" + hex.EncodeToString(b[:])
		c.DBName = ""
		db, err := sql.Open("mysql", c.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = db.Exec("DROP DATABASE IF EXISTS `" + name + "`"); _ = db.Close() })
		cfg.Driver = "mysql"
		if cfg.DSN, err = MySQLWithDatabase(dsn, name); err != nil {
			t.Fatal(err)
		}
	}
	return cfg, t.TempDir()
}

// openTestStore opens a store on a database of testDatabase, closed at the end.
func openTestStore(t *testing.T, cfg config.DB, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Residencies of before the register are put onto households by 0014_households: approved
// ones matched by their room text (however spelled) or given a household flagged for review,
// pending ones matched only, rejected ones left alone.
func TestMigrateHouseholdsMovesOldResidencies(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	list := migrations()
	var before []*gormigrate.Migration
	for _, m := range list {
		if m.ID == "0014_households" {
			break
		}
		before = append(before, m)
	}
	if err := gormigrate.New(s.db, &gormigrate.Options{TableName: "schema_migrations", IDColumnName: "id",
		IDColumnSize: 191, ValidateUnknownMigrations: true}, before).Migrate(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO communities (id, name, district, created_at) VALUES (1, '东亭社区', '', '2026-01-01')",
		"INSERT INTO estates (id, community_id, name, created_at) VALUES (1, 1, '春合苑', '2026-01-01')",
		"INSERT INTO buildings (id, community_id, estate_id, name, created_at) VALUES (1, 1, 1, '1栋', '2026-01-01'), (2, 1, 1, '2栋', '2026-01-01')",
	} {
		if err := s.db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	claims := []struct {
		id       int
		building int
		room     string
		status   string
	}{
		{1, 1, "1201", ResidencyApproved},
		{2, 1, "１２０１室", ResidencyApproved}, // the same room as 1
		{3, 1, "2单元302", ResidencyApproved},
		{4, 1, "1201", ResidencyPending},  // matches 1's household
		{5, 1, "999", ResidencyPending},   // no household made for a pending claim
		{6, 2, "1201", ResidencyRejected}, // left alone
		{7, 2, "1201", ResidencyApproved}, // another building: another household
	}
	for _, c := range claims {
		err := s.db.Exec("INSERT INTO residencies (id, user_id, community_id, building_id, room, status, reason, room_held, created_at, updated_at) "+
			"VALUES (?, ?, 1, ?, ?, ?, '', ?, '2026-01-01', '2026-01-01')", c.id, 100+c.id, c.building, c.room, c.status, false).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var hs []Household
	if err := s.db.Order("id").Find(&hs).Error; err != nil {
		t.Fatal(err)
	}
	if len(hs) != 3 {
		t.Fatalf("households: %+v", hs)
	}
	want := []struct {
		building   uint64
		unit, room string
	}{{1, "", "1201"}, {1, "2", "302"}, {2, "", "1201"}}
	for i, w := range want {
		h := hs[i]
		if h.BuildingID != w.building || h.Unit != w.unit || h.Room != w.room || !h.NeedsReview || h.CommunityID != 1 || h.EstateID != 1 {
			t.Fatalf("household %d: %+v, want %+v", i, h, w)
		}
	}
	of := map[int]*uint64{}
	var rs []Residency
	if err := s.db.Find(&rs).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		of[int(r.ID)] = r.HouseholdID
	}
	is := func(id int, h *Household) bool {
		if h == nil {
			return of[id] == nil
		}
		return of[id] != nil && *of[id] == h.ID
	}
	if !is(1, &hs[0]) || !is(2, &hs[0]) || !is(3, &hs[1]) || !is(4, &hs[0]) || !is(5, nil) || !is(6, nil) || !is(7, &hs[2]) {
		t.Fatalf("residencies' households: %v", of)
	}
}
