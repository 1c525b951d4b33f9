package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"linli/model"
)

// CorrectedLaterNote is what the verification page says of a certificate one of whose records
// was corrected after it was issued: the certificate stays valid as issued.
const CorrectedLaterNote = "本证明出具后，其中的服务记录有更正，以最新记录为准"

// NoticeCertificateRevoked tells a holder that staff revoked their certificate.
const NoticeCertificateRevoked = "certificate_revoked"

// Verification is what anyone may learn of a certificate by its code.
type Verification struct {
	Status     string // valid, revoked, unknown
	Serial     string
	HolderName string // masked
	Minutes    int
	Issuer     string
	IssuedAt   time.Time
	From, To   string
	// RevokedAt is when staff revoked it (status revoked).
	RevokedAt *time.Time
	// CorrectedLater: a correction approved after the certificate was issued changed one of
	// its records (Note says so in words). The certificate is an immutable snapshot and is
	// verified as issued.
	CorrectedLater bool
	Note           string
}

// Verify looks a code up for the public verification page; an unknown code is no error.
func (s *Certificates) Verify(ctx context.Context, code string) (*Verification, error) {
	c, err := s.store.CertificateByCode(ctx, strings.ToLower(strings.TrimSpace(code)))
	if errors.Is(err, model.ErrNotFound) {
		return &Verification{Status: "unknown"}, nil
	}
	if err != nil {
		return nil, err
	}
	v := &Verification{Status: "valid", Serial: c.Serial, HolderName: c.HolderMasked, Minutes: c.Minutes,
		Issuer: c.Issuer, IssuedAt: c.IssuedAt, From: c.PeriodFrom, To: c.PeriodTo, RevokedAt: c.RevokedAt}
	if c.RevokedAt != nil {
		v.Status = "revoked"
	}
	if v.CorrectedLater, err = s.correctedLater(ctx, c); err != nil {
		return nil, err
	}
	if v.CorrectedLater {
		v.Note = CorrectedLaterNote
	}
	return v, nil
}

// correctedLater reports whether a record the certificate shows was corrected after issue: a
// record of the holder in the community, served in the period, that existed at issue time
// (the certificate showed all of them: Issue refuses a period with more than it can print).
func (s *Certificates) correctedLater(ctx context.Context, c *model.Certificate) (bool, error) {
	from, to, err := certPeriod(c.PeriodFrom, c.PeriodTo)
	if err != nil {
		return false, Internal(fmt.Errorf("certificate %d: period: %w", c.ID, err))
	}
	return s.store.CorrectedSince(ctx, c.CommunityID, c.UserID, from, to, c.IssuedAt)
}

// Revoke withdraws a certificate (作废): staff of its community, with a reason the holder is
// told. The verification page then says it is revoked. Revoking twice is 409 (a conditional
// UPDATE: revoked_at still empty).
func (s *Certificates) Revoke(ctx context.Context, p *Principal, code, reason string) (*Verification, error) {
	c, err := s.store.CertificateByCode(ctx, strings.ToLower(strings.TrimSpace(code)))
	if errors.Is(err, model.ErrNotFound) {
		return nil, Errorf(KindNotFound, "证明不存在")
	}
	if err != nil {
		return nil, err
	}
	if err := Authorize(p, ActTimeBankManage, Scope{CommunityID: c.CommunityID}); err != nil {
		return nil, err
	}
	if reason, err = CleanText(TextRule{Field: "reason", What: "作废原因", Max: 200, Required: true}, reason); err != nil {
		return nil, err
	}
	if err := s.safety.ScreenByStaff(ctx, s.store, p.UserID, SceneComment, "作废原因", reason); err != nil {
		return nil, err
	}
	err = s.store.Tx(ctx, func(tx *model.Store) error {
		won, err := tx.RevokeCertificate(ctx, c.ID, p.UserID, reason, s.now())
		if err != nil {
			return err
		}
		if !won {
			return Errorf(KindConflict, "该证明已作废")
		}
		return s.notifier.Enqueue(ctx, tx, Notice{UserID: c.UserID, CommunityID: c.CommunityID, Kind: NoticeCertificateRevoked,
			Title: "志愿服务证明已作废", Body: fmt.Sprintf("证明 %s 已被社区作废：%s", c.Serial, reason)})
	})
	if err != nil {
		return nil, err
	}
	return s.Verify(ctx, c.Code)
}
