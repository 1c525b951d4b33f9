package service_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"linli/app/apptest"
	"linli/model"
	"linli/service"
	"linli/storage/storagetest"
)

// saveN stores n small images for owner and returns their ids.
func saveN(t *testing.T, e *apptest.Env, owner uint64, n int) []uint64 {
	t.Helper()
	var ids []uint64
	for range n {
		up, err := e.App.Services.Uploads.Save(context.Background(), owner, bytes.NewReader(storagetest.JPEGWithGPS(8, 8)), -1)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, up.ID)
	}
	return ids
}

// wantInvalidPhotos checks err is the 400 naming photos.
func wantInvalidPhotos(t *testing.T, err error) {
	t.Helper()
	var se *service.Error
	if !errors.As(err, &se) || se.Kind != service.KindInvalid || len(se.Fields) != 1 || se.Fields[0].Field != "photos" {
		t.Fatalf("want KindInvalid on photos, got %v", err)
	}
}

func attachedTo(t *testing.T, e *apptest.Env, id uint64) (string, uint64) {
	t.Helper()
	up, err := e.App.Store.UploadByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return up.AttachedKind, up.AttachedID
}

func TestAttachOnlyOwnUnattachedUploads(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	u := e.App.Services.Uploads
	mine, theirs := saveN(t, e, 1, 3), saveN(t, e, 2, 1)

	// Someone else's upload among mine: nothing is attached.
	err := e.App.Store.Tx(ctx, func(tx *model.Store) error {
		_, err := u.Attach(ctx, tx, 1, []uint64{mine[0], theirs[0]}, "issue", 10)
		return err
	})
	wantInvalidPhotos(t, err)
	if kind, _ := attachedTo(t, e, mine[0]); kind != "" {
		t.Fatal("own upload stayed attached after the rollback")
	}
	// Unknown id.
	_, err = u.Attach(ctx, nil, 1, []uint64{mine[0], 999999}, "issue", 10)
	wantInvalidPhotos(t, err)

	v, err := u.Attach(ctx, nil, 1, mine[:2], "issue", 10)
	if err != nil || v != service.VerdictPass {
		t.Fatalf("attach: %s %v", v, err)
	}
	if kind, ref := attachedTo(t, e, mine[1]); kind != "issue" || ref != 10 {
		t.Fatalf("attached to %s %d", kind, ref)
	}
	// Already attached: not again, not elsewhere, not even by its owner.
	_, err = u.Attach(ctx, nil, 1, []uint64{mine[0]}, "comment", 11)
	wantInvalidPhotos(t, err)
	if kind, ref := attachedTo(t, e, mine[0]); kind != "issue" || ref != 10 {
		t.Fatalf("moved to %s %d", kind, ref)
	}
	// Too many, or the same twice.
	_, err = u.Attach(ctx, nil, 1, make([]uint64, service.MaxPhotos+1), "issue", 12)
	wantInvalidPhotos(t, err)
	_, err = u.Attach(ctx, nil, 1, []uint64{mine[2], mine[2]}, "issue", 12)
	wantInvalidPhotos(t, err)
	// Nothing to attach is fine.
	if v, err := u.Attach(ctx, nil, 1, nil, "issue", 12); err != nil || v != service.VerdictPass {
		t.Fatalf("empty attach: %s %v", v, err)
	}
	// A photo held for review makes the whole set "review".
	if err := e.App.Store.SetUploadSafety(ctx, mine[2], model.UploadReview); err != nil {
		t.Fatal(err)
	}
	more := saveN(t, e, 1, 1)
	if v, err := u.Attach(ctx, nil, 1, []uint64{more[0], mine[2]}, "issue", 12); err != nil || v != service.VerdictReview {
		t.Fatalf("attach with review: %s %v", v, err)
	}
}

func TestPhotosAreSignedAndInUploadOrder(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	u := e.App.Services.Uploads
	ids := saveN(t, e, 1, 4)
	if _, err := u.Attach(ctx, nil, 1, []uint64{ids[2], ids[0], ids[1]}, "issue", 7); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Attach(ctx, nil, 1, ids[3:], "issue", 8); err != nil {
		t.Fatal(err)
	}
	got, err := u.Photos(ctx, "issue", []uint64{7, 8, 9})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[7]) != 3 || len(got[8]) != 1 {
		t.Fatalf("photos %+v", got)
	}
	for i, p := range got[7] {
		if p.ID != ids[i] || p.Safety != service.VerdictPass {
			t.Fatalf("photo %d: %+v", i, p)
		}
		link, err := url.Parse(p.URL)
		if err != nil || !strings.HasPrefix(link.Path, "/files/") {
			t.Fatalf("url %q", p.URL)
		}
		q := link.Query()
		f, err := u.Open(ctx, p.ID, q.Get("exp"), q.Get("sig"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if f.ContentType != "image/jpeg" || int64(len(b)) != f.Size || bytes.Contains(b, []byte("Exif")) {
			t.Fatalf("file %s %d/%d", f.ContentType, len(b), f.Size)
		}
		if d := f.Expires.Sub(e.Clock.Now()); d < 24*time.Hour || d > 25*time.Hour {
			t.Fatalf("link valid for %s", d)
		}
		// The signature binds the id.
		if _, err := u.Open(ctx, ids[3], q.Get("exp"), q.Get("sig")); service.KindOf(err) != service.KindForbidden {
			t.Fatalf("signature of another photo: %v", err)
		}
	}
	if got[7][0].URL != u.URL(ids[0]) {
		t.Fatal("links within the same hour differ (the client cannot cache them)")
	}
	if m, err := u.Photos(ctx, "comment", []uint64{7}); err != nil || len(m) != 0 {
		t.Fatalf("photos of another kind: %v %v", m, err)
	}
}

func TestCleanupRemovesOnlyOldUnattachedUploads(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	u := e.App.Services.Uploads
	ids := saveN(t, e, 1, 3)
	if _, err := u.Attach(ctx, nil, 1, ids[:1], "issue", 1); err != nil {
		t.Fatal(err)
	}
	// Younger than the age: nothing goes.
	if n, err := u.Cleanup(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("cleanup young: %d %v", n, err)
	}
	// Every unattached upload is older than zero.
	if n, err := u.Cleanup(ctx, 0); err != nil || n != 2 {
		t.Fatalf("cleanup: %d %v", n, err)
	}
	if left, _ := e.App.Store.Count(ctx, "uploads", ""); left != 1 {
		t.Fatalf("%d uploads left", left)
	}
	if _, err := e.App.Store.UploadByID(ctx, ids[0]); err != nil {
		t.Fatalf("attached upload gone: %v", err)
	}
	for _, id := range ids[1:] {
		if _, err := u.Open(ctx, id, exp(u.URL(id)), sig(u.URL(id))); service.KindOf(err) != service.KindNotFound {
			t.Fatalf("cleaned upload %d still served: %v", id, err)
		}
	}
	// Files: the attached one is still readable.
	f, err := u.Open(ctx, ids[0], exp(u.URL(ids[0])), sig(u.URL(ids[0])))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if n, err := u.Cleanup(ctx, 0); err != nil || n != 0 {
		t.Fatalf("second cleanup: %d %v", n, err)
	}
}

func exp(link string) string { v, _ := url.Parse(link); return v.Query().Get("exp") }
func sig(link string) string { v, _ := url.Parse(link); return v.Query().Get("sig") }

// TestConcurrentAttachHasOneWinner: transactions attaching the same upload at once (two
// reports sent together) end with exactly one owner of it; the others fail and roll back.
func TestConcurrentAttachHasOneWinner(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	u := e.App.Services.Uploads
	const racers = 8
	for round := range 5 {
		ids := saveN(t, e, 1, 3)
		errs := race(racers, func(i int) error {
			return e.App.Store.Tx(ctx, func(tx *model.Store) error {
				// Each racer attaches one photo of its own plus the contested one.
				_, err := u.Attach(ctx, tx, 1, []uint64{ids[0]}, "issue", uint64(1000*round+i+1))
				return err
			})
		})
		winner := -1
		for i, err := range errs {
			if err == nil {
				if winner >= 0 {
					t.Fatalf("round %d: racers %d and %d both attached", round, winner, i)
				}
				winner = i
				continue
			}
			wantInvalidPhotos(t, err)
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody attached", round)
		}
		if kind, ref := attachedTo(t, e, ids[0]); kind != "issue" || ref != uint64(1000*round+winner+1) {
			t.Fatalf("round %d: attached to %s %d, winner %d", round, kind, ref, winner)
		}
		// Overlapping sets in opposite orders: one wins both, the other gets neither (and
		// on MariaDB nobody deadlocks: rows are locked in index order whatever the list says).
		errs = race(2, func(i int) error {
			set := []uint64{ids[1], ids[2]}
			if i == 1 {
				set = []uint64{ids[2], ids[1]}
			}
			return e.App.Store.Tx(ctx, func(tx *model.Store) error {
				_, err := u.Attach(ctx, tx, 1, set, "comment", uint64(i+1))
				return err
			})
		})
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: want one winner, got %v", round, errs)
		}
		for _, err := range errs {
			if err != nil {
				wantInvalidPhotos(t, err)
			}
		}
		_, ref1 := attachedTo(t, e, ids[1])
		_, ref2 := attachedTo(t, e, ids[2])
		if ref1 != ref2 || ref1 == 0 {
			t.Fatalf("round %d: set split between %d and %d", round, ref1, ref2)
		}
	}
}
