package config

import (
	"strconv"
)

// The write actions that carry abuse limits per user and per client address.
const (
	ActionReport  = "report"
	ActionComment = "comment"
	ActionUpload  = "upload"
	ActionSignup  = "signup"
	ActionRedeem  = "redeem"
	// ActionHelp is filing a help request (居民点单).
	ActionHelp = "help"
	// ActionDispatch is offering a dispatch (派单) and each step of it.
	ActionDispatch = "dispatch"
	// ActionTransition is moving an issue through its workflow.
	ActionTransition = "transition"
	// ActionActivity is an organiser's edit, publication or cancellation of an activity.
	ActionActivity = "activity"
	// ActionTransfer is a transfer of points, or a staff correction of a posting.
	ActionTransfer = "transfer"
	// ActionProfile is a change of one's nickname or avatar.
	ActionProfile = "profile"
	// ActionSkillProfile is putting or deleting one's skill listing (能人库).
	ActionSkillProfile = "skill_profile"
)

// Actions lists the write actions that carry limits (For knows each).
func Actions() []string {
	return []string{ActionReport, ActionComment, ActionUpload, ActionSignup, ActionRedeem, ActionHelp, ActionDispatch,
		ActionTransition, ActionActivity, ActionTransfer, ActionProfile, ActionSkillProfile}
}

// CrowdPerMinute is the default of every per-address limit: a crowd of neighbours behind one
// address (120 logging in within a minute at an activity's sign-up in the community hall, each
// doing a few things) with room to spare. It guards against a flood from one address, not
// against a person; each person's own limits do that.
const CrowdPerMinute = 600

// CommunityLimits overrides the write limits of one community (limits.communities."<id>").
// A key left out (nil) keeps the global value; 0 turns the limit off in that community.
type CommunityLimits struct {
	ReportPerUser  *int `koanf:"report_per_user"`
	ReportPerIP    *int `koanf:"report_per_ip"`
	CommentPerUser *int `koanf:"comment_per_user"`
	CommentPerIP   *int `koanf:"comment_per_ip"`
	SignupPerUser  *int `koanf:"signup_per_user"`
	SignupPerIP    *int `koanf:"signup_per_ip"`
	RedeemPerUser  *int `koanf:"redeem_per_user"`
	RedeemPerIP    *int `koanf:"redeem_per_ip"`
}

// Rate is one action's limits in requests per minute; 0 means no limit.
type Rate struct {
	PerUser int
	PerIP   int
}

// For returns the limits of action (ActionReport, …) in the community; communityID 0 (not
// known, as for uploads) gives the global values, and so do the actions that have no
// community overrides. An unknown action has no limit.
func (l Limits) For(action string, communityID uint64) Rate {
	var r Rate
	var o [2]*int // the community's overrides of r.PerUser and r.PerIP
	cl, overridden := l.Communities[strconv.FormatUint(communityID, 10)]
	switch action {
	case ActionReport:
		r, o = Rate{l.ReportPerUser, l.ReportPerIP}, [2]*int{cl.ReportPerUser, cl.ReportPerIP}
	case ActionComment:
		r, o = Rate{l.CommentPerUser, l.CommentPerIP}, [2]*int{cl.CommentPerUser, cl.CommentPerIP}
	case ActionUpload:
		r, overridden = Rate{l.UploadPerUser, l.UploadPerIP}, false
	case ActionHelp:
		r, overridden = Rate{l.HelpPerUser, l.HelpPerIP}, false
	case ActionDispatch:
		r, overridden = Rate{l.DispatchPerUser, l.DispatchPerIP}, false
	case ActionTransition:
		r, overridden = Rate{l.TransitionPerUser, l.TransitionPerIP}, false
	case ActionActivity:
		r, overridden = Rate{l.ActivityPerUser, l.ActivityPerIP}, false
	case ActionTransfer:
		r, overridden = Rate{l.TransferPerUser, l.TransferPerIP}, false
	case ActionProfile:
		r, overridden = Rate{l.ProfilePerUser, l.ProfilePerIP}, false
	case ActionSkillProfile:
		r, overridden = Rate{l.SkillProfilePerUser, l.SkillProfilePerIP}, false
	case ActionSignup:
		r, o = Rate{l.SignupPerUser, l.SignupPerIP}, [2]*int{cl.SignupPerUser, cl.SignupPerIP}
	case ActionRedeem:
		r, o = Rate{l.RedeemPerUser, l.RedeemPerIP}, [2]*int{cl.RedeemPerUser, cl.RedeemPerIP}
	}
	if overridden && communityID != 0 {
		if o[0] != nil {
			r.PerUser = *o[0]
		}
		if o[1] != nil {
			r.PerIP = *o[1]
		}
	}
	return r
}

// validateLimits refuses negative limits and overrides of communities that cannot exist.
func (c *Config) validateLimits(bad func(key, format string, args ...any) error) error {
	l := c.Limits
	for key, n := range map[string]int{
		"limits.login_per_ip": l.LoginPerIP, "limits.login_per_user": l.LoginPerUser,
		"limits.phone_per_ip": l.PhonePerIP, "limits.phone_per_user": l.PhonePerUser,
		"limits.report_per_user": l.ReportPerUser, "limits.comment_per_user": l.CommentPerUser,
		"limits.upload_per_user": l.UploadPerUser, "limits.signup_per_user": l.SignupPerUser,
		"limits.redeem_per_user": l.RedeemPerUser, "limits.report_per_ip": l.ReportPerIP,
		"limits.comment_per_ip": l.CommentPerIP, "limits.upload_per_ip": l.UploadPerIP,
		"limits.signup_per_ip": l.SignupPerIP, "limits.redeem_per_ip": l.RedeemPerIP,
		"limits.help_per_user": l.HelpPerUser, "limits.help_per_ip": l.HelpPerIP,
		"limits.dispatch_per_user": l.DispatchPerUser, "limits.dispatch_per_ip": l.DispatchPerIP,
		"limits.transition_per_user": l.TransitionPerUser, "limits.transition_per_ip": l.TransitionPerIP,
		"limits.activity_per_user": l.ActivityPerUser, "limits.activity_per_ip": l.ActivityPerIP,
		"limits.transfer_per_user": l.TransferPerUser, "limits.transfer_per_ip": l.TransferPerIP,
		"limits.profile_per_user": l.ProfilePerUser, "limits.profile_per_ip": l.ProfilePerIP,
		"limits.skill_profile_per_user": l.SkillProfilePerUser, "limits.skill_profile_per_ip": l.SkillProfilePerIP,
		"limits.help_open_per_user": l.HelpOpenPerUser, "limits.refused_per_user": l.RefusedPerUser,
	} {
		if n < 0 {
			return bad(key, "must not be negative (0 turns the limit off), got %d", n)
		}
	}
	for id, cl := range l.Communities {
		if n, err := strconv.ParseUint(id, 10, 64); err != nil || n == 0 || strconv.FormatUint(n, 10) != id {
			return bad("limits.communities", "%q is not a community id such as \"42\"", id)
		}
		for name, v := range map[string]*int{
			"report_per_user": cl.ReportPerUser, "report_per_ip": cl.ReportPerIP,
			"comment_per_user": cl.CommentPerUser, "comment_per_ip": cl.CommentPerIP,
			"signup_per_user": cl.SignupPerUser, "signup_per_ip": cl.SignupPerIP,
			"redeem_per_user": cl.RedeemPerUser, "redeem_per_ip": cl.RedeemPerIP,
		} {
			if v != nil && *v < 0 {
				return bad("limits.communities", "%s.%s must not be negative (0 turns the limit off), got %d", id, name, *v)
			}
		}
	}
	return nil
}
