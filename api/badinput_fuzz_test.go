package api

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// requestTypes are every JSON request body of the API (TestFuzzCoversEveryRequestBody keeps the
// list whole): FuzzRequestDecoders decodes each fuzz input into all of them.
var requestTypes = []any{
	ActivityCancelRequest{}, ActivityCreateRequest{}, ActivityPatchRequest{}, ActivityTypePatch{}, ActivityTypeRequest{},
	AttendanceRequest{}, CategoryPatch{}, CategoryRequest{}, ClaimResidencyRequest{}, CommentRequest{}, CompleteRequest{},
	ConfirmRequest{}, CreateAccountRequest{}, CreateBuildingRequest{}, CreateCommunityRequest{}, CreateEstateRequest{},
	CreateRewardRequest{}, DevLoginRequest{}, DispatchRequest{}, GrantRoleRequest{}, HelpRequestRequest{}, LoginRequest{},
	MarkReadRequest{}, PhoneRequest{}, RatingRequest{}, ReasonRequest{}, RejectResidencyRequest{}, ReportRequest{},
	ReverseRequest{}, SkillCreateRequest{}, SkillProfileRequest{}, SubscriptionsRequest{}, TeamCreateRequest{},
	TeamMemberRequest{}, TokenRequest{}, TransferRequest{}, TransitionRequest{}, UpdateAccountRequest{}, UpdateMeRequest{},
	UpdateRewardRequest{}, VerifyRequest{}, VerifySkillRequest{}, IssuerRequest{}, MyCertificateRequest{}, StaffCertificateRequest{},
	ConsoleLoginRequest{}, ProposeTopicRequest{}, PublishAnnouncementRequest{}, TopicTransitionRequest{}, TopicCommentRequest{}, OpenVoteRequest{},
	BallotRequest{}, TopicActionRequest{},
	CorrectionRequest{}, ApproveCorrectionRequest{}, RejectCorrectionRequest{}, RevokeCertificateRequest{},
}

// FuzzRequestDecoders: whatever the body, binding it into any request type of the API never
// panics, every refusal is a *service.Error the envelope maps to 400, 413 or 415, and whatever
// is accepted holds no time outside 2000–2099 (the range the databases store).
func FuzzRequestDecoders(f *testing.F) {
	for _, s := range []string{`{}`, `{"id":"1","user_id":"9223372036854775808"}`, `{"starts_at":"0001-01-01T00:00:00Z"}`,
		`{"ends_at":"9999-12-31T23:59:59-12:00","name":"a"}`, `{"windows":[{"day":1,"start":"08:00","end":"09:00"}],"skill_ids":["1"]}`,
		`{"photos":["1",2,"x"],"points":"1.5"}`, `{"start_at":"2030-01-01T00:00:00+08:00","capacity":1e30}`, `[]`, `null`,
		"{\"name\":\"\xff\"}", `{"ids":[` + strings.Repeat(`"1",`, 200) + `"1"]}`, `{"a":` + strings.Repeat("[", 50)} {
		f.Add(s)
	}
	b, err := newBinder()
	if err != nil {
		f.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, body string) {
		for _, proto := range requestTypes {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest("POST", "/", strings.NewReader(body))
			c.Request.Header.Set("Content-Type", "application/json")
			dst := reflect.New(reflect.TypeOf(proto)).Interface()
			err := b.JSON(c, dst)
			if err == nil {
				if bad := outOfRange(reflect.ValueOf(dst)); bad != "" {
					t.Fatalf("%T accepted %q with the time %s", dst, body, bad)
				}
				continue
			}
			var se *service.Error
			if !errors.As(err, &se) {
				t.Fatalf("%T: body %q: %T %v is no service error", dst, body, err, err)
			}
			if s := statusOf(se.Kind); s != 400 && s != 413 && s != 415 {
				t.Fatalf("%T: body %q: status %d", dst, body, s)
			}
		}
	})
}

// outOfRange finds a set time outside 2000–2099 in v ("" when none).
func outOfRange(v reflect.Value) string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if t, ok := v.Interface().(time.Time); ok {
		if !t.IsZero() && (t.Before(earliestTime) || !t.Before(latestTime)) {
			return t.String()
		}
		return ""
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if s := outOfRange(v.Field(i)); s != "" {
					return s
				}
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if s := outOfRange(v.Index(i)); s != "" {
				return s
			}
		}
	}
	return ""
}

// TestFuzzCoversEveryRequestBody: requestTypes names the type of every JSON request body the
// OpenAPI document lists, so a new endpoint's body is fuzzed too.
func TestFuzzCoversEveryRequestBody(t *testing.T) {
	t.Parallel()
	a := testAPI(t)
	raw, err := a.docs.r.Spec.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, p := range requestTypes {
		have[reflect.TypeOf(p).Name()] = true
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.RequestBody == nil {
				continue
			}
			c, ok := op.RequestBody.Content["application/json"]
			if !ok {
				continue
			}
			name := c.Schema.Ref[strings.LastIndex(c.Schema.Ref, "/")+1:]
			if !have[name] {
				t.Errorf("%s %s: its body %s is not in requestTypes (badinput_fuzz_test.go)", strings.ToUpper(method), path, name)
			}
		}
	}
}
