#!/usr/bin/env python3
"""Modbus TCP polling inside `anjian serve` (issue 6 §2, docs/monitoring.md "Modbus"): a
libmodbus server (tests/tools/modbus_sim) holds the registers; a 'modbus' device with mapped
points of every register type is polled, its readings go through the runtime and their alarm
transitions reach the SOE with the converted values (raw x scale + offset); an outage of the
device raises comms loss and is logged once; modbus.enabled=false polls nothing."""
import os
import sqlite3
import subprocess
import time

from harness import BIN, run

SIM = os.path.join(os.path.dirname(BIN), 'tests', 'modbus_sim')
# enum alarm_cond order (alarm.h): normal, high1, high2, low1, low2, fault, comms_loss
NORMAL, HIGH1, HIGH2, LOW1, LOW2, FAULT, COMMS_LOSS = range(7)


class Sim:
    def __init__(self):
        self.p = subprocess.Popen([SIM], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.p.stdout.readline().split()[1])

    def cmd(self, line):
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()
        assert self.p.stdout.readline() == 'ok\n', line

    def set(self, kind, addr, *words):
        for i, w in enumerate(words):
            self.cmd(f'{kind} {addr + i} {w}')

    def close(self):
        self.p.stdin.close()
        self.p.wait(10)


def setup(t, sim, poll_ms=200, extra=()):
    """A demo database (for an enterprise and its points' table), then a modbus device with
    four mapped points; the server restarted on it (without the demo player)."""
    s = t.server(['--demo'])
    eid = s.sql("SELECT enterprise_id FROM monitor_point WHERE tag = 'GT-101'")[0][0]
    s.stop()
    con = sqlite3.connect(s.db)
    now = int(time.time() * 1000)
    cur = con.execute(
        "INSERT INTO monitor_device (enterprise_id, name, protocol, host, port, unit_id, "
        "poll_ms, active, created_ms, updated_ms) VALUES (?, 'PLC-1', 'modbus', '127.0.0.1', "
        "?, 1, ?, 1, ?, ?)", (eid, sim.port, poll_ms, now, now))
    dev = cur.lastrowid
    points = [
        # tag, kind, unit, lo, hi, high1, high2, low1, low2, reg_kind, addr, type, scale, offset
        ('MB-1', 'combustible', '%LEL', 0, 100, 25, 50, None, None, 'holding', 0, 'u16', 0.025, 0),
        ('MB-2', 'temperature', '°C', -100, 200, 150, None, -40, None, 'input', 1, 'i16', 0.1, 0),
        ('MB-3', 'pressure', 'MPa', 0, 10, 1.0, None, None, None, 'holding', 10, 'f32', 1, 0),
        ('MB-4', 'flow', 'm3/h', 0, 100000, 60, None, None, None, 'input', 4, 'u32', 0.001, 0),
        ('MB-5', 'level', 'm', 0, 100, None, None, 1, None, 'holding', 999, 'u32', 1, 0),
    ]
    ids = {}
    for p in points:
        cur = con.execute(
            "INSERT INTO monitor_point (enterprise_id, device_id, tag, name, kind, unit, "
            "range_lo, range_hi, high1, high2, low1, low2, comms_timeout_ms, setpoint_source, "
            "reg_kind, reg_addr, reg_type, reg_scale, reg_offset, active, created_ms, "
            "updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1500, 'manual', ?, ?, ?, ?, "
            "?, 1, ?, ?)", (eid, dev, p[0], p[0], *p[1:], now, now))
        ids[p[0]] = cur.lastrowid
    con.commit()
    con.close()
    s.extra = [a for a in s.extra if a != '--demo'] + list(extra)
    s.start()
    return s, ids


def wait_soe(s, point_id, cond, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        rows = s.sql('SELECT value, cause FROM soe WHERE point_id = ? AND to_cond = ? '
                     'ORDER BY id', (point_id, cond))
        if rows:
            return rows
        time.sleep(0.1)
    raise AssertionError(f'no SOE row of point {point_id} to condition {cond}: '
                         f'{s.sql("SELECT point_id, to_cond, value FROM soe")}')


def test_polled_values_reach_the_soe(t):
    sim = Sim()
    try:
        sim.set('h', 0, 1200)             # u16 1200 x 0.025 = 30 %LEL: high1
        sim.set('i', 1, 65536 - 500)      # i16 -500 x 0.1 = -50 degC: low1
        sim.set('h', 10, 0x3FC0, 0x0000)  # f32 1.5 MPa (high word first): high1
        sim.set('i', 4, 0x0001, 0x0000)   # u32 65536 x 0.001 = 65.536 m3/h: high1
        s, ids = setup(t, sim)
        t.true('Modbus: polling 1 devices' in s.stderr(), s.stderr()[-2000:])
        t.eq(wait_soe(s, ids['MB-1'], HIGH1)[0], (30.0, 'reading'))
        t.eq(wait_soe(s, ids['MB-2'], LOW1)[0], (-50.0, 'reading'))
        t.eq(wait_soe(s, ids['MB-3'], HIGH1)[0], (1.5, 'reading'))
        t.eq(wait_soe(s, ids['MB-4'], HIGH1)[0][0], 65.536)
        # A register beyond the device's map (999-1000: a Modbus exception): a bad reading.
        t.eq(wait_soe(s, ids['MB-5'], FAULT)[0], (None, 'reading'))
        # A new register value reaches the next polls: 2400 x 0.025 = 60 %LEL, high2.
        sim.set('h', 0, 2400)
        t.eq(wait_soe(s, ids['MB-1'], HIGH2)[0], (60.0, 'reading'))
        sim.set('h', 0, 0)
        t.eq(wait_soe(s, ids['MB-1'], NORMAL)[0], (0.0, 'reading'))
        # The device stops answering: no readings, comms loss after 1.5 s, one log line.
        sim.cmd('mute')
        wait_soe(s, ids['MB-1'], COMMS_LOSS)
        t.eq(s.sql('SELECT cause FROM soe WHERE point_id = ? AND to_cond = ?',
                   (ids['MB-3'], COMMS_LOSS)), [('tick',)])
        time.sleep(1.5)
        t.eq(s.stderr().count('does not answer'), 1, s.stderr()[-2000:])
        # It answers again: the readings come back and take the points out of comms loss.
        sim.cmd('unmute')
        end = time.time() + 70  # at most the 60 s backoff
        while time.time() < end and 'answers again' not in s.stderr():
            time.sleep(0.2)
        t.true('answers again' in s.stderr(), s.stderr()[-2000:])
        rows = s.sql('SELECT from_cond, to_cond FROM soe WHERE point_id = ? ORDER BY id DESC '
                     'LIMIT 1', (ids['MB-1'],))
        end = time.time() + 5
        while time.time() < end and rows[0][0] != COMMS_LOSS:
            time.sleep(0.1)
            rows = s.sql('SELECT from_cond, to_cond FROM soe WHERE point_id = ? ORDER BY id '
                         'DESC LIMIT 1', (ids['MB-1'],))
        t.eq(rows[0], (COMMS_LOSS, NORMAL))
    finally:
        sim.close()


def test_points_api_restarts_the_poller(t):
    """A modbus device and a mapped point made over the points API while the server runs are
    polled at once (point_api.c calls modbus_device_changed after its commits), and a changed
    register address is polled from the next poll on: no restart needed."""
    from test_monitor_points import Mon
    sim = Sim()
    try:
        sim.set('h', 0, 1200)  # 30 %LEL at scale 0.025: high1
        sim.set('h', 5, 2400)  # 60 %LEL: high2
        w = Mon(t)
        dev = w.device(host='127.0.0.1', port=sim.port, poll_ms=200)
        p = w.point(device_id=dev['id'], reg_kind='holding', reg_addr=0, reg_type='u16',
                    reg_scale=0.025)
        t.eq(wait_soe(w.s, p['id'], HIGH1)[0], (30.0, 'reading'))
        r = w.officer.patch(f'/api/v1/monitor/points/{p["id"]}', {'reg_addr': 5})
        t.status(r, 200, 'new register address')
        t.eq(wait_soe(w.s, p['id'], HIGH2)[0], (60.0, 'reading'))
        r = w.officer.patch(f'/api/v1/monitor/devices/{dev["id"]}', {'active': False})
        t.status(r, 200, 'device off')
        n = w.s.sql('SELECT COUNT(*) FROM soe WHERE point_id = ?', (p['id'],))[0][0]
        sim.set('h', 5, 0)  # would return to normal if the device were still polled
        time.sleep(1.5)
        t.eq(w.s.sql('SELECT COUNT(*) FROM soe WHERE point_id = ?', (p['id'],))[0][0], n,
             'an inactive device is no longer polled')
    finally:
        sim.close()


def test_modbus_disabled(t):
    sim = Sim()
    try:
        sim.set('h', 0, 1200)
        s, ids = setup(t, sim, extra=['--set', 'modbus.enabled=false'])
        time.sleep(1.5)
        second = s.stderr().split('stopping on signal')[-1]  # the restart's lines
        t.true('listening on' in second and 'Modbus: polling' not in second, second)
        t.eq(s.sql('SELECT count(*) FROM soe WHERE point_id = ? AND cause = ?',
                   (ids['MB-1'], 'reading')), [(0,)])
    finally:
        sim.close()


run(globals())
