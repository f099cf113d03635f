// The enterprise a risk page works on: an enterprise officer's own (the only one in scope),
// or, for an administrator, the one chosen in a search box (kept in ?enterprise= so that a
// reload stays on it).
import { onMounted, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { api } from '../../api/client'
import type { Enterprise, Page } from '../../api/types'
import { session } from '../../session'

export function useRiskEnterprise(onChange: (id: number) => void) {
  const route = useRoute()
  const router = useRouter()
  const id = ref<number | null>(null)
  const options = ref<Enterprise[]>([])
  const loading = ref(false)
  const officer = session.me?.role === 'enterprise_officer'

  async function search(q: string) {
    loading.value = true
    try {
      const p = await api.get<Page<Enterprise>>('/enterprises', { q: q || undefined, limit: 20 })
      options.value = p.items
    } catch {
      options.value = []
    } finally {
      loading.value = false
    }
  }

  watch(id, (v) => {
    if (!v) return
    if (!officer && String(route.query.enterprise || '') !== String(v)) router.replace({ query: { ...route.query, enterprise: String(v) } })
    onChange(v)
  })

  onMounted(async () => {
    const q = Number(route.query.enterprise)
    await search('')
    if (q) {
      if (!options.value.some((e) => e.id === q)) {
        try {
          options.value.unshift(await api.get<Enterprise>('/enterprises/' + q))
        } catch {
          /* out of scope: the list stays */
        }
      }
      id.value = q
    } else if (officer || options.value.length === 1) id.value = options.value[0]?.id ?? null
  })

  return { id, options, loading, officer, search }
}
