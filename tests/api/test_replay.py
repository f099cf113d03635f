#!/usr/bin/env python3
"""`anjian replay FILE` (issue 6 §8, docs/monitoring.md "Replay") against a recording HTTP
server and a minimal MQTT 3.1.1 broker written here (stdlib only): the request line, token,
content type and NDJSON of POST /api/v1/readings; batches of at most 1000; timestamps
shifted to now or kept; real speed and --speed X; the MQTT topic, QoS 1 and payload; bad
files and failures with their exit status. End to end: a replay into a real server with a
machine account's token raises the demo pump's flow alarm in the SOE; `serve --demo` with
mqtt.url sends the demo's live readings through a real mosquitto (docs/monitoring.md
"Demo")."""
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import BIN, run, uscc

USCC = uscc('320902')


def anjian(*args, timeout=60, env=None):
    e = dict(os.environ)
    e.pop('ANJIAN_TOKEN', None)
    e.update(env or {})
    return subprocess.run([BIN, 'replay', *args], capture_output=True, text=True,
                          timeout=timeout, env=e)


def csv_file(rows, header='tag,ts_ms,value'):
    f = tempfile.NamedTemporaryFile('w', suffix='.csv', delete=False)
    f.write(header + '\n' + ''.join(f'{a},{b},{c}\n' for a, b, c in rows))
    f.close()
    return f.name


class Recorder:
    """An HTTP server recording each POST; answers as /api/v1/readings does (or `status`)."""

    def __init__(self, status=200):
        rec = self
        self.requests = []
        self.status = status

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                rec.requests.append({'path': self.path, 'headers': dict(self.headers),
                                     'body': body.decode(), 'at': time.time()})
                lines = [l for l in body.decode().split('\n') if l]
                if rec.status == 200:
                    out = json.dumps({'accepted': len(lines) - 1, 'late': 0, 'unknown': 1,
                                      'future': 0, 'transitions': 0, 'seq_first': 1})
                else:
                    out = json.dumps({'status': rec.status, 'title': 'no'})
                self.send_response(rec.status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(out)))
                self.end_headers()
                self.wfile.write(out.encode())

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(('127.0.0.1', 0), H)
        self.url = f'http://127.0.0.1:{self.srv.server_address[1]}'
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def readings(self):
        return [json.loads(l) for r in self.requests for l in r['body'].split('\n') if l]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def test_http_ndjson_request(t):
    rec = Recorder()
    path = csv_file([('GT-101', 1764460800123, 12.5), ('AT-201', 1764460800123, ''),
                     ('GT-101', 1764460800500, 'null'), ('PT-1', 1764460800500, -0.25)])
    try:
        before = int(time.time() * 1000)
        r = anjian(path, '--url', rec.url, '--token', 'ajt_secret', '--enterprise', USCC,
                   '--fast')
        after = int(time.time() * 1000)
        t.eq(r.returncode, 0, r.stderr)
        t.true('4 of 4 readings sent in 1 batches, 3 accepted, 1 with unknown tags' in r.stdout,
               r.stdout)
        t.eq(len(rec.requests), 1)
        q = rec.requests[0]
        t.eq(q['path'], f'/api/v1/readings?enterprise={USCC}')
        t.eq(q['headers']['Authorization'], 'Bearer ajt_secret')
        t.eq(q['headers']['Content-Type'], 'application/x-ndjson')
        got = rec.readings()
        t.eq([g['tag'] for g in got], ['GT-101', 'AT-201', 'GT-101', 'PT-1'])
        t.eq([g['v'] for g in got], [12.5, None, None, -0.25])
        # The first row is now; the others keep their distance to it.
        t.true(before <= got[0]['ts'] <= after, f'{got[0]["ts"]} not in [{before}, {after}]')
        t.eq([g['ts'] - got[0]['ts'] for g in got], [0, 0, 377, 377])
        # The token may also come from the environment.
        r = anjian(path, '--url', rec.url, '--enterprise', USCC, '--fast',
                   env={'ANJIAN_TOKEN': 'ajt_env'})
        t.eq(r.returncode, 0, r.stderr)
        t.eq(rec.requests[1]['headers']['Authorization'], 'Bearer ajt_env')
    finally:
        rec.close()
        os.unlink(path)


def test_http_keep_time_and_batches(t):
    rec = Recorder()
    path = csv_file([(f'T{i % 7}', 1000000 + i, i) for i in range(2500)])
    try:
        r = anjian(path, '--url', rec.url + '/', '--token', 'ajt_x', '--enterprise', USCC,
                   '--fast', '--keep-time')
        t.eq(r.returncode, 0, r.stderr)
        t.eq([len(q['body'].strip().split('\n')) for q in rec.requests], [1000, 1000, 500])
        got = rec.readings()
        t.eq([g['ts'] for g in got], [1000000 + i for i in range(2500)])
        t.eq([g['v'] for g in got], list(range(2500)))
        t.eq(rec.requests[0]['path'], f'/api/v1/readings?enterprise={USCC}')
    finally:
        rec.close()
        os.unlink(path)


def test_http_real_speed_and_speed_x(t):
    rec = Recorder()
    # Three instants 0, 0.6 s, 1.2 s: at real speed three requests over >= 1.2 s.
    path = csv_file([('A', 5000, 1), ('B', 5000, 2), ('A', 5600, 3), ('A', 6200, 4)])
    try:
        t0 = time.time()
        r = anjian(path, '--url', rec.url, '--token', 'ajt_x', '--enterprise', USCC)
        took = time.time() - t0
        t.eq(r.returncode, 0, r.stderr)
        t.eq([len(q['body'].strip().split('\n')) for q in rec.requests], [2, 1, 1])
        t.true(took >= 1.2, f'real speed took {took:.2f} s')
        gaps = [rec.requests[i + 1]['at'] - rec.requests[i]['at'] for i in range(2)]
        t.true(all(0.5 <= g <= 0.9 for g in gaps), f'gaps {gaps}')
        rec.requests.clear()
        # 4x: 0.15 s apart, and the timestamps still keep the file's spacing.
        t0 = time.time()
        r = anjian(path, '--url', rec.url, '--token', 'ajt_x', '--enterprise', USCC,
                   '--speed', '4')
        took = time.time() - t0
        t.eq(r.returncode, 0, r.stderr)
        t.eq(len(rec.requests), 3)
        t.true(0.3 <= took < 1.1, f'--speed 4 took {took:.2f} s')
        got = rec.readings()
        t.eq([g['ts'] - got[0]['ts'] for g in got], [0, 0, 600, 1200])
    finally:
        rec.close()
        os.unlink(path)


def test_http_refused(t):
    rec = Recorder(status=401)
    path = csv_file([('A', 5000, 1)])
    try:
        r = anjian(path, '--url', rec.url, '--token', 'ajt_bad', '--enterprise', USCC)
        t.eq(r.returncode, 1, r.stderr)
        t.true('HTTP 401' in r.stderr, r.stderr)
        t.true('0 of 1 readings sent' in r.stdout, r.stdout)
        # Nothing listens: exit 1, named.
        port = rec.srv.server_address[1]
        rec.close()
        rec = None
        r = anjian(path, '--url', f'http://127.0.0.1:{port}', '--token', 'x', '--enterprise',
                   USCC)
        t.eq(r.returncode, 1, r.stderr)
        t.true('cannot connect' in r.stderr, r.stderr)
    finally:
        if rec:
            rec.close()
        os.unlink(path)


def test_bad_file_and_options(t):
    good = csv_file([('A', 5000, 1)])
    bad = csv_file([('A', 5000, 1), ('A', 4000, 1)])
    nohead = csv_file([('A', 5000, 1)], header='tag,ts,value')
    try:
        cases = [
            ((bad, '--url', 'http://127.0.0.1:9', '--token', 'x', '--enterprise', USCC),
             'line 3'),
            ((nohead, '--url', 'http://127.0.0.1:9', '--token', 'x', '--enterprise', USCC),
             'tag,ts_ms,value'),
            ((good, '--token', 'x', '--enterprise', USCC), '--url'),
            ((good, '--url', 'http://127.0.0.1:9', '--mqtt', '127.0.0.1:9', '--token', 'x',
              '--enterprise', USCC), '--url'),
            ((good, '--url', 'http://127.0.0.1:9', '--enterprise', USCC), '--token'),
            ((good, '--url', 'http://127.0.0.1:9', '--token', 'x'), '--enterprise'),
            ((good, '--url', 'ftp://x', '--token', 'x', '--enterprise', USCC), '--url'),
            ((good, '--url', 'http://127.0.0.1:9', '--token', 'x', '--enterprise', USCC,
              '--speed', '0'), '--speed'),
            ((good, '--url', 'http://127.0.0.1:9', '--token', 'x', '--enterprise', USCC,
              '--speed', '2', '--fast'), '--fast'),
            ((good, '--port', '1'), "'--port'"),
        ]
        for args, mention in cases:
            r = anjian(*args)
            t.eq(r.returncode, 2, f'{args}: {r.stderr}')
            lines = r.stderr.splitlines()
            t.eq(len(lines), 1, f'{args}: {r.stderr!r}')
            t.true(mention in lines[0], f'{args}: {lines[0]!r} does not name {mention!r}')
        r = anjian('/nonexistent/x.csv', '--url', 'http://127.0.0.1:9', '--token', 'x',
                   '--enterprise', USCC)
        t.eq(r.returncode, 1, r.stderr)
        t.true('cannot open' in r.stderr, r.stderr)
    finally:
        for p in (good, bad, nohead):
            os.unlink(p)


class Broker:
    """Just enough MQTT 3.1.1 (OASIS 2014 §3) to take QoS 1 publishes: CONNACK, PUBACK,
    PINGRESP; records (topic, qos, payload)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.published = []
        self.connects = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.client, args=(c,), daemon=True).start()

    @staticmethod
    def read(c, n):
        b = b''
        while len(b) < n:
            part = c.recv(n - len(b))
            if not part:
                raise EOFError
            b += part
        return b

    def packet(self, c):
        h = self.read(c, 1)[0]
        n, mult = 0, 1
        while True:
            d = self.read(c, 1)[0]
            n += (d & 127) * mult
            mult *= 128
            if not d & 128:
                break
        return h, self.read(c, n) if n else b''

    def client(self, c):
        try:
            while True:
                h, body = self.packet(c)
                kind = h >> 4
                if kind == 1:  # CONNECT
                    self.connects.append(body)
                    c.sendall(b'\x20\x02\x00\x00')
                elif kind == 3:  # PUBLISH
                    qos = (h >> 1) & 3
                    tl = struct.unpack('>H', body[:2])[0]
                    topic = body[2:2 + tl].decode()
                    rest = body[2 + tl:]
                    if qos:
                        pid, rest = rest[:2], rest[2:]
                    self.published.append((topic, qos, rest.decode()))
                    if qos == 1:
                        c.sendall(b'\x40\x02' + pid)
                elif kind == 12:  # PINGREQ
                    c.sendall(b'\xd0\x00')
                elif kind == 14:  # DISCONNECT
                    break
        except (EOFError, OSError):
            pass
        c.close()

    def close(self):
        self.sock.close()


def test_mqtt_publish(t):
    b = Broker()
    path = csv_file([(f'GT-{i % 3}', 1764460800000 + i * 10, i / 4) for i in range(1200)] +
                    [('AT-1', 1764460812000, '')])
    try:
        r = anjian(path, '--mqtt', f'127.0.0.1:{b.port}', '--enterprise', USCC, '--fast',
                   '--keep-time')
        t.eq(r.returncode, 0, r.stderr)
        t.true('1201 of 1201 readings sent in 2 batches' in r.stdout, r.stdout)
        t.eq(len(b.connects), 1)
        t.eq([(p[0], p[1]) for p in b.published], [(f'anjian/v1/{USCC}/readings', 1)] * 2)
        got = [x for p in b.published for x in json.loads(p[2])['readings']]
        t.eq(len(got), 1201)
        t.eq(got[5], {'tag': 'GT-2', 'ts': 1764460800050, 'v': 1.25})
        t.eq(got[-1], {'tag': 'AT-1', 'ts': 1764460812000, 'v': None})
    finally:
        b.close()
        os.unlink(path)


def test_mqtt_no_broker(t):
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    path = csv_file([('A', 5000, 1)])
    try:
        r = anjian(path, '--mqtt', f'127.0.0.1:{port}', '--enterprise', USCC)
        t.eq(r.returncode, 1, r.stderr)
        t.true('cannot connect' in r.stderr, r.stderr)
    finally:
        os.unlink(path)


# enum alarm_cond order (alarm.h)
LOW1 = 3


def demo_server(t, extra=()):
    """A demo database served again without the demo player (so that only the test's
    readings reach the demo points); returns (server, admin, credit code, enterprise id)."""
    s = t.server(['--demo'])
    eid, code = s.sql("SELECT e.id, e.uscc FROM enterprise e JOIN monitor_point p ON "
                      "p.enterprise_id = e.id WHERE p.tag = 'FT-404'")[0]
    s.stop()
    s.extra = [a for a in s.extra if a != '--demo'] + list(extra)
    s.start()
    return s, s.admin(), code, eid


def test_replay_into_the_server(t):
    s, a, code, eid = demo_server(t)
    r = a.post('/api/v1/users', {'login': 'gw.pump', 'role': 'enterprise_officer',
                                 'scope': f'enterprise:{code}', 'machine': True})
    t.status(r, 201)
    tok = a.post('/api/v1/tokens', {'user_id': r.json['id'], 'name': 'replay'})
    t.status(tok, 201)
    # The flow falls below FT-404's low1 (30 L/min) for more than its 2 s on delay.
    t0 = 1583750000000
    path = csv_file([('FT-404', t0, 32.0), ('PT-401', t0, 0.05), ('FT-404', t0 + 1000, 29.5),
                     ('FT-404', t0 + 2000, 29.0), ('FT-404', t0 + 3000, 28.5),
                     ('XX-999', t0 + 3000, 1)])
    try:
        since = int(time.time() * 1000)
        r = anjian(path, '--url', f'http://127.0.0.1:{s.port}', '--token', tok.json['token'],
                   '--enterprise', code, '--fast')
        t.eq(r.returncode, 0, r.stderr)
        t.true('6 of 6 readings sent in 1 batches, 5 accepted, 1 with unknown tags' in r.stdout,
               r.stdout)
        ft = s.sql("SELECT id FROM monitor_point WHERE tag = 'FT-404' AND enterprise_id = ?",
                   (eid,))[0][0]
        # (The demo's own history, played at the first start, has its alarms before.)
        rows = s.sql('SELECT value FROM soe WHERE point_id = ? AND to_cond = ? AND '
                     'recorded_ms >= ?', (ft, LOW1, since))
        t.eq(rows, [(28.5,)], 'one low1 alarm, at the reading 2 s after the first low one')
        # The token's scope is its enterprise: another credit code is 404, nothing sent.
        other = s.sql('SELECT uscc FROM enterprise WHERE id != ? LIMIT 1', (eid,))[0][0]
        r = anjian(path, '--url', f'http://127.0.0.1:{s.port}', '--token', tok.json['token'],
                   '--enterprise', other, '--fast')
        t.eq(r.returncode, 1, r.stderr)
        t.true('HTTP 404' in r.stderr, r.stderr)
    finally:
        os.unlink(path)


class Mosquitto:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='anjian-mosq-')
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        self.port = s.getsockname()[1]
        s.close()
        conf = os.path.join(self.dir, 'mosquitto.conf')
        with open(conf, 'w') as fh:
            fh.write(f'listener {self.port} 127.0.0.1\nallow_anonymous true\n'
                     'persistence false\nuser root\n')
        exe = shutil.which('mosquitto') or '/usr/sbin/mosquitto'
        self.proc = subprocess.Popen([exe, '-c', conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(('127.0.0.1', self.port), 0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError('mosquitto did not start: run scripts/deps.sh test')
                time.sleep(0.05)

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def test_demo_through_mqtt(t):
    b = Mosquitto()
    try:
        s = t.server(['--demo', '--set', f'mqtt.url=mqtt://127.0.0.1:{b.port}'])
        t.true('through MQTT once the subscriber runs' in s.stderr(), s.stderr()[-3000:])
        code = s.sql("SELECT e.uscc FROM enterprise e JOIN monitor_point p ON "
                     "p.enterprise_id = e.id WHERE p.tag = 'FT-404'")[0][0]
        # A live message of the demo, as a device would publish it.
        sub = subprocess.run(['mosquitto_sub', '-h', '127.0.0.1', '-p', str(b.port), '-t',
                              f'anjian/v1/{code}/readings', '-C', '1', '-W', '10'],
                             capture_output=True, text=True, timeout=20)
        got = json.loads(sub.stdout)['readings']
        t.true({g['tag'] for g in got} >= {'PT-401', 'TT-402', 'TT-403', 'FT-404'}, got)
        t.true(all(abs(g['ts'] - time.time() * 1000) < 5000 for g in got), got[:8])
        # ... taken back by the server's own subscriber into the runtime.
        def readings():
            m = s.anon().get('/metrics').body.decode()
            return int(re.search(r'^anjian_monitor_readings_total (\d+)', m, re.M).group(1))
        n0 = readings()
        time.sleep(2.5)
        t.true(readings() >= n0 + 4, f'{n0} -> {readings()}')
    finally:
        b.close()


run(globals())
