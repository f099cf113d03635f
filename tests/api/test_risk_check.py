#!/usr/bin/env python3
"""Risk check items and tasks (issue 5 §4, docs/risk.md "Check tasks"): items CRUD and
validation (the assignee is an officer of the item's enterprise), tasks generated for the
current periods (GET /risk/tasks and `anjian risk scan`), the schedule cases of the issue
over the injected clock (fake.now_ms): a daily task across midnight UTC+8, a monthly task on
the 31st (and leap February 2028), a weekly task across the year end (2026-W53), shifts
across midnight; pass, fail opening exactly one hidden hazard visible in GET /hazards/{id}
with its point, a repeated pass/fail 409, a missed check counted once across two scans,
completion rates and their xlsx/csv export read back, and the scope (another enterprise's
officer neither sees nor does a task; a region's inspector sees its region only).

The units, points, danger sources and measures are made through the risk-core routes."""
import csv
import datetime
import io
import os
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile

from harness import BIN, SRC_ROOT, run, uscc

R1, R2 = '320902', '320903'            # 亭湖区, 盐都区 (盐城市)
T1, T2 = '320902001', '320903002'
UTC = datetime.timezone.utc
NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}


def ms(s):
    """'2026-11-29T15:59:59.999Z' -> UTC ms."""
    return int(datetime.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp() * 1000)


NOW = ms('2026-11-29T04:00:00Z')          # 12:00 local, Sunday 2026-11-29


def scan(s, at, *extra):
    """`anjian risk scan` at instant at (ms); returns the CompletedProcess."""
    return subprocess.run([BIN, 'risk', 'scan', '--db', s.db, '--data-dir',
                           os.path.join(SRC_ROOT, 'data'), '--set', f'fake.now_ms={at}', *extra],
                          capture_output=True, text=True, timeout=120)


class World:
    """E1 (region R1, grid G1) with officers o1, o1b and a point with a measure; E2 (R2) with
    officer o2 and its own point; inspectors of R1 and R2."""

    def __init__(self, t, now=NOW):
        self.t = t
        self.s = s = t.server(['--set', f'fake.now_ms={now}', '--set', 'hazard.scan_interval_s=0'])
        self.a = a = s.admin()

        def ok(r, status=201):
            t.status(r, status, 'fixture')
            return r.json

        self.g1 = ok(a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格', 'region_code': T1}))['id']
        self.uscc1, self.uscc2 = uscc(R1, 'MA100001'), uscc(R2, 'MA100002')
        self.e1 = ok(a.post('/api/v1/enterprises', {
            'uscc': self.uscc1, 'name': '亭湖化工', 'industry_code': '2614', 'region_code': T1,
            'grid_id': self.g1}))['id']
        self.e2 = ok(a.post('/api/v1/enterprises', {
            'uscc': self.uscc2, 'name': '盐都机械', 'industry_code': '3311', 'region_code': T2}))['id']
        self.o1 = s.user('officer1', 'enterprise_officer', 'enterprise:' + self.uscc1)
        self.o1b = s.user('officer1b', 'enterprise_officer', 'enterprise:' + self.uscc1)
        self.o2 = s.user('officer2', 'enterprise_officer', 'enterprise:' + self.uscc2)
        self.insp1 = s.user('inspector1', 'inspector', 'region:' + R1)
        self.insp2 = s.user('inspector2', 'inspector', 'region:' + R2)
        self.point1, self.measure1 = self.seed(self.o1, '储罐区', 'team')
        self.point2, self.measure2 = self.seed(self.o2, '冲压车间', 'post')

    def seed(self, officer, name, level):
        """A unit, point, danger source and control measure made by the enterprise's officer
        through the risk-core routes; returns (point id, measure id)."""
        def ok(r):
            self.t.status(r, 201, 'risk fixture')
            return r.json
        unit = ok(officer.post('/api/v1/risk/units', {'kind': 'place', 'name': name + '单元'}))
        point = ok(officer.post('/api/v1/risk/points', {'unit_id': unit['id'], 'kind': 'place',
                                                        'name': name}))
        src = ok(officer.post(f'/api/v1/risk/points/{point["id"]}/sources',
                              {'name': '可燃气体泄漏', 'factor': 'object', 'accident_types': [17]}))
        measure = ok(officer.post(f'/api/v1/risk/sources/{src["id"]}/measures',
                                  {'kind': 'engineering', 'description': '可燃气体报警器完好',
                                   'control_level': level, 'responsible_name': '张三'}))
        return point['id'], measure['id']

    def item(self, schedule='daily', start=None, who=None, measure=None, content='检查报警器'):
        body = {'content': content, 'schedule': schedule,
                'assignee_id': (who or self.o1).id}
        if start is not None:
            body['start_ms'] = start
        r = self.a.post(f'/api/v1/risk/measures/{measure or self.measure1}/items', body)
        self.t.status(r, 201, 'item')
        return r.json

    def tasks(self, c, query=''):
        r = c.get('/api/v1/risk/tasks?limit=500' + query)
        self.t.status(r, 200, 'tasks')
        return r.json['items']

    def restart(self, now):
        self.s.stop()
        self.s.extra = [x for x in self.s.extra]
        i = self.s.extra.index('--set')
        self.s.extra[i + 1] = f'fake.now_ms={now}'
        self.s.start()

    def by_item(self, item_id):
        return self.s.sql('SELECT period_label, period_start_ms, period_end_ms, state FROM '
                          'check_task WHERE item_id = ? ORDER BY period_start_ms', (item_id,))


def test_items_crud_and_validation(t):
    w = World(t)
    o1 = w.o1
    url = f'/api/v1/risk/measures/{w.measure1}/items'
    r = o1.post(url, {'content': '检查报警器', 'schedule': 'daily', 'assignee_id': w.o1b.id})
    t.status(r, 201)
    it = r.json
    for k, v in (('enterprise_id', w.e1), ('point_id', w.point1), ('point_name', '储罐区'),
                 ('measure_id', w.measure1), ('measure_description', '可燃气体报警器完好'),
                 ('control_level', 'team'), ('schedule', 'daily'), ('assignee_id', w.o1b.id),
                 ('assignee_name', 'officer1b'), ('active', True), ('start_ms', NOW)):
        t.eq(it[k], v, k)
    # every bad field named
    r = o1.post(url, {'content': ' ', 'schedule': 'hourly', 'assignee_id': w.o2.id})
    t.problem(r, 422, 'content')
    t.problem(r, 422, 'schedule')
    t.problem(r, 422, 'assignee_id')
    t.problem(o1.post(url, {'content': 'x', 'schedule': 'daily', 'assignee_id': w.insp1.id}),
              422, 'assignee_id')
    r = o1.post(url, {'schedule': 'weekdays', 'assignee_id': w.o1.id})
    t.problem(r, 422, 'content')
    t.problem(r, 422, 'schedule')
    t.problem(o1.post(url, {'content': 'x', 'schedule': 'daily', 'assignee_id': w.o1.id,
                            'colour': 'red'}), 422, 'colour')
    t.problem(o1.post(url, {'content': 'x', 'schedule': 'daily', 'assignee_id': 'me'}), 422,
              'assignee_id')
    # permission and scope: an inspector may not write; another enterprise's officer sees nothing
    t.problem(w.insp1.post(url, {'content': 'x', 'schedule': 'daily', 'assignee_id': w.o1.id}), 403)
    t.problem(w.o2.post(url, {'content': 'x', 'schedule': 'daily', 'assignee_id': w.o2.id}), 404)
    t.problem(w.o2.get(url), 404)
    t.eq([i['id'] for i in w.insp1.get(url).json['items']], [it['id']], 'inspector R1 reads')
    t.eq(w.insp2.get('/api/v1/risk/check-items').json['items'], [], 'inspector R2 sees none')
    # list filters
    t.eq([i['id'] for i in o1.get(f'/api/v1/risk/check-items?point_id={w.point1}').json['items']],
         [it['id']])
    t.eq(o1.get(f'/api/v1/risk/check-items?point_id={w.point2}').json['items'], [])
    t.problem(o1.get('/api/v1/risk/check-items?colour=red'), 400)
    # patch
    r = o1.patch(f'/api/v1/risk/check-items/{it["id"]}', {'schedule': 'weekly', 'active': False})
    t.status(r, 200)
    t.eq((r.json['schedule'], r.json['active']), ('weekly', False))
    t.problem(o1.patch(f'/api/v1/risk/check-items/{it["id"]}', {'assignee_id': w.o2.id}), 422,
              'assignee_id')
    t.problem(w.o2.patch(f'/api/v1/risk/check-items/{it["id"]}', {'content': 'y'}), 404)
    t.eq(len(w.s.sql("SELECT id FROM audit_log WHERE action LIKE 'risk.check_item.%'")), 2)
    # delete: refused once the item has tasks
    r = o1.patch(f'/api/v1/risk/check-items/{it["id"]}', {'active': True})
    t.status(r, 200)
    t.true(len(w.tasks(o1)) == 1, 'the current task was generated')
    t.problem(o1.delete(f'/api/v1/risk/check-items/{it["id"]}'), 409)
    other = w.item('monthly', start=NOW + 86400000 * 40)   # starts later: no task yet
    t.status(o1.delete(f'/api/v1/risk/check-items/{other["id"]}'), 204)



def test_daily_task_across_midnight_utc8_over_http(t):
    before = ms('2026-11-29T15:59:59.999Z')   # 23:59:59.999 local on the 29th
    w = World(t, now=before)
    item = w.item('daily', start=before)
    tasks = w.tasks(w.o1)
    t.eq([(x['period_label'], x['period_start_ms'], x['period_end_ms'], x['state'])
          for x in tasks],
         [('2026-11-29', ms('2026-11-28T16:00:00Z'), ms('2026-11-29T16:00:00Z'), 'open')])
    t.eq(tasks[0]['schedule'], 'daily')
    t.eq(tasks[0]['assignee_id'], w.o1.id)
    w.restart(ms('2026-11-29T16:00:00Z'))      # 00:00 local on the 30th
    tasks = w.tasks(w.o1)
    t.eq([(x['period_label'], x['state']) for x in tasks],
         [('2026-11-30', 'open'), ('2026-11-29', 'missed')])
    # the old one can no longer be done
    t.problem(w.o1.post(f'/api/v1/risk/tasks/{tasks[1]["id"]}/pass', {}), 409)
    t.eq(w.by_item(item['id'])[0][0], '2026-11-29')


def test_monthly_weekly_and_shift_schedules(t):
    w = World(t)
    # a monthly task on the 31st: Jan 31 23:59 local is January, Feb 1 00:00 local February
    m = w.item('monthly', start=ms('2027-01-31T15:59:00Z'))
    r = scan(w.s, ms('2027-01-31T15:59:00Z'))
    t.eq(r.returncode, 0, r.stderr)
    t.eq([x[0] for x in w.by_item(m['id'])], ['2027-01'])
    r = scan(w.s, ms('2027-01-31T16:00:00Z'))
    t.eq(r.returncode, 0, r.stderr)
    t.eq(w.by_item(m['id']),
         [('2027-01', ms('2026-12-31T16:00:00Z'), ms('2027-01-31T16:00:00Z'), 'missed'),
          ('2027-02', ms('2027-01-31T16:00:00Z'), ms('2027-02-28T16:00:00Z'), 'open')])
    # February of the leap year 2028 has 29 days
    leap = w.item('monthly', start=ms('2028-02-29T15:59:59Z'))
    t.eq(scan(w.s, ms('2028-02-29T15:59:59Z')).returncode, 0)
    t.eq(w.by_item(leap['id'])[-1],
         ('2028-02', ms('2028-01-31T16:00:00Z'), ms('2028-02-29T16:00:00Z'), 'open'))
    # a weekly task across the year end: 2026-12-31 is a Thursday, W53 = Mon 28 Dec .. Sun 3 Jan
    wk = w.item('weekly', start=ms('2026-12-31T04:00:00Z'))
    t.eq(scan(w.s, ms('2027-01-03T15:59:59Z')).returncode, 0)
    t.eq(w.by_item(wk['id']),
         [('2026-W53', ms('2026-12-27T16:00:00Z'), ms('2027-01-03T16:00:00Z'), 'open')])
    t.eq(scan(w.s, ms('2027-01-03T16:00:00Z')).returncode, 0)
    t.eq([(x[0], x[3]) for x in w.by_item(wk['id'])],
         [('2026-W53', 'missed'), ('2027-W01', 'open')])
    # shifts across midnight with the default 08:00,16:00,00:00
    sh = w.item('shift', start=ms('2026-11-29T15:00:00Z'))          # 23:00 local
    t.eq(scan(w.s, ms('2026-11-29T17:00:00Z')).returncode, 0)       # 01:00 local on the 30th
    t.eq(w.by_item(sh['id']),
         [('2026-11-29#3', ms('2026-11-29T08:00:00Z'), ms('2026-11-29T16:00:00Z'), 'missed'),
          ('2026-11-30#1', ms('2026-11-29T16:00:00Z'), ms('2026-11-30T00:00:00Z'), 'open')])
    # a bad risk.shift_starts is refused (nothing runs)
    r = scan(w.s, NOW, '--set', 'risk.shift_starts=08:00,25:00')
    t.eq(r.returncode, 2, r.stderr)
    t.true('risk.shift_starts' in r.stderr, r.stderr)
    r = subprocess.run([BIN, 'serve', '--db', w.s.db, '--port', '0', '--set',
                        'risk.shift_starts=8h'], capture_output=True, text=True, timeout=60)
    t.eq(r.returncode, 2, r.stderr)


def test_missed_counted_once_across_two_scans(t):
    w = World(t)
    item = w.item('daily', start=NOW)
    later = NOW + 2 * 86400000                                       # two days on
    r1 = scan(w.s, later)
    t.eq(r1.returncode, 0, r1.stderr)
    audits = w.s.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'risk.scan'")[0][0]
    r2 = scan(w.s, later)
    t.eq(r2.returncode, 0, r2.stderr)
    t.true('0 tasks created, 0 newly missed' in r2.stdout, r2.stdout)
    t.eq(w.s.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'risk.scan'")[0][0], audits,
         'a second pass writes nothing')
    t.eq([(x[0], x[3]) for x in w.by_item(item['id'])],
         [('2026-11-29', 'missed'), ('2026-11-30', 'missed'), ('2026-12-01', 'open')])
    r = w.a.get('/api/v1/risk/check-completion?by=enterprise')
    t.status(r, 200)
    row = [x for x in r.json['items'] if x['key'] == str(w.e1)][0]
    t.eq((row['total'], row['missed'], row['open'], row['completion_rate']), (3, 2, 1, 0.0))


def test_pass_fail_one_hazard_and_409(t):
    w = World(t)
    w.item('daily', start=NOW, content='检查报警器')
    w.item('shift', start=NOW, content='巡检储罐液位')
    tasks = w.tasks(w.o1, '&assignee=me')
    t.eq(sorted(x['schedule'] for x in tasks), ['daily', 'shift'])
    daily = [x for x in tasks if x['schedule'] == 'daily'][0]
    shift = [x for x in tasks if x['schedule'] == 'shift'][0]
    t.eq(shift['period_label'], '2026-11-29#2')           # 12:00 local: the 08:00 shift
    # not mine: 403 for another officer of the enterprise, 404 for another enterprise's
    t.problem(w.o1b.post(f'/api/v1/risk/tasks/{daily["id"]}/pass', {}), 403)
    t.problem(w.o2.post(f'/api/v1/risk/tasks/{daily["id"]}/pass', {}), 404)
    t.problem(w.o2.post(f'/api/v1/risk/tasks/{daily["id"]}/fail', {'description': 'x'}), 404)
    t.problem(w.o2.get(f'/api/v1/risk/tasks/{daily["id"]}'), 404)
    t.problem(w.insp1.post(f'/api/v1/risk/tasks/{daily["id"]}/pass', {}), 403)
    # pass
    r = w.o1.post(f'/api/v1/risk/tasks/{daily["id"]}/pass', {'note': '正常'})
    t.status(r, 200)
    t.eq((r.json['state'], r.json['done_by'], r.json['done_ms'], r.json['note']),
         ('passed', w.o1.id, NOW, '正常'))
    t.problem(w.o1.post(f'/api/v1/risk/tasks/{daily["id"]}/pass', {}), 409)
    t.problem(w.o1.post(f'/api/v1/risk/tasks/{daily["id"]}/fail', {'description': 'x'}), 409)
    # fail: validation first
    r = w.o1.post(f'/api/v1/risk/tasks/{shift["id"]}/fail', {'description': ' ', 'level': 'big'})
    t.problem(r, 422, 'description')
    t.problem(r, 422, 'level')
    t.eq(w.s.sql('SELECT COUNT(*) FROM hazard')[0][0], 0, 'nothing opened by a refused fail')
    r = w.o1.post(f'/api/v1/risk/tasks/{shift["id"]}/fail',
                  {'description': '液位计失灵', 'location': '2号储罐'})
    t.status(r, 200)
    t.eq(r.json['state'], 'failed')
    hid = r.json['hazard_id']
    t.true(hid and r.json['hazard_number'].startswith('YH-320902001-2026-'), r.json)
    h = w.o1.get(f'/api/v1/hazards/{hid}')
    t.status(h, 200)
    h = h.json
    for k, v in (('risk_point_id', w.point1), ('risk_point_name', '储罐区'),
                 ('check_task_id', shift['id']), ('source', 'self_check'), ('level', 'general'),
                 ('enterprise_id', w.e1), ('reporter_id', w.o1.id), ('state', 'reported'),
                 ('description', '液位计失灵'), ('location', '2号储罐')):
        t.eq(h[k], v, k)
    t.eq([e['action'] for e in h['timeline']], ['report'])
    # an inspector of the region sees it with its point too
    t.eq(w.insp1.get(f'/api/v1/hazards/{hid}').json['risk_point_name'], '储罐区')
    t.problem(w.o1.post(f'/api/v1/risk/tasks/{shift["id"]}/fail', {'description': '再报'}), 409)
    t.problem(w.o1.post(f'/api/v1/risk/tasks/{shift["id"]}/pass', {}), 409)
    t.eq(w.s.sql('SELECT COUNT(*) FROM hazard WHERE check_task_id = ?', (shift['id'],))[0][0], 1)
    t.eq(w.s.sql('SELECT COUNT(*) FROM hazard')[0][0], 1, 'exactly one hazard')
    acts = [a for (a,) in w.s.sql('SELECT action FROM audit_log ORDER BY id')]
    t.true('hazard.report' in acts and 'risk.task.fail' in acts and 'risk.task.pass' in acts, acts)
    # a hazard reported the normal way has no point
    r = w.o1.post('/api/v1/hazards', {'enterprise_id': w.e1, 'location': '罐区', 'category': 'site',
                                      'level': 'general', 'description': '普通上报'})
    t.status(r, 201)
    t.eq((r.json['risk_point_id'], r.json['risk_point_name'], r.json['check_task_id']),
         (None, None, None))


def test_completion_rates_and_scope(t):
    w = World(t)
    a = w.item('daily', start=NOW - 86400000)                      # yesterday and today
    w.item('daily', start=NOW, who=w.o2, measure=w.measure2)
    tasks = w.tasks(w.o1)
    t.eq([x['period_label'] for x in tasks], ['2026-11-29', '2026-11-28'])
    t.eq(tasks[1]['state'], 'missed')
    t.status(w.o1.post(f'/api/v1/risk/tasks/{tasks[0]["id"]}/pass', {}), 200)
    t.eq(len(w.tasks(w.o2)), 1)
    # scope of the lists: each officer its own; inspectors their region; admin all
    t.eq({x['enterprise_id'] for x in w.tasks(w.o1)}, {w.e1})
    t.eq({x['enterprise_id'] for x in w.tasks(w.insp1)}, {w.e1})
    t.eq({x['enterprise_id'] for x in w.tasks(w.insp2)}, {w.e2})
    t.eq({x['enterprise_id'] for x in w.tasks(w.a)}, {w.e1, w.e2})
    t.problem(w.insp2.get(f'/api/v1/risk/tasks/{tasks[0]["id"]}'), 404)
    t.status(w.insp1.get(f'/api/v1/risk/tasks/{tasks[0]["id"]}'), 200)
    # filters
    t.eq([x['id'] for x in w.tasks(w.o1, '&state=missed')], [tasks[1]['id']])
    t.eq([x['id'] for x in w.tasks(w.o1, '&from=2026-11-29&to=2026-11-29')], [tasks[0]['id']])
    t.eq(w.tasks(w.o1, '&schedule=weekly'), [])
    t.problem(w.o1.get('/api/v1/risk/tasks?state=done'), 400, 'state')
    t.problem(w.o1.get('/api/v1/risk/tasks?assignee=7'), 400, 'assignee')
    t.problem(w.o1.get('/api/v1/risk/tasks?from=2026-02-30'), 400, 'from')
    # completion: E1 has 1 passed (ended? no: today's period is still running) and 1 missed
    r = w.a.get('/api/v1/risk/check-completion?by=enterprise')
    t.status(r, 200)
    rows = {x['key']: x for x in r.json['items']}
    e1 = rows[str(w.e1)]
    t.eq((e1['name'], e1['total'], e1['passed'], e1['failed'], e1['missed'], e1['open']),
         ('亭湖化工', 2, 1, 0, 1, 0))
    t.eq(e1['completion_rate'], 0.0, 'only ended periods count: the passed one runs until midnight')
    t.eq(rows[str(w.e2)]['completion_rate'], None, 'nothing ended yet')
    # a day later the passed task's period has ended: 1 of 2 ended tasks was done
    w.restart(NOW + 86400000)
    r = w.a.get('/api/v1/risk/check-completion?by=enterprise&from=2026-11-28&to=2026-11-29')
    e1 = {x['key']: x for x in r.json['items']}[str(w.e1)]
    t.eq((e1['total'], e1['completion_rate']), (2, 0.5))
    r = w.a.get('/api/v1/risk/check-completion?by=level')
    t.eq({x['key']: x['name'] for x in r.json['items']}, {'team': '班组级', 'post': '岗位级'})
    r = w.insp1.get('/api/v1/risk/check-completion?by=region')
    t.status(r, 200)
    t.eq([(x['key'], x['name']) for x in r.json['items']], [(R1, '亭湖区')])
    t.eq([x['key'] for x in w.insp2.get('/api/v1/risk/check-completion').json['items']],
         [str(w.e2)])
    t.problem(w.a.get('/api/v1/risk/check-completion?by=grid'), 400, 'by')
    t.problem(w.a.get('/api/v1/risk/check-completion?x=1'), 400)
    t.problem(w.s.anon().get('/api/v1/risk/check-completion'), 401)
    t.eq(len(w.by_item(a['id'])), 2, 'reading the rates generates nothing')


def test_no_missed_checks_while_inactive_or_after_a_schedule_change(t):
    """An item (or its measure) made inactive and active again days later owes no task for
    the days it was inactive. An item with tasks keeps its schedule (409 naming schedule:
    tasks are keyed by item and period start, so daily -> weekly on a Monday would collide);
    an item without tasks yet may change it."""
    day = 86400000
    w = World(t)
    paused = w.item('daily', start=NOW, content='停用十天')
    by_measure = w.item('daily', start=NOW, measure=w.measure1, content='措施停用')
    changed = w.item('monthly', start=NOW, content='月改日')
    t.status(w.a.get('/api/v1/risk/tasks'), 200)
    t.eq(scan(w.s, NOW).returncode, 0)
    t.status(w.a.patch(f'/api/v1/risk/check-items/{paused["id"]}', {'active': False}), 200)
    t.problem(w.a.patch(f'/api/v1/risk/check-items/{changed["id"]}', {'schedule': 'daily'}),
              409, 'schedule')
    t.eq([(x[0], x[3]) for x in w.by_item(changed['id'])], [('2026-11', 'open')],
         'the monthly task is kept')
    later = w.item('monthly', start=NOW + 40 * day, content='未开始的月检')
    r = w.a.patch(f'/api/v1/risk/check-items/{later["id"]}', {'schedule': 'weekly'})
    t.status(r, 200)
    t.eq(r.json['schedule'], 'weekly', 'an item without tasks changes its schedule')
    w.restart(NOW + 10 * day)                                         # 2026-12-09
    t.status(w.a.patch(f'/api/v1/risk/check-items/{paused["id"]}', {'active': True}), 200)
    t.eq(scan(w.s, NOW + 10 * day).returncode, 0)
    t.eq([(x[0], x[3]) for x in w.by_item(paused['id'])],
         [('2026-11-29', 'missed'), ('2026-12-09', 'open')], 'no task while inactive')
    # the same through the measure: inactive 2026-12-09 .. 2026-12-12
    t.status(w.o1.patch(f'/api/v1/risk/measures/{w.measure1}', {'active': False}), 200)
    w.restart(NOW + 13 * day)
    t.status(w.o1.patch(f'/api/v1/risk/measures/{w.measure1}', {'active': True}), 200)
    t.eq(scan(w.s, NOW + 13 * day).returncode, 0)
    t.eq([x[0] for x in w.by_item(by_measure['id'])][-2:], ['2026-12-09', '2026-12-12'],
         'no task while the measure was inactive')


def test_item_of_a_locked_assignee_can_be_deactivated(t):
    """An item whose assignee was locked (or left the enterprise) can still be made inactive
    or reworded; naming that assignee again, or making the item active again, is refused."""
    w = World(t)
    item = w.item('daily')
    path = f'/api/v1/risk/check-items/{item["id"]}'
    t.status(w.a.patch(f'/api/v1/users/{w.o1.id}', {'locked': True}), 200)
    r = w.a.patch(path, {'active': False})
    t.status(r, 200)
    t.eq(r.json['active'], False)
    t.status(w.a.patch(path, {'content': '检查报警器和探头'}), 200)
    t.problem(w.a.patch(path, {'active': True}), 422, 'assignee_id')
    t.problem(w.a.patch(path, {'assignee_id': w.o1.id}), 422, 'assignee_id')
    r = w.a.patch(path, {'active': True, 'assignee_id': w.o1b.id})
    t.status(r, 200)
    t.eq((r.json['active'], r.json['assignee_id']), (True, w.o1b.id))


def test_measure_of_a_departed_responsible_user_can_be_changed(t):
    """A measure whose responsible account has since moved to another enterprise can still be
    changed (made inactive); naming that account again is refused."""
    w = World(t)
    path = f'/api/v1/risk/measures/{w.measure1}'
    t.status(w.o1.patch(path, {'responsible_user_id': w.o1b.id}), 200)
    t.status(w.a.patch(f'/api/v1/users/{w.o1b.id}', {'scope': 'enterprise:' + w.uscc2}), 200)
    r = w.o1.patch(path, {'active': False})
    t.status(r, 200)
    t.eq(r.json['active'], False)
    t.problem(w.o1.patch(path, {'responsible_user_id': w.o1b.id}), 422, 'responsible_user_id')
def read_xlsx(data):
    """The first sheet of an XLSX file as rows of texts (stdlib only)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if 'xl/sharedStrings.xml' in z.namelist():
        for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall('m:si', NS):
            shared.append(''.join(x.text or '' for x in si.iter(f'{{{NS["m"]}}}t')))
    rows = []
    for r in ET.fromstring(z.read('xl/worksheets/sheet1.xml')).iter(f'{{{NS["m"]}}}row'):
        cells = {}
        for c in r.findall('m:c', NS):
            idx = 0
            for ch in re.match(r'[A-Z]+', c.get('r')).group(0):
                idx = idx * 26 + ord(ch) - ord('A') + 1
            v = c.find('m:v', NS)
            if c.get('t') == 's':
                cells[idx - 1] = shared[int(v.text)]
            elif c.get('t') == 'inlineStr':
                cells[idx - 1] = ''.join(x.text or '' for x in c.iter(f'{{{NS["m"]}}}t'))
            else:
                cells[idx - 1] = v.text if v is not None else ''
        rows.append([cells.get(i, '') for i in range(max(cells) + 1)] if cells else [])
    return rows


def read_csv(data):
    text = data.decode('utf-8')
    assert text.startswith('\ufeff'), 'CSV without a byte-order mark'
    return list(csv.reader(io.StringIO(text[1:])))


def test_completion_export_reads_back(t):
    """GET /risk/check-completion/export: the rows of /risk/check-completion (same by, from,
    to, scope) under Chinese headers, as xlsx (default) or csv."""
    w = World(t)
    w.item('daily', start=NOW - 2 * 86400000)                      # 11-27, 11-28, 11-29
    w.item('daily', start=NOW, who=w.o2, measure=w.measure2)
    today = [x for x in w.tasks(w.o1) if x['state'] == 'open']
    t.eq(len(today), 1)
    t.status(w.o1.post(f'/api/v1/risk/tasks/{today[0]["id"]}/pass', {}), 200)
    w.tasks(w.o2)
    w.restart(NOW + 86400000)             # 11-30: 1 of 3 ended tasks done (no scan ran yet)
    want = {x['key']: x for x in
            w.a.get('/api/v1/risk/check-completion?by=enterprise').json['items']}
    t.eq((want[str(w.e1)]['passed'], want[str(w.e1)]['missed'],
          want[str(w.e1)]['completion_rate']), (1, 2, 0.3333))
    r = w.a.get('/api/v1/risk/check-completion/export?by=enterprise&format=csv')
    t.status(r, 200)
    t.true(r.header('content-type').startswith('text/csv'), r.header('content-type'))
    t.true(re.search(r'attachment; filename="?risk-check-completion-enterprise-2026-11-30\.csv',
                     r.header('content-disposition') or ''), r.header('content-disposition'))
    rows = read_csv(r.body)
    t.eq(rows[0], ['企业名称', '任务数', '正常', '有隐患', '漏检', '待检查', '完成率'])
    got = {row[0]: row[1:] for row in rows[1:]}
    t.eq(got, {x['name']: [str(x['total']), str(x['passed']), str(x['failed']),
                           str(x['missed']), str(x['open']),
                           '' if x['completion_rate'] is None
                           else f'{x["completion_rate"] * 100:.1f}%']
               for x in want.values()})
    t.eq(got['亭湖化工'], ['3', '1', '0', '2', '0', '33.3%'])
    r = w.a.get('/api/v1/risk/check-completion/export?by=level')   # xlsx by default
    t.status(r, 200)
    t.true(r.header('content-type').startswith('application/vnd.openxmlformats'))
    x = read_xlsx(r.body)
    t.eq(x[0][:2], ['管控层级', '任务数'])
    t.eq(sorted(row[0] for row in x[1:]), ['岗位级', '班组级'])
    # the same filters and scope as the JSON: an inspector of R2 sees E2 only
    x = read_xlsx(w.insp2.get('/api/v1/risk/check-completion/export?by=region').body)
    t.eq(x[0][0], '行政区划')
    t.eq([row[:3] for row in x[1:]], [['盐都区', '1', '0']])
    rows = read_csv(w.a.get('/api/v1/risk/check-completion/export?format=csv&from=2026-11-29'
                            '&to=2026-11-29').body)
    t.eq(sorted((row[0], row[1], row[6]) for row in rows[1:]),
         [('亭湖化工', '1', '100.0%'), ('盐都机械', '1', '0.0%')])
    rows = read_csv(w.a.get('/api/v1/risk/check-completion/export?format=csv&from=2026-12-01').body)
    t.eq(rows, [rows[0]], 'no task: the headers only')
    t.problem(w.a.get('/api/v1/risk/check-completion/export?format=pdf'), 400, 'format')
    t.problem(w.a.get('/api/v1/risk/check-completion/export?by=grid'), 400, 'by')
    t.problem(w.a.get('/api/v1/risk/check-completion/export?limit=5'), 400)
    t.problem(w.a.get('/api/v1/risk/check-completion?format=csv'), 400)
    t.problem(w.s.anon().get('/api/v1/risk/check-completion/export'), 401)


def test_scheduler_runs_the_risk_pass_inside_serve(t):
    w = World(t)
    item = w.item('daily', start=NOW - 3 * 86400000)
    w.s.stop()
    i = w.s.extra.index('hazard.scan_interval_s=0')
    w.s.extra[i] = 'hazard.scan_interval_s=1'
    w.s.start()
    import time
    deadline = time.time() + 20
    while time.time() < deadline and len(w.by_item(item['id'])) < 4:
        time.sleep(0.2)
    t.eq([(x[0], x[3]) for x in w.by_item(item['id'])],
         [('2026-11-26', 'missed'), ('2026-11-27', 'missed'), ('2026-11-28', 'missed'),
          ('2026-11-29', 'open')])


if __name__ == '__main__':
    run(globals())
