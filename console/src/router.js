// A hash router of a few lines: the console has five pages and one detail view, served from
// one index.html; #/issues/12?status=open is parsed into { parts: ['issues', '12'], query }.
import { ref, computed } from 'vue'

const hash = ref(window.location.hash)
// lastList is the issue list as last shown (with its filters), where a detail's back link leads.
export const lastList = ref('#/issues')
function seen(h) {
  if (/^#\/issues(\?|$)/.test(h)) lastList.value = h
}
seen(hash.value)
window.addEventListener('hashchange', () => { hash.value = window.location.hash; seen(hash.value) })

export const route = computed(() => {
  const raw = hash.value.replace(/^#/, '') || '/'
  const [path, qs] = raw.split('?')
  return { path, parts: path.split('/').filter(Boolean), query: new URLSearchParams(qs || '') }
})

export function go(path, query) {
  let h = '#' + path
  if (query) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== '' && v != null) q.set(k, v)
    const s = q.toString()
    if (s) h += '?' + s
  }
  window.location.hash = h
}
