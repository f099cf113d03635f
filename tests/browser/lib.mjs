// Helpers of the browser tests: the server under test, a small HTTP client, valid credit
// codes, and a ZIP reader for exported XLSX files. Node's standard library only.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'

/** Fast hashing and no login rate limit keep the suite short (as in tests/api/harness.py). */
const FAST = [
  '--set', 'security.argon2_m_kib=1024',
  '--set', 'security.argon2_t_cost=1',
  '--set', 'security.login_rate_per_min=100000',
]

/**
 * Starts `bin serve` on a free 127.0.0.1 port with a fresh database in a temporary folder
 * and web_dir = webDir. Resolves to {port, base, firstPassword, stop(keep), tmp, db}.
 * opts.tmp restarts on the folder (and database) of a server stopped with stop(true);
 * opts.env adds environment variables (e.g. ANJIAN_FAKE_NOW_MS, the injected clock).
 */
export async function startServer(bin, root, webDir, opts = {}) {
  const tmp = opts.tmp || fs.mkdtempSync(path.join(os.tmpdir(), 'anjian-browser-'))
  const portFile = path.join(tmp, 'port')
  fs.rmSync(portFile, { force: true })
  fs.writeFileSync(path.join(tmp, 'stdout'), '')
  const out = fs.openSync(path.join(tmp, 'stdout'), 'a')
  const err = fs.openSync(path.join(tmp, 'stderr'), 'a')
  const proc = spawn(
    bin,
    ['serve', '--db', path.join(tmp, 'anjian.db'), '--data-dir', path.join(root, 'data'), '--port', '0',
      '--port-file', portFile, '--listen', '127.0.0.1', '--web-dir', webDir, ...FAST],
    { cwd: tmp, stdio: ['ignore', out, err], env: { ...process.env, ...(opts.env || {}) } },
  )
  let exited = null
  proc.on('exit', (code) => (exited = code))
  const deadline = Date.now() + 60000
  while (!fs.existsSync(portFile) || !fs.readFileSync(portFile, 'utf8').trim()) {
    if (exited !== null) throw new Error(`anjian exited with ${exited}: ${fs.readFileSync(path.join(tmp, 'stderr'), 'utf8').slice(-2000)}`)
    if (Date.now() > deadline) throw new Error('anjian did not start within 60 s')
    await new Promise((r) => setTimeout(r, 50))
  }
  const port = Number(fs.readFileSync(portFile, 'utf8').trim())
  const stdout = fs.readFileSync(path.join(tmp, 'stdout'), 'utf8')
  const m = /password \/ 密码: (\S+)/.exec(stdout)
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    firstPassword: m ? m[1] : null,
    tmp,
    db: path.join(tmp, 'anjian.db'),
    /** Stops the server; keep = true leaves its folder (and database) for a restart. */
    async stop(keep = false) {
      if (exited === null) {
        proc.kill('SIGTERM')
        await new Promise((r) => {
          const t = setTimeout(() => {
            proc.kill('SIGKILL')
            r()
          }, 20000)
          proc.on('exit', () => {
            clearTimeout(t)
            r()
          })
        })
      }
      fs.closeSync(out)
      fs.closeSync(err)
      if (!keep) fs.rmSync(tmp, { recursive: true, force: true })
    },
  }
}

/** Runs `bin args` to its end; resolves to {code, stdout, stderr}. */
export function runCli(bin, args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(bin, args, { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => (stdout += d))
    p.stderr.on('data', (d) => (stderr += d))
    p.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

/** One API identity (a bearer token, or none). */
export class Api {
  constructor(base, token = null) {
    this.base = base
    this.token = token
  }
  async call(method, p, body, extra = {}) {
    const headers = { Accept: 'application/json', ...extra }
    if (this.token) headers.Authorization = 'Bearer ' + this.token
    let data
    if (body !== undefined) {
      data = JSON.stringify(body)
      headers['Content-Type'] = 'application/json'
    }
    const r = await fetch(this.base + '/api/v1' + p, { method, headers, body: data })
    const text = await r.text()
    let json = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = null
    }
    return { status: r.status, json, text }
  }
  get(p) {
    return this.call('GET', p)
  }
  post(p, b) {
    return this.call('POST', p, b)
  }
  /** POSTs raw bytes (a photo). */
  async upload(p, bytes, type) {
    const headers = { Accept: 'application/json', 'Content-Type': type }
    if (this.token) headers.Authorization = 'Bearer ' + this.token
    const r = await fetch(this.base + '/api/v1' + p, { method: 'POST', headers, body: bytes })
    const text = await r.text()
    let json = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = null
    }
    return { status: r.status, json, text }
  }
  /** Logs in; answers a new Api with the token, or throws with the answer. */
  async login(login, password) {
    const r = await this.post('/session', { login, password })
    if (r.status !== 201) throw new Error(`login ${login}: ${r.status} ${r.text}`)
    return new Api(this.base, r.json.token)
  }
}

/** Throws unless the answer has the status. Returns its JSON. */
export function expectStatus(r, status, what) {
  if (r.status !== status) throw new Error(`${what}: status ${r.status}, want ${status}: ${r.text.slice(0, 400)}`)
  return r.json
}

const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'

/**
 * A valid unified social credit code (GB 32100-2015): '91' + the 6-digit division + a
 * GB 11714 organization code (8 characters + its check) + the check character.
 */
export function uscc(region, body8) {
  const w = [3, 7, 9, 10, 5, 8, 4, 2]
  let s = 0
  for (let i = 0; i < 8; i++) {
    const c = body8[i]
    s += (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55) * w[i]
  }
  const c9 = 11 - (s % 11)
  const org = body8 + (c9 === 10 ? 'X' : c9 === 11 ? '0' : String(c9))
  const first17 = '91' + region + org
  let total = 0
  for (let i = 0; i < 17; i++) total += USCC_CHARSET.indexOf(first17[i]) * (3 ** i % 31)
  return first17 + USCC_CHARSET[(31 - (total % 31)) % 31]
}

/**
 * The entries of a ZIP archive (an XLSX file) as {name: Buffer}: reads the central
 * directory, inflates deflated entries with zlib. Enough for the files our server writes.
 */
export function unzip(buf) {
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i
      break
    }
  if (eocd < 0) throw new Error('not a ZIP archive (no end of central directory)')
  const count = buf.readUInt16LE(eocd + 10)
  let p = buf.readUInt32LE(eocd + 16)
  const files = {}
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory entry')
    const method = buf.readUInt16LE(p + 10)
    const csize = buf.readUInt32LE(p + 20)
    const nameLen = buf.readUInt16LE(p + 28)
    const extraLen = buf.readUInt16LE(p + 30)
    const commentLen = buf.readUInt16LE(p + 32)
    const local = buf.readUInt32LE(p + 42)
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8')
    const lNameLen = buf.readUInt16LE(local + 26)
    const lExtraLen = buf.readUInt16LE(local + 28)
    const start = local + 30 + lNameLen + lExtraLen
    const data = buf.subarray(start, start + csize)
    files[name] = method === 8 ? zlib.inflateRawSync(data) : method === 0 ? Buffer.from(data) : null
    p += 46 + nameLen + extraLen + commentLen
  }
  return files
}

/** All cell text of an XLSX workbook (shared strings and inline strings), XML entities decoded. */
export function xlsxText(buf) {
  const files = unzip(buf)
  let xml = ''
  for (const [name, data] of Object.entries(files))
    if (name.startsWith('xl/') && name.endsWith('.xml') && data) xml += data.toString('utf8')
  const texts = []
  for (const m of xml.matchAll(/<t(?:\s[^>]*)?>([^<]*)<\/t>/g))
    texts.push(m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'))
  return texts.join('\n')
}

/** CRC-32 of a buffer (PNG chunks). */
function crc32(buf) {
  let c = ~0
  for (const b of buf) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return ~c >>> 0
}

/**
 * A real PNG image (RGB, 8 bit) of w x h pixels: a colour gradient with a band whose place
 * depends on `seed`, so different seeds give different bytes (photos are stored by hash).
 */
export function makePng(w, h, seed = 0) {
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3
      const band = Math.abs(x - ((seed * 37) % w)) < 6
      raw[o] = band ? 230 : (x * 255) / w
      raw[o + 1] = band ? 40 : (y * 255) / h
      raw[o + 2] = band ? 40 : 160
    }
  }
  return pngFromRows(w, h, raw)
}

/**
 * A site-plan-like PNG of w x h pixels: a light background, a grid every 50 px and a few
 * darker "buildings", so the coloured unit polygons on it read as on a real plan.
 */
export function makePlanPng(w, h) {
  const raw = Buffer.alloc((w * 3 + 1) * h)
  const boxes = [[0.08, 0.1, 0.25, 0.35], [0.32, 0.62, 0.55, 0.9], [0.7, 0.6, 0.92, 0.85]]
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3
      let v = x % 50 === 0 || y % 50 === 0 ? 215 : 244
      for (const [x0, y0, x1, y1] of boxes)
        if (x >= x0 * w && x <= x1 * w && y >= y0 * h && y <= y1 * h) v = Math.abs(x - x0 * w) < 2 || Math.abs(x - x1 * w) < 2 || Math.abs(y - y0 * h) < 2 || Math.abs(y - y1 * h) < 2 ? 90 : 228
      raw[o] = v
      raw[o + 1] = v
      raw[o + 2] = v + (v < 250 ? 4 : 0)
    }
  return pngFromRows(w, h, raw)
}

/** A PNG (RGB, 8 bit) from its filtered rows (each row: filter byte 0, then w RGB triples). */
function pngFromRows(w, h, raw) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
