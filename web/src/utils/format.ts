// Small formatting helpers shared by the pages.
import { ApiError } from '../api/client'
import { i18n } from '../i18n'

/**
 * "2026-03-01 14:05" in China Standard Time (UTC+8, DESIGN §3) from Unix ms, whatever the
 * browser's time zone, so that a time and the local dates beside it (fmtDay, deadlines) agree.
 */
export function fmtTime(ms: number | null | undefined): string {
  if (!ms) return ''
  return new Date(ms + 8 * 3600e3).toISOString().slice(0, 16).replace('T', ' ')
}

/** One line for an error: the problem's detail and the named fields. */
export function fieldErrorText(e: unknown): string {
  if (e instanceof ApiError) {
    const f = e.errors.map((x) => `${x.field}: ${x.reason}`).join('; ')
    return f ? `${e.detail} (${f})` : e.detail
  }
  return e instanceof Error ? e.message : String(e)
}

/** The element-plus tag type for a licence state. */
export function stateTag(state: string | null | undefined): 'success' | 'warning' | 'danger' | 'info' | 'primary' {
  switch (state) {
    case 'valid':
      return 'success'
    case 'expiring_90':
      return 'primary'
    case 'expiring_60':
      return 'warning'
    case 'expiring_30':
    case 'expired':
      return 'danger'
    default:
      return 'info'
  }
}

/** Colour of a risk grade (1 重大 red, 2 较大 orange, 3 一般 yellow, 4 低 blue; null grey): the
 * same palette as the site plan (api/risk.ts COLOUR_HEX). */
export function riskColour(grade: number | null | undefined): string {
  switch (grade) {
    case 1:
      return '#e53935'
    case 2:
      return '#fb8c00'
    case 3:
      return '#fdd835'
    case 4:
      return '#1e88e5'
    default:
      return '#9e9e9e'
  }
}

/** Translates a code through a message group, falling back to the code itself. */
export function label(group: string, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return ''
  const key = `${group}.${code}`
  return i18n.global.te(key) ? (i18n.global.t(key) as string) : String(code)
}

/** The element-plus tag type for a hazard state. */
export function hazardStateTag(state: string | null | undefined): 'success' | 'warning' | 'danger' | 'info' | 'primary' {
  switch (state) {
    case 'reported':
      return 'warning'
    case 'confirmed':
    case 'rectifying':
      return 'primary'
    case 'submitted':
      return 'warning'
    case 'closed':
      return 'success'
    default:
      return 'info'
  }
}

/** The element-plus tag type for a deadline state (on time, due soon, overdue, overdue > 30 d). */
export function deadlineTag(state: string | null | undefined): 'success' | 'warning' | 'danger' | 'info' {
  switch (state) {
    case 'on_time':
      return 'success'
    case 'due_soon':
      return 'warning'
    case 'overdue':
    case 'overdue_30':
      return 'danger'
    default:
      return 'info'
  }
}

/** "2026-03-01" (UTC+8) from Unix ms. */
export function fmtDay(ms: number | null | undefined): string {
  if (!ms) return ''
  return new Date(ms + 8 * 3600e3).toISOString().slice(0, 10)
}

/** A rate 0..1 as "87.5%" ('—' when null). */
export function fmtRate(r: number | null | undefined): string {
  if (r === null || r === undefined || Number.isNaN(r)) return '—'
  return (r * 100).toFixed(1) + '%'
}

/**
 * A check task's period label (docs/risk.md "Check tasks": "2026-11-30#1" a shift, "2026-11-30"
 * a day, "2026-W48" an ISO week, "2026-11" a month) in words: "2026-11-30 第1班" / "shift 1",
 * "2026 年第 48 周" / "2026 week 48"; days and months as they are.
 */
export function periodText(lbl: string | null | undefined): string {
  if (!lbl) return ''
  let m = /^(\d{4}-\d{2}-\d{2})#(\d+)$/.exec(lbl)
  if (m) return i18n.global.t('rk.shiftOf', { day: m[1], n: m[2] }) as string
  m = /^(\d{4})-W(\d{2})$/.exec(lbl)
  if (m) return i18n.global.t('rk.weekOf', { y: m[1], w: Number(m[2]) }) as string
  return lbl
}
