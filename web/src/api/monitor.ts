// Shapes and small helpers of the real-time monitoring API (issue 6 contract; docs/monitoring.md):
// devices, points with their live state, the alarm console, SOE, KPIs and the SSE stream.
// The English names of states, conditions, kinds and actions are alarm.h's (alarm_state_name,
// alarm_cond_name, alarm_kind_name); the Chinese labels are alarm_names.c's, in i18n/monitor.ts.

/** enum alarm_state order. */
export const ALARM_STATES = ['normal', 'unack', 'acked', 'rtn_unack', 'shelved', 'suppressed', 'out_of_service'] as const
/** enum alarm_cond order. */
export const ALARM_CONDS = ['normal', 'high1', 'high2', 'low1', 'low2', 'fault', 'comms_loss'] as const
/** Point kinds (alarm_kind_name). */
export const POINT_KINDS = ['combustible', 'toxic', 'oxygen', 'level', 'temperature', 'pressure', 'flow'] as const
/** enum monitor_action order. */
export const ALARM_ACTIONS = ['acknowledge', 'shelve', 'unshelve', 'suppress', 'unsuppress', 'out_of_service', 'return_to_service'] as const
/** SOE causes. */
export const SOE_CAUSES = ['reading', 'tick', 'action'] as const

export type AlarmState = (typeof ALARM_STATES)[number]
export type AlarmCond = (typeof ALARM_CONDS)[number]
export type AlarmAction = (typeof ALARM_ACTIONS)[number]

/** A point's live fields (null before its first reading). */
export interface PointLive {
  value: number | null
  ts_ms: number | null
  state: AlarmState
  cond: AlarmCond
  since_ms: number | null
  shelve_until_ms: number | null
}

export interface MonitorPoint {
  id: number
  enterprise_id: number
  enterprise_name: string
  device_id: number | null
  installation_id: number | null
  installation_name: string | null
  tag: string
  name: string
  kind: string
  gas: string | null
  unit: string
  range_lo: number | null
  range_hi: number | null
  high1: number | null
  high2: number | null
  low1: number | null
  low2: number | null
  deadband: number | null
  active: boolean
  lon: number | null
  lat: number | null
  live: PointLive | null
}

export interface SoeRow {
  id: number
  point_id: number
  tag: string
  point_name: string
  enterprise_id: number
  enterprise_name: string
  source_ms: number
  seq: number
  sub: number
  value: number | null
  from_state: AlarmState
  to_state: AlarmState
  from_cond: AlarmCond
  to_cond: AlarmCond
  cause: string
  action: string | null
  until_ms: number | null
  user_name: string | null
  comment: string | null
  hazard_id: number | null
  /** The hazard's number (YH-…), with hazard_id. */
  hazard_number: string | null
}

/** Trend: raw readings or minute aggregates (store_pick_resolution). */
export type Trend = { from_ms: number; to_ms: number } & (
  | { resolution: 'raw'; points: [number, number | null][] }
  | { resolution: 'minute'; points: [number, number, number, number, number][] }
)

/** The "values" event of the stream. */
export interface ValuesEvent {
  enterprise_id: number
  points: { id: number; v: number | null; ts: number; state: AlarmState; cond: AlarmCond }[]
}

/** A point as the KPI lists name it. */
export interface KpiPoint {
  point_id: number
  tag: string
  point_name: string
  enterprise_id: number
  enterprise_name: string
}

/** KPIs (EEMUA 191 / ISA-18.2) as GET /monitor/kpi answers them (docs/monitoring.md "Alarm KPIs"). */
export interface Kpi {
  from_day: string
  to_day: string
  enterprise_id: number | null
  region: string | null
  thresholds: { flood_alarms: number; flood_window_min: number; chatter_alarms: number; chatter_window_s: number; standing_h: number }
  alarms: number
  per_window: { mean: number; max: number }
  per_day_mean: number
  per_day: { day: string; alarms: number }[]
  floods: { count: number; time_ms: number; time_pct: number; items: { start_ms: number; end_ms: number; alarms: number }[] }
  chattering: (KpiPoint & { alarms: number; max_in_window: number })[]
  standing: (KpiPoint & { since_ms: number; until_ms: number | null; duration_ms: number })[]
  top: (KpiPoint & { alarms: number; share_pct: number })[]
}

/** True for the states an operator has still to look at (the row flashes). */
export function isUnacked(state: string | null | undefined): boolean {
  return state === 'unack' || state === 'rtn_unack'
}

/** Colour of a condition: red for second-stage/high-high, orange first stage, grey fault/comms. */
export function condColour(cond: string | null | undefined): string {
  switch (cond) {
    case 'high2':
    case 'low2':
      return '#d32f2f'
    case 'high1':
    case 'low1':
      return '#f57c00'
    case 'fault':
      return '#7b1fa2'
    case 'comms_loss':
      return '#757575'
    case 'normal':
      return '#2e7d32'
    default:
      return '#9e9e9e'
  }
}

/** Element Plus tag type of an alarm state. */
export function stateTagType(state: string | null | undefined): 'success' | 'warning' | 'danger' | 'info' | 'primary' {
  switch (state) {
    case 'normal':
      return 'success'
    case 'unack':
      return 'danger'
    case 'acked':
      return 'warning'
    case 'rtn_unack':
      return 'primary'
    default:
      return 'info'
  }
}

/**
 * The actions an operator may take in a state: alarm.h's table (alarm_acknowledge ..
 * alarm_return_to_service; ISA-18.2 §11). The server answers 409 for any other, which the
 * pages report and refresh on (the state may have moved on since the page drew it).
 */
export function actionsFor(state: string | null | undefined): AlarmAction[] {
  switch (state) {
    case 'unack':
    case 'rtn_unack':
      return ['acknowledge', 'shelve', 'suppress', 'out_of_service']
    case 'acked':
    case 'normal':
      return ['shelve', 'suppress', 'out_of_service']
    case 'shelved':
      return ['unshelve', 'suppress', 'out_of_service']
    case 'suppressed':
      return ['unsuppress', 'out_of_service']
    case 'out_of_service':
      return ['return_to_service']
    default:
      return []
  }
}

/** Actions whose comment the server requires. */
export function needsComment(a: AlarmAction): boolean {
  return a === 'shelve' || a === 'suppress' || a === 'out_of_service'
}

/** A value with the point's unit, or "—". */
export function fmtValue(v: number | null | undefined, unit?: string | null): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)
  return unit ? `${s} ${unit}` : s
}

/** Trend windows of the picker, in minutes. */
export const TREND_WINDOWS = [15, 60, 360, 1440, 10080] as const

/** A monitoring device (docs/monitoring.md "Points and set points"): modbus ones are polled. */
export interface MonitorDevice {
  id: number
  enterprise_id: number
  enterprise_name: string
  name: string
  protocol: 'mqtt' | 'http' | 'modbus'
  host: string | null
  port: number | null
  unit_id: number | null
  poll_ms: number | null
  active: boolean
  point_count: number
}

/** A point's alarm configuration as the configuration page edits it (GET /monitor/points rows). */
export interface PointConfig extends MonitorPoint {
  on_delay_ms: number
  off_delay_ms: number
  comms_timeout_ms: number
  setpoint_source: 'default' | 'override' | 'manual'
  reg_kind: string | null
  reg_addr: number | null
  reg_type: string | null
  reg_scale: number
  reg_offset: number
}

/** GET /monitor/points/{id}/defaults: GB/T 50493-2019 set points, or null for a manual kind. */
export interface PointDefaults {
  kind: string
  gas?: string | null
  defaults: { unit: string | null; range_lo: number | null; range_hi: number | null; high1: number | null; high2: number | null; low1: number | null; low2: number | null } | null
  standard: string
}

/** A row of GET /monitor/points/{id}/setpoint-changes (before/after hold the changed keys only). */
export interface SetpointChange {
  id: number
  point_id: number
  user_id: number
  user_name: string | null
  reason: string
  before: Record<string, number | null> | null
  after: Record<string, number | null> | null
  changed_ms: number
}

/** The keys whose change needs a reason and is recorded (point_api.c; docs/monitoring.md). */
export const SETPOINT_KEYS = ['range_lo', 'range_hi', 'high1', 'high2', 'low1', 'low2', 'deadband', 'on_delay_ms', 'off_delay_ms', 'comms_timeout_ms'] as const

/** Kinds whose set points default from GB/T 50493-2019 (point_kind_has_defaults). */
export function kindHasDefaults(kind: string): boolean {
  return kind === 'combustible' || kind === 'toxic' || kind === 'oxygen'
}
