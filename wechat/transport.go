package wechat

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// Why this is process-wide: silenceper/wechat has no base-URL or per-instance HTTP client
// setting. Every request of the parts we use (token fetch in credential, auth, security,
// subscribe, qrcode) goes through the package variable util.DefaultHTTPClient, and
// util.SetURIModifier is not enough because qrcode's util.PostJSONWithRespContentType skips it.
// So one http.Client is installed into that variable, once per process, and it reads the
// routing from an atomic value:
//   - the base URL is the one of the most recent New (so one process talks to one WeChat);
//   - the timeout is the largest one any New asked for. It is only a backstop that bounds
//     requests the library starts without a context; each Client also bounds every call it
//     makes with its own Timeout.
//
// These two variables are the package's only mutable state.
var (
	installOnce  sync.Once
	currentRoute atomic.Pointer[routing]
)

// routing is an immutable snapshot of where requests go and how long they may take.
type routing struct {
	base    *url.URL // nil: leave requests as the library built them (real WeChat)
	timeout time.Duration
}

// useRouting publishes base (nil for real WeChat) and timeout, then makes sure the library's
// global HTTP client is ours. It never touches http.DefaultClient.
func useRouting(base *url.URL, timeout time.Duration) {
	for {
		prev := currentRoute.Load()
		next := &routing{base: base, timeout: timeout}
		if prev != nil && prev.timeout > timeout {
			next.timeout = prev.timeout
		}
		if currentRoute.CompareAndSwap(prev, next) {
			break
		}
	}
	installOnce.Do(func() {
		util.DefaultHTTPClient = &http.Client{Transport: &rewriteTransport{
			next:  http.DefaultTransport.(*http.Transport).Clone(),
			route: currentRoute.Load,
		}}
	})
}

// rewriteTransport sends each request to the current base URL (scheme, host and an optional
// path prefix) and bounds it, body included, by the current timeout.
type rewriteTransport struct {
	next  http.RoundTripper
	route func() *routing
}

// RoundTrip implements http.RoundTripper.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := t.route()
	ctx, cancel := req.Context(), context.CancelFunc(func() {})
	if r != nil && r.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, r.timeout)
	}
	out := req.Clone(ctx)
	if r != nil && r.base != nil {
		out.URL.Scheme = r.base.Scheme
		out.URL.Host = r.base.Host
		if prefix := strings.TrimSuffix(r.base.Path, "/"); prefix != "" {
			out.URL.Path = prefix + out.URL.Path
			out.URL.RawPath = ""
		}
		out.Host = ""
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases the request's timeout once the body has been read and closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close implements io.Closer.
func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
