package api_test

import (
	"fmt"
	"sync"
	"testing"

	"linli/app/apptest"
)

// Ten households second at once a topic whose threshold is five: exactly five seconds count,
// exactly one of them reports that it put the topic on the agenda, and the timeline has one
// agenda line.
func TestCouncilSecondsRaceOnce(t *testing.T) {
	f := newCouncilFixture(t)
	b := f.c.BuildingIDs[0]
	var seconders []apptest.Session
	for i := 0; i < 10; i++ {
		seconders = append(seconders, f.e.MakeResident(fmt.Sprintf("council-race-%d", i), b, fmt.Sprintf("%d", 801+i)))
	}
	id := f.buildingTopic(t)
	codes := make([]int, len(seconders))
	reached := make([]bool, len(seconders))
	var wg sync.WaitGroup
	for i, s := range seconders {
		wg.Add(1)
		go func(i int, s apptest.Session) {
			defer wg.Done()
			r := f.e.Do("POST", "/api/v1/topics/"+id+"/seconds", nil, apptest.Token(s.Token))
			codes[i] = r.Status
			if r.Status == 201 {
				var out struct {
					OnAgenda bool `json:"on_agenda"`
				}
				r.Data(t, &out)
				reached[i] = out.OnAgenda
			}
		}(i, s)
	}
	wg.Wait()
	ok, agenda := 0, 0
	for i := range codes {
		switch codes[i] {
		case 201:
			ok++
		case 409:
		default:
			t.Fatalf("second %d: status %d", i, codes[i])
		}
		if reached[i] {
			agenda++
		}
	}
	tp := f.topic(t, f.staff, id)
	lines := 0
	for _, e := range tp.Timeline {
		if e.Action == "agenda" {
			lines++
		}
	}
	if ok != 5 || agenda != 1 || lines != 1 || tp.Seconds != 5 || tp.Status != "on_agenda" {
		t.Fatalf("201s %d, on_agenda answers %d, agenda lines %d, topic %+v", ok, agenda, lines, tp)
	}
}

// Three members of one household, each twice, cast ballots at once: one counts, the other
// five are 409 "本户已投票", and the tally holds one ballot.
func TestCouncilBallotsConcurrentOneHousehold(t *testing.T) {
	for _, secret := range []bool{false, true} {
		t.Run(fmt.Sprintf("secret=%v", secret), func(t *testing.T) {
			f := newCouncilFixture(t)
			third := f.e.MakeResident("council-third", f.c.BuildingIDs[0], "101")
			id := f.buildingTopic(t)
			f.onAgenda(t, id)
			v := f.openVote(t, id, map[string]any{"secret": secret})
			voters := []apptest.Session{f.residents[0], f.member, third, f.residents[0], f.member, third}
			codes := make([]int, len(voters))
			msgs := make([]string, len(voters))
			var wg sync.WaitGroup
			for i, s := range voters {
				wg.Add(1)
				go func(i int, s apptest.Session) {
					defer wg.Done()
					r := f.ballot(s, v.ID, i%2)
					codes[i] = r.Status
					if r.Status == 409 {
						msgs[i] = r.Err(t).Message
					}
				}(i, s)
			}
			wg.Wait()
			won := 0
			for i, c := range codes {
				switch {
				case c == 201:
					won++
				case c != 409 || msgs[i] != "本户已投票":
					t.Fatalf("ballot %d: %d %q", i, c, msgs[i])
				}
			}
			if won != 1 {
				t.Fatalf("%d ballots counted, want 1: %v", won, codes)
			}
			f.closeVotes(t)
			var res voteData
			f.e.Do("GET", "/api/v1/votes/"+v.ID+"/result", nil, apptest.Token(f.staff.Token)).Want(t, 200).Data(t, &res)
			sum := 0
			for _, o := range res.Options {
				sum += *o.Count
			}
			if res.Turnout != 1 || sum != 1 {
				t.Fatalf("result: turnout %d, counts %d", res.Turnout, sum)
			}
		})
	}
}
