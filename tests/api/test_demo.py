#!/usr/bin/env python3
"""The demo city 盐城市 (issue 3, docs/map.md): `anjian serve --demo` loads, once, the nine
counties' boundaries, generated grids in every county, 2000 generated enterprises (valid GB 32100
codes, real GB/T 4754 classes, each inside its county and its grid cell) plus the Jiangsu
enterprises of the published lists, and an account for every role whose password is printed once
and must be changed; a grid patroller sees only its grid; a second start loads nothing; the
same seed gives the same city; `anjian demo load` does the same from the command line. The demo
names a supervising department per county and the county's inspector for most enterprises
(some have none), and gives its high-risk and hazardous-chemical enterprises licences dated from
the load day so that every warning state occurs. It holds hidden hazards (issue 4) in every state
across the city, with timelines the life cycle allows, acted by the demo's people, dated
before the load day, numbered YH-<division>-<year>-<seq> in report order. Its risk graded control
(issue 5) has points in all four colours and enterprises in all four grades."""
import csv
import datetime
import json
import os
import re
import sqlite3
import subprocess

from harness import SRC_ROOT, run

USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
COUNTIES = ['320902', '320903', '320904', '320921', '320922', '320923', '320924', '320925',
            '320981']
ROLES = {'admin', 'leader', 'inspector', 'grid_manager', 'grid_patroller', 'grid_supervisor',
         'enterprise_officer'}
ACCOUNT = re.compile(r'^\s+(demo\.\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$')


def uscc_valid(code):
    """GB 32100-2015 §4 check character and the embedded GB 11714 organization code check."""
    if len(code) != 18 or not code[2:8].isdigit() or any(c not in USCC_CHARSET for c in code):
        return False
    total = sum(USCC_CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    if code[17] != USCC_CHARSET[(31 - total % 31) % 31]:
        return False
    s = sum((int(c) if c.isdigit() else ord(c) - ord('A') + 10) * w
            for c, w in zip(code[8:16], (3, 7, 9, 10, 5, 8, 4, 2)))
    c9 = 11 - s % 11
    return code[16] == ('X' if c9 == 10 else '0' if c9 == 11 else str(c9))


def inside(geometry, lon, lat):
    """Even-odd point-in-polygon over every ring of a Polygon or MultiPolygon."""
    polys = geometry['coordinates'] if geometry['type'] == 'MultiPolygon' else \
        [geometry['coordinates']]
    n = 0
    for poly in polys:
        for ring in poly:
            j = len(ring) - 1
            for i in range(len(ring)):
                (xi, yi), (xj, yj) = ring[i][:2], ring[j][:2]
                if (yi > lat) != (yj > lat) and lon < xi + (lat - yi) * (xj - xi) / (yj - yi):
                    n += 1
                j = i
    return n % 2 == 1


def accounts(stdout):
    """The printed accounts table: {login: (role, scope, password)}."""
    return {m.group(1): m.group(2, 3, 4)
            for m in map(ACCOUNT.match, stdout.splitlines()) if m}


def cli_on(s, db, *cmd):
    """Runs `anjian CMD` with the server's settings on another database file."""
    args = [db if a == s.db else a for a in s.args(*cmd)]
    args += [a for a in s.extra_cli() if a != '--demo']
    return subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=s.tmp)


def all_enterprises(c):
    items, after = [], None
    while True:
        r = c.get('/api/v1/enterprises?limit=500' + (f'&after={after}' if after else ''))
        assert r.status == 200, r
        items += r.json['items']
        after = r.json['next']
        if after is None:
            return items


def test_demo_city_is_loaded_whole_and_valid(t):
    s = t.server(['--demo'])
    a = s.admin()
    counties = a.get('/api/v1/map/boundaries?parent=320900').json['features']
    t.eq(sorted(f['properties']['code'] for f in counties), COUNTIES, 'the 9 counties')
    shape = {f['properties']['code']: f['geometry'] for f in counties}
    t.eq(len(a.get('/api/v1/map/boundaries?code=320900').json['features']), 1, 'the city')
    # Grids in every county, named after their towns, marked as generated.
    grids = {}
    for code in COUNTIES:
        fc = a.get('/api/v1/map/grids?region=' + code).json
        t.true(len(fc['features']) >= 10, f'{code}: {len(fc["features"])} grids')
        for f in fc['features']:
            grids[f['properties']['id']] = f
    towns = {}
    for code in COUNTIES:
        for r in a.get(f'/api/v1/regions/{code}/children').json['items']:
            towns[r['code']] = r['name']
    named = set()
    for g in grids.values():
        p = g['properties']
        t.true(p['region_code'] in towns, f'grid {p} lies in a town of the city')
        t.true(re.fullmatch(re.escape(towns[p['region_code']]) + r'第\d+网格', p['name']),
               p['name'])
        t.true('not a surveyed boundary' in g['geometry']['generated'], g['geometry'])
        named.add(p['region_code'])
    t.eq(named, set(towns), 'every town has a grid')
    # Enterprises: 2000 generated, located inside their county and their grid cell.
    items = all_enterprises(a)
    generated = [e for e in items if e['name'].endswith('（演示数据）')]
    listed = [e for e in items if not e['name'].endswith('（演示数据）')]
    t.eq(len(generated), 2000)
    for e in items:
        t.true(uscc_valid(e['uscc']), f'{e["uscc"]} {e["name"]}')
    t.eq(len({e['uscc'] for e in items}), len(items), 'codes are unique')
    t.eq(len({e['name'] for e in generated}), 2000, 'names are unique')
    classes = {e['industry_code'] for e in generated}
    t.true(len(classes) >= 30, f'{len(classes)} classes')
    high = [e for e in generated if e['high_risk']]
    t.true(200 < len(high) < 700, f'{len(high)} high-risk of 2000')
    t.eq({e['high_risk_category'] for e in high}, {'hazchem', 'fireworks', 'mining', 'metallurgy'})
    for e in generated:
        county = e['region_code'][:6]
        t.true(county in shape, e)
        t.true(e['grid_id'] in grids, f'{e["name"]}: grid {e["grid_id"]}')
        t.true(e['uscc'][2:8] == county, f'registered in its county: {e["uscc"]}')
        if not inside(shape[county], e['lon'], e['lat']):
            raise AssertionError(f'{e["name"]} at {e["lon"]},{e["lat"]} is outside {county}')
        ring = grids[e['grid_id']]['geometry']['coordinates'][0]
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        t.true(min(lons) <= e['lon'] <= max(lons) and min(lats) <= e['lat'] <= max(lats),
               f'{e["name"]} outside its grid cell')
        t.eq(grids[e['grid_id']]['properties']['region_code'], e['region_code'])
        t.true(e['legal_rep_phone'].startswith('0515-0'), e['legal_rep_phone'])
        t.true(e['legal_rep'].endswith('（演示）') and e['safety_officer'].endswith('（演示）'),
               (e['legal_rep'], e['safety_officer']))
        t.true(e['scale'] in ('micro', 'small', 'medium', 'large') and e['employees'] > 0)
        t.true(e['address'].endswith('（演示地址）'), e['address'])
    t.eq(len(a.get('/api/v1/map/enterprises').json['features']), 2000, 'all generated on the map')
    # The Jiangsu rows of the published lists, as copied into data/demo/.
    with open(os.path.join(SRC_ROOT, 'data', 'demo', 'enterprise_lists_jiangsu.csv'),
              encoding='utf-8') as fh:
        rows = list(csv.DictReader(fh))
    t.eq(sorted(e['name'] for e in listed), sorted(r['enterprise_name'] for r in rows))
    for e in listed:
        row = [r for r in rows if r['enterprise_name'] == e['name']][0]
        t.eq((e['region_code'], e['industry_code'], e['std_grade']),
             (row['anjian_region_code'], row['anjian_industry_code'], row['anjian_std_grade']))
        t.eq((e['lat'], e['lon']), (None, None), 'no location was published')
        t.true('信用代码为生成' in e['address'], 'the generated code is said to be generated')
    # One audit record for the whole load, and the chain verifies.
    t.eq([x[0] for x in s.sql("SELECT actor_login FROM audit_log WHERE action = 'demo.load'")],
         ['system'])
    r = cli_on(s, s.db, 'audit', 'verify')
    t.eq(r.returncode, 0, r.stdout + r.stderr)


def test_every_role_logs_in_with_its_printed_password(t):
    s = t.server(['--demo'])
    acc = accounts(s.stdout())
    t.eq({v[0] for v in acc.values()}, ROLES, 'an account for every role')
    t.true(len(acc) >= 20, f'{len(acc)} accounts')
    t.true(sum(1 for v in acc.values() if v[0] == 'inspector') == 9, 'one inspector a county')
    t.eq(s.stdout().count(acc['demo.leader'][2]), 1, 'each password is printed once')
    for login, (role, scope, password) in acc.items():
        r = s.anon().post('/api/v1/session', {'login': login, 'password': password})
        t.status(r, 201, login)
        t.eq(r.json['must_change_password'], True, login)
        me = s.login(login, password)[0].get('/api/v1/me')
        t.eq((me.json['role'], me.json['scope']), (role, scope), login)
    # No password is stored in clear, nor in the audit record.
    stored = ' '.join(str(x) for row in s.sql('SELECT password_hash FROM app_user') for x in row)
    audit = s.sql("SELECT summary FROM audit_log WHERE action = 'demo.load'")[0][0]
    for _, _, password in acc.values():
        t.true(password not in stored and password not in audit, 'a password in clear')


def test_grid_patroller_sees_only_its_grid(t):
    s = t.server(['--demo'])
    a = s.admin()
    acc = accounts(s.stdout())
    role, scope, password = acc['demo.patroller.320902']
    gid = int(scope.split(':')[1])
    c, _ = s.login('demo.patroller.320902', password)
    t.status(c.post('/api/v1/me/password', {'old_password': password,
                                            'new_password': 'Patrol-Pass-2026'}), 204)
    c, _ = s.login('demo.patroller.320902', 'Patrol-Pass-2026')
    mine = [f['properties']['id'] for f in c.get('/api/v1/map/grids').json['features']]
    t.eq(mine, [gid])
    on_map = {f['properties']['id'] for f in c.get('/api/v1/map/enterprises').json['features']}
    listed = {e['id'] for e in all_enterprises(c)}
    in_grid = {e['id'] for e in all_enterprises(a) if e['grid_id'] == gid}
    t.true(len(in_grid) >= 1, 'the grid has enterprises')
    t.eq(on_map, in_grid)
    t.eq(listed, in_grid)
    # The grid names the three demo workers of its county (一格三员).
    g = a.get(f'/api/v1/grids/{gid}').json
    users = {u['login']: u['id'] for u in a.get('/api/v1/users?limit=500').json['items']}
    t.eq((g['manager_id'], g['patroller_id'], g['supervisor_id']),
         (users['demo.manager.320902'], users['demo.patroller.320902'],
          users['demo.supervisor.320902']))
    # A county inspector sees its county only; the officer its one enterprise.
    role, scope, password = acc['demo.inspector.320921']
    c, _ = s.login('demo.inspector.320921', password)
    t.status(c.post('/api/v1/me/password', {'old_password': password,
                                            'new_password': 'Inspect-Pass-2026'}), 204)
    c, _ = s.login('demo.inspector.320921', 'Inspect-Pass-2026')
    regions = {f['properties']['id'] for f in c.get('/api/v1/map/enterprises').json['features']}
    t.eq(regions, {e['id'] for e in all_enterprises(a) if e['region_code'].startswith('320921')})


def logged_in(s, acc, login):
    """A demo account logged in after changing its printed first password."""
    role, scope, password = acc[login]
    c, r = s.login(login, password)
    assert c, r
    r = c.post('/api/v1/me/password', {'old_password': password, 'new_password': 'Demo-Pass-2026'})
    assert r.status == 204, r
    c, r = s.login(login, 'Demo-Pass-2026')
    assert c, r
    return c


def paged(c, path):
    items, after = [], None
    sep = '&' if '?' in path else '?'
    while True:
        r = c.get(f'{path}{sep}limit=500' + (f'&after={after}' if after else ''))
        assert r.status == 200, r
        items += r.json['items']
        after = r.json['next']
        if after is None:
            return items


# Loaded "today" = 2026-03-20 in China Standard Time (04:00Z is 12:00 UTC+8).
LOAD_NOW = int(datetime.datetime(2026, 3, 20, 4, 0, tzinfo=datetime.timezone.utc).timestamp() * 1000)
LOAD_DAY = datetime.date(2026, 3, 20)
STATES = {'valid', 'expiring_90', 'expiring_60', 'expiring_30', 'expired'}
# docs/map.md: the licence each class holds (安全生产许可证条例 Art. 2; 危险化学品安全管理条例
# Art. 33); smelting (31-32) none.
LICENCE_OF = {'25': 'safety_production', '26': 'safety_production', '10': 'mining',
              '5942': 'hazchem_business', '5265': 'hazchem_business'}


def licence_type_of(cls):
    return LICENCE_OF.get(cls, LICENCE_OF.get(cls[:2]))


def test_demo_licences_show_every_state_and_supervision_is_partial(t):
    s = t.server(['--demo', '--set', f'fake.now_ms={LOAD_NOW}'])
    acc = accounts(s.stdout())
    admin = logged_in(s, acc, 'demo.admin')
    ents = {e['id']: e for e in all_enterprises(admin)}
    lics = paged(admin, '/api/v1/licences')
    # Every state, most licences valid, each state's days_left from the load day.
    states = {st: [x for x in lics if x['state'] == st] for st in STATES}
    t.eq({st for st, xs in states.items() if xs}, STATES, 'every state in the demo')
    t.true(len(states['valid']) > len(lics) / 2, f'{len(states["valid"])} of {len(lics)} valid')
    for x in lics:
        until = datetime.date.fromisoformat(x['valid_until'])
        start = datetime.date.fromisoformat(x['valid_from'])
        t.eq(x['days_left'], (until - LOAD_DAY).days, x)
        t.true(-180 <= x['days_left'] <= 3 * 365, x)
        # 安全生产许可证条例 Art. 9: a 3-year term, from the day after the same date 3 years
        # before (28 February for a 29th).
        before = until.replace(year=until.year - 3, day=min(until.day, 28)
                               if until.month == 2 else until.day)
        t.eq(start, before + datetime.timedelta(days=1), x)
        t.true(x['number'].endswith('（演示）'), x['number'])
        e = ents[x['enterprise_id']]
        t.eq(x['type'], licence_type_of(e['industry_code']), (e['industry_code'], x))
        t.eq(e['licence_state'], x['state'], 'one licence each: the worst is its state')
    t.eq(len({x['number'] for x in lics}), len(lics), 'numbers are unique')
    holders = {x['enterprise_id'] for x in lics}
    for e in ents.values():
        if e['name'].endswith('（演示数据）') and licence_type_of(e['industry_code']):
            t.true(e['id'] in holders, f'{e["name"]} ({e["industry_code"]}) holds no licence')
        if e['id'] not in holders:
            t.eq(e['licence_state'], None, e['name'])
    by_state = {st: len(xs) for st, xs in states.items()}
    for st in STATES:
        r = admin.get(f'/api/v1/enterprises?licence_state={st}&limit=500')
        t.eq(len(r.json['items']), by_state[st], f'licence_state={st}')
    expiring = paged(admin, '/api/v1/licences?state=expiring')
    t.eq(len(expiring), by_state['expiring_30'] + by_state['expiring_60'] + by_state['expiring_90'])
    # Named supervision: the county's department and inspector for most, none for some.
    depts = {d['region_code']: d for d in admin.get('/api/v1/depts?limit=100').json['items']}
    t.eq(set(depts), set(COUNTIES) | {'320900'})
    t.eq(depts['320902']['name'], '亭湖区应急管理局（演示）')
    users = {u['id']: u for u in admin.get('/api/v1/users?limit=500').json['items']}
    none = paged(admin, '/api/v1/enterprises?supervision=none')
    assigned = paged(admin, '/api/v1/enterprises?supervision=assigned')
    t.true(0 < len(none) < len(ents), f'{len(none)} of {len(ents)} without supervision')
    t.eq(len(none) + len(assigned), len(ents))
    t.true(0.6 < len(assigned) / len(ents) < 0.8, f'{len(assigned)} of {len(ents)} assigned')
    for e in assigned:
        county = e['region_code'][:6]
        t.eq(e['supervising_dept_id'], depts[county]['id'], e['name'])
        t.eq(users[e['supervisor_id']]['login'], 'demo.inspector.' + county, e['name'])
        t.eq(users[e['supervisor_id']]['dept_id'], depts[county]['id'])
        t.true(e['supervisor_name'].endswith('（演示）'), e['supervisor_name'])
    t.true(any(e['supervising_dept_id'] for e in none), 'some have a department, no person')
    # A county inspector's expiry list holds its county's licences only, all of them.
    insp = logged_in(s, acc, 'demo.inspector.320921')
    mine = {x['id'] for x in paged(insp, '/api/v1/licences')}
    want = {x['id'] for x in lics if ents[x['enterprise_id']]['region_code'].startswith('320921')}
    t.true(len(want) > 0, 'the county has licences')
    t.eq(mine, want)
    mine_none = {e['id'] for e in paged(insp, '/api/v1/enterprises?supervision=none')}
    t.eq(mine_none, {e['id'] for e in none if e['region_code'].startswith('320921')})


def test_second_start_and_cli_load_nothing_twice(t):
    s = t.server(['--demo'])
    before = s.sql('SELECT COUNT(*) FROM enterprise')[0][0]
    grids = s.sql('SELECT COUNT(*) FROM grid')[0][0]
    hazards = s.sql('SELECT COUNT(*) FROM hazard')[0][0]
    t.true(hazards > 0, 'the demo has hazards')
    t.eq(before, 2004)
    s.stop()
    s.start()
    t.eq(s.stdout().count('Demo city loaded'), 1, 'the second start printed no accounts')
    t.eq(s.sql('SELECT COUNT(*) FROM enterprise')[0][0], before)
    t.eq(s.sql('SELECT COUNT(*) FROM grid')[0][0], grids)
    t.eq(s.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'demo.load'")[0][0], 1)
    t.eq(s.sql('SELECT COUNT(*) FROM hazard')[0][0], hazards, 'hazards are loaded once')
    # Asked for explicitly, the load is refused: a failure status (like `user add` of a
    # taken login), the reason on stderr, nothing on stdout, where the accounts would be.
    r = cli_on(s, s.db, 'demo', 'load')
    t.eq(r.returncode, 1, r.stdout + r.stderr)
    t.eq(r.stdout, '', 'no accounts table, no message on stdout')
    t.true('not loaded' in r.stderr and 'loaded into this database already' in r.stderr,
           r.stderr)
    t.eq(s.sql('SELECT COUNT(*) FROM enterprise')[0][0], before)
    t.eq(s.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'demo.load'")[0][0], 1)


def test_demo_is_loaded_once_even_when_its_enterprises_are_gone(t):
    """Once means once: after the demo's enterprises are deleted (DELETE /enterprises/{id}
    exists), the next `serve --demo` (every `make run`) is a plain start, not a second load
    that stumbles over the demo's accounts and grids and keeps the server from starting."""
    s = t.server(['--demo'])
    a = s.admin()
    hosts = {r[0] for r in s.sql('SELECT enterprise_id FROM hazard')}
    victim = [e['id'] for e in all_enterprises(a) if e['id'] not in hosts][0]
    t.status(a.delete(f'/api/v1/enterprises/{victim}'), 204)
    for table in ('hazard_event', 'hazard_supervision', 'hazard', 'enterprise'):
        s.sql(f'DELETE FROM {table}')  # the rest the same way, faster (hazards first)
    users, grids = s.sql('SELECT COUNT(*) FROM app_user')[0][0], s.sql('SELECT COUNT(*) FROM grid')[0][0]
    s.stop()
    s.start()
    t.eq(s.stdout().count('Demo city loaded'), 1, 'no second load, no second accounts table')
    t.eq(s.sql('SELECT COUNT(*) FROM enterprise')[0][0], 0)
    t.eq((s.sql('SELECT COUNT(*) FROM app_user')[0][0], s.sql('SELECT COUNT(*) FROM grid')[0][0]),
         (users, grids))
    t.status(a.get('/api/v1/map/grids'), 200)
    r = cli_on(s, s.db, 'demo', 'load')
    t.eq(r.returncode, 1, r.stdout + r.stderr)
    t.true('loaded into this database already' in r.stderr and r.stdout == '',
           r.stdout + r.stderr)


def test_demo_does_not_go_beside_real_enterprises(t):
    """A database that never had the demo but has an enterprise of its own is left alone:
    `serve --demo` starts plainly, `anjian demo load` refuses (status 1, said on stderr)."""
    s = t.server()
    a = s.admin()
    code = '91320902MA0000015'  # 'MA000001' has the GB 11714 check character 5
    code += USCC_CHARSET[(31 - sum(USCC_CHARSET.index(c) * pow(3, i, 31)
                                   for i, c in enumerate(code)) % 31) % 31]
    t.true(uscc_valid(code), code)
    t.status(a.post('/api/v1/enterprises', {'uscc': code, 'name': '亭湖真实企业',
                                            'industry_code': '2614',
                                            'region_code': '320902001'}), 201)
    s.stop()
    r = cli_on(s, s.db, 'demo', 'load')
    t.eq((r.returncode, r.stdout), (1, ''), r.stderr)
    t.true('has enterprises' in r.stderr, r.stderr)
    s.extra.append('--demo')
    s.start()
    t.true('Demo city loaded' not in s.stdout(), 'no demo beside real enterprises')
    t.eq(s.sql('SELECT COUNT(*) FROM enterprise')[0][0], 1)
    t.eq(s.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'demo.load'")[0][0], 0)


def test_cli_demo_load_on_a_new_database_is_the_same_city(t):
    """`anjian demo load` makes the database, its first administrator and the same city as
    `serve --demo` (fixed seed): same grids, same enterprises, same places. The server's
    overdue scan is off here: it escalates the demo's overdue hazards at start (tested in
    test_hazard_lists.py), which the CLI load does not."""
    s = t.server(['--demo', '--set', f'fake.now_ms={LOAD_NOW}',
                     '--set', 'hazard.scan_interval_s=0'])
    s.stop()
    other = os.path.join(s.tmp, 'cli.db')
    out = cli_on(s, other, 'demo', 'load')
    t.eq(out.returncode, 0, out.stderr)
    t.true('password / 密码:' in out.stdout, 'the first administrator is created and shown')
    t.eq({v[0] for v in accounts(out.stdout).values()}, ROLES)
    m = re.search(r'mod=demo msg="demo city 320900 loaded: .* in (\d+) ms"', out.stderr)
    t.true(m, out.stderr[-500:])
    print(f'# demo load took {m.group(1)} ms (this build, test hashing settings)', flush=True)

    def city(path):
        con = sqlite3.connect(path)
        try:
            return (con.execute('SELECT code, name, region_code, geometry FROM grid '
                                'ORDER BY id').fetchall(),
                    con.execute('SELECT uscc, name, industry_code, region_code, lat, lon, '
                                'employees, std_grade, status FROM enterprise ORDER BY id')
                    .fetchall(),
                    con.execute("SELECT login, role, scope FROM app_user WHERE login LIKE "
                                "'demo.%' ORDER BY id").fetchall())
        finally:
            con.close()

    first, second = city(s.db), city(other)
    t.eq(len(first[1]), 2004)
    t.true(first == second, 'two loads differ')
    # The hazards too, to the millisecond (same load day): rows, timelines, numbers.
    h1, h2 = hazard_rows(s.db), hazard_rows(other)
    t.true(len(h1[0]) > 300 and len(h1[1]) > len(h1[0]), (len(h1[0]), len(h1[1])))
    t.true(len(h1[5]) == 8 and len(h1[4]) > len(h1[0]), 'photos')
    for a, b, what in zip(h1, h2, ('hazards', 'events', 'supervisions', 'numbering',
                                   'photo links', 'photos')):
        t.true(a == b, f'two loads made different {what}')
    # The risk data too (issue 5): units, points, assessments, the site plan.
    for q in ('SELECT enterprise_id, name, polygon, grade FROM risk_unit ORDER BY id',
              'SELECT enterprise_id, name, grade, last_assessed_day, reassess_due FROM '
              'risk_point ORDER BY id',
              'SELECT method, value_x1000, grade, assessed_day FROM risk_assessment ORDER BY id',
              'SELECT enterprise_id, sha256 FROM risk_site_plan ORDER BY 1',
              'SELECT item_id, period_label, period_start_ms, state, done_ms, done_by, '
              'hazard_id FROM check_task ORDER BY id'):
        r1, r2 = (sqlite3.connect(p).execute(q).fetchall() for p in (s.db, other))
        t.true(r1 and r1 == r2, f'two loads made different risk data: {q}')
    r = cli_on(s, other, 'audit', 'verify')
    t.eq(r.returncode, 0, r.stdout + r.stderr)


HAZARD_NUMBER = re.compile(r'^YH-(\d{6}|\d{9}|\d{12})-(\d{4})-(\d{6,9})$')
CST = datetime.timezone(datetime.timedelta(hours=8))
HAZARD_STATES = {'reported', 'confirmed', 'dismissed', 'rectifying', 'submitted', 'closed'}
SOURCE_ROLE = {'self_check': {'enterprise_officer'}, 'grid_patrol': {'grid_patroller'},
               'tipoff': {'inspector'}, 'enforcement': {'inspector'},
               'leader_inspection': {'leader'}}
# hazard.c's role table: the enterprise acts on its plan; the bureau (or, for a general
# hazard, the grid's manager) decides.
ENTERPRISE_ACTIONS = {'plan', 'submit', 'request_extension'}
DECISIONS = {'confirm', 'dismiss', 'verify', 'send_back', 'approve_extension', 'refuse_extension'}
NEXT = {'confirm': ('reported', 'confirmed'), 'dismiss': ('reported', 'dismissed'),
        'plan': ('confirmed', 'rectifying'), 'submit': ('rectifying', 'submitted'),
        'verify': ('submitted', 'closed'), 'send_back': ('submitted', 'rectifying'),
        'request_extension': ('rectifying', 'rectifying'),
        'approve_extension': ('rectifying', 'rectifying'),
        'refuse_extension': ('rectifying', 'rectifying')}


def local_date(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, CST).date()


def deadline_state(deadline, today, soon=3, late=30):
    """docs/hazard.md: due soon 0..3 days left, overdue_30 more than 30 days past (defaults)."""
    left = (datetime.date.fromisoformat(deadline) - today).days
    return 'on_time' if left > soon else 'due_soon' if left >= 0 else \
        'overdue' if left >= -late else 'overdue_30'


def hazard_rows(path):
    """Hazards, events, supervisions and the numbering table of a database, comparable."""
    con = sqlite3.connect(path)
    try:
        return (con.execute('SELECT * FROM hazard ORDER BY id').fetchall(),
                con.execute('SELECT * FROM hazard_event ORDER BY id').fetchall(),
                con.execute('SELECT * FROM hazard_supervision ORDER BY id').fetchall(),
                con.execute('SELECT * FROM hazard_seq ORDER BY 1, 2').fetchall(),
                con.execute('SELECT * FROM hazard_photo ORDER BY 1, 2, 3').fetchall(),
                con.execute('SELECT * FROM photo WHERE sha256 IN (SELECT sha256 FROM '
                            'hazard_photo) ORDER BY 1').fetchall())
    finally:
        con.close()


def test_demo_hazards_in_every_state_with_consistent_timelines(t):
    s = t.server(['--demo', '--set', f'fake.now_ms={LOAD_NOW}',
                     '--set', 'hazard.scan_interval_s=0'])
    cols = [r[1] for r in s.sql('PRAGMA table_info(hazard)')]
    hz = [dict(zip(cols, r)) for r in s.sql('SELECT * FROM hazard ORDER BY id')]
    ecols = [r[1] for r in s.sql('PRAGMA table_info(hazard_event)')]
    events = {}
    for r in s.sql('SELECT * FROM hazard_event ORDER BY id'):
        e = dict(zip(ecols, r))
        events.setdefault(e['hazard_id'], []).append(e)
    users = {r[0]: {'login': r[1], 'role': r[2], 'scope': r[3]}
             for r in s.sql('SELECT id, login, role, scope FROM app_user')}
    ents = {r[0]: {'uscc': r[1], 'region_code': r[2], 'grid_id': r[3], 'industry_code': r[4],
                   'dept': r[5]}
            for r in s.sql('SELECT id, uscc, region_code, grid_id, industry_code, '
                           'supervising_dept_id FROM enterprise')}
    t.true(300 <= len(hz) <= 800, f'{len(hz)} hazards')
    t.eq({h['state'] for h in hz}, HAZARD_STATES, 'every state')
    t.eq({h['level'] for h in hz}, {'general', 'major'}, 'both levels')
    t.eq({h['source'] for h in hz}, set(SOURCE_ROLE), 'all five sources')
    t.true(any(h['extension_pending'] for h in hz), 'a pending extension')
    t.true(any(h['send_backs'] for h in hz if h['state'] == 'closed'), 'closed after a send-back')
    open_states = {deadline_state(h['deadline'], LOAD_DAY) for h in hz
                   if h['state'] in ('rectifying', 'submitted')}
    t.eq(open_states, {'on_time', 'due_soon', 'overdue', 'overdue_30'}, 'every deadline state')
    t.true(len({h['enterprise_id'] for h in hz}) >= 150, 'across the city')
    t.true(len({h['region_code'][:6] for h in hz}) == 9, 'in every county')
    # Numbers: unique, YH-<the enterprise's division>-<local year of the report>-<seq>,
    # counted 1.. per (division, year) in report order, and hazard_seq holds the last one.
    t.eq(len({h['number'] for h in hz}), len(hz), 'numbers are unique')
    per = {}
    for h in sorted(hz, key=lambda h: (h['created_ms'], h['id'])):
        m = HAZARD_NUMBER.match(h['number'])
        t.true(m, h['number'])
        t.eq(m.group(1), h['region_code'], h['number'])
        t.eq(int(m.group(2)), local_date(h['created_ms']).year, h['number'])
        per.setdefault((m.group(1), int(m.group(2))), []).append(int(m.group(3)))
    for key, seqs in per.items():
        t.eq(seqs, list(range(1, len(seqs) + 1)), f'sequence of {key} in report order')
    t.eq(sorted(s.sql('SELECT region_code, year, last FROM hazard_seq')),
         sorted((k[0], k[1], len(v)) for k, v in per.items()))
    by_state = {}
    for h in hz:
        e = ents[h['enterprise_id']]
        t.eq((h['region_code'], h['grid_id'], h['industry_code']),
             (e['region_code'], e['grid_id'], e['industry_code']), 'copied from the enterprise')
        t.true(h['description'].endswith('（演示数据）'), h['description'])
        by_state.setdefault(h['state'], 0)
        by_state[h['state']] += 1
        if h['level'] == 'major':
            t.true(h['criterion_id'] or h['criterion_text'], f'{h["number"]}: its criterion')
        # The timeline: report first by the reporter, each step from the state the previous
        # one left, by a demo user of a role that may take it, all before the load.
        ev = events[h['id']]
        t.eq((ev[0]['action'], ev[0]['to_state'], ev[0]['actor_id']),
             ('report', 'reported', h['reporter_id']), h['number'])
        t.true(users[h['reporter_id']]['role'] in SOURCE_ROLE[h['source']],
               (h['source'], users[h['reporter_id']]))
        t.eq(ev[0]['at_ms'], h['created_ms'])
        t.true(h['found_ms'] <= h['created_ms'], h['number'])
        state, deadline, pending, requests, sends = 'reported', None, None, 0, 0
        rectifier = verifier = closed = None
        for a, b in zip(ev, ev[1:]):
            t.true(a['at_ms'] < b['at_ms'], f'{h["number"]}: events in time order')
        t.true(ev[-1]['at_ms'] < LOAD_NOW, f'{h["number"]}: dated before the load')
        for x in ev[1:]:
            act = x['action']
            if act.startswith('supervision_'):
                continue
            u = users[x['actor_id']]
            t.eq(u['login'], x['actor_login'])
            t.eq((x['from_state'], x['to_state']), NEXT[act], f'{h["number"]} {act}')
            t.eq(x['from_state'], state, f'{h["number"]}: {act} from {state}')
            state = x['to_state']
            if act in ENTERPRISE_ACTIONS:
                t.eq((u['role'], u['scope']),
                     ('enterprise_officer', 'enterprise:' + ents[h['enterprise_id']]['uscc']),
                     f'{h["number"]} {act}')
            else:
                want = {'inspector'} if h['level'] == 'major' else {'inspector', 'grid_manager'}
                t.true(u['role'] in want, f'{h["number"]} {act} by {u}')
                t.true(x['actor_id'] != rectifier, 'the rectifier does not verify')
                if act in ('dismiss', 'send_back', 'approve_extension', 'refuse_extension'):
                    t.true(x['reason'], f'{h["number"]} {act} has a reason')
            d = json.loads(x['detail'])
            if act == 'plan':
                deadline = d['deadline']
                t.true(local_date(x['at_ms']) <= datetime.date.fromisoformat(deadline),
                       'a plan\'s deadline is not before its day')
            elif act == 'request_extension':
                requests += 1
                pending = d['new_deadline']
            elif act == 'approve_extension':
                deadline, pending = pending, None
            elif act == 'refuse_extension':
                pending = None
            elif act == 'submit':
                rectifier, pending = x['actor_id'], None
            elif act == 'send_back':
                sends += 1
            elif act == 'verify':
                verifier, closed = x['actor_id'], x['at_ms']
        t.eq(state, h['state'], f'{h["number"]}: the timeline ends in its state')
        t.eq((h['deadline'], h['pending_deadline'], bool(h['extension_pending'])),
             (deadline, pending, pending is not None), h['number'])
        t.eq((h['extension_requests'], h['send_backs'], h['rectifier_id'], h['verifier_id'],
              h['closed_ms']), (requests, sends, rectifier, verifier, closed), h['number'])
        t.eq(h['updated_ms'], ev[-1]['at_ms'])
        if deadline and h['level'] == 'major':
            t.true(h['emergency'] and h['funds_yuan'] > 0, f'{h["number"]}: 五到位')
    t.true(by_state['closed'] > by_state['reported'], by_state)
    # Listed supervision: proposed for overdue major and > 30 days overdue hazards, some
    # listed by the leader, each with its events.
    sup = s.sql('SELECT hazard_id, state, reason, leader_id, deadline, listed_ms '
                'FROM hazard_supervision')
    t.eq({x[1] for x in sup}, {'proposed', 'listed'})
    t.eq({x[2] for x in sup}, {'overdue_major', 'overdue_30'})
    leader = [i for i, u in users.items() if u['login'] == 'demo.leader'][0]
    hid = {h['id']: h for h in hz}
    for hazard_id, state, reason, leader_id, deadline, listed_ms in sup:
        h = hid[hazard_id]
        st = deadline_state(h['deadline'], LOAD_DAY)
        t.eq(h['state'], 'rectifying')
        t.eq(reason, 'overdue_major' if h['level'] == 'major' else 'overdue_30', h['number'])
        t.true(st == 'overdue_30' or (st == 'overdue' and h['level'] == 'major'), h['number'])
        acts = [e['action'] for e in events[hazard_id]]
        t.true('supervision_proposed' in acts, acts)
        if state == 'listed':
            t.eq(leader_id, leader)
            t.true(deadline > LOAD_DAY.isoformat() and 'supervision_listed' in acts, h['number'])
    # The demo officer's enterprise holds every state, so that its own pages show them.
    acc = accounts(s.stdout())
    officer = acc['demo.officer'][1].split(':')[1]
    mine = [h for h in hz if ents[h['enterprise_id']]['uscc'] == officer]
    t.eq({h['state'] for h in mine}, HAZARD_STATES)
    # The hazard enterprises' officers have no password anybody knows: not printed.
    officers = [u for u in users.values() if u['login'].startswith('demo.officer.')]
    t.true(len(officers) >= 150, len(officers))
    t.true(all(u['login'] not in acc for u in officers), 'their passwords are not printed')
    t.true('hidden hazards in every state' in s.stdout(), 'the load says it')
    summary = json.loads(s.sql("SELECT summary FROM audit_log WHERE action = 'demo.load'")[0][0])
    t.eq(summary['hazards'], len(hz))
    # Photos: one before with every report, one after with every submission, each linked to
    # its event; 4 + 4 generated PNGs, stored by the photo store (thumbnails served).
    links = {}
    for hazard_id, sha, stage, event_id in s.sql('SELECT hazard_id, sha256, stage, event_id '
                                                 'FROM hazard_photo'):
        links.setdefault(hazard_id, []).append((stage, event_id))
    for h in hz:
        ev = events[h['id']]
        want = sorted([('before', ev[0]['id'])] +
                      [('after', e['id']) for e in ev if e['action'] == 'submit'])
        t.eq(sorted(links.get(h['id'], [])), want, h['number'])
    photos = s.sql('SELECT sha256, mime, width, height FROM photo WHERE sha256 IN (SELECT '
                   'sha256 FROM hazard_photo)')
    t.eq(len(photos), 8)
    # the only other photo: the risk units' site plan (issue 5)
    t.eq(s.sql('SELECT COUNT(*) FROM photo WHERE sha256 NOT IN (SELECT sha256 FROM '
               'hazard_photo) AND sha256 NOT IN (SELECT sha256 FROM risk_site_plan)'), [(0,)])
    t.eq({(m, w, h) for _, m, w, h in photos}, {('image/png', 160, 120)})
    a = s.admin()
    for sha, *_ in photos[:2]:
        r = a.get(f'/api/v1/photos/{sha}')
        t.status(r, 200)
        t.true(r.body[:8] == b'\x89PNG\r\n\x1a\n', 'the PNG as made')
        t.status(a.get(f'/api/v1/photos/{sha}/thumb'), 200)



def test_demo_hazards_follow_the_configured_bands(t):
    """The demo's deadlines land in the configured bands (hazard.due_soon_days,
    hazard.overdue_long_days), and with hazard.max_extensions = 0 no hazard asks for one."""
    s = t.server(['--demo', '--set', f'fake.now_ms={LOAD_NOW}',
                     '--set', 'hazard.scan_interval_s=0', '--set', 'hazard.due_soon_days=10',
                  '--set', 'hazard.overdue_long_days=5', '--set', 'hazard.max_extensions=0'])
    rows = s.sql("SELECT deadline, extension_requests FROM hazard WHERE state IN "
                 "('rectifying', 'submitted')")
    t.true(len(rows) > 50, len(rows))
    t.eq({deadline_state(d, LOAD_DAY, 10, 5) for d, _ in rows},
         {'on_time', 'due_soon', 'overdue', 'overdue_30'})
    t.eq(s.sql('SELECT COUNT(*) FROM hazard WHERE extension_requests > 0')[0][0], 0)
    t.eq(s.sql("SELECT COUNT(*) FROM hazard_event WHERE action LIKE '%extension'")[0][0], 0)
    t.true(s.sql("SELECT COUNT(*) FROM hazard_supervision WHERE reason = 'overdue_30'")[0][0] > 0,
           'over 5 days overdue is long overdue here')


def test_demo_risk_points_in_all_four_colours(t):
    """Issue 5: the demo city has assessed points in all four colours and enterprises in all
    four grades; the derived grades are those the rules give (point = highest of its sources,
    unit = highest of its points, enterprise = highest of its points), measures sit at the
    level their grade demands, demo.officer's enterprise has units on its site plan and check
    items on every schedule assigned to demo.officer."""
    s = t.server(['--demo', '--set', f'fake.now_ms={LOAD_NOW}'])
    a = s.admin()
    r = a.get('/api/v1/risk/stats?by=grade')
    t.status(r, 200)
    total = r.json['total']
    for colour in ('red', 'orange', 'yellow', 'blue'):
        t.true(total['points'][colour] > 0, f'{colour} points')
        t.true(total['enterprises'][colour] > 0, f'{colour} enterprises')
    t.eq(total['points']['red'], s.sql('SELECT COUNT(*) FROM risk_point WHERE grade = 1')[0][0])
    # derived grades as the rules give them (LEC / LS values re-graded by the default tables)
    lec = [(320, 1), (160, 2), (70, 3), (0, 4)]
    ls = [(20, 1), (15, 2), (9, 3), (1, 4)]
    for method, value, grade, table in s.sql(
            'SELECT method, value_x1000, grade, table_id FROM risk_assessment'):
        bands = lec if method == 'lec' else ls
        t.eq(grade, next(g for low, g in bands if value >= low * 1000), f'{method} {value}')
        t.eq(table, 'lec_four_colour_v1' if method == 'lec' else 'ls_db37_v1')
    for pid, grade, low in s.sql('SELECT p.id, p.grade, (SELECT MIN(grade) FROM danger_source '
                                 'WHERE point_id = p.id) FROM risk_point p'):
        t.eq(grade, low, f'point {pid}')
    for uid, grade, low in s.sql('SELECT u.id, u.grade, (SELECT MIN(grade) FROM risk_point '
                                 'WHERE unit_id = u.id) FROM risk_unit u'):
        t.eq(grade, low, f'unit {uid}')
    for eid, grade, low, red, blue in s.sql(
            'SELECT e.enterprise_id, e.grade, (SELECT MIN(grade) FROM risk_point WHERE '
            'enterprise_id = e.enterprise_id), e.red, e.blue FROM risk_enterprise e'):
        t.eq(grade, low, f'enterprise {eid}')
        t.eq(red, s.sql('SELECT COUNT(*) FROM risk_point WHERE enterprise_id = ? AND grade = 1',
                        (eid,))[0][0])
        t.eq(blue, s.sql('SELECT COUNT(*) FROM risk_point WHERE enterprise_id = ? AND grade = 4',
                         (eid,))[0][0])
    level = {1: 'company', 2: 'department', 3: 'team', 4: 'post'}
    for lv, grade in s.sql('SELECT m.control_level, d.grade FROM control_measure m JOIN '
                           'danger_source d ON d.id = m.danger_source_id'):
        t.eq(lv, level[grade])
    # demo.officer's enterprise: the showcase
    acc = accounts(s.stdout())
    officer_id, scope = s.sql("SELECT id, scope FROM app_user WHERE login = 'demo.officer'")[0]
    eid = s.sql('SELECT id FROM enterprise WHERE uscc = ?', (scope.split(':')[1],))[0][0]
    t.eq({g for (g,) in s.sql('SELECT grade FROM risk_point WHERE enterprise_id = ?', (eid,))},
         {1, 2, 3, 4}, "the officer's points in all four colours")
    t.eq({r[0] for r in s.sql('SELECT schedule FROM check_item WHERE enterprise_id = ? AND '
                              'assignee_id = ?', (eid, officer_id))},
         {'shift', 'daily', 'weekly', 'monthly'})
    plan = s.sql('SELECT width, height, sha256 FROM risk_site_plan WHERE enterprise_id = ?',
                 (eid,))
    t.eq(plan[0][:2], (800, 480))
    t.eq(s.sql('SELECT mime FROM photo WHERE sha256 = ?', (plan[0][2],)), [('image/png',)])
    for (poly,) in s.sql('SELECT polygon FROM risk_unit WHERE enterprise_id = ?', (eid,)):
        pts = json.loads(poly)
        t.true(len(pts) >= 3 and all(0 <= x <= 800 and 0 <= y <= 480 for x, y in pts), poly)
    # what the officer sees: one point overdue for reassessment, one source never assessed
    c, _ = s.login('demo.officer', acc['demo.officer'][2])
    c.post('/api/v1/me/password', {'old_password': acc['demo.officer'][2],
                                   'new_password': 'Demo-Officer-2026'})
    c, _ = s.login('demo.officer', 'Demo-Officer-2026')
    items = c.get('/api/v1/risk/lists/reassess').json['items']
    t.eq(sorted(i['reason'] for i in items), ['overdue'])
    t.eq(items[0]['unassessed_sources'], 1)
    # the officer's site plan has safety zones of all three colours, each inside the plan
    # and with its entry rules (every enterprise with a plan has them)
    zones = c.get(f'/api/v1/risk/zones?enterprise_id={eid}').json['items']
    t.eq(sorted(z['colour'] for z in zones), ['green', 'red', 'yellow'])
    for z in zones:
        pts = z['polygon'] if isinstance(z['polygon'], list) else json.loads(z['polygon'])
        t.true(len(pts) >= 3 and all(0 <= x <= 800 and 0 <= y <= 480 for x, y in pts), z)
        t.true(len(z['entry_rules']) > 10, z)
    t.eq(s.sql('SELECT COUNT(DISTINCT enterprise_id) FROM risk_zone'),
         s.sql('SELECT COUNT(*) FROM risk_site_plan'))
    doc = json.loads(c.get(f'/api/v1/risk/enterprises/{eid}/dual-prevention-export').body)
    t.eq(doc['riskLevel'], 1)
    t.eq(len(doc['riskObjects']), 3)
    # The check history: tasks of the scan's periods, most passed inside their period by the
    # assignee, a few failed each with its one hidden hazard (self_check, its point), some
    # missed, the current periods open; so every enterprise's completion is partial.
    comp = a.get('/api/v1/risk/check-completion?by=enterprise').json['items']
    t.eq(len(comp), s.sql('SELECT COUNT(*) FROM risk_enterprise')[0][0])
    for it in comp:
        t.true(it['completion_rate'] is not None and 0 < it['completion_rate'] < 1, it)
        t.true(it['passed'] > it['failed'] + it['missed'] and it['missed'] > 0, it)
    tasks = s.sql('SELECT id, point_id, state, done_ms, done_by, assignee_id, hazard_id, '
                  'period_start_ms, period_end_ms FROM check_task')
    t.eq({x[2] for x in tasks}, {'open', 'passed', 'failed', 'missed'})
    for tid, pid, state, done, by, assignee, hid, start, end in tasks:
        t.eq(end > LOAD_NOW, state == 'open', f'task {tid}: only the current periods are open')
        if state in ('passed', 'failed'):
            t.true(start <= done < end and done < LOAD_NOW and by == assignee, f'task {tid}')
        hz = s.sql('SELECT id, risk_point_id, source, state, reporter_id, found_ms FROM hazard '
                   'WHERE check_task_id = ?', (tid,))
        if state != 'failed':
            t.eq((hz, hid), ([], None), f'task {tid}')
            continue
        t.eq(len(hz), 1, f'failed task {tid}: one hazard')
        t.eq(hz[0], (hid, pid, 'self_check', 'reported', assignee, done), f'task {tid}')
    mine = c.get('/api/v1/hazards?source=self_check&limit=100').json['items']
    failed = s.sql("SELECT hazard_id FROM check_task WHERE state = 'failed' AND "
                   "enterprise_id = ?", (eid,))
    t.true(failed, "the officer's enterprise has a failed check")
    for (hid,) in failed:
        d = c.get(f'/api/v1/hazards/{hid}').json
        t.true(d['risk_point_id'] and d['risk_point_name'] and d['check_task_id'], d)
        t.true(any(h['id'] == hid for h in mine), hid)


run(globals())
