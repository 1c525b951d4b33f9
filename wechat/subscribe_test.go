package wechat

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestSendSubscribe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	msg := SubscribeMessage{
		ToUser:     uniq("openid-sub-ok"),
		TemplateID: "tmpl-1",
		Page:       "pages/issue/detail?id=7",
		Data:       map[string]string{"thing1": "水管漏水", "time2": "2024-05-01 10:00"},
	}
	if err := e.c.SendSubscribe(ctxT(t), msg); err != nil {
		t.Fatal(err)
	}
	sent := fake.SentTo(msg.ToUser)
	if len(sent) != 1 {
		t.Fatalf("sent = %+v", sent)
	}
	got := sent[0]
	if got.TemplateID != msg.TemplateID || got.Page != msg.Page || !reflect.DeepEqual(got.Data, msg.Data) {
		t.Fatalf("fake received %+v, want %+v", got, msg)
	}
}

func TestSendSubscribeRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2*time.Second)
	fake.SetRefuse("openid-sub-refused")
	err := e.c.SendSubscribe(ctxT(t), SubscribeMessage{
		ToUser: "openid-sub-refused", TemplateID: "tmpl-1", Data: map[string]string{"thing1": "x"},
	})
	assertCode(t, err, CodeRefused)
	assertClean(t, err)
	if n := len(fake.SentTo("openid-sub-refused")); n != 0 {
		t.Fatalf("%d messages recorded for a refusing user", n)
	}
	if err := e.c.SendSubscribe(ctxT(t), SubscribeMessage{ToUser: "x"}); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("incomplete message: %v", err)
	}
}
