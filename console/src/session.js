// Who is logged in and which community the console shows.
import { reactive } from 'vue'

export const session = reactive({
  user: null,
  communities: [], // [{ id, name }] the user works in
  communityId: '',
})

export function communityName() {
  const c = session.communities.find(c => c.id === session.communityId)
  return c ? c.name : ''
}

// isStaff: staff of the shown community, or a platform admin.
export function isStaff() {
  const roles = (session.user && session.user.roles) || []
  return roles.some(r => r.role === 'admin' || (r.role === 'staff' && r.community_id === session.communityId))
}

// captainBuildings: the buildings of the shown community the user is captain of.
export function captainBuildings() {
  const roles = (session.user && session.user.roles) || []
  return roles.filter(r => r.role === 'captain' && r.community_id === session.communityId).flatMap(r => r.building_ids || [])
}
