#!/usr/bin/env python3
"""Hidden hazards after the life cycle (issue 4 §3-§5): the overdue scan (idempotent; an
injected clock moves a major hazard from due to overdue the next day -> supervision proposed
and notifications; overdue_30 at day 30 vs 31; blacklist rules B1/B2; closed hazards lift
their supervision; the scheduler inside `anjian serve`), notifications (one's own only), the
four lists with their exports and the statistics in every role's scope, listed-supervision
actions (leaders only) and blacklist actions.

Hazards are seeded straight into the database (the life-cycle routes are the core branch's):
rows consistent with migration 0008, with the enterprise's region, grid and industry."""
import csv
import datetime
import io
import os
import subprocess
import time

from harness import BIN, SRC_ROOT, run, uscc

R1, R2 = '320902', '320903'            # 亭湖区, 盐都区 (盐城市)
T1, T2 = '320902001', '320903002'
UTC = datetime.timezone.utc
DEADLINE = '2026-12-01'


def at_local_noon(d):
    """The instant (ms) of 12:00 in UTC+8 on local date d ('YYYY-MM-DD')."""
    y, m, dd = map(int, d.split('-'))
    return int(datetime.datetime(y, m, dd, 4, 0, tzinfo=UTC).timestamp() * 1000)


def plus(d, days):
    return (datetime.date.fromisoformat(d) + datetime.timedelta(days=days)).isoformat()


def scan(s, day, *extra):
    """`anjian hazard scan` at noon (UTC+8) of local date day; returns its stdout."""
    r = subprocess.run([BIN, 'hazard', 'scan', '--db', s.db, '--data-dir',
                        os.path.join(SRC_ROOT, 'data'), '--set',
                        f'fake.now_ms={at_local_noon(day)}', *extra],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


class World:
    """Two enterprises: E1 in town T1 of R1 (grid G1, supervising dept D1) and E2 in T2 of R2
    (grid G2), and a user for every role that the scan notifies or the lists scope."""

    def __init__(self, t, day=DEADLINE, extra=()):
        self.t = t
        self.s = s = t.server(['--set', f'fake.now_ms={at_local_noon(day)}',
                               '--set', 'hazard.scan_interval_s=0', *extra])
        self.a = a = s.admin()

        def ok(r, status=201):
            t.status(r, status, 'fixture')
            return r.json

        self.dept = ok(a.post('/api/v1/depts', {'name': '亭湖区应急管理局', 'region_code': R1}))['id']
        self.g1 = ok(a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格', 'region_code': T1}))['id']
        self.g2 = ok(a.post('/api/v1/grids', {'code': 'G2', 'name': '张庄一网格', 'region_code': T2}))['id']
        self.uscc1, self.uscc2 = uscc(R1, 'MA100001'), uscc(R2, 'MA100002')
        self.e1 = ok(a.post('/api/v1/enterprises', {
            'uscc': self.uscc1, 'name': '亭湖化工', 'industry_code': '2614', 'region_code': T1,
            'grid_id': self.g1, 'supervising_dept_id': self.dept}))['id']
        self.e2 = ok(a.post('/api/v1/enterprises', {
            'uscc': self.uscc2, 'name': '盐都机械', 'industry_code': '3311', 'region_code': T2,
            'grid_id': self.g2}))['id']
        self.officer = s.user('officer1', 'enterprise_officer', 'enterprise:' + self.uscc1)
        self.officer2 = s.user('officer2', 'enterprise_officer', 'enterprise:' + self.uscc2)
        self.patroller = s.user('patroller1', 'grid_patroller', f'grids:{self.g1}')
        self.patroller2 = s.user('patroller2', 'grid_patroller', f'grids:{self.g2}')
        self.inspector = s.user('inspector1', 'inspector', 'region:' + R1)
        ok(a.patch(f'/api/v1/users/{self.inspector.id}', {'dept_id': self.dept}), 200)
        self.inspector_nodept = s.user('inspector2', 'inspector', 'region:' + R1)
        self.leader = s.user('leader1', 'leader', 'region:' + R1)
        self.leader2 = s.user('leader2', 'leader', 'region:' + R2)
        self.seq = 0

    def hazard(self, enterprise=None, level='general', state='rectifying', deadline=DEADLINE,
               found=None, closed_ms=None, send_backs=0):
        """Inserts a hazard of the enterprise (its region, grid and industry copied)."""
        s = self.s
        ent = enterprise or self.e1
        region, grid, industry = s.sql('SELECT region_code, grid_id, industry_code FROM '
                                       'enterprise WHERE id = ?', (ent,))[0]
        self.seq += 1
        number = f'YH-{region[:6]}-2026-{self.seq:06d}'
        found_ms = at_local_noon(found or '2026-11-01')
        planned = state in ('rectifying', 'submitted', 'closed')
        s.sql('INSERT INTO hazard (number, enterprise_id, region_code, grid_id, industry_code, '
              'source, found_ms, location, category, level, description, state, measures, '
              'responsible, funds_yuan, emergency, deadline, send_backs, closed_ms, created_ms, '
              'updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
              (number, ent, region, grid, industry, 'grid_patrol', found_ms, '罐区', 'site', level,
               '储罐区可燃气体报警器失效', state, '更换报警器' if planned else None,
               '王五' if planned else None, 5000 if planned else None,
               '应急预案' if planned else None, deadline if planned else None, send_backs,
               closed_ms, found_ms, found_ms))
        return s.sql('SELECT id FROM hazard WHERE number = ?', (number,))[0][0]

    def counts(self):
        return [self.s.sql(f'SELECT COUNT(*) FROM {table}')[0][0] for table in (
            'hazard_event', 'notification', 'hazard_supervision', 'hazard_accountability',
            'enterprise_blacklist', 'audit_log')]


def kinds(c):
    r = c.get('/api/v1/notifications?limit=500')
    assert r.status == 200, r
    return sorted((n['kind'], n['entity_id']) for n in r.json['items'])


def test_life_cycle_routes_then_the_scan_the_next_day(t):
    """Through the core's routes: a patroller reports, the supervising department's inspector
    confirms it as major (criterion of the chemical set), the officer plans with today's
    deadline; the scan the next day escalates it, and with the server's clock moved on the
    hazard shows overdue, its timeline the system's events, its supervision proposed; the
    leader lists it and the detail says so."""
    w = World(t)
    r = w.patroller.post('/api/v1/hazards', {'enterprise_id': w.e1, 'location': '罐区',
                                             'category': 'site', 'level': 'general',
                                             'description': '可燃气体报警器失效'})
    t.status(r, 201)
    hid = r.json['id']
    crit = w.inspector.get(f'/api/v1/hazard-criteria?enterprise_id={w.e1}').json['items'][0]
    t.status(w.inspector.post(f'/api/v1/hazards/{hid}/actions/confirm',
                              {'level': 'major', 'criterion_id': crit['id']}), 200)
    r = w.officer.post(f'/api/v1/hazards/{hid}/actions/plan', {
        'measures': '更换报警器', 'responsible': '王五', 'funds_yuan': 8000,
        'emergency': '停用储罐，设警戒区', 'deadline': DEADLINE})
    t.status(r, 200)
    t.eq(r.json['deadline_state'], 'due_soon')
    scan(w.s, DEADLINE)
    t.eq(w.s.sql('SELECT COUNT(*) FROM hazard_supervision')[0][0], 0)
    scan(w.s, plus(DEADLINE, 1))
    w.s.stop()
    w.s.extra = ['--set', f'fake.now_ms={at_local_noon(plus(DEADLINE, 1))}',
                 '--set', 'hazard.scan_interval_s=0'] + w.s.extra[4:]
    w.s.start()
    d = w.officer.get(f'/api/v1/hazards/{hid}').json
    t.eq((d['deadline_state'], d['days_left']), ('overdue', -1))
    t.eq(d['supervision']['state'], 'proposed')
    actions = [(e['action'], e['actor_login']) for e in d['timeline']]
    t.true(('overdue', 'system') in actions and ('supervision_proposed', 'system') in actions,
           actions)
    r = w.leader.get('/api/v1/hazard-lists/rectification')
    t.eq([(i['id'], i['deadline_state']) for i in r.json['items']], [(hid, 'overdue')])
    t.true(('hazard.supervision_proposed', hid) in kinds(w.leader))
    t.true(('hazard.overdue', hid) in kinds(w.inspector))
    t.status(w.leader.post(f'/api/v1/hazards/{hid}/supervise', {'deadline': plus(DEADLINE, 3)}),
             200)
    d = w.officer.get(f'/api/v1/hazards/{hid}').json
    t.eq((d['supervision']['state'], d['supervision']['deadline']), ('listed', plus(DEADLINE, 3)))


def test_major_hazard_overdue_the_next_day_and_a_second_pass_writes_nothing(t):
    """Deadline 2026-12-01 falls due at the end of that day (UTC+8): at noon on 12-01 the
    scan does nothing; at noon on 12-02 the major hazard is overdue -> event, accountability,
    notifications to its officer, grid patroller and the supervising department's inspector,
    a proposed supervision (overdue_major) notified to the leader of its region only, and a
    B1 blacklist proposal. A second pass writes no row (idempotent)."""
    w = World(t)
    major = w.hazard(level='major')
    general = w.hazard(level='general')
    w.hazard(level='major', state='closed', closed_ms=at_local_noon('2026-11-20'))
    out = scan(w.s, DEADLINE)
    t.true('0 newly overdue' in out, out)
    t.eq(w.s.sql('SELECT COUNT(*) FROM hazard_supervision')[0][0], 0)
    out = scan(w.s, plus(DEADLINE, 1))
    t.true('2 newly overdue' in out and '1 supervisions proposed' in out, out)
    events = w.s.sql("SELECT hazard_id, action, actor_login, audit_id IS NOT NULL FROM "
                     "hazard_event ORDER BY id")
    t.true((major, 'overdue', 'system', 1) in events, events)
    t.true((general, 'overdue', 'system', 1) in events, events)
    t.true((major, 'supervision_proposed', 'system', 1) in events, events)
    t.eq(w.s.sql('SELECT state, reason FROM hazard_supervision WHERE hazard_id = ?', (major,)),
         [('proposed', 'overdue_major')])
    t.eq(w.s.sql('SELECT COUNT(*) FROM hazard_supervision WHERE hazard_id = ?', (general,)),
         [(0,)], 'a general hazard 1 day overdue is not proposed')
    t.eq(sorted(w.s.sql('SELECT hazard_id, kind FROM hazard_accountability')),
         sorted([(major, 'overdue'), (general, 'overdue')]))
    overdue = sorted([('hazard.overdue', major), ('hazard.overdue', general)])
    t.eq(kinds(w.officer), overdue, 'officer')
    t.eq(kinds(w.patroller), overdue, 'patroller of G1')
    t.eq(kinds(w.inspector), overdue, 'inspector of the supervising dept')
    t.eq(kinds(w.inspector_nodept), [], 'an inspector of no department')
    t.eq(kinds(w.leader), [('hazard.supervision_proposed', major)], 'leader of R1')
    for c in (w.leader2, w.officer2, w.patroller2):
        t.eq(kinds(c), [], 'outside the hazard')
    t.eq(w.s.sql("SELECT rule, state, hazard_id FROM enterprise_blacklist"),
         [('B1', 'proposed', major)])
    audit = w.s.sql("SELECT action FROM audit_log WHERE actor_login = 'system'")
    for action in ('hazard.overdue', 'hazard.supervision_propose', 'blacklist.propose'):
        t.true((action,) in audit, f'{action} audited: {audit}')
    before = w.counts()
    out = scan(w.s, plus(DEADLINE, 1))
    t.true('0 newly overdue' in out and '0 notifications' in out, out)
    t.eq(w.counts(), before, 'a second pass the same day')
    scan(w.s, plus(DEADLINE, 2))
    t.eq(w.counts()[:5], before[:5], 'a pass the next day: nothing new below 30 days')
    # The leader sees it on the supervision list.
    r = w.leader.get('/api/v1/hazard-lists/supervision?state=proposed')
    t.status(r, 200)
    t.eq([i['hazard_id'] for i in r.json['items']], [major])
    t.eq(r.json['items'][0]['reason'], 'overdue_major')


def test_overdue_30_at_day_31_not_30(t):
    """overdue_30 when more than hazard.overdue_long_days (30) past the deadline: 30 days
    past is still overdue; 31 days past escalates, and a general hazard is then proposed
    for supervision (reason overdue_30)."""
    w = World(t)
    h = w.hazard(level='general')
    scan(w.s, plus(DEADLINE, 30))
    t.eq(w.s.sql("SELECT kind FROM hazard_accountability WHERE hazard_id = ?", (h,)),
         [('overdue',)])
    t.eq(w.s.sql('SELECT COUNT(*) FROM hazard_supervision')[0][0], 0)
    out = scan(w.s, plus(DEADLINE, 31))
    t.true('1 newly overdue_30' in out, out)
    t.eq(sorted(w.s.sql("SELECT kind FROM hazard_accountability WHERE hazard_id = ?", (h,))),
         [('overdue',), ('overdue_30',)])
    t.eq(w.s.sql('SELECT state, reason FROM hazard_supervision WHERE hazard_id = ?', (h,)),
         [('proposed', 'overdue_30')])
    t.true(('hazard.overdue_30', h) in kinds(w.officer))
    t.eq(kinds(w.leader), [('hazard.supervision_proposed', h)])
    # A smaller band from the configuration moves the edge.
    w2 = World(t)
    h2 = w2.hazard(level='general')
    scan(w2.s, plus(DEADLINE, 11), '--set', 'hazard.overdue_long_days=10')
    t.eq(w2.s.sql("SELECT COUNT(*) FROM hazard_accountability WHERE hazard_id = ? AND "
                  "kind = 'overdue_30'", (h2,)), [(1,)])


def test_blacklist_rule_b2_and_closed_hazards_lift_their_supervision(t):
    """B2: a hazard sent back twice proposes its enterprise (even before its deadline). A
    supervision whose hazard was closed is lifted by the next pass."""
    w = World(t)
    sent = w.hazard(level='general', deadline='2026-12-20', send_backs=2)
    major = w.hazard(level='major')
    scan(w.s, plus(DEADLINE, 1))
    t.eq(sorted(w.s.sql("SELECT rule, hazard_id FROM enterprise_blacklist")),
         sorted([('B1', major), ('B2', sent)]))
    w.s.sql("UPDATE hazard SET state = 'closed', closed_ms = ? WHERE id = ?",
            (at_local_noon(plus(DEADLINE, 2)), major))
    out = scan(w.s, plus(DEADLINE, 2))
    t.true('1 supervisions lifted' in out, out)
    t.eq(w.s.sql('SELECT state FROM hazard_supervision WHERE hazard_id = ?', (major,)),
         [('lifted',)])


def test_scheduler_runs_inside_serve_and_stops_cleanly(t):
    """With hazard.scan_interval_s=1 the server's own thread escalates a seeded overdue
    hazard within seconds; SIGTERM stops it with exit status 0 (checked by the harness)."""
    w = World(t, day=plus(DEADLINE, 1), extra=['--set', 'hazard.scan_interval_s=1'])
    h = w.hazard(level='major')
    deadline = time.time() + 20
    while time.time() < deadline and ('hazard.overdue', h) not in kinds(w.officer):
        time.sleep(0.2)
    t.true(('hazard.overdue', h) in kinds(w.officer), 'the scheduler notified the officer')
    t.eq(w.s.sql('SELECT state FROM hazard_supervision WHERE hazard_id = ?', (h,)),
         [('proposed',)])


def test_notifications_are_only_ones_own(t):
    w = World(t)
    w.hazard(level='general')
    scan(w.s, plus(DEADLINE, 1))
    r = w.officer.get('/api/v1/notifications/unread-count')
    t.status(r, 200)
    t.eq(r.json['count'], 1)
    r = w.officer.get('/api/v1/notifications?unread=1')
    t.status(r, 200)
    item = r.json['items'][0]
    t.eq(item['kind'], 'hazard.overdue')
    t.true(item['read_ms'] is None and '已逾期' in item['title'], item)
    # Another user's notification: 404 (like a missing one), nothing changes.
    t.problem(w.patroller2.post(f'/api/v1/notifications/{item["id"]}/read'), 404)
    t.problem(w.leader.post(f'/api/v1/notifications/{item["id"]}/read'), 404)
    t.eq(w.officer.get('/api/v1/notifications/unread-count').json['count'], 1)
    t.status(w.officer.post(f'/api/v1/notifications/{item["id"]}/read'), 204)
    t.eq(w.officer.get('/api/v1/notifications/unread-count').json['count'], 0)
    t.eq(w.officer.get('/api/v1/notifications?unread=1').json['items'], [])
    t.eq(len(w.officer.get('/api/v1/notifications').json['items']), 1)
    r = w.patroller.post('/api/v1/notifications/read-all')
    t.status(r, 200)
    t.eq(r.json['marked'], 1)
    t.eq(w.patroller.get('/api/v1/notifications/unread-count').json['count'], 0)
    t.problem(w.officer.get('/api/v1/notifications?unread=maybe'), 400, 'unread')
    t.problem(w.officer.get('/api/v1/notifications?user_id=1'), 400)
    t.problem(w.s.anon().get('/api/v1/notifications'), 401)


def rows_of_csv(r):
    text = r.body.decode('utf-8-sig')
    return list(csv.reader(io.StringIO(text)))


def test_exports_speak_one_set_of_chinese_words(t):
    """The four lists' exports write codes in words (states, reasons, kinds, rules, the
    scan's note), with the same words as the hazard export (the deadline states included)."""
    w = World(t, day=plus(DEADLINE, 1))
    h1 = w.hazard(level='major')
    w.hazard(level='general', deadline='2026-12-31')
    scan(w.s, plus(DEADLINE, 1))
    w.s.sql("UPDATE enterprise_blacklist SET state = 'proposed'")

    def sheet(path):
        r = w.a.get(path + '/export?format=csv')
        t.status(r, 200, path)
        rows = rows_of_csv(r)
        return [dict(zip(rows[0], row)) for row in rows[1:]]

    rect = sheet('/api/v1/hazard-lists/rectification')
    t.eq(sorted((x['期限状态'], x['隐患状态'], x['隐患等级']) for x in rect),
         [('已逾期', '整改中', '重大隐患'), ('正常', '整改中', '一般隐患')])
    hz = sheet('/api/v1/hazards')
    t.eq(sorted(x['期限状态'] for x in hz), sorted(x['期限状态'] for x in rect),
         'the same words as the hazard export')
    t.eq(sorted(x['状态'] for x in hz), ['整改中', '整改中'])
    sup = sheet('/api/v1/hazard-lists/supervision')
    t.eq([(x['督办状态'], x['督办原因'], x['隐患状态']) for x in sup],
         [('拟督办', '重大隐患逾期', '整改中')])
    acc = sheet('/api/v1/hazard-lists/accountability')
    t.eq([(x['问责类型'], x['备注']) for x in acc], [('逾期未整改', f'整改期限 {DEADLINE}')])
    bl = sheet('/api/v1/hazard-lists/blacklist')
    t.true(bl, 'rule B1 proposed the enterprise')
    t.eq({(x['列入规则'], x['状态']) for x in bl}, {('B1 重大隐患逾期未整改', '拟列入')})
    # The API itself keeps the codes.
    r = w.a.get('/api/v1/hazard-lists/accountability')
    t.eq([(i['kind'], i['note']) for i in r.json['items'] if i['hazard_id'] == h1],
         [('overdue', f'deadline {DEADLINE}')])


def test_lists_statistics_and_exports_keep_to_the_scope(t):
    """A patroller sees only its grid's hazards, an enterprise officer only its own, a
    leader its region: in the four lists, their exports and the statistics."""
    w = World(t, day=plus(DEADLINE, 1))
    h1 = w.hazard(level='major')
    h2 = w.hazard(enterprise=w.e2, level='major')
    scan(w.s, plus(DEADLINE, 1))
    w.s.sql("UPDATE enterprise_blacklist SET state = 'proposed'")
    expect = {'admin': {h1, h2}, 'leader': {h1}, 'leader2': {h2}, 'patroller': {h1},
              'patroller2': {h2}, 'officer': {h1}, 'officer2': {h2}, 'inspector': {h1}}
    clients = {'admin': w.a, 'leader': w.leader, 'leader2': w.leader2, 'patroller': w.patroller,
               'patroller2': w.patroller2, 'officer': w.officer, 'officer2': w.officer2,
               'inspector': w.inspector}
    numbers = dict(w.s.sql('SELECT id, number FROM hazard'))
    ents = {h1: w.e1, h2: w.e2}
    for who, c in clients.items():
        want = expect[who]
        r = c.get('/api/v1/hazard-lists/rectification')
        t.status(r, 200, who)
        t.eq({i['id'] for i in r.json['items']}, want, f'{who} rectification')
        t.true(all(i['deadline_state'] == 'overdue' and i['days_left'] == -1
                   for i in r.json['items']), r.json)
        r = c.get('/api/v1/hazard-lists/supervision')
        t.eq({i['hazard_id'] for i in r.json['items']}, want, f'{who} supervision')
        r = c.get('/api/v1/hazard-lists/accountability?kind=overdue')
        t.eq({i['hazard_id'] for i in r.json['items']}, want, f'{who} accountability')
        r = c.get('/api/v1/hazard-lists/blacklist')
        t.eq({i['enterprise_id'] for i in r.json['items']}, {ents[h] for h in want},
             f'{who} blacklist')
        r = c.get('/api/v1/hazard-lists/rectification/export?format=csv')
        t.status(r, 200, who)
        rows = rows_of_csv(r)
        t.eq(rows[0][0], '隐患编号')
        t.eq({row[0] for row in rows[1:]}, {numbers[h] for h in want}, f'{who} export')
        r = c.get('/api/v1/hazards/stats?by=level')
        t.status(r, 200, who)
        t.eq(sum(i['total'] for i in r.json['items']), len(want), f'{who} stats')
        r = c.get('/api/v1/hazards/stats/summary')
        t.status(r, 200, who)
        t.eq((r.json['total'], r.json['overdue'], r.json['major_open']),
             (len(want), len(want), len(want)), f'{who} summary')
    for path in ('supervision', 'accountability', 'blacklist'):
        r = w.a.get(f'/api/v1/hazard-lists/{path}/export?format=xlsx')
        t.status(r, 200, path)
        t.true(r.body[:2] == b'PK', f'{path}: an XLSX file')
    # Filters and bad arguments.
    r = w.a.get(f'/api/v1/hazard-lists/rectification?region={R2}')
    t.eq([i['id'] for i in r.json['items']], [h2])
    r = w.a.get('/api/v1/hazard-lists/rectification?deadline_state=due_soon')
    t.eq(r.json['items'], [])
    t.problem(w.a.get('/api/v1/hazard-lists/rectification?deadline_state=late'), 400,
              'deadline_state')
    t.problem(w.a.get('/api/v1/hazard-lists/supervision?colour=red'), 400)
    t.problem(w.a.get('/api/v1/hazard-lists/blacklist/export?format=pdf'), 400, 'format')
    t.problem(w.a.get('/api/v1/hazards/stats'), 400, 'by')
    t.problem(w.a.get('/api/v1/hazards/stats?by=colour'), 400, 'by')


def test_statistics_by_region_and_the_summary_definitions(t):
    """Counts by region group one level below the scope (a county leader: towns); rates:
    rectification = closed / (total - dismissed), on time = closed by the end of the deadline
    day / closed with a deadline, mean days from found to closed; the month trend; the top
    enterprises; a grid warns when its overdue count rose since the last snapshot."""
    today = '2026-12-10'
    w = World(t, day=today)
    # Two closed (one on its deadline day at 23:00 local, one a day late), one dismissed,
    # one overdue, one on time.
    w.hazard(state='closed', deadline='2026-12-05', found='2026-12-01',
             closed_ms=at_local_noon('2026-12-05') + 11 * 3600 * 1000)
    w.hazard(state='closed', deadline='2026-12-05', found='2026-12-01',
             closed_ms=at_local_noon('2026-12-06'))
    w.hazard(state='dismissed')
    w.hazard(state='rectifying', deadline='2026-12-08')
    w.hazard(state='rectifying', deadline='2026-12-30', enterprise=w.e2)
    r = w.a.get('/api/v1/hazards/stats/summary')
    t.status(r, 200)
    j = r.json
    t.eq((j['total'], j['open'], j['closed'], j['dismissed'], j['overdue']), (5, 2, 2, 1, 1))
    t.eq(j['rectification_rate'], 0.5)
    t.eq(j['on_time_rate'], 0.5)
    # found at noon 12-01; closed 12-05 23:00 (4.458 d) and 12-06 12:00 (5 d): mean 4.7 d.
    t.eq(j['mean_days_to_close'], 4.7)
    t.eq(len(j['monthly']), 12)
    t.eq(j['monthly'][-1], {'month': '2026-12', 'reported': 2, 'closed': 2})
    t.eq(j['monthly'][-2]['month'], '2026-11')
    t.eq(j['monthly'][-2]['reported'], 3)
    t.eq(j['top_enterprises'][0], {'enterprise_id': w.e1, 'name': '亭湖化工', 'open': 1})
    t.eq(j['grid_warnings'], [], 'no snapshot before today: no warning')
    # Region grouping: the city administrator sees counties; a county leader sees towns.
    r = w.a.get('/api/v1/hazards/stats?by=region&region=320900')
    t.eq([(i['key'], i['name'], i['total']) for i in r.json['items']],
         [(R1, '亭湖区', 4), (R2, '盐都区', 1)])
    r = w.leader.get('/api/v1/hazards/stats?by=region')
    t.eq([(i['key'], i['total'], i['open'], i['closed'], i['overdue']) for i in r.json['items']],
         [(T1, 4, 1, 2, 1)])
    r = w.a.get('/api/v1/hazards/stats?by=grid')
    t.eq([(i['key'], i['name'], i['total']) for i in r.json['items']],
         [(w.g1, '五星一网格', 4), (w.g2, '张庄一网格', 1)])
    r = w.a.get('/api/v1/hazards/stats?by=industry')
    t.eq([(i['key'], i['total']) for i in r.json['items']], [('26', 4), ('33', 1)])
    r = w.a.get('/api/v1/hazards/stats?by=state')
    t.eq({i['key']: i['total'] for i in r.json['items']},
         {'closed': 2, 'dismissed': 1, 'rectifying': 2})
    r = w.a.get('/api/v1/hazards/stats?by=level&from=2026-12-01&to=2026-12-31')
    t.eq(sum(i['total'] for i in r.json['items']), 2, 'found in December')
    # Grid warning: yesterday's snapshot had 1 overdue in G1; one more is overdue today.
    scan(w.s, plus(today, -1))
    t.eq(w.s.sql('SELECT day, grid_id, overdue FROM hazard_grid_daily'),
         [(plus(today, -1), w.g1, 1)])
    w.hazard(state='rectifying', deadline='2026-12-09')
    j = w.a.get('/api/v1/hazards/stats/summary').json
    t.eq(j['grid_warnings'], [{'grid_id': w.g1, 'name': '五星一网格', 'overdue': 2,
                               'previous': 1}])
    t.eq(w.officer2.get('/api/v1/hazards/stats/summary').json['grid_warnings'], [])


def test_supervision_actions_are_the_leaders_in_scope(t):
    w = World(t, day=plus(DEADLINE, 1))
    h = w.hazard(level='major')
    other = w.hazard(level='general', deadline='2026-12-20')
    scan(w.s, plus(DEADLINE, 1))
    sup = w.s.sql('SELECT id FROM hazard_supervision WHERE hazard_id = ?', (h,))[0][0]
    body = {'deadline': '2026-12-15', 'note': '限期整改'}
    before = w.counts()
    for c in (w.inspector, w.officer, w.patroller, w.a):
        t.problem(c.post(f'/api/v1/supervisions/{sup}/list', body), 403)
    t.problem(w.leader2.post(f'/api/v1/supervisions/{sup}/list', body), 404)
    t.problem(w.leader.post(f'/api/v1/supervisions/{sup}/list', {'deadline': '2026-11-30'}),
              422, 'deadline')
    t.problem(w.leader.post(f'/api/v1/supervisions/{sup}/shout', body), 404)
    r = w.leader.post(f'/api/v1/supervisions/{sup}/progress', {'progress': '已开工'})
    t.problem(r, 409)
    t.eq(r.json['allowed'], ['list', 'decline'], 'this route\'s actions only (not supervise)')
    t.eq(w.counts(), before, 'refused actions wrote nothing')
    r = w.leader.post(f'/api/v1/supervisions/{sup}/list', body)
    t.status(r, 200)
    t.eq((r.json['state'], r.json['leader_name'], r.json['deadline']),
         ('listed', 'leader1', '2026-12-15'))
    r = w.leader.post(f'/api/v1/supervisions/{sup}/list', body)
    t.problem(r, 409)
    t.eq(r.json['allowed'], ['progress', 'lift'])
    r = w.leader.post(f'/api/v1/supervisions/{sup}/progress', {'progress': '已更换报警器'})
    t.status(r, 200)
    t.eq(r.json['progress'], '已更换报警器')
    t.problem(w.leader.post(f'/api/v1/supervisions/{sup}/lift', {}), 422, 'reason')
    r = w.leader.post(f'/api/v1/supervisions/{sup}/lift', {'reason': '已验收销号'})
    t.status(r, 200)
    t.eq(r.json['state'], 'lifted')
    r = w.leader.post(f'/api/v1/supervisions/{sup}/list', body)
    t.problem(r, 409)
    t.eq(r.json['allowed'], [], 'nothing more on a lifted supervision')
    t.true(r.json['detail'].endswith('allowed: none'), r.json['detail'])
    events = [e[0] for e in w.s.sql("SELECT action FROM hazard_event WHERE hazard_id = ? "
                                    "AND actor_login = 'leader1'", (h,))]
    t.eq(events, ['supervision_list', 'supervision_progress', 'supervision_lift'])
    # A leader lists a hazard himself.
    r = w.leader.post(f'/api/v1/hazards/{other}/supervise', {'deadline': '2026-12-18'})
    t.status(r, 201)
    t.eq((r.json['state'], r.json['reason']), ('listed', 'manual'))
    t.problem(w.leader.post(f'/api/v1/hazards/{other}/supervise', {'deadline': '2026-12-18'}),
              409)
    t.problem(w.leader2.post(f'/api/v1/hazards/{other}/supervise', {'deadline': '2026-12-18'}),
              404)
    audit = [a[0] for a in w.s.sql("SELECT action FROM audit_log WHERE actor_login = 'leader1'")]
    t.true({'supervision.list', 'supervision.progress', 'supervision.lift',
            'supervision.supervise'} <= set(audit), audit)


def test_blacklist_actions(t):
    w = World(t, day=plus(DEADLINE, 1))
    w.hazard(level='major')
    scan(w.s, plus(DEADLINE, 1))
    bl = w.s.sql("SELECT id FROM enterprise_blacklist WHERE rule = 'B1'")[0][0]
    for c in (w.officer, w.patroller):
        t.problem(c.post(f'/api/v1/blacklist/{bl}/confirm', {}), 403)
    t.problem(w.inspector.post(f'/api/v1/blacklist/{bl}/review', {'note': 'x'}), 409)
    r = w.inspector.post(f'/api/v1/blacklist/{bl}/confirm', {'note': '核实'})
    t.status(r, 200)
    # Recorded instants are the real clock; the review falls due a year after the rules'
    # today (fake.now_ms, 2026-12-02).
    real_today = datetime.datetime.fromtimestamp(time.time() + 8 * 3600, UTC).date().isoformat()
    t.eq((r.json['state'], r.json['entered_date'], r.json['review_due']),
         ('listed', real_today, '2027-12-02'))
    r = w.inspector.post(f'/api/v1/blacklist/{bl}/reject', {'reason': 'x'})
    t.problem(r, 409)
    t.eq(r.json['allowed'], ['review', 'remove'])
    t.status(w.leader.post(f'/api/v1/blacklist/{bl}/review', {'note': '仍未整改'}), 200)
    t.problem(w.leader.post(f'/api/v1/blacklist/{bl}/remove', {}), 422, 'reason')
    r = w.leader.post(f'/api/v1/blacklist/{bl}/remove', {'reason': '已整改，复核通过'})
    t.status(r, 200)
    t.eq((r.json['state'], r.json['removal_reason']), ('removed', '已整改，复核通过'))
    # A manual entry, listed at once; one at a time per enterprise.
    body = {'enterprise_id': w.e1, 'rule': 'manual', 'reason': '拒不执行监管指令'}
    r = w.inspector.post('/api/v1/blacklist', body)
    t.status(r, 201)
    t.eq((r.json['state'], r.json['rule']), ('listed', 'manual'))
    t.problem(w.inspector.post('/api/v1/blacklist', body), 409)
    t.problem(w.inspector.post('/api/v1/blacklist', dict(body, rule='B1')), 422, 'rule')
    t.problem(w.inspector.post('/api/v1/blacklist', dict(body, enterprise_id=w.e2)), 403,
              'enterprise_id')
    t.problem(w.inspector.post('/api/v1/blacklist', dict(body, enterprise_id=99999)), 422,
              'enterprise_id')
    t.problem(w.patroller.post('/api/v1/blacklist', body), 403)
    audit = {a[0] for a in w.s.sql("SELECT action FROM audit_log")}
    t.true({'blacklist.confirm', 'blacklist.review', 'blacklist.remove',
            'blacklist.create'} <= audit, audit)


run(globals())
