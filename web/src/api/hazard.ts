// Shapes and calls of the hidden-hazard API (issue 4; /work contract "API contract for issue 4"):
// hazards, their actions and photos, criteria, the four lists, supervision, blacklist,
// notifications and statistics.
import { api, request, type Query } from './client'

export type HazardState = 'reported' | 'confirmed' | 'dismissed' | 'rectifying' | 'submitted' | 'closed'
export type DeadlineState = 'on_time' | 'due_soon' | 'overdue' | 'overdue_30'

export const HAZARD_STATES: HazardState[] = ['reported', 'confirmed', 'rectifying', 'submitted', 'closed', 'dismissed']
export const HAZARD_SOURCES = ['self_check', 'grid_patrol', 'tipoff', 'enforcement', 'leader_inspection']
export const DEADLINE_STATES: DeadlineState[] = ['on_time', 'due_soon', 'overdue', 'overdue_30']
export const HAZARD_ACTIONS = [
  'confirm',
  'dismiss',
  'plan',
  'submit',
  'request_extension',
  'approve_extension',
  'refuse_extension',
  'verify',
  'send_back',
  'reopen',
]

export interface PhotoRef {
  sha256: string
  url: string
  thumb_url: string
}

export interface Photo extends PhotoRef {
  mime: string
  bytes: number
  width: number
  height: number
}

export interface HazardPlan {
  measures: string
  responsible: string
  funds_yuan: number
  emergency: string
  deadline: string
}

export interface TimelineEvent {
  id: number
  at_ms: number
  actor_login: string
  action: string
  from_state: string | null
  to_state: string | null
  reason: string | null
  detail: unknown
}

export interface Supervision {
  id: number
  state: string
  leader_id: number | null
  leader_name: string | null
  deadline: string | null
}

export interface Hazard {
  id: number
  number: string
  enterprise_id: number
  enterprise_name: string
  region_code: string
  grid_id: number | null
  industry_code: string
  source: string
  reporter_id: number
  reporter_name: string
  found_ms: number
  location: string
  lat: number | null
  lon: number | null
  category: string
  subcategory: string | null
  level: 'general' | 'major'
  criterion_id: number | null
  criterion: { set_code: string; doc: string; item: string; topic_zh: string } | null
  criterion_text: string | null
  description: string
  state: HazardState
  plan: HazardPlan | null
  deadline: string | null
  deadline_state: DeadlineState | null
  days_left: number | null
  extension_pending: boolean
  pending_deadline: string | null
  extension_requests: number
  max_extensions: number
  rectifier_id: number | null
  verifier_id: number | null
  send_backs: number
  closed_ms: number | null
  created_ms: number
  updated_ms: number
  supervision: Supervision | null
  /** Issue 5: set when a failed risk check opened it (GET /hazards/{id} only). */
  risk_point_id?: number | null
  risk_point_name?: string | null
  check_task_id?: number | null
  allowed_actions: string[]
  photos?: { before: PhotoRef[]; after: PhotoRef[] }
  timeline?: TimelineEvent[]
}

export interface Criterion {
  id: number
  set_code: string
  doc: string
  item: string
  topic_zh: string
  topic_en: string
}

export interface NewHazard {
  enterprise_id: number
  source?: string
  found_date?: string
  location: string
  lat?: number
  lon?: number
  coord_sys?: 'gcj02' | 'wgs84'
  category: 'management' | 'site'
  subcategory?: string
  level: 'general' | 'major'
  criterion_id?: number
  criterion_text?: string
  description: string
  photos?: string[]
  client_ref?: string
}

export interface Notification {
  id: number
  kind: string
  title?: string
  body?: string
  hazard_id?: number | null
  entity?: string
  entity_id?: number | null
  created_ms: number
  read_ms?: number | null
  [k: string]: unknown
}

export interface StatItem {
  key: string
  name: string
  total: number
  open: number
  closed: number
  overdue: number
}

export interface StatSummary {
  total: number
  open: number
  closed: number
  overdue: number
  overdue_30: number
  major_open: number
  rectification_rate: number | null
  on_time_rate: number | null
  mean_days_to_close: number | null
  monthly: { month: string; reported: number; closed: number }[]
  top_enterprises: { enterprise_id: number; name: string; open: number }[]
  grid_warnings: { grid_id: number; name: string; overdue: number; previous: number }[]
}

/** Uploads one photo (raw bytes; the server checks the type by magic bytes). */
export function uploadPhoto(blob: Blob): Promise<Photo> {
  const type = blob.type && /^image\/(jpeg|png|webp)$/.test(blob.type) ? blob.type : 'application/octet-stream'
  return request<Photo>('POST', '/photos', { raw: blob, contentType: type })
}

export function createHazard(body: NewHazard): Promise<Hazard> {
  return api.post<Hazard>('/hazards', body)
}

export function getHazard(id: number | string): Promise<Hazard> {
  return api.get<Hazard>('/hazards/' + id)
}

export function hazardAction(id: number, action: string, body: Record<string, unknown>): Promise<Hazard> {
  return api.post<Hazard>(`/hazards/${id}/actions/${action}`, body)
}

export function loadCriteria(enterpriseId: number): Promise<{ items: Criterion[]; covered: boolean }> {
  return api.get('/hazard-criteria', { enterprise_id: enterpriseId })
}

/** Downloads an export (`path` answers a file) and saves it under the server's file name. */
export async function downloadExport(path: string, query: Query, fallback: string): Promise<string> {
  const r = await request<Response>('GET', path, { query, rawResponse: true })
  const blob = await r.blob()
  const cd = r.headers.get('Content-Disposition') || ''
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd)
  const name = m ? decodeURIComponent(m[1]) : fallback
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10000)
  return name
}

/** Today as "YYYY-MM-DD" in UTC+8 (the contract's local dates), plus `days`. */
export function localDay(days = 0, nowMs = Date.now()): string {
  return new Date(nowMs + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10)
}
