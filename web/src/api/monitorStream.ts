// The live stream (GET /api/v1/monitor/stream, text/event-stream): events "alarm" (one SOE row
// as GET /monitor/soe shows it) and "values" ({enterprise_id, points:[{id,v,ts,state,cond}]}),
// only enterprises in the user's scope; "overflow" ({lost}) when the server dropped events for
// a slow client. EventSource sends the session cookie (same origin) and reconnects by itself;
// `status` says whether it is connected. Events missed (an overflow, or while reconnecting)
// are made good by `resync`, which reloads the page's state. Closed when the page unmounts.
import { onBeforeUnmount, ref, type Ref } from 'vue'
import type { SoeRow, ValuesEvent } from './monitor'

export type StreamStatus = 'connecting' | 'open' | 'error'

export interface StreamHandlers {
  alarm?: (row: SoeRow) => void
  values?: (ev: ValuesEvent) => void
  /** Called after events were lost: the page reloads what it shows. */
  resync?: () => void
}

/**
 * Opens the stream for the calling component (optionally one enterprise) and closes it on
 * unmount. Returns the connection status; handlers get parsed events (bad JSON is ignored).
 */
export function useMonitorStream(handlers: StreamHandlers, enterpriseId?: () => number | string | null | undefined): { status: Ref<StreamStatus>; reopen: () => void } {
  const status = ref<StreamStatus>('connecting')
  let es: EventSource | null = null
  let opened = false

  function parse<T>(e: MessageEvent): T | null {
    try {
      return JSON.parse(e.data) as T
    } catch {
      return null
    }
  }

  function open() {
    es?.close()
    if (typeof EventSource === 'undefined') {
      status.value = 'error'
      return
    }
    const id = enterpriseId?.()
    const url = '/api/v1/monitor/stream' + (id ? `?enterprise_id=${encodeURIComponent(String(id))}` : '')
    status.value = 'connecting'
    es = new EventSource(url, { withCredentials: true })
    es.onopen = () => {
      status.value = 'open'
      if (opened && handlers.resync) handlers.resync() // a reconnect: events may be missed
      opened = true
    }
    es.onerror = () => {
      // EventSource retries by itself unless the server refused (CLOSED): then try again later.
      status.value = 'error'
      if (es && es.readyState === EventSource.CLOSED) setTimeout(() => es && es.readyState === EventSource.CLOSED && open(), 5000)
    }
    es.addEventListener('alarm', (e) => {
      const row = parse<SoeRow>(e as MessageEvent)
      if (row && handlers.alarm) handlers.alarm(row)
    })
    es.addEventListener('overflow', () => handlers.resync && handlers.resync())
    es.addEventListener('values', (e) => {
      const v = parse<ValuesEvent>(e as MessageEvent)
      if (v && Array.isArray(v.points) && handlers.values) handlers.values(v)
    })
  }

  open()
  onBeforeUnmount(() => {
    es?.close()
    es = null
  })
  return { status, reopen: open }
}
