// The one way the console talks to the server: /api/v1 with the session cookie and the CSRF
// header (X-CSRF-Token echoing the readable linli_csrf cookie, api/console.go). Every answer's
// envelope is unwrapped here: data on success, an ApiError carrying the server's Chinese
// message (and, for a rejected import, its report in data) otherwise.

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || (status ? `请求失败（${status}）` : '网络连接失败，请稍后重试'))
    this.status = status
    this.data = body ? body.data : undefined
    this.fields = (body && body.fields) || []
  }
}

let unauthorized = () => {}
// onUnauthorized sets what happens when the session has ended (401): the shell shows the login.
export function onUnauthorized(fn) { unauthorized = fn }

export function csrf() {
  const m = document.cookie.match(/(?:^|; )linli_csrf=([^;]+)/)
  return m ? decodeURIComponent(m[1]) : ''
}

function url(path, query) {
  let u = '/api/v1' + path
  if (query) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== '' && v != null) q.set(k, v)
    const s = q.toString()
    if (s) u += (u.includes('?') ? '&' : '?') + s
  }
  return u
}

async function send(method, path, { body, form, query } = {}) {
  const headers = { 'X-CSRF-Token': csrf(), Accept: 'application/json' }
  let payload
  if (form) payload = form
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body) }
  try {
    return await fetch(url(path, query), { method, credentials: 'same-origin', headers, body: payload })
  } catch {
    throw new ApiError(0, null)
  }
}

async function fail(r) {
  let b = null
  try { b = await r.json() } catch { /* not JSON */ }
  if (r.status === 401) unauthorized()
  return new ApiError(r.status, b)
}

export async function call(method, path, opts) {
  const r = await send(method, path, opts)
  if (!r.ok) throw await fail(r)
  if (r.status === 204) return null
  const b = await r.json()
  return b.data
}

// raw answers the response itself (for an answer that is an image or JSON), failing as call does.
export async function raw(method, path, opts) {
  const r = await send(method, path, opts)
  if (!r.ok) throw await fail(r)
  return r
}

export const get = (path, query) => call('GET', path, { query })
export const post = (path, body, query) => call('POST', path, { body, query })
export const upload = (path, form, query) => call('POST', path, { form, query })

// allPages reads every page of a list (limit 100 each), up to max items.
export async function allPages(path, query = {}, max = 2000) {
  const items = []
  let cursor = ''
  do {
    const d = await get(path, { ...query, limit: 100, cursor })
    items.push(...d.items)
    cursor = d.next_cursor
  } while (cursor && items.length < max)
  return items
}

// download fetches a file (the CSRF header rules out a plain link) and saves it as filename.
export async function download(path, query, filename) {
  const r = await send('GET', path, { query })
  if (!r.ok) throw await fail(r)
  const a = document.createElement('a')
  a.href = URL.createObjectURL(await r.blob())
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 60000)
}
