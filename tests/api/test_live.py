#!/usr/bin/env python3
"""The live stream (issue 6 §6, docs/monitoring.md "Live (SSE)"): GET /api/v1/monitor/stream
answers text/event-stream with a retry hint, a ": ping" comment every monitor.sse_ping_s, and
only the enterprises of the caller's scope (404 for one outside it); an idle stream costs no
CPU (parked with suspend/resume, not polled); monitor.sse_max_clients caps the streams (503);
a stopping server ends every open stream and still exits 0; alarms the runtime publishes reach
only the streams whose scope holds their enterprise (and the KPIs count them)."""
import json
import os
import time

from harness import Stream, run, uscc

R1, R2 = '320902', '320903'            # 亭湖区, 盐都区 (盐城市)
T1, T2 = '320902001', '320903002'


def world(t, *extra):
    s = t.server(list(extra))
    a = s.admin()
    g1 = a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格', 'region_code': T1}).json['id']
    g2 = a.post('/api/v1/grids', {'code': 'G2', 'name': '张庄一网格', 'region_code': T2}).json['id']
    u1, u2 = uscc(R1, 'MA200001'), uscc(R2, 'MA200002')
    e1 = a.post('/api/v1/enterprises', {'uscc': u1, 'name': '亭湖化工', 'industry_code': '2614',
                                        'region_code': T1, 'grid_id': g1})
    e2 = a.post('/api/v1/enterprises', {'uscc': u2, 'name': '盐都化工', 'industry_code': '2614',
                                        'region_code': T2, 'grid_id': g2})
    t.status(e1, 201, 'enterprise 1')
    t.status(e2, 201, 'enterprise 2')
    return s, a, e1.json['id'], e2.json['id'], u1, u2, g1, g2


def cpu_s(pid):
    """User + system CPU seconds of a process (/proc/PID/stat fields 14 and 15)."""
    with open(f'/proc/{pid}/stat') as fh:
        f = fh.read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')


def test_stream_answers_event_stream_with_retry_and_ping(t):
    s = t.server(['--set', 'monitor.sse_ping_s=1'])
    a = s.admin()
    st = Stream(a, '/api/v1/monitor/stream')
    try:
        t.eq(st.status, 200, 'status')
        t.true(st.header('content-type').startswith('text/event-stream'), st.headers)
        t.eq(st.header('cache-control'), 'no-store', 'cache-control')
        t.true(st.read_until(lambda x: x.startswith('retry: 3000\n\n')), repr(st.text))
        t.true(st.read_until(lambda x: ': ping\n\n' in x, 4), f'no ping within 4 s: {st.text!r}')
    finally:
        st.close()


def test_idle_streams_cost_no_cpu(t):
    """Parked streams are not polled: 4 idle streams for 2 s take well under 0.3 s of CPU
    (a content reader returning 0 without suspension would spin a core: ~2 s)."""
    s = t.server()
    a = s.admin()
    streams = [Stream(a, '/api/v1/monitor/stream') for _ in range(4)]
    try:
        for st in streams:
            t.eq(st.status, 200)
            st.read_until(lambda x: 'retry:' in x)
        time.sleep(0.3)
        before = cpu_s(s.proc.pid)
        time.sleep(2)
        used = cpu_s(s.proc.pid) - before
        t.true(used < 0.3, f'{used:.2f} s of CPU in 2 s with idle streams')
    finally:
        for st in streams:
            st.close()


def test_stream_scope_and_bad_query(t):
    s, a, e1, e2, u1, u2, g1, g2 = world(t)
    officer = s.user('officer1', 'enterprise_officer', 'enterprise:' + u1)
    inspector2 = s.user('inspector2', 'inspector', 'region:' + R2)
    patroller = s.user('patroller1', 'grid_patroller', f'grids:{g1}')
    for c, eid in ((officer, e1), (inspector2, e2), (patroller, e1), (a, e1), (a, e2)):
        st = Stream(c, f'/api/v1/monitor/stream?enterprise_id={eid}')
        t.eq(st.status, 200, f'in scope {eid}')
        st.close()
    for c, eid in ((officer, e2), (inspector2, e1), (patroller, e2), (a, 999999)):
        t.problem(c.get(f'/api/v1/monitor/stream?enterprise_id={eid}'), 404)
    for q in ('enterprise_id=0', 'enterprise_id=abc', 'enterprise_id=-3', 'enterprise_id=1.5'):
        t.problem(a.get('/api/v1/monitor/stream?' + q), 400, 'enterprise_id')
    t.problem(a.get('/api/v1/monitor/stream?region=320902'), 400, 'region')
    t.problem(s.anon().get('/api/v1/monitor/stream'), 401)


def test_stream_cap_answers_503_and_frees_places(t):
    s = t.server(['--set', 'monitor.sse_max_clients=2', '--set', 'monitor.sse_ping_s=1'])
    a = s.admin()
    s1 = Stream(a, '/api/v1/monitor/stream')
    s2 = Stream(a, '/api/v1/monitor/stream')
    try:
        t.eq((s1.status, s2.status), (200, 200))
        r = a.get('/api/v1/monitor/stream')
        t.problem(r, 503)
        t.true(r.header('retry-after'), 'Retry-After')
        s2.close()
        # The closed stream is noticed at its next ping at the latest (1 s here).
        deadline, got = time.time() + 6, None
        while time.time() < deadline:
            s3 = Stream(a, '/api/v1/monitor/stream')
            got = s3.status
            s3.close()
            if got == 200:
                break
            time.sleep(0.3)
        t.eq(got, 200, 'a place is free again after a client left')
    finally:
        s1.close()


def test_stop_ends_open_streams_and_exits_0(t):
    s = t.server()
    a = s.admin()
    streams = [Stream(a, '/api/v1/monitor/stream') for _ in range(3)]
    for st in streams:
        st.read_until(lambda x: 'retry:' in x)
    t0 = time.time()
    rc = s.stop()
    t.eq(rc, 0, 'exit status')
    t.true(time.time() - t0 < 10, 'stopped within 10 s')
    for st in streams:
        st.read_until(lambda x: False, 2)
        t.true(st.ended, 'the stream ended with the server')
        st.close()


def add_point(s, e, tag, timeout_ms):
    now = int(time.time() * 1000)
    # GB/T 50493-2019 defaults of a combustible gas detector: 25 / 50 %LEL
    return s.sql("INSERT INTO monitor_point (enterprise_id, tag, name, kind, unit, range_lo, "
                 "range_hi, high1, high2, comms_timeout_ms, created_ms, updated_ms) VALUES "
                 "(?, ?, ?, 'combustible', '%LEL', 0, 100, 25, 50, ?, ?, ?) RETURNING id",
                 (e, tag, '可燃气体' + tag, timeout_ms, now, now))[0][0]


def test_runtime_alarms_reach_only_streams_in_scope(t):
    """End to end through the real runtime: points of enterprises A (亭湖区) and B (盐都区)
    that hear nothing go into communication loss (the runtime's tick, comms_timeout_ms after
    it opened), and the runtime publishes each transition. A's officer receives A's alarms and
    never B's; B's officer and an inspector of B's county receive B's and never A's; the
    administrator (scope all) receives both. The KPIs then count the same annunciations."""
    s, a, e1, e2, u1, u2, g1, g2 = world(t)
    pa = [add_point(s, e1, f'A-{i}', 3000) for i in range(2)]
    pb = [add_point(s, e2, 'B-0', 3000)]
    officer_a = s.user('officer.a', 'enterprise_officer', 'enterprise:' + u1)
    officer_b = s.user('officer.b', 'enterprise_officer', 'enterprise:' + u2)
    inspector_b = s.user('inspector.b', 'inspector', 'region:' + R2)
    patroller_a = s.user('patroller.a', 'grid_patroller', f'grids:{g1}')
    # The runtime loads its points when it opens: restart (sessions are kept in the database).
    s.stop()
    s.start()
    who = {'officer_a': (officer_a, {e1}), 'officer_b': (officer_b, {e2}),
           'inspector_b': (inspector_b, {e2}), 'patroller_a': (patroller_a, {e1}),
           'admin': (a, {e1, e2})}
    streams = {k: Stream(c, '/api/v1/monitor/stream') for k, (c, _) in who.items()}
    only_a = Stream(a, f'/api/v1/monitor/stream?enterprise_id={e1}')
    try:
        want_points = {'officer_a': set(pa), 'officer_b': set(pb), 'inspector_b': set(pb),
                       'patroller_a': set(pa), 'admin': set(pa + pb)}

        def alarms(st):
            return [json.loads(d) for n, d in st.events() if n == 'alarm']

        for k, st in streams.items():
            t.eq(st.status, 200, k)
            ok = st.read_until(lambda x, st=st, k=k: {e['point_id'] for e in alarms(st)}
                               >= want_points[k], 15)
            t.true(ok, f'{k}: alarms of {want_points[k]} not all received: {st.text[:600]!r}')
        only_a.read_until(lambda x: {e['point_id'] for e in alarms(only_a)} >= set(pa), 5)
        time.sleep(0.5)  # anything misrouted would have arrived with the rest
        for k, st in streams.items():
            st.read_until(lambda x: False, 0.2)
            got = alarms(st)
            t.true(got, f'{k}: no alarm')
            ents = {e['enterprise_id'] for e in got}
            t.true(ents <= who[k][1], f'{k} received enterprises {ents}, may see {who[k][1]}')
            t.true({e['point_id'] for e in got} <= want_points[k], f'{k}: {got}')
            for e in got:
                t.eq((e['to_cond'], e['cause']), ('comms_loss', 'tick'), k)
        t.eq({e['enterprise_id'] for e in alarms(only_a)}, {e1}, '?enterprise_id= narrows')
        # The same transitions are in the SOE, and the KPIs count them as annunciations.
        n1 = len([e for e in alarms(streams['officer_a']) if e['to_state'] == 'unack'])
        r = officer_a.get('/api/v1/monitor/kpi')
        t.status(r, 200)
        t.eq(r.json['alarms'], n1, 'KPI alarms of A = annunciations A received')
        t.eq(sorted(p['point_id'] for p in r.json['top']), sorted(pa))
    finally:
        for st in list(streams.values()) + [only_a]:
            st.close()


run(globals())
