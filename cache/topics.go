package cache

import (
	"strconv"
	"strings"
)

// Topic names something whose change other instances must hear of: a family and an id,
// "family:id". A message on the invalidation channel is one topic; what a Memo keeps names the
// topics it was read from. Every family is declared here, so that what a change publishes and
// what a read depends on are written against the same names.
type Topic string

// The families.
const (
	famSession    = "s"    // a session, by its token's hash: logout, revocation, expiry
	famUser       = "u"    // a user's identity: profile, roles, residencies, phone, erasure
	famIssues     = "iss"  // the issues of a building ("b<id>") or a community ("c<id>")
	famActivities = "act"  // a community's list of activities
	famSignups    = "actc" // an activity's sign-ups and place counts
	famBoard      = "lb"   // a community's leaderboards and their cards
	famDirectory  = "dir"  // the skill directory (listings, skills, dispatch order)
	famCategories = "cat"  // a community's issue categories
	famNotices    = "ann"  // a community's published announcements
	famReads      = "annr" // the announcements a user has read
)

func topic(family string, id uint64) Topic { return Topic(family + ":" + strconv.FormatUint(id, 10)) }

// SessionTopic is a session, by its token's hash.
func SessionTopic(hash string) Topic { return Topic(famSession + ":" + hash) }

// UserTopic is a user's identity and profile (what others see of them too).
func UserTopic(id uint64) Topic { return topic(famUser, id) }

// AnyUser changes with every user's identity: what shows people's names depends on it.
const AnyUser = Topic(famUser + ":*")

// BuildingIssuesTopic is the issues of a building.
func BuildingIssuesTopic(id uint64) Topic {
	return Topic(famIssues + ":b" + strconv.FormatUint(id, 10))
}

// CommunityIssuesTopic is the issues of a community.
func CommunityIssuesTopic(id uint64) Topic {
	return Topic(famIssues + ":c" + strconv.FormatUint(id, 10))
}

// ActivitiesTopic is a community's list of activities.
func ActivitiesTopic(communityID uint64) Topic { return topic(famActivities, communityID) }

// SignupsTopic is an activity's sign-ups and place counts.
func SignupsTopic(activityID uint64) Topic { return topic(famSignups, activityID) }

// BoardTopic is a community's leaderboards.
func BoardTopic(communityID uint64) Topic { return topic(famBoard, communityID) }

// DirectoryTopic is the skill directory (every community's: a change is rare).
const DirectoryTopic = Topic(famDirectory + ":all")

// CategoriesTopic is a community's issue categories.
func CategoriesTopic(communityID uint64) Topic { return topic(famCategories, communityID) }

// AnnouncementsTopic is a community's published announcements (publish, release, withdraw).
func AnnouncementsTopic(communityID uint64) Topic { return topic(famNotices, communityID) }

// ReadsTopic is the announcements a user has read.
func ReadsTopic(userID uint64) Topic { return topic(famReads, userID) }

// family is the topic that stands for every topic of t's family ("u:*" for "u:12").
func (t Topic) family() (Topic, bool) {
	f, _, ok := strings.Cut(string(t), ":")
	if !ok {
		return "", false
	}
	return Topic(f + ":*"), true
}
