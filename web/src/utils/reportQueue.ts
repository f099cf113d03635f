// The phone's offline queue of hazard reports (issue 4 §6): every report from /m/report is
// first written to IndexedDB (the JSON with a client_ref, and its photos as Blobs), then sent
// when the network is there: at once, on the window's `online` event and on a retry timer.
// Sending is idempotent: photos are stored by content hash (a second upload of the same
// bytes answers the same sha256) and POST /hazards with the same client_ref by the same user
// answers the hazard already made (200) — so a report cut off after the server wrote it is
// not made twice. Only one flush runs at a time.
import { reactive } from 'vue'
import { ApiError } from '../api/client'
import { createHazard, uploadPhoto, type Hazard, type NewHazard } from '../api/hazard'

const DB_NAME = 'anjian-reports'
const REPORTS = 'reports'
const BLOBS = 'blobs'
/** Retry period while something is waiting (ms). */
export const RETRY_MS = 15000

export interface QueuedReport {
  client_ref: string
  /** Login of the user who wrote it: another user on the same phone does not send it. */
  login: string
  body: Omit<NewHazard, 'photos' | 'client_ref'>
  /** Keys of the photo Blobs in the `blobs` store, in order. */
  photo_keys: string[]
  /** Display name of the enterprise (the body has only its id). */
  enterprise_name: string
  created_ms: number
  attempts: number
  /** The server refused it (4xx other than 401/408/429): kept, shown, not retried. */
  error: string | null
}

export const queueState = reactive({
  items: [] as QueuedReport[],
  sending: false,
  /** Reports sent during this page's life, newest first: {client_ref, number, id}. */
  sent: [] as { client_ref: string; number: string; id: number; enterprise_name: string }[],
  lastError: '',
})

let dbp: Promise<IDBDatabase> | null = null

function db(): Promise<IDBDatabase> {
  if (!dbp)
    dbp = new Promise((resolve, reject) => {
      const r = indexedDB.open(DB_NAME, 1)
      r.onupgradeneeded = () => {
        r.result.createObjectStore(REPORTS, { keyPath: 'client_ref' })
        r.result.createObjectStore(BLOBS)
      }
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
  return dbp
}

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })
}

async function tx<T>(stores: string[], mode: IDBTransactionMode, fn: (t: IDBTransaction) => Promise<T>): Promise<T> {
  const d = await db()
  const t = d.transaction(stores, mode)
  const done = new Promise<void>((resolve, reject) => {
    t.oncomplete = () => resolve()
    t.onerror = () => reject(t.error)
    t.onabort = () => reject(t.error)
  })
  const v = await fn(t)
  await done
  return v
}

/** A 128-bit random reference (hex), without crypto.randomUUID (secure contexts only). */
export function newClientRef(): string {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  return 'm-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

async function refresh(): Promise<void> {
  const all = await tx([REPORTS], 'readonly', (t) => req(t.objectStore(REPORTS).getAll() as IDBRequest<QueuedReport[]>))
  all.sort((a, b) => a.created_ms - b.created_ms)
  queueState.items = all
}

/** Keeps a report and its photos; answers its client_ref. Does not send (call flush). */
export async function enqueue(login: string, body: QueuedReport['body'], enterpriseName: string, photos: Blob[]): Promise<string> {
  const ref = newClientRef()
  const keys = photos.map((_, i) => `${ref}/${i}`)
  await tx([REPORTS, BLOBS], 'readwrite', async (t) => {
    photos.forEach((p, i) => t.objectStore(BLOBS).put(p, keys[i]))
    t.objectStore(REPORTS).put({
      client_ref: ref,
      login,
      body,
      photo_keys: keys,
      enterprise_name: enterpriseName,
      created_ms: Date.now(),
      attempts: 0,
      error: null,
    } satisfies QueuedReport)
  })
  await refresh()
  return ref
}

/** Drops a report (and its photos) from the queue. */
export async function remove(ref: string): Promise<void> {
  await tx([REPORTS, BLOBS], 'readwrite', async (t) => {
    const r = (await req(t.objectStore(REPORTS).get(ref))) as QueuedReport | undefined
    for (const k of r?.photo_keys || []) t.objectStore(BLOBS).delete(k)
    t.objectStore(REPORTS).delete(ref)
  })
  await refresh()
}

/** True for failures worth retrying: no network, or the server busy/unreachable. */
function transient(e: unknown): boolean {
  if (!(e instanceof ApiError)) return true // fetch's TypeError: offline
  return e.missing || e.status === 401 || e.status === 408 || e.status === 429 || e.status >= 500
}

async function sendOne(r: QueuedReport): Promise<Hazard> {
  const shas: string[] = []
  for (const k of r.photo_keys) {
    const blob = (await tx([BLOBS], 'readonly', (t) => req(t.objectStore(BLOBS).get(k)))) as Blob | undefined
    if (!blob) continue
    shas.push((await uploadPhoto(blob)).sha256)
  }
  return createHazard({ ...r.body, photos: shas, client_ref: r.client_ref })
}

let flushing: Promise<void> | null = null

/** Sends what waits for `login` (oldest first); stops at the first network failure. */
export function flush(login: string): Promise<void> {
  if (!flushing)
    flushing = doFlush(login).finally(() => {
      flushing = null
    })
  return flushing
}

async function doFlush(login: string): Promise<void> {
  await refresh()
  const pending = queueState.items.filter((r) => r.login === login && !r.error)
  if (!pending.length || !navigator.onLine) return
  queueState.sending = true
  try {
    for (const r of pending) {
      try {
        const h = await sendOne(r)
        queueState.sent.unshift({ client_ref: r.client_ref, number: h.number, id: h.id, enterprise_name: r.enterprise_name })
        queueState.lastError = ''
        await remove(r.client_ref)
      } catch (e) {
        const msg = e instanceof ApiError ? e.detail + (e.errors.length ? ' (' + e.errors.map((x) => `${x.field}: ${x.reason}`).join('; ') + ')' : '') : String(e)
        queueState.lastError = msg
        await tx([REPORTS], 'readwrite', async (t) => {
          t.objectStore(REPORTS).put({ ...r, attempts: r.attempts + 1, error: transient(e) ? null : msg })
        })
        if (transient(e)) break
      }
    }
  } finally {
    queueState.sending = false
    await refresh()
  }
}

let started = ''
let timer: number | undefined

/** Starts the `online` listener and the retry timer for `login` (once per login). */
export function startQueue(login: string): void {
  if (started === login) return
  started = login
  if (timer === undefined) {
    window.addEventListener('online', () => flush(started))
    timer = window.setInterval(() => flush(started), RETRY_MS)
  }
  flush(login)
}
