#!/usr/bin/env python3
"""POST /api/v1/readings (issue 6 §3 b, docs/ingestion.md "HTTP"): the batch object and NDJSON
stored and evaluated by the runtime (alarm transitions in the SOE), an API token of a machine
account, unknown tags counted, every malformed body refused with 400 naming the field and line
and nothing stored (no arrival seq consumed), 413 over monitor.ingest_max_body, 415 for another
type, and the scope: another enterprise's credit code 404 for an officer and for a machine
token, a role without readings.ingest 403, an unknown credit code 404."""
import json

from harness import Client, run
from test_hazard import World

# Enum orders of src/monitor/alarm.h (docs/monitoring.md).
STATE = ['normal', 'unack', 'acked', 'rtn_unack', 'shelved', 'suppressed', 'out_of_service']
COND = ['normal', 'high1', 'high2', 'low1', 'low2', 'fault', 'comms_loss']
T0 = 1764460800000


class Ingest(World):
    """World (two enterprises, one user per role) plus monitoring points inserted in the
    database (the points API is another module's) and the server restarted to load them."""

    def __init__(self, t, extra=()):
        super().__init__(t, extra=list(extra))
        s, a = self.s, self.a
        r = a.post('/api/v1/users', {'login': 'gw.e1', 'role': 'enterprise_officer',
                                     'scope': f'enterprise:{self.u1}', 'machine': True})
        t.status(r, 201)
        tok = a.post('/api/v1/tokens', {'user_id': r.json['id'], 'name': 'DCS gateway'})
        t.status(tok, 201)
        self.token = tok.json['token']
        self.points = {}
        for eid, tag, hi1, hi2 in ((self.e1, 'GT-101', 25.0, 50.0), (self.e1, 'GT-102', 25.0, 50.0),
                                   (self.e2, 'GT-101', 25.0, 50.0)):
            s.sql("INSERT INTO monitor_point (enterprise_id, tag, name, kind, gas, unit, "
                  "range_lo, range_hi, high1, high2, setpoint_source, created_ms, updated_ms) "
                  "VALUES (?, ?, ?, 'combustible', 'methane', '%LEL', 0, 100, ?, ?, 'manual', "
                  "?, ?)", (eid, tag, '可燃气体探测器 ' + tag, hi1, hi2, T0, T0))
            self.points[(eid, tag)] = s.sql('SELECT id FROM monitor_point WHERE enterprise_id = ? '
                                            'AND tag = ?', (eid, tag))[0][0]
        s.stop()
        s.start()
        self.a = s.admin()
        self.machine = Client(s, token=self.token)

    def post(self, c, body, enterprise=None, ctype='application/json'):
        q = f'?enterprise={enterprise if enterprise is not None else self.u1}'
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if isinstance(raw, str):
            raw = raw.encode()
        return c.request('POST', '/api/v1/readings' + q, raw=raw, content_type=ctype)

    def soe(self, point):
        return self.s.sql('SELECT seq, sub, from_state, to_state, from_cond, to_cond, value, '
                          'source_ms, cause FROM soe WHERE point_id = ? ORDER BY source_ms, seq, '
                          'sub', (point,))


def test_batch_stored_and_evaluated(t):
    """A batch from a machine account's API token: 200 once stored and evaluated, the
    first-level alarm (high1 = 25 %LEL) in the SOE at its boundary value."""
    w = Ingest(t)
    p = w.points[(w.e1, 'GT-101')]
    r = w.post(w.machine, {'readings': [{'tag': 'GT-101', 'ts': T0 + 1000, 'v': 24.9},
                                        {'tag': 'GT-101', 'ts': T0 + 2000, 'v': 25.0, 'q': 0},
                                        {'tag': 'GT-102', 'ts': T0 + 2000, 'v': None}]})
    t.status(r, 200)
    t.eq(sorted(r.json), ['accepted', 'future', 'late', 'seq_first', 'transitions', 'unknown'])
    t.eq((r.json['accepted'], r.json['late'], r.json['unknown'], r.json['future']), (3, 0, 0, 0))
    t.true(isinstance(r.json['seq_first'], int), r.json)
    rows = w.soe(p)
    t.true(len(rows) >= 1, 'no SOE row for the high1 alarm')
    first = rows[0]
    t.eq((STATE[first[3]], COND[first[5]], first[6], first[7], first[8]),
         ('unack', 'high1', 25.0, T0 + 2000, 'reading'))
    t.eq(first[0], r.json['seq_first'] + 1, 'the SOE row carries the reading\'s arrival seq')
    t.true(r.json['transitions'] >= 1, r.json)


def test_ndjson(t):
    """NDJSON, one reading per line, CRLF and blank lines allowed; ts absent = arrival time."""
    w = Ingest(t)
    body = ('{"tag":"GT-101","ts":%d,"v":60}\r\n\n{"tag":"GT-102","v":1.5}\n' % (T0 + 5000))
    r = w.post(w.officer, body, ctype='application/x-ndjson')
    t.status(r, 200)
    t.eq(r.json['accepted'], 2)
    rows = w.soe(w.points[(w.e1, 'GT-101')])
    t.true(any(COND[x[5]] == 'high2' for x in rows), rows)


def test_unknown_tags_counted_not_fatal(t):
    w = Ingest(t)
    r = w.post(w.machine, {'readings': [{'tag': 'NO-SUCH', 'v': 1}, {'tag': 'GT-101', 'v': 1},
                                        {'tag': 'gt-101', 'v': 1}]})
    t.status(r, 200)
    t.eq((r.json['accepted'], r.json['unknown']), (1, 2))
    r = w.post(w.machine, {'readings': [{'tag': 'NO-SUCH', 'v': 1}]})
    t.status(r, 200)
    t.eq((r.json['accepted'], r.json['unknown'], r.json['seq_first']), (0, 1, None))
    r = w.post(w.machine, {'readings': []})
    t.status(r, 200)
    t.eq((r.json['accepted'], r.json['seq_first']), (0, None))


def test_malformed_is_400_naming_the_field_and_nothing_is_stored(t):
    w = Ingest(t)
    r = w.post(w.machine, {'readings': [{'tag': 'GT-101', 'v': 1}]})
    t.status(r, 200)
    seq = r.json['seq_first']
    cases = [
        (b'{"readings":[{"tag":"GT-101","v":1},{"tag":"GT-101","v":01}]}', 'application/json',
         'readings[1].v'),
        (b'{"readings":[{"tag":"GT-101","v":1},{"tag":"GT-101"}]}', 'application/json',
         'readings[1].v'),
        (b'{"readings":[{"tag":"GT-101","v":1}]} x', 'application/json', 'body'),
        (b'{"readings":[{"tag":"\\ud800","v":1}]}', 'application/json', 'readings[0].tag'),
        (b'{"readings":[{"tag":"GT-101","v":1,"q":3}]}', 'application/json', 'readings[0].q'),
        (b'{"readings":[{"tag":"GT-101","v":1,"ts":-5}]}', 'application/json', 'readings[0].ts'),
        (b'{"tag":"GT-101","v":1}\n{"tag":"GT-101","v":"1"}\n', 'application/x-ndjson',
         'line 2.v'),
        (b'{"tag":"GT-101","v":1}\n[]\n', 'application/x-ndjson', 'line 2'),
        (b'{"readings":[{"tag":"GT\xff","v":1}]}', 'application/json', 'readings[0].tag'),
        (b'', 'application/json', 'body'),
    ]
    for body, ctype, field in cases:
        r = w.post(w.machine, body, ctype=ctype)
        t.problem(r, 400, field)
        reason = [e['reason'] for e in r.json['errors'] if e['field'] == field][0]
        t.true('(line ' in reason and 'byte ' in reason, reason)
    # Nothing of them was stored: the next batch takes the very next arrival seq.
    r = w.post(w.machine, {'readings': [{'tag': 'GT-101', 'v': 2}]})
    t.status(r, 200)
    t.eq(r.json['seq_first'], seq + 1, 'a refused body consumed arrival seqs')


def test_limits_and_types(t):
    w = Ingest(t, extra=['--set', 'monitor.ingest_max_body=2048'])
    small = {'readings': [{'tag': 'GT-101', 'v': 1}]}
    big = {'readings': [{'tag': 'GT-101', 'v': i} for i in range(200)]}
    t.status(w.post(w.machine, small), 200)
    t.problem(w.post(w.machine, big), 413, 'body')
    t.problem(w.post(w.machine, json.dumps(small), ctype='text/plain'), 415)
    r = w.machine.request('POST', f'/api/v1/readings?enterprise={w.u1}&x=1',
                          raw=json.dumps(small).encode(), content_type='application/json')
    t.problem(r, 400, 'x')


def test_scope_and_permission(t):
    w = Ingest(t)
    body = {'readings': [{'tag': 'GT-101', 'v': 1}]}
    # Own enterprise, with or without ?enterprise for an enterprise-scope caller.
    t.status(w.post(w.officer, body), 200)
    r = w.machine.request('POST', '/api/v1/readings', raw=json.dumps(body).encode(),
                          content_type='application/json')
    t.status(r, 200)
    t.eq(r.json['accepted'], 1)
    # Another enterprise's credit code: 404 for its officer's peer and for the token.
    t.problem(w.post(w.officer2, body, enterprise=w.u1), 404)
    t.problem(w.post(w.machine, body, enterprise=w.u2), 404)
    # An unknown credit code: 404 too (the same answer, nothing told).
    t.problem(w.post(w.machine, body, enterprise='91320902MA0000000X'), 404)
    # Roles without readings.ingest: 403.
    for c in (w.inspector, w.inspector_all, w.patroller, w.leader):
        t.problem(w.post(c, body), 403)
    # The other enterprise's own points take its own readings (same tag, another point).
    r = w.post(w.officer2, {'readings': [{'tag': 'GT-101', 'ts': T0 + 9000, 'v': 99}]},
               enterprise=w.u2)
    t.status(r, 200)
    t.true(any(COND[x[5]] == 'high2' for x in w.soe(w.points[(w.e2, 'GT-101')])),
           'E2 GT-101 got no alarm')
    t.eq([x for x in w.soe(w.points[(w.e1, 'GT-101')]) if x[7] == T0 + 9000], [],
         'E2\'s reading reached E1\'s point of the same tag')


if __name__ == '__main__':
    run(globals())
