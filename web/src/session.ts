// The logged-in user (from /api/v1/me), shared by every page. A plain reactive object:
// the app has one such store, so pinia is not needed.
import { reactive } from 'vue'
import { api, request, setCsrf, ApiError } from './api/client'
import type { Me } from './api/types'

export const session = reactive({
  me: null as Me | null,
  checked: false,
  /** Name of the home city for the header, from /api/v1/map/config (or the scope). */
  city: '',
  homeRegion: '',
})

export function can(perm: string): boolean {
  return !!session.me && session.me.permissions.includes(perm)
}

/** Asks the server who we are (the cookie travels by itself). Null when not logged in. */
export async function loadMe(): Promise<Me | null> {
  try {
    session.me = await request<Me>('GET', '/me', { noAuthRedirect: true })
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e
    session.me = null
  }
  session.checked = true
  return session.me
}

export interface LoginAnswer {
  token: string
  csrf_token: string
  must_change_password: boolean
}

/** Logs in; the server sets the HttpOnly cookie, we keep the CSRF token for writes. */
export async function login(loginName: string, password: string): Promise<LoginAnswer> {
  const r = await request<LoginAnswer>('POST', '/session', {
    body: { login: loginName, password },
    noAuthRedirect: true,
  })
  setCsrf(r.csrf_token)
  await loadMe()
  return r
}

export async function logout(): Promise<void> {
  try {
    await request('DELETE', '/session', { noAuthRedirect: true })
  } catch {
    /* already gone */
  }
  forget()
}

/** Drops what we know of the session (after a 401 or a logout). */
export function forget(): void {
  setCsrf(null)
  session.me = null
  session.city = ''
  session.homeRegion = ''
  cityPromise = null
}

let cityPromise: Promise<void> | null = null

/** loadCity once per session; every caller waits for the same answer. */
export function ensureCity(): Promise<void> {
  if (!cityPromise) cityPromise = loadCity()
  return cityPromise
}

/** Home city name for the header: map config's home_region, else the user's region scope. */
async function loadCity(): Promise<void> {
  let code = ''
  try {
    const cfg = await api.get('/map/config')
    code = cfg && cfg.home_region ? String(cfg.home_region) : ''
  } catch {
    /* not merged yet, or not allowed */
  }
  if (!code && session.me && session.me.scope.startsWith('region:')) code = session.me.scope.slice(7)
  session.homeRegion = code
  if (!code) return
  try {
    const r = await api.get('/regions/' + code)
    session.city = r.name
  } catch {
    session.city = ''
  }
}
