#!/usr/bin/env node
// Browser tests of the web UI: the real anjian binary on a free 127.0.0.1 port with a fresh
// database and web_dir = web/dist, driven through Debian's Chromium by playwright-core
// (a devDependency of web/, installed by `npm ci`). Prints TAP; each case is one line.
// Screenshots of every page go to $SCREENSHOT_DIR (default build/browser-screenshots).
//
//   ANJIAN_BIN=build/anjian node tests/browser/run.mjs          (ANJIAN_TEST_ONLY=substr picks cases)
//
// Cases that need endpoints of issue 3 which other branches add (import, export, map,
// licences, history) are here and fail until those branches are merged.
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Api, expectStatus, startServer, uscc, xlsxText } from './lib.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = path.resolve(process.env.ANJIAN_BIN || path.join(ROOT, 'build', 'anjian'))
const WEB = path.resolve(process.env.ANJIAN_WEB_DIR || path.join(ROOT, 'web', 'dist'))
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || path.join(ROOT, 'build', 'browser-screenshots'))
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const ONLY = process.env.ANJIAN_TEST_ONLY || ''
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run']
const TIMEOUT = 20000

const ADMIN_PASSWORD = 'Chief-Pass-2026'
const PATROL_PASSWORD = 'Patrol-Pass-2026'
const E1 = '盐城市亭湖区晨光化工有限公司'
const E2 = '盐都区东方机械制造厂'
const IMPORTED = ['亭湖区新华五金加工厂', '亭湖区远航仓储有限公司']

function bail(reason) {
  console.log('1..1')
  console.log(`not ok 1 - browser tests cannot start: ${reason}`)
  process.exit(1)
}

for (const [what, p] of [['anjian binary', BIN], ['built web UI (make web/dist)', path.join(WEB, 'index.html')], ['Chromium (scripts/deps.sh test)', CHROMIUM]])
  if (!fs.existsSync(p)) bail(`${what} not found at ${p}`)
let chromium
try {
  chromium = createRequire(path.join(ROOT, 'web', 'package.json'))('playwright-core').chromium
} catch (e) {
  bail(`playwright-core is not installed in web/node_modules (cd web && npm ci): ${e.message}`)
}
fs.mkdirSync(SHOTS, { recursive: true })

// ---------------------------------------------------------------- the world under test
const srv = await startServer(BIN, ROOT, WEB).catch((e) => bail(e.message))
const anon = new Api(srv.base)
const world = { admin: null, ids: {} }
const pageErrors = []

async function browser() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anjian-chromium-'))
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  })
  ctx.setDefaultTimeout(TIMEOUT)
  const page = ctx.pages()[0] || (await ctx.newPage())
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`))
  // Vue reports errors of lifecycle hooks and handlers with console.error.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(`${page.url()}: console: ${m.text()}`)
  })
  return {
    ctx,
    page,
    async close() {
      await ctx.close().catch(() => {})
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function shot(page, name) {
  await page.waitForTimeout(300)
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: false })
}

async function login(page, user, password) {
  await page.goto(srv.base + '/login')
  await page.locator('input[name=login]').fill(user)
  await page.locator('input[name=password]').fill(password)
  await page.locator('[data-test=login-submit]').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

/** Waits until the page shows text (in any element). */
async function seeText(page, text, scope = 'body') {
  await page.locator(scope).getByText(text, { exact: false }).first().waitFor({ state: 'visible' })
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg)
}

async function adminApi() {
  if (!world.admin) {
    try {
      world.admin = await anon.login('admin', ADMIN_PASSWORD)
    } catch {
      // The first case failed before the change: do it through the API.
      const a = await anon.login('admin', srv.firstPassword)
      expectStatus(await a.post('/me/password', { old_password: srv.firstPassword, new_password: ADMIN_PASSWORD }), 204, 'change admin password')
      world.admin = await anon.login('admin', ADMIN_PASSWORD)
    }
  }
  return world.admin
}

function square(lon, lat, d) {
  return { type: 'Polygon', coordinates: [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]] }
}

async function searchList(page, q) {
  await page.goto(srv.base + '/enterprises')
  await page.locator('input[data-test=ent-search]').fill(q)
  const resp = page.waitForResponse((r) => r.url().includes('/api/v1/enterprises?') && r.url().includes('q='))
  await page.locator('[data-test=ent-search-submit]').click()
  await resp
  await page.waitForTimeout(200)
  return page.locator('[data-test=ent-table] .el-table__body').innerText()
}

async function download(page, button) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: TIMEOUT }), page.locator(button).click()])
  const file = await dl.path()
  return { name: dl.suggestedFilename(), data: fs.readFileSync(file) }
}

/** Fails with what the page shows when a part says the server lacks the endpoint. */
async function noUnavailable(page, what) {
  const u = page.locator('[data-test=unavailable]')
  if (await u.count()) throw new Error(`${what}: the page says: ${(await u.allInnerTexts()).join(' | ')}`)
}

// ---------------------------------------------------------------- cases
const cases = []
const test = (name, fn) => cases.push({ name, fn })

test('first login: the generated password must be changed, then the home page shows', async ({ page }) => {
  assert(srv.firstPassword, 'the server printed no first password')
  await page.goto(srv.base + '/')
  await page.waitForURL(/\/login/)
  await page.locator('[data-test=login-submit]').waitFor()
  await shot(page, '01-login')
  await login(page, 'admin', srv.firstPassword)
  await page.waitForURL(/\/change-password/)
  await page.locator('[data-test=must-change]').waitFor()
  await shot(page, '02-change-password')
  await page.locator('input[name=old_password]').fill(srv.firstPassword)
  await page.locator('input[name=new_password]').fill(ADMIN_PASSWORD)
  await page.locator('input[name=new_password2]').fill(ADMIN_PASSWORD)
  await page.locator('[data-test=change-password-submit]').click()
  await page.waitForURL((u) => u.pathname === '/')
  await page.locator('[data-test=home]').waitFor()
  await seeText(page, '企业档案', '[data-test=side-menu]')
  const r = await anon.post('/session', { login: 'admin', password: ADMIN_PASSWORD })
  expectStatus(r, 201, 'login with the new password')
  assert(r.json.must_change_password === false, 'the server still wants a password change')
})

test('fixtures through the API: departments, grids with boundaries, enterprises, a grid patroller', async () => {
  const a = await adminApi()
  world.ids.dept = expectStatus(await a.post('/depts', { name: '盐城市应急管理局', region_code: '320900', description: '市级安全生产监督管理' }), 201, 'dept').id
  world.ids.g1 = expectStatus(await a.post('/grids', { code: 'WX-01', name: '五星街道第一网格', region_code: '320902001', geometry: square(120.15, 33.385, 0.02) }), 201, 'grid 1').id
  world.ids.g2 = expectStatus(await a.post('/grids', { code: 'ZZ-01', name: '张庄街道第一网格', region_code: '320903002', geometry: square(120.10, 33.345, 0.02) }), 201, 'grid 2').id
  const base = { industry_code: '2614', legal_rep: '张三', legal_rep_phone: '13812341234', safety_officer: '李四', safety_officer_phone: '13900001111', std_grade: '2', scale: 'small', employees: 86 }
  world.ids.e1 = expectStatus(await a.post('/enterprises', { ...base, uscc: uscc('320902', 'MA1WB001'), name: E1, region_code: '320902001', grid_id: world.ids.g1, address: '盐城市亭湖区五星街道建军东路 18 号', lat: 33.385, lon: 120.15 }), 201, 'enterprise 1').id
  world.ids.e2 = expectStatus(await a.post('/enterprises', { ...base, industry_code: '3110', uscc: uscc('320903', 'MA1WB002'), name: E2, region_code: '320903002', grid_id: world.ids.g2, address: '盐城市盐都区张庄街道', lat: 33.345, lon: 120.10 }), 201, 'enterprise 2').id
  expectStatus(await a.post('/users', { login: 'wang.patrol', display_name: '王巡查', role: 'grid_patroller', scope: `grids:${world.ids.g1}`, password: 'First-Pass-2026' }), 201, 'patroller')
  const p = await anon.login('wang.patrol', 'First-Pass-2026')
  expectStatus(await p.post('/me/password', { old_password: 'First-Pass-2026', new_password: PATROL_PASSWORD }), 204, 'patroller password')
})

test('the language switch turns the UI to English and the choice survives a reload', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD)
  await page.locator('[data-test=lang-switch]').click()
  await seeText(page, 'Enterprises', '[data-test=side-menu]')
  await page.reload()
  await seeText(page, 'Enterprises', '[data-test=side-menu]')
  // No licence yet: the licence pie says so instead of drawing five slices of nothing.
  await page.locator('[data-test=licence-empty]').waitFor()
  await page.waitForTimeout(800)
  await shot(page, '03-home-english')
  await page.locator('[data-test=lang-switch]').click()
  await seeText(page, '企业档案', '[data-test=side-menu]')
})

test('the role decides the menu: a grid patroller sees no user administration', async ({ page }) => {
  await login(page, 'wang.patrol', PATROL_PASSWORD)
  const menu = await page.locator('[data-test=side-menu]').innerText()
  assert(menu.includes('企业档案') && menu.includes('一张图'), `menu lacks the enterprise pages: ${menu}`)
  assert(!menu.includes('用户管理'), `a patroller's menu offers user administration: ${menu}`)
  await page.goto(srv.base + '/admin/users')
  await page.waitForURL((u) => u.pathname === '/')
})

test('an expired session goes back to login with a message, then returns to the page', async ({ page, ctx }) => {
  await login(page, 'admin', ADMIN_PASSWORD)
  await page.locator('[data-test=home]').waitFor()
  // Revoke the browser's session on the server, as an idle timeout would.
  const cookie = (await ctx.cookies()).find((c) => c.name === 'anjian_session')
  const csrf = await page.evaluate(() => localStorage.getItem('anjian.csrf'))
  assert(cookie && csrf, 'no session cookie or CSRF token in the browser')
  const r = await fetch(srv.base + '/api/v1/session', { method: 'DELETE', headers: { Cookie: `anjian_session=${cookie.value}`, 'X-CSRF-Token': csrf } })
  assert(r.status === 204 || r.status === 200, `logout answered ${r.status}`)
  await page.locator('[data-test=side-menu]').getByText('企业档案').click()
  await page.waitForURL(/\/login\?.*expired=1/)
  await page.locator('[data-test=expired-message]').waitFor()
  await shot(page, '04-session-expired')
  await page.locator('input[name=login]').fill('admin')
  await page.locator('input[name=password]').fill(ADMIN_PASSWORD)
  await page.locator('[data-test=login-submit]').click()
  await page.waitForURL((u) => u.pathname === '/enterprises')
})

test('find the enterprise by its Chinese name; the detail shows every field and phones', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD)
  const body = await searchList(page, '晨光化工')
  assert(body.includes(E1), `the list does not show ${E1}: ${body}`)
  assert(!body.includes(E2), `the search also shows ${E2}`)
  await shot(page, '05-enterprise-search')
  await page.locator('[data-test=ent-table]').getByText(E1).click()
  await page.waitForURL(/\/enterprises\/\d+$/)
  await page.locator('[data-test=ent-fields]').waitFor()
  const fields = await page.locator('[data-test=ent-fields]').innerText()
  for (const want of [E1, '13812341234', '五星街道', '二级', '小型'])
    assert(fields.includes(want), `the detail lacks ${want}: ${fields}`)
  await page.waitForTimeout(500)
  await shot(page, '06-enterprise-detail')
})

test('edit an enterprise: the change is saved and shown', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD)
  await page.goto(`${srv.base}/enterprises/${world.ids.e1}`)
  await page.locator('[data-test=ent-edit]').click()
  await page.locator('[data-test=enterprise-form]').waitFor()
  await shot(page, '07-enterprise-edit')
  await page.locator('[data-test=enterprise-form] input[name=address]').fill('盐城市亭湖区五星街道建军东路 20 号')
  await page.locator('[data-test=enterprise-save]').click()
  await seeText(page, '建军东路 20 号', '[data-test=ent-fields]')
  const e = expectStatus(await (await adminApi()).get(`/enterprises/${world.ids.e1}`), 200, 'read back')
  assert(e.address.includes('20 号'), `the server has ${e.address}`)
  // The change history names the field as the detail page does, old → new, and tells the
  // creation in one line; the API's summary objects are never printed raw.
  const change = page.locator('[data-test=history] li[data-field=address]').first()
  await change.waitFor()
  const line = (await change.innerText()).replace(/\s+/g, ' ')
  assert(/^地址: .*建军东路 18 号 → .*建军东路 20 号$/.test(line), `the history line reads: ${line}`)
  const hist = await page.locator('[data-test=history]').innerText()
  assert(hist.includes('修改企业信息') && hist.includes('新建企业') && hist.includes(E1), `the history reads: ${hist}`)
  assert(!hist.includes('[object Object]') && !hist.includes('{"'), `raw objects in the history: ${hist}`)
  await shot(page, '07b-enterprise-history')
})

test('the list pages with the cursor', async ({ page }) => {
  const a = await adminApi()
  for (let i = 0; i < 21; i++)
    expectStatus(await a.post('/enterprises', { uscc: uscc('320902', `MA1PG${String(i).padStart(3, '0')}`), name: `亭湖区分页测试企业${String(i).padStart(2, '0')}`, industry_code: '2614', region_code: '320902' }), 201, 'page fixture')
  await login(page, 'admin', ADMIN_PASSWORD)
  await page.goto(srv.base + '/enterprises?sort=name&q=分页测试')
  await page.locator('[data-test=ent-table] .el-table__row').first().waitFor()
  const first = await page.locator('[data-test=ent-table] .el-table__body').innerText()
  assert(first.includes('分页测试企业00') && !first.includes('分页测试企业20'), `page 1: ${first}`)
  await page.locator('[data-test=page-next]').click()
  await seeText(page, '分页测试企业20', '[data-test=ent-table]')
  await page.locator('[data-test=page-prev]').click()
  await seeText(page, '分页测试企业00', '[data-test=ent-table]')
})

test('administration: create a user; the generated password is shown once and works', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD)
  await page.goto(srv.base + '/admin/users')
  await seeText(page, 'wang.patrol', '[data-test=user-table]')
  await page.locator('[data-test=user-create]').click()
  await page.locator('input[name=user_login]').fill('zhao.insp')
  await page.locator('input[name=user_display_name]').fill('赵执法')
  await page.locator('[data-test=user-form]').getByText('全部', { exact: true }).click()
  await page.locator('[data-test=user-save]').click()
  const pw = (await page.locator('[data-test=generated-password]').innerText()).trim()
  assert(pw.length >= 8, `generated password "${pw}"`)
  await shot(page, '08-user-generated-password')
  const r = await anon.post('/session', { login: 'zhao.insp', password: pw })
  expectStatus(r, 201, 'the new user logs in with the shown password')
  assert(r.json.must_change_password === true, 'a new user must change the password')
  await page.keyboard.press('Escape')
  await seeText(page, 'zhao.insp', '[data-test=user-table]')
  await shot(page, '09-users')
  await page.goto(srv.base + '/admin/grids')
  await seeText(page, '五星街道第一网格', '[data-test=grid-table]')
  await shot(page, '10-grids')
  await page.goto(srv.base + '/admin/depts')
  await seeText(page, '盐城市应急管理局', '[data-test=dept-table]')
  await shot(page, '11-depts')
})

test('a grid patroller does not see another grid\'s enterprises: list', async ({ page }) => {
  await login(page, 'wang.patrol', PATROL_PASSWORD)
  await page.goto(srv.base + '/enterprises')
  await page.locator('[data-test=ent-table] .el-table__row').first().waitFor()
  const body = await page.locator('[data-test=ent-table] .el-table__body').innerText()
  assert(body.includes(E1), `the patroller does not see ${E1}`)
  assert(!body.includes(E2), `the patroller sees ${E2} of another grid`)
  await shot(page, '12-patroller-list')
  const found = await searchList(page, '东方机械')
  assert(!found.includes(E2), 'a search finds the other grid\'s enterprise')
  // Phones are masked for a patroller.
  await page.goto(`${srv.base}/enterprises/${world.ids.e1}`)
  const fields = await page.locator('[data-test=ent-fields]').innerText()
  assert(fields.includes('138****1234') && !fields.includes('13812341234'), `phones not masked: ${fields}`)
})

// --- cases that need the endpoints of the other issue-3 branches -------------------------

test('import a CSV with one bad row: the report names it and nothing is imported; fixed, it imports', async ({ page }) => {
  const header = '统一社会信用代码,企业名称,行业代码,所属区划,网格,地址,纬度,经度\n'
  const good1 = `${uscc('320902', 'MA1KM001')},${IMPORTED[0]},3311,320902001,WX-01,五星街道开放大道 1 号,33.380,120.155\n`
  const badCode = uscc('320902', 'MA1KM002').slice(0, 17) + (uscc('320902', 'MA1KM002').endsWith('0') ? '1' : '0')
  const bad = `${badCode},${IMPORTED[1]},5942,320902001,WX-01,五星街道,33.381,120.156\n`
  const fixed = `${uscc('320902', 'MA1KM002')},${IMPORTED[1]},5942,320902001,WX-01,五星街道,33.381,120.156\n`
  await login(page, 'admin', ADMIN_PASSWORD)
  await page.goto(srv.base + '/enterprises')
  await page.locator('[data-test=ent-import]').click()
  await page.locator('[data-test=import-file]').setInputFiles({ name: 'enterprises.csv', mimeType: 'text/csv', buffer: Buffer.from(header + good1 + bad) })
  await page.locator('[data-test=import-dry-run]').click()
  await page.locator('[data-test=import-report], [data-test=unavailable]').first().waitFor()
  await noUnavailable(page, 'import')
  await page.locator('[data-test=import-error-table]').waitFor()
  const table = await page.locator('[data-test=import-error-table]').innerText()
  assert(/\b3\b/.test(table), `the report does not name row 3: ${table}`)
  assert(await page.locator('[data-test=import-run]').isDisabled(), 'import is offered although a row is bad')
  await shot(page, '13-import-report')
  const a = await adminApi()
  for (const n of IMPORTED) {
    const l = expectStatus(await a.get('/enterprises?q=' + encodeURIComponent(n)), 200, 'search')
    assert(l.items.length === 0, `${n} was imported by a dry run or a failed import`)
  }
  await page.locator('[data-test=import-file]').setInputFiles({ name: 'enterprises-fixed.csv', mimeType: 'text/csv', buffer: Buffer.from(header + good1 + fixed) })
  await page.locator('[data-test=import-dry-run]').click()
  await page.locator('[data-test=import-ok]').waitFor()
  await page.locator('[data-test=import-run]').click()
  await seeText(page, '已导入 2 行', '[data-test=import-report]')
  await shot(page, '14-import-done')
  await page.keyboard.press('Escape')
  const body = await searchList(page, '新华五金')
  assert(body.includes(IMPORTED[0]), `the imported enterprise is not listed: ${body}`)
})

test('see the enterprise on the map, open it from the popup', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD)
  const resp = page.waitForResponse((r) => r.url().includes('/api/v1/map/enterprises'))
  await page.goto(`${srv.base}/map?focus=${world.ids.e1}`)
  await page.locator('[data-test=map]').waitFor()
  const r = await resp
  assert(r.status() === 200, `GET /map/enterprises answered ${r.status()}`)
  await page.locator('.leaflet-popup-content').getByText(E1).waitFor()
  await page.waitForTimeout(800)
  await shot(page, '15-map')
  await noUnavailable(page, 'map')
  await page.locator('.leaflet-popup-content a.ent-popup-link').click()
  await page.waitForURL(new RegExp(`/enterprises/${world.ids.e1}$`))
})

test('export to XLSX with the current filters and read the file back', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD)
  await searchList(page, '晨光化工')
  const f = await download(page, '[data-test=ent-export-xlsx]')
  assert(/\.xlsx$/.test(f.name), `downloaded file is named ${f.name}`)
  const text = xlsxText(f.data)
  assert(text.includes(E1), `the workbook does not hold ${E1}`)
  assert(!text.includes(E2), `the workbook ignores the search filter (holds ${E2})`)
})

test('a grid patroller does not see another grid\'s enterprises: map', async ({ page }) => {
  await login(page, 'wang.patrol', PATROL_PASSWORD)
  const resp = page.waitForResponse((r) => r.url().includes('/api/v1/map/enterprises'))
  await page.goto(srv.base + '/map')
  const r = await resp
  assert(r.status() === 200, `GET /map/enterprises answered ${r.status()}`)
  const names = (await r.json()).features.map((x) => x.properties.name)
  assert(names.includes(E1) && !names.includes(E2), `the patroller's map holds ${names.join(', ')}`)
  await page.locator(`.leaflet-marker-icon[title="${E1}"]`).waitFor()
  assert((await page.locator(`.leaflet-marker-icon[title="${E2}"]`).count()) === 0, `${E2} is drawn`)
  await shot(page, '16-patroller-map')
})

test('a grid patroller does not see another grid\'s enterprises: export', async ({ page }) => {
  await login(page, 'wang.patrol', PATROL_PASSWORD)
  await page.goto(srv.base + '/enterprises')
  await page.locator('[data-test=ent-table] .el-table__row').first().waitFor()
  const f = await download(page, '[data-test=ent-export-xlsx]')
  const text = xlsxText(f.data)
  assert(text.includes(E1), `the patroller's export lacks ${E1}`)
  assert(!text.includes(E2), `the patroller's export holds ${E2} of another grid`)
})

test('licences: add one expiring in 20 days, its state tag and the expiring page', async ({ page }) => {
  const day = (n) => new Date(Date.now() + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10)
  await login(page, 'admin', ADMIN_PASSWORD)
  await page.goto(`${srv.base}/enterprises/${world.ids.e1}`)
  await page.locator('[data-test=ent-fields]').waitFor()
  await page.waitForTimeout(500)
  await noUnavailable(page, 'enterprise detail')
  await page.locator('[data-test=licence-add]').click()
  const form = page.locator('[data-test=licence-form]')
  await form.locator('input').nth(1).fill('（苏）WH安许证字〔2026〕000123')
  await form.locator('input').nth(2).fill('江苏省应急管理厅')
  await form.locator('input').nth(3).fill(day(-1000))
  await form.locator('input').nth(3).press('Enter')
  await form.locator('input').nth(4).fill(day(20))
  await form.locator('input').nth(4).press('Enter')
  await form.locator('button[type=submit]').click()
  await seeText(page, '30天内到期', '[data-test=licence-table]')
  await page.waitForTimeout(500)
  await shot(page, '17-enterprise-licences-history')
  await page.goto(srv.base + '/licences')
  await seeText(page, E1, '[data-test=licences-table]')
  await shot(page, '18-licences')
})

test('every page renders without a script error (home dashboard, licences, map)', async ({ page }) => {
  await login(page, 'admin', ADMIN_PASSWORD)
  await page.goto(srv.base + '/')
  await page.locator('[data-test=chart-county] canvas').waitFor()
  await page.waitForTimeout(1000)
  await shot(page, '19-home-dashboard')
  await page.goto(srv.base + '/licences')
  await page.locator('[data-test=licences-table]').waitFor()
  await shot(page, '20-licences-page')
  await page.goto(srv.base + '/map')
  await page.locator('[data-test=map]').waitFor()
  await page.waitForTimeout(1500)
  await shot(page, '21-map-page')
  await page.goto(srv.base + '/no/such/page')
  await page.locator('.el-result').waitFor()
  assert(pageErrors.length === 0, `script errors: ${pageErrors.join(' | ')}`)
})

// ---------------------------------------------------------------- runner
const chosen = cases.filter((c) => !ONLY || c.name.includes(ONLY))
console.log(`1..${chosen.length}`)
let failed = 0
for (let i = 0; i < chosen.length; i++) {
  const c = chosen[i]
  let b = null
  try {
    b = c.fn.length ? await browser() : null
    await c.fn(b || {})
    console.log(`ok ${i + 1} - ${c.name}`)
  } catch (e) {
    failed++
    console.log(`not ok ${i + 1} - ${c.name}`)
    for (const line of String(e && e.stack ? e.stack : e).split('\n').slice(0, 8)) console.log('# ' + line)
    if (b) await b.page.screenshot({ path: path.join(SHOTS, `fail-${String(i + 1).padStart(2, '0')}.png`) }).catch(() => {})
  } finally {
    if (b) await b.close()
  }
}
await srv.stop()
process.exit(failed ? 1 : 0)
