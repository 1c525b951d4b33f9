package service

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"linli/model"
)

// Certificates issues volunteer certificates (志愿服务证明, 民政部令第67号): the holder's real
// name, the community's recording unit, and immutable snapshots of service records that
// anyone can verify by their code.
type Certificates struct {
	store    *model.Store
	secrets  *Secrets
	uploads  *Uploads
	safety   *Safety
	notifier *Notifier
	now      func() time.Time
}

// NewCertificates builds the certificate service; the notifier tells holders of revocations.
func NewCertificates(store *model.Store, secrets *Secrets, uploads *Uploads, safety *Safety, notifier *Notifier) *Certificates {
	return &Certificates{store: store, secrets: secrets, uploads: uploads, safety: safety, notifier: notifier,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Limits of a certificate.
const (
	maxRealName        = 32
	maxIssuer          = 60
	maxCertRecords     = 500
	maxCertPeriodYears = 5
	certSealKind       = "certificate_seal"
)

// certZone is the zone the dates of a certificate are read in (China Standard Time).
var certZone = time.FixedZone("CST", 8*3600)

// CertRecord is one service record as printed on a certificate.
type CertRecord struct {
	Date      string `json:"date"`
	Content   string `json:"content"`
	Place     string `json:"place"`
	Minutes   int    `json:"minutes"`
	Organiser string `json:"organiser"`
}

// CertificateView is an issued certificate with the holder's name decrypted (holder, staff).
type CertificateView struct {
	model.Certificate
	HolderName string
	Items      []CertRecord
}

// SetRealName stores (or, when empty, clears) the caller's real name, encrypted.
func (s *Certificates) SetRealName(ctx context.Context, userID uint64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return s.store.ClearRealName(ctx, userID)
	}
	if utf8.RuneCountInString(name) > maxRealName || strings.ContainsAny(name, "\n\r\t") {
		return Invalid("real_name", fmt.Sprintf("实名最多 %d 个字，且不能换行", maxRealName))
	}
	return s.store.SetRealName(ctx, userID, s.secrets.Seal(name))
}

// RealName returns a user's real name ("" when none is set); only for the owner and staff.
func (s *Certificates) RealName(ctx context.Context, userID uint64) (string, error) {
	c, err := s.store.RealNameOf(ctx, userID)
	if errors.Is(err, model.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return s.secrets.Open(c)
}

// SetIssuer sets the community's recording unit and (optionally) its seal image, an upload of
// the staff member (staff, admin).
func (s *Certificates) SetIssuer(ctx context.Context, p *Principal, communityID uint64, issuer string, sealID uint64) (*model.CertificateIssuer, error) {
	if _, err := s.store.CommunityByID(ctx, communityID); errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "社区不存在")
	} else if err != nil {
		return nil, err
	}
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: communityID}); err != nil {
		return nil, err
	}
	issuer = strings.TrimSpace(issuer)
	if issuer == "" || utf8.RuneCountInString(issuer) > maxIssuer {
		return nil, Invalid("certificate_issuer", fmt.Sprintf("出具单位名称为 1～%d 个字", maxIssuer))
	}
	ci := &model.CertificateIssuer{CommunityID: communityID, Issuer: issuer}
	err := s.store.Tx(ctx, func(tx *model.Store) error {
		if old, err := tx.CertificateIssuerOf(ctx, communityID); err == nil && old.SealUploadID != nil &&
			(sealID == 0 || *old.SealUploadID == sealID) {
			ci.SealUploadID = old.SealUploadID // an unchanged seal stays
		}
		if sealID != 0 && ci.SealUploadID == nil {
			if _, err := s.uploads.Attach(ctx, tx, p.UserID, []uint64{sealID}, certSealKind, communityID); err != nil {
				return Invalid("seal_upload_id", "印章图片不存在、已被使用或不属于你")
			}
			ci.SealUploadID = &sealID
		}
		return tx.SetCertificateIssuer(ctx, ci)
	})
	return ci, err
}

// Issuer returns the community's recording unit, or nil when none is set.
func (s *Certificates) Issuer(ctx context.Context, communityID uint64) (*model.CertificateIssuer, error) {
	ci, err := s.store.CertificateIssuerOf(ctx, communityID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil
	}
	return ci, err
}

// IssueRequest is a certificate to issue: whose, where, which period (dates, from ≤ to).
type IssueRequest struct {
	CommunityID, UserID uint64
	From, To            string
	// VerifyBase is the public address the verification path is appended to.
	VerifyBase string
}

// Issue makes a certificate of the holder's records in the period: the holder themself, or
// staff of the community for one of its volunteers.
func (s *Certificates) Issue(ctx context.Context, p *Principal, r IssueRequest) (*CertificateView, error) {
	from, to, err := certPeriod(r.From, r.To)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.CommunityByID(ctx, r.CommunityID); errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "社区不存在")
	} else if err != nil {
		return nil, err
	}
	if p.UserID != r.UserID {
		if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: r.CommunityID}); err != nil {
			return nil, err
		}
		served, err := s.store.HasServedIn(ctx, r.CommunityID, r.UserID)
		if err != nil {
			return nil, err
		}
		if !served {
			return nil, Errorf(KindNotFound, "本社区没有这位志愿者")
		}
	}
	name, err := s.RealName(ctx, r.UserID)
	if err != nil {
		return nil, err
	}
	ci, err := s.Issuer(ctx, r.CommunityID)
	if err != nil {
		return nil, err
	}
	var missing []string
	if name == "" {
		missing = append(missing, "志愿者实名（real_name）")
	}
	if ci == nil {
		missing = append(missing, "社区出具单位名称（certificate_issuer）")
	}
	if len(missing) > 0 {
		return nil, Errorf(KindConflict, "无法出具证明，缺少：%s", strings.Join(missing, "、"))
	}
	recs, err := s.store.ServiceRecordsBetween(ctx, r.CommunityID, r.UserID, from, to, maxCertRecords+1)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, Errorf(KindConflict, "该时段没有志愿服务记录，无法出具证明")
	}
	if len(recs) > maxCertRecords {
		return nil, Invalid("to", fmt.Sprintf("该时段记录超过 %d 条，请缩短时段分开出具", maxCertRecords))
	}
	items, total, err := s.snapshot(ctx, recs)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	code := newVerifyCode()
	now := s.now()
	c := &model.Certificate{CommunityID: r.CommunityID, UserID: r.UserID, Code: code, Serial: code,
		HolderCipher: s.secrets.Seal(name), HolderMasked: MaskName(name), Issuer: ci.Issuer,
		SealUploadID: ci.SealUploadID, PeriodFrom: r.From, PeriodTo: r.To, Minutes: total,
		Records: string(raw), VerifyURL: strings.TrimRight(r.VerifyBase, "/") + "/verify/" + code,
		IssuedBy: p.UserID, IssuedAt: now}
	err = s.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.AddCertificate(ctx, c); err != nil {
			return err
		}
		c.Serial = fmt.Sprintf("LL%d-%s-%06d", r.CommunityID, now.In(certZone).Format("2006"), c.ID)
		return tx.SetCertificateSerial(ctx, c.ID, c.Serial)
	})
	if err != nil {
		return nil, err
	}
	return &CertificateView{Certificate: *c, HolderName: name, Items: items}, nil
}

// snapshot copies the records as the certificate prints them, with organisers' nicknames.
func (s *Certificates) snapshot(ctx context.Context, recs []model.ServiceRecord) ([]CertRecord, int, error) {
	names := map[uint64]string{}
	items := make([]CertRecord, len(recs))
	total := 0
	for i, r := range recs {
		if _, ok := names[r.OrganiserID]; !ok {
			u, err := s.store.UserByID(ctx, r.OrganiserID)
			switch {
			case err == nil:
				names[r.OrganiserID] = u.Nickname
			case errors.Is(err, model.ErrNotFound):
				names[r.OrganiserID] = ""
			default:
				return nil, 0, err
			}
		}
		items[i] = CertRecord{Date: r.ServedAt.In(certZone).Format("2006-01-02"), Content: r.Content,
			Place: r.Place, Minutes: r.Minutes, Organiser: names[r.OrganiserID]}
		total += r.Minutes
	}
	return items, total, nil
}

// certPeriod reads the period's dates: from ≤ to, at most five years; to is inclusive.
func certPeriod(fromS, toS string) (from, to time.Time, err error) {
	from, err = time.ParseInLocation(time.DateOnly, fromS, certZone)
	if err != nil {
		return from, to, Invalid("from", "开始日期格式应为 YYYY-MM-DD")
	}
	to, err = time.ParseInLocation(time.DateOnly, toS, certZone)
	if err != nil {
		return from, to, Invalid("to", "结束日期格式应为 YYYY-MM-DD")
	}
	if from.After(to) {
		return from, to, Invalid("from", "开始日期不能晚于结束日期")
	}
	if to.After(from.AddDate(maxCertPeriodYears, 0, 0)) {
		return from, to, Invalid("to", fmt.Sprintf("时段最长 %d 年", maxCertPeriodYears))
	}
	return from.UTC(), to.AddDate(0, 0, 1).UTC(), nil
}

// newVerifyCode is 130 random bits in lower-case base32 (26 characters).
func newVerifyCode() string {
	var b [17]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:26]
}

// MaskName hides a real name but its first and last character: 刘*芳, 王*, 欧阳**修.
func MaskName(name string) string {
	r := []rune(name)
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// ByCode returns a certificate for its holder or staff of its community; anyone else is told
// it does not exist.
func (s *Certificates) ByCode(ctx context.Context, p *Principal, code string) (*CertificateView, error) {
	c, err := s.store.CertificateByCode(ctx, code)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "证明不存在")
	}
	if err != nil {
		return nil, err
	}
	if c.UserID != p.UserID && !p.Can(ActTimeBankManage, Scope{CommunityID: c.CommunityID}) {
		return nil, Errorf(KindNotFound, "证明不存在")
	}
	return s.view(c)
}

func (s *Certificates) view(c *model.Certificate) (*CertificateView, error) {
	name, err := s.secrets.Open(c.HolderCipher)
	if err != nil {
		return nil, Internal(fmt.Errorf("certificate %d: holder name: %w", c.ID, err))
	}
	v := &CertificateView{Certificate: *c, HolderName: name}
	if err := json.Unmarshal([]byte(c.Records), &v.Items); err != nil {
		return nil, Internal(fmt.Errorf("certificate %d: records: %w", c.ID, err))
	}
	return v, nil
}

// seal reads the seal image of a certificate (nil when it has none or it is gone).
func (s *Certificates) seal(ctx context.Context, c *model.Certificate) ([]byte, error) {
	if c.SealUploadID == nil {
		return nil, nil
	}
	up, err := s.store.UploadByID(ctx, *c.SealUploadID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rc, err := s.uploads.files.Open(ctx, up.StorageKey)
	if err != nil {
		return nil, nil // a lost seal file must not stop the certificate
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 8<<20))
}
