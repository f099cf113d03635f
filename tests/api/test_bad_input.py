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
SESSION = '/api/v1/session'
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
        # API tokens are for machine accounts only.
        r = a.post('/api/v1/users', {'login': 'bot.r1', 'role': 'inspector',
                                     'scope': 'region:' + R1, 'machine': True})
        t.status(r, 201)
        self.bot = r.json['id']
        r = a.post('/api/v1/tokens', {'user_id': self.bot, 'name': 'ci'})
        t.status(r, 201)
        self.token = r.json['id']
        self.bot_token = r.json['token']

    def snapshot(self):
        return [self.s.sql(q) for q in SNAPSHOT]

    def rejected(self, send, status, fields=None, msg='', login=False):
        """Runs send(); checks the problem and the named fields; checks nothing changed.
        With login=True (POST /api/v1/session), a malformed login (422) is still a login
        attempt: it must add exactly one login.fail record (reason "malformed request") and
        change nothing else; other refusals of the login route (400, 413, 415) write nothing."""
        before = self.snapshot()
        last = self.s.sql('SELECT COALESCE(MAX(id), 0) FROM audit_log')[0][0]
        r = send()
        self.t.status(r, status, msg)
        self.t.problem(r, status)
        if fields is not None:
            named = sorted(e['field'] for e in r.json.get('errors', []))
            self.t.eq(named, sorted(fields), f'{msg}: fields named in {r.json}:')
        after = self.snapshot()
        audited = login and status == 422
        for q, b, a in zip(SNAPSHOT, before, after):
            if audited and 'audit_log' in q:
                continue
            self.t.eq(a, b, f'{msg}: {q} changed after a rejected write:')
        if audited:
            rows = self.s.sql("SELECT action, ip, json_extract(summary, '$.reason') "
                              'FROM audit_log WHERE id > ? ORDER BY id', (last,))
            self.t.eq(rows, [('login.fail', '127.0.0.1', 'malformed request')],
                      f'{msg}: audit records of a malformed login:')
        return r

    # The write endpoints: (method, path, client, a valid body, its max_body).
    def endpoints(self):
        return [
            ('POST', '/api/v1/users', self.a,
             {'login': 'new.user', 'role': 'inspector', 'scope': 'region:' + R1}, 16384),
            ('PATCH', f'/api/v1/users/{self.user}', self.a, {'display_name': '张三'}, 16384),
            ('POST', '/api/v1/depts', self.a, {'name': '新部门', 'region_code': R1}, 32768),
            ('PATCH', f'/api/v1/depts/{self.dept}', self.a, {'description': '说明'}, 32768),
            ('POST', '/api/v1/grids', self.a,
             {'code': 'G-NEW', 'name': '新网格', 'region_code': T1}, 4 * 1024 * 1024),
            ('PATCH', f'/api/v1/grids/{self.grid}', self.a, {'name': '改名'}, 4 * 1024 * 1024),
            ('POST', '/api/v1/tokens', self.a, {'user_id': self.bot, 'name': 'x'}, 4096),
            ('POST', '/api/v1/session', self.s.anon(),
             {'login': 'admin', 'password': self.s.admin_password}, 4096),
            ('POST', '/api/v1/me/password', self.a,
             {'old_password': self.s.admin_password, 'new_password': NEW_PASSWORD}, 4096),
        ]


def raw_request(s, method, path, body=None, headers=None, chunks=None, token=None, timeout=60):
    """A request with full control over headers and framing (no Content-Type unless given)."""
    conn = http.client.HTTPConnection('127.0.0.1', s.port, timeout=timeout)
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


# A refused request whose declared body is larger than this is answered at once, unread.
DRAIN_MAX = 64 * 1024


def announced(s, method, path, length, headers=None, token=None):
    """Sends only the head of a request that declares a body of `length` bytes (or, with
    length None, a chunked one) and reads the answer: the server must answer without the
    body, or the 15-second timeout fails the test."""
    h = dict(headers or {})
    if length is None:
        h['Transfer-Encoding'] = 'chunked'
    else:
        h['Content-Length'] = str(length)
    return raw_request(s, method, path, headers=h, token=token, timeout=15)


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
                       f'{method} {path} {data!r}', login=path == SESSION)


def test_body_that_is_not_an_object_is_rejected(t):
    # Arrays pass the parser and fail the field check (422); bare scalars are refused by the
    # parser, which takes only an object or an array as a document (400).
    w = World(t)
    for method, path, c, _, _ in w.endpoints():
        for data in (b'[]', b'[{"name": "a"}]', b'"text"', b'42', b'null', b'true'):
            want = 422 if data[:1] == b'[' else 400
            r = w.rejected(lambda: c.request(method, path, raw=data), want, None,
                           f'{method} {path} {data!r}', login=path == SESSION)
            t.true(r.json.get('errors'), f'{method} {path} {data!r}: no errors list')


def test_empty_body_is_400(t):
    w = World(t)
    for method, path, c, _, _ in w.endpoints():
        w.rejected(lambda: c.request(method, path, raw=b''), 400, ['body'], f'{method} {path}',
                   login=path == SESSION)
        # A chunked body with no chunks.
        w.rejected(lambda: raw_request(w.s, method, path, chunks=[], token=c.token,
                                       headers={'Content-Type': 'application/json'}),
                   400, None, f'{method} {path} empty chunked', login=path == SESSION)


def test_wrong_content_type_is_415(t):
    w = World(t)
    for method, path, c, body, _ in w.endpoints():
        data = json.dumps(body).encode()
        for ct in ('text/plain', 'application/x-www-form-urlencoded', 'application/jsonx',
                   'multipart/form-data; boundary=x', 'application/xml'):
            w.rejected(lambda: c.request(method, path, raw=data, content_type=ct), 415, None,
                       f'{method} {path} {ct}', login=path == SESSION)
        h = {'Authorization': 'Bearer ' + c.token} if c.token else {}
        w.rejected(lambda: raw_request(w.s, method, path, data, h), 415, None,
                   f'{method} {path} without Content-Type', login=path == SESSION)


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
        w.rejected(lambda: c.request(method, path, body), 422, fields, key,
                   login=path == SESSION)


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
        w.rejected(lambda: c.request(method, path, {}), 422, want, f'{method} {path} {{}}',
                   login=path == SESSION)
        # One required field missing, the others present.
        for f in want:
            partial = {k: v for k, v in body.items() if k != f}
            w.rejected(lambda: c.request(method, path, partial), 422, [f],
                       f'{method} {path} -{f}', login=path == SESSION)


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
                       f'{method} {path} NUL in {field}', login=path == SESSION)


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
        if limit + 1 <= DRAIN_MAX:
            # Small enough to be read and dropped after the answer: the whole body is sent.
            data = padded(body, limit + 1)
            w.rejected(lambda: c.request(method, path, raw=data), 413, None,
                       f'{method} {path} {limit + 1} bytes')
        # Declared too large (and more than DRAIN_MAX): answered from the head alone.
        n = max(limit + 1, DRAIN_MAX + 1)
        w.rejected(lambda: announced(w.s, method, path, n, token=c.token,
                                     headers={'Content-Type': 'application/json'}),
                   413, None, f'{method} {path} {n} bytes announced')
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
    for path in (f'/api/v1/grids/{w.grid}', f'/api/v1/depts/{w.dept}', f'/api/v1/tokens/{w.token}'):
        w.rejected(lambda: announced(w.s, 'DELETE', path, 1024 * 1024 + 1, token=w.a.token),
                   413, None, 'DELETE ' + path)
    # At the limit the route runs (and deletes nothing it should not: a wrong id is 404).
    r = w.rejected(lambda: w.a.request('DELETE', '/api/v1/depts/987654',
                                       raw=b' ' * (1024 * 1024)), 404, None, 'DELETE at limit')


def test_refusals_are_decided_from_the_head_before_the_body(t):
    """Route (404/405), credentials (401), pending password change, permission and CSRF (403),
    declared size (413) and media type (415) are decided from the request head: an oversized
    body from someone who may not send it is 401/403, not 413, and a refused request that
    declares more than 64 KiB (or is chunked) is answered without its body being sent."""
    w = World(t)
    s = w.s
    pending, r = s.login('insp.r1', 'First-Pass-2026')
    t.eq(r.json['must_change_password'], True)
    reader = s.user('insp.two', 'inspector', 'region:' + R1)
    jar, _ = s.login('admin', s.admin_password, cookie=True)
    cookie = {'Cookie': 'anjian_session=' + jar.cookie}
    js = {'Content-Type': 'application/json'}
    huge = 10 ** 9
    cases = [
        # (what, method, path, declared length or None = chunked, headers, token, status)
        ('anonymous', 'POST', '/api/v1/depts', huge, js, None, 401),
        ('bad token', 'POST', '/api/v1/depts', huge, js, 'not-a-token', 401),
        ('anonymous chunked', 'POST', '/api/v1/depts', None, js, None, 401),
        ('pending password change', 'POST', '/api/v1/depts', huge, js, pending.token, 403),
        ('no permission', 'POST', '/api/v1/users', huge, js, reader.token, 403),
        ('no permission chunked', 'POST', '/api/v1/users', None, js, reader.token, 403),
        ('cookie without CSRF', 'POST', '/api/v1/depts', huge, {**js, **cookie}, None, 403),
        ('unknown route', 'POST', '/api/v1/nope', huge, js, w.a.token, 404),
        ('wrong method', 'PUT', '/api/v1/depts', huge, js, w.a.token, 405),
        ('static file', 'POST', '/index.html', huge, js, None, 405),
        ('too large', 'POST', '/api/v1/depts', huge, js, w.a.token, 413),
        ('not JSON', 'POST', '/api/v1/grids', 1024 * 1024, {'Content-Type': 'text/plain'},
         w.a.token, 415),
        ('not JSON chunked', 'POST', '/api/v1/depts', None, {'Content-Type': 'text/plain'},
         w.a.token, 415),
        ('unknown method', 'BREW', '/api/v1/depts', huge, js, w.a.token, 501),
    ]
    for what, method, path, length, headers, token, status in cases:
        r = w.rejected(lambda: announced(s, method, path, length, headers, token), status, None,
                       what)
        if what == 'pending password change':
            t.true('password' in r.json['detail'], r.json)
        if what.startswith('cookie'):
            t.true('CSRF' in r.json['detail'], r.json)
    # A refused body of up to 64 KiB is read and dropped: the client that sends it whole gets
    # the answer. It would have been a valid department.
    body = padded({'name': '未登录的部门', 'region_code': R1}, 40000)
    w.rejected(lambda: s.anon().post('/api/v1/depts', raw=body), 401, None, 'anonymous 40 kB')
    w.rejected(lambda: reader.post('/api/v1/depts', raw=body), 403, None, 'reader 40 kB')
    w.rejected(lambda: pending.post('/api/v1/depts', raw=body), 403, None, 'pending 40 kB')
    # The same body from the administrator is over the route's limit (32 KiB): 413; a chunked
    # one that grows past the limit while it is read is 413 too.
    w.rejected(lambda: w.a.post('/api/v1/depts', raw=body), 413, None, 'admin 40 kB')
    chunks = [b'{"name": "' + b'x' * 1000] + [b'y' * 1000] * 39 + [b'", "region_code": "'
                                                                  + R1.encode() + b'"}']
    w.rejected(lambda: raw_request(s, 'POST', '/api/v1/depts', chunks=chunks, token=w.a.token,
                                   headers=js), 413, None, 'admin chunked 40 kB')
    # The connection limit is not used up by the refusals: the next request works.
    t.status(w.a.post('/api/v1/depts', {'name': '之后的部门', 'region_code': R1}), 201)


def test_json_content_type_is_utf8_only(t):
    """RFC 8259 §8.1: JSON is UTF-8. application/json alone or with charset=utf-8 (any case,
    quoted or not) is accepted; another charset or parameter is 415."""
    w = World(t)
    good = ['application/json', 'application/json; charset=utf-8',
            'APPLICATION/JSON; CHARSET=UTF-8', 'application/json;charset=utf-8',
            'application/json; charset="utf-8"', 'Application/Json; Charset="UTF-8"']
    for i, ct in enumerate(good):
        r = w.a.post('/api/v1/depts', {'name': f'编码{i}', 'region_code': R1}, content_type=ct)
        t.status(r, 201, ct)
    for ct in ('application/json; charset=latin1', 'application/json; charset=iso-8859-1',
               'application/json; charset=utf-16', 'application/json; charset=gbk',
               'application/json; charset=utf-8x', 'application/json; boundary=x',
               'application/json;', 'application/json-patch+json'):
        w.rejected(lambda: w.a.post('/api/v1/depts', {'name': '坏编码', 'region_code': R1},
                                    content_type=ct), 415, None, ct)


def test_invalid_utf8_is_400_naming_the_body(t):
    w = World(t)
    bad = [b'\xff', b'\xc0\xaf', b'\xed\xa0\x80', b'\xe5\xae', b'\xf8\x88\x80\x80\x80', b'\x80']
    for method, path, c, body, _ in w.endpoints():
        field = next(k for k, v in body.items() if isinstance(v, str))
        for b in bad:
            data = json.dumps({**body, field: 'PLACEHOLDER'}).encode().replace(b'PLACEHOLDER', b)
            w.rejected(lambda: c.request(method, path, raw=data), 400, ['body'],
                       f'{method} {path} {b!r}', login=path == SESSION)


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
    t.eq(w.s.sql('SELECT COUNT(*) FROM app_user'), [(3,)])  # admin, insp.r1, bot.r1
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


def test_long_chinese_text_is_stored_whole(t):
    """The limits count characters: a grid code of 64 Chinese characters (192 bytes) or 64
    emoji (256 bytes) and a name of 100 are stored whole and come back identical, never cut
    inside a character; 65 and 101 are 422 naming the field."""
    w = World(t)
    code, name = '网' * 64, '安' * 100
    r = w.a.post('/api/v1/grids', {'code': code, 'name': name, 'region_code': T1})
    t.status(r, 201)
    gid = r.json['id']
    t.eq((r.json['code'], r.json['name']), (code, name))
    g = w.a.get(f'/api/v1/grids/{gid}').json
    t.eq((g['code'], g['name']), (code, name))
    t.eq(w.s.sql('SELECT code, name FROM grid WHERE id = ?', (gid,)), [(code, name)])
    # Four-byte characters at the limit, through PATCH.
    code4, name4 = '🚒' * 64, '😀' * 100
    r = w.a.patch(f'/api/v1/grids/{gid}', {'code': code4, 'name': name4})
    t.status(r, 200)
    g = w.a.get(f'/api/v1/grids/{gid}').json
    t.eq((g['code'], g['name']), (code4, name4))
    t.eq(w.s.sql('SELECT code, name FROM grid WHERE id = ?', (gid,)), [(code4, name4)])
    # The audit summary holds them whole too.
    summary = w.s.sql("SELECT summary FROM audit_log WHERE action = 'grid.update' "
                      'ORDER BY id DESC LIMIT 1')[0][0]
    t.true(json.loads(summary)['changes'] == {'code': code4, 'name': name4}, summary)
    # One more character is refused.
    w.rejected(lambda: w.a.post('/api/v1/grids', {'code': '网' * 65, 'name': '安' * 101,
                                                   'region_code': T1}),
               422, ['code', 'name'], 'grid 65/101')
    w.rejected(lambda: w.a.patch(f'/api/v1/grids/{gid}', {'code': '🚒' * 65}), 422, ['code'],
               'grid code 65 emoji')
    w.rejected(lambda: w.a.patch(f'/api/v1/grids/{gid}', {'name': '😀' * 101}), 422, ['name'],
               'grid name 101 emoji')
    # A display name at its limit (64 characters) likewise.
    r = w.a.patch(f'/api/v1/users/{w.user}', {'display_name': '张' * 63 + '🚒'})
    t.status(r, 200)
    t.eq(w.a.get(f'/api/v1/users/{w.user}').json['display_name'], '张' * 63 + '🚒')


def test_errors_echoing_invalid_utf8_stay_readable(t):
    """An error answer that names bad input which is not UTF-8 (a query argument name "%ff")
    keeps its detail and its errors list; the bad bytes become '?'."""
    w = World(t)
    for query, field in (('%ff=1', '?'), ('x%ffy=1', 'x?y'), ('%e5%ae=1', '??'),
                         ('%c0%af=1', '??'), ('%e5%ae%89%ff=1', '安?')):
        for path in ('/api/v1/users', '/api/v1/depts', '/api/v1/audit'):
            r = w.rejected(lambda: w.a.get(f'{path}?{query}'), 400, [field], f'{path}?{query}')
            t.true(r.json.get('detail'), f'{path}?{query}: no detail: {r.json}')
            t.eq(r.json['errors'][0]['reason'], 'unknown query argument')
            r.body.decode('utf-8')  # the whole answer is UTF-8


def test_geojson_positions_are_two_or_three_numbers(t):
    """RFC 7946 §3.1.1: a position is [longitude, latitude] or with an altitude, all numbers;
    anything else in a ring is 422 naming geometry."""
    w = World(t)
    ring = [[120.1, 33.3], [120.2, 33.3], [120.2, 33.4], [120.1, 33.3]]

    def poly(bad_at, pos):
        r2 = [list(p) for p in ring]
        r2[bad_at] = pos
        if bad_at == 0:
            r2[-1] = pos
        return {'type': 'Polygon', 'coordinates': [r2]}

    bad = [[120.15, 33.35, [1]], [120.15, 33.35, 'x'], [120.15, 33.35, 10, 20],
           [120.15, 33.35, None], [120.15, 33.35, True], [120.15, 33.35, {}],
           [120.15], [], ['120.15', 33.35]]
    for pos in bad:
        w.rejected(lambda: w.a.post('/api/v1/grids', {'code': 'G-GEO', 'name': 'n',
                                                       'region_code': T1,
                                                       'geometry': poly(1, pos)}),
                   422, ['geometry'], f'position {pos!r}')
        w.rejected(lambda: w.a.patch(f'/api/v1/grids/{w.grid}', {'geometry': poly(1, pos)}),
                   422, ['geometry'], f'patch position {pos!r}')
    # Two numbers, or three with an altitude, are fine.
    for i, geo in enumerate((poly(1, [120.2, 33.3, 12.5]),
                             {'type': 'Polygon', 'coordinates': [[p + [3] for p in ring]]})):
        r = w.a.post('/api/v1/grids', {'code': f'G-ALT-{i}', 'name': 'n', 'region_code': T1,
                                       'geometry': geo})
        t.status(r, 201, f'altitude {i}')
        t.eq(w.a.get(f"/api/v1/grids/{r.json['id']}").json['geometry'], geo)


# ------------------------------------------------------------------ query strings, ids, paths

LISTS = ['/api/v1/users', '/api/v1/tokens', '/api/v1/depts', '/api/v1/grids', '/api/v1/audit',
         '/api/v1/regions']


def test_bad_list_arguments_are_400_naming_each(t):
    w = World(t)
    cases = [('limit=0', ['limit']), ('limit=501', ['limit']), ('limit=abc', ['limit']),
             ('limit=-1', ['limit']), ('limit=1e2', ['limit']), ('limit=', ['limit']),
             ('after=abc', ['after']), ('after=0', ['after']), ('sort=password_hash', ['sort']),
             ('sort=-', ['sort']), ('bogus=1', ['bogus']), ('drop%20table=1', ['drop table']),
             ('limit=0&bogus=1&sort=nope', ['limit', 'bogus', 'sort']),
             # Every argument is given at most once: which one was meant is not guessed.
             ('limit=1&limit=2', ['limit']), ('limit=1&limit=1', ['limit']),
             ('limit=5&bogus=1&limit=5', ['limit', 'bogus']),
             # Numbers have one spelling, like ids.
             ('limit=01', ['limit']), ('after=01', ['after'])]
    for path in LISTS:
        for q, fields in cases:
            w.rejected(lambda: w.a.get(path + '?' + q), 400, fields, f'{path}?{q}')
        t.status(w.a.get(path + '?limit=1'), 200, path)
        t.status(w.a.get(path + '?limit=500'), 200, path)
    # Filters that take region codes check them.
    for path in ('/api/v1/depts', '/api/v1/grids'):
        w.rejected(lambda: w.a.get(path + '?region=32x'), 400, ['region'], path)
    w.rejected(lambda: w.a.get('/api/v1/regions?parent=abc'), 400, ['parent'], 'regions parent')
    # The children of a division come in one page, but their arguments are checked too.
    w.rejected(lambda: w.a.get('/api/v1/regions/320900/children?bogus=1'), 400, ['bogus'],
               'children bogus')
    w.rejected(lambda: w.a.get('/api/v1/regions/320900/children?limit=0'), 400, ['limit'],
               'children limit')
    w.rejected(lambda: w.a.get('/api/v1/regions?after=5'), 400, ['after'], 'regions after')
    w.rejected(lambda: w.a.get('/api/v1/regions?q=' + 'x' * 51), 400, ['q'], 'regions q')
    w.rejected(lambda: w.a.get('/api/v1/audit?since_ms=yesterday'), 400, ['since_ms'], 'audit')
    # Neither do the cursor, the sort and the filters.
    for path in LISTS[:-1]:
        for q in ('after=1&after=2', 'sort=id&sort=-id', 'after=1&limit=5&after=1'):
            field = q.split('=', 1)[0]
            w.rejected(lambda: w.a.get(f'{path}?{q}'), 400, [field], f'{path}?{q}')
    for path, q in (('/api/v1/depts', 'q=a&q=b'), ('/api/v1/grids', f'region={R1}&region={R2}'),
                    ('/api/v1/users', 'role=inspector&role=admin'),
                    ('/api/v1/audit', 'action=login.ok&action=login.fail'),
                    ('/api/v1/regions', 'parent=320900&parent=320900')):
        field = q.split('=', 1)[0]
        r = w.rejected(lambda: w.a.get(f'{path}?{q}'), 400, [field], f'{path}?{q}')
        t.true('more than once' in r.json['errors'][0]['reason'], r.json)
        t.status(w.a.get(f'{path}?{q.split("&")[0]}'), 200, f'{path} one {field}')


def test_bad_ids_in_paths_are_400(t):
    w = World(t)
    # An id has one spelling: '01' is not 1.
    ids = ['abc', '0', '-1', '1.5', '1e3', '0x10', '99999999999999999999', '%20', '1%27', '01',
           '00', '007', '+1', f'0{w.user}']
    routes = [('GET', '/api/v1/users/{}', None),
              ('PATCH', '/api/v1/users/{}', {'display_name': 'x'}),
              ('POST', '/api/v1/users/{}/password', {}),
              ('GET', '/api/v1/depts/{}', None), ('PATCH', '/api/v1/depts/{}', {'name': 'x'}),
              ('DELETE', '/api/v1/depts/{}', None),
              ('GET', '/api/v1/grids/{}', None), ('PATCH', '/api/v1/grids/{}', {'name': 'x'}),
              ('DELETE', '/api/v1/grids/{}', None), ('DELETE', '/api/v1/tokens/{}', None),
              ('GET', '/api/v1/enterprises/{}/history', None),
              ('GET', '/api/v1/enterprises/{}/licences', None),
              ('POST', '/api/v1/enterprises/{}/licences',
               {'type': 'other', 'number': 'x', 'valid_from': '2026-01-01',
                'valid_until': '2027-01-01'}),
              ('PATCH', '/api/v1/licences/{}', {'issuer': 'x'}),
              ('DELETE', '/api/v1/licences/{}', None),
              ('GET', '/api/v1/hazards/{}', None),
              ('GET', '/api/v1/risk/units/{}', None), ('PATCH', '/api/v1/risk/units/{}', {'name': 'x'}),
              ('GET', '/api/v1/risk/points/{}', None),
              ('POST', '/api/v1/risk/sources/{}/assessments', {'method': 'ls', 'l': 1, 's': 1}),
              ('DELETE', '/api/v1/risk/zones/{}', None),
              ('GET', '/api/v1/risk/enterprises/{}', None),
              ('GET', '/api/v1/risk/tasks/{}', None),
              # monitoring (branch mon-points)
              ('GET', '/api/v1/monitor/points/{}', None),
              ('PATCH', '/api/v1/monitor/devices/{}', {'name': 'x'}),
              ('DELETE', '/api/v1/monitor/points/{}', None),
              ('GET', '/api/v1/monitor/points/{}/setpoint-changes', None)]
    for method, pattern, body in routes:
        for i in ids:
            path = pattern.format(i)
            # Every route names the field: the path's id (one check in the server).
            w.rejected(lambda: w.a.request(method, path, body), 400, ['id'], f'{method} {path}')
        # A well-formed id that names nothing is 404.
        path = pattern.format(987654)
        w.rejected(lambda: w.a.request(method, path, body), 404, None, f'{method} {path}')


def test_unknown_paths_under_api_are_404_problems(t):
    w = World(t)
    # An encoded NUL does not cut the path short: /users/1%00 is not /users/1.
    for path in ('/api/v1/nope', '/api/v1/grids/1/extra', '/api/v2/grids', '/api/v1/grids/',
                 '/api/v1', '/api/', '/api/v1/users//password', '/api/v1/GRIDS',
                 f'/api/v1/users/{w.user}%00', f'/api/v1/depts/{w.dept}%00',
                 f'/api/v1/grids/{w.grid}%00x', '/api/v1/users%00', '/api/v1/me%00',
                 f'/api/v1/users/{w.user}%00/password'):
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
