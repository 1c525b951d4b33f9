package service

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"linli/model"
)

// Council is the council (议事厅): residents raise topics, households second them, staff
// open votes by household, the result is published, and the decision's follow-up items are
// carried out. Votes are in council_votes.go, follow-up items in council_actions.go.
type Council struct {
	store      *model.Store
	places     *Places
	households *Households
	safety     *Safety
	notify     *Notifier
	users      *Users
	opt        CouncilOptions
	log        *slog.Logger
	now        func() time.Time
}

// CouncilOptions configures the council (config council.*).
type CouncilOptions struct {
	// Threshold is how many households' seconds put a topic on the agenda.
	Threshold int
	// PublishFor is how long a result stays published (公示).
	PublishFor time.Duration
	// Publish, when set, publishes a closed vote's result as an announcement to the topic's
	// scope until the given time.
	Publish func(ctx context.Context, audience model.HouseholdScope, title, body string, until time.Time) error
}

// NewCouncil builds the council.
func NewCouncil(store *model.Store, places *Places, households *Households, safety *Safety, notify *Notifier,
	users *Users, opt CouncilOptions, log *slog.Logger) *Council {
	if opt.Threshold < 1 {
		opt.Threshold = 5
	}
	if opt.PublishFor <= 0 {
		opt.PublishFor = 7 * 24 * time.Hour
	}
	return &Council{store: store, places: places, households: households, safety: safety, notify: notify,
		users: users, opt: opt, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// SetPublisher sets how results are published (the announcements service, once built).
func (c *Council) SetPublisher(f func(ctx context.Context, audience model.HouseholdScope, title, body string, until time.Time) error) {
	c.opt.Publish = f
}

// Proposal is a topic a user raises.
type Proposal struct {
	CommunityID uint64
	Scope       string // community, estate or building
	ScopeID     uint64 // the estate or building; the community (or 0) for a community topic
	IssueID     uint64 // optional: the issue (报事) it grew from
	Title, Body string
}

// Propose raises a topic (提议): an approved resident of the scope, a captain or staff of the
// community. Text content safety refuses is a 422 and nothing is kept; text it cannot clear
// now is kept as pending_review until a manager accepts or rejects it.
func (c *Council) Propose(ctx context.Context, p *Principal, in Proposal) (*model.Topic, error) {
	if _, err := c.places.Community(ctx, in.CommunityID); err != nil {
		return nil, err
	}
	if err := Authorize(p, ActCouncilPropose, Scope{CommunityID: in.CommunityID}); err != nil {
		if KindOf(err) == KindForbidden {
			return nil, Errorf(KindForbidden, "只有本社区通过房屋认证的居民、楼栋长或社区工作者才能提议")
		}
		return nil, err
	}
	t := &model.Topic{CommunityID: in.CommunityID, Scope: in.Scope, ProposerID: p.UserID, Threshold: c.opt.Threshold}
	if err := c.placeTopic(ctx, t, in.ScopeID); err != nil {
		return nil, err
	}
	role, err := c.roleIn(ctx, p, t)
	if err != nil {
		return nil, err
	}
	if !role.member && !role.manage && !p.captainIn(in.CommunityID) {
		return nil, Errorf(KindForbidden, "只有该范围内通过房屋认证的居民才能就此提议")
	}
	if in.IssueID != 0 {
		is, err := c.store.IssueByID(ctx, in.IssueID)
		if errors.Is(err, model.ErrNotFound) || (err == nil && is.CommunityID != in.CommunityID) {
			return nil, Invalid("issue_id", "关联的报事不存在或不属于本社区")
		}
		if err != nil {
			return nil, err
		}
		t.IssueID = &in.IssueID
	}
	if t.Title, err = CleanText(TextRule{Field: "title", What: "议题标题", Max: 60, Required: true}, in.Title); err != nil {
		return nil, err
	}
	if t.Body, err = CleanText(TextRule{Field: "body", What: "议题内容", Max: 2000, Required: true, Multiline: true}, in.Body); err != nil {
		return nil, err
	}
	held, err := c.safety.Screen(ctx, c.store, p.UserID, SceneForum, "议题", t.Title+"\n"+t.Body)
	if err != nil {
		return nil, err
	}
	t.Status = model.TopicProposed
	if held {
		t.Status = model.TopicPendingReview
	}
	now := c.now()
	t.CreatedAt, t.UpdatedAt = now, now
	if err := c.store.CreateTopic(ctx, t, model.TopicEvent{ActorID: p.UserID, Action: "propose", ToStatus: t.Status}); err != nil {
		return nil, err
	}
	return t, nil
}

// placeTopic checks the topic's scope and sets its estate and building.
func (c *Council) placeTopic(ctx context.Context, t *model.Topic, scopeID uint64) error {
	sc, err := resolveScope(ctx, c.store, t.CommunityID, t.Scope, scopeID, "scope", "scope_id")
	t.EstateID, t.BuildingID = sc.EstateID, sc.BuildingID
	return err
}

// topicScope is where the topic is.
func topicScope(t *model.Topic) placeScope {
	return placeScope{CommunityID: t.CommunityID, Kind: t.Scope, EstateID: t.EstateID, BuildingID: t.BuildingID}
}

// topic returns a topic p may see with p's role in it; 404 otherwise.
func (c *Council) topic(ctx context.Context, p *Principal, id uint64) (*model.Topic, councilRole, error) {
	t, err := c.store.TopicByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, councilRole{}, Errorf(KindNotFound, "议题不存在或无权查看")
	}
	if err != nil {
		return nil, councilRole{}, err
	}
	role, err := c.roleIn(ctx, p, t)
	if err != nil {
		return nil, role, err
	}
	if !role.view {
		return nil, role, Errorf(KindNotFound, "议题不存在或无权查看")
	}
	return t, role, nil
}

// TopicDetail is a topic as its viewer sees it.
type TopicDetail struct {
	model.Topic
	Timeline []model.TopicEvent
	Votes    []model.Vote
	Actions  []model.TopicAction
	// Seconded: the viewer's household in the scope has seconded it.
	Seconded bool
	// Allowed lists what the viewer may do now: second, unsecond, accept, reject, withdraw,
	// close, comment, vote (open one), action (add a follow-up item).
	Allowed []string
}

// Topic returns the topic with its timeline, votes, follow-up items and what p may do.
func (c *Council) Topic(ctx context.Context, p *Principal, id uint64) (*TopicDetail, error) {
	t, role, err := c.topic(ctx, p, id)
	if err != nil {
		return nil, err
	}
	d := &TopicDetail{Topic: *t}
	if d.Timeline, err = c.store.TopicEvents(ctx, id); err != nil {
		return nil, err
	}
	if d.Votes, err = c.store.VotesOfTopic(ctx, id); err != nil {
		return nil, err
	}
	if d.Actions, err = c.store.TopicActions(ctx, id); err != nil {
		return nil, err
	}
	if role.member {
		if h, err := c.householdIn(ctx, p.UserID, t); err == nil {
			got, err := c.store.SecondedBy(ctx, id, []uint64{h.ID})
			if err != nil {
				return nil, err
			}
			d.Seconded = got[h.ID]
		}
	}
	d.Allowed = allowedOn(t, role, p.UserID == t.ProposerID, d.Seconded)
	return d, nil
}

func allowedOn(t *model.Topic, r councilRole, proposer, seconded bool) []string {
	var out []string
	add := func(ok bool, what string) {
		if ok {
			out = append(out, what)
		}
	}
	st := t.Status
	add(r.member && st == model.TopicProposed && !seconded && !proposer, "second")
	add(r.member && st == model.TopicProposed && seconded, "unsecond")
	add(r.manage && (st == model.TopicProposed || st == model.TopicPendingReview), "accept")
	add(r.manage && (st == model.TopicProposed || st == model.TopicPendingReview || st == model.TopicOnAgenda), "reject")
	add(proposer && (st == model.TopicProposed || st == model.TopicPendingReview || st == model.TopicOnAgenda), "withdraw")
	add(r.manage && (st == model.TopicOnAgenda || st == model.TopicDecided), "close")
	add((r.member || r.manage) && commentable(st), "comment")
	add(r.staff && st == model.TopicOnAgenda, "vote")
	add(r.manage && st == model.TopicDecided, "action")
	return out
}

func commentable(status string) bool {
	switch status {
	case model.TopicProposed, model.TopicOnAgenda, model.TopicVoting, model.TopicDecided:
		return true
	}
	return false
}

// TopicList asks for a page of a community's topics.
type TopicList struct {
	CommunityID uint64
	Status      string // one status, "open" (proposed, on_agenda, voting, decided), or "" for all
	Before      uint64
	Limit       int
}

// Topics lists the topics p may see, newest first: staff and captains see every scope,
// residents the community's and their own estates' and buildings'.
func (c *Council) Topics(ctx context.Context, p *Principal, q TopicList) ([]model.Topic, bool, error) {
	if _, err := c.places.Community(ctx, q.CommunityID); err != nil {
		return nil, false, err
	}
	if err := Authorize(p, ActCommunityView, Scope{CommunityID: q.CommunityID}); err != nil {
		return nil, false, err
	}
	f := model.TopicFilter{CommunityID: q.CommunityID, ViewerID: p.UserID,
		All: p.Admin || p.Staff[q.CommunityID] || p.captainIn(q.CommunityID)}
	switch q.Status {
	case "":
	case "open":
		f.Statuses = []string{model.TopicProposed, model.TopicOnAgenda, model.TopicVoting, model.TopicDecided}
	default:
		f.Statuses = []string{q.Status}
	}
	for b, comm := range p.Resident {
		if comm != q.CommunityID {
			continue
		}
		bv, err := c.places.Building(ctx, b)
		if err != nil {
			return nil, false, err
		}
		f.BuildingIDs, f.EstateIDs = append(f.BuildingIDs, b), append(f.EstateIDs, bv.EstateID)
	}
	items, err := c.store.Topics(ctx, f, q.Before, q.Limit+1)
	if err != nil {
		return nil, false, err
	}
	items, more := trimPage(items, q.Limit)
	return items, more, nil
}
