// Shapes of the API's JSON (docs/api.md, docs/enterprise.md and the issue-3 contracts).

export interface User {
  id: number
  login: string
  display_name: string
  role: string
  role_name?: string
  scope: string
  dept_id: number | null
  phone: string
  machine: boolean
  must_change_password: boolean
  locked: boolean
  locked_until_ms: number
  created_ms: number
  updated_ms: number
}

export interface Me extends User {
  permissions: string[]
  auth: string
}

export interface Region {
  code: string
  name: string
  level: number
  parent_code: string | null
}

export interface Dept {
  id: number
  name: string
  region_code: string
  description: string
  created_ms?: number
  updated_ms?: number
}

export interface Grid {
  id: number
  code: string
  name: string
  region_code: string
  manager_id: number | null
  patroller_id: number | null
  supervisor_id: number | null
  geometry?: unknown
}

export type LicenceState = 'valid' | 'expiring_90' | 'expiring_60' | 'expiring_30' | 'expired'

export interface Enterprise {
  id: number
  uscc: string
  name: string
  former_names: string[]
  industry_code: string
  region_code: string
  address: string
  high_risk: boolean
  high_risk_category: string | null
  std_grade: string
  status: string
  legal_rep: string
  legal_rep_phone: string
  safety_officer: string
  safety_officer_phone: string
  grid_id: number | null
  lat: number | null
  lon: number | null
  coord_system?: string
  employees: number | null
  scale: string | null
  phones_masked: boolean
  created_ms: number
  updated_ms: number
  // issue 3 (branch ent-licence): may be absent until merged
  supervising_dept_id?: number | null
  supervising_dept_name?: string | null
  supervisor_id?: number | null
  supervisor_name?: string | null
  licence_state?: LicenceState | null
  risk_grade?: number | null
}

export interface Licence {
  id: number
  enterprise_id: number
  enterprise_name: string
  type: string
  number: string
  issuer: string
  valid_from: string
  valid_until: string
  state: LicenceState
  days_left: number
}

/** One entry of GET /enterprises/{id}/history (docs/enterprise.md "Change history"). */
export interface HistoryEntry {
  id: number
  at_ms: number
  actor_login: string
  action: string
  entity: string
  entity_id: number | string
  /** The rest of the audit summary: the record of a create or delete, `before` of an update. */
  summary: Record<string, unknown> | null
  changes: { field: string; old: unknown; new: unknown }[]
}

export interface ImportReport {
  dry_run: boolean
  total_rows: number
  valid_rows: number
  imported: number
  /** Every bad row is counted here; `errors` lists at most import.max_errors of them. */
  error_count?: number
  errors_truncated?: boolean
  errors: { row: number; column: string; field: string; reason: string }[]
}

export interface MapConfig {
  tile_url: string
  tile_attribution: string
  center: [number, number]
  zoom: number
  home_region: string
}

export interface Feature<P = Record<string, unknown>> {
  type: 'Feature'
  geometry: any
  properties: P
}

export interface FeatureCollection<P = Record<string, unknown>> {
  type: 'FeatureCollection'
  features: Feature<P>[]
  truncated?: boolean
}

export type { Page } from './client'
