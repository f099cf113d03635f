// The one way the UI talks to the server: fetch with the session cookie, the CSRF token on
// writes (docs/security.md), problem+json errors turned into ApiError, and a 401 (session
// expired or revoked) sent back to the login page with the page to return to.

export interface FieldError {
  field: string
  reason: string
}

/** An answer other than 2xx. `errors` names the bad fields of a 4xx (RFC 9457 + errors). */
export class ApiError extends Error {
  status: number
  title: string
  detail: string
  errors: FieldError[]
  body: unknown
  constructor(status: number, body: any) {
    const detail = (body && (body.detail || body.title)) || `HTTP ${status}`
    super(detail)
    this.status = status
    this.title = (body && body.title) || ''
    this.detail = detail
    this.errors = (body && Array.isArray(body.errors) ? body.errors : []) as FieldError[]
    this.body = body
  }
  /** True when the endpoint does not exist on this server yet (not merged): degrade, don't crash. */
  get missing(): boolean {
    return this.status === 404 && /no such endpoint/.test(this.detail)
  }
}

const CSRF_KEY = 'anjian.csrf'

export function setCsrf(token: string | null): void {
  if (token) localStorage.setItem(CSRF_KEY, token)
  else localStorage.removeItem(CSRF_KEY)
}

export function csrf(): string {
  return localStorage.getItem(CSRF_KEY) || ''
}

type UnauthorizedHandler = () => void
let onUnauthorized: UnauthorizedHandler = () => {}

/** Called on a 401 from any request except the login itself. */
export function setUnauthorizedHandler(h: UnauthorizedHandler): void {
  onUnauthorized = h
}

export type Query = Record<string, string | number | boolean | null | undefined>

/** Builds "?a=1&b=x" from the defined, non-empty values. */
export function qs(q?: Query): string {
  if (!q) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue
    p.set(k, String(v))
  }
  const s = p.toString()
  return s ? '?' + s : ''
}

export interface RequestOptions {
  query?: Query
  body?: unknown
  raw?: Blob | ArrayBuffer | Uint8Array
  contentType?: string
  /** The login call: a 401 there is a wrong password, not an expired session. */
  noAuthRedirect?: boolean
  /** Answer the Response itself (downloads). */
  rawResponse?: boolean
}

async function parseBody(r: Response): Promise<unknown> {
  const text = await r.text()
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return { detail: text.slice(0, 200) }
  }
}

export async function request<T = any>(method: string, path: string, opt: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (opt.raw !== undefined) {
    body = opt.raw as BodyInit
    headers['Content-Type'] = opt.contentType || 'application/octet-stream'
  } else if (opt.body !== undefined) {
    body = JSON.stringify(opt.body)
    headers['Content-Type'] = 'application/json'
  }
  if (method !== 'GET' && method !== 'HEAD' && csrf()) headers['X-CSRF-Token'] = csrf()
  const r = await fetch('/api/v1' + path + qs(opt.query), {
    method,
    headers,
    body,
    credentials: 'same-origin',
  })
  if (r.status === 401 && !opt.noAuthRedirect) onUnauthorized()
  if (!r.ok) throw new ApiError(r.status, await parseBody(r))
  if (opt.rawResponse) return r as unknown as T
  if (r.status === 204) return null as T
  return (await parseBody(r)) as T
}

export const api = {
  get: <T = any>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T = any>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body, query }),
  patch: <T = any>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
  del: <T = any>(path: string) => request<T>('DELETE', path),
}

export interface Page<T> {
  items: T[]
  next: string | null
}

/** Reads every page of a list (limit 500 each), at most maxPages pages. */
export async function getAll<T>(path: string, query: Query = {}, maxPages = 20): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = []
  let after: string | null = null
  for (let i = 0; i < maxPages; i++) {
    const p: Page<T> = await api.get<Page<T>>(path, { ...query, limit: 500, after })
    items.push(...p.items)
    if (!p.next) return { items, truncated: false }
    after = p.next
  }
  return { items, truncated: true }
}
