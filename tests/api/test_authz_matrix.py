#!/usr/bin/env python3
"""Authorisation matrix: every route x every role x inside/outside the role's data scope, against
the expectations in authz_matrix.json. A route that `anjian routes` lists without an entry in the
matrix fails (and so does an entry for a route that no longer exists), so a new route cannot ship
without its row. Denied requests must change nothing: not the data, not the audit log."""
import json
import os
import struct
import subprocess
import time
import zlib

from harness import ADMIN_PASSWORD, BIN, Client, run, uscc

MATRIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'authz_matrix.json')

R1, R2 = '320902', '320903'            # 亭湖区, 盐都区 (both under 盐城市 320900)
T1, T2 = '320902001', '320903002'      # 五星街道 in R1, 张庄街道 in R2
CITY = '320900'
PASSWORDS = ('Matrix-Pass-2026', 'Matrix-Pass-2027')

# Everything a denied request must leave as it was (columns that reads update are left out).
SNAPSHOT = [
    'SELECT COUNT(*), MAX(id) FROM audit_log',
    'SELECT * FROM app_user ORDER BY id',
    'SELECT * FROM dept ORDER BY id',
    'SELECT * FROM grid ORDER BY id',
    'SELECT * FROM user_grid ORDER BY user_id, grid_id',
    'SELECT id, user_id, name, token_hash, created_ms, revoked_ms FROM api_token ORDER BY id',
    'SELECT id, user_id, created_ms, revoked_ms FROM session ORDER BY id',
    'SELECT * FROM enterprise ORDER BY id',
    'SELECT * FROM check_item ORDER BY id',
    'SELECT id, state, done_ms, hazard_id FROM check_task ORDER BY id',
    'SELECT * FROM licence ORDER BY id',
    'SELECT * FROM enterprise_history ORDER BY audit_id',
    'SELECT * FROM hazard ORDER BY id',
    'SELECT * FROM hazard_event ORDER BY id',
    'SELECT * FROM photo ORDER BY sha256',
]


def square(lon, lat, half=0.01):
    """A GeoJSON Polygon: the square of side 2*half degrees around (lon, lat)."""
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]
    return {'type': 'Polygon', 'coordinates': [ring]}


def list_routes():
    out = subprocess.run([BIN, 'routes'], capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def load_matrix():
    with open(MATRIX, encoding='utf-8') as fh:
        return json.load(fh)


class World:
    """One server with fixtures in two counties and a logged-in client for every role."""

    def __init__(self, t):
        self.t = t
        self.s = s = t.server()
        self.root = root = s.admin()
        self.seq = 0

        def ok(r, status=201):
            t.status(r, status, 'fixture')
            return r.json

        for code in (R1, R2, T1, T2):
            ok(root.get(f'/api/v1/regions/{code}'), 200)
        self.dept = {'in': ok(root.post('/api/v1/depts', {'name': '亭湖区应急管理局',
                                                          'region_code': R1}))['id'],
                     'out': ok(root.post('/api/v1/depts', {'name': '盐都区应急管理局',
                                                           'region_code': R2}))['id']}
        # Boundaries (CGCS2000 squares near each town) so that the grids are on the map.
        self.grid = {'in': ok(root.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格',
                                                          'region_code': T1,
                                                          'geometry': square(120.16, 33.38)}))['id'],
                     'out': ok(root.post('/api/v1/grids', {'code': 'G2', 'name': '张庄一网格',
                                                           'region_code': T2,
                                                           'geometry': square(120.05, 33.35)}))['id']}
        self.region = {'in': R1, 'out': R2}
        # Target users (never log in), and machine accounts with their tokens (API tokens
        # are for machine accounts only).
        self.target = {}
        self.bot = {}
        self.token = {}
        for where, region in (('in', R1), ('out', R2)):
            u = ok(root.post('/api/v1/users', {'login': f'target.{where}', 'role': 'inspector',
                                               'scope': 'region:' + region,
                                               'password': 'First-Pass-2026'}))
            self.target[where] = u['id']
            b = ok(root.post('/api/v1/users', {'login': f'bot.{where}', 'role': 'inspector',
                                               'scope': 'region:' + region, 'machine': True}))
            self.bot[where] = b['id']
            self.token[where] = ok(root.post('/api/v1/tokens', {'user_id': b['id'],
                                                                'name': 'target ' + where}))['id']
        # One logged-in client per role.
        self.uscc = uscc(R1)
        # Enterprises: inside is the enterprise officer's own (in G1, town T1 of R1); outside in
        # G2 (town T2 of R2).
        self.enterprise = {
            'in': ok(root.post('/api/v1/enterprises', self.enterprise_body('in', self.uscc)))['id'],
            'out': ok(root.post('/api/v1/enterprises', self.enterprise_body('out')))['id']}
        self.licence = {where: ok(root.post(f'/api/v1/enterprises/{self.enterprise[where]}'
                                            '/licences', self.licence_body()))['id']
                        for where in ('in', 'out')}
        scopes = {'admin': 'region:' + R1, 'leader': 'region:' + R1, 'inspector': 'region:' + R1,
                  'grid_manager': f'grids:{self.grid["in"]}',
                  'grid_patroller': f'grids:{self.grid["in"]}',
                  'grid_supervisor': f'grids:{self.grid["in"]}',
                  'enterprise_officer': 'enterprise:' + self.uscc}
        self.login = {'admin_all': 'admin'}
        self.password = {'admin_all': ADMIN_PASSWORD}
        self.client = {'anonymous': s.anon(), 'admin_all': root}
        for role, scope in scopes.items():
            login = 'm.' + role.replace('_', '-')
            self.client[role] = s.user(login, role, scope, password=PASSWORDS[0])
            self.login[role] = login
            self.password[role] = PASSWORDS[0]
        # Hidden hazards, reported by an inspector of every region (not a matrix role).
        self.hz_reporter = s.user('hz.reporter', 'inspector', 'all', password=PASSWORDS[0])
        self.photo = {where: self.png() for where in ('in', 'out')}
        self.hazard = {where: self.throwaway_hazard(where, [self.photo[where]])
                       for where in ('in', 'out')}
        self.uid = {}
        for role, c in self.client.items():
            if role != 'anonymous':
                me = ok(c.get('/api/v1/me'), 200)
                t.eq(me['role'], 'admin' if role == 'admin_all' else role, 'fixture role')
                self.uid[role] = me['id']
        # The hazard lists: a row in each list inside and outside (seeded rows, so that the
        # lists do not depend on the life cycle's routes).
        self.rect_hazard = {w: self.seed_hazard(w) for w in ('in', 'out')}
        self.supervision = {w: self.seed_supervision(w) for w in ('in', 'out')}
        self.accountability = {w: self.seed_accountability(w) for w in ('in', 'out')}
        self.blacklist = {w: self.seed_blacklist(w) for w in ('in', 'out')}
        # Risk check items and tasks (issue 5 §4): a point with a measure in each enterprise
        # (seeded rows: the risk-core routes are another branch's), an officer of each as the
        # assignee, an item starting in ten days (so that no pass generates tasks during the
        # test) and an open task of the current period.
        out_uscc = s.sql('SELECT uscc FROM enterprise WHERE id = ?', (self.enterprise['out'],))[0][0]
        self.risk_officer = {
            'in': self.uid['enterprise_officer'],
            'out': ok(root.post('/api/v1/users', {
                'login': 'risk.officer.out', 'role': 'enterprise_officer',
                'scope': 'enterprise:' + out_uscc, 'password': 'First-Pass-2026'}))['id']}
        self.measure = {w: self.seed_measure(w) for w in ('in', 'out')}
        self.check_item = {w: self.seed_check_item(w) for w in ('in', 'out')}
        self.check_task = {w: self.seed_check_task(w) for w in ('in', 'out')}
        # Risk views (issue 5): a red point overdue for reassessment in each enterprise.
        self.risk_point = {w: self.seed_risk_point(w) for w in ('in', 'out')}

    def seed_hazard(self, where):
        """An open hazard with a plan in the enterprise inside or outside (id)."""
        ent = self.enterprise[where]
        region, grid, industry = self.s.sql('SELECT region_code, grid_id, industry_code FROM '
                                            'enterprise WHERE id = ?', (ent,))[0]
        number = self.name(f'YH-{region[:6]}-2026-')
        self.s.sql('INSERT INTO hazard (number, enterprise_id, region_code, grid_id, '
                   'industry_code, source, found_ms, category, level, description, state, '
                   'measures, responsible, funds_yuan, deadline, created_ms, updated_ms) VALUES '
                   "(?, ?, ?, ?, ?, 'grid_patrol', 0, 'site', 'major', '隐患', 'rectifying', "
                   "'措施', '责任人', 100, '2030-01-01', 0, 0)",
                   (number, ent, region, grid, industry))
        return self.s.sql('SELECT id FROM hazard WHERE number = ?', (number,))[0][0]

    def seed_risk_point(self, where):
        """A unit and a red point assessed in 2020 (due for reassessment) of the enterprise
        inside or outside, and its enterprise's grade (id of the point)."""
        ent = self.enterprise[where]
        unit = self.s.sql("INSERT INTO risk_unit (enterprise_id, kind, name, created_ms, "
                          "updated_ms) VALUES (?, 'place', '视图单元', 0, 0) RETURNING id",
                          (ent,))[0][0]
        point = self.s.sql("INSERT INTO risk_point (enterprise_id, unit_id, kind, name, grade, "
                           "last_assessed_day, reassess_due, created_ms, updated_ms) VALUES "
                           "(?, ?, 'equipment', '反应釜', 1, '2020-01-02', '2021-01-02', 0, 0) "
                           "RETURNING id", (ent, unit))[0][0]
        self.s.sql("INSERT INTO risk_enterprise (enterprise_id, grade, red, updated_ms) VALUES "
                   "(?, 1, 1, 0)", (ent,))
        return point

    def seed_supervision(self, where):
        h = self.seed_hazard(where)
        self.s.sql("INSERT INTO hazard_supervision (hazard_id, state, reason, proposed_ms) "
                   "VALUES (?, 'proposed', 'overdue_major', 0)", (h,))
        return self.s.sql('SELECT id FROM hazard_supervision WHERE hazard_id = ?', (h,))[0][0]

    def seed_accountability(self, where):
        h = self.seed_hazard(where)
        self.s.sql("INSERT INTO hazard_accountability (hazard_id, kind, recorded_ms) VALUES "
                   "(?, 'overdue', 0)", (h,))
        return self.s.sql('SELECT id FROM hazard_accountability WHERE hazard_id = ?', (h,))[0][0]

    def seed_blacklist(self, where):
        h = self.seed_hazard(where)
        self.s.sql("INSERT INTO enterprise_blacklist (enterprise_id, rule, hazard_id, state, "
                   "reason, proposed_ms) VALUES (?, 'B1', ?, 'proposed', '逾期', 0)",
                   (self.enterprise[where], h))
        return self.s.sql('SELECT id FROM enterprise_blacklist WHERE hazard_id = ?', (h,))[0][0]

    def seed_measure(self, where):
        """A risk unit, point, danger source and control measure of the enterprise (measure id)."""
        ent, s = self.enterprise[where], self.s
        s.sql("INSERT INTO risk_unit (enterprise_id, kind, name, created_ms, updated_ms) "
              "VALUES (?, 'place', '矩阵单元', 0, 0)", (ent,))
        unit = s.sql('SELECT MAX(id) FROM risk_unit')[0][0]
        s.sql("INSERT INTO risk_point (enterprise_id, unit_id, kind, name, created_ms, "
              "updated_ms) VALUES (?, ?, 'place', '矩阵风险点', 0, 0)", (ent, unit))
        point = s.sql('SELECT MAX(id) FROM risk_point')[0][0]
        s.sql("INSERT INTO danger_source (enterprise_id, point_id, name, factor, created_ms, "
              "updated_ms) VALUES (?, ?, '泄漏', 'object', 0, 0)", (ent, point))
        src = s.sql('SELECT MAX(id) FROM danger_source')[0][0]
        s.sql("INSERT INTO control_measure (enterprise_id, point_id, danger_source_id, kind, "
              "description, control_level, responsible_name, created_ms, updated_ms) VALUES "
              "(?, ?, ?, 'engineering', '报警器完好', 'team', '张三', 0, 0)", (ent, point, src))
        return s.sql('SELECT MAX(id) FROM control_measure')[0][0]

    def check_item_body(self, where):
        return {'content': self.name('检查报警器'), 'schedule': 'daily',
                'assignee_id': self.risk_officer[where],
                'start_ms': int(time.time() * 1000) + 10 * 86400000}

    def seed_check_item(self, where):
        ent, s = self.enterprise[where], self.s
        point = s.sql('SELECT point_id FROM control_measure WHERE id = ?',
                      (self.measure[where],))[0][0]
        s.sql("INSERT INTO check_item (enterprise_id, point_id, measure_id, content, schedule, "
              "assignee_id, start_ms, created_ms, updated_ms) VALUES (?, ?, ?, '检查报警器', "
              "'daily', ?, ?, 0, 0)", (ent, point, self.measure[where], self.risk_officer[where],
                                       int(time.time() * 1000) + 10 * 86400000))
        return s.sql('SELECT MAX(id) FROM check_item')[0][0]

    def throwaway_check_item(self, where):
        r = self.root.post(f'/api/v1/risk/measures/{self.measure[where]}/items',
                           self.check_item_body(where))
        self.t.status(r, 201, 'throwaway check item')
        return r.json['id']

    def seed_check_task(self, where):
        """An open task of the item, its period running from an hour ago to tomorrow."""
        ent, s, item = self.enterprise[where], self.s, self.check_item[where]
        self.seq += 1
        now = int(time.time() * 1000)
        point = s.sql('SELECT point_id FROM check_item WHERE id = ?', (item,))[0][0]
        s.sql("INSERT INTO check_task (enterprise_id, point_id, item_id, control_level, "
              "schedule, period_label, period_start_ms, period_end_ms, assignee_id, created_ms) "
              "VALUES (?, ?, ?, 'team', 'daily', 'matrix', ?, ?, ?, 0)",
              (ent, point, item, now - 3600000 - self.seq, now + 86400000,
               self.risk_officer[where]))
        return s.sql('SELECT MAX(id) FROM check_task')[0][0]

    def seed_notification(self, user_id):
        key = self.name('matrix')
        self.s.sql("INSERT INTO notification (user_id, kind, entity, entity_id, dedup_key, title, "
                   "created_ms) VALUES (?, 'hazard.overdue', 'hazard', 1, ?, '通知', 0)",
                   (user_id, key))
        return self.s.sql('SELECT id FROM notification WHERE dedup_key = ?', (key,))[0][0]

    def enterprise_body(self, where, code=None):
        if code is None:
            self.seq += 1
            code = uscc(R1 if where == 'in' else R2, f'MA{self.seq:06d}')
        return {'uscc': code, 'name': self.name('矩阵企业'), 'industry_code': '2614',
                'region_code': T1 if where == 'in' else T2,
                'grid_id': self.grid['in' if where == 'in' else 'out'],
                'lat': 33.38 if where == 'in' else 33.35, 'lon': 120.16 if where == 'in' else 120.05,
                'legal_rep_phone': '13812341234'}

    def licence_body(self):
        return {'type': 'safety_production', 'number': self.name('(苏)WH安许证字'),
                'issuer': '盐城市应急管理局', 'valid_from': '2026-01-01',
                'valid_until': '2029-01-01'}

    def throwaway_licence(self, where):
        r = self.root.post(f'/api/v1/enterprises/{self.enterprise[where]}/licences',
                           self.licence_body())
        self.t.status(r, 201, 'throwaway licence')
        return r.json['id']

    def throwaway_enterprise(self, where):
        r = self.root.post('/api/v1/enterprises', self.enterprise_body(where))
        self.t.status(r, 201, 'throwaway enterprise')
        return r.json['id']

    def name(self, prefix):
        self.seq += 1
        return f'{prefix}-{self.seq}'

    def snapshot(self):
        return [self.s.sql(q) for q in SNAPSHOT]

    # Throwaway entities for DELETE cells, made by the all-scope administrator.
    def throwaway_dept(self, where):
        r = self.root.post('/api/v1/depts', {'name': self.name('临时部门'),
                                             'region_code': self.region[where]})
        self.t.status(r, 201, 'throwaway dept')
        return r.json['id']

    def throwaway_grid(self, where):
        r = self.root.post('/api/v1/grids', {'code': self.name('TMP'), 'name': '临时网格',
                                             'region_code': T1 if where == 'in' else T2})
        self.t.status(r, 201, 'throwaway grid')
        return r.json['id']

    def throwaway_user(self, where):
        r = self.root.post('/api/v1/users', {'login': self.name('tmp.user'), 'role': 'inspector',
                                             'scope': 'region:' + self.region[where],
                                             'password': 'First-Pass-2026'})
        self.t.status(r, 201, 'throwaway user')
        return r.json['id']

    def hazard_body(self, where):
        return {'enterprise_id': self.enterprise[where], 'location': '罐区', 'category': 'site',
                'level': 'general', 'description': self.name('阀门泄漏')}

    def png_bytes(self):
        """A 1 x 1 PNG whose pixel differs each time (so another SHA-256)."""
        self.seq += 1
        raw = b'\x00' + bytes((self.seq % 256, self.seq // 256 % 256, 7))

        def chunk(kind, data):
            return (struct.pack('>I', len(data)) + kind + data +
                    struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
        return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))

    def png(self):
        r = self.hz_reporter.request('POST', '/api/v1/photos', raw=self.png_bytes(),
                                     content_type='image/png')
        self.t.status(r, 201, 'fixture photo')
        return r.json['sha256']

    def throwaway_hazard(self, where, photos=None):
        body = self.hazard_body(where)
        if photos:
            body['photos'] = photos
        r = self.hz_reporter.post('/api/v1/hazards', body)
        self.t.status(r, 201, 'throwaway hazard')
        return r.json['id']

    def throwaway_token(self, where):
        r = self.root.post('/api/v1/tokens', {'user_id': self.bot[where],
                                              'name': self.name('throwaway')})
        self.t.status(r, 201, 'throwaway token')
        return r.json['id']


class Raw:
    """A request body sent as it is (file uploads), with its media type."""

    def __init__(self, data, content_type):
        self.data, self.content_type = data, content_type


def send(c, method, path, body):
    if isinstance(body, Raw):
        return c.request(method, path, raw=body.data, content_type=body.content_type)
    return c.request(method, path, body)


def _import(w, role, where, c):
    """A one-row CSV: the row lies in town T1 (inside) or T2 (outside)."""
    w.seq += 1
    code = uscc(R1 if where == 'in' else R2, f'MB{w.seq:06d}')
    text = (f'统一社会信用代码,企业名称,行业代码,所属区划\r\n{code},导入企业{w.seq},2614,'
            f'{T1 if where == "in" else T2}\r\n')
    return 'POST', '/api/v1/enterprises/import', Raw(text.encode(), 'text/csv'), c


# ------------------------------------------------------------------ requests, one per route
#
# Each takes (world, role, where, client) and returns (method, path, body, client); `where` is
# 'in', 'out' or 'any'. Bodies are valid, so that an allowed request really succeeds.

def _any(method, path):
    return lambda w, role, where, c: (method, path, None, c)


def _session_create(w, role, where, c):
    who = 'leader' if role == 'anonymous' else role
    return 'POST', '/api/v1/session', {'login': w.login[who], 'password': w.password[who]}, c


def _session_delete(w, role, where, c):
    if role != 'anonymous':
        c, r = w.s.login(w.login[role], w.password[role])
        w.t.true(c, f'log in as {role}: {r}')
    return 'DELETE', '/api/v1/session', None, c


def _me_password(w, role, where, c):
    old = w.password.get(role, PASSWORDS[0])
    new = PASSWORDS[1] if old == PASSWORDS[0] else PASSWORDS[0]
    if role == 'admin_all':
        new = ADMIN_PASSWORD if old != ADMIN_PASSWORD else PASSWORDS[1]
    return 'POST', '/api/v1/me/password', {'old_password': old, 'new_password': new}, c


def _me_password_done(w, role, r, body):
    if r.status == 204:
        w.password[role] = body['new_password']
        if role == 'admin_all':
            w.s.admin_password = body['new_password']


REQUESTS = {
    'GET /healthz': _any('GET', '/healthz'),
    'GET /metrics': _any('GET', '/metrics'),
    'GET /api/v1/version': _any('GET', '/api/v1/version'),
    'POST /api/v1/session': _session_create,
    'DELETE /api/v1/session': _session_delete,
    'GET /api/v1/me': _any('GET', '/api/v1/me'),
    'POST /api/v1/me/password': _me_password,
    'GET /api/v1/users': _any('GET', '/api/v1/users?limit=500'),
    'POST /api/v1/users': lambda w, role, where, c: (
        'POST', '/api/v1/users', {'login': w.name('new.' + role.replace('_', '-')),
                                  'role': 'inspector', 'scope': 'region:' + w.region[where],
                                  'password': 'First-Pass-2026'}, c),
    'GET /api/v1/users/{id}': lambda w, role, where, c: (
        'GET', f'/api/v1/users/{w.target[where]}', None, c),
    'PATCH /api/v1/users/{id}': lambda w, role, where, c: (
        'PATCH', f'/api/v1/users/{w.target[where]}', {'display_name': w.name('改名')}, c),
    'DELETE /api/v1/users/{id}': lambda w, role, where, c: (
        'DELETE', f'/api/v1/users/{w.throwaway_user(where)}', None, c),
    'POST /api/v1/users/{id}/password': lambda w, role, where, c: (
        'POST', f'/api/v1/users/{w.target[where]}/password', {}, c),
    'GET /api/v1/tokens': _any('GET', '/api/v1/tokens?limit=500'),
    'POST /api/v1/tokens': lambda w, role, where, c: (
        'POST', '/api/v1/tokens', {'user_id': w.bot[where], 'name': w.name('matrix')}, c),
    'DELETE /api/v1/tokens/{id}': lambda w, role, where, c: (
        'DELETE', f'/api/v1/tokens/{w.throwaway_token(where)}', None, c),
    'GET /api/v1/regions': _any('GET', f'/api/v1/regions?parent={CITY}'),
    'GET /api/v1/regions/{code}': lambda w, role, where, c: (
        'GET', f'/api/v1/regions/{w.region[where]}', None, c),
    'GET /api/v1/regions/{code}/children': lambda w, role, where, c: (
        'GET', f'/api/v1/regions/{w.region[where]}/children', None, c),
    'GET /api/v1/depts': _any('GET', '/api/v1/depts?limit=500'),
    'POST /api/v1/depts': lambda w, role, where, c: (
        'POST', '/api/v1/depts', {'name': w.name('部门'), 'region_code': w.region[where]}, c),
    'GET /api/v1/depts/{id}': lambda w, role, where, c: (
        'GET', f'/api/v1/depts/{w.dept[where]}', None, c),
    'PATCH /api/v1/depts/{id}': lambda w, role, where, c: (
        'PATCH', f'/api/v1/depts/{w.dept[where]}', {'description': w.name('说明')}, c),
    'DELETE /api/v1/depts/{id}': lambda w, role, where, c: (
        'DELETE', f'/api/v1/depts/{w.throwaway_dept(where)}', None, c),
    'GET /api/v1/grids': _any('GET', '/api/v1/grids?limit=500'),
    'POST /api/v1/grids': lambda w, role, where, c: (
        'POST', '/api/v1/grids', {'code': w.name('NEW'), 'name': '新网格',
                                  'region_code': T1 if where == 'in' else T2}, c),
    'GET /api/v1/grids/{id}': lambda w, role, where, c: (
        'GET', f'/api/v1/grids/{w.grid[where]}', None, c),
    'PATCH /api/v1/grids/{id}': lambda w, role, where, c: (
        'PATCH', f'/api/v1/grids/{w.grid[where]}', {'name': w.name('网格')}, c),
    'DELETE /api/v1/grids/{id}': lambda w, role, where, c: (
        'DELETE', f'/api/v1/grids/{w.throwaway_grid(where)}', None, c),
    'GET /api/v1/enterprises': _any('GET', '/api/v1/enterprises?limit=500'),
    'POST /api/v1/enterprises': lambda w, role, where, c: (
        'POST', '/api/v1/enterprises', w.enterprise_body(where), c),
    'POST /api/v1/enterprises/import': _import,
    'GET /api/v1/enterprises/export': _any('GET', '/api/v1/enterprises/export?format=csv'),
    'GET /api/v1/enterprises/{id}': lambda w, role, where, c: (
        'GET', f'/api/v1/enterprises/{w.enterprise[where]}', None, c),
    'PATCH /api/v1/enterprises/{id}': lambda w, role, where, c: (
        'PATCH', f'/api/v1/enterprises/{w.enterprise[where]}', {'address': w.name('地址')}, c),
    'DELETE /api/v1/enterprises/{id}': lambda w, role, where, c: (
        'DELETE', f'/api/v1/enterprises/{w.throwaway_enterprise(where)}', None, c),
    'GET /api/v1/enterprises/{id}/history': lambda w, role, where, c: (
        'GET', f'/api/v1/enterprises/{w.enterprise[where]}/history', None, c),
    'GET /api/v1/enterprises/{id}/licences': lambda w, role, where, c: (
        'GET', f'/api/v1/enterprises/{w.enterprise[where]}/licences', None, c),
    'POST /api/v1/enterprises/{id}/licences': lambda w, role, where, c: (
        'POST', f'/api/v1/enterprises/{w.enterprise[where]}/licences', w.licence_body(), c),
    'GET /api/v1/licences': _any('GET', '/api/v1/licences?limit=500'),
    'PATCH /api/v1/licences/{id}': lambda w, role, where, c: (
        'PATCH', f'/api/v1/licences/{w.licence[where]}', {'issuer': w.name('发证机关')}, c),
    'DELETE /api/v1/licences/{id}': lambda w, role, where, c: (
        'DELETE', f'/api/v1/licences/{w.throwaway_licence(where)}', None, c),
    'GET /api/v1/map/config': _any('GET', '/api/v1/map/config'),
    'GET /api/v1/map/boundaries': _any('GET', f'/api/v1/map/boundaries?parent={CITY}'),
    'GET /api/v1/map/grids': _any('GET', '/api/v1/map/grids'),
    'GET /api/v1/map/enterprises': _any('GET', '/api/v1/map/enterprises'),
    'GET /api/v1/audit': _any('GET', '/api/v1/audit'),
    'GET /api/v1/hazards': _any('GET', '/api/v1/hazards?limit=500'),
    'POST /api/v1/hazards': lambda w, role, where, c: (
        'POST', '/api/v1/hazards', w.hazard_body(where), c),
    'GET /api/v1/hazards/export': _any('GET', '/api/v1/hazards/export?format=csv'),
    'GET /api/v1/hazards/{id}': lambda w, role, where, c: (
        'GET', f'/api/v1/hazards/{w.hazard[where]}', None, c),
    'POST /api/v1/hazards/{id}/actions/{action}': lambda w, role, where, c: (
        'POST', f'/api/v1/hazards/{w.throwaway_hazard(where)}/actions/confirm', {}, c),
    'POST /api/v1/photos': lambda w, role, where, c: (
        'POST', '/api/v1/photos', Raw(w.png_bytes(), 'image/png'), c),
    'GET /api/v1/photos/{sha256}': lambda w, role, where, c: (
        'GET', f'/api/v1/photos/{w.photo[where]}', None, c),
    'GET /api/v1/photos/{sha256}/thumb': lambda w, role, where, c: (
        'GET', f'/api/v1/photos/{w.photo[where]}/thumb', None, c),
    'GET /api/v1/hazard-criteria': lambda w, role, where, c: (
        'GET', f'/api/v1/hazard-criteria?enterprise_id={w.enterprise[where]}', None, c),
    'GET /api/v1/notifications': _any('GET', '/api/v1/notifications'),
    'GET /api/v1/notifications/unread-count': _any('GET', '/api/v1/notifications/unread-count'),
    'POST /api/v1/notifications/read-all': _any('POST', '/api/v1/notifications/read-all'),
    'POST /api/v1/notifications/{id}/read': lambda w, role, where, c: (
        'POST', '/api/v1/notifications/%d/read' % w.seed_notification(
            w.uid.get(role, 1) if where == 'in' else w.target['in']), None, c),
    'GET /api/v1/hazard-lists/rectification': _any(
        'GET', '/api/v1/hazard-lists/rectification?limit=500'),
    'GET /api/v1/hazard-lists/supervision': _any(
        'GET', '/api/v1/hazard-lists/supervision?limit=500'),
    'GET /api/v1/hazard-lists/accountability': _any(
        'GET', '/api/v1/hazard-lists/accountability?limit=500'),
    'GET /api/v1/hazard-lists/blacklist': _any('GET', '/api/v1/hazard-lists/blacklist?limit=500'),
    'GET /api/v1/hazard-lists/rectification/export': _any(
        'GET', '/api/v1/hazard-lists/rectification/export?format=csv'),
    'GET /api/v1/hazard-lists/supervision/export': _any(
        'GET', '/api/v1/hazard-lists/supervision/export?format=csv'),
    'GET /api/v1/hazard-lists/accountability/export': _any(
        'GET', '/api/v1/hazard-lists/accountability/export?format=xlsx'),
    'GET /api/v1/hazard-lists/blacklist/export': _any(
        'GET', '/api/v1/hazard-lists/blacklist/export?format=csv'),
    'POST /api/v1/supervisions/{id}/{action}': lambda w, role, where, c: (
        'POST', f'/api/v1/supervisions/{w.seed_supervision(where)}/list',
        {'deadline': '2030-06-01', 'note': '挂牌'}, c),
    'POST /api/v1/hazards/{id}/supervise': lambda w, role, where, c: (
        'POST', f'/api/v1/hazards/{w.seed_hazard(where)}/supervise', {'deadline': '2030-06-01'},
        c),
    'POST /api/v1/blacklist': lambda w, role, where, c: (
        'POST', '/api/v1/blacklist', {'enterprise_id': w.throwaway_enterprise(where),
                                      'rule': 'manual', 'reason': '拒不整改'}, c),
    'POST /api/v1/blacklist/{id}/{action}': lambda w, role, where, c: (
        'POST', f'/api/v1/blacklist/{w.seed_blacklist(where)}/confirm', {}, c),
    'GET /api/v1/hazards/stats': _any('GET', '/api/v1/hazards/stats?by=region'),
    'GET /api/v1/risk/stats': _any('GET', '/api/v1/risk/stats?by=grade'),
    'GET /api/v1/risk/lists/major': _any('GET', '/api/v1/risk/lists/major?limit=500'),
    'GET /api/v1/risk/lists/major/export': _any('GET', '/api/v1/risk/lists/major/export?format=csv'),
    'GET /api/v1/risk/lists/reassess': _any('GET', '/api/v1/risk/lists/reassess?limit=500'),
    'GET /api/v1/risk/lists/reassess/export': _any(
        'GET', '/api/v1/risk/lists/reassess/export?format=xlsx'),
    'GET /api/v1/risk/enterprises': _any('GET', '/api/v1/risk/enterprises?limit=500'),
    'GET /api/v1/risk/enterprises/export': _any(
        'GET', '/api/v1/risk/enterprises/export?format=csv'),
    'GET /api/v1/risk/enterprises/{id}/dual-prevention-export': lambda w, role, where, c: (
        'GET', f'/api/v1/risk/enterprises/{w.enterprise[where]}/dual-prevention-export', None,
        c),
    'GET /api/v1/hazards/stats/summary': _any('GET', '/api/v1/hazards/stats/summary'),
    'GET /api/v1/risk/measures/{id}/items': lambda w, role, where, c: (
        'GET', f'/api/v1/risk/measures/{w.measure[where]}/items', None, c),
    'POST /api/v1/risk/measures/{id}/items': lambda w, role, where, c: (
        'POST', f'/api/v1/risk/measures/{w.measure[where]}/items', w.check_item_body(where), c),
    'GET /api/v1/risk/check-items': _any('GET', '/api/v1/risk/check-items?limit=500'),
    'PATCH /api/v1/risk/check-items/{id}': lambda w, role, where, c: (
        'PATCH', f'/api/v1/risk/check-items/{w.check_item[where]}', {'content': w.name('检查')},
        c),
    'DELETE /api/v1/risk/check-items/{id}': lambda w, role, where, c: (
        'DELETE', f'/api/v1/risk/check-items/{w.throwaway_check_item(where)}', None, c),
    'GET /api/v1/risk/tasks': _any('GET', '/api/v1/risk/tasks?limit=500'),
    'GET /api/v1/risk/tasks/{id}': lambda w, role, where, c: (
        'GET', f'/api/v1/risk/tasks/{w.check_task[where]}', None, c),
    'POST /api/v1/risk/tasks/{id}/pass': lambda w, role, where, c: (
        'POST', f'/api/v1/risk/tasks/{w.seed_check_task(where)}/pass', {}, c),
    'POST /api/v1/risk/tasks/{id}/fail': lambda w, role, where, c: (
        'POST', f'/api/v1/risk/tasks/{w.seed_check_task(where)}/fail',
        {'description': w.name('报警器失效')}, c),
    'GET /api/v1/risk/check-completion': _any('GET', '/api/v1/risk/check-completion'),
    'GET /api/v1/risk/check-completion/export': _any('GET', '/api/v1/risk/check-completion/export'),
}


# --- risk graded control, core (branch risk-core): units, points, sources, assessments,
# measures, zones, site plans. Fixtures are made lazily by the all-scope administrator.

def risk_fixture(w):
    """A unit, point, source (assessed orange), measure and zone in each enterprise, and
    a site plan each; made once."""
    if getattr(w, 'risk', None):
        return w.risk
    w.risk = {k: {} for k in ('unit', 'point', 'source', 'measure', 'zone')}
    for where in ('in', 'out'):
        u = w.root.post('/api/v1/risk/units', {'enterprise_id': w.enterprise[where],
                                               'kind': 'workshop', 'name': '车间'}).json
        w.risk['unit'][where] = u['id']
        p = w.root.post('/api/v1/risk/points', {'unit_id': u['id'], 'kind': 'equipment',
                                                'name': '反应釜'}).json
        w.risk['point'][where] = p['id']
        s = w.risk_source(where)
        w.risk['source'][where] = s
        r = w.root.post(f'/api/v1/risk/sources/{s}/assessments', {'method': 'ls', 'l': 3, 's': 5})
        w.t.status(r, 201, 'risk fixture assessment')
        w.risk['measure'][where] = w.risk_measure(where)
        w.risk['zone'][where] = w.risk_zone(where)
        r = w.root.request('PUT', f'/api/v1/risk/enterprises/{w.enterprise[where]}/site-plan',
                           raw=w.png_bytes(), content_type='image/png')
        w.t.status(r, 200, 'risk fixture site plan')
    return w.risk


def _risk_unit(w, where):
    r = w.root.post('/api/v1/risk/units', {'enterprise_id': w.enterprise[where],
                                           'kind': 'place', 'name': w.name('单元')})
    w.t.status(r, 201, 'throwaway risk unit')
    return r.json['id']


def _risk_point(w, where):
    r = w.root.post('/api/v1/risk/points', {'unit_id': risk_fixture(w)['unit'][where],
                                            'kind': 'place', 'name': w.name('风险点')})
    w.t.status(r, 201, 'throwaway risk point')
    return r.json['id']


def _risk_source(w, where):
    point = w.risk['point'][where]
    r = w.root.post(f'/api/v1/risk/points/{point}/sources', {'name': w.name('危险源'),
                                                             'factor': 'object'})
    w.t.status(r, 201, 'throwaway danger source')
    return r.json['id']


def _risk_measure(w, where):
    r = w.root.post(f'/api/v1/risk/sources/{w.risk["source"][where]}/measures',
                    {'kind': 'management', 'description': w.name('措施'),
                     'control_level': 'company', 'responsible_name': '张三'})
    w.t.status(r, 201, 'throwaway measure')
    return r.json['id']


def _risk_zone(w, where):
    r = w.root.post('/api/v1/risk/zones', {'enterprise_id': w.enterprise[where],
                                           'colour': 'yellow', 'name': w.name('区域')})
    w.t.status(r, 201, 'throwaway zone')
    return r.json['id']


World.risk_source = _risk_source
World.risk_measure = _risk_measure
World.risk_zone = _risk_zone


def _risk(method, path_of, body=None):
    """A request on the risk fixture: path_of(w, where) gives the path."""
    def build(w, role, where, c):
        risk_fixture(w)
        b = body(w, where) if callable(body) else body
        return method, path_of(w, where), b, c
    return build


RISK_MEASURE_BODY = {'kind': 'engineering', 'description': '泄压阀', 'control_level': 'company',
                     'responsible_name': '李四'}

REQUESTS.update({
    'GET /api/v1/risk/units': _risk('GET', lambda w, x: '/api/v1/risk/units?limit=500'),
    'POST /api/v1/risk/units': _risk('POST', lambda w, x: '/api/v1/risk/units',
                                     lambda w, x: {'enterprise_id': w.enterprise[x],
                                                   'kind': 'place', 'name': w.name('单元')}),
    'GET /api/v1/risk/units/{id}': _risk(
        'GET', lambda w, x: f'/api/v1/risk/units/{w.risk["unit"][x]}'),
    'PATCH /api/v1/risk/units/{id}': _risk(
        'PATCH', lambda w, x: f'/api/v1/risk/units/{w.risk["unit"][x]}',
        {'polygon': [[0, 0], [1, 0], [0, 1]]}),
    'DELETE /api/v1/risk/units/{id}': _risk(
        'DELETE', lambda w, x: f'/api/v1/risk/units/{_risk_unit(w, x)}'),
    'GET /api/v1/risk/points': _risk('GET', lambda w, x: '/api/v1/risk/points?limit=500'),
    'POST /api/v1/risk/points': _risk('POST', lambda w, x: '/api/v1/risk/points',
                                      lambda w, x: {'unit_id': w.risk['unit'][x],
                                                    'kind': 'place', 'name': w.name('点')}),
    'GET /api/v1/risk/points/{id}': _risk(
        'GET', lambda w, x: f'/api/v1/risk/points/{w.risk["point"][x]}'),
    'PATCH /api/v1/risk/points/{id}': _risk(
        'PATCH', lambda w, x: f'/api/v1/risk/points/{w.risk["point"][x]}',
        {'location': '一楼'}),
    'DELETE /api/v1/risk/points/{id}': _risk(
        'DELETE', lambda w, x: f'/api/v1/risk/points/{_risk_point(w, x)}'),
    'GET /api/v1/risk/points/{id}/assessments': _risk(
        'GET', lambda w, x: f'/api/v1/risk/points/{w.risk["point"][x]}/assessments'),
    'POST /api/v1/risk/points/{id}/sources': _risk(
        'POST', lambda w, x: f'/api/v1/risk/points/{w.risk["point"][x]}/sources',
        lambda w, x: {'name': w.name('危险源'), 'factor': 'person'}),
    'PATCH /api/v1/risk/sources/{id}': _risk(
        'PATCH', lambda w, x: f'/api/v1/risk/sources/{w.risk["source"][x]}',
        {'description': '说明'}),
    'DELETE /api/v1/risk/sources/{id}': _risk(
        'DELETE', lambda w, x: f'/api/v1/risk/sources/{_risk_source(w, x)}'),
    'POST /api/v1/risk/sources/{id}/assessments': _risk(
        'POST', lambda w, x: f'/api/v1/risk/sources/{w.risk["source"][x]}/assessments',
        {'method': 'lec', 'l': 3, 'e': 6, 'c': 7}),
    'POST /api/v1/risk/sources/{id}/measures': _risk(
        'POST', lambda w, x: f'/api/v1/risk/sources/{w.risk["source"][x]}/measures',
        RISK_MEASURE_BODY),
    'PATCH /api/v1/risk/measures/{id}': _risk(
        'PATCH', lambda w, x: f'/api/v1/risk/measures/{w.risk["measure"][x]}',
        {'responsible_name': '王五'}),
    'DELETE /api/v1/risk/measures/{id}': _risk(
        'DELETE', lambda w, x: f'/api/v1/risk/measures/{_risk_measure(w, x)}'),
    'GET /api/v1/risk/tables': _any('GET', '/api/v1/risk/tables'),
    'GET /api/v1/risk/accident-types': _any('GET', '/api/v1/risk/accident-types'),
    'GET /api/v1/risk/zones': _risk('GET', lambda w, x: '/api/v1/risk/zones?limit=500'),
    'POST /api/v1/risk/zones': _risk('POST', lambda w, x: '/api/v1/risk/zones',
                                     lambda w, x: {'enterprise_id': w.enterprise[x],
                                                   'colour': 'green', 'name': w.name('区')}),
    'PATCH /api/v1/risk/zones/{id}': _risk(
        'PATCH', lambda w, x: f'/api/v1/risk/zones/{w.risk["zone"][x]}', {'entry_rules': '戴帽'}),
    'DELETE /api/v1/risk/zones/{id}': _risk(
        'DELETE', lambda w, x: f'/api/v1/risk/zones/{_risk_zone(w, x)}'),
    'PUT /api/v1/risk/enterprises/{id}/site-plan': _risk(
        'PUT', lambda w, x: f'/api/v1/risk/enterprises/{w.enterprise[x]}/site-plan',
        lambda w, x: Raw(w.png_bytes(), 'image/png')),
    'GET /api/v1/risk/enterprises/{id}/site-plan': _risk(
        'GET', lambda w, x: f'/api/v1/risk/enterprises/{w.enterprise[x]}/site-plan'),
    'GET /api/v1/risk/enterprises/{id}/site-plan/image': _risk(
        'GET', lambda w, x: f'/api/v1/risk/enterprises/{w.enterprise[x]}/site-plan/image'),
    'GET /api/v1/risk/enterprises/{id}': _risk(
        'GET', lambda w, x: f'/api/v1/risk/enterprises/{w.enterprise[x]}'),
})
# --- end of risk-core


# --- live monitoring and alarm KPIs (branch mon-live)
class _StreamProbe:
    """A client that reads only the status and headers of a text/event-stream answer (the
    stream never ends); any other answer is asked again with the plain client (a GET)."""

    def __init__(self, c):
        self.c = c

    def request(self, method, path, body=None, **kw):
        from harness import Resp, Stream
        st = Stream(self.c, path)
        try:
            if (st.header('content-type') or '').startswith('text/event-stream'):
                return Resp(st.status, st.headers, b'')
        finally:
            st.close()
        return self.c.request(method, path, body, **kw)


REQUESTS.update({
    'GET /api/v1/monitor/stream': lambda w, role, where, c: (
        'GET', f'/api/v1/monitor/stream?enterprise_id={w.enterprise[where]}', None,
        _StreamProbe(c)),
    'GET /api/v1/monitor/kpi': lambda w, role, where, c: (
        'GET', f'/api/v1/monitor/kpi?enterprise_id={w.enterprise[where]}', None, c),
    'GET /api/v1/monitor/kpi/export': lambda w, role, where, c: (
        'GET', f'/api/v1/monitor/kpi/export?enterprise_id={w.enterprise[where]}&format=csv',
        None, c),
})
# --- end of mon-live
# --- monitoring points, set points, SOE (branch mon-points). Fixtures are made lazily by the
# all-scope administrator; SOE rows are inserted directly (the runtime writes them).

def mon_fixture(w):
    """A device, a methane point and an SOE row in each enterprise; made once."""
    if getattr(w, 'mon', None):
        return w.mon
    w.mon = {k: {} for k in ('device', 'point', 'soe')}
    for where in ('in', 'out'):
        w.mon['device'][where] = _mon_device(w, where)
        w.mon['point'][where] = _mon_point(w, where)
        w.mon['soe'][where] = _mon_soe(w, where)
    return w.mon


def _mon_device(w, where):
    r = w.root.post('/api/v1/monitor/devices', {'enterprise_id': w.enterprise[where],
                                                'name': w.name('网关'), 'protocol': 'mqtt'})
    w.t.status(r, 201, 'throwaway monitor device')
    return r.json['id']


def _mon_point(w, where):
    r = w.root.post('/api/v1/monitor/points', {'enterprise_id': w.enterprise[where],
                                               'tag': w.name('GT'), 'name': '甲烷',
                                               'kind': 'combustible', 'gas': 'methane'})
    w.t.status(r, 201, 'throwaway monitor point')
    return r.json['id']


def _mon_soe(w, where):
    w.s.sql('INSERT INTO soe (point_id, enterprise_id, source_ms, seq, sub, value, from_state, '
            'to_state, from_cond, to_cond, cause, recorded_ms) VALUES (?, ?, ?, ?, 0, 30, 0, 1, '
            '0, 1, \'reading\', 0)',
            (w.mon['point'][where], w.enterprise[where], 1764460800000 + w.seq, w.seq))
    w.seq += 1
    return w.s.sql('SELECT MAX(id) FROM soe')[0][0]


def _mon(method, path_of, body=None):
    """A request on the monitoring fixture: path_of(w, where) gives the path."""
    def build(w, role, where, c):
        mon_fixture(w)
# --- major hazard installations (branch mon-mhi): one installation in each enterprise, made
# lazily by the all-scope administrator, with a position so that the map layer shows it.

MHI_ITEMS = [{'chemical': '氯', 'quantity_t': 10}]


def _mhi_body(w, where):
    return {'enterprise_id': w.enterprise[where], 'name': w.name('液氯罐区'),
            'unit_kind': 'storage', 'people_500m': 10, 'items': MHI_ITEMS,
            'lon': 120.16, 'lat': 33.35}


def mhi_fixture(w):
    if getattr(w, 'mhi', None):
        return w.mhi
    w.mhi = {where: _mhi_installation(w, where) for where in ('in', 'out')}
    return w.mhi


def _mhi_installation(w, where):
    r = w.root.post('/api/v1/mhi/installations', _mhi_body(w, where))
    w.t.status(r, 201, 'mhi installation')
    return r.json['id']


def _mhi(method, path_of, body=None):
    """A request on the installation fixture: path_of(w, where) gives the path."""
    def build(w, role, where, c):
        mhi_fixture(w)
        b = body(w, where) if callable(body) else body
        return method, path_of(w, where), b, c
    return build


REQUESTS.update({
    'GET /api/v1/monitor/devices': _mon('GET', lambda w, x: '/api/v1/monitor/devices?limit=500'),
    'POST /api/v1/monitor/devices': _mon(
        'POST', lambda w, x: '/api/v1/monitor/devices',
        lambda w, x: {'enterprise_id': w.enterprise[x], 'name': w.name('网关'),
                      'protocol': 'http'}),
    'GET /api/v1/monitor/devices/{id}': _mon(
        'GET', lambda w, x: f'/api/v1/monitor/devices/{w.mon["device"][x]}'),
    'PATCH /api/v1/monitor/devices/{id}': _mon(
        'PATCH', lambda w, x: f'/api/v1/monitor/devices/{w.mon["device"][x]}',
        {'active': True}),
    'DELETE /api/v1/monitor/devices/{id}': _mon(
        'DELETE', lambda w, x: f'/api/v1/monitor/devices/{_mon_device(w, x)}'),
    'GET /api/v1/monitor/points': _mon('GET', lambda w, x: '/api/v1/monitor/points?limit=500'),
    'POST /api/v1/monitor/points': _mon(
        'POST', lambda w, x: '/api/v1/monitor/points',
        lambda w, x: {'enterprise_id': w.enterprise[x], 'tag': w.name('AT'), 'name': '氧含量',
                      'kind': 'oxygen'}),
    'GET /api/v1/monitor/points/{id}': _mon(
        'GET', lambda w, x: f'/api/v1/monitor/points/{w.mon["point"][x]}'),
    'PATCH /api/v1/monitor/points/{id}': _mon(
        'PATCH', lambda w, x: f'/api/v1/monitor/points/{w.mon["point"][x]}', {'lon': None}),
    'DELETE /api/v1/monitor/points/{id}': _mon(
        'DELETE', lambda w, x: f'/api/v1/monitor/points/{_mon_point(w, x)}'),
    'GET /api/v1/monitor/points/{id}/setpoint-changes': _mon(
        'GET', lambda w, x: f'/api/v1/monitor/points/{w.mon["point"][x]}/setpoint-changes'),
    'GET /api/v1/monitor/points/{id}/defaults': _mon(
        'GET', lambda w, x: f'/api/v1/monitor/points/{w.mon["point"][x]}/defaults'),
    'GET /api/v1/monitor/points/{id}/trend': _mon(
        'GET', lambda w, x: f'/api/v1/monitor/points/{w.mon["point"][x]}/trend'
        '?from_ms=2&to_ms=1'),
    'GET /api/v1/monitor/alarms': _any('GET', '/api/v1/monitor/alarms'),
    'POST /api/v1/monitor/points/{id}/actions/{action}': _mon(
        'POST', lambda w, x: f'/api/v1/monitor/points/{w.mon["point"][x]}/actions/acknowledge',
        {'colour': 'red'}),
    'GET /api/v1/monitor/soe': _mon('GET', lambda w, x: '/api/v1/monitor/soe?limit=500'),
    'GET /api/v1/monitor/soe/export': _any('GET', '/api/v1/monitor/soe/export?format=csv'),
    'POST /api/v1/monitor/soe/{id}/hazard': _mon(
        'POST', lambda w, x: f'/api/v1/monitor/soe/{_mon_soe(w, x)}/hazard', {}),
})
# --- end of mon-points
    'GET /api/v1/mhi/installations': _mhi(
        'GET', lambda w, x: '/api/v1/mhi/installations?limit=500'),
    'POST /api/v1/mhi/installations': _mhi(
        'POST', lambda w, x: '/api/v1/mhi/installations', _mhi_body),
    'GET /api/v1/mhi/installations/export': _any(
        'GET', '/api/v1/mhi/installations/export?format=csv'),
    'GET /api/v1/mhi/installations/{id}': _mhi(
        'GET', lambda w, x: f'/api/v1/mhi/installations/{w.mhi[x]}'),
    'PATCH /api/v1/mhi/installations/{id}': _mhi(
        'PATCH', lambda w, x: f'/api/v1/mhi/installations/{w.mhi[x]}', {'description': '说明'}),
    'DELETE /api/v1/mhi/installations/{id}': _mhi(
        'DELETE', lambda w, x: f'/api/v1/mhi/installations/{_mhi_installation(w, x)}'),
    'GET /api/v1/mhi/map': _mhi('GET', lambda w, x: '/api/v1/mhi/map'),
    'GET /api/v1/mhi/chemicals': _any('GET', '/api/v1/mhi/chemicals?q=7782-50-5'),
    'GET /api/v1/mhi/categories': _any('GET', '/api/v1/mhi/categories'),
})
# --- end of mon-mhi

AFTER = {'POST /api/v1/me/password': _me_password_done}

# For list routes: how to find the inside and the outside entity among the items.
LIST_KEYS = {
    'GET /api/v1/users': ('id', lambda w: w.target),
    'GET /api/v1/tokens': ('id', lambda w: w.token),
    'GET /api/v1/regions': ('code', lambda w: w.region),
    'GET /api/v1/depts': ('id', lambda w: w.dept),
    'GET /api/v1/grids': ('id', lambda w: w.grid),
    'GET /api/v1/enterprises': ('id', lambda w: w.enterprise),
    'GET /api/v1/licences': ('id', lambda w: w.licence),
    'GET /api/v1/map/grids': ('id', lambda w: w.grid),
    'GET /api/v1/map/enterprises': ('id', lambda w: w.enterprise),
    'GET /api/v1/hazards': ('id', lambda w: w.hazard),
    'GET /api/v1/hazard-lists/rectification': ('id', lambda w: w.rect_hazard),
    'GET /api/v1/hazard-lists/supervision': ('id', lambda w: w.supervision),
    'GET /api/v1/hazard-lists/accountability': ('id', lambda w: w.accountability),
    'GET /api/v1/hazard-lists/blacklist': ('id', lambda w: w.blacklist),
    'GET /api/v1/risk/check-items': ('id', lambda w: w.check_item),
    'GET /api/v1/risk/tasks': ('id', lambda w: w.check_task),
    'GET /api/v1/risk/lists/major': ('id', lambda w: w.risk_point),
    'GET /api/v1/risk/lists/reassess': ('id', lambda w: w.risk_point),
    'GET /api/v1/risk/enterprises': ('id', lambda w: w.enterprise),
}
# --- readings ingestion (branch mon-ingest) ---
def _readings(w, role, where, c):
    """POST /api/v1/readings for the enterprise inside or outside: an empty batch."""
    code = w.s.sql('SELECT uscc FROM enterprise WHERE id = ?', (w.enterprise[where],))[0][0]
    return ('POST', f'/api/v1/readings?enterprise={code}',
            Raw(b'{"readings":[]}', 'application/json'), c)


REQUESTS.update({
    'POST /api/v1/readings': _readings,
})
# risk-core lists
LIST_KEYS.update({
    'GET /api/v1/risk/units': ('id', lambda w: w.risk['unit']),
    'GET /api/v1/risk/points': ('id', lambda w: w.risk['point']),
    'GET /api/v1/risk/zones': ('id', lambda w: w.risk['zone']),
})
# mon-points lists
LIST_KEYS.update({
    'GET /api/v1/monitor/devices': ('id', lambda w: w.mon['device']),
    'GET /api/v1/monitor/points': ('id', lambda w: w.mon['point']),
    'GET /api/v1/monitor/soe': ('id', lambda w: w.mon['soe']),
# mon-mhi lists
LIST_KEYS.update({
    'GET /api/v1/mhi/installations': ('id', lambda w: w.mhi),
    'GET /api/v1/mhi/map': ('id', lambda w: w.mhi),
})


def list_items(body):
    """The rows of a list answer: items of a page, or feature properties of a map layer."""
    if 'features' in body:
        return [f['properties'] for f in body['features']]
    return body['items']


# ------------------------------------------------------------------ tests

def test_matrix_has_exactly_the_routes_of_the_server(t):
    routes = list_routes()
    t.true(len(routes) > 20, f'anjian routes printed only {routes}')
    m = load_matrix()
    missing = [r for r in routes if r not in m['routes']]
    t.eq(missing, [], 'routes without an entry in authz_matrix.json (add a row for each):')
    stale = [r for r in m['routes'] if r not in routes]
    t.eq(stale, [], 'authz_matrix.json names routes that do not exist:')
    t.eq(len(set(routes)), len(routes), 'anjian routes lists a route twice')


def test_uscc_helper_makes_valid_codes(t):
    # Published codes (STANDARDS.md §5) come out of the same computation.
    t.eq(uscc('440300', '19220382'), '914403001922038216')
    t.eq(uscc('110000', '71092609'), '91110000710926094P')
    t.eq(uscc(R1)[2:8], R1)


def test_matrix_rows_are_complete(t):
    m = load_matrix()
    roles = m['roles']
    for r in ('anonymous', 'admin_all', 'admin', 'leader', 'inspector', 'grid_manager',
              'grid_patroller', 'grid_supervisor', 'enterprise_officer'):
        t.true(r in roles, f'role {r} missing from the matrix')
    for key, row in m['routes'].items():
        t.true(key in REQUESTS, f'{key}: no request in test_authz_matrix.py REQUESTS')
        t.true(bool(row.get('note')), f'{key}: no note')
        scopes = [s for s in ('any', 'in', 'out') if s in row]
        t.true(scopes in (['any'], ['in', 'out']), f'{key}: needs "any", or "in" and "out"')
        t.eq(bool(row.get('list')), key in LIST_KEYS, f'{key}: list flag')
        for s in scopes:
            t.eq(sorted(row[s]), sorted(roles), f'{key} {s}: roles')
            for role, want in row[s].items():
                good = isinstance(want, int) and 200 <= want < 500
                if row.get('list') and s == 'out':
                    good = good or want in ('shown', 'hidden')
                t.true(good, f'{key} {s} {role}: bad cell {want!r}')
                if role == 'anonymous' and isinstance(want, int) and want >= 400:
                    t.eq(want, 401, f'{key}: anonymous is refused with 401')


def test_every_route_role_and_scope(t):
    m = load_matrix()
    w = World(t)
    failures = []
    cells = 0
    for key in list_routes():
        row = m['routes'].get(key)
        if row is None or key not in REQUESTS:
            failures.append(f'{key}: no row in authz_matrix.json or no request in REQUESTS')
            continue
        for where in [s for s in ('any', 'in', 'out') if s in row]:
            for role in m['roles']:
                want = row[where][role]
                cells += 1
                method, path, body, c = REQUESTS[key](w, role, where, w.client[role])
                denied = isinstance(want, int) and want >= 400
                before = w.snapshot() if denied else None
                r = send(c, method, path, body)
                got = r.status
                problem = None
                if denied:
                    ct = r.header('content-type') or ''
                    if not ct.startswith('application/problem+json'):
                        problem = f'content type {ct!r}'
                    elif w.snapshot() != before:
                        problem = 'a denied request changed the database or the audit log'
                if row.get('list') and got == 200:
                    field, entities = LIST_KEYS[key]
                    ids = [it[field] for it in list_items(r.json)]
                    target = entities(w)['in' if where == 'in' else 'out']
                    if where == 'in':
                        got = 200 if target in ids else 'inside entity missing'
                    else:
                        got = 'shown' if target in ids else 'hidden'
                if key in AFTER:
                    AFTER[key](w, role, r, body)
                if got != want or problem:
                    failures.append(f'{key} [{where}] {role}: got {got}, want {want}'
                                    f'{"; " + problem if problem else ""}: {r.body[:160]!r}')
    t.true(cells > 400, f'only {cells} cells')
    t.true(not failures, f'{len(failures)} of {cells} cells differ:\n  ' + '\n  '.join(failures))


def test_outside_entities_stay_untouched(t):
    """The writes that the matrix refuses outside the scope left the R2 entities as they were."""
    w = World(t)
    admin = w.client['admin']
    before = w.snapshot()
    for method, path, body in (
            ('PATCH', f'/api/v1/depts/{w.dept["out"]}', {'name': 'x'}),
            ('DELETE', f'/api/v1/depts/{w.dept["out"]}', None),
            ('PATCH', f'/api/v1/grids/{w.grid["out"]}', {'name': 'x'}),
            ('DELETE', f'/api/v1/grids/{w.grid["out"]}', None),
            ('PATCH', f'/api/v1/users/{w.target["out"]}', {'locked': True}),
            ('POST', f'/api/v1/users/{w.target["out"]}/password', {}),
            ('DELETE', f'/api/v1/tokens/{w.token["out"]}', None),
            # Moving an inside entity out, or creating one outside, is refused the same way.
            ('PATCH', f'/api/v1/depts/{w.dept["in"]}', {'region_code': R2}),
            ('PATCH', f'/api/v1/grids/{w.grid["in"]}', {'region_code': T2}),
            ('PATCH', f'/api/v1/users/{w.target["in"]}', {'scope': 'region:' + R2}),
            ('POST', '/api/v1/users', {'login': 'r1.makes.all', 'role': 'inspector',
                                       'scope': 'all'}),
            ('POST', '/api/v1/users', {'login': 'r1.makes.city', 'role': 'leader',
                                       'scope': 'region:' + CITY}),
            ('POST', '/api/v1/tokens', {'user_id': w.bot['out'], 'name': 'x'}),
            ('PATCH', f'/api/v1/users/{w.bot["out"]}', {'display_name': 'x'}),
            ('POST', '/api/v1/tokens', {'user_id': 1, 'name': 'for the bootstrap admin'})):
        r = admin.request(method, path, body)
        t.status(r, 403, f'{method} {path} {body}')
        t.true('scope' in (r.json.get('detail') or '') or r.json.get('errors'),
               f'{method} {path}: the problem says why: {r.json}')
    t.eq(w.snapshot(), before, 'a refused write changed something')


def test_references_outside_the_scope_are_403_naming_the_field(t):
    """A region administrator cannot reach outside its scope through a reference: a
    department of another region (dept_id, an enterprise's supervising_dept_id), or a grid
    role (manager_id, patroller_id, supervisor_id) or an enterprise's named inspector
    (supervisor_id) held by a user who works outside the writer's scope → 403 naming the
    field, and nothing changes. Inside references are accepted."""
    w = World(t)
    admin, root = w.client['admin'], w.root
    grid_users = {}
    for field, role in (('manager_id', 'grid_manager'), ('patroller_id', 'grid_patroller'),
                        ('supervisor_id', 'grid_supervisor')):
        for where in ('in', 'out'):
            r = root.post('/api/v1/users', {'login': f'{role.replace("_", "-")}.{where}',
                                            'role': role, 'scope': f'grids:{w.grid[where]}'})
            t.status(r, 201)
            grid_users[(field, where)] = r.json['id']
    before = w.snapshot()
    cases = [
        ('PATCH', f'/api/v1/users/{w.target["in"]}', {'dept_id': w.dept['out']}, 'dept_id'),
        ('POST', '/api/v1/users', {'login': 'r1.dept.r2', 'role': 'inspector',
                                   'scope': 'region:' + R1, 'dept_id': w.dept['out']},
         'dept_id'),
    ]
    # Named supervision of an enterprise: a department or inspector of another county.
    cases.append(('PATCH', f'/api/v1/enterprises/{w.enterprise["in"]}',
                  {'supervising_dept_id': w.dept['out']}, 'supervising_dept_id'))
    cases.append(('PATCH', f'/api/v1/enterprises/{w.enterprise["in"]}',
                  {'supervisor_id': w.target['out']}, 'supervisor_id'))
    for field in ('manager_id', 'patroller_id', 'supervisor_id'):
        out = grid_users[(field, 'out')]
        cases.append(('PATCH', f'/api/v1/grids/{w.grid["in"]}', {field: out}, field))
        cases.append(('POST', '/api/v1/grids', {'code': 'G-' + field, 'name': '新网格',
                                                'region_code': T1, field: out}, field))
    for method, path, body, field in cases:
        r = admin.request(method, path, body)
        t.problem(r, 403, field)
    t.eq(w.snapshot(), before, 'a refused reference changed something')
    # The same references inside the scope are fine.
    r = admin.patch(f'/api/v1/users/{w.target["in"]}', {'dept_id': w.dept['in']})
    t.status(r, 200)
    t.eq(r.json['dept_id'], w.dept['in'])
    body = {f: grid_users[(f, 'in')] for f in ('manager_id', 'patroller_id', 'supervisor_id')}
    r = admin.patch(f'/api/v1/grids/{w.grid["in"]}', body)
    t.status(r, 200)
    for f, v in body.items():
        t.eq(r.json[f], v, f)
    r = admin.patch(f'/api/v1/enterprises/{w.enterprise["in"]}',
                    {'supervising_dept_id': w.dept['in'], 'supervisor_id': w.target['in']})
    t.status(r, 200)
    t.eq((r.json['supervising_dept_id'], r.json['supervisor_id']), (w.dept['in'], w.target['in']))
    # The all-scope administrator may assign across regions.
    r = root.patch(f'/api/v1/users/{w.target["in"]}', {'dept_id': w.dept['out']})
    t.status(r, 200)


def test_grid_roles_see_only_their_grids(t):
    """Grid workers are scoped to grids, not to a region: another grid in the same town is out."""
    w = World(t)
    r = w.root.post('/api/v1/grids', {'code': 'G1b', 'name': '五星二网格', 'region_code': T1})
    t.status(r, 201)
    other = r.json['id']
    for role in ('grid_manager', 'grid_patroller', 'grid_supervisor'):
        c = w.client[role]
        t.status(c.get(f'/api/v1/grids/{other}'), 403, role)
        ids = [g['id'] for g in c.get('/api/v1/grids').json['items']]
        t.eq(ids, [w.grid['in']], role)
    for role in ('admin', 'leader', 'inspector'):
        t.status(w.client[role].get(f'/api/v1/grids/{other}'), 200, role)


def test_enterprise_officer_outside_its_region_is_outside(t):
    """An enterprise registered in R2 (USCC digits 3-8) is outside an R1 administrator."""
    w = World(t)
    admin = w.client['admin']
    r = w.root.post('/api/v1/users', {'login': 'eo.r2', 'role': 'enterprise_officer',
                                      'scope': 'enterprise:' + uscc(R2)})
    t.status(r, 201)
    t.status(admin.get(f'/api/v1/users/{r.json["id"]}'), 403)
    eo_in = w.s.sql("SELECT id FROM app_user WHERE login = 'm.enterprise-officer'")[0][0]
    t.status(admin.get(f'/api/v1/users/{eo_in}'), 200)
    ids = [u['id'] for u in admin.get('/api/v1/users?limit=500').json['items']]
    t.true(eo_in in ids and r.json['id'] not in ids, f'users list {ids}')


def test_invalid_credentials_are_401_everywhere(t):
    """A wrong or revoked bearer token is refused on every non-public route, never ignored."""
    w = World(t)
    m = load_matrix()
    bad = Client(w.s, token='not-a-token')
    revoked = w.root.post('/api/v1/tokens', {'user_id': w.bot['in'], 'name': 'to revoke'}).json
    t.status(w.root.delete(f'/api/v1/tokens/{revoked["id"]}'), 204)
    gone = Client(w.s, token=revoked['token'])
    for key in list_routes():
        row = m['routes'][key]
        cell = row.get('any', row.get('in'))
        if cell['anonymous'] != 401:
            continue
        for c in (bad, gone):
            method, path, body, _ = REQUESTS[key](w, 'anonymous', 'in', c)
            before = w.snapshot()
            r = send(c, method, path, body)
            t.status(r, 401, key)
            t.eq(w.snapshot(), before, key)


run(globals())
