// Cached look-ups the pages share: grids, departments, users of a role, division names.
import { reactive } from 'vue'
import { api, getAll } from './client'
import type { Dept, Grid, Region, User } from './types'

let grids: Promise<Grid[]> | null = null
let depts: Promise<Dept[]> | null = null
const usersByRole = new Map<string, Promise<User[]>>()

/** Grids in the caller's scope ([] when not allowed). */
export function loadGrids(refresh = false): Promise<Grid[]> {
  if (!grids || refresh) grids = getAll<Grid>('/grids').then((r) => r.items).catch(() => [])
  return grids
}

/** Departments ([] when not allowed). */
export function loadDepts(refresh = false): Promise<Dept[]> {
  if (!depts || refresh) depts = getAll<Dept>('/depts').then((r) => r.items).catch(() => [])
  return depts
}

/** Users of one role the caller may manage; rejects when the caller may not list users. */
export function loadUsers(role: string, refresh = false): Promise<User[]> {
  let p = usersByRole.get(role)
  if (!p || refresh) {
    p = getAll<User>('/users', { role }).then((r) => r.items)
    p.catch(() => usersByRole.delete(role))
    usersByRole.set(role, p)
  }
  return p
}

/** Names of divisions by code, filled in as they are asked for (reactive). */
export const regionNames = reactive<Record<string, string>>({})
const pending = new Set<string>()

export function regionName(code: string | null | undefined): string {
  if (!code) return ''
  if (!(code in regionNames) && !pending.has(code)) {
    pending.add(code)
    api
      .get<Region>('/regions/' + code)
      .then((r) => (regionNames[code] = r.name))
      .catch(() => (regionNames[code] = code))
      .finally(() => pending.delete(code))
  }
  return regionNames[code] || code
}

/** Full name of a division with its county ("亭湖区 五星街道") for tables. */
export function regionLabel(code: string | null | undefined): string {
  if (!code) return ''
  if (code.length > 6) {
    const county = code.slice(0, 6)
    return `${regionName(county)} ${regionName(code)}`
  }
  return regionName(code)
}
