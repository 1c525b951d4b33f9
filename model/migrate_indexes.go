package model

import "gorm.io/gorm"

// migrateIndexes (0011_perf_indexes) adds indexes, each for a list that read far more rows than
// it shows at district scale (10 communities of 15,000 residents and two years of history;
// docs/indexes.md has every list query with its EXPLAIN on MariaDB before and after):
//   - ix_issues_building_queue: a captain's queue and a resident's building list (building IN
//     …, open statuses, urgent first then oldest) read every issue ever reported in those
//     buildings through ix_issues_building (building, category, status) to keep the open ones;
//     now only the open ones, from the index alone (model.Store.Issues picks the page's ids
//     first and joins the names to those only);
//   - ix_residency_list: a decider's list of approved or rejected claims of a community walked
//     the primary key through every community's claims; now (community, status, id);
//   - ix_skill_profiles_list: the staff's list of skill profiles likewise walked every
//     community's profiles; now (community, withdrawn, id);
//   - ix_postings_rank_building: rebuilding a building's leaderboard summed every posting of the
//     community; now the building's (and month's) postings only.
//
// Plain CREATE INDEX reads the same on SQLite, MySQL 8 and MariaDB (which honours DESC from
// 10.8; older versions sort instead).
func migrateIndexes(tx *gorm.DB) error {
	for _, ix := range []string{
		"CREATE INDEX ix_issues_building_queue ON issues (building_id, status, urgent DESC, id)",
		"CREATE INDEX ix_residency_list ON residencies (community_id, status, id)",
		"CREATE INDEX ix_skill_profiles_list ON skill_profiles (community_id, withdrawn, id)",
		"CREATE INDEX ix_postings_rank_building ON postings (community_id, building_id, month)",
	} {
		if err := tx.Exec(ix).Error; err != nil {
			return err
		}
	}
	return nil
}
