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
 * and web_dir = webDir. Resolves to {port, base, firstPassword, stop(), tmp}.
 */
export async function startServer(bin, root, webDir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anjian-browser-'))
  const portFile = path.join(tmp, 'port')
  const out = fs.openSync(path.join(tmp, 'stdout'), 'a')
  const err = fs.openSync(path.join(tmp, 'stderr'), 'a')
  const proc = spawn(
    bin,
    ['serve', '--db', path.join(tmp, 'anjian.db'), '--data-dir', path.join(root, 'data'), '--port', '0',
      '--port-file', portFile, '--listen', '127.0.0.1', '--web-dir', webDir, ...FAST],
    { cwd: tmp, stdio: ['ignore', out, err] },
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
    async stop() {
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
      fs.rmSync(tmp, { recursive: true, force: true })
    },
  }
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
