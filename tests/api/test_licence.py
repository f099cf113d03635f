#!/usr/bin/env python3
"""Licences, named supervision and change history of the enterprise file (issue 3):
licence CRUD and its checks per field, warning states with a fixed "now" (setting fake.now_ms)
at every band edge and across the UTC+8 day change, the scoped expiry list, the configurable
bands, named supervision (挂牌责任制) with its checks and filter, the worst-state filter on
enterprises, and the history with field-level old/new values and masked phones."""
import datetime
import subprocess
from urllib.parse import quote

from harness import BIN, run, uscc

R1, R2 = '320902', '320903'          # 亭湖区, 盐都区 (盐城市)
T1, T2 = '320902001', '320903002'
UTC = datetime.timezone.utc


def body(code, name, region=R1, **kw):
    b = {'uscc': code, 'name': name, 'industry_code': '2614', 'region_code': region,
         'legal_rep': '张三', 'legal_rep_phone': '13812341234',
         'safety_officer': '李四', 'safety_officer_phone': '13900001111'}
    b.update(kw)
    return b


def ms(*args):
    return int(datetime.datetime(*args, tzinfo=UTC).timestamp() * 1000)


# 2026-11-29T16:00:00Z is 2026-11-30 00:00 in China Standard Time (UTC+8).
NOW = ms(2026, 11, 29, 16, 0, 0)
TODAY = datetime.date(2026, 11, 30)


def day(offset, today=TODAY):
    return (today + datetime.timedelta(days=offset)).isoformat()


def fixed(t, now=NOW, extra=()):
    return t.server(['--set', f'fake.now_ms={now}', *extra])


def lic(number, until, type_='safety_production', valid_from='2024-01-01', **kw):
    b = {'type': type_, 'number': number, 'issuer': '盐城市应急管理局', 'valid_from': valid_from,
         'valid_until': until}
    b.update(kw)
    return b


def enterprise(t, a, code, name, region=R1, **kw):
    r = a.post('/api/v1/enterprises', body(code, name, region, **kw))
    t.status(r, 201, name)
    return r.json['id']


def test_crud_and_states_at_every_band_edge(t):
    """days_left = valid_until - today (UTC+8): expired < 0 <= expiring_30 <= 30 <
    expiring_60 <= 60 < expiring_90 <= 90 < valid (docs/enterprise.md)."""
    s = fixed(t)
    a = s.admin()
    e = enterprise(t, a, uscc(R1), '亭湖化工厂')
    want = {-1: 'expired', 0: 'expiring_30', 30: 'expiring_30', 31: 'expiring_60',
            60: 'expiring_60', 61: 'expiring_90', 90: 'expiring_90', 91: 'valid'}
    made = {}
    for off in want:
        r = a.post(f'/api/v1/enterprises/{e}/licences', lic(f'(苏)WH安许证字〔2024〕{off + 10:04d}',
                                                            day(off)))
        t.status(r, 201, off)
        t.eq((r.json['state'], r.json['days_left']), (want[off], off), f'days_left {off}')
        t.eq(r.json['enterprise_id'], e)
        t.eq(r.json['enterprise_name'], '亭湖化工厂')
        made[off] = r.json['id']
    r = a.get(f'/api/v1/enterprises/{e}/licences')
    t.status(r, 200)
    t.eq([x['days_left'] for x in r.json['items']], sorted(want), 'soonest end first')
    t.eq(r.json['next'], None)
    t.eq(a.get(f'/api/v1/enterprises/{e}').json['licence_state'], 'expired', 'worst state')
    # Renewing the expired one moves the enterprise's worst state to the next one.
    r = a.patch(f'/api/v1/licences/{made[-1]}', {'valid_from': day(-1), 'valid_until': day(1095)})
    t.status(r, 200)
    t.eq((r.json['state'], r.json['days_left'], r.json['valid_from']),
         ('valid', 1095, day(-1)), 'renewed')
    t.eq(r.json['number'], '(苏)WH安许证字〔2024〕0009', 'fields not in the PATCH are kept')
    t.eq(a.get(f'/api/v1/enterprises/{e}').json['licence_state'], 'expiring_30')
    t.status(a.delete(f'/api/v1/licences/{made[0]}'), 204)
    t.status(a.delete(f'/api/v1/licences/{made[0]}'), 404)
    t.status(a.patch(f'/api/v1/licences/{made[0]}', {'issuer': 'x'}), 404)
    t.eq(len(a.get(f'/api/v1/enterprises/{e}/licences').json['items']), len(want) - 1)
    actions = [x[0] for x in s.sql("SELECT action FROM audit_log WHERE entity = 'licence' "
                                   "ORDER BY id")]
    t.eq(actions, ['licence.create'] * len(want) + ['licence.update', 'licence.delete'])
    r = s.cli('audit', 'verify')
    t.eq(r.returncode, 0, r.stdout + r.stderr)
    # Deleting the enterprise takes its licences with it; the audit record lists them.
    t.status(a.delete(f'/api/v1/enterprises/{e}'), 204)
    t.eq(s.sql('SELECT COUNT(*) FROM licence')[0][0], 0)


def test_the_local_day_changes_at_16_utc(t):
    """2026-11-29T15:59:59Z is still 2026-11-29 in UTC+8; 16:00:00Z is 2026-11-30."""
    for now, today in ((ms(2026, 11, 29, 15, 59, 59), datetime.date(2026, 11, 29)),
                       (ms(2026, 11, 29, 16, 0, 0), datetime.date(2026, 11, 30))):
        s = fixed(t, now)
        a = s.admin()
        e = enterprise(t, a, uscc(R1), '换日企业')
        r = a.post(f'/api/v1/enterprises/{e}/licences', lic('A-1', '2026-11-29'))
        t.status(r, 201)
        left = (datetime.date(2026, 11, 29) - today).days
        t.eq(r.json['days_left'], left, f'now={now}')
        t.eq(r.json['state'], 'expiring_30' if left == 0 else 'expired', f'now={now}')
        s.stop()


def test_bands_are_settings(t):
    s = fixed(t, extra=['--set', 'licence.expiring_90_days=120', '--set',
                        'licence.expiring_60_days=45', '--set', 'licence.expiring_30_days=15'])
    a = s.admin()
    e = enterprise(t, a, uscc(R1), '配置企业')
    for off, want in ((15, 'expiring_30'), (16, 'expiring_60'), (45, 'expiring_60'),
                      (46, 'expiring_90'), (120, 'expiring_90'), (121, 'valid')):
        r = a.post(f'/api/v1/enterprises/{e}/licences', lic(f'B-{off}', day(off)))
        t.eq(r.json['state'], want, off)
    ids = [x['days_left'] for x in a.get('/api/v1/licences?state=expiring').json['items']]
    t.eq(ids, [15, 16, 45, 46, 120])
    # Bands out of order stop the program with the keys named.
    for bad in ('licence.expiring_30_days=70', 'licence.expiring_60_days=90',
                'licence.expiring_90_days=0'):
        r = subprocess.run([BIN, 'routes', '--set', bad], capture_output=True, text=True,
                           timeout=60)
        t.eq(r.returncode, 2, bad + ': ' + r.stdout + r.stderr)
        t.true(bad.split('=')[0].split('.')[1] in r.stderr, r.stderr)


def test_bad_input_names_the_field(t):
    s = fixed(t)
    a = s.admin()
    e = enterprise(t, a, uscc(R1), '坏输入企业')
    good = lic('C-1', day(100))
    cases = [({'type': 'driving'}, 'type'), ({'type': ''}, 'type'), ({'type': 5}, 'type'),
             ({'number': ''}, 'number'), ({'number': '   '}, 'number'), ({'number': 7}, 'number'),
             ({'number': 'x' * 65}, 'number'), ({'issuer': 'x' * 101}, 'issuer'),
             ({'valid_from': '2026-02-29'}, 'valid_from'), ({'valid_from': '2026-13-01'},
                                                            'valid_from'),
             ({'valid_until': '2026-04-31'}, 'valid_until'), ({'valid_until': '2026/12/01'},
                                                              'valid_until'),
             ({'valid_until': '26-12-01'}, 'valid_until'), ({'valid_until': '2026-12-1'},
                                                            'valid_until'),
             ({'valid_until': '2026-12-01T00:00'}, 'valid_until'), ({'valid_until': None},
                                                                    'valid_until'),
             ({'valid_from': '1800-01-01'}, 'valid_from'),
             ({'valid_from': '2026-06-02', 'valid_until': '2026-06-01'}, 'valid_until'),
             ({'state': 'valid'}, 'state'), ({'enterprise_id': e}, 'enterprise_id')]
    for extra, field in cases:
        b = dict(good, **extra)
        t.problem(a.post(f'/api/v1/enterprises/{e}/licences', b), 422, field)
    for field in ('type', 'number', 'valid_from', 'valid_until'):
        b = dict(good)
        del b[field]
        t.problem(a.post(f'/api/v1/enterprises/{e}/licences', b), 422, field)
    t.eq(s.sql('SELECT COUNT(*) FROM licence')[0][0], 0, 'nothing written')
    # 2028 is a leap year; a licence may start and end on the same day.
    r = a.post(f'/api/v1/enterprises/{e}/licences', lic('C-2', '2028-02-29',
                                                        valid_from='2028-02-29'))
    t.status(r, 201)
    lid = r.json['id']
    t.problem(a.post(f'/api/v1/enterprises/{e}/licences', lic('C-2', '2029-01-01')), 409)
    t.status(a.post(f'/api/v1/enterprises/{e}/licences',
                    lic('C-2', '2029-01-01', type_='hazchem_use')), 201)
    t.problem(a.patch(f'/api/v1/licences/{lid}', {'valid_from': '2028-03-01'}), 422,
              'valid_until')
    t.problem(a.patch(f'/api/v1/licences/{lid}', {'type': 'hazchem_use'}), 409)
    t.problem(a.patch(f'/api/v1/licences/{lid}', {'enterprise_id': 1}), 422, 'enterprise_id')
    t.eq(s.sql('SELECT valid_from, type FROM licence WHERE id = ?', (lid,))[0],
         ('2028-02-29', 'safety_production'), 'refused changes left the licence as it was')
    t.status(a.post('/api/v1/enterprises/999999/licences', good), 404)
    for bad in ('state=soon', 'within_days=-1', 'within_days=x', 'within_days=3651',
                'within_days=01', 'type=driving', 'region=12', 'sort=number', 'colour=red'):
        t.status(a.get('/api/v1/licences?' + bad), 400, bad)
    t.status(a.get(f'/api/v1/enterprises/{e}/licences?region={R1}'), 400, 'no region there')


def test_expiring_list_is_scoped_and_filtered(t):
    s = fixed(t)
    a = s.admin()
    g1 = a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格', 'region_code': T1}).json['id']
    e1 = enterprise(t, a, uscc(R1, 'MA000001'), '亭湖甲厂', T1, grid_id=g1)
    e1b = enterprise(t, a, uscc(R1, 'MA000002'), '亭湖乙厂')
    e2 = enterprise(t, a, uscc(R2, 'MA000003'), '盐都丙厂', T2)
    made = {}
    for e, number, off, type_ in ((e1, 'L1', 10, 'safety_production'),
                                  (e1, 'L2', -5, 'hazchem_use'),
                                  (e1b, 'L3', 45, 'hazchem_business'),
                                  (e1b, 'L4', 400, 'safety_production'),
                                  (e2, 'L5', 3, 'safety_production'),
                                  (e2, 'L6', 80, 'fireworks_business')):
        r = a.post(f'/api/v1/enterprises/{e}/licences', lic(number, day(off), type_))
        t.status(r, 201)
        made[number] = r.json['id']
    insp1 = s.user('insp.r1', 'inspector', 'region:' + R1)
    insp2 = s.user('insp.r2', 'inspector', 'region:' + R2)
    gp = s.user('gp.g1', 'grid_patroller', f'grids:{g1}')
    eo = s.user('eo.e1b', 'enterprise_officer', 'enterprise:' + uscc(R1, 'MA000002'))

    def numbers(c, query=''):
        r = c.get('/api/v1/licences?limit=500' + ('&' + query if query else ''))
        t.status(r, 200, query)
        return [x['number'] for x in r.json['items']]

    t.eq(numbers(a), ['L2', 'L5', 'L1', 'L3', 'L6', 'L4'], 'default: valid_until ascending')
    t.eq(numbers(insp1), ['L2', 'L1', 'L3', 'L4'], 'another county is not seen')
    t.eq(numbers(insp2), ['L5', 'L6'])
    t.eq(numbers(gp), ['L2', 'L1'], 'grid roles: the enterprises of their grids')
    t.eq(numbers(eo), ['L3', 'L4'], 'an officer: its own enterprise')
    t.eq(numbers(insp1, 'state=expiring'), ['L1', 'L3'])
    t.eq(numbers(a, 'state=expiring'), ['L5', 'L1', 'L3', 'L6'])
    t.eq(numbers(a, 'state=expired'), ['L2'])
    t.eq(numbers(a, 'state=expiring_30'), ['L5', 'L1'])
    t.eq(numbers(a, 'state=expiring_60'), ['L3'])
    t.eq(numbers(a, 'state=expiring_90'), ['L6'])
    t.eq(numbers(a, 'state=valid'), ['L4'])
    t.eq(numbers(a, 'within_days=10'), ['L5', 'L1'], 'expired excluded, day 10 included')
    t.eq(numbers(a, 'within_days=0'), [])
    t.eq(numbers(a, 'within_days=45&state=expiring_60'), ['L3'])
    t.eq(numbers(a, 'within_days=30&state=expiring_90'), [], 'an empty intersection')
    t.eq(numbers(a, 'type=safety_production'), ['L5', 'L1', 'L4'])
    t.eq(numbers(a, f'region={R2}'), ['L5', 'L6'])
    t.eq(numbers(insp1, f'region={R2}'), [], 'a filter never widens the scope')
    t.eq(numbers(a, 'sort=-valid_until'), ['L4', 'L6', 'L3', 'L1', 'L5', 'L2'])
    seen, after = [], None
    while True:
        r = a.get('/api/v1/licences?limit=2' + (f'&after={after}' if after else ''))
        seen += [x['number'] for x in r.json['items']]
        after = r.json['next']
        if after is None:
            break
    t.eq(seen, ['L2', 'L5', 'L1', 'L3', 'L6', 'L4'], 'keyset pages')
    # An enterprise's own list, and the enterprise outside the scope.
    t.status(insp1.get(f'/api/v1/enterprises/{e2}/licences'), 403)
    t.status(gp.get(f'/api/v1/enterprises/{e1b}/licences'), 403)
    r = insp2.get(f'/api/v1/enterprises/{e2}/licences?state=expiring_30')
    t.eq([x['number'] for x in r.json['items']], ['L5'])
    # Writes outside the scope are refused and change nothing.
    t.status(insp1.patch(f'/api/v1/licences/{made["L5"]}', {'issuer': 'x'}), 403)
    t.status(insp1.delete(f'/api/v1/licences/{made["L5"]}'), 403)
    t.status(insp1.post(f'/api/v1/enterprises/{e2}/licences', lic('L7', day(9))), 403)
    t.eq(s.sql('SELECT COUNT(*) FROM licence')[0][0], 6)
    t.eq(s.sql('SELECT issuer FROM licence WHERE id = ?', (made['L5'],))[0][0], '盐城市应急管理局')


def test_officers_read_licences_but_do_not_write_them(t):
    s = fixed(t)
    a = s.admin()
    own = uscc(R1, 'MA000009')
    e = enterprise(t, a, own, '自家企业')
    lid = a.post(f'/api/v1/enterprises/{e}/licences', lic('D-1', day(5))).json['id']
    eo = s.user('eo.own', 'enterprise_officer', 'enterprise:' + own)
    r = eo.get(f'/api/v1/enterprises/{e}/licences')
    t.eq([x['id'] for x in r.json['items']], [lid])
    t.status(eo.post(f'/api/v1/enterprises/{e}/licences', lic('D-2', day(5))), 403)
    t.status(eo.patch(f'/api/v1/licences/{lid}', {'valid_until': day(900)}), 403)
    t.status(eo.delete(f'/api/v1/licences/{lid}'), 403)
    t.eq(s.sql('SELECT valid_until FROM licence')[0][0], day(5))
    gm = s.user('gm.none', 'grid_manager', 'region:' + R1)
    t.status(gm.patch(f'/api/v1/licences/{lid}', {'issuer': '亭湖区应急管理局'}), 200)


def test_worst_licence_state_filters_enterprises(t):
    s = fixed(t)
    a = s.admin()
    ids = {}
    for i, (name, offs) in enumerate((('过期厂', (-3, 200)), ('临期厂', (20, 70)),
                                      ('远期厂', (100,)), ('无证厂', ()))):
        ids[name] = enterprise(t, a, uscc(R1, f'MA00010{i}'), name)
        for j, off in enumerate(offs):
            t.status(a.post(f'/api/v1/enterprises/{ids[name]}/licences',
                            lic(f'E-{i}-{j}', day(off))), 201)

    def names(query):
        r = a.get('/api/v1/enterprises?limit=500&' + query)
        t.status(r, 200, query)
        return sorted(x['name'] for x in r.json['items'])

    t.eq(names('licence_state=expired'), ['过期厂'])
    t.eq(names('licence_state=expiring'), ['临期厂'])
    t.eq(names('licence_state=expiring_30'), ['临期厂'])
    t.eq(names('licence_state=expiring_90'), [])
    t.eq(names('licence_state=valid'), ['远期厂'])
    states = {x['name']: x['licence_state'] for x in
              a.get('/api/v1/enterprises?limit=500').json['items']}
    t.eq(states, {'过期厂': 'expired', '临期厂': 'expiring_30', '远期厂': 'valid', '无证厂': None})
    t.status(a.get('/api/v1/enterprises?licence_state=soon'), 400)


def test_named_supervision(t):
    """挂牌责任制: a supervising department and a named inspector (or leader) per enterprise,
    both inside the writer's scope; the enterprises without them are one filter away."""
    s = fixed(t)
    a = s.admin()
    d1 = a.post('/api/v1/depts', {'name': '亭湖区应急管理局', 'region_code': R1}).json['id']
    d2 = a.post('/api/v1/depts', {'name': '盐都区应急管理局', 'region_code': R2}).json['id']
    dcity = a.post('/api/v1/depts', {'name': '盐城市应急管理局', 'region_code': '320900'}).json['id']
    own = uscc(R1, 'MA000020')
    e1 = enterprise(t, a, own, '挂牌企业')
    e2 = enterprise(t, a, uscc(R1, 'MA000021'), '未挂牌企业')
    e3 = enterprise(t, a, uscc(R2, 'MA000022'), '盐都企业', R2)

    def user(login, role, scope, **kw):
        b = {'login': login, 'role': role, 'scope': scope}
        b.update(kw)
        r = a.post('/api/v1/users', b)
        t.status(r, 201, login)
        return r.json['id']

    zhang = user('zhang.san', 'inspector', 'region:' + R1, display_name='张三')
    li = user('li.si', 'leader', 'region:' + R1)
    wang = user('wang.wu', 'inspector', 'region:' + R2, display_name='王五')
    patroller = user('gp.x', 'grid_patroller', 'region:' + R1)
    bot = user('bot.x', 'inspector', 'region:' + R1, machine=True)
    r = a.patch(f'/api/v1/enterprises/{e1}', {'supervising_dept_id': d1, 'supervisor_id': zhang})
    t.status(r, 200)
    t.eq((r.json['supervising_dept_id'], r.json['supervising_dept_name'], r.json['supervisor_id'],
          r.json['supervisor_name']), (d1, '亭湖区应急管理局', zhang, '张三'))
    r = a.get(f'/api/v1/enterprises/{e1}')
    t.eq((r.json['supervising_dept_name'], r.json['supervisor_name']), ('亭湖区应急管理局', '张三'))
    # A leader may be named; a city-level department includes the county.
    t.status(a.patch(f'/api/v1/enterprises/{e1}', {'supervisor_id': li,
                                                   'supervising_dept_id': dcity}), 200)
    t.eq(a.get(f'/api/v1/enterprises/{e1}').json['supervisor_name'], 'li.si', 'login when no name')
    t.status(a.patch(f'/api/v1/enterprises/{e1}', {'supervisor_id': zhang,
                                                   'supervising_dept_id': d1}), 200)

    def names(c, query):
        r = c.get('/api/v1/enterprises?limit=500&' + query)
        t.status(r, 200, query)
        return sorted(x['name'] for x in r.json['items'])

    t.eq(names(a, 'supervision=assigned'), ['挂牌企业'])
    t.eq(names(a, 'supervision=none'), ['未挂牌企业', '盐都企业'])
    t.status(a.get('/api/v1/enterprises?supervision=some'), 400)
    # Only the department, or only the person: not fully assigned yet.
    t.status(a.patch(f'/api/v1/enterprises/{e2}', {'supervising_dept_id': d1}), 200)
    t.eq(names(a, 'supervision=none'), ['未挂牌企业', '盐都企业'])
    # Checks: what is named must exist, be a person with the right role, and fit.
    for b, field in (({'supervising_dept_id': 999999}, 'supervising_dept_id'),
                     ({'supervisor_id': 999999}, 'supervisor_id'),
                     ({'supervisor_id': patroller}, 'supervisor_id'),
                     ({'supervisor_id': bot}, 'supervisor_id'),
                     ({'supervisor_id': wang}, 'supervisor_id'),
                     ({'supervising_dept_id': d2}, 'supervising_dept_id'),
                     ({'supervisor_id': 'zhang'}, 'supervisor_id'),
                     ({'supervisor_id': 0}, 'supervisor_id')):
        t.problem(a.patch(f'/api/v1/enterprises/{e2}', b), 422, field)
    # Moving an enterprise out of its department's or inspector's reach needs a new one.
    t.problem(a.patch(f'/api/v1/enterprises/{e1}', {'region_code': R2}), 422, 'supervisor_id')
    t.status(a.patch(f'/api/v1/enterprises/{e1}', {'region_code': R2, 'supervisor_id': wang,
                                                   'supervising_dept_id': d2}), 200)
    t.status(a.patch(f'/api/v1/enterprises/{e1}', {'region_code': R1, 'supervisor_id': zhang,
                                                   'supervising_dept_id': d1}), 200)
    # A region administrator names only departments and people inside its scope.
    ra = s.user('admin.r1', 'admin', 'region:' + R1)
    t.problem(ra.patch(f'/api/v1/enterprises/{e2}', {'supervising_dept_id': dcity}), 403,
              'supervising_dept_id')
    r = a.post('/api/v1/users', {'login': 'insp.city', 'role': 'inspector',
                                 'scope': 'region:320900'})
    t.problem(ra.patch(f'/api/v1/enterprises/{e2}', {'supervisor_id': r.json['id']}), 403,
              'supervisor_id')
    t.status(ra.patch(f'/api/v1/enterprises/{e3}', {'supervisor_id': wang}), 403)
    # POST takes them too; null clears.
    r = a.post('/api/v1/enterprises', body(uscc(R1, 'MA000023'), '新挂牌企业',
                                           supervising_dept_id=d1, supervisor_id=zhang))
    t.status(r, 201)
    t.eq((r.json['supervisor_name'], r.json['supervising_dept_name']), ('张三', '亭湖区应急管理局'))
    r = a.patch(f'/api/v1/enterprises/{r.json["id"]}', {'supervisor_id': None,
                                                        'supervising_dept_id': None})
    t.eq((r.json['supervisor_id'], r.json['supervisor_name'], r.json['supervising_dept_id']),
         (None, None, None))
    # The enterprise's officer may not change them.
    eo = s.user('eo.own', 'enterprise_officer', 'enterprise:' + own)
    t.problem(eo.patch(f'/api/v1/enterprises/{e1}', {'supervisor_id': None}), 403,
              'supervisor_id')
    t.problem(eo.patch(f'/api/v1/enterprises/{e1}', {'supervising_dept_id': d1}), 403,
              'supervising_dept_id')
    t.eq(s.sql('SELECT supervising_dept_id, supervisor_id FROM enterprise WHERE id = ?', (e1,))[0],
         (d1, zhang))
    # Named people and departments cannot be deleted while named.
    t.status(a.delete(f'/api/v1/users/{zhang}'), 409)
    t.status(a.delete(f'/api/v1/depts/{d1}'), 409)


def test_naming_a_supervisor_outside_the_scope_tells_nothing_about_them(t):
    """Inspectors and grid managers write supervision but may not read users (no user.read):
    naming someone outside their scope answers 403 before any check that would tell that
    person's role or kind of account."""
    s = fixed(t)
    a = s.admin()
    e1 = enterprise(t, a, uscc(R1, 'MA000050'), '亭湖企业')
    ids = {}
    for login, role, machine in (('gp.r2', 'grid_patroller', False),
                                 ('gs.r2', 'grid_supervisor', False),
                                 ('bot.r2', 'inspector', True), ('insp.r2', 'inspector', False)):
        r = a.post('/api/v1/users', {'login': login, 'role': role, 'scope': 'region:' + R2,
                                     'machine': machine})
        t.status(r, 201, login)
        ids[login] = r.json['id']
    for writer, role in (('insp.r1', 'inspector'), ('gm.r1', 'grid_manager')):
        c = s.user(writer, role, 'region:' + R1)
        for login, uid in ids.items():
            r = c.patch(f'/api/v1/enterprises/{e1}', {'supervisor_id': uid})
            t.problem(r, 403, 'supervisor_id')
            text = r.body.decode()
            for word in ('grid_patroller', 'grid_supervisor', 'machine', 'inspector or a leader'):
                t.true(word not in text, f'{writer} naming {login}: {text}')
    t.eq(s.sql('SELECT supervisor_id FROM enterprise WHERE id = ?', (e1,))[0][0], None)


def test_resending_the_supervision_unchanged_is_not_naming_it(t):
    """A form sends the whole record back: a county inspector who edits an enterprise that the
    city bureau and a city leader supervise (both outside the county scope) changes its
    address; sending the supervision fields back unchanged names nobody new. Changing them to
    someone outside the scope is still refused."""
    s = fixed(t)
    a = s.admin()
    dcity = a.post('/api/v1/depts', {'name': '盐城市应急管理局', 'region_code': '320900'}).json['id']
    d1 = a.post('/api/v1/depts', {'name': '亭湖区应急管理局', 'region_code': R1}).json['id']
    r = a.post('/api/v1/users', {'login': 'leader.city', 'role': 'leader',
                                 'scope': 'region:320900', 'display_name': '市领导'})
    t.status(r, 201)
    boss = r.json['id']
    r = a.post('/api/v1/users', {'login': 'insp.other', 'role': 'leader', 'scope': 'region:320900'})
    other = r.json['id']
    e = enterprise(t, a, uscc(R1, 'MA000060'), '市级挂牌企业', supervising_dept_id=dcity,
                   supervisor_id=boss)
    insp = s.user('insp.r1', 'inspector', 'region:' + R1)
    form = insp.get(f'/api/v1/enterprises/{e}').json
    r = insp.patch(f'/api/v1/enterprises/{e}', {'address': '新地址',
                                                'supervising_dept_id': form['supervising_dept_id'],
                                                'supervisor_id': form['supervisor_id']})
    t.status(r, 200)
    t.eq((r.json['address'], r.json['supervising_dept_id'], r.json['supervisor_id']),
         ('新地址', dcity, boss))
    t.problem(insp.patch(f'/api/v1/enterprises/{e}', {'supervisor_id': other}), 403,
              'supervisor_id')
    t.problem(insp.patch(f'/api/v1/enterprises/{e}', {'supervising_dept_id': dcity,
                                                      'supervisor_id': other}), 403,
              'supervisor_id')
    # Clearing or naming inside the scope stays allowed.
    t.status(insp.patch(f'/api/v1/enterprises/{e}', {'supervising_dept_id': d1}), 200)
    t.problem(insp.patch(f'/api/v1/enterprises/{e}', {'supervising_dept_id': dcity}), 403,
              'supervising_dept_id')
    t.eq(s.sql('SELECT address, supervising_dept_id, supervisor_id FROM enterprise')[0],
         ('新地址', d1, boss))


def test_grid_managers_name_supervision_only_with_a_region_scope(t):
    """docs/enterprise.md: a grid manager with a region scope names a department and an
    inspector inside it; with a grid scope it names neither (403)."""
    s = fixed(t)
    a = s.admin()
    g1 = a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格', 'region_code': T1}).json['id']
    e = enterprise(t, a, uscc(R1, 'MA000070'), '网格企业', T1, grid_id=g1)
    d1 = a.post('/api/v1/depts', {'name': '亭湖区应急管理局', 'region_code': R1}).json['id']
    r = a.post('/api/v1/users', {'login': 'insp.r1', 'role': 'inspector', 'scope': 'region:' + R1})
    insp = r.json['id']
    by_grid = s.user('gm.grid', 'grid_manager', f'grids:{g1}')
    t.problem(by_grid.patch(f'/api/v1/enterprises/{e}', {'supervising_dept_id': d1}), 403,
              'supervising_dept_id')
    t.problem(by_grid.patch(f'/api/v1/enterprises/{e}', {'supervisor_id': insp}), 403,
              'supervisor_id')
    by_region = s.user('gm.region', 'grid_manager', 'region:' + R1)
    r = by_region.patch(f'/api/v1/enterprises/{e}', {'supervising_dept_id': d1,
                                                     'supervisor_id': insp})
    t.status(r, 200)
    t.eq((r.json['supervising_dept_id'], r.json['supervisor_id']), (d1, insp))


def test_history_shows_field_changes_and_masks_phones(t):
    s = fixed(t)
    a = s.admin()
    g1 = a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格', 'region_code': T1}).json['id']
    e = enterprise(t, a, uscc(R1, 'MA000030'), '历史企业', T1, grid_id=g1)
    e2 = enterprise(t, a, uscc(R2, 'MA000031'), '盐都企业', T2)
    r = a.patch(f'/api/v1/enterprises/{e}', {'name': '历史企业（更名）',
                                              'legal_rep_phone': '13955556666'})
    t.status(r, 200)
    lid = a.post(f'/api/v1/enterprises/{e}/licences', lic('H-1', day(20))).json['id']
    t.status(a.patch(f'/api/v1/licences/{lid}', {'valid_until': day(500)}), 200)
    t.status(a.delete(f'/api/v1/licences/{lid}'), 204)
    t.status(a.patch(f'/api/v1/enterprises/{e2}', {'address': '别处'}), 200)
    insp = s.user('insp.r1', 'inspector', 'region:' + R1)
    gp = s.user('gp.g1', 'grid_patroller', f'grids:{g1}')
    other = s.user('insp.r2', 'inspector', 'region:' + R2)

    r = insp.get(f'/api/v1/enterprises/{e}/history')
    t.status(r, 200)
    items = r.json['items']
    t.eq([(x['action'], x['entity']) for x in items],
         [('licence.delete', 'licence'), ('licence.update', 'licence'),
          ('licence.create', 'licence'), ('enterprise.update', 'enterprise'),
          ('enterprise.create', 'enterprise')], 'newest first, licences included')
    t.eq(items[0]['entity_id'], str(lid))
    t.eq(items[1]['changes'], [{'field': 'valid_until', 'old': day(20), 'new': day(500)}])
    upd = items[3]
    t.eq(upd['actor_login'], 'admin')
    t.true(upd['at_ms'] > 0)
    t.eq(upd['changes'], [{'field': 'legal_rep_phone', 'old': '13812341234', 'new': '13955556666'},
                          {'field': 'name', 'old': '历史企业', 'new': '历史企业（更名）'}])
    t.eq(upd['summary']['before']['legal_rep_phone'], '13812341234')
    t.eq(items[4]['changes'], [])
    t.eq(items[4]['summary']['legal_rep_phone'], '13812341234')
    # A grid patroller sees the enterprise's phones masked: in the history too.
    r = gp.get(f'/api/v1/enterprises/{e}/history')
    t.status(r, 200)
    upd = [x for x in r.json['items'] if x['action'] == 'enterprise.update'][0]
    t.eq(upd['changes'], [{'field': 'legal_rep_phone', 'old': '138****1234', 'new': '139****6666'},
                          {'field': 'name', 'old': '历史企业', 'new': '历史企业（更名）'}])
    t.eq(upd['summary']['before']['legal_rep_phone'], '138****1234')
    t.eq(upd['summary']['before']['safety_officer_phone'], '139****1111')
    created = [x for x in r.json['items'] if x['action'] == 'enterprise.create'][0]
    t.eq(created['summary']['legal_rep_phone'], '138****1234')
    t.true('13812341234' not in r.body.decode() and '13955556666' not in r.body.decode(),
           'no phone in clear anywhere in the answer')
    # Paging, and the scope.
    r = insp.get(f'/api/v1/enterprises/{e}/history?limit=2')
    t.eq([x['action'] for x in r.json['items']], ['licence.delete', 'licence.update'])
    r = insp.get(f'/api/v1/enterprises/{e}/history?limit=2&after={r.json["next"]}')
    t.eq([x['action'] for x in r.json['items']], ['licence.create', 'enterprise.update'])
    t.status(insp.get(f'/api/v1/enterprises/{e}/history?sort=id'), 400)
    t.status(other.get(f'/api/v1/enterprises/{e}/history'), 403)
    t.status(a.get('/api/v1/enterprises/999999/history'), 404)
    r = a.get(f'/api/v1/enterprises/{e2}/history')
    t.eq([x['action'] for x in r.json['items']], ['enterprise.update', 'enterprise.create'])
    r = s.cli('audit', 'verify')
    t.eq(r.returncode, 0, r.stdout + r.stderr)


def test_search_and_licence_filters_combine(t):
    """The new filters combine with the existing ones and with search."""
    s = fixed(t)
    a = s.admin()
    e = enterprise(t, a, uscc(R1, 'MA000040'), '组合化工有限公司')
    enterprise(t, a, uscc(R1, 'MA000041'), '组合机械有限公司', industry_code='3411')
    a.post(f'/api/v1/enterprises/{e}/licences', lic('F-1', day(1)))
    r = a.get('/api/v1/enterprises?' + quote('q=组合', safe='=') +
              '&licence_state=expiring&supervision=none&high_risk=true')
    t.status(r, 200)
    t.eq([x['id'] for x in r.json['items']], [e])


run(globals())
