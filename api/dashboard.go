package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"linli/service"
)

// xlsxType is the media type of an Excel workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (a *API) dashboardRoutes() error {
	const who = "本社区的工作人员与平台管理员可看；其他社区的工作人员得到 404，本社区的居民与楼栋长 403。"
	if err := a.handle(a.v1, route{op: "getDashboard", method: "GET", path: "/communities/:id/dashboard", tag: "工作台", summary: "月度工作台",
		description: "一个自然月（北京时间）的报事、志愿服务、能人库与派单、时间银行数据，及此前 11 个月的趋势。" +
			"每项数据的口径见响应字段说明。已结束满 72 小时的月份计算一次存为月度汇总，此后直接读取；" +
			"本月（及刚结束不满 72 小时的上月）实时计算，结果缓存 60 秒。" + who,
		auth: true, req: new(DashboardQuery), resp: data[DashboardDTO](), errors: []int{403, 404}},
		a.requireUser, a.dashboard); err != nil {
		return err
	}
	return a.handle(a.v1, route{op: "exportDashboard", method: "GET", path: "/communities/:id/dashboard/export", tag: "工作台",
		summary: "导出月度工作台（Excel）",
		description: "与 GET /communities/{id}/dashboard 同一月份、同一组数据的 .xlsx 工作簿：报事、志愿服务、能人库与派单、" +
			"时间银行、趋势各一个工作表，另有本月提交的报事明细（ID、楼栋、类别、状态、提交时间、受理时间、解决时间、评分、报事人；" +
			"状态与时间为导出时的当前值；匿名报事的报事人显示为“匿名”）。表头为中文并冻结；比例按百分比、时长按小时（[h]:mm）、积分按两位小数显示。" + who,
		auth: true, req: new(DashboardQuery), resp: new(Binary), contentType: xlsxType, errors: []int{403, 404}},
		a.requireUser, a.dashboardExport)
}

// dashboardRequest reads the community, the month and the caller of a dashboard request.
func (a *API) dashboardRequest(c *gin.Context) (uint64, string, *service.Principal, error) {
	var q DashboardQuery
	cid, err := pathID(c, "id")
	if err == nil {
		err = a.bind.Query(c, &q)
	}
	var p *service.Principal
	if err == nil {
		p, err = a.principal(c)
	}
	return cid, q.Month, p, err
}

func (a *API) dashboard(c *gin.Context) {
	cid, month, p, err := a.dashboardRequest(c)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	v, err := a.deps.Dashboard.Month(c.Request.Context(), p, cid, month)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	if v.Key == "" {
		ok(c, http.StatusOK, dashboardDTO(v))
		return
	}
	// A view kept in memory is encoded once: the answer is the same for every reader allowed.
	body, found := a.rendered.Lookup("dash:" + v.Key)
	if !found {
		if body, err = json.Marshal(Envelope[DashboardDTO]{Code: 0, Message: "ok", Data: dashboardDTO(v)}); err != nil {
			fail(c, a.log, service.Internal(err))
			return
		}
		a.rendered.Keep(a.rendered.Begin(), "dash:"+v.Key, body)
	}
	writeJSON(c, http.StatusOK, body)
}

func (a *API) dashboardExport(c *gin.Context) {
	cid, month, p, err := a.dashboardRequest(c)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	wb, err := a.deps.Dashboard.Export(c.Request.Context(), p, cid, month)
	if err != nil {
		fail(c, a.log, err)
		return
	}
	ascii := fmt.Sprintf("linli-dashboard-%d-%s.xlsx", cid, wb.Month)
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii,
		url.PathEscape(wb.Name)))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, xlsxType, wb.Body)
}
