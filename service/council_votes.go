package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"linli/model"
)

// VoteSpec is a vote staff open on a topic on the agenda.
type VoteSpec struct {
	Question      string
	Options       []string
	OpensAt       time.Time // zero: now
	ClosesAt      time.Time
	Electorate    string // households (default) or residents
	QuorumPercent int    // share of the electorate that must vote, 0–100
	PassPercent   int    // share of the ballots the leading option needs, 1–100
	Secret        bool
}

// OpenVote opens a vote (表决) on a topic on the agenda (staff): its electorate — the scope's
// registered households, or its approved residents — is fixed now.
func (c *Council) OpenVote(ctx context.Context, p *Principal, topicID uint64, s VoteSpec) (*model.Vote, error) {
	t, role, err := c.topic(ctx, p, topicID)
	if err != nil {
		return nil, err
	}
	if err := Authorize(p, ActCouncilVote, Scope{CommunityID: t.CommunityID}); err != nil {
		return nil, role.need(false, "只有社区工作者才能发起表决")
	}
	now := c.now()
	v := &model.Vote{TopicID: t.ID, CommunityID: t.CommunityID, Electorate: s.Electorate, Secret: s.Secret,
		QuorumPercent: s.QuorumPercent, PassPercent: s.PassPercent, OpensAt: s.OpensAt, ClosesAt: s.ClosesAt,
		Status: model.VoteOpen, CreatedBy: p.UserID}
	if v.Electorate == "" {
		v.Electorate = model.ElectorateHouseholds
	}
	if v.PassPercent == 0 {
		v.PassPercent = 50
	}
	if v.OpensAt.IsZero() || v.OpensAt.Before(now) {
		v.OpensAt = now
	}
	labels, err := c.checkVote(v, s, now)
	if err != nil {
		return nil, err
	}
	if err := c.safety.ScreenByStaff(ctx, c.store, p.UserID, SceneComment, "表决内容",
		v.Question+"\n"+strings.Join(labels, "\n")); err != nil {
		return nil, err
	}
	if err := c.store.OpenVote(ctx, t, v, labels, p.UserID); err != nil {
		if errors.Is(err, model.ErrTopicNotOnAgenda) {
			return nil, Errorf(KindConflict, "只有列入议程的议题才能发起表决（当前：%s）", topicStatusText[t.Status])
		}
		return nil, err
	}
	c.tell(ctx, t, p.UserID, "议题进入表决", fmt.Sprintf("「%s」开始表决，截止 %s", t.Title, chinaTime(v.ClosesAt)))
	return v, nil
}

// checkVote validates a vote's question, options, window and thresholds.
func (c *Council) checkVote(v *model.Vote, s VoteSpec, now time.Time) ([]string, error) {
	var err error
	if v.Question, err = CleanText(TextRule{Field: "question", What: "表决事项", Max: 200, Required: true}, s.Question); err != nil {
		return nil, err
	}
	if len(s.Options) < 2 || len(s.Options) > 10 {
		return nil, Invalid("options", "表决选项应为 2–10 个")
	}
	labels := make([]string, len(s.Options))
	seen := map[string]bool{}
	for i, o := range s.Options {
		if labels[i], err = CleanText(TextRule{Field: "options", What: "表决选项", Max: 60, Required: true}, o); err != nil {
			return nil, err
		}
		if seen[labels[i]] {
			return nil, Invalid("options", "表决选项不能重复："+labels[i])
		}
		seen[labels[i]] = true
	}
	switch {
	case v.Electorate != model.ElectorateHouseholds && v.Electorate != model.ElectorateResidents:
		return nil, Invalid("electorate", "投票范围应为 households（按户）或 residents（按人）")
	case !v.ClosesAt.After(now):
		return nil, Invalid("closes_at", "截止时间应晚于现在")
	case v.ClosesAt.Sub(v.OpensAt) < 10*time.Minute:
		return nil, Invalid("closes_at", "投票时间至少 10 分钟")
	case v.ClosesAt.Sub(v.OpensAt) > 90*24*time.Hour:
		return nil, Invalid("closes_at", "投票时间最长 90 天")
	case v.QuorumPercent < 0 || v.QuorumPercent > 100:
		return nil, Invalid("quorum_percent", "参与率门槛应在 0–100 之间")
	case v.PassPercent < 1 || v.PassPercent > 100:
		return nil, Invalid("pass_percent", "通过比例应在 1–100 之间")
	}
	return labels, nil
}

// VoteView is a vote as its viewer sees it.
type VoteView struct {
	model.Vote
	Topic   *model.Topic
	Options []model.VoteOption
	// ShowCounts: counts per option are shown (closed, or an open vote that is not secret).
	ShowCounts bool
	Turnout    int
	// Elector: the viewer (or their household) is in the electorate; Voted: it has voted;
	// Choice: its option, for a vote that is not secret.
	Elector bool
	Voted   bool
	Choice  *int
}

// Vote returns a vote for a viewer of its topic.
func (c *Council) Vote(ctx context.Context, p *Principal, id uint64) (*VoteView, error) {
	v, t, _, err := c.vote(ctx, p, id)
	if err != nil {
		return nil, err
	}
	out := &VoteView{Vote: *v, Topic: t, ShowCounts: v.Status == model.VoteClosed || !v.Secret}
	if out.Options, err = c.store.VoteOptions(ctx, id); err != nil {
		return nil, err
	}
	if out.Turnout, err = c.store.Turnout(ctx, id); err != nil {
		return nil, err
	}
	if elector, err := c.electorOf(ctx, p, v, t); err == nil {
		out.Elector = true
		b, err := c.store.BallotOf(ctx, id, elector)
		switch {
		case err == nil:
			out.Voted, out.Choice = true, b.Choice
		case !errors.Is(err, model.ErrNotFound):
			return nil, err
		}
	} else if KindOf(err) != KindForbidden {
		return nil, err
	}
	return out, nil
}

func (c *Council) vote(ctx context.Context, p *Principal, id uint64) (*model.Vote, *model.Topic, councilRole, error) {
	v, err := c.store.VoteByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil, councilRole{}, Errorf(KindNotFound, "表决不存在或无权查看")
	}
	if err != nil {
		return nil, nil, councilRole{}, err
	}
	t, role, err := c.topic(ctx, p, v.TopicID)
	if KindOf(err) == KindNotFound {
		return nil, nil, role, Errorf(KindNotFound, "表决不存在或无权查看")
	}
	return v, t, role, err
}

// electorOf returns p's elector id in the vote: the first of p's households in the
// electorate, or p for a vote by resident; 403 when p is not in it.
func (c *Council) electorOf(ctx context.Context, p *Principal, v *model.Vote, t *model.Topic) (uint64, error) {
	candidates := []uint64{p.UserID}
	if v.Electorate == model.ElectorateHouseholds {
		hs, err := c.store.UserHouseholds(ctx, p.UserID, t.CommunityID)
		if err != nil {
			return 0, err
		}
		candidates = candidates[:0]
		for _, h := range hs {
			candidates = append(candidates, h.ID)
		}
	}
	id, err := c.store.ElectorOf(ctx, v.ID, candidates)
	if errors.Is(err, model.ErrNotFound) {
		return 0, Errorf(KindForbidden, "您（或您的住户）不在本次表决的投票范围内")
	}
	return id, err
}

// Cast records p's ballot (for p's household, or for p in a vote by resident): inside the
// window, for an option of the vote, once — a second ballot of the same household is a 409
// "本户已投票", enforced by the ballot's primary key.
func (c *Council) Cast(ctx context.Context, p *Principal, id uint64, option int) error {
	v, t, role, err := c.vote(ctx, p, id)
	if err != nil {
		return err
	}
	now := c.now()
	switch {
	case v.Status != model.VoteOpen || !now.Before(v.ClosesAt):
		return Errorf(KindConflict, "表决已截止")
	case now.Before(v.OpensAt):
		return Errorf(KindConflict, "表决尚未开始，开始时间 %s", chinaTime(v.OpensAt))
	}
	elector, err := c.electorOf(ctx, p, v, t)
	if err != nil {
		if KindOf(err) == KindForbidden && !role.related {
			return Errorf(KindNotFound, "表决不存在或无权查看")
		}
		return err
	}
	err = c.store.CastBallot(ctx, id, elector, p.UserID, option, v.Secret)
	switch {
	case errors.Is(err, model.ErrConflict):
		if v.Electorate == model.ElectorateHouseholds {
			return Errorf(KindConflict, "本户已投票")
		}
		return Errorf(KindConflict, "您已投票")
	case errors.Is(err, model.ErrNotFound):
		return Invalid("option", "没有这个选项")
	}
	return err
}

// Result returns a closed vote's result (counts, turnout, quorum, passed); 409 before it
// closes.
func (c *Council) Result(ctx context.Context, p *Principal, id uint64) (*VoteView, error) {
	out, err := c.Vote(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if out.Status != model.VoteClosed {
		return nil, Errorf(KindConflict, "表决尚未结束，截止时间 %s", chinaTime(out.ClosesAt))
	}
	out.Turnout = out.Ballots
	return out, nil
}

// decide is the rule of a result: the quorum is met when the ballots reach QuorumPercent of
// the electorate; the leading option is the one with most ballots (none on a tie or with no
// ballots); the vote passes when the quorum is met and the leading option has at least
// PassPercent of the ballots.
func decide(v *model.Vote, opts []model.VoteOption, ballots int) (quorumMet, passed bool, winner *int) {
	quorumMet = v.Electors > 0 && ballots*100 >= v.QuorumPercent*v.Electors
	best, tie := -1, false
	for i, o := range opts {
		switch {
		case best < 0 || o.Tally > opts[best].Tally:
			best, tie = i, false
		case o.Tally == opts[best].Tally:
			tie = true
		}
	}
	if best < 0 || tie || opts[best].Tally == 0 {
		return quorumMet, false, nil
	}
	pos := opts[best].Position
	return quorumMet, quorumMet && opts[best].Tally*100 >= v.PassPercent*ballots, &pos
}

// CloseDue closes the votes whose window has ended, each once, publishes each result to the
// topic's scope and tells the proposer and seconders. It returns how many it closed.
func (c *Council) CloseDue(ctx context.Context) (int, error) {
	ids, err := c.store.DueVotes(ctx, c.now(), 50)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		closed, err := c.store.CloseVote(ctx, id, decide)
		if err != nil {
			return n, err
		}
		if !closed {
			continue
		}
		n++
		if err := c.announce(ctx, id); err != nil {
			c.log.Warn("council result publication", "vote", id, "err", err)
		}
	}
	return n, nil
}

// announce publishes a closed vote's result (公示) and tells the topic's followers.
func (c *Council) announce(ctx context.Context, id uint64) error {
	v, err := c.store.VoteByID(ctx, id)
	if err != nil {
		return err
	}
	t, err := c.store.TopicByID(ctx, v.TopicID)
	if err != nil {
		return err
	}
	opts, err := c.store.VoteOptions(ctx, id)
	if err != nil {
		return err
	}
	body := ResultText(v, opts)
	c.tell(ctx, t, 0, "表决结果公示", body)
	if c.opt.Publish == nil {
		return nil
	}
	return c.opt.Publish(ctx, topicScope(t).households(), clip("表决结果公示："+t.Title, 40), body, c.now().Add(c.opt.PublishFor))
}

// ResultText writes a closed vote's result for people: the question, each option's count,
// turnout, quorum and the decision.
func ResultText(v *model.Vote, opts []model.VoteOption) string {
	var b strings.Builder
	fmt.Fprintf(&b, "表决事项：%s\n", v.Question)
	for _, o := range opts {
		fmt.Fprintf(&b, "%s：%d 票\n", o.Label, o.Tally)
	}
	unit := "户"
	if v.Electorate == model.ElectorateResidents {
		unit = "人"
	}
	fmt.Fprintf(&b, "参与：%d / %d %s", v.Ballots, v.Electors, unit)
	if v.Electors > 0 {
		fmt.Fprintf(&b, "（%.1f%%）", float64(v.Ballots)*100/float64(v.Electors))
	}
	switch {
	case !v.QuorumMet:
		fmt.Fprintf(&b, "\n未达到参与率门槛 %d%%，表决不通过。", v.QuorumPercent)
	case v.Passed && v.Winner != nil:
		fmt.Fprintf(&b, "\n结果：「%s」获得通过。", opts[*v.Winner].Label)
	default:
		fmt.Fprintf(&b, "\n没有选项达到 %d%% 的通过比例，表决不通过。", v.PassPercent)
	}
	return b.String()
}
