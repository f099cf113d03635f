// Shapes and calls of the risk graded control API (issue 5; /work contract "API contract for
// issue 5": branches risk-core, risk-check, risk-views).
import { api, getAll, request, type Query } from './client'

export type Colour = 'red' | 'orange' | 'yellow' | 'blue' | null

export interface Graded {
  grade: number | null
  colour: Colour
  grade_name: string | null
}

export const UNIT_KINDS = ['installation', 'workshop', 'equipment', 'operation', 'place']
export const FACTORS = ['person', 'object', 'environment', 'management']
export const MEASURE_KINDS = ['engineering', 'management', 'training', 'ppe', 'emergency']
export const CONTROL_LEVELS = ['company', 'department', 'team', 'post']
export const SCHEDULES = ['shift', 'daily', 'weekly', 'monthly']
export const ZONE_COLOURS = ['green', 'yellow', 'red']

/** [x, y] in the site plan image's pixels (x right, y down). */
export type Vertex = [number, number]

export interface RiskUnit extends Graded {
  id: number
  enterprise_id: number
  enterprise_name: string
  kind: string
  name: string
  code: string
  description: string
  polygon: Vertex[] | null
  point_count: number
  created_ms: number
  updated_ms: number
}

export interface Assessment extends Graded {
  id: number
  danger_source_id: number
  point_id: number
  method: 'lec' | 'ls'
  table_id: string
  l: number
  e?: number
  c?: number
  s?: number
  value: number
  assessed_day: string
  assessed_ms: number
  assessor_id: number
  assessor_name: string
  note: string | null
}

export interface Measure {
  id: number
  danger_source_id: number
  point_id: number
  kind: string
  description: string
  control_level: string
  responsible_name: string
  responsible_user_id: number | null
  active: boolean
  level_short: boolean
}

export interface DangerSource extends Graded {
  id: number
  point_id: number
  name: string
  factor: string
  accident_types: number[]
  description: string
  assessment: Assessment | null
  measures?: Measure[]
}

export interface RiskPoint extends Graded {
  id: number
  enterprise_id: number
  enterprise_name: string
  unit_id: number
  unit_name: string
  kind: string
  name: string
  location: string
  control_level: string | null
  last_assessed_day: string | null
  reassess_due: string | null
  reassess_overdue: boolean
  source_count: number
  measure_count: number
  created_ms: number
  updated_ms: number
  sources?: DangerSource[]
}

export interface CheckItem {
  id: number
  enterprise_id: number
  point_id: number
  point_name: string
  measure_id: number
  measure_description: string
  control_level: string
  content: string
  schedule: string
  assignee_id: number | null
  assignee_name: string | null
  active: boolean
  start_ms: number
}

export interface CheckTask {
  id: number
  enterprise_id: number
  enterprise_name: string
  point_id: number
  point_name: string
  item_id: number
  content: string
  control_level: string
  schedule: string
  period_label: string
  period_start_ms: number
  period_end_ms: number
  assignee_id: number | null
  assignee_name: string | null
  state: 'open' | 'passed' | 'failed' | 'missed'
  done_ms: number | null
  done_by: number | null
  note: string | null
  hazard_id: number | null
  hazard_number: string | null
}

export interface Zone {
  id: number
  enterprise_id: number
  colour: 'green' | 'yellow' | 'red'
  name: string
  entry_rules: string
  polygon: Vertex[]
}

export interface SitePlan {
  sha256: string
  width: number
  height: number
  url: string
}

export interface RiskEnterprise extends Graded {
  enterprise_id: number
  enterprise_name: string
  uscc: string
  red: number
  orange: number
  yellow: number
  blue: number
  units: number
  points: number
  site_plan: SitePlan | null
  rule: string
}

export interface AccidentType {
  number: number
  name: string
  standard: string
}

export interface GradeCounts {
  red: number
  orange: number
  yellow: number
  blue: number
  none?: number
}

export interface RiskStatItem {
  key: string
  name: string
  enterprises: GradeCounts
  points: GradeCounts
}

export interface CompletionItem {
  key: string
  name: string
  total: number
  passed: number
  failed: number
  missed: number
  open: number
  completion_rate: number | null
}

/** Grade 1..4 -> the colour word of the contract. */
export function gradeColour(g: number | null | undefined): Colour {
  return g === 1 ? 'red' : g === 2 ? 'orange' : g === 3 ? 'yellow' : g === 4 ? 'blue' : null
}

/** Fill colours of the four grades on plans and maps (red, orange, yellow, blue; grey none). */
export const COLOUR_HEX: Record<string, string> = {
  red: '#e53935',
  orange: '#fb8c00',
  yellow: '#fdd835',
  blue: '#1e88e5',
  green: '#43a047',
  none: '#9e9e9e',
}

export function colourHex(c: string | null | undefined): string {
  return COLOUR_HEX[c || 'none'] || COLOUR_HEX.none
}

// ---- LEC / LS scales (docs/risk.md; data/risk/lec_scales.csv, ls_likelihood.csv,
// ls_severity.csv): the standard's own words, Chinese first.
export interface ScaleValue {
  value: number
  zh: string
  en: string
}

export const LEC_SCALES: Record<'l' | 'e' | 'c', ScaleValue[]> = {
  l: [
    { value: 10, zh: '完全可以预料', en: 'expected to happen (fully foreseeable)' },
    { value: 6, zh: '相当可能', en: 'quite possible' },
    { value: 3, zh: '可能，但不经常', en: 'possible but not frequent' },
    { value: 1, zh: '可能性小，完全意外', en: 'unlikely; would be a complete surprise' },
    { value: 0.5, zh: '很不可能，可以设想', en: 'very unlikely but conceivable' },
    { value: 0.2, zh: '极不可能', en: 'extremely unlikely' },
    { value: 0.1, zh: '实际不可能', en: 'practically impossible' },
  ],
  e: [
    { value: 10, zh: '连续暴露', en: 'continuous exposure' },
    { value: 6, zh: '每天工作时间内暴露', en: 'exposed during every working day' },
    { value: 3, zh: '每周一次，或偶然暴露', en: 'weekly or occasional exposure' },
    { value: 2, zh: '每月一次暴露', en: 'monthly exposure' },
    { value: 1, zh: '每年几次暴露', en: 'a few times a year' },
    { value: 0.5, zh: '非常罕见地暴露', en: 'very rarely exposed' },
  ],
  c: [
    { value: 100, zh: '大灾难，许多人死亡', en: 'catastrophe, many deaths' },
    { value: 40, zh: '灾难，数人死亡', en: 'disaster, several deaths' },
    { value: 15, zh: '非常严重，一人死亡', en: 'very serious, one death' },
    { value: 7, zh: '严重，重伤', en: 'serious injury' },
    { value: 3, zh: '重大，致残', en: 'major, disabling injury' },
    { value: 1, zh: '引人注目，需要救护', en: 'noticeable, first aid needed' },
  ],
}

export const LS_SCALES: Record<'l' | 's', ScaleValue[]> = {
  l: [
    { value: 5, zh: '无防范/监测/控制措施，或危害无法发现，或常发生此类事故', en: 'no prevention or monitoring; such events happen regularly' },
    { value: 4, zh: '危害不易发现，无检测系统；或措施未有效执行；或预期会发生', en: 'hard to detect, no monitoring; controls not effective; expected' },
    { value: 3, zh: '缺少保护措施或未严格执行规程；或过去曾发生类似事故', en: 'protection missing or procedures not followed; happened before' },
    { value: 2, zh: '能及时发现并定期监测；措施有效执行；过去偶尔发生', en: 'detected in time, monitored; controls work; happened occasionally' },
    { value: 1, zh: '有充分有效的防范、控制、监测、保护措施，极不可能发生', en: 'full, effective prevention and monitoring; extremely unlikely' },
  ],
  s: [
    { value: 5, zh: '死亡；损失≥100万元；违反法律法规', en: 'death; loss ≥ 1 million CNY; breaks the law' },
    { value: 4, zh: '丧失劳动能力；损失≥50万元；潜在违反法规', en: 'permanent disability; loss ≥ 500 000 CNY' },
    { value: 3, zh: '截肢、骨折、听力丧失、慢性病；损失≥1万元', en: 'amputation, fracture, hearing loss; loss ≥ 10 000 CNY' },
    { value: 2, zh: '轻微受伤、间歇不舒服；损失<1万元', en: 'minor injury; loss < 10 000 CNY' },
    { value: 1, zh: '无伤亡，无损失', en: 'no injury, no loss' },
  ],
}

/** Lower bounds of grades 1..3 and the boundary rule of a grading table. */
export interface GradingBounds {
  id: string
  method: 'lec' | 'ls'
  boundary: 'ge' | 'gt'
  min: [number, number, number]
}

/** The defaults (data/risk/grading_tables.csv) when GET /risk/tables is not there. */
export const DEFAULT_TABLES: Record<'lec' | 'ls', GradingBounds> = {
  lec: { id: 'lec_four_colour_v1', method: 'lec', boundary: 'ge', min: [320, 160, 70] },
  ls: { id: 'ls_db37_v1', method: 'ls', boundary: 'ge', min: [20, 15, 9] },
}

/** The grade of a value by a table (docs/risk.md "Grading tables"), 1..4. */
export function gradeOf(t: GradingBounds, v: number): number {
  for (let g = 0; g < 3; g++) if (t.boundary === 'gt' ? v > t.min[g] : v >= t.min[g]) return g + 1
  return 4
}

/** D = L × E × C rounded to thousandths (every factor is a whole number of tenths). */
export function lecValue(l: number, e: number, c: number): number {
  return Math.round(l * 10 * (e * 10) * (c * 10)) / 1000
}

/**
 * The LEC and LS tables in force for an enterprise of `industry` (GB/T 4754 code): GET
 * /risk/tables answers {in_force:{lec, ls}, industry:[{industry_prefix, method, table_id}],
 * items:[{table_id, method, boundary, bands:[{grade, min}]}]}; the longest matching industry
 * prefix overrides the default, as the server does. Falls back to the built-in defaults.
 */
export async function loadTables(industry = ''): Promise<Record<'lec' | 'ls', GradingBounds>> {
  const out = { ...DEFAULT_TABLES }
  try {
    const r: any = await api.get('/risk/tables')
    for (const m of ['lec', 'ls'] as const) {
      let id: string = r?.in_force?.[m] || out[m].id
      let best = -1
      for (const x of r?.industry || [])
        if (x.method === m && industry.startsWith(x.industry_prefix) && x.industry_prefix.length > best) {
          best = x.industry_prefix.length
          id = x.table_id
        }
      const t = (r?.items || []).find((x: any) => x.table_id === id)
      if (!t) continue
      const min = (g: number) => Number((t.bands || []).find((b: any) => b.grade === g)?.min)
      const mins: [number, number, number] = [min(1), min(2), min(3)]
      if (mins.some((v) => Number.isNaN(v))) continue
      out[m] = { id, method: m, boundary: t.boundary === 'gt' ? 'gt' : 'ge', min: mins }
    }
  } catch {
    /* not there: the defaults */
  }
  return out
}

// ---- calls
export const riskApi = {
  units: (enterpriseId?: number) => getAll<RiskUnit>('/risk/units', { enterprise_id: enterpriseId }),
  createUnit: (b: Partial<RiskUnit>) => api.post<RiskUnit>('/risk/units', b),
  patchUnit: (id: number, b: Partial<RiskUnit>) => api.patch<RiskUnit>('/risk/units/' + id, b),
  deleteUnit: (id: number) => api.del('/risk/units/' + id),
  points: (q: Query) => getAll<RiskPoint>('/risk/points', q),
  point: (id: number) => api.get<RiskPoint>('/risk/points/' + id),
  createPoint: (b: Record<string, unknown>) => api.post<RiskPoint>('/risk/points', b),
  patchPoint: (id: number, b: Record<string, unknown>) => api.patch<RiskPoint>('/risk/points/' + id, b),
  deletePoint: (id: number) => api.del('/risk/points/' + id),
  createSource: (pointId: number, b: Record<string, unknown>) => api.post<DangerSource>(`/risk/points/${pointId}/sources`, b),
  patchSource: (id: number, b: Record<string, unknown>) => api.patch<DangerSource>('/risk/sources/' + id, b),
  deleteSource: (id: number) => api.del('/risk/sources/' + id),
  assess: (sourceId: number, b: Record<string, unknown>) => api.post<Assessment>(`/risk/sources/${sourceId}/assessments`, b),
  history: (pointId: number) => api.get<{ items: Assessment[] }>(`/risk/points/${pointId}/assessments`),
  createMeasure: (sourceId: number, b: Record<string, unknown>) => api.post<Measure>(`/risk/sources/${sourceId}/measures`, b),
  patchMeasure: (id: number, b: Record<string, unknown>) => api.patch<Measure>('/risk/measures/' + id, b),
  deleteMeasure: (id: number) => api.del('/risk/measures/' + id),
  accidentTypes: () => api.get<{ items: AccidentType[] }>('/risk/accident-types'),
  enterprise: (id: number) => api.get<RiskEnterprise>('/risk/enterprises/' + id),
  sitePlan: (id: number) => api.get<SitePlan>(`/risk/enterprises/${id}/site-plan`),
  uploadSitePlan: (id: number, blob: Blob) =>
    request<SitePlan>('PUT', `/risk/enterprises/${id}/site-plan`, { raw: blob, contentType: blob.type || 'application/octet-stream' }),
  zones: (enterpriseId: number) => getAll<Zone>('/risk/zones', { enterprise_id: enterpriseId }),
  createZone: (b: Record<string, unknown>) => api.post<Zone>('/risk/zones', b),
  patchZone: (id: number, b: Record<string, unknown>) => api.patch<Zone>('/risk/zones/' + id, b),
  deleteZone: (id: number) => api.del('/risk/zones/' + id),
  items: (q: Query) => getAll<CheckItem>('/risk/check-items', q),
  createItem: (measureId: number, b: Record<string, unknown>) => api.post<CheckItem>(`/risk/measures/${measureId}/items`, b),
  patchItem: (id: number, b: Record<string, unknown>) => api.patch<CheckItem>('/risk/check-items/' + id, b),
  deleteItem: (id: number) => api.del('/risk/check-items/' + id),
  tasks: (q: Query) => getAll<CheckTask>('/risk/tasks', q),
  task: (id: number) => api.get<CheckTask>(`/risk/tasks/${id}`),
  pass: (id: number, note?: string) => api.post<CheckTask>(`/risk/tasks/${id}/pass`, note ? { note } : {}),
  fail: (id: number, b: Record<string, unknown>) => api.post<CheckTask>(`/risk/tasks/${id}/fail`, b),
  stats: (by: string, q: Query = {}) => api.get<{ items: RiskStatItem[]; total: any }>('/risk/stats', { by, ...q }),
  completion: (by: string, q: Query = {}) => api.get<{ items: CompletionItem[] }>('/risk/check-completion', { by, ...q }),
}
