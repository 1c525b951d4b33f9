package config

import (
	"strings"
	"testing"
)

func TestBadUploadCostsNameTheKey(t *testing.T) {
	for _, c := range []struct {
		env  []string
		want string
	}{
		{[]string{"LINLI_UPLOADS_MAX_PIXELS=100"}, "LINLI_UPLOADS_MAX_PIXELS"},
		{[]string{"LINLI_UPLOADS_MAX_DECODE_BYTES=1024"}, "LINLI_UPLOADS_MAX_DECODE_BYTES"},
		{[]string{"LINLI_UPLOADS_DECODE_CONCURRENCY=0"}, "LINLI_UPLOADS_DECODE_CONCURRENCY"},
		{[]string{"LINLI_UPLOADS_MAX_IN_FLIGHT=0"}, "LINLI_UPLOADS_MAX_IN_FLIGHT"},
		{[]string{"LINLI_UPLOADS_MAX_IN_FLIGHT=4", "LINLI_UPLOADS_MAX_IN_FLIGHT_PER_USER=5"}, "LINLI_UPLOADS_MAX_IN_FLIGHT_PER_USER"},
		{[]string{"LINLI_UPLOADS_QUEUE_WAIT=15s"}, "LINLI_UPLOADS_QUEUE_WAIT"},
		{[]string{"LINLI_UPLOADS_QUEUE_WAIT=-1s"}, "LINLI_UPLOADS_QUEUE_WAIT"},
	} {
		_, err := Load("", c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %s", c.env, err, c.want)
		}
	}
}
