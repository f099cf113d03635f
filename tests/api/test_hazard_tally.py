#!/usr/bin/env python3
"""The hazard tally (migration 0011, docs/hazard.md "Statistics"): hazard_tally counts hazards
per (region, grid, level, state), kept in step by triggers, and the statistics by region,
grid, level and state and the summary's counts read it. Here it is held against a plain
COUNT over the table and against the same statistics computed from the table (a period
of finding, from=, makes the statistics count the rows themselves) after reports,
transitions, an enterprise moving region (trigger hazard_follow_enterprise rewrites its
hazards) and the demo load."""
import datetime

from test_hazard import World, PLAN, T2
from harness import run

PLAIN = '&from=2000-01-01'  # every hazard was found after it: same rows, counted row by row


def check(t, s, c, when):
    """The tally equals COUNT(*) per key; the tallied statistics equal the counted ones."""
    got = sorted(s.sql('SELECT region_code, grid_id, level, state, n FROM hazard_tally '
                       'WHERE n <> 0'))
    want = sorted(s.sql('SELECT region_code, COALESCE(grid_id, 0), level, state, COUNT(*) '
                        'FROM hazard GROUP BY 1, 2, 3, 4'))
    t.true(len(want) > 0, f'{when}: there are hazards')
    t.eq(got, want, f'{when}: hazard_tally = COUNT(*) per region, grid, level, state')
    # The closed hazards' sums, computed here from the rows: with a deadline, closed on or
    # before the deadline's day in UTC+8, and the sum of closed_ms - found_ms.
    sums = {}
    for region, grid, level, state, deadline, closed_ms, found_ms in s.sql(
            'SELECT region_code, COALESCE(grid_id, 0), level, state, deadline, closed_ms, '
            'found_ms FROM hazard'):
        k = sums.setdefault((region, grid, level, state), [0, 0, 0])
        if state != 'closed':
            continue
        k[2] += closed_ms - found_ms
        if deadline:
            k[0] += 1
            due = (datetime.date.fromisoformat(deadline) - datetime.date(1970, 1, 1)).days
            k[1] += 1 if (closed_ms + 8 * 3600 * 1000) // 86400000 <= due else 0
    got = {(r, g, lv, st): [a, b, c] for r, g, lv, st, a, b, c in s.sql(
        'SELECT region_code, grid_id, level, state, closed_dl, on_time, close_ms FROM '
        'hazard_tally WHERE n <> 0')}
    t.eq(got, sums, f'{when}: the closed hazards\' sums')
    total = s.sql('SELECT COUNT(*) FROM hazard')[0][0]
    for by in ('region', 'grid', 'level', 'state'):
        r = c.get(f'/api/v1/hazards/stats?by={by}')
        t.status(r, 200, f'{when}: by={by}')
        p = c.get(f'/api/v1/hazards/stats?by={by}{PLAIN}')
        t.status(p, 200, f'{when}: by={by} counted')
        t.eq(r.json['items'], p.json['items'], f'{when}: by={by} tallied = counted')
        t.eq(sum(i['total'] for i in r.json['items']), total, f'{when}: by={by} adds up')
    r = c.get('/api/v1/hazards/stats?by=region&region=320900')
    p = c.get(f'/api/v1/hazards/stats?by=region&region=320900{PLAIN}')
    t.eq(r.json['items'], p.json['items'], f'{when}: by=region in one city')
    r = c.get('/api/v1/hazards/stats/summary')
    t.status(r, 200)
    sql = {'total': 'SELECT COUNT(*) FROM hazard',
           'open': "SELECT COUNT(*) FROM hazard WHERE state NOT IN ('closed', 'dismissed')",
           'closed': "SELECT COUNT(*) FROM hazard WHERE state = 'closed'",
           'dismissed': "SELECT COUNT(*) FROM hazard WHERE state = 'dismissed'",
           'major_open': "SELECT COUNT(*) FROM hazard WHERE level = 'major' AND state NOT IN "
                         "('closed', 'dismissed')"}
    for k, q in sql.items():
        t.eq(r.json.get(k), s.sql(q)[0][0], f'{when}: summary {k} = COUNT(*)')
    p = c.get(f'/api/v1/hazards/stats?by=state{PLAIN}')
    t.eq(r.json.get('overdue'), sum(i['overdue'] for i in p.json['items']),
         f'{when}: summary overdue = counted')


def test_tally_after_reports_transitions_and_a_move(t):
    w = World(t)
    ids = []
    for i in range(6):
        major = {'level': 'major', 'criterion_id': 1} if i == 0 else {}
        r = w.report(w.patroller if i % 2 == 0 else w.patroller2,
                     enterprise_id=w.e1 if i % 2 == 0 else w.e2, description=f'隐患{i}',
                     **major)
        t.status(r, 201)
        ids.append(r.json['id'])
    check(t, w.s, w.a, 'after reports')
    # e1's hazards: ids[0], ids[2], ids[4] (grid G1, the manager's).
    w.act(w.inspector, ids[0], 'confirm', {'note': '现场核实'})  # major: an inspector
    w.act(w.officer, ids[0], 'plan', dict(PLAN, emergency='设置警戒区'))
    w.act(w.manager, ids[2], 'dismiss', {'reason': '不构成隐患'})
    w.act(w.manager, ids[4], 'confirm', {'note': '现场核实'})
    w.act(w.officer, ids[4], 'plan', PLAN)
    w.act(w.officer, ids[4], 'submit', {'photos': w.photo_rows(1), 'note': '已更换'})
    w.act(w.manager, ids[4], 'verify', {'note': '复核通过'})
    t.eq(w.s.sql('SELECT state FROM hazard WHERE id = ?', (ids[4],)), [('closed',)])
    check(t, w.s, w.a, 'after transitions')
    # The enterprise moves to another county and grid: its hazards follow (0008's trigger).
    r = w.a.patch(f'/api/v1/enterprises/{w.e1}', {'region_code': T2, 'grid_id': w.g2})
    t.status(r, 200)
    t.eq(w.s.sql('SELECT DISTINCT region_code FROM hazard WHERE enterprise_id = ?',
                 (w.e1,)), [(T2,)], 'the hazards followed')
    check(t, w.s, w.a, 'after the move')


def test_tally_after_the_demo_load(t):
    s = t.server(['--demo', '--set', 'hazard.scan_interval_s=0'])
    check(t, s, s.admin(), 'after the demo load')


if __name__ == '__main__':
    run(globals())
