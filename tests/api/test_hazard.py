#!/usr/bin/env python3
"""Hidden hazards over HTTP (issue 4, docs/hazard.md): the life cycle report -> confirm ->
plan -> submit -> verify -> closed (and reopen), 409 naming the allowed actions, 403 for the
wrong role or person, 422 naming the field with nothing written, data scopes in list, detail
and export, idempotent client_ref retries, and deadline states at the UTC+8 day change with a
fixed "now" (fake.now_ms), also on a server whose TZ is America/New_York."""
import datetime
import hashlib
import os
from urllib.parse import quote

import harness
from harness import run, uscc

R1, R2 = '320902', '320903'          # 亭湖区, 盐都区 (盐城市)
T1, T2 = '320902001', '320903002'
UTC = datetime.timezone.utc
PASSWORD = 'Test-Pass-2026'


def ms(*args):
    return int(datetime.datetime(*args, tzinfo=UTC).timestamp() * 1000)


# 2026-11-29T16:00:00Z is 2026-11-30 00:00 in China Standard Time (UTC+8).
NOW = ms(2026, 11, 29, 16, 0, 0)
TODAY = datetime.date(2026, 11, 30)


def day(offset, today=TODAY):
    return (today + datetime.timedelta(days=offset)).isoformat()


class World:
    """Two grids, two enterprises (E1: 2614 in grid G1 of 亭湖区, covered by the chemical
    criteria; E2: 6511 in grid G2 of 盐都区, not covered) and one user per role."""

    def __init__(self, t, now=NOW, extra=(), env=None):
        self.t = t
        old = {k: os.environ.get(k) for k in (env or {})}
        os.environ.update(env or {})
        try:
            self.s = t.server(['--set', f'fake.now_ms={now}', *extra])
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        s = self.s
        self.a = a = s.admin()
        self.g1 = a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格',
                                           'region_code': T1}).json['id']
        self.g2 = a.post('/api/v1/grids', {'code': 'G2', 'name': '张庄一网格',
                                           'region_code': T2}).json['id']
        self.u1, self.u2 = uscc(R1, 'MA000001'), uscc(R2, 'MA000002')
        r = a.post('/api/v1/enterprises', {'uscc': self.u1, 'name': '亭湖化工厂',
                                           'industry_code': '2614', 'region_code': T1,
                                           'grid_id': self.g1})
        t.status(r, 201)
        self.e1 = r.json['id']
        r = a.post('/api/v1/enterprises', {'uscc': self.u2, 'name': '盐都软件公司',
                                           'industry_code': '6511', 'region_code': T2,
                                           'grid_id': self.g2})
        t.status(r, 201)
        self.e2 = r.json['id']
        self.inspector = s.user('insp', 'inspector', f'region:{R1}')
        self.inspector_all = s.user('insp_all', 'inspector', 'all')
        self.manager = s.user('gman1', 'grid_manager', f'grids:{self.g1}')
        self.patroller = s.user('gpat1', 'grid_patroller', f'grids:{self.g1}')
        self.patroller2 = s.user('gpat2', 'grid_patroller', f'grids:{self.g2}')
        self.officer = s.user('eoff1', 'enterprise_officer', f'enterprise:{self.u1}')
        self.officer2 = s.user('eoff2', 'enterprise_officer', f'enterprise:{self.u2}')
        self.leader = s.user('leader1', 'leader', 'all')

    def report(self, c=None, **kw):
        b = {'enterprise_id': self.e1, 'location': '罐区2号储罐', 'category': 'site',
             'level': 'general', 'description': '储罐阀门泄漏'}
        b.update(kw)
        return (c or self.patroller).post('/api/v1/hazards', b)

    def photo_rows(self, n=1, tag='x', uploader=None):
        """Photos uploaded by the officer (rows as the photo store writes them, without the
        files; test_hazard_photos.py uploads real ones)."""
        shas = []
        for i in range(n):
            sha = hashlib.sha256(f'{tag}{i}'.encode()).hexdigest()
            self.s.sql('INSERT INTO photo (sha256, mime, bytes, width, height, uploader_id, '
                       'created_ms) VALUES (?, ?, 10, 1, 1, ?, 0)',
                       (sha, 'image/jpeg', uploader or self.officer.id))
            self.s.sql('INSERT INTO photo_upload (sha256, user_id, created_ms) VALUES (?, ?, 0)',
                       (sha, uploader or self.officer.id))
            shas.append(sha)
        return shas

    def act(self, c, hid, action, body=None, status=200):
        r = c.post(f'/api/v1/hazards/{hid}/actions/{action}', body or {})
        self.t.status(r, status, action)
        return r

    def counts(self):
        return (self.s.sql('SELECT COUNT(*) FROM hazard')[0][0],
                self.s.sql('SELECT COUNT(*) FROM hazard_event')[0][0],
                self.s.sql('SELECT COUNT(*) FROM audit_log')[0][0])


PLAN = {'measures': '更换泄漏阀门', 'responsible': '王五', 'funds_yuan': 3000,
        'deadline': day(10)}


def test_life_cycle_over_http(t):
    w = World(t)
    r = w.report(found_date=day(-1), lat=33.38, lon=120.16)
    t.status(r, 201)
    h = r.json
    t.eq(h['number'], 'YH-320902001-2026-000001', 'numbered by the enterprise region and year')
    t.eq((h['state'], h['source'], h['level']), ('reported', 'grid_patrol', 'general'))
    t.eq((h['enterprise_name'], h['region_code'], h['grid_id']), ('亭湖化工厂', T1, w.g1))
    t.eq(h['reporter_name'], 'gpat1')
    t.eq(h['deadline_state'], None, 'no deadline yet')
    t.eq(h['allowed_actions'], [], 'a patroller takes no life-cycle action')
    t.eq([e['action'] for e in h['timeline']], ['report'])
    t.eq(h['found_ms'], ms(2026, 11, 28, 16, 0, 0), 'found_date is a local (UTC+8) day')
    t.eq(w.report().json['number'], 'YH-320902001-2026-000002', 'the sequence goes on')
    hid = h['id']
    t.eq(w.manager.get(f'/api/v1/hazards/{hid}').json['allowed_actions'],
         ['confirm', 'dismiss'])
    r = w.act(w.manager, hid, 'confirm', {'note': '现场核实'})
    t.eq(r.json['state'], 'confirmed')
    t.eq(r.json['allowed_actions'], [], 'the plan is the enterprise officer\'s')
    t.eq(w.officer.get(f'/api/v1/hazards/{hid}').json['allowed_actions'], ['plan'])
    r = w.act(w.officer, hid, 'plan', PLAN)
    t.eq((r.json['state'], r.json['deadline']), ('rectifying', day(10)))
    t.eq(r.json['plan']['responsible'], '王五')
    t.eq((r.json['deadline_state'], r.json['days_left']), ('on_time', 10))
    r = w.act(w.officer, hid, 'request_extension', {'reason': '备件未到货',
                                                     'new_deadline': day(20)})
    t.eq((r.json['extension_pending'], r.json['pending_deadline']), (True, day(20)))
    r = w.act(w.manager, hid, 'approve_extension', {'reason': '同意'})
    t.eq((r.json['deadline'], r.json['extension_requests']), (day(20), 1))
    t.problem(w.act(w.officer, hid, 'submit', {}, 422), 422, 'photos')
    shas = w.photo_rows(2)
    r = w.act(w.officer, hid, 'submit', {'photos': shas, 'note': '已更换'})
    t.eq((r.json['state'], r.json['rectifier_id']), ('submitted', w.officer.id))
    t.eq(sorted(p['sha256'] for p in r.json['photos']['after']), sorted(shas))
    t.status(w.officer.post(f'/api/v1/hazards/{hid}/actions/verify', {}), 403,
             'the rectifier (an officer) does not verify')
    r = w.act(w.manager, hid, 'send_back', {'reason': '阀门型号不符'})
    t.eq((r.json['state'], r.json['send_backs']), ('rectifying', 1))
    w.act(w.officer, hid, 'submit', {'photos': shas[:1]})
    r = w.act(w.inspector, hid, 'verify', {'note': '复核通过'})
    t.eq((r.json['state'], r.json['verifier_id']), ('closed', w.inspector.id))
    t.true(r.json['closed_ms'] is not None)
    t.eq(r.json['deadline_state'], None, 'a closed hazard has no deadline state')
    t.eq([e['action'] for e in r.json['timeline']],
         ['report', 'confirm', 'plan', 'request_extension', 'approve_extension', 'submit',
          'send_back', 'submit', 'verify'])
    t.eq(r.json['timeline'][-1]['from_state'], 'submitted')
    t.eq(r.json['timeline'][-1]['actor_login'], 'insp')
    # A false closure (虚假销号): reopened, on the accountability list.
    t.problem(w.act(w.inspector, hid, 'reopen', {}, 422), 422, 'reason')
    r = w.act(w.inspector, hid, 'reopen', {'reason': '复查发现未整改'})
    t.eq((r.json['state'], r.json['closed_ms']), ('rectifying', None))
    t.eq(w.s.sql("SELECT kind, responsible, rectifier_id, verifier_id FROM "
                 "hazard_accountability WHERE hazard_id = ?", (hid,)),
         [('false_closure', '王五', w.officer.id, w.inspector.id)])
    actions = [x[0] for x in w.s.sql("SELECT action FROM audit_log WHERE entity = 'hazard' "
                                     "AND entity_id = ? ORDER BY id", (str(hid),))]
    t.eq(actions, ['hazard.report', 'hazard.confirm', 'hazard.plan',
                   'hazard.request_extension', 'hazard.approve_extension', 'hazard.submit',
                   'hazard.send_back', 'hazard.submit', 'hazard.verify', 'hazard.reopen'])
    t.eq(w.s.sql('SELECT COUNT(*) FROM hazard_event WHERE hazard_id = ? AND audit_id IS NULL',
                 (hid,))[0][0], 0, 'every event names its audit record')
    r = w.s.cli('audit', 'verify')
    t.eq(r.returncode, 0, r.stdout + r.stderr)


def test_conflict_names_allowed_actions_and_roles(t):
    w = World(t)
    hid = w.report().json['id']
    r = w.manager.post(f'/api/v1/hazards/{hid}/actions/verify', {})
    t.problem(r, 409)
    t.eq(r.json['allowed'], ['confirm', 'dismiss'])
    t.true('confirm, dismiss' in r.json['detail'], r.json['detail'])
    t.status(w.leader.post(f'/api/v1/hazards/{hid}/actions/confirm', {}), 403,
             'no hazard.act for a leader')
    t.status(w.patroller.post(f'/api/v1/hazards/{hid}/actions/confirm', {}), 403)
    t.status(w.officer.post(f'/api/v1/hazards/{hid}/actions/confirm', {}), 403,
             'an officer does not confirm')
    t.status(w.manager.post(f'/api/v1/hazards/{hid}/actions/fly', {}), 404)
    w.act(w.manager, hid, 'dismiss', {'reason': '不构成隐患'})
    r = w.manager.post(f'/api/v1/hazards/{hid}/actions/confirm', {})
    t.problem(r, 409)
    t.eq(r.json['allowed'], [])
    # A major hazard is confirmed by an inspector only.
    r = w.report(level='major', criterion_id=1)
    t.status(r, 201)
    mid = r.json['id']
    t.status(w.manager.post(f'/api/v1/hazards/{mid}/actions/confirm', {}), 403)
    w.act(w.inspector, mid, 'confirm')
    t.problem(w.act(w.officer, mid, 'plan', dict(PLAN), 422), 422, 'emergency')
    r = w.act(w.officer, mid, 'plan', dict(PLAN, emergency='停用储罐', funds_yuan=0), 422)
    t.problem(r, 422, 'funds_yuan')


def test_bad_input_names_the_field_and_writes_nothing(t):
    w = World(t)
    hid = w.report().json['id']
    w.act(w.manager, hid, 'confirm')
    before = w.counts()
    cases = [
        ({'enterprise_id': 999999}, 'enterprise_id'),
        ({'found_date': day(1)}, 'found_date'),
        ({'found_date': '2026-02-29'}, 'found_date'),
        ({'source': 'enforcement'}, 'source'),
        ({'level': 'major'}, 'criterion_id'),
        ({'level': 'major', 'criterion_id': 999}, 'criterion_id'),
        ({'level': 'major', 'enterprise_id': w.e2}, 'criterion_text'),
        ({'category': 'other'}, 'category'),
        ({'description': '  '}, 'description'),
        ({'lat': 33.3}, 'lon'),
        ({'photos': ['ab' * 32]}, 'photos'),
        ({'photos': ['not-a-hash']}, 'photos'),
        ({'extra': 1}, 'extra'),
    ]
    c = w.inspector_all
    for body, field in cases:
        r = w.report(c if body.get('enterprise_id') == w.e2 else w.patroller, **body)
        t.problem(r, 422, field)
    t.problem(w.act(w.officer, hid, 'plan', dict(PLAN, deadline=day(-1)), 422), 422,
              'deadline')
    t.problem(w.act(w.officer, hid, 'plan', dict(PLAN, deadline='2026-13-01'), 422), 422,
              'deadline')
    t.problem(w.act(w.officer, hid, 'plan', {'measures': 'x'}, 422), 422, 'responsible')
    t.eq(w.counts(), before, 'nothing written')
    t.eq(w.s.sql('SELECT state FROM hazard WHERE id = ?', (hid,))[0][0], 'confirmed')
    # Outside the reporter's scope: 403 naming the enterprise.
    r = w.report(w.patroller2)
    t.problem(r, 403, 'enterprise_id')
    t.problem(w.report(w.officer2), 403, 'enterprise_id')
    t.eq(w.counts(), before, 'nothing written')
    # A major hazard of an industry without loaded criteria names the criterion in words.
    r = w.report(c, enterprise_id=w.e2, level='major', criterion_text='自定判定依据')
    t.status(r, 201)
    t.eq((r.json['source'], r.json['criterion']), ('enforcement', None))
    r = w.report(level='major', criterion_id=4)
    t.status(r, 201)
    t.eq(r.json['criterion']['item'], 4)
    t.eq(r.json['criterion']['doc'], '安监总管三〔2017〕121号')


def fields_of(r):
    return [e['field'] for e in (r.json or {}).get('errors', [])]


def test_every_bad_field_is_named_once(t):
    """A type or range error does not hide the rules' errors of the other fields; each bad
    field is named once, with its most specific reason (docs/hazard.md, Actions)."""
    w = World(t)
    hid = w.report().json['id']
    w.act(w.manager, hid, 'confirm')
    before = w.counts()
    r = w.act(w.officer, hid, 'plan', {'measures': '', 'responsible': '', 'funds_yuan': 'x',
                                       'deadline': 5}, 422)
    t.eq(sorted(fields_of(r)), ['deadline', 'funds_yuan', 'measures', 'responsible'])
    t.true('must be' in {e['field']: e['reason'] for e in r.json['errors']}['funds_yuan'],
           'the type error is the reason given')
    r = w.act(w.officer, hid, 'plan', {'measures': 'm', 'responsible': 'r', 'funds_yuan': -1,
                                       'deadline': day(-1)}, 422)
    t.eq(sorted(fields_of(r)), ['deadline', 'funds_yuan'])
    r = w.act(w.officer, hid, 'plan', dict(PLAN, funds_yuan=-1, extra=1, measures=' '), 422)
    t.eq(sorted(fields_of(r)), ['extra', 'funds_yuan', 'measures'])
    w.act(w.officer, hid, 'plan', PLAN)
    r = w.act(w.officer, hid, 'request_extension', {'reason': ' ', 'new_deadline': 5}, 422)
    t.eq(sorted(fields_of(r)), ['new_deadline', 'reason'])
    r = w.act(w.officer, hid, 'submit', {'photos': 'x', 'note': 5}, 422)
    t.eq(sorted(fields_of(r)), ['note', 'photos'])
    r = w.act(w.manager, hid, 'verify', {'note': 5}, 422)
    t.eq(fields_of(r), ['note'], 'a malformed body is 422 even when the action is not legal')
    # The report.
    r = w.report(location='', description=5, category=5, found_date=day(1))
    t.problem(r, 422)
    t.eq(sorted(fields_of(r)), ['category', 'description', 'found_date', 'location'])
    r = w.report(enterprise_id='x', level='general', criterion_text='A', description='')
    t.eq(sorted(fields_of(r)), ['description', 'enterprise_id'])
    r = w.report(level='minor', location=7)
    t.eq(sorted(fields_of(r)), ['level', 'location'])
    t.eq(w.counts()[0], before[0], 'nothing reported')


def test_found_range_backwards_is_400(t):
    """found_to before found_from: 400 naming found_to, in the list and its export (as the
    statistics answer for from/to)."""
    w = World(t)
    w.report()
    q = 'found_from=2026-12-01&found_to=2026-01-01'
    for path in ('/api/v1/hazards', '/api/v1/hazards/export?format=csv&x=1'):
        r = w.inspector.get(path.replace('&x=1', '') + ('&' if '?' in path else '?') + q)
        t.problem(r, 400, 'found_to')
    r = w.inspector.get('/api/v1/hazards/stats?by=level&from=2026-12-01&to=2026-01-01')
    t.problem(r, 400, 'to')
    r = w.inspector.get('/api/v1/hazards?found_from=2026-11-30&found_to=2026-11-30')
    t.status(r, 200)
    t.eq(len(r.json['items']), 1, 'one day is a range')


def test_extension_not_offered_at_the_limit(t):
    """request_extension leaves allowed_actions once hazard.max_extensions requests were
    made; asked all the same it is 422 naming extension."""
    w = World(t)
    hid = w.report().json['id']
    w.act(w.manager, hid, 'confirm')
    w.act(w.officer, hid, 'plan', PLAN)
    for i in range(2):
        t.eq(w.officer.get(f'/api/v1/hazards/{hid}').json['allowed_actions'],
             ['submit', 'request_extension'], f'request {i + 1} offered')
        w.act(w.officer, hid, 'request_extension', {'reason': '备件未到货',
                                                     'new_deadline': day(20 + i)})
        w.act(w.manager, hid, 'refuse_extension', {'reason': '不同意'})
    h = w.officer.get(f'/api/v1/hazards/{hid}').json
    t.eq((h['extension_requests'], h['max_extensions']), (2, 2))
    t.eq(h['allowed_actions'], ['submit'], 'the limit is reached: not offered')
    r = w.act(w.officer, hid, 'request_extension', {'reason': '再延一次',
                                                     'new_deadline': day(30)}, 422)
    t.problem(r, 422, 'extension')
    r = w.act(w.officer, hid, 'plan', PLAN, 409)
    t.eq(r.json['allowed'], ['submit'])


def test_criterion_only_for_a_major_hazard(t):
    w = World(t)
    before = w.counts()
    r = w.report(level='general', criterion_text='自定判定依据')
    t.problem(r, 422, 'criterion_text')
    t.true('only for a major hazard' in r.json['errors'][0]['reason'], r.json)
    t.problem(w.report(level='general', criterion_id=4), 422, 'criterion_id')
    t.status(w.report(level='general', criterion_text='', criterion_id=None), 201,
             'blank and null name nothing')
    t.eq(w.counts()[0], before[0] + 1)
    hid = w.report().json['id']
    r = w.act(w.inspector, hid, 'confirm', {'level': 'general', 'criterion_text': 'x'}, 422)
    t.problem(r, 422, 'criterion_text')
    r = w.act(w.manager, hid, 'confirm', {'criterion_id': 4}, 422)
    t.problem(r, 422, 'criterion_id')
    t.eq(w.s.sql('SELECT state, criterion_text FROM hazard WHERE id = ?', (hid,))[0][0],
         'reported')
    # Re-graded major -> general: the criterion goes.
    mid = w.report(level='major', criterion_id=4).json['id']
    r = w.act(w.inspector, mid, 'confirm', {'level': 'general'})
    t.eq((r.json['level'], r.json['criterion_id'], r.json['criterion']),
         ('general', None, None))
    t.true(not r.json['criterion_text'], r.json['criterion_text'])
    t.eq(w.s.sql('SELECT criterion_id FROM hazard WHERE id = ?', (mid,))[0][0], None)


def test_403_names_the_rule_that_refused(t):
    w = World(t)
    hid = w.report().json['id']
    r = w.officer.post(f'/api/v1/hazards/{hid}/actions/confirm', {})
    t.problem(r, 403)
    t.true('role (enterprise_officer)' in r.json['detail'] and 'rectifier' not in
           r.json['detail'], r.json['detail'])
    mid = w.report(level='major', criterion_id=4).json['id']
    r = w.manager.post(f'/api/v1/hazards/{mid}/actions/confirm', {})
    t.problem(r, 403)
    t.true('role (grid_manager)' in r.json['detail'] and 'major' in r.json['detail'] and
           'rectifier' not in r.json['detail'], r.json['detail'])
    w.act(w.manager, hid, 'confirm')
    w.act(w.officer, hid, 'plan', PLAN)
    w.act(w.officer, hid, 'submit', {'photos': w.photo_rows(1)})
    w.act(w.manager, hid, 'verify')
    r = w.manager.post(f'/api/v1/hazards/{hid}/actions/reopen', {'reason': '虚假销号'})
    t.problem(r, 403)
    t.true('role (grid_manager)' in r.json['detail'] and 'reopen' in r.json['detail'] and
           'rectifier' not in r.json['detail'], r.json['detail'])


def test_scope_in_list_detail_and_export(t):
    w = World(t)
    h1 = w.report().json['id']
    h2 = w.report(w.patroller2, enterprise_id=w.e2).json['id']
    h3 = w.report(w.officer).json['id']

    def ids(c, q=''):
        r = c.get('/api/v1/hazards?limit=500' + quote(q, safe='=&,-'))
        t.status(r, 200)
        return sorted(x['id'] for x in r.json['items'])

    t.eq(ids(w.leader), sorted([h1, h2, h3]))
    t.eq(ids(w.inspector), sorted([h1, h3]), 'region 320902 only')
    t.eq(ids(w.patroller), sorted([h1, h3]), 'grid G1 only')
    t.eq(ids(w.patroller2), [h2], 'grid G2 only')
    t.eq(ids(w.officer), sorted([h1, h3]), 'its own enterprise only')
    t.eq(ids(w.officer2), [h2])
    t.status(w.patroller2.get(f'/api/v1/hazards/{h1}'), 404)
    t.status(w.officer2.get(f'/api/v1/hazards/{h1}'), 404)
    t.status(w.officer2.post(f'/api/v1/hazards/{h1}/actions/plan', PLAN), 404)
    t.status(w.officer.get(f'/api/v1/hazards/{h1}'), 200)
    t.eq(w.officer.get(f'/api/v1/hazards/{h3}').json['source'], 'self_check')
    r = w.officer2.get('/api/v1/hazards/export?format=csv')
    t.status(r, 200)
    text = r.body.decode('utf-8-sig')
    t.true(text.startswith('隐患编号,'), text[:80])
    t.eq(len(text.strip().splitlines()), 2, 'header and its one hazard')
    t.true('盐都软件公司' in text and '亭湖化工厂' not in text)
    t.true('网格巡查' in text and '一般隐患' in text and '已上报' in text, 'labels in Chinese')
    r = w.leader.get('/api/v1/hazards/export')
    t.status(r, 200)
    t.eq(r.body[:2], b'PK', 'xlsx')
    # Filters and paging.
    t.eq(ids(w.leader, f'&enterprise_id={w.e2}'), [h2])
    t.eq(ids(w.leader, f'&region={R2}'), [h2])
    t.eq(ids(w.leader, '&source=self_check'), [h3])
    t.eq(ids(w.leader, '&state=open'), sorted([h1, h2, h3]))
    t.eq(ids(w.leader, '&state=closed,dismissed'), [])
    t.eq(ids(w.leader, '&q=YH-320903002-2026-000001'), [h2])
    t.eq(ids(w.leader, '&q=泄漏'), sorted([h1, h2, h3]))
    t.eq(ids(w.leader, f'&found_from={day(0)}&found_to={day(0)}'), sorted([h1, h2, h3]))
    t.eq(ids(w.leader, f'&found_to={day(-1)}'), [])
    r = w.leader.get('/api/v1/hazards?limit=2')
    t.eq([x['id'] for x in r.json['items']], [h3, h2], 'newest first')
    r2 = w.leader.get(f'/api/v1/hazards?limit=2&after={r.json["next"]}')
    t.eq([x['id'] for x in r2.json['items']], [h1])
    t.eq(r2.json['next'], None)
    # Sorting by deadline (none last), keyset-paged one by one.
    w.act(w.manager, h1, 'confirm')
    w.act(w.officer, h1, 'plan', dict(PLAN, deadline=day(5)))
    w.act(w.inspector, h3, 'confirm')
    w.act(w.officer, h3, 'plan', dict(PLAN, deadline=day(2)))
    seen, after = [], ''
    for _ in range(4):
        r = w.leader.get('/api/v1/hazards?sort=deadline&limit=1' + after)
        t.status(r, 200)
        seen += [x['id'] for x in r.json['items']]
        if r.json['next'] is None:
            break
        after = f'&after={r.json["next"]}'
    t.eq(seen, [h3, h1, h2], 'earliest deadline first, none last')
    r = w.leader.get('/api/v1/hazards?sort=-number&limit=500')
    # YH-320903002-2026-000001 > YH-320902001-2026-000002 > YH-320902001-2026-000001
    t.eq([x['id'] for x in r.json['items']], [h2, h3, h1])
    t.eq(ids(w.leader, '&deadline_state=due_soon'), [h3])
    t.eq(ids(w.leader, '&deadline_state=on_time'), [h1])
    t.problem(w.leader.get('/api/v1/hazards?state=nope'), 400, 'state')
    t.problem(w.leader.get('/api/v1/hazards?colour=red'), 400, 'colour')
    t.problem(w.leader.get('/api/v1/hazards/export?format=pdf'), 400, 'format')
    # Criteria of an enterprise's industry.
    r = w.officer.get(f'/api/v1/hazard-criteria?enterprise_id={w.e1}')
    t.status(r, 200)
    t.eq(r.json['covered'], True)
    t.eq(len(r.json['items']), 20, '安监总管三〔2017〕121号: 20 items')
    r = w.leader.get(f'/api/v1/hazard-criteria?enterprise_id={w.e2}')
    t.eq((r.json['covered'], r.json['items']), (False, []))
    t.status(w.officer2.get(f'/api/v1/hazard-criteria?enterprise_id={w.e1}'), 404)


def test_major_hazard_is_decided_by_its_supervising_department(t):
    """A major hazard of an enterprise with a supervising department is verified (sent back,
    its extensions decided) by an inspector of that department; a general one by any inspector
    or the grid manager in scope. Re-grading on confirm to major needs the criterion."""
    w = World(t)
    a = w.a
    d1 = a.post('/api/v1/depts', {'name': '亭湖区应急管理局', 'region_code': R1}).json['id']
    d2 = a.post('/api/v1/depts', {'name': '亭湖区安监二科', 'region_code': R1}).json['id']
    t.status(a.patch(f'/api/v1/enterprises/{w.e1}', {'supervising_dept_id': d1}), 200)
    t.status(a.patch(f'/api/v1/users/{w.inspector.id}', {'dept_id': d2}), 200)
    ins1 = w.s.user('insp.d1', 'inspector', f'region:{R1}')
    t.status(a.patch(f'/api/v1/users/{ins1.id}', {'dept_id': d1}), 200)
    hid = w.report().json['id']
    t.problem(w.act(w.inspector, hid, 'confirm', {'level': 'major'}, 422), 422, 'criterion_id')
    t.status(w.manager.post(f'/api/v1/hazards/{hid}/actions/confirm', {'level': 'major',
                                                                        'criterion_id': 2}),
             403, 'a grid manager does not make a hazard major')
    r = w.act(w.inspector, hid, 'confirm', {'level': 'major', 'criterion_id': 2})
    t.eq((r.json['level'], r.json['criterion']['item']), ('major', 2), 're-graded')
    w.act(w.officer, hid, 'plan', dict(PLAN, emergency='停用储罐，设警戒区'))
    w.act(w.officer, hid, 'submit', {'photos': w.photo_rows(1)})
    t.eq(w.inspector.get(f'/api/v1/hazards/{hid}').json['allowed_actions'], [],
         'another department')
    t.eq(ins1.get(f'/api/v1/hazards/{hid}').json['allowed_actions'], ['verify', 'send_back'])
    t.status(w.inspector.post(f'/api/v1/hazards/{hid}/actions/verify', {}), 403)
    t.status(w.manager.post(f'/api/v1/hazards/{hid}/actions/verify', {}), 403)
    r = w.act(ins1, hid, 'verify')
    t.eq(r.json['state'], 'closed')


def test_deadline_on_29_february(t):
    """2028 is a leap year: a deadline of 2028-02-29 is a real date, due at 2028-02-29T16:00Z."""
    w = World(t, now=ms(2028, 2, 27, 16, 0, 0))  # 2028-02-28 local
    hid = w.report().json['id']
    w.act(w.manager, hid, 'confirm')
    t.problem(w.act(w.officer, hid, 'plan', dict(PLAN, deadline='2027-02-29'), 422), 422,
              'deadline')
    r = w.act(w.officer, hid, 'plan', dict(PLAN, deadline='2028-02-29'))
    t.eq((r.json['deadline_state'], r.json['days_left']), ('due_soon', 1))
    r = w.act(w.officer, hid, 'request_extension', {'reason': '月末备件', 'new_deadline':
                                                     '2028-03-01'})
    t.eq(r.json['pending_deadline'], '2028-03-01')


def test_export_keeps_the_longest_texts_whole(t):
    """A description of 2000 Chinese characters (6000 bytes of UTF-8) is exported whole."""
    w = World(t)
    text = '储罐阀门泄漏' * 333 + '止漏'
    t.status(w.report(description=text), 201)
    r = w.leader.get('/api/v1/hazards/export?format=csv')
    t.status(r, 200)
    t.true(text in r.body.decode('utf-8-sig'), 'the description, whole and valid UTF-8')
    t.status(w.report(description=text + '多'), 422)


def test_client_ref_retry_is_idempotent(t):
    w = World(t)
    r1 = w.report(client_ref='phone-7f3a-0001')
    t.status(r1, 201)
    r2 = w.report(client_ref='phone-7f3a-0001')
    t.status(r2, 200)
    t.eq(r2.json['id'], r1.json['id'])
    t.eq(w.s.sql('SELECT COUNT(*) FROM hazard')[0][0], 1)
    t.problem(w.report(w.manager, client_ref='phone-7f3a-0001'), 422, 'client_ref')


def test_deadline_edges_at_the_utc8_day_change(t):
    """A deadline falls due at the end of its local (UTC+8) day: 2026-11-30 is due_soon with 0
    days left at 2026-11-30T15:59:59Z (23:59:59 local) and overdue at 16:00:00Z (00:00 the
    next local day); more than hazard.overdue_long_days past: overdue_30. The same on a server
    whose TZ is America/New_York."""
    w = World(t)
    hid = w.report().json['id']
    w.act(w.manager, hid, 'confirm')
    r = w.act(w.officer, hid, 'plan', dict(PLAN, deadline=day(0)))
    t.eq((r.json['deadline_state'], r.json['days_left']), ('due_soon', 0))
    db = w.s.db
    w.s.stop()
    cases = [
        (ms(2026, 11, 30, 15, 59, 59), 'due_soon', 0),
        (ms(2026, 11, 30, 16, 0, 0), 'overdue', -1),
        (ms(2026, 12, 30, 15, 59, 59), 'overdue', -30),
        (ms(2026, 12, 30, 16, 0, 0), 'overdue_30', -31),
        (ms(2026, 11, 25, 16, 0, 0), 'on_time', 4),
        (ms(2026, 11, 26, 16, 0, 0), 'due_soon', 3),
    ]
    for tz in (None, 'America/New_York'):
        for now, state, left in cases:
            env = dict(os.environ)
            if tz:
                os.environ['TZ'] = tz
            try:
                s = t.server(['--set', f'fake.now_ms={now}'], db=db)
            finally:
                os.environ.clear()
                os.environ.update(env)
            s.admin_password = harness.ADMIN_PASSWORD
            c, _ = s.login('insp', PASSWORD)
            r = c.get(f'/api/v1/hazards/{hid}')
            t.eq((r.json['deadline_state'], r.json['days_left']), (state, left),
                 f'now={now} TZ={tz}')
            r = c.get(f'/api/v1/hazards?deadline_state={state}')
            t.eq([x['id'] for x in r.json['items']], [hid], f'filter {state} TZ={tz}')
            s.stop()


if __name__ == '__main__':  # test_hazard_photos.py imports World
    run(globals())
