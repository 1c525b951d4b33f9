package wechat

import (
	"context"

	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
)

// SubscribeMessage is one subscription message. Data maps template keys (e.g. "thing1") to values.
type SubscribeMessage struct {
	ToUser     string // openid of the recipient
	TemplateID string
	Page       string // mini-program page opened from the card, may carry a query; optional
	Data       map[string]string
}

// SendSubscribe sends a subscription message. A user who refused it or has no grant left gives
// *Error CodeRefused.
//
// The library call takes no context: ctx and the client's timeout bound the wait, but a message
// whose wait was abandoned may still be delivered.
func (c *Client) SendSubscribe(ctx context.Context, msg SubscribeMessage) error {
	const op = "subscribe"
	if msg.ToUser == "" || msg.TemplateID == "" {
		return invalidInput("ToUser and TemplateID are required")
	}
	if len(msg.Data) == 0 {
		return invalidInput("Data is required")
	}
	data := make(map[string]*subscribe.DataItem, len(msg.Data))
	for k, v := range msg.Data {
		data[k] = &subscribe.DataItem{Value: v}
	}
	m := &subscribe.Message{ToUser: msg.ToUser, TemplateID: msg.TemplateID, Page: msg.Page, Data: data}
	return c.withToken(ctx, op, func(ctx context.Context) error {
		_, err := detached(ctx, func() (struct{}, error) {
			return struct{}{}, c.sub.Send(m)
		})
		return err
	})
}
