#!/usr/bin/env python3
"""Readings over MQTT against a real mosquitto started by the test (issue 6 §3 a, docs/ingestion.md
"MQTT"): a message's readings stored and evaluated; a bad payload and a topic naming no known
enterprise counted, acknowledged and not stopping the stream; and the KILL TEST: SIGKILL the
server twice during a QoS 1 flood, restart it, drain: every published reading is in the
readings log (parsed from its segments), no arrival seq twice, readings stored twice only those
of the one batch (at most 64 messages) in flight at each kill (stored, not yet acknowledged,
redelivered by the broker), and the SOE equal row for row (tag, source time, from/to state and condition, value)
to an uninterrupted run of the same readings, with no duplicate. The publisher is a small MQTT
3.1.1 client on stdlib sockets (QoS 1, a window of PUBACKs)."""
import glob
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request

from harness import run
from test_ingest import Ingest, T0

MAGIC = 0x4c574a41


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Broker:
    """mosquitto on a free loopback port; sessions kept in memory while it runs."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='anjian-mosq-')
        self.port = free_port()
        conf = os.path.join(self.dir, 'mosquitto.conf')
        with open(conf, 'w') as fh:
            fh.write(f'listener {self.port} 127.0.0.1\nallow_anonymous true\n'
                     'persistence false\nmax_queued_messages 0\nuser root\n'
                     f'log_dest file {self.dir}/log\n')
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

    def url(self):
        return f'mqtt://127.0.0.1:{self.port}'

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def mqtt_str(s):
    b = s.encode()
    return struct.pack('>H', len(b)) + b


def mqtt_len(n):
    out = b''
    while True:
        b, n = n % 128, n // 128
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


class Publisher:
    """MQTT 3.1.1 publisher at QoS 1: at most `window` messages unacknowledged by the broker."""

    def __init__(self, port, client_id='kt-pub', window=50):
        self.sock = socket.create_connection(('127.0.0.1', port), 10)
        body = mqtt_str('MQTT') + bytes([4, 2]) + struct.pack('>H', 60) + mqtt_str(client_id)
        self.sock.sendall(bytes([0x10]) + mqtt_len(len(body)) + body)
        ack = self.recv(4)
        assert ack[0] == 0x20 and ack[3] == 0, ack
        self.window = threading.Semaphore(window)
        self.acked = 0
        self.mid = 0
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self.read_acks, daemon=True)
        self.reader.start()

    def recv(self, n):
        b = b''
        while len(b) < n:
            c = self.sock.recv(n - len(b))
            if not c:
                raise ConnectionError('broker closed')
            b += c
        return b

    def read_acks(self):
        try:
            while True:
                h = self.recv(2)
                rest = self.recv(h[1])
                if h[0] >> 4 == 4:  # PUBACK
                    with self.lock:
                        self.acked += 1
                    self.window.release()
                del rest
        except (OSError, ConnectionError):
            return

    def publish(self, topic, payload):
        self.window.acquire()
        self.mid = self.mid % 65535 + 1
        body = mqtt_str(topic) + struct.pack('>H', self.mid) + payload
        self.sock.sendall(bytes([0x32]) + mqtt_len(len(body)) + body)

    def wait_all(self, n, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if self.acked >= n:
                    return
            time.sleep(0.02)
        raise AssertionError(f'the broker acknowledged only {self.acked} of {n} publishes')

    def close(self):
        try:
            self.sock.sendall(bytes([0xe0, 0]))
        finally:
            self.sock.close()


def wal_readings(wal_dir):
    """Every reading in the readings log (src/monitor/wal.h): [(seq, point_id, source_ms, v)]."""
    out = []
    for path in sorted(glob.glob(os.path.join(wal_dir, '*.wal'))):
        with open(path, 'rb') as fh:
            data = fh.read()
        at = 0
        while at + 12 <= len(data):
            magic, length, _crc = struct.unpack_from('<III', data, at)
            if magic != MAGIC or at + 12 + length > len(data):
                break
            seq, n = struct.unpack_from('<QI', data, at + 12)
            for k in range(n):
                pid, ms, v, _q = struct.unpack_from('<qqdB', data, at + 24 + 25 * k)
                out.append((seq + k, pid, ms, v))
            at += 12 + length
    return out


def value(i, p):
    """The value of point p in message i: crosses high1 (25) and high2 (50) both ways."""
    return [10.0, 30.0, 60.0, 30.0, 10.0, 12.5][(i + p) % 6]


class MqttWorld(Ingest):
    def __init__(self, t, broker, npoints=2, connections=2):
        super().__init__(t)
        s = self.s
        self.tags = ['GT-101', 'GT-102']
        for p in range(2, npoints):
            tag = f'GT-{101 + p}'
            s.sql("INSERT INTO monitor_point (enterprise_id, tag, name, kind, gas, unit, "
                  "range_lo, range_hi, high1, high2, setpoint_source, created_ms, updated_ms) "
                  "VALUES (?, ?, ?, 'combustible', 'methane', '%LEL', 0, 100, 25, 50, 'manual', "
                  "?, ?)", (self.e1, tag, tag, T0, T0))
            self.tags.append(tag)
        self.pid = {tag: s.sql('SELECT id FROM monitor_point WHERE enterprise_id = ? AND tag = ?',
                               (self.e1, tag))[0][0] for tag in self.tags}
        s.stop()
        s.extra += ['--set', f'mqtt.url={broker.url()}', '--set',
                    f'mqtt.connections={connections}', '--set', 'mqtt.client_id=kt',
                    '--set', 'monitor.checkpoint_s=86400']
        s.start()
        self.topic = f'anjian/v1/{self.u1}/readings'
        self.wait_subscribed(connections)

    def wait_subscribed(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(re.findall(r'kt-\d+: subscribed', self.s.stderr() + self.s.stdout())) >= n:
                return
            time.sleep(0.05)
        raise AssertionError('the server did not subscribe: ' + self.s.stderr()[-2000:])

    def metric(self, name):
        with urllib.request.urlopen(f'http://127.0.0.1:{self.s.port}/metrics', timeout=10) as r:
            m = re.search(rf'^{name} (\d+)$', r.read().decode(), re.M)
        return int(m.group(1)) if m else None

    def message(self, i):
        rs = ','.join('{"tag":"%s","ts":%d,"v":%s}' % (tag, T0 + i * 1000, value(i, p))
                      for p, tag in enumerate(self.tags))
        return ('{"readings":[%s]}' % rs).encode()

    def soe_rows(self):
        return self.s.sql('SELECT p.tag, s.source_ms, s.from_state, s.to_state, s.from_cond, '
                          's.to_cond, s.value, s.cause FROM soe s JOIN monitor_point p ON '
                          'p.id = s.point_id ORDER BY s.source_ms, s.seq, s.sub, p.tag')


def wait_for(cond, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError('timed out waiting for ' + what)


def test_mqtt_message_stored_and_evaluated(t):
    broker = Broker()
    try:
        w = MqttWorld(t, broker)
        pub = Publisher(broker.port)
        pub.publish(w.topic, b'{"readings":[{"tag":"GT-101","ts":%d,"v":55},'
                    b'{"tag":"GT-102","ts":%d,"v":5}]}' % (T0 + 1000, T0 + 1000))
        pub.wait_all(1)
        wait_for(lambda: w.soe(w.pid['GT-101']), 20, 'the SOE row of GT-101')
        row = w.soe(w.pid['GT-101'])[0]
        t.eq((row[3], row[5], row[6], row[7]), (1, 2, 55.0, T0 + 1000), 'unack high2 at 55')
        t.eq(w.soe(w.pid['GT-102']), [], 'GT-102 at 5 %LEL made a transition')
        wait_for(lambda: (w.metric('anjian_monitor_readings_total') or 0) >= 2, 10, 'readings')
        pub.close()
    finally:
        broker.close()


def test_bad_payloads_counted_acknowledged_and_the_stream_goes_on(t):
    broker = Broker()
    try:
        w = MqttWorld(t, broker, connections=1)
        pub = Publisher(broker.port)
        pub.publish(w.topic, b'{"readings":[{"tag":"GT-101","v":01}]}')
        pub.publish(w.topic, b'not json at all')
        pub.publish('anjian/v1/91320902MA0000000X/readings', b'{"readings":[]}')
        pub.publish('anjian/v1/x/readings', b'{"readings":[]}')
        pub.publish(w.topic, b'{"readings":[{"tag":"GT-101","ts":%d,"v":30}]}' % (T0 + 5000))
        pub.wait_all(5)
        wait_for(lambda: w.soe(w.pid['GT-101']), 20, 'the good message after the bad ones')
        t.eq(w.metric('anjian_monitor_bad_payloads_total'), 4)
        t.true('bad MQTT payload' in w.s.stderr(), 'the reason is not logged')
        # Acknowledged: after a restart of the server nothing of them comes back.
        w.s.stop()
        w.s.start()
        w.wait_subscribed(2)
        time.sleep(1.0)
        t.eq(w.metric('anjian_monitor_bad_payloads_total'), 0, 'a bad message was redelivered')
        pub.close()
    finally:
        broker.close()


def test_a_burst_is_ingested_in_fewer_batches_than_messages(t):
    """Messages queued at the broker while the server is down arrive as a burst (the broker's
    max_inflight_messages, 20 by default, at a time): one connection drains them into
    monitor_ingest batches of several messages each, every reading stored."""
    broker = Broker()
    n_msgs = 200
    try:
        w = MqttWorld(t, broker, npoints=2, connections=1)
        w.s.stop()  # the persistent session keeps what is published meanwhile
        pub = Publisher(broker.port, window=n_msgs)
        for i in range(n_msgs):
            pub.publish(w.topic, w.message(i))
        pub.wait_all(n_msgs)
        w.s.start()
        w.wait_subscribed(2)
        wait_for(lambda: (w.metric('anjian_monitor_readings_total') or 0) >= 2 * n_msgs, 30,
                 'every reading of the burst')
        batches = w.metric('anjian_monitor_batches_total')
        print(f'# burst: {n_msgs} messages in {batches} monitor_ingest batches', flush=True)
        t.true(batches is not None and 0 < batches < n_msgs / 2,
               f'{batches} batches for {n_msgs} messages')
        expected = {(w.pid[tag], T0 + i * 1000, value(i, p))
                    for i in range(n_msgs) for p, tag in enumerate(w.tags)}
        got = {(pid, ms, v) for _, pid, ms, v in wal_readings(w.s.db + '.wal')}
        t.eq(sorted(expected - got), [], 'published readings missing')
        # Acknowledged (after their commit): a restart brings none of them again.
        w.s.stop()
        w.s.start()
        w.wait_subscribed(3)
        time.sleep(1.0)
        t.eq(w.metric('anjian_monitor_readings_total'), 0, 'a message was redelivered')
        pub.close()
    finally:
        broker.close()


def test_kill_during_flood_loses_nothing(t):
    """SIGKILL twice mid-flood, restart, drain: every reading stored, the SOE as if never
    killed. One connection, so that the broker's order is the evaluation order."""
    broker = Broker()
    n_msgs, npoints = 1500, 5
    try:
        w = MqttWorld(t, broker, npoints=npoints, connections=1)
        pub = Publisher(broker.port, window=100)
        sent = threading.Event()

        def flood():
            for i in range(n_msgs):
                pub.publish(w.topic, w.message(i))
            sent.set()
        th = threading.Thread(target=flood, daemon=True)
        th.start()
        kills = 0
        for frac in (0.25, 0.55):
            wait_for(lambda: pub.acked >= n_msgs * frac, 60, f'{frac:.0%} of the flood')
            w.s.stop(signal.SIGKILL)
            kills += 1
            time.sleep(0.3)
            w.s.start()
            w.wait_subscribed(1 + kills)
        th.join(120)
        t.true(sent.is_set(), 'the flood did not finish')
        pub.wait_all(n_msgs, 120)
        expected = {(w.pid[tag], T0 + i * 1000, value(i, p))
                    for i in range(n_msgs) for p, tag in enumerate(w.tags)}
        wal_dir = w.s.db + '.wal'

        def drained():
            got = {(pid, ms, v) for _, pid, ms, v in wal_readings(wal_dir)}
            return expected <= got
        wait_for(drained, 120, 'every published reading in the readings log')
        time.sleep(0.5)
        w.s.stop(signal.SIGKILL)  # no checkpoint: every reading stays in the log
        rows = wal_readings(wal_dir)
        seqs = [r[0] for r in rows]
        t.eq(len(seqs), len(set(seqs)), 'an arrival seq was used twice')
        got = {}
        for _, pid, ms, v in rows:
            got[(pid, ms, v)] = got.get((pid, ms, v), 0) + 1
        t.eq(sorted(expected - set(got)), [], 'published readings missing')
        t.eq(sorted(set(got) - expected), [], 'readings nobody published')
        twice = sorted(k for k, c in got.items() if c > 1)
        # At most the batch in flight at each kill (stored, PUBACKs not yet sent): up to
        # MQTT_BATCH_MAX (mqtt.h) messages of a connection go to one monitor_ingest call.
        batch_max = 64
        t.true(len(twice) <= kills * batch_max * npoints,
               f'{len(twice)} readings stored twice: {twice[:10]}')
        t.true(max(got.values()) <= 2, 'a reading stored three times')
        killed = w.soe_rows()
        t.eq(len(killed), len(set(killed)), 'the SOE has a duplicate row')
        print(f'# kill test: {n_msgs} messages x {npoints} readings, {kills} SIGKILLs, '
              f'{len(rows)} readings in the log, {len(twice)} stored twice (redelivered), '
              f'{len(killed)} SOE rows', flush=True)
        pub.close()
    finally:
        broker.close()
    # The same readings in one uninterrupted run (HTTP), the reference SOE.
    ref = Ingest(t)
    for p in range(2, npoints):
        tag = f'GT-{101 + p}'
        ref.s.sql("INSERT INTO monitor_point (enterprise_id, tag, name, kind, gas, unit, "
                  "range_lo, range_hi, high1, high2, setpoint_source, created_ms, updated_ms) "
                  "VALUES (?, ?, ?, 'combustible', 'methane', '%LEL', 0, 100, 25, 50, 'manual', "
                  "?, ?)", (ref.e1, tag, tag, T0, T0))
    ref.s.stop()
    ref.s.start()
    body = '\n'.join('{"tag":"%s","ts":%d,"v":%s}' % (f'GT-{101 + p}', T0 + i * 1000, value(i, p))
                     for i in range(n_msgs) for p in range(npoints))
    r = ref.post(ref.officer, body, ctype='application/x-ndjson')
    t.status(r, 200)
    want = ref.s.sql('SELECT p.tag, s.source_ms, s.from_state, s.to_state, s.from_cond, '
                     's.to_cond, s.value, s.cause FROM soe s JOIN monitor_point p ON '
                     'p.id = s.point_id ORDER BY s.source_ms, s.seq, s.sub, p.tag')
    t.true(len(want) > n_msgs, f'only {len(want)} transitions in the reference')
    t.eq(len(killed), len(want), 'SOE rows: killed run vs uninterrupted run')
    t.eq([x for x in killed if x not in set(want)][:5], [], 'SOE rows nobody expected')
    t.eq([x for x in want if x not in set(killed)][:5], [], 'SOE rows missing (a gap)')
    t.eq(killed, want, 'the SOE order differs from the uninterrupted run')


if __name__ == '__main__':
    run(globals())
