package wechat

import (
	"context"
	"net/url"
)

// maxCodeLen bounds the codes we forward; real ones are 32 characters.
const maxCodeLen = 256

// Session is the identity WeChat returns for a wx.login code. The session_key is deliberately
// absent: it never leaves the adapter.
type Session struct {
	OpenID  string
	UnionID string // empty unless the mini-program is bound to an open-platform account
}

// Code2Session exchanges a wx.login code (jscode2session). Typical *Error codes: CodeInvalidCode,
// CodeCodeUsed, CodeRateLimit, CodeRiskyUser; CodeBusy also matches ErrUnavailable.
func (c *Client) Code2Session(ctx context.Context, code string) (Session, error) {
	const op = "code2session"
	if code == "" || len(code) > maxCodeLen {
		return Session{}, invalidInput("login code is empty or too long")
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// The library puts the code into the query string verbatim.
	res, err := c.auth.Code2SessionContext(ctx, url.QueryEscape(code))
	if res.ErrCode != 0 {
		return Session{}, newError(res.ErrCode, res.ErrMsg)
	}
	if err != nil {
		return Session{}, classify(op, err)
	}
	if res.OpenID == "" {
		return Session{}, unavailable(op, "answer without openid")
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID}, nil
}

// Phone is the phone number a user agreed to share.
type Phone struct {
	Number      string // with country code when not Chinese mainland, e.g. "13800000000" or "+1 202..."
	PureNumber  string // without country code
	CountryCode string // e.g. "86"
}

// PhoneNumber exchanges a getPhoneNumber code (getuserphonenumber).
func (c *Client) PhoneNumber(ctx context.Context, code string) (Phone, error) {
	const op = "phonenumber"
	if code == "" || len(code) > maxCodeLen {
		return Phone{}, invalidInput("phone code is empty or too long")
	}
	var p Phone
	err := c.withToken(ctx, op, func(ctx context.Context) error {
		res, err := c.auth.GetPhoneNumberContext(ctx, code)
		if err != nil {
			return err
		}
		p = Phone{
			Number:      res.PhoneInfo.PhoneNumber,
			PureNumber:  res.PhoneInfo.PurePhoneNumber,
			CountryCode: res.PhoneInfo.CountryCode,
		}
		return nil
	})
	if err != nil {
		return Phone{}, err
	}
	if p.Number == "" && p.PureNumber == "" {
		return Phone{}, unavailable(op, "answer without phone number")
	}
	return p, nil
}
