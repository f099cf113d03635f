// The alarm layer of the map (一张图): a flashing red ring on every enterprise with a point in
// alarm (GET /api/v1/monitor/alarms), placed at the enterprise's marker (or, without one, at
// its first alarmed point's lon/lat), redrawn on every "alarm" event of the live stream.
// Rings flash while an alarm is unacknowledged and stay steady once all are acknowledged.
// Kept out of MapView.vue so that the map view only wires it in.
import { ref } from 'vue'
import L from 'leaflet'
import { getAll } from '../../api/client'
import { isUnacked, type MonitorPoint } from '../../api/monitor'
import { useMonitorStream } from '../../api/monitorStream'
import { i18n } from '../../i18n'

export interface AlarmLayer {
  /** Enterprises shown with an alarm. */
  count: ReturnType<typeof ref<number>>
  failure: ReturnType<typeof ref<unknown>>
  refresh: () => Promise<void>
  setVisible: (on: boolean) => void
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/**
 * Makes the layer for `map()` (null until the map exists); `position(enterpriseId)` gives the
 * enterprise's marker position when the map shows one. Must be called in a component's setup
 * (it opens the live stream, closed on unmount).
 */
export function useAlarmLayer(map: () => L.Map | null, position: (enterpriseId: number) => L.LatLng | null): AlarmLayer {
  const count = ref(0)
  const failure = ref<unknown>(null)
  const layer = L.layerGroup()
  let visible = true
  let timer: ReturnType<typeof setTimeout> | null = null

  async function refresh() {
    const m = map()
    if (!m) return
    failure.value = null
    let items: MonitorPoint[]
    try {
      items = (await getAll<MonitorPoint>('/monitor/alarms', {}, 4)).items
    } catch (e) {
      failure.value = e
      layer.clearLayers()
      count.value = 0
      return
    }
    const byEnt = new Map<number, MonitorPoint[]>()
    for (const p of items) {
      if (!p.live || p.live.state === 'normal') continue
      const l = byEnt.get(p.enterprise_id) || []
      l.push(p)
      byEnt.set(p.enterprise_id, l)
    }
    layer.clearLayers()
    let n = 0
    for (const [id, pts] of byEnt) {
      const first = pts.find((p) => p.lat !== null && p.lon !== null)
      const pos = position(id) || (first ? L.latLng(first.lat!, first.lon!) : null)
      if (!pos) continue
      const unack = pts.some((p) => isUnacked(p.live?.state))
      const icon = L.divIcon({
        className: `mon-alarm-marker${unack ? ' mon-alarm-unack' : ''}`,
        html: `<span data-ent="${id}">${pts.length}</span>`,
        iconSize: [30, 30],
        iconAnchor: [15, 15],
        popupAnchor: [0, -14],
      })
      const t = i18n.global.t
      const mk = L.marker(pos, { icon, zIndexOffset: 1000, title: pts[0].enterprise_name })
      mk.bindPopup(
        `<div><b>${esc(pts[0].enterprise_name)}</b><br/>${esc(t('mon.mapAlarmPopup', { n: pts.length }))}<br/>` +
          pts
            .slice(0, 5)
            .map((p) => `${esc(p.tag)} ${esc(t('mon.conds.' + (p.live?.cond || 'normal')))}`)
            .join('<br/>') +
          `<br/><a href="/monitor/alarms" class="mon-alarm-link">${esc(t('mon.mapAlarmOpen'))}</a></div>`,
      )
      mk.addTo(layer)
      n++
    }
    count.value = n
    if (visible && !m.hasLayer(layer)) layer.addTo(m)
  }

  function refreshSoon() {
    if (timer) return
    timer = setTimeout(() => {
      timer = null
      refresh()
    }, 500)
  }
  useMonitorStream({ alarm: refreshSoon, resync: refreshSoon })

  function setVisible(on: boolean) {
    visible = on
    const m = map()
    if (!m) return
    if (on) layer.addTo(m)
    else layer.remove()
  }

  return { count, failure, refresh, setVisible }
}
