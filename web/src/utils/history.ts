// The change history of an enterprise (GET /enterprises/{id}/history, docs/enterprise.md
// "Change history") as lines a person reads: what happened in one line, and for updates one
// line per changed field, "地址: old → new", with the labels the detail page uses. Items are
// {id, at_ms, actor_login, action, entity, entity_id, summary, changes}; summary is an object
// (the record of a create or delete, `before` of an update), never shown raw.
import { i18n } from '../i18n'
import type { HistoryEntry } from '../api/types'
import { label } from './format'

/** Message keys of the fields of an enterprise and of a licence. */
const FIELD_KEYS: Record<string, string> = {
  name: 'ent.name',
  uscc: 'ent.uscc',
  former_names: 'ent.formerNames',
  industry_code: 'ent.industry',
  region_code: 'ent.region',
  grid_id: 'ent.grid',
  address: 'ent.address',
  lat: 'ent.lat',
  lon: 'ent.lon',
  legal_rep: 'ent.legalRep',
  legal_rep_phone: 'ent.legalRepPhone',
  safety_officer: 'ent.safetyOfficer',
  safety_officer_phone: 'ent.safetyOfficerPhone',
  employees: 'ent.employees',
  scale: 'ent.scale',
  high_risk: 'ent.highRisk',
  high_risk_category: 'ent.highRiskCategory',
  std_grade: 'ent.stdGrade',
  status: 'ent.status',
  supervising_dept_id: 'ent.supervisingDept',
  supervising_dept_name: 'ent.supervisingDept',
  supervisor_id: 'ent.supervisor',
  supervisor_name: 'ent.supervisor',
  risk_grade: 'ent.riskGrade',
  type: 'lic.type',
  number: 'lic.number',
  issuer: 'lic.issuer',
  valid_from: 'lic.validFrom',
  valid_until: 'lic.validUntil',
}

/** Fields whose values are codes of a message group. */
const VALUE_GROUPS: Record<string, string> = {
  scale: 'scale',
  std_grade: 'stdGrade',
  status: 'status',
  high_risk_category: 'highRiskCat',
  type: 'lic.types',
  risk_grade: 'riskGrade',
}

export interface HistoryLookups {
  /** "亭湖区 五星街道" for a division code. */
  region(code: string): string
  /** A grid's name for its id, or '' when unknown. */
  grid(id: number): string
}

export interface HistoryLine {
  field: string
  label: string
  old: string
  new: string
}

export interface HistoryView {
  /** "修改企业信息", "新增证照" ... (the action code itself when unknown). */
  title: string
  /** One line for a create or delete (or an update's licence), '' when none. */
  description: string
  lines: HistoryLine[]
}

const t = (key: string, args?: Record<string, unknown>) => i18n.global.t(key, args ?? {}) as string

/** The label of a field: the detail page's, or the field's name when there is none. */
export function fieldLabel(field: string): string {
  const key = FIELD_KEYS[field]
  return key ? t(key) : field
}

/** A value as text: codes translated, lists joined, empty shown as such, objects as JSON. */
export function valueText(field: string, v: unknown, look?: HistoryLookups): string {
  if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return t('hist.empty')
  if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no')
  if (Array.isArray(v)) return v.map((x) => valueText(field, x, look)).join('，')
  if (typeof v === 'object') return JSON.stringify(v)
  const s = String(v)
  if (VALUE_GROUPS[field]) return label(VALUE_GROUPS[field], s)
  if (field === 'region_code' && look) {
    const name = look.region(s)
    return name && name !== s ? `${name}（${s}）` : s
  }
  if (field === 'grid_id' && look) return look.grid(Number(v)) || `#${s}`
  return s
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
}

function str(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : ''
}

/** "安全生产许可证 （苏）WH安许证字〔2024〕0012" of a licence record. */
function licenceText(l: Record<string, unknown>): string {
  return [label('lic.types', str(l.type)), str(l.number)].filter(Boolean).join(' ')
}

/** How one history item reads. */
export function historyView(h: HistoryEntry, look?: HistoryLookups): HistoryView {
  const summary = obj(h.summary)
  const changes = Array.isArray(h.changes) ? h.changes : []
  const key = 'hist.actions.' + h.action
  const title = i18n.global.te(key) ? t(key) : h.action
  let description = ''
  const rec = obj(summary.licence ?? summary.enterprise ?? summary.before ?? summary)
  switch (h.action) {
    case 'enterprise.create':
    case 'enterprise.delete':
      description = [str(rec.name), str(rec.uscc) && `（${str(rec.uscc)}）`].join('')
      break
    case 'licence.create':
      description = t('hist.licenceTerm', {
        licence: licenceText(rec),
        from: str(rec.valid_from) || '?',
        until: str(rec.valid_until) || '?',
      })
      break
    case 'licence.delete':
    case 'licence.update':
      description = licenceText(rec)
      break
    default:
      description = typeof h.summary === 'string' ? h.summary : ''
  }
  // A named person or department changes its id and its name: show the name only.
  const fields = new Set(changes.map((c) => c.field))
  const shown = changes.filter(
    (c) =>
      !(c.field === 'supervisor_id' && fields.has('supervisor_name')) &&
      !(c.field === 'supervising_dept_id' && fields.has('supervising_dept_name')),
  )
  const lines = shown.map((c) => ({
    field: c.field,
    label: fieldLabel(c.field),
    old: valueText(c.field, c.old, look),
    new: valueText(c.field, c.new, look),
  }))
  if (!lines.length && h.action.endsWith('.update') && !description) description = t('hist.noFieldChanges')
  return { title, description, lines }
}
