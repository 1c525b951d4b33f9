package api

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// IssuerRequest sets a community's recording unit and seal.
type IssuerRequest struct {
	CommunityPath
	Issuer string `json:"certificate_issuer" label:"出具单位" validate:"required,max=180" description:"证明上的记录单位名称，如 “武昌区水果湖街道东亭社区居民委员会”（最多 60 字）"`
	SealID ID     `json:"seal_upload_id" label:"印章图片" description:"印章图片的上传 ID（POST /api/v1/uploads，本人上传且未被使用）；不填保留原印章或不用印章"`
}

// IssuerDTO is a community's recording unit.
type IssuerDTO struct {
	CommunityID ID     `json:"community_id"`
	Issuer      string `json:"certificate_issuer"`
	HasSeal     bool   `json:"has_seal" description:"是否已设置印章图片"`
}

// StaffCertificateRequest is staff issuing a certificate for a volunteer of the community.
type StaffCertificateRequest struct {
	CommunityPath
	UserID ID     `json:"user_id" label:"志愿者" validate:"required" description:"志愿者的用户 ID（须在本社区有服务记录）"`
	From   string `json:"from" label:"开始日期" validate:"required,datetime=2006-01-02" format:"date" description:"时段开始（含），北京时间日期"`
	To     string `json:"to" label:"结束日期" validate:"required,datetime=2006-01-02" format:"date" description:"时段结束（含）；时段最长 5 年"`
}

// MyCertificateRequest is a volunteer asking for their own certificate.
type MyCertificateRequest struct {
	CommunityID ID     `json:"community_id" label:"社区" validate:"required" description:"出具证明的社区（服务记录所在社区）"`
	From        string `json:"from" label:"开始日期" validate:"required,datetime=2006-01-02" format:"date" description:"时段开始（含），北京时间日期"`
	To          string `json:"to" label:"结束日期" validate:"required,datetime=2006-01-02" format:"date" description:"时段结束（含）；时段最长 5 年"`
}

// CertificateFile names a certificate's PDF in the path: <code>.pdf.
type CertificateFile struct {
	File string `path:"file" json:"-" label:"证明文件" validate:"required,len=30,endswith=.pdf" description:"核验码加 .pdf"`
}

// VerifyPath names a certificate by its verification code.
type VerifyPath struct {
	Code string `path:"code" json:"-" label:"核验码" validate:"required,len=26,alphanum" description:"证明上的核验码"`
}

// CertificateDTO is an issued certificate (holder, staff).
type CertificateDTO struct {
	Code       string    `json:"code" description:"核验码（≥ 80 位随机数）"`
	Serial     string    `json:"serial" example:"LL1-2026-000001"`
	PDFURL     string    `json:"pdf_url" description:"PDF 地址（需登录：本人或社区工作者）"`
	VerifyURL  string    `json:"verify_url" description:"公开核验地址（二维码内容）"`
	HolderName string    `json:"holder_name" description:"持证人实名"`
	Hours      string    `json:"hours" example:"12.5"`
	Minutes    int       `json:"minutes"`
	Records    int       `json:"records" description:"服务记录条数"`
	Issuer     string    `json:"issuer"`
	From       string    `json:"from" format:"date"`
	To         string    `json:"to" format:"date"`
	IssuedAt   time.Time `json:"issued_at"`
}

// VerificationDTO is what anyone learns of a certificate by its code.
type VerificationDTO struct {
	Status   string     `json:"status" enum:"valid,revoked,unknown" description:"valid 有效；revoked 已作废；unknown 查无此证明"`
	Valid    bool       `json:"valid"`
	Serial   string     `json:"serial,omitempty"`
	Holder   string     `json:"holder,omitempty" description:"持证人姓名（掩码，如 刘*芳）"`
	Hours    string     `json:"hours,omitempty"`
	Issuer   string     `json:"issuer,omitempty"`
	From     string     `json:"from,omitempty" format:"date"`
	To       string     `json:"to,omitempty" format:"date"`
	IssuedAt *time.Time `json:"issued_at,omitempty"`
	// RevokedAt is when the certificate was revoked (status revoked).
	RevokedAt *time.Time `json:"revoked_at,omitempty" description:"作废时间（status=revoked）"`
	// CorrectedLater: one of its records was corrected after issue; the certificate is
	// verified as issued, and Note says so.
	CorrectedLater bool   `json:"corrected_later" description:"出具后其中的服务记录有更正（证明本身仍按出具时的内容核验）"`
	Note           string `json:"note,omitempty" example:"本证明出具后，其中的服务记录有更正，以最新记录为准"`
}

func (a *API) certificateRoutes() error {
	auth := a.requireUser
	for _, r := range []struct {
		g  *gin.RouterGroup
		rt route
		h  []gin.HandlerFunc
	}{
		{a.v1, route{op: "setCertificateIssuer", method: "PATCH", path: "/communities/:id", tag: "志愿服务证明",
			summary: "设置证明出具单位与印章（本社区工作者）", auth: true, req: new(IssuerRequest), resp: data[IssuerDTO](),
			description: "设置志愿服务证明上的记录单位名称，以及可选的印章图片。社区不存在 → 404。",
			errors:      []int{400, 403, 404}}, []gin.HandlerFunc{auth, a.h(a.setIssuer)}},
		{a.v1, route{op: "issueCertificate", method: "POST", path: "/communities/:id/certificates", tag: "志愿服务证明",
			summary: "为志愿者出具志愿服务证明（本社区工作者）", auth: true, req: new(StaffCertificateRequest),
			resp: data[CertificateDTO](), status: 201, errors: []int{400, 403, 404, 409},
			description: "出具该时段服务记录的证明（不可更改的快照）。志愿者未填实名或社区未设出具单位 → 409（指明缺少什么）；" +
				"时段内没有记录 → 409；开始晚于结束或超过 5 年 → 400；不是本社区的志愿者 → 404。"},
			[]gin.HandlerFunc{auth, a.h(a.issueCertificate)}},
		{a.v1, route{op: "issueMyCertificate", method: "POST", path: "/me/certificates", tag: "志愿服务证明",
			summary: "为自己出具志愿服务证明", auth: true, req: new(MyCertificateRequest), resp: data[CertificateDTO](),
			status: 201, errors: []int{400, 404, 409},
			description: "规则同工作者出具：未填实名 → 409；时段内没有记录 → 409；时段不合法 → 400；社区不存在 → 404。"},
			[]gin.HandlerFunc{auth, a.h(a.issueMyCertificate)}},
		{a.v1, route{op: "certificatePDF", method: "GET", path: "/certificates/:file", tag: "志愿服务证明",
			summary: "下载证明 PDF（本人或社区工作者）", auth: true, req: new(CertificateFile), contentType: "application/pdf",
			description: "路径为 /certificates/<核验码>.pdf。A4，含中文、服务记录表、印章与核验二维码。他人 → 404。",
			errors:      []int{404}}, []gin.HandlerFunc{auth, a.h(a.certificatePDF)}},
		{nil, route{op: "verifyCertificate", method: "GET", path: "/verify/:code", tag: "志愿服务证明",
			summary: "核验志愿服务证明（公开）", req: new(VerifyPath), resp: data[VerificationDTO](), errors: []int{429},
			description: "无需登录、不在 /api/v1 下。Accept: application/json 时返回 JSON，浏览器得到一个小网页。" +
				"查无此码也是 200（status=unknown）。按来源地址限流。"},
			[]gin.HandlerFunc{a.rateVerify, a.h(a.verifyCertificate)}},
	} {
		if err := a.handle(r.g, r.rt, r.h...); err != nil {
			return err
		}
	}
	return nil
}

// rateVerify limits verification look-ups per client address (as logins are).
func (a *API) rateVerify(c *gin.Context) {
	if err := a.deps.Limiter.AllowAddress(c.Request.Context(), a.deps.Config.Limits.LoginPerIP, "verify", c.ClientIP()); err != nil {
		fail(c, a.log, err)
		return
	}
	c.Next()
}

func (a *API) setIssuer(c *gin.Context) error {
	var req IssuerRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	ci, err := a.deps.Certificates.SetIssuer(c.Request.Context(), p, uint64(req.CommunityID), req.Issuer, uint64(req.SealID))
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, IssuerDTO{CommunityID: ID(ci.CommunityID), Issuer: ci.Issuer, HasSeal: ci.SealUploadID != nil})
	return nil
}

func (a *API) issueCertificate(c *gin.Context) error {
	var req StaffCertificateRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	return a.issue(c, service.IssueRequest{CommunityID: uint64(req.CommunityID), UserID: uint64(req.UserID),
		From: req.From, To: req.To})
}

func (a *API) issueMyCertificate(c *gin.Context) error {
	var req MyCertificateRequest
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	return a.issue(c, service.IssueRequest{CommunityID: uint64(req.CommunityID), UserID: userID(c),
		From: req.From, To: req.To})
}

func (a *API) issue(c *gin.Context, r service.IssueRequest) error {
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	if r.VerifyBase = a.deps.Config.Certificates.VerifyBaseURL; r.VerifyBase == "" {
		r.VerifyBase = publicBase(c)
	}
	v, err := a.deps.Certificates.Issue(c.Request.Context(), p, r)
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, certificateDTO(v))
	return nil
}

// publicBase is the scheme and host the client reached us at (behind a trusted proxy, what
// it forwarded): the base of the verification address printed on a certificate unless
// certificates.verify_base_url is configured.
func publicBase(c *gin.Context) string {
	scheme := "http"
	if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

func certificateDTO(v *service.CertificateView) CertificateDTO {
	return CertificateDTO{Code: v.Code, Serial: v.Serial, PDFURL: "/api/v1/certificates/" + v.Code + ".pdf",
		VerifyURL: v.VerifyURL, HolderName: v.HolderName, Hours: service.Hours(v.Minutes), Minutes: v.Minutes,
		Records: len(v.Items), Issuer: v.Issuer, From: v.PeriodFrom, To: v.PeriodTo, IssuedAt: Time(v.IssuedAt)}
}

func (a *API) certificatePDF(c *gin.Context) error {
	var req CertificateFile
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	code, isPDF := strings.CutSuffix(req.File, ".pdf")
	if !isPDF {
		return service.Errorf(service.KindNotFound, "证明不存在")
	}
	p, err := a.principal(c)
	if err != nil {
		return err
	}
	v, err := a.deps.Certificates.ByCode(c.Request.Context(), p, code)
	if err != nil {
		return err
	}
	body, err := a.deps.Certificates.PDF(c.Request.Context(), v)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `inline; filename="certificate-`+v.Serial+`.pdf"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/pdf", body)
	return nil
}

func (a *API) verifyCertificate(c *gin.Context) error {
	var req VerifyPath
	if err := a.bind.Request(c, &req); err != nil {
		return err
	}
	v, err := a.deps.Certificates.Verify(c.Request.Context(), req.Code)
	if err != nil {
		return err
	}
	out := verificationDTO(v)
	c.Header("Cache-Control", "no-store")
	if c.NegotiateFormat(gin.MIMEJSON, gin.MIMEHTML) == gin.MIMEHTML && !strings.Contains(c.GetHeader("Accept"), "json") {
		c.Status(http.StatusOK)
		c.Header("Content-Type", "text/html; charset=utf-8")
		return verifyPage.Execute(c.Writer, out)
	}
	ok(c, http.StatusOK, out)
	return nil
}

func verificationDTO(v *service.Verification) VerificationDTO {
	out := VerificationDTO{Status: v.Status, Valid: v.Status == "valid", Serial: v.Serial, Holder: v.HolderName,
		Issuer: v.Issuer, From: v.From, To: v.To, RevokedAt: TimePtr(v.RevokedAt), CorrectedLater: v.CorrectedLater,
		Note: v.Note}
	if v.Status != "unknown" {
		out.Hours = service.Hours(v.Minutes)
		t := Time(v.IssuedAt)
		out.IssuedAt = &t
	}
	return out
}

// verifyPage is the small page a browser gets from GET /verify/:code.
var verifyPage = template.Must(template.New("verify").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>志愿服务证明核验</title>
<style>body{font-family:sans-serif;max-width:30em;margin:2em auto;padding:0 1em;color:#222}
.s{font-size:1.4em;font-weight:bold}.valid{color:#18794e}.revoked,.unknown{color:#b42318}
dt{color:#666;margin-top:.6em}dd{margin:0}.note{color:#9a6700;margin-top:1.2em}</style></head><body>
<h1>志愿服务证明核验</h1>
{{if eq .Status "valid"}}<p class="s valid">✔ 证明有效</p>
{{else if eq .Status "revoked"}}<p class="s revoked">✘ 该证明已作废</p>
{{else}}<p class="s unknown">✘ 查无此证明，请核对核验码</p>{{end}}
{{if ne .Status "unknown"}}<dl>
<dt>证明编号</dt><dd>{{.Serial}}</dd>
<dt>持证人</dt><dd>{{.Holder}}</dd>
<dt>服务时段</dt><dd>{{.From}} 至 {{.To}}</dd>
<dt>累计服务时长</dt><dd>{{.Hours}} 小时</dd>
<dt>出具单位</dt><dd>{{.Issuer}}</dd>
<dt>出具日期</dt><dd>{{if .IssuedAt}}{{.IssuedAt.Format "2006-01-02"}}{{end}}</dd>
{{if .RevokedAt}}<dt>作废日期</dt><dd>{{.RevokedAt.Format "2006-01-02"}}</dd>{{end}}
</dl>{{if .CorrectedLater}}<p class="note">注：{{.Note}}</p>{{end}}{{end}}
</body></html>
`))

// okMe answers GET/PATCH /me: the profile with the owner's real name.
func (a *API) okMe(c *gin.Context, p *service.Profile) {
	dto := userDTO(p)
	name, err := a.deps.Certificates.RealName(c.Request.Context(), p.User.ID)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	dto.RealName = name
	ok(c, http.StatusOK, dto)
}
