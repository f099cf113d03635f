#!/usr/bin/env python3
"""Alarm-management KPIs (issue 6 §7, docs/monitoring.md "Alarm KPIs"): GET /api/v1/monitor/kpi
and its export over SOE rows written straight into the database (the runtime's own path is
tested with it). The seeds: in enterprise E1 (亭湖区) point GT-101 annunciates 11 times 20 s
apart inside one 10-minute window (a flood: more than 10; chattering: 3 within 60 s), GT-102
10 times 50 s apart in another window (exactly 10: no flood, no chattering), GT-103 once on the
day before and never clears (standing: active for more than 24 h); in E2 (盐都区) GT-201
annunciates 12 times in one window. Every figure is checked against those seeds, per
enterprise, per county (region) and per scope, with the thresholds' config keys."""
import csv
import datetime
import io

from harness import run, uscc

R1, R2 = '320902', '320903'
T1, T2 = '320902001', '320903002'
UTC = datetime.timezone.utc
CST = datetime.timezone(datetime.timedelta(hours=8))
# unack = 1, normal = 0, rtn_unack = 3; cond normal = 0, high1 = 1 (alarm.h enum order)
NORMAL, UNACK, RTN = 0, 1, 3


def local_ms(y, m, d, hh=0, mm=0, ss=0):
    return int(datetime.datetime(y, m, d, hh, mm, ss, tzinfo=CST).timestamp() * 1000)


NOW = local_ms(2026, 11, 29, 12)


class World:
    def __init__(self, t, *extra):
        self.t = t
        self.s = s = t.server(['--set', f'fake.now_ms={NOW}', *extra])
        self.a = a = s.admin()
        self.u1, self.u2 = uscc(R1, 'MA300001'), uscc(R2, 'MA300002')
        self.e1 = a.post('/api/v1/enterprises', {'uscc': self.u1, 'name': '亭湖化工',
                                                 'industry_code': '2614', 'region_code': T1}).json['id']
        self.e2 = a.post('/api/v1/enterprises', {'uscc': self.u2, 'name': '盐都化工',
                                                 'industry_code': '2614', 'region_code': T2}).json['id']
        self.p = {tag: self.point(e, tag) for e, tag in ((self.e1, 'GT-101'), (self.e1, 'GT-102'),
                                                          (self.e1, 'GT-103'), (self.e2, 'GT-201'))}
        self.seq = 0
        self.storm('GT-101', self.e1, local_ms(2026, 11, 28, 10), 11, 20000)
        self.storm('GT-102', self.e1, local_ms(2026, 11, 28, 12), 10, 50000)
        self.standing_since = local_ms(2026, 11, 27, 8)
        self.soe('GT-103', self.e1, self.standing_since, NORMAL, UNACK, 0, 1)
        self.storm('GT-201', self.e2, local_ms(2026, 11, 28, 10), 12, 30000)

    def point(self, e, tag):
        return self.s.sql("INSERT INTO monitor_point (enterprise_id, tag, name, kind, unit, "
                          "range_lo, range_hi, created_ms, updated_ms) VALUES (?, ?, ?, "
                          "'combustible', '%LEL', 0, 100, ?, ?) RETURNING id",
                          (e, tag, '可燃气体' + tag, NOW, NOW))[0][0]

    def soe(self, tag, e, t, fs, ts, fc, tc):
        self.seq += 1
        self.s.sql("INSERT INTO soe (point_id, enterprise_id, source_ms, seq, sub, value, "
                   "from_state, to_state, from_cond, to_cond, cause, recorded_ms) VALUES "
                   "(?, ?, ?, ?, 0, 30, ?, ?, ?, ?, 'reading', ?)",
                   (self.p[tag], e, t, self.seq, fs, ts, fc, tc, t))

    def storm(self, tag, e, start, n, step):
        """n annunciations step ms apart, each returning to normal half a step later."""
        for i in range(n):
            t = start + i * step
            self.soe(tag, e, t, NORMAL, UNACK, 0, 1)
            self.soe(tag, e, t + step // 2, UNACK, RTN, 1, 0)

    def kpi(self, c, q):
        r = c.get('/api/v1/monitor/kpi?' + q)
        self.t.status(r, 200, q)
        return r.json


def test_kpi_of_one_enterprise(t):
    w = World(t)
    k = w.kpi(w.a, f'enterprise_id={w.e1}&from_day=2026-11-27&to_day=2026-11-29')
    t.eq((k['from_day'], k['to_day'], k['enterprise_id']), ('2026-11-27', '2026-11-29', w.e1))
    t.eq(k['alarms'], 11 + 10 + 1, 'alarms')
    t.eq(k['per_day'], [{'day': '2026-11-27', 'alarms': 1}, {'day': '2026-11-28', 'alarms': 21},
                        {'day': '2026-11-29', 'alarms': 0}], 'per day')
    t.eq(k['per_window']['max'], 11, 'most alarms in a 10-minute window')
    t.true(abs(k['per_window']['mean'] - 22 / (3 * 144)) < 1e-9, k['per_window'])
    t.eq(k['floods']['count'], 1, 'GT-101 alone floods (11 > 10; GT-102 has exactly 10)')
    t.eq(k['floods']['time_ms'], 600000)
    f = k['floods']['items'][0]
    t.eq((f['start_ms'], f['end_ms'], f['alarms']),
         (local_ms(2026, 11, 28, 10), local_ms(2026, 11, 28, 10, 10), 11))
    t.true(abs(k['floods']['time_pct'] - 100 * 10 / (3 * 1440)) < 1e-9, k['floods'])
    t.eq([(c['tag'], c['alarms'], c['max_in_window']) for c in k['chattering']],
         [('GT-101', 11, 3)], 'chattering: 20 s apart gives 3 within 60 s; 50 s apart 2')
    t.eq(len(k['standing']), 1, k['standing'])
    st = k['standing'][0]
    t.eq((st['tag'], st['since_ms'], st['until_ms'], st['duration_ms']),
         ('GT-103', w.standing_since, None, NOW - w.standing_since))
    t.eq([(p['tag'], p['alarms'], p['enterprise_name']) for p in k['top']],
         [('GT-101', 11, '亭湖化工'), ('GT-102', 10, '亭湖化工'), ('GT-103', 1, '亭湖化工')])
    t.true(abs(k['top'][0]['share_pct'] - 100 * 11 / 22) < 1e-9, k['top'][0])
    t.eq(k['thresholds'], {'flood_alarms': 10, 'flood_window_min': 10, 'chatter_alarms': 3,
                           'chatter_window_s': 60, 'standing_h': 24})
    # The default period: the 7 days up to today (fake.now_ms), 2026-11-23..29.
    k = w.kpi(w.a, f'enterprise_id={w.e1}')
    t.eq((k['from_day'], k['to_day'], len(k['per_day']), k['alarms']),
         ('2026-11-23', '2026-11-29', 7, 22))
    # A period that ends before the standing alarm began holds none of it.
    k = w.kpi(w.a, f'enterprise_id={w.e1}&from_day=2026-11-20&to_day=2026-11-26')
    t.eq((k['alarms'], k['standing'], k['top']), (0, [], []))


def test_kpi_by_county_and_scope(t):
    w = World(t)
    q = 'from_day=2026-11-27&to_day=2026-11-29'
    t.eq(w.kpi(w.a, q)['alarms'], 22 + 12, 'everything')
    k = w.kpi(w.a, f'region={R2}&{q}')
    t.eq((k['alarms'], k['floods']['count'], k['region']), (12, 1, R2), 'the county 盐都区')
    t.eq(w.kpi(w.a, f'region={R1}&{q}')['alarms'], 22, '亭湖区')
    officer = w.s.user('officer1', 'enterprise_officer', 'enterprise:' + w.u1)
    inspector2 = w.s.user('inspector2', 'inspector', 'region:' + R2)
    t.eq(w.kpi(officer, q)['alarms'], 22, 'an officer sees only their own enterprise')
    t.eq(w.kpi(officer, f'region={R2}&{q}')['alarms'], 0, 'a region outside the scope is empty')
    t.eq(w.kpi(inspector2, q)['alarms'], 12, 'an inspector sees their county')
    t.eq([p['tag'] for p in w.kpi(inspector2, q)['top']], ['GT-201'])
    for c, e in ((officer, w.e2), (inspector2, w.e1), (w.a, 999999)):
        t.problem(c.get(f'/api/v1/monitor/kpi?enterprise_id={e}'), 404)
        t.problem(c.get(f'/api/v1/monitor/kpi/export?enterprise_id={e}'), 404)
    t.problem(w.s.anon().get('/api/v1/monitor/kpi'), 401)


def test_kpi_bad_query_names_the_field(t):
    w = World(t)
    for q, field in (('from_day=2026-11-29&to_day=2026-11-28', 'from_day'),
                     ('from_day=2026-02-30', 'from_day'), ('to_day=29-11-2026', 'to_day'),
                     ('enterprise_id=0', 'enterprise_id'), ('enterprise_id=x', 'enterprise_id'),
                     ('region=12', 'region'), ('limit=5', 'limit'),
                     ('from_day=2025-01-01&to_day=2026-11-29', 'to_day')):
        t.problem(w.a.get('/api/v1/monitor/kpi?' + q), 400, field)
    t.problem(w.a.get('/api/v1/monitor/kpi/export?format=pdf'), 400, 'format')
    t.problem(w.a.get('/api/v1/monitor/kpi?format=csv'), 400, 'format')


def test_kpi_thresholds_are_config(t):
    w = World(t, '--set', 'monitor.kpi_flood_alarms=11', '--set', 'monitor.kpi_chatter_alarms=4',
              '--set', 'monitor.kpi_standing_h=60')
    k = w.kpi(w.a, 'from_day=2026-11-27&to_day=2026-11-29')
    t.eq(k['floods']['count'], 1, 'only GT-201 (12 > 11); GT-101 has 11')
    t.eq(k['chattering'], [], 'GT-101 has at most 3 alarms within 60 s, fewer than 4')
    t.eq(k['standing'], [], 'GT-103 has stood 52 h, not more than 60 h')
    t.eq(k['thresholds'], {'flood_alarms': 11, 'flood_window_min': 10, 'chatter_alarms': 4,
                           'chatter_window_s': 60, 'standing_h': 60})


def test_kpi_export_csv_and_xlsx(t):
    w = World(t)
    r = w.a.get(f'/api/v1/monitor/kpi/export?enterprise_id={w.e1}&from_day=2026-11-27'
                '&to_day=2026-11-29&format=csv')
    t.status(r, 200)
    t.true(r.header('content-type').startswith('text/csv'), r.headers)
    t.true('alarm-kpi-2026-11-27-2026-11-29.csv' in r.header('content-disposition'), r.headers)
    rows = list(csv.reader(io.StringIO(r.body.decode('utf-8-sig'))))
    t.eq(rows[0], ['指标', '日期或时段', '位号', '点位名称', '企业', '数值', '单位'])
    by = {}
    for row in rows[1:]:
        by.setdefault(row[0], []).append(row)
    t.eq(by['报警总数'][0][5], '22')
    t.eq([x[1:6:4] for x in by['每日报警数']], [['2026-11-27', '1'], ['2026-11-28', '21'],
                                            ['2026-11-29', '0']])
    t.eq(by['报警泛滥'][0][1], '2026-11-28 10:00:00~2026-11-28 10:10:00')
    t.eq(by['长期报警'][0][2], 'GT-103')
    t.eq(by['长期报警'][0][5], '52.0', '08:00 on the 27th to noon on the 29th')
    t.eq([by[k][0][2] for k in by if k.startswith('报警源前10')], ['GT-101', 'GT-102', 'GT-103'])
    r = w.a.get(f'/api/v1/monitor/kpi/export?enterprise_id={w.e1}')
    t.status(r, 200)
    t.true(r.body[:2] == b'PK', 'an XLSX file (zip)')


run(globals())
