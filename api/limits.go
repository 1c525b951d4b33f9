package api

import (
	"strconv"

	"github.com/gin-gonic/gin"
)

// perUser limits how often one user may take an action (requests per minute, through Redis,
// shared by every instance); 0 turns the limit off. It runs after requireUser and answers 429
// with Retry-After. A Redis outage lets requests through: the limit is a guard, not a rule.
func (a *API) perUser(action string, perMinute int) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := a.deps.Limiter.Allow(c.Request.Context(), perMinute, action, strconv.FormatUint(userID(c), 10)); err != nil {
			fail(c, a.log, err)
			return
		}
		c.Next()
	}
}
