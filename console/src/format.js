// Shown as the server wrote them (RFC 3339 in China time): no clock or zone of the browser.
export const time = t => (t ? t.slice(0, 16).replace('T', ' ') : '—')
export const pct = v => (v == null ? '—' : (v * 100).toFixed(1) + '%')

export const issueStatuses = [
  ['pending_review', '待审核'], ['submitted', '已提交'], ['acknowledged', '已受理'], ['in_progress', '处理中'],
  ['resolved', '已解决'], ['closed', '已关闭'], ['rejected', '已驳回'], ['duplicate', '重复问题'],
]
export const statusTag = s => ({
  pending_review: 'warning', submitted: 'danger', acknowledged: 'warning', in_progress: 'primary',
  resolved: 'success', closed: 'info', rejected: 'info', duplicate: 'info',
}[s] || 'info')

export const activityTag = s => ({ draft: 'info', published: 'success', cancelled: 'info', finished: 'primary' }[s] || 'info')
// A datetime-local value (China time, as every time the console shows) as the server's RFC 3339.
export const toServerTime = v => (v.length === 16 ? v + ':00' : v) + '+08:00'

export const topicStatuses = [
  ['pending_review', '待审核'], ['proposed', '提议中'], ['on_agenda', '已列入议程'], ['voting', '表决中'],
  ['decided', '已表决'], ['resolved', '已落实'], ['rejected', '未采纳'], ['withdrawn', '已撤回'], ['closed', '已关闭'],
]
export const topicActions = { accept: '列入议程', reject: '不予采纳', close: '关闭议题', withdraw: '撤回' }
