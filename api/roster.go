package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"linli/model"
	"linli/service"
)

// RosterQuery asks for a page of an activity's roster.
type RosterQuery struct {
	ActivityPath
	PageQuery
}

// rosterCursor writes a roster position: "c.<id>" among the confirmed, "w.<position>.<id>" on
// the waitlist.
func rosterCursor(c model.RosterCursor) string {
	if c.Waitlisted {
		return "w." + strconv.Itoa(c.Position) + "." + strconv.FormatUint(c.ID, 10)
	}
	return "c." + strconv.FormatUint(c.ID, 10)
}

// rosterCursorPos reads a cursor made by rosterCursor; "" is the first page.
func rosterCursorPos(cursor string) (model.RosterCursor, error) {
	if cursor == "" {
		return model.RosterCursor{}, nil
	}
	parts := strings.Split(cursor, ".")
	id, err := strconv.ParseUint(parts[len(parts)-1], 10, 63)
	switch {
	case err != nil || id == 0: // not a sign-up id: a bad cursor
	case len(parts) == 2 && parts[0] == "c":
		return model.RosterCursor{ID: id}, nil
	case len(parts) == 3 && parts[0] == "w":
		pos, err := strconv.ParseUint(parts[1], 10, 31)
		if err == nil && pos > 0 {
			return model.RosterCursor{Waitlisted: true, Position: int(pos), ID: id}, nil
		}
	}
	return model.RosterCursor{}, badCursor()
}

func (a *API) roster(c *gin.Context) error {
	var q RosterQuery
	if err := a.bind.Request(c, &q); err != nil {
		return err
	}
	after, err := rosterCursorPos(q.Cursor)
	if err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	res, err := a.deps.Activities.Roster(c.Request.Context(), p,
		service.RosterPage{ActivityID: uint64(q.ID), After: after, Limit: q.Size()})
	if err != nil {
		return err
	}
	page := pageOf(res.Rows, res.More, func(r *model.SignupRow) RosterEntryDTO {
		e := RosterEntryDTO{SignupDTO: signupDTO(&r.Signup), User: PersonDTO{ID: ID(r.UserID), Nickname: r.Nickname},
			Phone: r.PhoneMasked}
		if res.FullPhones {
			e.Phone = a.deps.Activities.PhoneOf(r)
		}
		return e
	}, func(r *model.SignupRow) string { return rosterCursor(r.Cursor()) })
	ok(c, http.StatusOK, page)
	return nil
}
