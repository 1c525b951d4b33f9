package wechat

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/silenceper/wechat/v2/util"
)

// ErrUnavailable is matched (errors.Is) by every failure that says nothing about the request
// itself: transport errors, timeouts, cancelled contexts, non-JSON or otherwise unexpected
// answers, and WeChat's errcode -1 ("system busy"). Callers usually answer 503 or retry later.
var ErrUnavailable = errors.New("wechat unavailable")

// ErrInvalidInput is matched (errors.Is) when an argument is rejected before any request is made.
var ErrInvalidInput = errors.New("wechat: invalid input")

// WeChat errcodes the application is expected to tell apart. Compare them with HasCode or
// ErrorCode, or with the Code field of an *Error obtained by errors.As.
const (
	// CodeBusy is errcode -1: system busy, try again later. Such an *Error also matches ErrUnavailable.
	CodeBusy = -1
	// CodeInvalidToken is errcode 40001: the access token is invalid or not the latest one.
	CodeInvalidToken = 40001
	// CodeMalformedToken is errcode 40014: the access token is not a valid token at all.
	CodeMalformedToken = 40014
	// CodeInvalidCode is errcode 40029: the wx.login / phone code is unknown or expired.
	CodeInvalidCode = 40029
	// CodeInvalidAppSecret is errcode 40125: the configured AppSecret is wrong.
	CodeInvalidAppSecret = 40125
	// CodeCodeUsed is errcode 40163: the code has already been used.
	CodeCodeUsed = 40163
	// CodeRiskyUser is errcode 40226: WeChat blocked the login of a high-risk user.
	CodeRiskyUser = 40226
	// CodeInvalidPage is errcode 41030: the page of a mini-program code does not exist.
	CodeInvalidPage = 41030
	// CodeTokenExpired is errcode 42001: the access token has expired.
	CodeTokenExpired = 42001
	// CodeRefused is errcode 43101: the user refused the subscription message or has no quota left.
	CodeRefused = 43101
	// CodeRateLimit is errcode 45011: API minute quota reached, slow down.
	CodeRateLimit = 45011
	// CodeUserInactive is errcode 61010: the user has not used the mini-program recently
	// (content-safety checks require a visit within the last two hours).
	CodeUserInactive = 61010
	// CodeRiskyContent is errcode 87014: the content (image) is risky.
	CodeRiskyContent = 87014
)

// Error is an errcode answer of the WeChat server. Msg is WeChat's errmsg; it never holds a
// URL, a secret or a token (such messages are replaced before the Error is built).
type Error struct {
	Code int
	Msg  string
}

// Error implements error.
func (e *Error) Error() string {
	return "wechat: errcode " + strconv.Itoa(e.Code) + ": " + e.Msg
}

// Is makes an errcode -1 (system busy) answer match ErrUnavailable.
func (e *Error) Is(target error) bool {
	return target == ErrUnavailable && e.Code == CodeBusy
}

// ErrorCode returns the WeChat errcode carried by err, or 0 when err is not (and does not
// wrap) an *Error.
func ErrorCode(err error) int {
	var we *Error
	if errors.As(err, &we) {
		return we.Code
	}
	return 0
}

// HasCode reports whether err carries one of the given WeChat errcodes.
func HasCode(err error, codes ...int) bool {
	var we *Error
	if !errors.As(err, &we) {
		return false
	}
	for _, c := range codes {
		if we.Code == c {
			return true
		}
	}
	return false
}

// isDeadToken reports whether err says the access token we sent is no longer valid.
func isDeadToken(err error) bool {
	return HasCode(err, CodeInvalidToken, CodeTokenExpired, CodeMalformedToken)
}

func newError(code int64, msg string) *Error {
	return &Error{Code: int(code), Msg: safeText(msg, "(message withheld)")}
}

// unavailableError is a failure that matches ErrUnavailable. Its text is built only from fixed
// words and vetted details: the library's own transport errors quote the full request URL,
// including secret= or access_token=, so they are never wrapped or quoted.
type unavailableError struct {
	op     string
	reason string
	cause  error // context.Canceled / context.DeadlineExceeded, or nil
}

func (e *unavailableError) Error() string {
	return "wechat unavailable: " + e.op + ": " + e.reason
}

func (e *unavailableError) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrUnavailable, e.cause}
	}
	return []error{ErrUnavailable}
}

func unavailable(op, reason string) error {
	return &unavailableError{op: op, reason: reason}
}

// errcodeInText finds the errcode in the library's fmt.Errorf texts, e.g.
// "fetchCode error : errcode=41030 , errmsg=invalid page" or
// "get stable access_token error : errcode=40125 , errormsg=invalid appsecret".
var errcodeInText = regexp.MustCompile(`(?s)errcode=(-?\d+) , err(?:or)?msg=(.*)$`)

// classify turns any error of the library into an *Error, an ErrUnavailable error, or nil.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var we *Error
	if errors.As(err, &we) {
		return err
	}
	var ue *unavailableError
	if errors.As(err, &ue) {
		return err
	}
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return newError(ce.ErrCode, ce.ErrMsg)
	}
	var urlErr *url.Error
	isURLErr := errors.As(err, &urlErr)
	switch {
	case errors.Is(err, context.Canceled):
		return &unavailableError{op: op, reason: "canceled", cause: context.Canceled}
	case errors.Is(err, context.DeadlineExceeded) || (isURLErr && urlErr.Timeout()):
		return &unavailableError{op: op, reason: "timeout", cause: context.DeadlineExceeded}
	case isURLErr:
		return unavailable(op, "transport: "+safeText(urlErr.Err.Error(), "request failed"))
	}
	if m := errcodeInText.FindStringSubmatch(err.Error()); m != nil {
		if code, perr := strconv.ParseInt(m[1], 10, 64); perr == nil {
			return newError(code, m[2])
		}
	}
	// Non-200 status, non-JSON body, unexpected content type: the text may quote the URL.
	return unavailable(op, "unexpected answer")
}

// safeText returns s, or fallback when s could reveal a URL, a secret or a token.
func safeText(s, fallback string) string {
	l := strings.ToLower(s)
	for _, bad := range []string{"://", "secret=", "access_token=", "session_key"} {
		if strings.Contains(l, bad) {
			return fallback
		}
	}
	return s
}
