package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"linli/model"
	"linli/storage"
)

// MaxPhotos is the most images one thing (an issue, a comment, a transition) may carry.
const MaxPhotos = 9

// uploadURLPurpose binds the signatures of file links to this use of the secret key.
const uploadURLPurpose = "upload-url-v1"

// Photo is an attached image as readers get it: URL is a signed, expiring link relative to
// the API host (/files/:id?exp=&sig=), usable in the mini-program's <image>, which cannot
// send an Authorization header.
type Photo struct {
	ID     uint64
	URL    string
	Safety Verdict
}

// UploadConfig bounds uploads and their links.
type UploadConfig struct {
	// MaxBytes is the largest image accepted.
	MaxBytes int64
	// MaxPixels and MaxDecodeBytes refuse an image whose header promises more pixels, or a
	// decode that takes more memory, before anything decodes it (400 naming the file).
	MaxPixels, MaxDecodeBytes int64
	// MaxInFlight, MaxInFlightPerUser and QueueWait bound the uploads handled at once (Admit).
	MaxInFlight, MaxInFlightPerUser int
	QueueWait                       time.Duration
	// URLTTL is how long a signed link stays valid (at least; see Uploads.SignedURL).
	URLTTL time.Duration
}

// Uploads receives images (checked for type, stripped of metadata, checked for safety),
// keeps them in a file store, lets their owner attach them to one thing, serves them through
// signed links and deletes those never attached.
type Uploads struct {
	store   *model.Store
	files   storage.Store
	safety  *Safety
	secrets *Secrets
	cfg     UploadConfig
	gate    *uploadGate
	log     *slog.Logger
	now     func() time.Time
}

// NewUploads builds the upload service.
func NewUploads(store *model.Store, files storage.Store, safety *Safety, secrets *Secrets, cfg UploadConfig, log *slog.Logger) *Uploads {
	return &Uploads{store: store, files: files, safety: safety, secrets: secrets, cfg: cfg, log: log,
		gate: newUploadGate(cfg.MaxInFlight, cfg.MaxInFlightPerUser, cfg.QueueWait),
		now:  func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// MaxBytes is the largest image accepted.
func (u *Uploads) MaxBytes() int64 { return u.cfg.MaxBytes }

// TooLarge is the error for an image over the limit (413), naming the limit.
func (u *Uploads) TooLarge() error {
	limit := fmt.Sprintf("%d KB", u.cfg.MaxBytes>>10)
	if u.cfg.MaxBytes%(1<<20) == 0 {
		limit = fmt.Sprintf("%d MB", u.cfg.MaxBytes>>20)
	}
	return Errorf(KindTooLarge, "图片不能超过 %s", limit)
}

// Save reads one image from r for its owner. size is the size the client declared (-1 when
// unknown); a declared size over the limit is refused before reading. The type is read from
// the bytes (415 unless JPEG, PNG or WebP), metadata is removed (storage.Clean), an image whose
// header declares more than MaxPixels or a decode of more than MaxDecodeBytes is refused (400:
// a value inside the file is out of range, as with oversize text, though the body is within
// every byte limit), the file is stored and checked by Safety.Image: a risky image is deleted
// again (422), one held for review is kept with safety "review". The row is written before the
// file, so that whatever a crash leaves behind is an unattached row that Cleanup removes with
// its file.
func (u *Uploads) Save(ctx context.Context, ownerID uint64, r io.Reader, size int64) (*model.Upload, error) {
	if size > u.cfg.MaxBytes {
		return nil, u.TooLarge()
	}
	b, err := io.ReadAll(io.LimitReader(r, u.cfg.MaxBytes+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, u.TooLarge()
	case err != nil:
		return nil, Invalid("file", "图片上传不完整，请重试")
	case int64(len(b)) > u.cfg.MaxBytes:
		return nil, u.TooLarge()
	case len(b) == 0:
		return nil, Invalid("file", "图片文件为空")
	}
	img, err := storage.Clean(b)
	switch {
	case errors.Is(err, storage.ErrUnsupported):
		return nil, Errorf(KindUnsupportedType, "只支持 JPEG、PNG、WebP 图片")
	case err != nil:
		return nil, Invalid("file", "图片文件已损坏，无法读取")
	}
	if err := u.withinDecodeLimits(img); err != nil {
		return nil, err
	}
	up := &model.Upload{OwnerID: ownerID, StorageKey: storage.NewKey(img.Ext), ContentType: img.ContentType,
		Size: int64(len(img.Data)), Width: img.Width, Height: img.Height, Safety: model.UploadReview, CreatedAt: u.now()}
	if err := u.store.CreateUpload(ctx, up); err != nil {
		return nil, err
	}
	if err := u.files.Put(ctx, up.StorageKey, bytes.NewReader(img.Data)); err != nil {
		u.discard(ctx, up)
		return nil, Unavailable("文件存储", err)
	}
	switch u.checkImage(ctx, up.StorageKey, img.Data) {
	case VerdictRisky:
		u.discard(ctx, up)
		return nil, Errorf(KindUnprocessable, "图片未通过安全检查")
	case VerdictPass:
		if err := u.store.SetUploadSafety(ctx, up.ID, model.UploadPass); err != nil {
			// Still held for review: the safe side of a failed write.
			u.log.WarnContext(ctx, "upload: cannot record a passed check", "upload_id", up.ID, "error", err.Error())
			break
		}
		up.Safety = model.UploadPass
	}
	return up, nil
}

// withinDecodeLimits refuses an image whose header promises too many pixels or too costly a
// decode; those bombs would otherwise be stored and handed to every viewer's phone.
func (u *Uploads) withinDecodeLimits(img *storage.Image) error {
	if img.Pixels() > u.cfg.MaxPixels {
		wan := strconv.FormatFloat(float64(u.cfg.MaxPixels)/10_000, 'f', -1, 64)
		return Invalid("file", fmt.Sprintf("图片尺寸过大（最大 %s 万像素）", wan))
	}
	if img.DecodeBytes > u.cfg.MaxDecodeBytes {
		return Invalid("file", fmt.Sprintf("图片色深或尺寸过大，无法处理（需约 %d MB 内存，最多 %d MB），请转为普通 JPEG 后重试",
			(img.DecodeBytes+1<<20-1)>>20, u.cfg.MaxDecodeBytes>>20))
	}
	return nil
}

// checkImage runs the image check on the stored file, or on a temporary copy when the store
// has no local files.
func (u *Uploads) checkImage(ctx context.Context, key string, data []byte) Verdict {
	if path, ok := u.files.Path(key); ok {
		return u.safety.Image(ctx, path)
	}
	f, err := os.CreateTemp("", "linli-upload-*")
	if err != nil {
		u.log.WarnContext(ctx, "upload: no temporary file for the image check", "error", err.Error())
		return VerdictReview
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return VerdictReview
	}
	return u.safety.Image(ctx, f.Name())
}

// discard deletes a fresh upload's file and row, even when the request has gone away.
func (u *Uploads) discard(ctx context.Context, up *model.Upload) {
	ctx = context.WithoutCancel(ctx)
	if err := u.files.Delete(ctx, up.StorageKey); err != nil {
		u.log.WarnContext(ctx, "upload: cannot delete file", "upload_id", up.ID, "error", err.Error())
	}
	if _, err := u.store.DeleteUnattachedUpload(ctx, up.ID); err != nil {
		u.log.WarnContext(ctx, "upload: cannot delete row (cleanup will)", "upload_id", up.ID, "error", err.Error())
	}
}

// Attach marks the uploads ids as belonging to (kind, refID) inside the caller's transaction
// tx (nil: a transaction of its own). It is one conditional UPDATE of the rows with these ids,
// this owner and an empty attached_kind; when it changes fewer rows than there are ids
// (an upload that does not exist, is someone else's or is already attached — including by a
// concurrent transaction) the result is a KindInvalid error naming "photos", and the caller's
// transaction must roll back (nothing stays attached). More than MaxPhotos ids, or the same id
// twice, is KindInvalid too. It returns the worst safety verdict among the uploads (pass or
// review: risky uploads are never kept). No ids: VerdictPass.
func (u *Uploads) Attach(ctx context.Context, tx *model.Store, ownerID uint64, ids []uint64, kind string, refID uint64) (Verdict, error) {
	if len(ids) == 0 {
		return VerdictPass, nil
	}
	if len(ids) > MaxPhotos {
		return "", Invalid("photos", fmt.Sprintf("最多只能附 %d 张照片", MaxPhotos))
	}
	seen := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return "", Invalid("photos", "同一张照片不能重复添加")
		}
		seen[id] = true
	}
	if kind == "" || len(kind) > 32 || refID == 0 {
		return "", Internal(fmt.Errorf("uploads: attach to %q %d", kind, refID))
	}
	if tx == nil {
		var v Verdict
		err := u.store.Tx(ctx, func(tx *model.Store) error {
			var err error
			v, err = u.Attach(ctx, tx, ownerID, ids, kind, refID)
			return err
		})
		return v, err
	}
	n, err := tx.AttachUploads(ctx, ids, ownerID, kind, refID)
	if err != nil && !errors.Is(err, model.ErrConflict) {
		return "", err
	}
	if err != nil || n != int64(len(ids)) {
		return "", Invalid("photos", "照片不存在、已被使用或不属于你")
	}
	safeties, err := tx.UploadSafeties(ctx, ids)
	if err != nil {
		return "", err
	}
	v := VerdictPass
	for _, s := range safeties {
		v = Worst(v, Verdict(s))
	}
	return v, nil
}

// Photos returns the signed photos attached to each of refIDs of kind, in upload order.
// refIDs without photos are absent from the map.
func (u *Uploads) Photos(ctx context.Context, kind string, refIDs []uint64) (map[uint64][]Photo, error) {
	rows, err := u.store.AttachedUploads(ctx, kind, refIDs)
	if err != nil {
		return nil, err
	}
	exp := u.expiry()
	out := make(map[uint64][]Photo, len(refIDs))
	for _, r := range rows {
		out[r.AttachedID] = append(out[r.AttachedID], Photo{ID: r.ID, URL: u.SignedURL(r.ID, exp), Safety: Verdict(r.Safety)})
	}
	return out, nil
}

// URL is a signed link to upload id, valid for at least the configured TTL.
func (u *Uploads) URL(id uint64) string { return u.SignedURL(id, u.expiry()) }

// expiry is now + TTL rounded up to a whole bucket (an hour, or the TTL when shorter), so that
// listings within the same bucket hand out identical URLs the mini-program can cache.
func (u *Uploads) expiry() time.Time {
	bucket := min(time.Hour, u.cfg.URLTTL)
	return u.now().Add(u.cfg.URLTTL).Truncate(bucket).Add(bucket)
}

// SignedURL is the link /files/:id?exp=<unix seconds>&sig=<HMAC-SHA256 of "id.exp" under a key
// bound to this purpose>, valid until expires.
func (u *Uploads) SignedURL(id uint64, expires time.Time) string {
	exp := expires.Unix()
	return fmt.Sprintf("/files/%d?exp=%d&sig=%s", id, exp, u.secrets.Sign(uploadURLPurpose, fmt.Sprintf("%d.%d", id, exp)))
}

// File is an upload's bytes opened for serving; close it.
type File struct {
	io.ReadCloser
	ContentType string
	Size        int64
	// Expires is when the link that opened it stops working.
	Expires time.Time
}

// Open checks a signed link (exp and sig as the query carried them) and opens the upload:
// a bad or expired signature is KindForbidden (no database access), an unknown upload
// KindNotFound.
func (u *Uploads) Open(ctx context.Context, id uint64, exp, sig string) (*File, error) {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || sig == "" || !u.secrets.Verify(uploadURLPurpose, fmt.Sprintf("%d.%s", id, exp), sig) {
		return nil, Errorf(KindForbidden, "图片链接无效")
	}
	expires := time.Unix(e, 0)
	if !u.now().Before(expires) {
		return nil, Errorf(KindForbidden, "图片链接已过期，请刷新页面")
	}
	up, err := u.store.UploadByID(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "图片不存在")
	}
	if err != nil {
		return nil, err
	}
	rc, err := u.files.Open(ctx, up.StorageKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, Errorf(KindNotFound, "图片不存在")
	}
	if err != nil {
		return nil, Unavailable("文件存储", err)
	}
	return &File{ReadCloser: rc, ContentType: up.ContentType, Size: up.Size, Expires: expires}, nil
}

// cleanupBatch is how many stale uploads Cleanup reads at a time.
const cleanupBatch = 100

// Cleanup deletes the uploads still unattached maxAge after they were made, rows and files,
// and returns how many. Each row goes by a conditional DELETE (still unattached) before its
// file, and the file only when this call deleted the row: several instances cleaning at once,
// or an attach racing the cleanup, never lose an attached photo or delete a file twice.
func (u *Uploads) Cleanup(ctx context.Context, maxAge time.Duration) (int, error) {
	before := u.now().Add(-maxAge)
	total := 0
	for {
		rows, err := u.store.StaleUploads(ctx, before, cleanupBatch)
		if err != nil {
			return total, err
		}
		for _, r := range rows {
			deleted, err := u.store.DeleteUnattachedUpload(ctx, r.ID)
			if err != nil {
				return total, err
			}
			if !deleted {
				continue // attached meanwhile, or another instance took it
			}
			total++
			if err := u.files.Delete(ctx, r.StorageKey); err != nil {
				u.log.WarnContext(ctx, "upload cleanup: file left behind", "upload_id", r.ID, "error", err.Error())
			}
		}
		if len(rows) < cleanupBatch {
			if total > 0 {
				u.log.InfoContext(ctx, "upload cleanup", "deleted", total)
			}
			return total, nil
		}
	}
}
