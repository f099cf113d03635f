#!/usr/bin/env python3
"""Defects found by attacking the monitoring backend (issue 6, branch mon-break), one test each,
over HTTP against the real binary. Each names the defect it pins down."""
import json
import time

from test_monitor_points import Mon
from harness import run, Client, Stream


def ingest(w, c, uscc, readings):
    r = c.request('POST', f'/api/v1/readings?enterprise={uscc}',
                  raw=json.dumps({'readings': readings}).encode())
    w.t.status(r, 200, 'ingest')
    return r.json


def test_deleted_point_readings_do_not_pass_to_a_new_point(t):
    """Defect: a point whose readings were all normal (no SOE row, no set point change) could
    be deleted while its readings stayed in the store under its id; SQLite gives the next
    point the same id, so another enterprise's new point showed the deleted point's readings
    in its trend. Readings are history: such a point answers 409 (deactivate it instead)."""
    w = Mon(t)
    p = w.point(tag='GT-GONE')
    base = int(time.time() * 1000) - 60000
    got = ingest(w, w.officer, w.u1,
                 [{'tag': 'GT-GONE', 'ts': base + i * 1000, 'v': 5.0 + i} for i in range(10)])
    t.eq((got['accepted'], got['transitions']), (10, 0), 'stored, no alarm: no SOE row')
    r = w.officer.delete(f'/api/v1/monitor/points/{p["id"]}')
    t.problem(r, 409)
    t.true('reading' in r.json['detail'], r.json['detail'])
    q = w.point(c=w.officer2, tag='B-1')
    t.true(q['id'] != p['id'], 'a new point never takes the id of one with readings')
    r = w.officer2.get(f'/api/v1/monitor/points/{q["id"]}/trend?from_ms={base - 1000}'
                       f'&to_ms={base + 20000}')
    t.status(r, 200)
    t.eq(r.json['points'], [], "another enterprise's new point shows none of them")
    # Deactivated instead, it keeps its readings; a point that never had any still goes.
    t.status(w.officer.patch(f'/api/v1/monitor/points/{p["id"]}', {'active': False}), 200)
    r = w.officer.get(f'/api/v1/monitor/points/{p["id"]}/trend?from_ms={base - 1000}'
                      f'&to_ms={base + 20000}')
    t.eq(len(r.json['points']), 10)
    fresh = w.point(tag='GT-NEW')
    t.status(w.officer.delete(f'/api/v1/monitor/points/{fresh["id"]}'), 204)
    # After a restart the readings are flushed to the tables, still refused.
    w.s.stop()
    w.s.start()
    t.problem(w.officer.delete(f'/api/v1/monitor/points/{p["id"]}'), 409)



def wait_soe(t, c, point_id, n, timeout=10.0):
    """The point's SOE rows (ascending) once there are at least n, or what there is at the end."""
    end = time.time() + timeout
    while True:
        r = c.get(f'/api/v1/monitor/soe?point_id={point_id}&order=asc')
        t.status(r, 200)
        if len(r.json['items']) >= n or time.time() > end:
            return r.json['items']
        time.sleep(0.2)


def test_reactivated_point_keeps_its_soe_rows(t):
    """Defect: a point deactivated and activated again came back into the runtime's cache with
    its SOE key counter (seq, sub) at zero, so its next tick or action transition took the key
    of an earlier row; the SOE insert (ON CONFLICT DO NOTHING) then dropped it silently: a
    communication loss annunciated live and on the console with no SOE row, and an
    acknowledgement answered with the soe_id of nothing. Every transition must be recorded."""
    w = Mon(t)
    o = w.officer
    p = w.point(tag='GT-CL', comms_timeout_ms=1000, reason='通信中断报警 1 s（测试）')
    rows = wait_soe(t, o, p['id'], 1)
    t.eq([(x['cause'], x['to_state'], x['to_cond']) for x in rows],
         [('tick', 'unack', 'comms_loss')], 'a point that never reports is lost')
    t.status(o.patch(f'/api/v1/monitor/points/{p["id"]}', {'active': False}), 200)
    t.status(o.patch(f'/api/v1/monitor/points/{p["id"]}', {'active': True}), 200)
    rows = wait_soe(t, o, p['id'], 2)
    t.eq([(x['cause'], x['to_state'], x['to_cond']) for x in rows],
         [('tick', 'unack', 'comms_loss')] * 2, 'the second loss is recorded too')
    r = o.post(f'/api/v1/monitor/points/{p["id"]}/actions/acknowledge', {})
    t.status(r, 200)
    rows = wait_soe(t, o, p['id'], 3, timeout=1.0)
    t.eq(rows[-1]['id'], r.json['soe_id'], 'the answered soe_id is the acknowledgement')
    t.eq((rows[-1]['cause'], rows[-1]['action'], rows[-1]['to_state']),
         ('action', 'acknowledge', 'acked'))
    keys = [(x['seq'], x['sub']) for x in rows]
    t.eq(len(set(keys)), len(keys), f'distinct SOE keys {keys}')



def test_installation_chemical_and_seq_must_agree(t):
    """Defect: an item naming a Table 1 chemical and a seq of another row was stored as the
    seq's row without a word: 1 t of 氯 (chlorine, GB 18218-2018 Table 1 row 12, Q 5 t) with
    seq 39 (硝化纤维素, Q 10 t) gave S = 0.1 instead of 0.2 and an unknown R. seq only picks
    among the rows the name matches (硝化纤维素's CAS 9004-70-0: rows 37-42); one outside them
    is 422 naming items[i].seq."""
    w = Mon(t)
    body = {'name': '液氯库', 'unit_kind': 'storage', 'people_500m': 10,
            'items': [{'chemical': '氯', 'seq': 39, 'quantity_t': 1}]}
    r = w.officer.post('/api/v1/mhi/installations', body)
    t.problem(r, 422, 'items[0].seq')
    reason = next(e['reason'] for e in r.json['errors'] if e['field'] == 'items[0].seq')
    t.true('row 12 ' in reason and 'row 39' in reason, reason)
    t.eq(w.s.sql('SELECT COUNT(*) FROM mhi_installation')[0][0], 0, 'nothing stored')
    body['items'] = [{'chemical': '氯', 'seq': 12, 'quantity_t': 1}]
    r = w.officer.post('/api/v1/mhi/installations', body)
    t.status(r, 201)
    t.eq((r.json['s'], r.json['lines'][0]['seq']), (0.2, 12), 'chlorine: 1 t / Q 5 t')
    # The seq that picks one of an ambiguous key's rows is still taken.
    body.update(name='硝化棉库', items=[{'chemical': '9004-70-0', 'seq': 39, 'quantity_t': 5}])
    r = w.officer.post('/api/v1/mhi/installations', body)
    t.status(r, 201)
    t.eq((r.json['lines'][0]['seq'], r.json['lines'][0]['threshold_t']), (39, 10))



def test_stream_ends_when_its_session_ends(t):
    """Defect: GET /api/v1/monitor/stream checked the session once, when it opened; after
    logout (or the account locked, its role or scope changed, an API token revoked) the open
    stream went on pushing the enterprise's alarms and values for ever (the ping keeps it
    open). The stream now ends at its next read once its session is no longer what it was."""
    w = Mon(t)
    w.point()
    victim, _ = w.s.login('eoff1', 'Test-Pass-2026')
    st = Stream(victim, '/api/v1/monitor/stream')
    t.eq(st.status, 200)
    t.status(victim.delete('/api/v1/session'), 204)
    time.sleep(1.2)
    ingest(w, w.officer, w.u1, [{'tag': 'GT-101', 'ts': int(time.time() * 1000), 'v': 70}])
    st.read_until(lambda x: 'event: alarm' in x, 3)
    t.true('event: alarm' not in st.text, f'logged out, still streaming: {st.text[:300]!r}')
    st.close()
    # The same for an account locked by the administrator while its stream is open.
    c, _ = w.s.login('eoff1', 'Test-Pass-2026')
    st = Stream(c, '/api/v1/monitor/stream')
    t.eq(st.status, 200)
    uid = w.s.sql("SELECT id FROM app_user WHERE login = 'eoff1'")[0][0]
    t.status(w.a.patch(f'/api/v1/users/{uid}', {'locked': True}), 200)
    time.sleep(1.2)
    machine = w.a.post('/api/v1/users', {'login': 'gw.e1', 'role': 'enterprise_officer',
                                         'scope': f'enterprise:{w.u1}', 'machine': True})
    tok = w.a.post('/api/v1/tokens', {'user_id': machine.json['id'], 'name': 'gw'}).json
    ingest(w, Client(w.s, token=tok['token']), w.u1,
           [{'tag': 'GT-101', 'ts': int(time.time() * 1000), 'v': 5}])
    st.read_until(lambda x: 'event: alarm' in x, 3)
    t.true('event: alarm' not in st.text, f'locked, still streaming: {st.text[:300]!r}')
    st.close()


run(globals())
