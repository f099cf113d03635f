// Major hazard installations (GB 18218-2018, docs/mhi.md "Storage and API"): the shapes the
// server answers and the calls the pages make.
import { api, type Page } from './client'

export interface MhiItem {
  chemical: string | null
  seq: number | null
  categories: string | null
  quantity_t: number
}

export interface MhiLine {
  item: number
  chemical: string | null
  seq: number | null
  name_zh: string | null
  categories: string | null
  quantity_t: number
  threshold_t: number
  q_source: 'table1' | 'table2'
  q_category: string | null
  ratio: number
  beta: number | null
  beta_source: 'table3' | 'table4' | 'none'
  beta_category: string | null
  r_term: number | null
  r_share: number | null
}

export interface Installation {
  id: number
  enterprise_id: number
  enterprise_name: string
  name: string
  unit_kind: 'production' | 'storage'
  people_500m: number
  description: string
  lon: number | null
  lat: number | null
  s: number | null
  major: boolean
  r: number | null
  r_known: boolean
  alpha: number
  grade: number | null
  grade_name: string | null
  point_count: number
  items?: MhiItem[]
  lines?: MhiLine[]
}

export interface MhiChemical {
  seq: number
  name_zh: string
  name_en: string
  aliases: string
  cas: string
  threshold_t: number
  beta: number | null
}

export interface MhiCategory {
  symbol: string
  class_zh: string
  desc_zh: string
  desc_en: string
  threshold_t: number
  beta: number
}

export interface MhiMapItem {
  id: number
  enterprise_id: number
  enterprise_name: string
  name: string
  major: boolean
  grade: number | null
  grade_name: string | null
  s: number | null
  r: number | null
  lon: number
  lat: number
}

export interface InstallationBody {
  enterprise_id?: number
  name: string
  unit_kind: string
  people_500m: number
  description?: string
  items: { chemical?: string | null; seq?: number | null; categories?: string | null; quantity_t: number }[]
}

export const mhiApi = {
  list: (q: Record<string, string | number | undefined>) => api.get<Page<Installation>>('/mhi/installations', q),
  get: (id: number) => api.get<Installation>('/mhi/installations/' + id),
  create: (b: InstallationBody) => api.post<Installation>('/mhi/installations', b),
  patch: (id: number, b: Partial<InstallationBody>) => api.patch<Installation>('/mhi/installations/' + id, b),
  remove: (id: number) => api.del('/mhi/installations/' + id),
  chemicals: (q: string) => api.get<{ items: MhiChemical[] }>('/mhi/chemicals', { q: q || undefined }),
  categories: () => api.get<{ items: MhiCategory[] }>('/mhi/categories'),
  map: (region?: string) => api.get<{ items: MhiMapItem[]; truncated: boolean }>('/mhi/map', { region: region || undefined }),
}

/** GB 18218 grade 1..4 -> the colour of the four-colour scheme (一级 red .. 四级 blue). */
export function mhiGradeHex(g: number | null | undefined): string {
  return g === 1 ? '#e53935' : g === 2 ? '#fb8c00' : g === 3 ? '#fdd835' : g === 4 ? '#1e88e5' : '#9e9e9e'
}
