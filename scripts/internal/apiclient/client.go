// Package apiclient is how the bench and load scripts call the Linli API over HTTP: requests
// with a session and a JSON body, the answer's envelope, and dev login.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client calls the API of the server at Base (http://host:port) through HTTP.
type Client struct {
	Base string
	HTTP *http.Client
}

// Pooled is an HTTP client for a load of conns connections to one server, without compression.
func Pooled(conns int, timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{MaxConnsPerHost: conns,
		MaxIdleConnsPerHost: conns, DisableCompression: true}}
}

// Send sends a request to path: body as JSON when not nil, the session token when not "". The
// caller closes the answer's body.
func (c *Client) Send(ctx context.Context, method, path, token string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.HTTP.Do(req)
}

// Do sends a request as Send does and returns the status and the whole body.
func (c *Client) Do(ctx context.Context, method, path, token string, body any) (int, []byte, error) {
	resp, err := c.Send(ctx, method, path, token, body)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// Envelope is the API's answer: code 0 and the data, or a code and the message of a failure.
type Envelope struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// Call sends a request as Send does and decodes the answer's envelope (an empty one when the
// answer has no body).
func (c *Client) Call(ctx context.Context, method, path, token string, body any) (int, Envelope, error) {
	var env Envelope
	status, raw, err := c.Do(ctx, method, path, token, body)
	if err == nil && len(raw) > 0 {
		err = json.Unmarshal(raw, &env)
	}
	return status, env, err
}

// Data decodes the data of the envelope in raw into v; an envelope of a failure is an error.
func Data(raw []byte, v any) error {
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return err
	}
	if env.Code != 0 {
		return fmt.Errorf("code %d: %s", env.Code, env.Message)
	}
	return json.Unmarshal(env.Data, v)
}

// DevLogin logs openid in through POST /api/v1/auth/dev-login and returns the session token.
func (c *Client) DevLogin(ctx context.Context, openid string) (string, error) {
	status, env, err := c.Call(ctx, http.MethodPost, "/api/v1/auth/dev-login", "", map[string]string{"openid": openid})
	if err != nil && status == 0 {
		return "", err
	}
	var out struct {
		Token string `json:"token"`
	}
	if err != nil || json.Unmarshal(env.Data, &out) != nil || out.Token == "" {
		return "", fmt.Errorf("dev login %s: status %d", openid, status)
	}
	return out.Token, nil
}
