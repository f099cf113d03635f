// vue-i18n set-up: Simplified Chinese by default, English on request, the choice kept in
// localStorage ('anjian.lang'). Element Plus follows through <el-config-provider>.
import { createI18n } from 'vue-i18n'
import zh from './zh-CN'
import en from './en'
import { zh as hzZh, en as hzEn } from './hazard'
import { zh as rkZh, en as rkEn } from './risk'
import { zh as monZh, en as monEn } from './monitor'
import { zh as mhiZh, en as mhiEn } from './mhi'

export type Lang = 'zh-CN' | 'en'
const KEY = 'anjian.lang'

function initial(): Lang {
  return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': { ...zh, hz: hzZh, rk: rkZh, mhi: mhiZh, mon: monZh }, en: { ...en, hz: hzEn, rk: rkEn, mhi: mhiEn, mon: monEn } },
})

export function setLang(lang: Lang): void {
  i18n.global.locale.value = lang
  localStorage.setItem(KEY, lang)
  document.documentElement.lang = lang
}

export function lang(): Lang {
  return i18n.global.locale.value as Lang
}

document.documentElement.lang = initial()
