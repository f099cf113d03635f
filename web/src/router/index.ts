// Routes, and the guard that sends a visitor to the login page (keeping the page to return
// to), a user with a pending password change to the change page, and hides pages the role
// may not see.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { session, loadMe, can, forget } from '../session'
import { setUnauthorizedHandler } from '../api/client'
import MainLayout from '../layouts/MainLayout.vue'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    perm?: string
    title?: string
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('../views/LoginView.vue'), meta: { public: true } },
  {
    path: '/change-password',
    name: 'change-password',
    component: () => import('../views/ChangePasswordView.vue'),
  },
  {
    path: '/m/report',
    name: 'm-report',
    component: () => import('../views/hazard/MobileReport.vue'),
    meta: { perm: 'hazard.report', title: 'menu.report' },
  },
  {
    path: '/m/checks',
    name: 'm-checks',
    component: () => import('../views/risk/MobileChecks.vue'),
    meta: { perm: 'risk.check', title: 'rk.menu.checks' },
  },
  {
    path: '/m/alarms',
    name: 'm-alarms',
    component: () => import('../views/monitor/AlarmConsole.vue'),
    props: { mobile: true },
    meta: { perm: 'monitor.read', title: 'mon.menu.alarms' },
  },
  {
    path: '/',
    component: MainLayout,
    children: [
      { path: '', name: 'home', component: () => import('../views/HomeView.vue'), meta: { title: 'menu.home' } },
      {
        path: 'enterprises',
        name: 'enterprises',
        component: () => import('../views/EnterpriseList.vue'),
        meta: { perm: 'enterprise.read', title: 'menu.enterprises' },
      },
      {
        path: 'enterprises/:id(\\d+)',
        name: 'enterprise',
        component: () => import('../views/EnterpriseDetail.vue'),
        meta: { perm: 'enterprise.read', title: 'menu.enterprises' },
      },
      {
        path: 'licences',
        name: 'licences',
        component: () => import('../views/LicencesView.vue'),
        meta: { perm: 'enterprise.read', title: 'menu.licences' },
      },
      {
        path: 'map',
        name: 'map',
        component: () => import('../views/MapView.vue'),
        meta: { perm: 'enterprise.read', title: 'menu.map' },
      },
      {
        path: 'hazards',
        name: 'hazards',
        component: () => import('../views/hazard/HazardList.vue'),
        meta: { perm: 'hazard.read', title: 'menu.hazards' },
      },
      {
        path: 'hazards/:id(\\d+)',
        name: 'hazard',
        component: () => import('../views/hazard/HazardDetail.vue'),
        meta: { perm: 'hazard.read', title: 'menu.hazards' },
      },
      {
        path: 'supervision',
        name: 'supervision',
        component: () => import('../views/hazard/SupervisionView.vue'),
        meta: { perm: 'hazard.read', title: 'menu.supervision' },
      },
      {
        path: 'hazard-lists',
        name: 'hazard-lists',
        component: () => import('../views/hazard/HazardLists.vue'),
        meta: { perm: 'hazard.read', title: 'menu.hazardLists' },
      },
      {
        path: 'hazard-stats',
        name: 'hazard-stats',
        component: () => import('../views/hazard/HazardStats.vue'),
        meta: { perm: 'hazard.read', title: 'menu.hazardStats' },
      },
      {
        path: 'risk/identify',
        name: 'risk-identify',
        component: () => import('../views/risk/RiskIdentify.vue'),
        meta: { perm: 'risk.read', title: 'rk.menu.identify' },
      },
      {
        path: 'risk/site-plan',
        name: 'risk-site-plan',
        component: () => import('../views/risk/SitePlan.vue'),
        meta: { perm: 'risk.read', title: 'rk.menu.sitePlan' },
      },
      {
        path: 'risk/overview',
        name: 'risk-overview',
        component: () => import('../views/risk/RiskOverview.vue'),
        meta: { perm: 'risk.read', title: 'rk.menu.overview' },
      },
      {
        path: 'mhi/installations',
        name: 'mhi-installations',
        component: () => import('../views/mhi/Installations.vue'),
        meta: { perm: 'monitor.read', title: 'mhi.menu' },
      },
      {
        path: 'monitor/live',
        name: 'monitor-live',
        component: () => import('../views/monitor/MonitorLive.vue'),
        meta: { perm: 'monitor.read', title: 'mon.menu.live' },
      },
      {
        path: 'monitor/alarms',
        name: 'monitor-alarms',
        component: () => import('../views/monitor/AlarmConsole.vue'),
        meta: { perm: 'monitor.read', title: 'mon.menu.alarms' },
      },
      {
        path: 'monitor/soe',
        name: 'monitor-soe',
        component: () => import('../views/monitor/SoeView.vue'),
        meta: { perm: 'monitor.read', title: 'mon.menu.soe' },
      },
      {
        path: 'monitor/kpi',
        name: 'monitor-kpi',
        component: () => import('../views/monitor/AlarmKpi.vue'),
        meta: { perm: 'monitor.read', title: 'mon.menu.kpi' },
      },
      {
        path: 'monitor/config',
        name: 'monitor-config',
        component: () => import('../views/monitor/MonitorConfig.vue'),
        meta: { perm: 'monitor.write', title: 'mon.menu.config' },
      },
      {
        path: 'admin/grids',
        name: 'grids',
        component: () => import('../views/admin/GridsView.vue'),
        meta: { perm: 'grid.read', title: 'menu.grids' },
      },
      {
        path: 'admin/depts',
        name: 'depts',
        component: () => import('../views/admin/DeptsView.vue'),
        meta: { perm: 'dept.read', title: 'menu.depts' },
      },
      {
        path: 'admin/users',
        name: 'users',
        component: () => import('../views/admin/UsersView.vue'),
        meta: { perm: 'user.read', title: 'menu.users' },
      },
      { path: ':rest(.*)*', name: 'not-found', component: () => import('../views/NotFound.vue') },
    ],
  },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (!session.checked) {
    try {
      await loadMe()
    } catch {
      session.checked = true
    }
  }
  if (to.meta.public) return true
  if (!session.me) return { name: 'login', query: { redirect: to.fullPath } }
  if (session.me.must_change_password && to.name !== 'change-password')
    return { name: 'change-password', query: { redirect: to.fullPath } }
  if (!session.me.must_change_password && to.name === 'change-password' && !to.query.voluntary)
    return { name: 'home' }
  if (to.meta.perm && !can(to.meta.perm)) return { name: 'home' }
  return true
})

/** Any 401 outside the login: the session expired or was revoked. Back to login, then here. */
let redirecting = false
setUnauthorizedHandler(() => {
  if (redirecting) return
  const cur = router.currentRoute.value
  if (cur.meta.public) return
  redirecting = true
  forget()
  router
    .replace({ name: 'login', query: { redirect: cur.fullPath, expired: '1' } })
    .finally(() => (redirecting = false))
})
