#!/usr/bin/env python3
"""Durability (DESIGN §6 "a killed process loses nothing it had acknowledged", issue 2 §3 and
"How it must be shown"): SIGKILL during a burst of writes loses no acknowledged write and
leaves the audit chain intact; `anjian backup` while a writer runs gives a sound database."""
import http.client
import json
import os
import sqlite3
import subprocess
import threading
import time

from harness import BIN, run

REGION = '320902'
WRITERS = 4


class Burst:
    """WRITERS threads POSTing departments with unique names as fast as they can, each bounded
    in time and count; records what was acknowledged (201) and what failed in flight."""

    def __init__(self, s, token, seconds, max_each=20000):
        self.s, self.token, self.seconds, self.max_each = s, token, seconds, max_each
        self.acked = {}       # id -> name
        self.errors = []      # exceptions (connection reset/refused ...)
        self.other = []       # answers that were neither 201 nor an exception
        self.cut = []         # the subset of errors that hit a request already sent
        self.inflight = 0     # requests sent and not yet answered
        self.lock = threading.Lock()  # protects the five fields above
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.writer, args=(w,), daemon=True)
                        for w in range(WRITERS)]

    def writer(self, w):
        deadline = time.time() + self.seconds
        for i in range(self.max_each):
            if self.stop.is_set() or time.time() > deadline:
                return
            name = f'burst-{w}-{i}'
            body = json.dumps({'name': name, 'region_code': REGION}).encode()
            conn = http.client.HTTPConnection('127.0.0.1', self.s.port, timeout=30)
            sent = False
            try:
                conn.connect()
                with self.lock:
                    self.inflight += 1
                sent = True
                conn.request('POST', '/api/v1/depts', body=body,
                             headers={'Authorization': 'Bearer ' + self.token,
                                      'Content-Type': 'application/json'})
                r = conn.getresponse()
                data = r.read()
                with self.lock:
                    self.inflight -= 1
                    sent = False
                    if r.status == 201:
                        self.acked[json.loads(data)['id']] = name
                    else:
                        self.other.append((r.status, data[:200]))
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    self.errors.append(repr(e))
                    if sent:
                        self.inflight -= 1
                        self.cut.append(repr(e))
                return  # the server is gone
            finally:
                conn.close()

    def start(self):
        for th in self.threads:
            th.start()

    def join(self):
        for th in self.threads:
            th.join(self.seconds + 60)
        assert not any(th.is_alive() for th in self.threads), 'a writer did not stop'


def test_sigkill_during_write_burst_loses_no_acknowledged_write(t):
    """DESIGN §6: SIGKILL while 4 clients write; after a restart on the same database every
    department that got a 201 is there, with its audit record, and the chain verifies."""
    s = t.server()
    a = s.admin()
    b = Burst(s, a.token, seconds=3.0)
    t0 = time.time()
    b.start()
    # Kill mid-burst: after 1.5 s of the 3 s, once writes are flowing, at a moment when
    # several requests are in flight (at most at 2.8 s).
    while time.time() < t0 + 2.8 and (time.time() < t0 + 1.5 or not b.acked or
                                       b.inflight < WRITERS - 1):
        time.sleep(0.001)
    with b.lock:
        acked_before_kill = len(b.acked)
    s.kill()
    b.join()
    t.true(acked_before_kill > 0, 'no write was acknowledged before the kill')
    t.eq(b.other, [], 'answers other than 201')
    t.true(b.cut, f'no request was in flight at the kill: {b.errors}')
    s.start()
    t.status(s.anon().get('/healthz'), 200)
    stored = dict(s.sql("SELECT id, name FROM dept WHERE name LIKE 'burst-%'"))
    missing = {i: n for i, n in b.acked.items() if stored.get(i) != n}
    t.eq(missing, {}, f'{len(missing)} of {len(b.acked)} acknowledged writes were lost')
    # Unacknowledged requests may or may not have committed, but never half: every stored
    # department has exactly its one audit record, and no audit record lacks its department.
    audited = [int(x[0]) for x in s.sql("SELECT entity_id FROM audit_log "
                                        "WHERE action = 'dept.create'")]
    t.eq(sorted(audited), sorted(stored), 'departments and their audit records differ')
    t.true(len(stored) - len(b.acked) <= WRITERS, 'more commits than requests in flight')
    r = s.cli('audit', 'verify')
    t.eq(r.returncode, 0, r.stdout + r.stderr)
    t.true('intact' in r.stdout, r.stdout)
    ic = s.sql('PRAGMA integrity_check')
    t.eq(ic, [('ok',)])
    # The restarted server serves them and takes new writes.
    a = s.admin()
    some = next(iter(b.acked))
    t.eq(a.get(f'/api/v1/depts/{some}').json['name'], b.acked[some])
    t.status(a.post('/api/v1/depts', {'name': 'after-restart', 'region_code': REGION}), 201)


def test_backup_while_writing_is_consistent(t):
    """Issue 2 §3: `anjian backup FILE` (SQLite online backup) while the server writes gives a
    database that opens, passes PRAGMA integrity_check and `audit verify`, and is one snapshot
    (every department in it has its audit record)."""
    s = t.server()
    a = s.admin()
    b = Burst(s, a.token, seconds=4.0)
    b.start()
    deadline = time.time() + 3
    while time.time() < deadline and len(b.acked) < 50:
        time.sleep(0.01)
    backups = []
    try:
        for k in range(3):
            with b.lock:
                low = len(b.acked)
            path = os.path.join(s.tmp, f'backup-{k}.db')
            r = s.cli('backup', path)
            t.eq(r.returncode, 0, r.stdout + r.stderr)
            t.true(path in r.stdout, r.stdout)
            backups.append((path, low))
            time.sleep(0.2)
    finally:
        b.stop.set()
        b.join()
    t.eq(b.other, [])
    t.eq(b.errors, [])
    final = s.sql("SELECT count(*) FROM dept WHERE name LIKE 'burst-%'")[0][0]
    t.true(final >= 50, f'only {final} writes in the burst')
    counts = []
    for path, low in backups:
        con = sqlite3.connect(path)
        try:
            t.eq(con.execute('PRAGMA integrity_check').fetchall(), [('ok',)], path)
            depts = {x[0] for x in con.execute("SELECT id FROM dept WHERE name LIKE 'burst-%'")}
            audited = {int(x[0]) for x in con.execute(
                "SELECT entity_id FROM audit_log WHERE action = 'dept.create'")}
            regions = con.execute('SELECT count(*) FROM region').fetchone()[0]
        finally:
            con.close()
        t.eq(depts, audited, f'{path}: not one snapshot')
        t.true(low <= len(depts) <= final, f'{path}: {len(depts)} departments, '
                                           f'want {low}..{final}')
        t.true(regions > 40000, f'{path}: {regions} regions')
        counts.append(len(depts))
        r = subprocess.run([BIN, 'audit', 'verify', '--db', path], capture_output=True,
                           text=True, timeout=120)
        t.eq(r.returncode, 0, r.stdout + r.stderr)
        t.true('intact' in r.stdout, r.stdout)
    t.eq(counts, sorted(counts), 'later backups hold fewer writes')
    t.true(counts[-1] > counts[0], f'the writer did not run during the backups: {counts}')
    # A backup is a working database: a server starts on it and logs in with the same admin.
    s2 = t.server(db=backups[-1][0])
    t.eq(s2.stdout().count('password / 密码'), 0, 'the backup got a new first admin')
    _, r = s2.login('admin', s.admin_password)
    t.status(r, 201)
    # Backup to a place that cannot be written: exit 1, one line.
    r = s.cli('backup', os.path.join(s.tmp, 'no', 'such', 'dir', 'x.db'))
    t.eq(r.returncode, 1, r.stderr)
    t.true('backup' in r.stderr, r.stderr)
    # A backup never overwrites: not the live database, not an older backup.
    for target in (s.db, backups[0][0]):
        with open(target, 'rb') as fh:
            before = fh.read()
        r = s.cli('backup', target)
        t.eq(r.returncode, 1, r.stdout + r.stderr)
        t.eq(len(r.stderr.strip().splitlines()), 1, r.stderr)
        t.true('exists' in r.stderr, r.stderr)
        with open(target, 'rb') as fh:
            t.true(fh.read() == before, f'{target} was changed')


run(globals())
