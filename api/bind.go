package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

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

// JSON decodes a JSON body into dst and validates it.
func (b *binder) JSON(c *gin.Context, dst any) error {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/json" {
		return service.Errorf(service.KindUnsupportedType, "请以 application/json 格式提交")
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return service.Errorf(service.KindInvalid, "请求体只能包含一个 JSON 对象")
	}
	return b.validate(dst)
}

// Query binds URL query parameters (tag `query`) into dst and validates it.
func (b *binder) Query(c *gin.Context, dst any) error {
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
	return b.validate(dst)
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
		field := typ.Field
		if field == "" {
			return service.Errorf(service.KindInvalid, "请求体应为 JSON 对象")
		}
		msg := fmt.Sprintf("%s的类型错误，应为%s", field, jsonKind(typ.Type))
		return &service.Error{Kind: service.KindInvalid, Message: msg, Fields: []service.FieldError{{Field: field, Message: msg}}}
	}
	return service.Errorf(service.KindInvalid, "请求体格式错误")
}

func jsonKind(t reflect.Type) string {
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
	id, err := strconv.ParseUint(c.Param(name), 10, 64)
	if err != nil || id == 0 {
		return 0, service.Invalid(name, name+"必须是有效的编号")
	}
	return id, nil
}
