#!/usr/bin/env python3
"""Bad input on every write endpoint: malformed JSON, wrong types, missing and unknown fields,
wrong Content-Type, oversized bodies, invalid UTF-8, NUL characters, bad query strings and path
ids, unknown paths and methods. Each rejection is an RFC 9457 problem naming the bad fields, and
leaves the database and the audit log exactly as they were. SQL metacharacters, Chinese and emoji
are stored and returned verbatim."""
import http.client
import json
import subprocess

from harness import BIN, Resp, run

R1, R2 = '320902', '320903'            # 亭湖区, 盐都区 (盐城市)
T1 = '320902001'                       # 五星街道, in R1
NEW_PASSWORD = 'Second-Pass-2026'
HAN = '安全生产监督管理局 🚒'
SQL_META = ["'; DROP TABLE app_user; --", '" OR 1=1', '%_\\']

# What a rejected write must leave untouched. Columns the server updates on reads (a session's
# last_seen_ms, a token's last_used_ms) are left out.
SNAPSHOT = [
    'SELECT COUNT(*), MAX(id) FROM audit_log',
    'SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1',
    'SELECT * FROM app_user ORDER BY id',
    'SELECT * FROM dept ORDER BY id',
    'SELECT * FROM grid ORDER BY id',
    'SELECT * FROM user_grid ORDER BY user_id, grid_id',
    'SELECT id, user_id, name, prefix, token_hash, created_ms, revoked_ms FROM api_token '
    'ORDER BY id',
    'SELECT id, token_hash, user_id, created_ms, revoked_ms FROM session ORDER BY id',
    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
]

SQUARE = {'type': 'Polygon', 'coordinates': [[[120.1, 33.3], [120.2, 33.3], [120.2, 33.4],
                                              [120.1, 33.3]]]}


class World:
    """A fresh server with one department, grid, user and token in R1, and the admin."""

    def __init__(self, t):
        self.t = t
        self.s = s = t.server()
        self.a = a = s.admin()
        r = a.post('/api/v1/depts', {'name': '亭湖区应急管理局', 'region_code': R1})
        t.status(r, 201)
        self.dept = r.json['id']
        r = a.post('/api/v1/grids', {'code': 'G-T1-01', 'name': '五星一网格', 'region_code': T1,
                                     'geometry': SQUARE})
        t.status(r, 201)
        self.grid = r.json['id']
        r = a.post('/api/v1/users', {'login': 'insp.r1', 'role': 'inspector',
                                     'scope': 'region:' + R1, 'password': 'First-Pass-2026'})
        t.status(r, 201)
        self.user = r.json['id']
        r = a.post('/api/v1/tokens', {'user_id': self.user, 'name': 'ci'})
        t.status(r, 201)
        self.token = r.json['id']

    def snapshot(self):
        return [self.s.sql(q) for q in SNAPSHOT]

    def rejected(self, send, status, fields=None, msg=''):
        """Runs send(); checks the problem and the named fields; checks nothing changed."""
        before = self.snapshot()
        r = send()
        self.t.status(r, status, msg)
        self.t.problem(r, status)
        if fields is not None:
            named = sorted(e['field'] for e in r.json.get('errors', []))
            self.t.eq(named, sorted(fields), f'{msg}: fields named in {r.json}:')
        after = self.snapshot()
        for q, b, a in zip(SNAPSHOT, before, after):
            self.t.eq(a, b, f'{msg}: {q} changed after a rejected write:')
        return r

    # The write endpoints: (method, path, client, a valid body, its max_body).
    def endpoints(self):
        return [
            ('POST', '/api/v1/users', self.a,
             {'login': 'new.user', 'role': 'inspector', 'scope': 'region:' + R1}, 8192),
            ('PATCH', f'/api/v1/users/{self.user}', self.a, {'display_name': '张三'}, 8192),
            ('POST', '/api/v1/depts', self.a, {'name': '新部门', 'region_code': R1}, 8192),
            ('PATCH', f'/api/v1/depts/{self.dept}', self.a, {'description': '说明'}, 8192),
            ('POST', '/api/v1/grids', self.a,
             {'code': 'G-NEW', 'name': '新网格', 'region_code': T1}, 4 * 1024 * 1024),
            ('PATCH', f'/api/v1/grids/{self.grid}', self.a, {'name': '改名'}, 4 * 1024 * 1024),
            ('POST', '/api/v1/tokens', self.a, {'user_id': self.user, 'name': 'x'}, 4096),
            ('POST', '/api/v1/session', self.s.anon(),
             {'login': 'admin', 'password': self.s.admin_password}, 4096),
            ('POST', '/api/v1/me/password', self.a,
             {'old_password': self.s.admin_password, 'new_password': NEW_PASSWORD}, 4096),
        ]


def raw_request(s, method, path, body=None, headers=None, chunks=None, token=None):
    """A request with full control over headers and framing (no Content-Type unless given)."""
    conn = http.client.HTTPConnection('127.0.0.1', s.port, timeout=60)
    h = dict(headers or {})
    if token:
        h['Authorization'] = 'Bearer ' + token
    try:
        if chunks is not None:
            conn.request(method, path, body=iter(chunks), headers=h, encode_chunked=True)
        else:
            conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def padded(body, size):
    """body serialised as JSON and padded with spaces to exactly size bytes."""
    data = json.dumps(body, ensure_ascii=False).encode()
    assert len(data) <= size
    return data + b' ' * (size - len(data))


# ------------------------------------------------------------------ malformed bodies

def test_malformed_json_is_400_naming_the_body(t):
    w = World(t)
    bad = [b'{', b'{"name": }', b'{"name": "a",}', b"{'name': 'a'}", b'{"name": "a"} x',
           b'[1, 2', b'{"name": "\\ud800"}', b'{"name": "a", "name": "b"}', b'{"a" "b"}',
           b'\xef\xbb\xbf{}']
    for method, path, c, _, _ in w.endpoints():
        for data in bad:
            w.rejected(lambda: c.request(method, path, raw=data), 400, ['body'],
                       f'{method} {path} {data!r}')


def test_body_that_is_not_an_object_is_rejected(t):
    # Arrays pass the parser and fail the field check (422); bare scalars are refused by the
    # parser, which takes only an object or an array as a document (400).
    w = World(t)
    for method, path, c, _, _ in w.endpoints():
        for data in (b'[]', b'[{"name": "a"}]', b'"text"', b'42', b'null', b'true'):
            want = 422 if data[:1] == b'[' else 400
            r = w.rejected(lambda: c.request(method, path, raw=data), want, None,
                           f'{method} {path} {data!r}')
            t.true(r.json.get('errors'), f'{method} {path} {data!r}: no errors list')


def test_empty_body_is_400(t):
    w = World(t)
    for method, path, c, _, _ in w.endpoints():
        w.rejected(lambda: c.request(method, path, raw=b''), 400, None, f'{method} {path}')
        # A chunked body with no chunks.
        w.rejected(lambda: raw_request(w.s, method, path, chunks=[], token=c.token,
                                       headers={'Content-Type': 'application/json'}),
                   400, None, f'{method} {path} empty chunked')


def test_wrong_content_type_is_415(t):
    w = World(t)
    for method, path, c, body, _ in w.endpoints():
        data = json.dumps(body).encode()
        for ct in ('text/plain', 'application/x-www-form-urlencoded', 'application/jsonx',
                   'multipart/form-data; boundary=x', 'application/xml'):
            w.rejected(lambda: c.request(method, path, raw=data, content_type=ct), 415, None,
                       f'{method} {path} {ct}')
        h = {'Authorization': 'Bearer ' + c.token} if c.token else {}
        w.rejected(lambda: raw_request(w.s, method, path, data, h), 415, None,
                   f'{method} {path} without Content-Type')


def test_json_content_type_with_parameters_is_accepted(t):
    w = World(t)
    r = w.a.post('/api/v1/depts', {'name': '带参数', 'region_code': R1},
                 content_type='application/json; charset=utf-8')
    t.status(r, 201)


# ------------------------------------------------------------------ field errors

def test_wrong_types_and_unknown_fields_are_all_named(t):
    w = World(t)
    cases = {
        'POST /api/v1/users': (
            {'login': 5, 'role': [], 'scope': None, 'display_name': True, 'dept_id': 'x',
             'phone': 13800000000, 'password': {}, 'is_admin': True},
            ['login', 'role', 'scope', 'display_name', 'dept_id', 'phone', 'password',
             'is_admin']),
        'PATCH /api/v1/users': (
            {'display_name': 1, 'locked': 'yes', 'dept_id': 0, 'role': None, 'login': 'x',
             'password_hash': 'x'},
            ['display_name', 'locked', 'dept_id', 'role', 'login', 'password_hash']),
        'POST /api/v1/depts': (
            {'name': 1, 'region_code': 320902, 'description': [], 'head': 'x'},
            ['name', 'region_code', 'description', 'head']),
        'PATCH /api/v1/depts': (
            {'name': None, 'description': 5, 'id': 3, 'region_code': 1.5},
            ['name', 'description', 'id', 'region_code']),
        'POST /api/v1/grids': (
            {'code': 1, 'name': {}, 'region_code': None, 'geometry': 'POLYGON((1 2))',
             'manager_id': 1.5, 'patroller_id': '2', 'supervisor_id': False, 'color': 'red'},
            ['code', 'name', 'region_code', 'geometry', 'manager_id', 'patroller_id',
             'supervisor_id', 'color']),
        'PATCH /api/v1/grids': (
            {'code': [], 'geometry': [1], 'supervisor_id': -1, 'manager_id': 0, 'zzz': 0},
            ['code', 'geometry', 'supervisor_id', 'manager_id', 'zzz']),
        'POST /api/v1/tokens': (
            {'user_id': '2', 'name': 3, 'expires_ms': 1},
            ['user_id', 'name', 'expires_ms']),
        'POST /api/v1/session': (
            {'login': 1, 'password': None, 'remember': True},
            ['login', 'password', 'remember']),
        'POST /api/v1/me/password': (
            {'old_password': 1, 'new_password': False, 'confirm': 'x'},
            ['old_password', 'new_password', 'confirm']),
    }
    for method, path, c, _, _ in w.endpoints():
        key = method + ' ' + (path.rsplit('/', 1)[0] if method == 'PATCH' else path)
        body, fields = cases[key]
        w.rejected(lambda: c.request(method, path, body), 422, fields, key)


def test_missing_required_fields_are_all_named(t):
    w = World(t)
    required = {
        'POST /api/v1/users': ['login', 'role', 'scope'],
        'POST /api/v1/depts': ['name', 'region_code'],
        'POST /api/v1/grids': ['code', 'name', 'region_code'],
        'POST /api/v1/tokens': ['user_id', 'name'],
        'POST /api/v1/session': ['login', 'password'],
        'POST /api/v1/me/password': ['old_password', 'new_password'],
    }
    for method, path, c, body, _ in w.endpoints():
        want = required.get(method + ' ' + path)
        if want is None:
            continue
        w.rejected(lambda: c.request(method, path, {}), 422, want, f'{method} {path} {{}}')
        # One required field missing, the others present.
        for f in want:
            partial = {k: v for k, v in body.items() if k != f}
            w.rejected(lambda: c.request(method, path, partial), 422, [f], f'{method} {path} -{f}')


def test_too_long_strings_and_out_of_range_numbers_are_named(t):
    w = World(t)
    w.rejected(lambda: w.a.post('/api/v1/depts', {'name': '局' * 101, 'region_code': R1,
                                                   'description': 'x' * 2001}),
               422, ['name', 'description'], 'dept lengths')
    w.rejected(lambda: w.a.post('/api/v1/grids', {'code': 'c' * 65, 'name': 'n', 'region_code': T1,
                                                   'manager_id': 0}),
               422, ['code', 'manager_id'], 'grid lengths')
    # Exactly at the limit is accepted; the limit counts characters, not bytes.
    r = w.a.post('/api/v1/depts', {'name': '局' * 100, 'region_code': R1})
    t.status(r, 201)


def test_semantic_errors_are_all_named(t):
    w = World(t)
    w.rejected(lambda: w.a.post('/api/v1/users', {'login': 'AB', 'role': 'king',
                                                   'scope': 'region:12', 'phone': 'call me'}),
               422, ['login', 'role', 'scope', 'phone'], 'user create')
    w.rejected(lambda: w.a.patch(f'/api/v1/users/{w.user}', {'role': 'king', 'scope': 'grids:',
                                                              'phone': 'x'}),
               422, ['role', 'scope', 'phone'], 'user patch')
    w.rejected(lambda: w.a.post('/api/v1/users', {'login': 'weak.pw', 'role': 'inspector',
                                                   'scope': 'region:' + R1, 'password': 'short'}),
               422, ['password'], 'user weak password')
    w.rejected(lambda: w.a.post('/api/v1/depts', {'name': '', 'region_code': '000000'}),
               422, ['name', 'region_code'], 'dept create')
    w.rejected(lambda: w.a.patch(f'/api/v1/depts/{w.dept}', {'name': '', 'region_code': '99'}),
               422, ['name', 'region_code'], 'dept patch')
    w.rejected(lambda: w.a.post('/api/v1/grids', {
        'code': '', 'name': '', 'region_code': '999999999',
        'geometry': {'type': 'Point', 'coordinates': [120.1, 33.3]}, 'manager_id': w.user}),
        422, ['code', 'name', 'region_code', 'geometry', 'manager_id'], 'grid create')
    w.rejected(lambda: w.a.patch(f'/api/v1/grids/{w.grid}', {
        'geometry': {'type': 'Polygon', 'coordinates': [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
        'patroller_id': 999999}),
        422, ['geometry', 'patroller_id'], 'grid patch')
    w.rejected(lambda: w.a.post('/api/v1/tokens', {'user_id': 999999, 'name': ''}),
               422, ['user_id', 'name'], 'token create')
    w.rejected(lambda: w.a.post('/api/v1/me/password', {'old_password': 'not-the-one',
                                                         'new_password': NEW_PASSWORD}),
               422, ['old_password'], 'wrong old password')
    w.rejected(lambda: w.a.post('/api/v1/me/password', {'old_password': w.s.admin_password,
                                                         'new_password': 'weak'}),
               422, ['new_password'], 'weak new password')
    w.rejected(lambda: w.a.post('/api/v1/me/password', {'old_password': w.s.admin_password,
                                                         'new_password': 'xxAdmin-2026'}),
               422, ['new_password'], 'new password holds the login')


def test_nul_in_strings_is_422_naming_the_field(t):
    w = World(t)
    for method, path, c, body, _ in w.endpoints():
        for field in [k for k, v in body.items() if isinstance(v, str)]:
            bad = dict(body)
            bad[field] = 'a\u0000b'
            w.rejected(lambda: c.request(method, path, bad), 422, [field],
                       f'{method} {path} NUL in {field}')


def test_nul_inside_a_geometry_is_422(t):
    w = World(t)
    geo = json.loads(json.dumps(SQUARE))
    geo['type'] = 'Polygon\u0000x'
    w.rejected(lambda: w.a.post('/api/v1/grids', {'code': 'G-NUL', 'name': 'n', 'region_code': T1,
                                                   'geometry': geo}), 422, ['geometry'], 'type')
    geo = dict(SQUARE, note='a\u0000b')
    w.rejected(lambda: w.a.patch(f'/api/v1/grids/{w.grid}', {'geometry': geo}), 422, ['geometry'],
               'member')


def test_nul_in_a_key_is_rejected(t):
    w = World(t)
    r = w.rejected(lambda: w.a.post('/api/v1/depts', raw=b'{"name\\u0000x": "a", "region_code": '
                                                          b'"320902"}'), 400, ['body'], 'NUL key')


# ------------------------------------------------------------------ sizes and encodings

def test_oversized_bodies_are_413(t):
    w = World(t)
    for method, path, c, body, limit in w.endpoints():
        data = padded(body, limit + 1)
        w.rejected(lambda: c.request(method, path, raw=data), 413, None,
                   f'{method} {path} {limit + 1} bytes')
    # Exactly the limit is read and answered by the handler (here: a wrong password, 401).
    r = w.s.anon().post('/api/v1/session', raw=padded({'login': 'admin', 'password': 'x'}, 4096))
    t.status(r, 401)
    # Far over the limit is answered without reading the body.
    w.rejected(lambda: raw_request(w.s, 'POST', '/api/v1/session',
                                   headers={'Content-Type': 'application/json',
                                            'Content-Length': str(10 ** 9)}),
               413, None, 'huge Content-Length')


def test_oversized_chunked_body_is_413(t):
    w = World(t)
    chunks = [b'{"login": "admin", "password": "'] + [b'x' * 1000] * 5 + [b'"}']
    w.rejected(lambda: raw_request(w.s, 'POST', '/api/v1/session', chunks=chunks,
                                   headers={'Content-Type': 'application/json'}),
               413, None, 'chunked session')


def test_default_body_limit_applies_to_routes_without_their_own(t):
    w = World(t)
    data = b'x' * (1024 * 1024 + 1)
    for path in (f'/api/v1/grids/{w.grid}', f'/api/v1/depts/{w.dept}', f'/api/v1/tokens/{w.token}'):
        w.rejected(lambda: w.a.request('DELETE', path, raw=data), 413, None, 'DELETE ' + path)


def test_invalid_utf8_is_400_naming_the_body(t):
    w = World(t)
    bad = [b'\xff', b'\xc0\xaf', b'\xed\xa0\x80', b'\xe5\xae', b'\xf8\x88\x80\x80\x80', b'\x80']
    for method, path, c, body, _ in w.endpoints():
        field = next(k for k, v in body.items() if isinstance(v, str))
        for b in bad:
            data = json.dumps({**body, field: 'PLACEHOLDER'}).encode().replace(b'PLACEHOLDER', b)
            w.rejected(lambda: c.request(method, path, raw=data), 400, ['body'],
                       f'{method} {path} {b!r}')


# ------------------------------------------------------------------ verbatim text

def test_sql_metacharacters_are_stored_and_returned_verbatim(t):
    w = World(t)
    ids = []
    for i, text in enumerate(SQL_META):
        r = w.a.post('/api/v1/depts', {'name': text, 'region_code': R1, 'description': text + ' ' +
                                       SQL_META[(i + 1) % 3]})
        t.status(r, 201, text)
        ids.append(r.json['id'])
        t.eq(r.json['name'], text)
        g = w.a.get(f'/api/v1/depts/{r.json["id"]}')
        t.status(g, 200)
        t.eq(g.json['name'], text)
        t.eq(g.json['description'], text + ' ' + SQL_META[(i + 1) % 3])
        t.eq(w.s.sql('SELECT name FROM dept WHERE id = ?', (r.json['id'],)), [(text,)])
        r = w.a.post('/api/v1/grids', {'code': 'G' + str(i) + text, 'name': text,
                                       'region_code': T1})
        t.status(r, 201, text)
        g = w.a.get(f'/api/v1/grids/{r.json["id"]}')
        t.eq((g.json['code'], g.json['name']), ('G' + str(i) + text, text))
    # The tables are all still there and the injected text changed nothing else.
    t.eq(w.s.sql('SELECT COUNT(*) FROM app_user'), [(2,)])
    # LIKE wildcards in a search are literal: '%_\' finds only the department holding them.
    r = w.a.get('/api/v1/depts?q=' + '%25_%5C')
    t.status(r, 200)
    t.eq([d['id'] for d in r.json['items']], [ids[2]])
    r = w.a.get('/api/v1/depts?q=' + '%25')
    t.eq([d['id'] for d in r.json['items']], [ids[2]])
    # A login that looks like an injection is just a wrong login.
    r = w.s.anon().post('/api/v1/session', {'login': "admin' --", 'password': "' OR '1'='1"})
    t.status(r, 401)
    r = w.a.patch(f'/api/v1/depts/{ids[0]}', {'description': SQL_META[1]})
    t.status(r, 200)
    t.eq(r.json['description'], SQL_META[1])


def test_chinese_and_emoji_round_trip(t):
    w = World(t)
    r = w.a.post('/api/v1/depts', {'name': HAN, 'region_code': R1, 'description': HAN * 3})
    t.status(r, 201)
    t.eq(w.a.get(f'/api/v1/depts/{r.json["id"]}').json['name'], HAN)
    t.eq(w.s.sql('SELECT name, description FROM dept WHERE id = ?', (r.json['id'],)),
         [(HAN, HAN * 3)])
    r = w.a.post('/api/v1/grids', {'code': '网格-🚒-1', 'name': HAN, 'region_code': T1})
    t.status(r, 201)
    g = w.a.get(f'/api/v1/grids/{r.json["id"]}').json
    t.eq((g['code'], g['name']), ('网格-🚒-1', HAN))
    r = w.a.patch(f'/api/v1/users/{w.user}', {'display_name': '张三 🚒'})
    t.status(r, 200)
    t.eq(w.a.get(f'/api/v1/users/{w.user}').json['display_name'], '张三 🚒')
    # Escaped (\uXXXX, surrogate pairs) and raw UTF-8 arrive as the same text.
    raw = json.dumps({'name': HAN + '2', 'region_code': R1}, ensure_ascii=True).encode()
    r = w.a.post('/api/v1/depts', raw=raw)
    t.status(r, 201)
    t.eq(r.json['name'], HAN + '2')
    # A search by Chinese text finds it.
    r = w.a.get('/api/v1/depts?q=' + '%E7%9B%91%E7%9D%A3')  # 监督
    t.eq(sorted(d['name'] for d in r.json['items']), [HAN, HAN + '2'])
    # Passwords of any script work (Argon2 over the UTF-8 bytes).
    pw = '安全-Pass-2026-🚒'
    r = w.a.post('/api/v1/me/password', {'old_password': w.s.admin_password, 'new_password': pw})
    t.status(r, 204)
    c, r = w.s.login('admin', pw)
    t.status(r, 201)


# ------------------------------------------------------------------ query strings, ids, paths

LISTS = ['/api/v1/users', '/api/v1/tokens', '/api/v1/depts', '/api/v1/grids', '/api/v1/audit',
         '/api/v1/regions']


def test_bad_list_arguments_are_400_naming_each(t):
    w = World(t)
    cases = [('limit=0', ['limit']), ('limit=501', ['limit']), ('limit=abc', ['limit']),
             ('limit=-1', ['limit']), ('limit=1e2', ['limit']), ('limit=', ['limit']),
             ('after=abc', ['after']), ('after=0', ['after']), ('sort=password_hash', ['sort']),
             ('sort=-', ['sort']), ('bogus=1', ['bogus']), ('drop%20table=1', ['drop table']),
             ('limit=0&bogus=1&sort=nope', ['limit', 'bogus', 'sort'])]
    for path in LISTS:
        for q, fields in cases:
            w.rejected(lambda: w.a.get(path + '?' + q), 400, fields, f'{path}?{q}')
        t.status(w.a.get(path + '?limit=1'), 200, path)
        t.status(w.a.get(path + '?limit=500'), 200, path)
    # Filters that take region codes check them.
    for path in ('/api/v1/depts', '/api/v1/grids'):
        w.rejected(lambda: w.a.get(path + '?region=32x'), 400, ['region'], path)
    w.rejected(lambda: w.a.get('/api/v1/regions?parent=abc'), 400, ['parent'], 'regions parent')
    w.rejected(lambda: w.a.get('/api/v1/regions?after=5'), 400, ['after'], 'regions after')
    w.rejected(lambda: w.a.get('/api/v1/regions?q=' + 'x' * 51), 400, ['q'], 'regions q')
    w.rejected(lambda: w.a.get('/api/v1/audit?since_ms=yesterday'), 400, ['since_ms'], 'audit')


def test_bad_ids_in_paths_are_400(t):
    w = World(t)
    ids = ['abc', '0', '-1', '1.5', '1e3', '0x10', '99999999999999999999', '%20', '1%27']
    routes = [('GET', '/api/v1/users/{}', None),
              ('PATCH', '/api/v1/users/{}', {'display_name': 'x'}),
              ('POST', '/api/v1/users/{}/password', {}),
              ('GET', '/api/v1/depts/{}', None), ('PATCH', '/api/v1/depts/{}', {'name': 'x'}),
              ('DELETE', '/api/v1/depts/{}', None),
              ('GET', '/api/v1/grids/{}', None), ('PATCH', '/api/v1/grids/{}', {'name': 'x'}),
              ('DELETE', '/api/v1/grids/{}', None), ('DELETE', '/api/v1/tokens/{}', None)]
    for method, pattern, body in routes:
        for i in ids:
            path = pattern.format(i)
            w.rejected(lambda: w.a.request(method, path, body), 400, None, f'{method} {path}')
        # A well-formed id that names nothing is 404.
        path = pattern.format(987654)
        w.rejected(lambda: w.a.request(method, path, body), 404, None, f'{method} {path}')


def test_unknown_paths_under_api_are_404_problems(t):
    w = World(t)
    for path in ('/api/v1/nope', '/api/v1/grids/1/extra', '/api/v2/grids', '/api/v1/grids/',
                 '/api/v1', '/api/', '/api/v1/users//password', '/api/v1/GRIDS'):
        for c in (w.a, w.s.anon()):
            w.rejected(lambda: c.get(path), 404, None, path)
            w.rejected(lambda: c.post(path, {'name': 'x'}), 404, None, 'POST ' + path)


def routes_by_path():
    out = subprocess.run([BIN, 'routes'], capture_output=True, text=True, check=True).stdout
    paths = {}
    for line in out.splitlines():
        method, path = line.split(' ', 1)
        paths.setdefault(path, set()).add(method)
    return paths


def test_wrong_method_is_405_with_allow(t):
    w = World(t)
    concrete = {'{id}': str(w.grid), '{code}': R1}
    for pattern, methods in routes_by_path().items():
        path = pattern
        for k, v in concrete.items():
            path = path.replace(k, v)
        allowed = set(methods) | ({'HEAD'} if 'GET' in methods else set())
        for m in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE'):
            if m in methods:
                continue
            for c in (w.a, w.s.anon()):
                r = w.rejected(lambda: c.request(m, path, {'name': 'x'} if m != 'GET' else None),
                               405, None, f'{m} {path}')
                allow = {x.strip() for x in (r.header('allow') or '').split(',') if x.strip()}
                t.eq(allow, allowed, f'{m} {path} Allow')


run(globals())
