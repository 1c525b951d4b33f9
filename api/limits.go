package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"

	"github.com/gin-gonic/gin"

	"linli/config"
)

// communityOf tells, before the handler runs, which community a request acts in (0: not known).
type communityOf func(c *gin.Context) uint64

// limit applies the abuse limits of a write action (config.ActionReport, …): one per user and
// a flood guard per client address, counted in Redis and so shared by every instance, with the
// overrides of the community the request acts in (config limits.communities) when in can tell
// it. It runs after requireUser; beyond a limit the answer is 429 with Retry-After, before
// anything is written. A request the handler refuses (an answer of 400 or more) did nothing,
// so its count is given back to the person, up to limits.refused_per_user refusals a minute
// (beyond that, mistakes count too, or a client that only errs would never be held back). A
// Redis outage lets requests through (the limiter fails open, and logs it): the limits are a
// guard, not a rule, and nothing durable depends on them.
func (a *API) limit(action string, in communityOf) gin.HandlerFunc {
	return func(c *gin.Context) {
		var community uint64
		if in != nil {
			community = in(c)
		}
		rate := a.deps.Config.Limits.For(action, community)
		ctx := c.Request.Context()
		who := strconv.FormatUint(userID(c), 10)
		// The address first: a neighbour refused for it keeps their own count, while a user
		// refused for their own count still spends the address's.
		err := a.deps.Limiter.AllowAddress(ctx, rate.PerIP, action, c.ClientIP())
		if err == nil {
			err = a.deps.Limiter.Allow(ctx, rate.PerUser, action, who)
		}
		if err != nil {
			fail(c, a.log, err)
			return
		}
		c.Next()
		if c.Writer.Status() >= 400 && rate.PerUser > 0 {
			ctx := context.WithoutCancel(ctx) // the count is owed even if the client has gone
			if a.deps.Limiter.Allow(ctx, a.deps.Config.Limits.RefusedPerUser, action+"-refused", who) == nil {
				a.deps.Limiter.Refund(ctx, rate.PerUser, action, who)
			}
		}
	}
}

// pathCommunity reads the community of the resource kind ("issues", "activities", "rewards")
// whose id is the path parameter id; 0 when there is no such resource (the handler answers
// that) or the database cannot tell (the global limits apply).
func (a *API) pathCommunity(kind string) communityOf {
	return func(c *gin.Context) uint64 {
		id, err := strconv.ParseUint(c.Param("id"), 10, 63)
		if err != nil {
			return 0
		}
		community, err := a.deps.Audit.CommunityOf(c.Request.Context(), kind, id)
		if err != nil {
			return 0
		}
		return community
	}
}

// bodyBuildingCommunity reads the community of the building_id of a JSON body (a report),
// leaving the body for the handler to read again.
func (a *API) bodyBuildingCommunity(c *gin.Context) uint64 {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil { // too large, or cut: the handler meets the same error after what was read
		c.Request.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), failingReader{err}))
		return 0
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		BuildingID ID `json:"building_id"`
	}
	if json.Unmarshal(body, &req) != nil || req.BuildingID == 0 {
		return 0
	}
	community, err := a.deps.Audit.CommunityOf(c.Request.Context(), "buildings", uint64(req.BuildingID))
	if err != nil {
		return 0
	}
	return community
}

// rateReport limits reports (POST /issues), in the community of the body's building.
func (a *API) rateReport() gin.HandlerFunc {
	return a.limit(config.ActionReport, a.bodyBuildingCommunity)
}

// rateComment limits comments, in the community of the commented issue.
func (a *API) rateComment() gin.HandlerFunc {
	return a.limit(config.ActionComment, a.pathCommunity("issues"))
}

// rateUpload limits uploads, which belong to no community until a report uses them.
func (a *API) rateUpload() gin.HandlerFunc { return a.limit(config.ActionUpload, nil) }

// rateSignup limits sign-ups, in the community of the activity.
func (a *API) rateSignup() gin.HandlerFunc {
	return a.limit(config.ActionSignup, a.pathCommunity("activities"))
}

// rateRedeem limits redemptions, in the community of the reward.
func (a *API) rateRedeem() gin.HandlerFunc {
	return a.limit(config.ActionRedeem, a.pathCommunity("rewards"))
}

// rateVoucherCancel counts a voucher's cancellation (its holder is told) as a redemption, in
// the community of the redemption.
func (a *API) rateVoucherCancel() gin.HandlerFunc {
	return a.limit(config.ActionRedeem, a.pathCommunity("redemptions"))
}

// rate limits an action that has no community overrides (config.Limits.For gives it the
// global values), so no lookup runs before the handler.
func (a *API) rate(action string) gin.HandlerFunc { return a.limit(action, nil) }

// failingReader fails every read with err.
type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }
