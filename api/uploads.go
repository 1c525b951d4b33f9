package api

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/swaggest/jsonschema-go"

	"linli/service"
)

// UploadRequest is the multipart form of an upload.
type UploadRequest struct {
	File multipart.File `formData:"file" required:"true" description:"图片文件：JPEG、PNG 或 WebP（按内容识别，不看扩展名），默认最大 10 MB（uploads.max_bytes）"`
}

// UploadDTO is a stored upload.
type UploadDTO struct {
	ID  ID     `json:"id" description:"在报事、评论等请求的 photos 中引用；24 小时内未被引用的上传会被删除"`
	URL string `json:"url" example:"/files/1024?exp=1767225600&sig=Qm9vb..." description:"签名的图片链接（相对 API 主机），可直接用于 <image src>，无需 Authorization；有效期至少 uploads.url_ttl（默认 24 小时）"`
}

// FileRequest is a signed link to an upload.
type FileRequest struct {
	ID  ID     `path:"id" json:"-" description:"上传 ID"`
	Exp string `query:"exp" description:"链接过期时间（Unix 秒），签名的一部分" label:"过期时间"`
	Sig string `query:"sig" description:"签名" label:"签名"`
}

// Binary documents a body that is raw bytes rather than JSON.
type Binary []byte

// JSONSchema documents the body as binary.
func (Binary) JSONSchema() (jsonschema.Schema, error) {
	var s jsonschema.Schema
	s.AddType(jsonschema.String)
	s.WithFormat("binary")
	return s, nil
}

// uploadSlack is what a multipart body may carry beyond the image: boundaries, part headers
// and the small form fields wx.uploadFile adds.
const uploadSlack = 64 << 10

// uploadRoutes registers the upload endpoint and the file links. Both live outside the /api/v1
// group on purpose: that group bounds every body by http.max_body_bytes (1 MB), and a group's
// middleware always runs before a route's, so an upload registered inside it could never get
// its larger limit. POST /api/v1/uploads is therefore registered on the engine with the same
// prefix and a limit of its own (uploads.max_bytes plus room for the multipart envelope);
// GET /files/:id is an operations-style root route without login, authorised by its signature.
func (a *API) uploadRoutes() error {
	up := route{op: "uploadImage", method: "POST", path: a.v1.BasePath() + "/uploads", tag: "报事", summary: "上传图片",
		description: "multipart/form-data，字段 file（wx.uploadFile 的 name: 'file'）。按文件内容识别类型，非 JPEG/PNG/WebP → 415；" +
			"超过大小上限 → 413；缺少 file 字段、文件损坏，或文件头声明的尺寸超过 uploads.max_pixels（默认 5000 万像素）、" +
			"解码所需内存超过 uploads.max_decode_bytes（默认 128 MiB，如 16 位色深的大图）→ 400（在解码之前拒绝）。" +
			"只保留显示图片所需的数据：去除 EXIF（含 GPS 位置）、XMP、ICC、注释等一切元数据（不重新压缩），再经内容安全检查：" +
			"不通过 → 422，文件不保留；微信不可用时图片保留但标记待审核。返回的 url 为签名链接。" +
			"同一用户同时上传的图片最多 uploads.max_in_flight_per_user 张（默认 2），再多 → 429 并带 Retry-After，请逐张或两张一组上传；" +
			"服务器同时处理的上传已满且排队超过 uploads.queue_wait → 503 并带 Retry-After。",
		auth: true, req: new(UploadRequest), resp: data[UploadDTO](), status: http.StatusCreated,
		errors: []int{413, 415, 422, 429, 503}}
	if err := a.handle(nil, up, a.limitUpload, a.requireUser, a.rateUpload(), a.admitUpload, a.upload); err != nil {
		return err
	}
	files := route{op: "serveFile", method: "GET", path: "/files/:id", tag: "报事", summary: "读取图片（签名链接）",
		description: "无需登录：链接由 exp 与 sig 授权（上传接口与报事详情返回）。返回图片原始字节与其类型，" +
			"Cache-Control: private, max-age=<至过期的秒数>。签名无效或已过期 → 403；图片不存在 → 404。",
		req: new(FileRequest), resp: new(Binary), contentType: "image/*", errors: []int{403, 404, 503}}
	return a.handle(nil, files, a.serveFile)
}

// limitUpload refuses upload bodies over the upload limit with 413, at once when
// Content-Length says so, otherwise when the reader passes it.
func (a *API) limitUpload(c *gin.Context) {
	limit := a.deps.Uploads.MaxBytes() + uploadSlack
	if c.Request.ContentLength > limit {
		fail(c, a.log, a.deps.Uploads.TooLarge())
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

// admitUpload takes the request's turn among the uploads in flight (service.Uploads.Admit)
// before its body is read, and gives it back once the handler is done: 429 for a user with
// too many in flight, 503 when the process stays full.
func (a *API) admitUpload(c *gin.Context) {
	release, err := a.deps.Uploads.Admit(c.Request.Context(), userID(c))
	if err != nil {
		fail(c, a.log, err)
		return
	}
	defer release()
	c.Next()
}

func (a *API) upload(c *gin.Context) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		fail(c, a.log, service.Errorf(service.KindUnsupportedType, "请以 multipart/form-data 格式上传图片（字段 file）"))
		return
	}
	for {
		part, err := mr.NextPart()
		var tooBig *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			fail(c, a.log, service.Invalid("file", "请选择要上传的图片（字段 file）"))
			return
		case errors.As(err, &tooBig):
			fail(c, a.log, a.deps.Uploads.TooLarge())
			return
		case err != nil:
			fail(c, a.log, service.Invalid("file", "上传数据格式错误，请重试"))
			return
		}
		if part.FormName() != "file" {
			_ = part.Close() // other form fields are ignored
			continue
		}
		up, err := a.deps.Uploads.Save(c.Request.Context(), userID(c), part, -1)
		_ = part.Close()
		if err != nil {
			fail(c, a.log, err)
			return
		}
		ok(c, http.StatusCreated, UploadDTO{ID: ID(up.ID), URL: a.deps.Uploads.URL(up.ID)})
		return
	}
}

func (a *API) serveFile(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, a.log, err)
		return
	}
	f, err := a.deps.Uploads.Open(c.Request.Context(), id, c.Query("exp"), c.Query("sig"))
	if err != nil {
		fail(c, a.log, err)
		return
	}
	defer f.Close()
	h := c.Writer.Header()
	maxAge := max(int(time.Until(f.Expires)/time.Second), 0)
	h.Set("Cache-Control", fmt.Sprintf("private, max-age=%d", maxAge))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// An upload's bytes never change: its id is a strong validator.
	etag := `"u` + strconv.FormatUint(id, 10) + `"`
	h.Set("ETag", etag)
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	c.DataFromReader(http.StatusOK, f.Size, f.ContentType, f, nil)
}
