#!/usr/bin/env python3
"""Fills a demo database with enterprises and hidden hazards for the issue-4 benchmark.

    bench/hazard_gen.py DB [HAZARDS] [ENTERPRISES] [TODAY]

DB is a database made by `anjian demo load --db DB` (migrated: the demo city's 457 grids over
its 9 counties, its accounts, 2 004 enterprises and its few hundred hazards). This adds
enterprises until there are ENTERPRISES (20 000), spread over the demo grids (each in its
grid's town), and hazards until there are HAZARDS (1 000 000), with the Python standard
library's sqlite3, in one transaction, the hazard indexes dropped during the load and made
again from their own SQL (sqlite_master) afterwards. TODAY (YYYY-MM-DD, default today in
UTC+8) is the day deadlines are set against.

Distributions (seeded: the same arguments give the same rows):
- hazards over 3 years up to yesterday, ids in report order; per enterprise skewed (a
  Pareto-like weight: a few enterprises have hundreds, most a few dozen);
- state by age: the last week mostly open (reported, confirmed, rectifying), 8-60 days half
  closed, older 92 % closed, 4 % dismissed, 3 % still rectifying (so long overdue) and 1 %
  submitted;
- level 3 % major (with criterion_text; the criteria table is not needed);
- source: self-check 45 %, grid patrol 30 %, enforcement 15 %, tip-off 5 %, leader 5 %;
- deadline (rectifying, submitted, closed): 7-60 days after the report, so open hazards fall in
  every deadline state; rectifying ones 8 % with an extension pending;
- numbers YH-<the enterprise's division>-<year>-<seq> in report order (as the API numbers),
  hazard_seq updated.
No timeline rows (hazard_event) are made: the list, the statistics and the scan do not read
them. Prints what it made and how long it took.
"""
import datetime
import random
import sqlite3
import sys
import time

CS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
CST = datetime.timezone(datetime.timedelta(hours=8))
DAY_MS = 86400000


def uscc(region, body8):
    """A valid GB 32100 code (as bench/run.sh step 7 makes them)."""
    s = sum((int(c) if c.isdigit() else ord(c) - 55) * w
            for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2)))
    c9 = 11 - s % 11
    first17 = '91' + region + body8 + ('X' if c9 == 10 else '0' if c9 == 11 else str(c9))
    return first17 + CS[(31 - sum(CS.index(c) * pow(3, i, 31)
                                  for i, c in enumerate(first17)) % 31) % 31]


def pick_table(pairs):
    """A 100-slot table for random.choice from (value, percent) pairs."""
    out = []
    for v, pct in pairs:
        out += [v] * pct
    assert len(out) == 100, pairs
    return out


STATE_NEW = pick_table([('reported', 30), ('confirmed', 15), ('rectifying', 40),
                        ('dismissed', 5), ('submitted', 5), ('closed', 5)])
STATE_RECENT = pick_table([('reported', 2), ('confirmed', 3), ('rectifying', 30),
                           ('dismissed', 5), ('submitted', 10), ('closed', 50)])
STATE_OLD = pick_table([('rectifying', 3), ('dismissed', 4), ('submitted', 1), ('closed', 92)])
SOURCE = pick_table([('self_check', 45), ('grid_patrol', 30), ('enforcement', 15),
                     ('tipoff', 5), ('leader_inspection', 5)])
FINDINGS = [('site', '电气安全', '配电箱未设置漏电保护装置'),
            ('site', '消防安全', '消防通道被原料堆放堵塞'),
            ('site', '设备设施', '砂轮机防护罩缺失'),
            ('site', '危险化学品', '可燃气体报警器未按期检测标定'),
            ('site', '作业行为', '登高作业人员未系安全带'),
            ('management', '教育培训', '新入职员工三级安全教育记录缺失'),
            ('management', '应急管理', '未按规定开展年度应急演练'),
            ('management', '隐患排查', '隐患排查治理台账未建立')]
CLASSES = ['2614', '2619', '2631', '2641', '1711', '1311', '3311', '3484', '3670', '4790',
           '5265', '5431', '2927', '3130', '2672', '1019']


def main():
    db = sys.argv[1]
    want_h = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    want_e = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    today = (datetime.date.fromisoformat(sys.argv[4]) if len(sys.argv) > 4 else
             datetime.datetime.now(CST).date())
    rnd = random.Random(20260400004)
    t0 = time.monotonic()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute('PRAGMA synchronous = OFF')
    con.execute('BEGIN')
    grids = con.execute('SELECT id, region_code FROM grid ORDER BY id').fetchall()
    if not grids:
        sys.exit('hazard_gen: no grids: make the database with `anjian demo load` first')
    now_ms = int(time.time() * 1000)
    have_e = con.execute('SELECT COUNT(*) FROM enterprise').fetchone()[0]
    rows, fts = [], []
    for i in range(max(0, want_e - have_e)):
        gid, town = grids[rnd.randrange(len(grids))]
        code = uscc(town[:6], f'B{i:07d}')
        name = f'盐城市基准测试第{i}号企业有限公司（演示数据）'
        rows.append((code, name, CLASSES[i % len(CLASSES)], town, gid, now_ms, now_ms))
        fts.append((name, '[]', code))
    con.executemany('INSERT INTO enterprise (uscc, name, industry_code, region_code, grid_id, '
                    'created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)', rows)
    # The search index is kept by the code that writes enterprises (enterprise_db.c): here.
    con.executemany('INSERT INTO enterprise_fts (rowid, name, former_names, uscc) '
                    'SELECT id, ?, ?, uscc FROM enterprise WHERE uscc = ?', fts)
    t_ent = time.monotonic() - t0
    ents = con.execute('SELECT id, region_code, grid_id, industry_code FROM enterprise '
                       'ORDER BY id').fetchall()
    # Skewed weights: cumulative Pareto-like draws over the enterprises.
    weights = [rnd.paretovariate(1.5) for _ in ents]
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    have_h = con.execute('SELECT COUNT(*) FROM hazard').fetchone()[0]
    n = max(0, want_h - have_h)
    # The hazard indexes are dropped for the load and made again from their own SQL.
    idx = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                      "tbl_name = 'hazard' AND sql IS NOT NULL").fetchall()
    for name, _ in idx:
        con.execute(f'DROP INDEX {name}')
    seq = {}
    for region, year, last in con.execute('SELECT region_code, year, last FROM hazard_seq'):
        seq[(region, year)] = last
    today_ms = int(datetime.datetime(today.year, today.month, today.day,
                                     tzinfo=CST).timestamp() * 1000)
    start = today_ms - 3 * 365 * DAY_MS
    step = (today_ms - DAY_MS - start) / max(n, 1)
    day0 = today.toordinal()
    bisect = __import__('bisect').bisect_left
    random_ = rnd.random
    total = cum[-1] if cum else 0
    sql = ('INSERT INTO hazard (number, enterprise_id, region_code, grid_id, industry_code, '
           'source, found_ms, location, category, subcategory, level, criterion_text, '
           'description, state, measures, responsible, funds_yuan, emergency, deadline, '
           'extension_pending, pending_deadline, extension_requests, send_backs, closed_ms, '
           'created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '
           '?, ?, ?, ?, ?, ?, ?, ?, ?)')
    dates = {}

    def date_of(ordinal):
        d = dates.get(ordinal)
        if d is None:
            d = dates[ordinal] = datetime.date.fromordinal(ordinal).isoformat()
        return d

    batch = []
    for i in range(n):
        created = int(start + i * step + random_() * step)
        eid, region, grid, cls = ents[min(bisect(cum, random_() * total), len(ents) - 1)]
        age = (today_ms - created) // DAY_MS
        r = int(random_() * 100)
        state = (STATE_NEW if age < 8 else STATE_RECENT if age <= 60 else STATE_OLD)[r]
        major = random_() < 0.03
        cat, sub, desc = FINDINGS[int(random_() * len(FINDINGS))]
        cday = day0 - age
        year = int(date_of(cday)[:4])
        k = (region, year)
        seq[k] = seq.get(k, 0) + 1
        number = f'YH-{region}-{year}-{seq[k]:06d}'
        measures = responsible = emergency = deadline = pending = closed = None
        funds = None
        ext_pending = ext_req = send_backs = 0
        updated = created
        if state in ('rectifying', 'submitted', 'closed'):
            deadline_day = cday + 7 + int(random_() * 54)
            deadline = date_of(deadline_day)
            measures, responsible, funds = '按规范整改（基准测试数据）', '安全负责人', 5000
            if major:
                emergency, funds = '设置警戒区域，专人监护', 200000
            if state == 'rectifying' and deadline_day >= day0 and random_() < 0.08:
                ext_pending, ext_req, pending = 1, 1, date_of(deadline_day + 20)
            if state == 'closed':
                closed = created + int((min(deadline_day, day0 - 1) - cday) * DAY_MS * random_())
                closed = max(closed, created + 3600000)
                updated = closed
                send_backs = 1 if random_() < 0.05 else 0
        batch.append((number, eid, region, grid, cls, SOURCE[int(random_() * 100)], created,
                      '生产车间', cat, sub, 'major' if major else 'general',
                      '判定标准条目（基准测试数据）' if major else '', desc, state, measures,
                      responsible, funds, emergency, deadline, ext_pending, pending, ext_req,
                      send_backs, closed, created, updated))
        if len(batch) == 50000:
            con.executemany(sql, batch)
            batch = []
    con.executemany(sql, batch)
    t_rows = time.monotonic() - t0
    for name, create in idx:
        con.execute(create)
    con.executemany('INSERT INTO hazard_seq (region_code, year, last) VALUES (?, ?, ?) '
                    'ON CONFLICT (region_code, year) DO UPDATE SET last = excluded.last',
                    [(k[0], k[1], v) for k, v in seq.items()])
    con.execute('COMMIT')
    t_all = time.monotonic() - t0
    counts = dict(con.execute('SELECT state, COUNT(*) FROM hazard GROUP BY state'))
    print(f'hazard_gen: {len(rows)} enterprises added ({have_e + len(rows)} in all) in '
          f'{t_ent:.1f} s; {n} hazards added ({have_h + n} in all) in {t_rows - t_ent:.1f} s, '
          f'indexes {t_all - t_rows:.1f} s; total {t_all:.1f} s; today {today}; by state '
          + ', '.join(f'{k} {v}' for k, v in sorted(counts.items())))
    con.close()


if __name__ == '__main__':
    main()
