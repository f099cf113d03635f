"""Test harness for API tests: starts the real `anjian` binary on a free 127.0.0.1 port
with a fresh database, talks HTTP to it, and reports in TAP.

The binary is $ANJIAN_BIN (set by Meson: the normal or the sanitizer build). Only the
Python standard library is used.

    from harness import Server, run
    def test_healthz(t):
        s = t.server()                      # fresh server, admin logged in with a new password
        r = s.get('/healthz'); t.eq(r.status, 200)
    run(globals())
"""
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

BIN = os.path.abspath(os.environ.get('ANJIAN_BIN') or os.path.join(os.path.dirname(__file__), '..', '..', 'build',
                                                   'anjian'))
SRC_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
ADMIN_PASSWORD = 'Chief-Pass-2026'
# Fast hashing and no login rate limit keep the suite short; the rules themselves are
# tested with their real values in the unit tests and in the tests that set them back.
FAST = ['--set', 'security.argon2_m_kib=1024', '--set', 'security.argon2_t_cost=1',
        '--set', 'security.login_rate_per_min=100000']


class Resp:
    def __init__(self, status, headers, body, raw_headers=()):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.raw_headers = list(raw_headers)  # [(name, value)] as sent, repeats kept
        self.body = body        # bytes
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f'<{self.status} {self.body[:300]!r}>'


class Client:
    """One HTTP identity: a bearer token, or a cookie jar with its CSRF token, or none."""

    def __init__(self, server, token=None, cookie=None, csrf=None):
        self.server, self.token, self.cookie, self.csrf = server, token, cookie, csrf

    def request(self, method, path, body=None, headers=None, raw=None, content_type=None):
        h = {}
        if self.token:
            h['Authorization'] = 'Bearer ' + self.token
        if self.cookie:
            h['Cookie'] = 'anjian_session=' + self.cookie
            if self.csrf:
                h['X-CSRF-Token'] = self.csrf
        data = None
        if raw is not None:
            data = raw
            h['Content-Type'] = content_type or 'application/json'
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            h['Content-Type'] = content_type or 'application/json'
        h.update(headers or {})
        # 300 s: the sanitizer build's 100k-row import takes over 60 s on a loaded
        # 2-core machine; a server that hangs is still caught by meson's test timeout.
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port, timeout=300)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            raw = r.getheaders()
            return Resp(r.status, {k.lower(): v for k, v in raw}, r.read(), raw)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.request('POST', path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request('PATCH', path, body, **kw)

    def delete(self, path, **kw):
        return self.request('DELETE', path, **kw)


class Server:
    """A running anjian on a fresh database in a temporary folder."""

    def __init__(self, extra_args=(), fast=True, db=None, tmp=None):
        self.tmp = tmp or tempfile.mkdtemp(prefix='anjian-test-')
        self.db = db or os.path.join(self.tmp, 'anjian.db')
        self.extra = list(extra_args) + (FAST if fast else [])
        self.proc = None
        self.admin_password = None
        self.problems = []
        try:
            self.start()
        except Exception:
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if tmp is None:
                shutil.rmtree(self.tmp, ignore_errors=True)
            raise

    def args(self, *cmd):
        return [BIN, *cmd, '--db', self.db, '--data-dir', os.path.join(SRC_ROOT, 'data')]

    def start(self):
        port_file = os.path.join(self.tmp, 'port')
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.out = open(os.path.join(self.tmp, 'stdout'), 'ab')
        self.err = open(os.path.join(self.tmp, 'stderr'), 'ab')
        self.proc = subprocess.Popen(
            self.args('serve') + ['--port', '0', '--port-file', port_file,
                                  '--web-dir', os.path.join(self.tmp, 'web')] + self.extra,
            stdout=self.out, stderr=self.err, cwd=self.tmp)
        deadline = time.time() + 60
        while not os.path.exists(port_file):
            if self.proc.poll() is not None:
                raise RuntimeError('anjian exited with %s: %s' % (self.proc.returncode,
                                                                  self.stderr()[-2000:]))
            if time.time() > deadline:
                raise RuntimeError('anjian did not start within 60 s')
            time.sleep(0.02)
        with open(port_file) as fh:
            self.port = int(fh.read())
        m = re.search(r'password / 密码: (\S+)', self.stdout())
        if m and self.admin_password is None:
            self.first_password = m.group(1)

    def stdout(self):
        with open(os.path.join(self.tmp, 'stdout'), encoding='utf-8', errors='replace') as fh:
            return fh.read()

    def stderr(self):
        with open(os.path.join(self.tmp, 'stderr'), encoding='utf-8', errors='replace') as fh:
            return fh.read()

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        self.out.close()
        self.err.close()
        # A clean stop must exit 0: under ASan/UBSan/LSan a report at exit makes it non-zero.
        if sig == signal.SIGTERM and rc not in (0, None):
            self.problems.append(f'server exited with status {rc} on SIGTERM '
                                 f'(sanitizer report?): {self.stderr()[-3000:]}')
        return rc

    def kill(self):
        return self.stop(signal.SIGKILL)

    def cli(self, *cmd, stdin=None):
        """Runs `anjian CMD ... --db <this db>`; returns CompletedProcess (text)."""
        return subprocess.run(self.args(*cmd) + self.extra_cli(), input=stdin, capture_output=True,
                              text=True, timeout=120, cwd=self.tmp)

    def extra_cli(self):
        return [a for a in self.extra if a != '--port']

    def anon(self):
        return Client(self)

    def login(self, login, password, cookie=False):
        """Logs in; returns (Client, response). With cookie=True the client uses the cookie."""
        r = self.anon().post('/api/v1/session', {'login': login, 'password': password})
        if r.status != 201:
            return None, r
        if cookie:
            m = re.search(r'anjian_session=([^;]*)', r.header('set-cookie') or '')
            return Client(self, cookie=m.group(1), csrf=r.json['csrf_token']), r
        return Client(self, token=r.json['token']), r

    def admin(self):
        """The bootstrap admin, logged in, with its first password changed to ADMIN_PASSWORD."""
        if self.admin_password is None:
            c, r = self.login('admin', self.first_password)
            assert c, r
            r = c.post('/api/v1/me/password', {'old_password': self.first_password,
                                               'new_password': ADMIN_PASSWORD})
            assert r.status == 204, r
            self.admin_password = ADMIN_PASSWORD
        c, r = self.login('admin', self.admin_password)
        assert c, r
        return c

    def user(self, login, role, scope, password='Test-Pass-2026'):
        """Creates a user as admin, sets the password, changes it at first login, returns a Client."""
        a = self.admin()
        r = a.post('/api/v1/users', {'login': login, 'role': role, 'scope': scope,
                                     'password': 'First-Pass-2026'})
        assert r.status == 201, r
        c, r2 = self.login(login, 'First-Pass-2026')
        assert c, r2
        r3 = c.post('/api/v1/me/password', {'old_password': 'First-Pass-2026',
                                            'new_password': password})
        assert r3.status == 204, r3
        c, _ = self.login(login, password)
        c.id = r.json['id']
        return c

    def sql(self, query, params=()):
        """Reads the database directly (WAL allows it while the server runs)."""
        con = sqlite3.connect(self.db, timeout=30)
        try:
            cur = con.execute(query, params)
            rows = cur.fetchall()
            con.commit()
            return rows
        finally:
            con.close()

    def cleanup(self):
        if self.proc:
            self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Case:
    """What a test function receives: assertions and server factory with clean-up."""

    def __init__(self):
        self.servers = []

    def server(self, *args, **kw):
        s = Server(*args, **kw)
        self.servers.append(s)
        return s

    def eq(self, got, want, msg=''):
        if got != want:
            raise AssertionError(f'{msg} got {got!r}, want {want!r}')

    def true(self, cond, msg=''):
        if not cond:
            raise AssertionError(msg or 'condition is false')

    def status(self, r, want, msg=''):
        if r.status != want:
            raise AssertionError(f'{msg} status {r.status}, want {want}: {r.body[:500]!r}')

    def problem(self, r, status, field=None):
        """Checks an RFC 9457 problem response, and that it names `field` when given."""
        self.status(r, status)
        self.true((r.header('content-type') or '').startswith('application/problem+json'),
                  f'content type {r.header("content-type")}')
        self.eq(r.json.get('status'), status, 'problem status')
        if field is not None:
            fields = [e['field'] for e in r.json.get('errors', [])]
            self.true(field in fields, f'problem does not name {field!r}: {r.json}')

    def close(self):
        """Stops every server; returns the problems seen (non-zero exit on a clean stop)."""
        problems = []
        for s in self.servers:
            s.cleanup()
            problems += s.problems
        return problems


USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'


def uscc(authority_region, body8='MA1XXXXX'):
    """A valid GB 32100-2015 code: '91' + division + GB 11714 organization code (its check
    character computed) + the check character of STANDARDS.md §5."""
    org_weights = (3, 7, 9, 10, 5, 8, 4, 2)
    s = sum((int(c) if c.isdigit() else ord(c) - ord('A') + 10) * w
            for c, w in zip(body8, org_weights))
    c9 = 11 - s % 11
    org = body8 + ('X' if c9 == 10 else '0' if c9 == 11 else str(c9))
    first17 = '91' + authority_region + org
    total = sum(USCC_CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + USCC_CHARSET[(31 - total % 31) % 31]


def run(namespace):
    """Runs every test_* function of namespace in order of definition; prints TAP."""
    tests = [(n, f) for n, f in namespace.items() if n.startswith('test_') and callable(f)]
    only = os.environ.get('ANJIAN_TEST_ONLY')
    if only:
        tests = [(n, f) for n, f in tests if only in n]
    print(f'1..{len(tests)}', flush=True)
    failed = 0
    for i, (name, fn) in enumerate(tests, 1):
        case = Case()
        t0 = time.time()
        try:
            fn(case)
            problems = case.close()
            if problems:
                raise AssertionError('\n'.join(problems))
            print(f'ok {i} - {name} ({time.time() - t0:.1f}s)', flush=True)
        except Exception:  # report every failure, keep going
            failed += 1
            print(f'not ok {i} - {name}', flush=True)
            for line in traceback.format_exc().splitlines():
                print('# ' + line, flush=True)
            for s in case.servers:
                try:
                    for line in s.stderr().splitlines()[-15:]:
                        print('#   server: ' + line, flush=True)
                except OSError:
                    pass
        finally:
            case.close()
    sys.exit(1 if failed else 0)


class Stream:
    """An open Server-Sent Events response (GET /api/v1/monitor/stream): status and headers
    at once, then the events as they come (chunked transfer decoded). Close it when done."""

    def __init__(self, client, path):
        import socket
        self.sock = socket.create_connection(('127.0.0.1', client.server.port), timeout=30)
        h = [f'GET {path} HTTP/1.1', f'Host: 127.0.0.1:{client.server.port}',
             'Accept: text/event-stream']
        if client.token:
            h.append('Authorization: Bearer ' + client.token)
        if client.cookie:
            h.append('Cookie: anjian_session=' + client.cookie)
        self.sock.sendall(('\r\n'.join(h) + '\r\n\r\n').encode())
        self.raw = b''
        while b'\r\n\r\n' not in self.raw:
            part = self.sock.recv(65536)
            if not part:
                break
            self.raw += part
        head, _, self.raw = self.raw.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        self.status = int(lines[0].split()[1])
        self.headers = {k.strip().lower(): v.strip() for k, _, v in
                        (line.partition(':') for line in lines[1:])}
        self.chunked = self.headers.get('transfer-encoding', '').lower() == 'chunked'
        self.text = ''          # decoded body received so far
        self.ended = False

    def header(self, name):
        return self.headers.get(name.lower())

    def _decode(self):
        if not self.chunked:
            self.text += self.raw.decode('utf-8', 'replace')
            self.raw = b''
            return
        while True:
            line, sep, rest = self.raw.partition(b'\r\n')
            if not sep:
                return
            size = int(line.split(b';')[0], 16)
            if size == 0:
                self.ended = True
                self.raw = b''
                return
            if len(rest) < size + 2:
                return
            self.text += rest[:size].decode('utf-8', 'replace')
            self.raw = rest[size + 2:]

    def read_until(self, pred, timeout=5.0):
        """Reads until pred(self.text) is true or timeout seconds pass; returns pred's value."""
        deadline = time.time() + timeout
        self._decode()
        while not pred(self.text) and not self.ended:
            left = deadline - time.time()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                part = self.sock.recv(65536)
            except OSError:
                break
            if not part:
                self.ended = True
                break
            self.raw += part
            self._decode()
        return pred(self.text)

    def events(self):
        """The events received so far: [(name, data)], comments and retry hints left out."""
        out = []
        for block in self.text.split('\n\n')[:-1]:
            name, data = 'message', []
            for line in block.split('\n'):
                if line.startswith('event: '):
                    name = line[7:]
                elif line.startswith('data: '):
                    data.append(line[6:])
            if data:
                out.append((name, '\n'.join(data)))
        return out

    def close(self):
        self.sock.close()
