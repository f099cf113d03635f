#!/usr/bin/env python3
"""HTTP surface (issue 2 §5, STYLE §2.9): /healthz, /metrics in Prometheus text format, the web
UI's static files (MIME types, cache headers, ETag, client-route fallback, no path traversal),
one access-log line per request, X-Request-Id, problem details for errors."""
import http.client
import json
import os
import re
import socket
import time

from harness import run

REGION = '320902'
INDEX = '<!doctype html><html lang="zh-CN"><title>安监</title><div id="app"></div></html>\n'
APP_JS = 'console.log("anjian");\n'
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
                    r'(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def web(s, files):
    """Writes files under the server's --web-dir (read per request, so any time is fine)."""
    for rel, text in files.items():
        path = os.path.join(s.tmp, 'web', rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as fh:
            fh.write(text)


def raw_get(s, path, headers=None):
    """GET with the path sent exactly as given (no client-side normalisation)."""
    conn = http.client.HTTPConnection('127.0.0.1', s.port, timeout=30)
    try:
        conn.putrequest('GET', path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def parse_metrics(t, text):
    """Checks the Prometheus text format; returns {(name, frozenset(labels)): value}."""
    types, samples = {}, {}
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith('# HELP '):
            continue
        m = re.match(r'^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|'
                     r'untyped)$', line)
        if m:
            t.true(m.group(1) not in types, f'TYPE twice for {m.group(1)}')
            types[m.group(1)] = m.group(2)
            continue
        t.true(not line.startswith('#'), f'bad comment line {line!r}')
        m = SAMPLE.match(line)
        t.true(m, f'not a Prometheus sample: {line!r}')
        name, labels, value = m.group(1), m.group(3) or '', m.group(4)
        family = re.sub(r'_(bucket|sum|count)$', '', name)
        t.true(name in types or (family in types and types[family] == 'histogram'),
               f'{name} has no TYPE line before it')
        pairs = LABEL.findall(labels)
        t.eq(','.join(f'{k}="{v}"' for k, v in pairs), labels, f'labels of {line!r}')
        float(value)
        key = (name, frozenset(pairs))
        t.true(key not in samples, f'sample twice: {line!r}')
        samples[key] = float(value)
    return types, samples


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def scrape(t, s):
    r = s.anon().get('/metrics')
    t.status(r, 200)
    t.true(r.header('content-type').startswith('text/plain; version=0.0.4'),
           r.header('content-type'))
    return parse_metrics(t, r.body.decode())


def test_healthz(t):
    """Issue 2 §5: /healthz answers 200 {"status":"ok"} without login after checking the DB."""
    s = t.server()
    r = s.anon().get('/healthz')
    t.status(r, 200)
    t.eq(r.header('content-type'), 'application/json')
    t.eq(r.json['status'], 'ok')
    t.true(re.fullmatch(r'\d+\.\d+\.\d+', r.json['version']), r.json)
    h = s.anon().request('HEAD', '/healthz')
    t.status(h, 200)
    t.eq(h.body, b'')
    r = s.anon().post('/healthz', {})
    t.problem(r, 405)
    t.eq(r.header('allow'), 'GET, HEAD')


def test_metrics_prometheus_text(t):
    """Issue 2 §5: /metrics in Prometheus text format: requests by route (the pattern) and
    status, a latency histogram, the sessions and database gauges."""
    s = t.server()
    a = s.admin()
    for _ in range(3):
        t.status(s.anon().get('/healthz'), 200)
    t.problem(s.anon().get('/api/v1/depts/987654'), 401)
    t.problem(a.get('/api/v1/depts/987654'), 404)
    t.problem(a.get('/api/v1/no/such/thing'), 404)
    types, m = scrape(t, s)
    t.eq(types.get('anjian_http_requests_total'), 'counter')
    t.eq(types.get('anjian_http_request_duration_seconds'), 'histogram')
    t.eq(types.get('anjian_sessions_active'), 'gauge')
    t.eq(types.get('anjian_db_size_bytes'), 'gauge')
    req = 'anjian_http_requests_total'
    t.eq(metric(m, req, method='GET', route='/healthz', status='200'), 3.0)
    t.eq(metric(m, req, method='GET', route='/api/v1/depts/{id}', status='401'), 1.0)
    t.eq(metric(m, req, method='GET', route='/api/v1/depts/{id}', status='404'), 1.0)
    t.eq(metric(m, req, method='POST', route='/api/v1/session', status='201'), 2.0)
    t.eq(metric(m, req, method='POST', route='/api/v1/me/password', status='204'), 1.0)
    for (name, labels), _ in m.items():
        t.true('987654' not in str(labels) and 'no/such' not in str(labels),
               f'a raw path became a label: {labels}')
    # Histogram: cumulative buckets ending in +Inf = _count, and a _sum.
    hist = 'anjian_http_request_duration_seconds'
    series = {}
    for (name, labels), v in m.items():
        if name == hist + '_bucket':
            d = dict(labels)
            series.setdefault((d['method'], d['route']), []).append((d['le'], v))
    t.true(('GET', '/healthz') in series, series.keys())
    for (method, route), buckets in series.items():
        finite = sorted((float(le), v) for le, v in buckets if le != '+Inf')
        inf = [v for le, v in buckets if le == '+Inf']
        t.eq(len(inf), 1, f'{route}: +Inf bucket')
        values = [v for _, v in finite] + inf
        t.eq(values, sorted(values), f'{route}: buckets are not cumulative')
        t.eq(inf[0], metric(m, hist + '_count', method=method, route=route), f'{route} count')
        t.true(metric(m, hist + '_sum', method=method, route=route) >= 0, f'{route} sum')
    t.eq(metric(m, hist + '_count', method='GET', route='/healthz'), 3.0)
    # Counters grow; the scrape itself is counted.
    t.status(s.anon().get('/healthz'), 200)
    _, m2 = scrape(t, s)
    t.eq(metric(m2, req, method='GET', route='/healthz', status='200'), 4.0)
    t.eq(metric(m2, req, method='GET', route='/metrics', status='200'), 1.0)
    # Gauges: active sessions follow logins and logouts; the database size is real.
    n = metric(m2, 'anjian_sessions_active')
    t.eq(n, 2.0, 'admin() logs in twice (before and after the password change)')
    other, _ = s.login('admin', s.admin_password)
    t.eq(metric(scrape(t, s)[1], 'anjian_sessions_active'), n + 1)
    t.status(other.delete('/api/v1/session'), 204)
    t.eq(metric(scrape(t, s)[1], 'anjian_sessions_active'), n)
    size = s.sql('SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()')
    t.eq(metric(scrape(t, s)[1], 'anjian_db_size_bytes'), float(size[0][0]))
    t.true(size[0][0] > 1000000, 'the regions alone are more than 1 MB')


def test_metrics_can_require_login(t):
    """docs/configuration.md: security.metrics_public=false puts /metrics behind the metrics
    permission."""
    s = t.server(['--set', 'security.metrics_public=false'])
    t.problem(s.anon().get('/metrics'), 401)
    t.status(s.admin().get('/metrics'), 200)
    insp = s.user('metrics.reader', 'inspector', 'region:' + REGION)
    t.problem(insp.get('/metrics'), 403)


def test_static_files_and_client_routes(t):
    """Issue 2 §5: static files with correct MIME types and cache headers; index.html for /
    and for client-side routes; files are read per request."""
    s = t.server()
    r = s.anon().get('/')
    t.problem(r, 404)  # no web UI built yet
    web(s, {'index.html': INDEX, 'assets/app.js': APP_JS, 'assets/app.css': 'a{}',
            'img/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
            'data/regions.geojson': '{}'})
    for path in ('/', '/enterprises/12', '/hazards/YH-320902-2026-000123/edit', '/login'):
        r = s.anon().get(path)
        t.status(r, 200, path)
        t.eq(r.body.decode(), INDEX, path)
        t.eq(r.header('content-type'), 'text/html; charset=utf-8', path)
        t.eq(r.header('cache-control'), 'no-cache', path)
        t.true(r.header('etag'), f'{path}: no ETag')
        t.true('default-src' in (r.header('content-security-policy') or ''), path)
    t.eq(s.anon().get('/index.html').header('cache-control'), 'no-cache')
    r = s.anon().get('/assets/app.js')
    t.status(r, 200)
    t.eq(r.body.decode(), APP_JS)
    t.true(r.header('content-type').startswith('text/javascript'), r.header('content-type'))
    t.eq(r.header('cache-control'), 'public, max-age=31536000, immutable')
    t.eq(r.header('content-length'), str(len(APP_JS)))
    for path, mime in [('/assets/app.css', 'text/css'), ('/img/logo.svg', 'image/svg+xml'),
                       ('/data/regions.geojson', 'application/geo+json')]:
        r = s.anon().get(path)
        t.status(r, 200, path)
        t.true(r.header('content-type').startswith(mime), f'{path}: {r.header("content-type")}')
    # A missing file with an extension is a 404, not the index.
    for path in ('/assets/missing.js', '/favicon.ico', '/img/none.png'):
        t.problem(s.anon().get(path), 404)
    # Only GET and HEAD serve files.
    r = s.anon().post('/index.html', {})
    t.problem(r, 405)
    t.eq(r.header('allow'), 'GET, HEAD')
    h = s.anon().request('HEAD', '/assets/app.js')
    t.status(h, 200)
    t.eq(h.body, b'')
    # Read per request: a new build is served at once.
    web(s, {'index.html': INDEX + '<!-- v2 -->\n', 'assets/new.js': APP_JS})
    t.true(s.anon().get('/enterprises/12').body.decode().endswith('<!-- v2 -->\n'))
    t.status(s.anon().get('/assets/new.js'), 200)


def test_etag_and_if_none_match(t):
    """Issue 2 §5 (cache headers): ETag, and If-None-Match with it → 304 without a body; a
    changed file gets a new ETag."""
    s = t.server()
    web(s, {'index.html': INDEX, 'assets/app.js': APP_JS})
    r = s.anon().get('/assets/app.js')
    etag = r.header('etag')
    t.true(re.fullmatch(r'"[^"]+"', etag or ''), f'ETag {etag!r}')
    r = s.anon().get('/assets/app.js', headers={'If-None-Match': etag})
    t.status(r, 304)
    t.eq(r.body, b'')
    t.eq(r.header('etag'), etag)
    r = s.anon().get('/enterprises/7', headers={'If-None-Match': s.anon().get('/').header('etag')})
    t.status(r, 304)
    t.status(s.anon().get('/assets/app.js', headers={'If-None-Match': '"other"'}), 200)
    web(s, {'assets/app.js': APP_JS + '// changed\n'})
    r = s.anon().get('/assets/app.js', headers={'If-None-Match': etag})
    t.status(r, 200)
    t.true(r.header('etag') != etag, 'the ETag did not change with the file')


def test_no_path_traversal(t):
    """Issue 2 §5 / OWASP ASVS 12.3: no request path leaves the web folder, encoded or not;
    the database next to it (in the test folder) is never served."""
    s = t.server()
    web(s, {'index.html': INDEX, 'assets/app.js': APP_JS})
    with open(s.db, 'rb') as fh:
        magic = fh.read(16)
    t.eq(magic, b'SQLite format 3\x00')
    with open('/etc/passwd', 'rb') as fh:
        passwd = fh.read(64)
    attempts = ['/../anjian.db', '/../../../../../../etc/passwd', '/assets/../../anjian.db',
                '/%2e%2e/anjian.db', '/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
                '/assets/..%2f..%2fanjian.db', '/..%2fanjian.db', '/.%2e/anjian.db',
                '/assets/%2e%2e%2f%2e%2e%2fanjian.db', '/..\\anjian.db',
                '/assets/..%5c..%5canjian.db',
                '//etc/passwd', '/./../anjian.db', '/assets/./app.js/../../../anjian.db',
                '/%252e%252e/anjian.db', '/web/../anjian.db', '/..', '/assets/..']
    for path in attempts:
        status, headers, body = raw_get(s, path)
        t.true(magic not in body and passwd not in body, f'{path} served a file outside web/')
        t.true(status in (400, 404) or (status == 200 and body.decode() == INDEX),
               f'{path}: {status} {body[:80]!r}')
    # Names without an extension fall back to the index, never to a file outside.
    status, _, body = raw_get(s, '/etc/passwd')
    t.eq((status, body.decode()), (200, INDEX))
    status, _, _ = raw_get(s, '/anjian.db')
    t.eq(status, 404)
    # A symbolic link inside the web folder that points outside it is not followed.
    os.symlink(s.tmp, os.path.join(s.tmp, 'web', 'outside'))
    os.symlink(s.db, os.path.join(s.tmp, 'web', 'db.json'))
    for path in ('/outside/anjian.db', '/db.json'):
        status, _, body = raw_get(s, path)
        t.true(magic not in body, f'{path} followed a symbolic link out of web/')
        t.eq(status, 404, path)


def test_encoded_nul_in_a_path_serves_nothing(t):
    """An encoded NUL does not cut a path short: /index.html%00.js is not index.html, and
    /assets/app.js%00 is not app.js."""
    s = t.server()
    web(s, {'index.html': INDEX, 'assets/app.js': APP_JS})
    for path in ('/index.html%00.js', '/index.html%00', '/assets/app.js%00',
                 '/assets/app.js%00.png', '/assets%00/app.js', '/%00'):
        status, headers, body = raw_get(s, path)
        t.true(status in (400, 404), f'{path}: {status} {body[:80]!r}')
        t.true(INDEX.encode() not in body and APP_JS.encode() not in body, f'{path} served a file')
    # The same paths without the NUL are served.
    status, _, body = raw_get(s, '/index.html')
    t.eq((status, body.decode()), (200, INDEX))
    status, _, body = raw_get(s, '/assets/app.js')
    t.eq((status, body.decode()), (200, APP_JS))


def test_connections_per_ip_are_limited(t):
    """server.max_connections_per_ip: with a limit of 4, a fifth concurrent connection from
    127.0.0.1 is closed without an answer; once the others close, requests work again."""
    s = t.server(['--set', 'server.max_connections_per_ip=4'])
    held = []
    try:
        # Four keep-alive connections, each with one answered request: all four are open and
        # counted by the server.
        for _ in range(4):
            c = http.client.HTTPConnection('127.0.0.1', s.port, timeout=30)
            c.request('GET', '/healthz')
            r = c.getresponse()
            t.eq(r.status, 200)
            r.read()
            t.true(not r.will_close, 'the server closed a keep-alive connection')
            held.append(c)
        # The fifth gets no answer: closed (EOF or reset), or silent until the timeout.
        got = b''
        with socket.create_connection(('127.0.0.1', s.port), timeout=10) as fifth:
            try:
                fifth.sendall(b'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
                got = fifth.recv(4096)
            except (ConnectionResetError, BrokenPipeError, socket.timeout):
                got = b''
        t.eq(got, b'', 'the fifth connection was answered')
        # The four held connections still work.
        for c in held:
            c.request('GET', '/healthz')
            r = c.getresponse()
            t.eq(r.status, 200)
            r.read()
    finally:
        for c in held:
            c.close()
    # With them closed, a new connection is served (the server notices the closes at once
    # or within a moment: bounded wait).
    deadline = time.time() + 10
    status = None
    while time.time() < deadline:
        try:
            status = s.anon().get('/healthz').status
        except (ConnectionError, http.client.HTTPException, socket.timeout):
            status = None
        if status == 200:
            break
        time.sleep(0.1)
    t.eq(status, 200, 'no request worked after the other connections closed')
    # The limit is per address and counts open connections: several in a row all work.
    for _ in range(8):
        t.status(s.anon().get('/healthz'), 200)


def test_access_log_one_line_per_request(t):
    """STYLE §2.9: one access-log line per request with method, route pattern (not the raw
    path), status, dur_us, bytes and user; the request id is the X-Request-Id header; no
    secret in the log."""
    s = t.server()
    web(s, {'index.html': INDEX})
    a = s.admin()
    me = a.get('/api/v1/me').json['id']
    reqs = [
        (a, 'GET', '/api/v1/depts/987654', 404, '/api/v1/depts/{id}', me),
        (s.anon(), 'GET', '/api/v1/depts/987654', 401, '/api/v1/depts/{id}', 0),
        (a, 'GET', '/api/v1/regions/' + REGION, 200, '/api/v1/regions/{code}', me),
        (a, 'POST', '/api/v1/depts', 201, '/api/v1/depts', me),
        (s.anon(), 'GET', '/healthz', 200, '/healthz', 0),
        (s.anon(), 'GET', '/enterprises/12', 200, 'static', 0),
        (s.anon(), 'GET', '/api/v1/no/such/thing', 404, '-', 0),
        (a, 'PUT', '/api/v1/depts', 405, '-', 0),
    ]
    rids = []
    for client, method, path, status, route, user in reqs:
        body = {'name': '日志测试', 'region_code': REGION} if method == 'POST' else None
        r = client.request(method, path, body)
        t.status(r, status, f'{method} {path}')
        rid = r.header('x-request-id')
        t.true(re.fullmatch(r'[0-9a-f]{16}', rid or ''), f'X-Request-Id {rid!r}')
        rids.append(rid)
    t.eq(len(set(rids)), len(rids), 'request ids repeat')
    deadline = time.time() + 5
    while time.time() < deadline and not all(f'rid={x} ' in s.stderr() for x in rids):
        time.sleep(0.05)
    log = s.stderr()
    for (client, method, path, status, route, user), rid in zip(reqs, rids):
        lines = [x for x in log.splitlines() if f'rid={rid} ' in x and 'mod=access' in x]
        t.eq(len(lines), 1, f'{method} {path}: access lines {lines}')
        f = dict(re.findall(r'(\w+)=(\S+)', lines[0]))
        t.eq(f['level'], 'info')
        t.eq(f['method'], method)
        t.eq(f['route'], route, f'{method} {path}')
        t.eq(f['status'], str(status))
        t.true(f['dur_us'].isdigit(), lines[0])
        t.true(f['bytes'].isdigit(), lines[0])
        t.eq(f['ip'], '127.0.0.1')
        if route != '-':
            t.eq(f['user'], str(user), lines[0])
        t.true('987654' not in lines[0] and 'no/such' not in lines[0], lines[0])
    # Every answer so far has exactly one line: count requests by their ids.
    all_rids = re.findall(r'mod=access rid=([0-9a-f]{16}) ', log)
    t.eq(len(all_rids), len(set(all_rids)), 'a request has two access lines')
    for secret in (a.token, s.admin_password, s.first_password):
        t.true(secret not in log, 'a secret is in the log')


def test_errors_are_problem_details(t):
    """Issue 2 §5 / RFC 9457: errors are application/problem+json with type, title, status
    (and detail); API answers are not cached."""
    s = t.server()
    a = s.admin()
    cases = [
        (s.anon().get('/api/v1/nope'), 404),
        (s.anon().get('/api/v1/me'), 401),
        (a.request('PUT', '/api/v1/depts', {}), 405),
        (a.post('/api/v1/depts', raw=b'name=x', content_type='text/plain'), 415),
        (a.post('/api/v1/depts', raw=b'{"name": '), 400),
        (a.post('/api/v1/depts', {'name': 'x'}), 422),
        (a.get('/api/v1/depts/abc'), 400),
        (a.request('BREW', '/api/v1/depts'), 501),  # RFC 9110 §15.6.2: unknown method
    ]
    for r, status in cases:
        t.problem(r, status)
        for key in ('type', 'title', 'status'):
            t.true(key in r.json, f'{status}: no {key}: {r.json}')
        t.eq(r.header('cache-control'), 'no-store', f'{status}')
        t.eq(r.header('x-content-type-options'), 'nosniff')
        t.true(r.header('x-request-id'), 'no X-Request-Id on an error')
    t.eq(cases[1][0].header('www-authenticate'), 'Bearer')
    t.eq(sorted(cases[2][0].header('allow').split(', ')), ['GET', 'HEAD', 'POST'])
    t.eq([e['field'] for e in cases[4][0].json['errors']], ['body'])
    t.true('region_code' in [e['field'] for e in cases[5][0].json['errors']], cases[5][0].json)
    ok = a.get('/api/v1/depts')
    t.eq(ok.header('content-type'), 'application/json')
    t.eq(ok.header('cache-control'), 'no-store')


def exchange(s, data, expect_answers, timeout=10):
    """Sends raw bytes on one connection; returns the status lines read (bounded)."""
    sock = socket.create_connection(('127.0.0.1', s.port), timeout=timeout)
    try:
        sock.sendall(data)
        buf = b''
        deadline = time.time() + timeout
        while buf.count(b'HTTP/1.1 ') < expect_answers and time.time() < deadline:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
        return re.findall(rb'HTTP/1\.1 (\d{3})', buf), buf
    finally:
        sock.close()


def test_a_refused_request_keeps_the_connection(t):
    """RFC 9112 §9.3 (persistence): a request refused without a body (401, 404) leaves the
    connection open, and the next pipelined request on it is answered."""
    s = t.server()
    data = (b'GET /api/v1/me HTTP/1.1\r\nHost: t\r\n\r\n'
            b'GET /api/v1/nope HTTP/1.1\r\nHost: t\r\n\r\n'
            b'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n')
    codes, raw = exchange(s, data, 3)
    t.eq(codes, [b'401', b'404', b'200'], raw[:600])


def test_expect_continue_on_a_refused_request_gets_the_final_answer(t):
    """RFC 9110 §10.1.1: a client that waits for 100 Continue gets the refusal instead, and
    no invitation to send a body that would be dropped."""
    s = t.server()
    body = b'{"name": "x", "region_code": "320902"}'
    head = (b'POST /api/v1/depts HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n'
            b'Expect: 100-continue\r\nContent-Length: ' + str(len(body)).encode() + b'\r\n\r\n')
    codes, raw = exchange(s, head, 1)
    t.eq(codes, [b'401'], raw[:400])


def test_long_department_descriptions_fit_their_route(t):
    """A department description of 2000 characters (its field limit) fits the route's body
    limit even as 4-byte emoji or as \\u escapes (12 bytes each for an emoji)."""
    s = t.server()
    a = s.admin()
    desc = '🚒' * 2000
    r = a.post('/api/v1/depts', {'name': '消防科', 'region_code': REGION, 'description': desc})
    t.status(r, 201)
    t.eq(r.json['description'], desc)
    raw = json.dumps({'name': '应急科', 'region_code': REGION, 'description': desc}).encode()
    t.true(len(raw) > 20000, len(raw))
    r = a.post('/api/v1/depts', raw=raw)
    t.status(r, 201)
    t.eq(r.json['description'], desc)


run(globals())
