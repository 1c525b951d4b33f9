package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/locales/zh"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	zhtrans "github.com/go-playground/validator/v10/translations/zh"

	"linli/service"
)

// binder decodes and validates requests with its own validator (not gin's global one), and
// reports every problem in Chinese, naming the field as the client spelled it.
type binder struct {
	v     *validator.Validate
	trans ut.Translator
}

func newBinder() (*binder, error) {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		for _, tag := range []string{"json", "query", "path", "form"} {
			name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
			if name == "-" {
				return ""
			}
			if name != "" {
				return name
			}
		}
		return f.Name
	})
	zhLocale := zh.New()
	trans, _ := ut.New(zhLocale, zhLocale).GetTranslator("zh")
	if err := zhtrans.RegisterDefaultTranslations(v, trans); err != nil {
		return nil, fmt.Errorf("validator translations: %w", err)
	}
	return &binder{v: v, trans: trans}, nil
}

// JSON decodes a JSON body into dst and validates it; problems name fields by their labels.
func (b *binder) JSON(c *gin.Context, dst any) error {
	return relabel(dst, b.decodeJSON(c, dst))
}

func (b *binder) decodeJSON(c *gin.Context, dst any) error {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/json" {
		return service.Errorf(service.KindUnsupportedType, "请以 application/json 格式提交")
	}
	data, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return decodeError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return bodyError(err, data, dst)
	}
	if dec.More() {
		return service.Errorf(service.KindInvalid, "请求体只能包含一个 JSON 对象")
	}
	if err := b.validate(dst); err != nil {
		return err
	}
	return checkTimes(reflect.ValueOf(dst), "")
}

// The times a request may carry: anything outside is a mistake, and outside the databases'
// ranges a failure.
var (
	earliestTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latestTime   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkTime refuses a time outside the years 2000–2099 (UTC), naming the field.
func checkTime(field string, t time.Time) error {
	if t.Before(earliestTime) || !t.Before(latestTime) {
		return service.Invalid(field, field+"须在 2000 年至 2099 年之间")
	}
	return nil
}

// checkTimes applies checkTime to every time a decoded request holds, naming it by its JSON
// path: a time.Time unless it is zero (not sent), a *time.Time whenever it is set (a client
// can send the zero time, 0001-01-01T00:00:00Z).
func checkTimes(v reflect.Value, path string) error {
	sent := false
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v, sent = v.Elem(), true
	}
	if t, ok := v.Interface().(time.Time); ok {
		if t.IsZero() && !sent {
			return nil
		}
		return checkTime(path, t)
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case name == "-":
				continue
			case f.Anonymous && name == "":
				name = path // embedded: its fields are the parent's
			case name == "":
				name = joinPath(path, f.Name)
			default:
				name = joinPath(path, name)
			}
			if err := checkTimes(v.Field(i), name); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkTimes(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// Query binds URL query parameters (tag `query`) into dst and validates it.
func (b *binder) Query(c *gin.Context, dst any) error {
	if err := b.queryOnly(c, dst); err != nil {
		return err
	}
	return b.check(dst)
}

// check validates dst, naming fields by their labels.
func (b *binder) check(dst any) error { return relabel(dst, b.validate(dst)) }

// queryOnly binds URL query parameters (tag `query`) into dst without validating it.
func (b *binder) queryOnly(c *gin.Context, dst any) error {
	return relabel(dst, b.mapQuery(c, dst))
}

func (b *binder) mapQuery(c *gin.Context, dst any) error {
	q := c.Request.URL.Query()
	if err := binding.MapFormWithTag(dst, q, "query"); err != nil {
		// Find the parameter at fault by mapping each one alone into a fresh value.
		field := ""
		for key, vals := range q {
			probe := reflect.New(reflect.TypeOf(dst).Elem()).Interface()
			if binding.MapFormWithTag(probe, map[string][]string{key: vals}, "query") != nil {
				field = key
				break
			}
		}
		msg := "查询参数格式错误：" + queryErrorText(err)
		if field == "" {
			return service.Errorf(service.KindInvalid, "%s", msg)
		}
		msg = field + "格式错误：" + queryErrorText(err)
		return &service.Error{Kind: service.KindInvalid, Message: msg, Fields: []service.FieldError{{Field: field, Message: msg}}}
	}
	return nil
}

// clientPath turns the validator's namespace (Request.PageQuery.limit, Request.items[0].name)
// into the path the client wrote (limit, items[0].name): the request struct and embedded
// structs, which carry Go names, are not part of it.
func clientPath(ns string) string {
	parts := strings.Split(ns, ".")
	out := parts[:0]
	for i, p := range parts {
		if i == 0 || (p != "" && p[0] >= 'A' && p[0] <= 'Z') {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ".")
}

func (b *binder) validate(dst any) error {
	err := b.v.Struct(dst)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return service.Errorf(service.KindInvalid, "请求参数有误")
	}
	fields := make([]service.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		field := clientPath(fe.Namespace())
		msg := fe.Translate(b.trans)
		if strings.HasPrefix(msg, "Key: '") { // a rule the zh translations do not cover
			msg = untranslated(field, fe.Tag())
		}
		fields = append(fields, service.FieldError{Field: field, Message: msg})
	}
	return &service.Error{Kind: service.KindInvalid, Message: fields[0].Message, Fields: fields}
}

// untranslated words the rules the validator's zh translations lack.
func untranslated(field, tag string) string {
	switch tag {
	case "unique":
		return field + "不能包含重复的值"
	case "alphanumunicode", "printascii":
		return field + "包含不允许的字符"
	case "excluded_with":
		return field + "不能与已选择的另一种填写方式同时给出，请只用其中一种"
	}
	return field + "的值无效"
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return service.Errorf(service.KindTooLarge, "请求体过大（上限 %d 字节）", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return service.Errorf(service.KindInvalid, "请求体不能为空")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return service.Errorf(service.KindInvalid, "请求体不是有效的 JSON")
	case errors.As(err, &typ):
		field := clientField(typ.Field)
		if field == "" {
			return service.Errorf(service.KindInvalid, "请求体应为 JSON 对象")
		}
		msg := fmt.Sprintf("%s的类型错误，应为%s", field, jsonKind(typ.Type))
		return &service.Error{Kind: service.KindInvalid, Message: msg, Fields: []service.FieldError{{Field: field, Message: msg}}}
	}
	return service.Errorf(service.KindInvalid, "请求体格式错误")
}

// bodyError is decodeError for the JSON body data decoded into dst: a value a field's own type
// refuses (a malformed time), which encoding/json reports without the field, is named by
// decoding the body's fields one at a time.
func bodyError(err error, data []byte, dst any) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return decodeError(err)
	}
	field := badField(data, dst)
	if field == "" {
		return decodeError(err)
	}
	msg := field + "的值格式错误"
	var te *time.ParseError
	if errors.As(err, &te) {
		msg = field + "须为带时区的 RFC 3339 时间，如 2025-05-01T09:00:00+08:00"
	}
	return service.Invalid(field, msg)
}

// clientField is the field path of a decoding error as the client wrote it: encoding/json
// names promoted fields through the embedded struct's Go name (RewardBody.name), which the
// client never saw.
func clientField(f string) string {
	parts := strings.Split(f, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && (p[0] < 'A' || p[0] > 'Z') {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

// badField is the first field (in name order) of the JSON object data that dst's type cannot
// take on its own; "" when data is no object or every field decodes alone.
func badField(data []byte, dst any) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil || dst == nil {
		return ""
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		one, err := json.Marshal(map[string]json.RawMessage{k: obj[k]})
		if err != nil {
			continue
		}
		probe := reflect.New(reflect.TypeOf(dst).Elem()).Interface()
		if json.Unmarshal(one, probe) != nil {
			return k
		}
	}
	return ""
}

func jsonKind(t reflect.Type) string {
	if t == reflect.TypeFor[ID]() {
		return "字符串形式的编号（如 \"12\"）"
	}
	switch t.Kind() {
	case reflect.String:
		return "字符串"
	case reflect.Bool:
		return "布尔值"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数"
	case reflect.Float32, reflect.Float64:
		return "数字"
	case reflect.Slice, reflect.Array:
		return "数组"
	}
	return "对象"
}

func queryErrorText(err error) string {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return fmt.Sprintf("%q 不是有效的数字", ne.Num)
	}
	return "无法解析"
}

// pathID reads a positive integer id from the path parameter name.
func pathID(c *gin.Context, name string) (uint64, error) {
	id, err := strconv.ParseUint(c.Param(name), 10, 63)
	if err != nil || id == 0 {
		return 0, service.Invalid(name, name+"必须是有效的编号")
	}
	return id, nil
}
