#!/usr/bin/env python3
"""The regulator's risk views (issue 5 §6, docs/risk.md "Regulator views"): counts per grade by
region, grade and industry against COUNT(*) over the rows; the major-risk list and the
reassessment list (due on or after the 12-month day, or a danger source never assessed); the
enterprises with their grades; the xlsx/csv exports read back; the dual-prevention JSON export
of one enterprise; the regulator map's risk_grade; every one inside the caller's scope
(region inspector, grid patroller, enterprise officer).

Risk rows are seeded straight into the database (the write routes are the risk-core branch's),
consistent with migration 0012: derived grades (source = its latest assessment's, point = the
highest of its sources', enterprise = the highest of its points') written as the schema says."""
import csv
import datetime
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

from harness import run, uscc

R1, R2 = '320902', '320903'            # 亭湖区, 盐都区 (盐城市)
T1, T2 = '320902001', '320903002'
TODAY = '2026-11-29'
UTC = datetime.timezone.utc
NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
COLOURS = ['red', 'orange', 'yellow', 'blue']


def noon_ms(d):
    y, m, dd = map(int, d.split('-'))
    return int(datetime.datetime(y, m, dd, 4, 0, tzinfo=UTC).timestamp() * 1000)


def plus(d, days):
    return (datetime.date.fromisoformat(d) + datetime.timedelta(days=days)).isoformat()


def reassess_due(d):
    """risk.h's rule: the same day 12 months later, 29 February -> 28 February."""
    y, m, dd = map(int, d.split('-'))
    if m == 2 and dd == 29:
        dd = 28
    return f'{y + 1:04d}-{m:02d}-{dd:02d}'


def read_xlsx(data):
    """The first sheet of an XLSX file as rows of texts (stdlib only)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if 'xl/sharedStrings.xml' in z.namelist():
        for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall('m:si', NS):
            shared.append(''.join(t.text or '' for t in si.iter(f'{{{NS["m"]}}}t')))
    sheet = ET.fromstring(z.read('xl/worksheets/sheet1.xml'))
    rows = []
    for r in sheet.iter(f'{{{NS["m"]}}}row'):
        cells = {}
        for c in r.findall('m:c', NS):
            col = re.match(r'[A-Z]+', c.get('r')).group(0)
            idx = 0
            for ch in col:
                idx = idx * 26 + ord(ch) - ord('A') + 1
            v = c.find('m:v', NS)
            if c.get('t') == 's':
                text = shared[int(v.text)]
            elif c.get('t') == 'inlineStr':
                text = ''.join(t.text or '' for t in c.iter(f'{{{NS["m"]}}}t'))
            else:
                text = v.text if v is not None else ''
            cells[idx - 1] = text
        rows.append([cells.get(i, '') for i in range(max(cells) + 1)] if cells else [])
    return rows


def read_csv(data):
    text = data.decode('utf-8')
    assert text.startswith('\ufeff'), 'CSV without a byte-order mark'
    return list(csv.reader(io.StringIO(text[1:])))


class World:
    """E1 in T1 (R1, grid G1, chemicals), E2 in T2 (R2, grid G2, machinery), E3 in T1 with no
    risk data; an officer of E1 and of E2, a patroller of G1 and of G2, an inspector of R1."""

    def __init__(self, t):
        self.t = t
        self.s = s = t.server(['--set', f'fake.now_ms={noon_ms(TODAY)}'])
        self.a = a = s.admin()

        def ok(r, status=201):
            t.status(r, status, 'fixture')
            return r.json

        self.g1 = ok(a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格', 'region_code': T1}))['id']
        self.g2 = ok(a.post('/api/v1/grids', {'code': 'G2', 'name': '张庄一网格', 'region_code': T2}))['id']
        self.uscc1, self.uscc2 = uscc(R1, 'MA100001'), uscc(R2, 'MA100002')
        self.e1 = ok(a.post('/api/v1/enterprises', {
            'uscc': self.uscc1, 'name': '亭湖化工', 'industry_code': '2614', 'region_code': T1,
            'grid_id': self.g1, 'lat': 33.38, 'lon': 120.16}))['id']
        self.e2 = ok(a.post('/api/v1/enterprises', {
            'uscc': self.uscc2, 'name': '盐都机械', 'industry_code': '3311', 'region_code': T2,
            'grid_id': self.g2, 'lat': 33.33, 'lon': 120.08}))['id']
        self.e3 = ok(a.post('/api/v1/enterprises', {
            'uscc': uscc(R1, 'MA100003'), 'name': '亭湖纺织', 'industry_code': '1711',
            'region_code': T1, 'grid_id': self.g1, 'lat': 33.39, 'lon': 120.17}))['id']
        self.officer = s.user('officer1', 'enterprise_officer', 'enterprise:' + self.uscc1)
        self.officer2 = s.user('officer2', 'enterprise_officer', 'enterprise:' + self.uscc2)
        self.patroller = s.user('patroller1', 'grid_patroller', f'grids:{self.g1}')
        self.patroller2 = s.user('patroller2', 'grid_patroller', f'grids:{self.g2}')
        self.inspector = s.user('inspector1', 'inspector', 'region:' + R1)
        self.now = noon_ms(TODAY)

    def sql(self, q, p=()):
        return self.s.sql(q, p)

    def seed(self, e, points, officer=None):
        """Risk data of enterprise e: points = [(grade or None, assessed day or None,
        unassessed extra source)], one unit, one LS source per point (R = L x S giving the
        grade by ls_db37_v1), one measure at the demanded level, one daily check item."""
        ls = {1: (4, 5), 2: (3, 5), 3: (3, 3), 4: (2, 2)}
        levels = {1: 'company', 2: 'department', 3: 'team', 4: 'post'}
        unit = self.sql("INSERT INTO risk_unit (enterprise_id, kind, name, created_ms, "
                        "updated_ms) VALUES (?, 'installation', ?, ?, ?) RETURNING id",
                        (e, f'单元{e}', self.now, self.now))[0][0]
        grades = []
        for k, (g, day, extra) in enumerate(points):
            due = reassess_due(day) if day else None
            p = self.sql("INSERT INTO risk_point (enterprise_id, unit_id, kind, name, grade, "
                         "last_assessed_day, reassess_due, created_ms, updated_ms) VALUES "
                         "(?, ?, 'equipment', ?, ?, ?, ?, ?, ?) RETURNING id",
                         (e, unit, f'风险点{e}-{k}', g, day, due, self.now, self.now))[0][0]
            src = self.sql("INSERT INTO danger_source (enterprise_id, point_id, name, factor, "
                           "accident_types, created_ms, updated_ms) VALUES (?, ?, ?, 'object', "
                           "'[8]', ?, ?) RETURNING id",
                           (e, p, f'危险源{e}-{k}', self.now, self.now))[0][0]
            if g:
                lv, sv = ls[g]
                a = self.sql("INSERT INTO risk_assessment (enterprise_id, point_id, "
                             "danger_source_id, method, table_id, ls_l, ls_s, value_x1000, "
                             "grade, assessed_day, assessed_ms) VALUES (?, ?, ?, 'ls', "
                             "'ls_db37_v1', ?, ?, ?, ?, ?, ?) RETURNING id",
                             (e, p, src, lv, sv, lv * sv * 1000, g, day, self.now))[0][0]
                self.sql("UPDATE danger_source SET grade = ?, assessment_id = ? WHERE id = ?",
                         (g, a, src))
                m = self.sql("INSERT INTO control_measure (enterprise_id, point_id, "
                             "danger_source_id, kind, description, control_level, "
                             "responsible_name, created_ms, updated_ms) VALUES (?, ?, ?, "
                             "'engineering', '联锁', ?, '张三', ?, ?) RETURNING id",
                             (e, p, src, levels[g], self.now, self.now))[0][0]
                if officer:
                    self.sql("INSERT INTO check_item (enterprise_id, point_id, measure_id, "
                             "content, schedule, assignee_id, start_ms, created_ms, updated_ms) "
                             "VALUES (?, ?, ?, '检查联锁', 'daily', ?, ?, ?, ?)",
                             (e, p, m, officer, self.now, self.now, self.now))
                grades.append(g)
            if extra:
                self.sql("INSERT INTO danger_source (enterprise_id, point_id, name, factor, "
                         "created_ms, updated_ms) VALUES (?, ?, '未评估危险源', 'person', ?, ?)",
                         (e, p, self.now, self.now))
        self.sql("INSERT INTO risk_enterprise (enterprise_id, grade, red, orange, yellow, blue, "
                 "updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (e, min(grades) if grades else None, *[grades.count(g) for g in (1, 2, 3, 4)],
                  self.now))

    def standard(self):
        """E1: red, orange, yellow x2 (one due today, one overdue), one with an unassessed
        source; E2: orange, blue (overdue by a year and a day)."""
        recent = plus(TODAY, -30)
        self.seed(self.e1, [(1, recent, False), (2, recent, False),
                            (3, plus(TODAY, -365), False),   # due today: 2025-11-29 + 12 months
                            (3, plus(TODAY, -400), False), (4, recent, True)],
                  officer=self.officer.id)
        self.seed(self.e2, [(2, recent, False), (4, plus(TODAY, -366), False)],
                  officer=self.officer2.id)


def all_items(c, path):
    items, after = [], None
    while True:
        r = c.get(path + ('&' if '?' in path else '?') + 'limit=2' +
                  (f'&after={after}' if after else ''))
        assert r.status == 200, r
        items += r.json['items']
        after = r.json['next']
        if after is None:
            return items


def test_stats_count_what_the_rows_hold(t):
    w = World(t)
    w.standard()
    a = w.a
    r = a.get('/api/v1/risk/stats?by=grade')
    t.status(r, 200)
    for it in r.json['items']:
        g = it['key']
        if g is None:
            t.eq(it['name'], '未评估')
            n = w.sql("SELECT COUNT(*) FROM enterprise LEFT JOIN risk_enterprise ON "
                      "enterprise_id = enterprise.id WHERE risk_enterprise.grade IS NULL")[0][0]
            t.eq(it['enterprises']['none'], n, 'ungraded enterprises')
            continue
        colour = COLOURS[g - 1]
        t.eq(it['colour'], colour)
        t.eq(it['enterprises'][colour],
             w.sql("SELECT COUNT(*) FROM risk_enterprise WHERE grade = ?", (g,))[0][0])
        t.eq(it['points'][colour],
             w.sql("SELECT COUNT(*) FROM risk_point WHERE grade = ?", (g,))[0][0])
    # the seeded figures, named: points red 1, orange 2, yellow 2, blue 2
    t.eq(r.json['total']['points'], {'red': 1, 'orange': 2, 'yellow': 2, 'blue': 2})
    t.eq(r.json['total']['enterprises'], {'red': 1, 'orange': 1, 'yellow': 0, 'blue': 0,
                                          'none': 1})
    # by region, one level below the caller's region: admin (all) the province; an
    # inspector of the county R1 its towns
    r = a.get('/api/v1/risk/stats?by=region')
    t.status(r, 200)
    t.eq([it['key'] for it in r.json['items']], ['320000'])
    r = w.inspector.get('/api/v1/risk/stats?by=region')
    t.status(r, 200)
    t.eq(len(r.json['items']), 1)
    it = r.json['items'][0]
    t.eq(it['key'], T1)
    t.eq(it['points'], {
        c: w.sql("SELECT COUNT(*) FROM risk_point JOIN enterprise ON enterprise.id = "
                 "risk_point.enterprise_id WHERE enterprise.region_code LIKE ? AND "
                 "risk_point.grade = ?", (R1 + '%', g + 1))[0][0]
        for g, c in enumerate(COLOURS)})
    t.eq(it['enterprises']['none'], 1, 'E3 has no risk data')
    # by region below a region asked for: towns
    r = a.get(f'/api/v1/risk/stats?by=region&region={R2}')
    t.eq([it['key'] for it in r.json['items']], [T2])
    # by industry: the GB/T 4754 divisions 26 (chemicals), 33 (metal products), 17 (textiles)
    r = a.get('/api/v1/risk/stats?by=industry')
    t.status(r, 200)
    keys = {it['key']: it for it in r.json['items']}
    t.eq(sorted(keys), ['17', '26', '33'])
    t.eq(keys['26']['points']['red'], 1)
    t.eq(keys['33']['points']['orange'], 1)
    # scope: the officer of E2 counts E2 only, the patroller of G1 E1 and E3
    r = w.officer2.get('/api/v1/risk/stats?by=grade')
    t.eq(r.json['total']['points'], {'red': 0, 'orange': 1, 'yellow': 0, 'blue': 1})
    r = w.patroller.get('/api/v1/risk/stats?by=grade')
    t.eq(r.json['total']['points'], {'red': 1, 'orange': 1, 'yellow': 2, 'blue': 1})
    t.eq(r.json['total']['enterprises']['none'], 1)
    # bad input names the field
    t.problem(a.get('/api/v1/risk/stats'), 400, 'by')
    t.problem(a.get('/api/v1/risk/stats?by=grid'), 400, 'by')
    t.problem(a.get('/api/v1/risk/stats?by=grade&colour=red'), 400, 'colour')
    t.problem(a.get('/api/v1/risk/stats?by=grade&region=12'), 400, 'region')


def test_major_and_reassess_lists_in_scope(t):
    w = World(t)
    w.standard()
    items = all_items(w.a, '/api/v1/risk/lists/major')
    t.eq(len(items), w.sql("SELECT COUNT(*) FROM risk_point WHERE grade = 1")[0][0])
    t.eq(len(items), 1)
    p = items[0]
    t.eq((p['enterprise_id'], p['grade'], p['colour'], p['grade_name'], p['control_level']),
         (w.e1, 1, 'red', '重大风险', 'company'))
    t.eq((p['source_count'], p['measure_count'], p['uscc']), (1, 1, w.uscc1))
    t.eq(all_items(w.officer2, '/api/v1/risk/lists/major'), [])
    t.eq(len(all_items(w.patroller, '/api/v1/risk/lists/major')), 1)
    t.eq(all_items(w.patroller2, '/api/v1/risk/lists/major'), [])
    t.eq(len(all_items(w.inspector, '/api/v1/risk/lists/major')), 1)
    t.eq(all_items(w.a, f'/api/v1/risk/lists/major?region={R2}'), [])
    t.eq(all_items(w.a, f'/api/v1/risk/lists/major?enterprise_id={w.e2}'), [])

    # reassessment: due today (365 days: 12 months on 2025-11-29), overdue (400, 366 days),
    # and the point with a source never assessed; not the recent ones
    items = all_items(w.a, '/api/v1/risk/lists/reassess')
    want = w.sql("SELECT COUNT(*) FROM risk_point WHERE reassess_due <= ? OR EXISTS (SELECT 1 "
                 "FROM danger_source WHERE point_id = risk_point.id AND assessment_id IS "
                 "NULL)", (TODAY,))[0][0]
    t.eq(len(items), want)
    t.eq(len(items), 4)
    by_name = {i['name']: i for i in items}
    due_today = by_name[f'风险点{w.e1}-2']
    t.eq((due_today['reassess_due'], due_today['reassess_overdue'], due_today['days_overdue'],
          due_today['reason']), (TODAY, True, 0, 'overdue'))
    t.eq(by_name[f'风险点{w.e1}-3']['days_overdue'], 35)
    t.eq(by_name[f'风险点{w.e2}-1']['days_overdue'], 1)
    unassessed = by_name[f'风险点{w.e1}-4']
    t.eq((unassessed['reason'], unassessed['unassessed_sources'], unassessed['reassess_overdue']),
         ('unassessed', 1, False))
    t.eq({i['enterprise_id'] for i in all_items(w.officer, '/api/v1/risk/lists/reassess')},
         {w.e1})
    t.eq(len(all_items(w.officer2, '/api/v1/risk/lists/reassess')), 1)
    t.eq(len(all_items(w.inspector, '/api/v1/risk/lists/reassess')), 3)
    # sorted by enterprise, descending
    ids = [i['enterprise_id'] for i in all_items(w.a, '/api/v1/risk/lists/reassess?sort=-enterprise_id')]
    t.eq(ids, sorted(ids, reverse=True))
    t.problem(w.a.get('/api/v1/risk/lists/reassess?enterprise_id=x'), 400, 'enterprise_id')
    t.problem(w.a.get('/api/v1/risk/lists/major?grade=1'), 400, 'grade')


def test_enterprises_with_their_grades(t):
    w = World(t)
    w.standard()
    items = all_items(w.a, '/api/v1/risk/enterprises')
    t.eq(len(items), w.sql("SELECT COUNT(*) FROM enterprise")[0][0])
    e1 = next(i for i in items if i['id'] == w.e1)
    t.eq((e1['grade'], e1['colour'], e1['grade_name'], e1['red'], e1['orange'], e1['yellow'],
          e1['blue'], e1['units'], e1['points'], e1['reassess_due_points']),
         (1, 'red', '重大风险', 1, 1, 2, 1, 1, 5, 2))
    e3 = next(i for i in items if i['id'] == w.e3)
    t.eq((e3['grade'], e3['colour'], e3['points']), (None, None, 0))
    t.eq([i['id'] for i in all_items(w.a, '/api/v1/risk/enterprises?grade=2')], [w.e2])
    t.eq([i['id'] for i in all_items(w.a, '/api/v1/risk/enterprises?grade=none')], [w.e3])
    t.eq({i['id'] for i in all_items(w.inspector, '/api/v1/risk/enterprises')}, {w.e1, w.e3})
    t.eq([i['id'] for i in all_items(w.officer2, '/api/v1/risk/enterprises')], [w.e2])
    t.eq({i['id'] for i in all_items(w.patroller, '/api/v1/risk/enterprises')}, {w.e1, w.e3})
    t.problem(w.a.get('/api/v1/risk/enterprises?grade=5'), 400, 'grade')
    t.problem(w.a.get('/api/v1/risk/enterprises?sort=uscc'), 400, 'sort')


def test_exports_read_back(t):
    w = World(t)
    w.standard()
    r = w.a.get('/api/v1/risk/lists/major/export?format=csv')
    t.status(r, 200)
    t.true(re.search(r'attachment; filename="?risk-major-2026-11-29\.csv',
                     r.header('content-disposition') or ''), r.header('content-disposition'))
    rows = read_csv(r.body)
    t.eq(rows[0][:6], ['企业名称', '统一社会信用代码', '风险分析单元', '风险点', '位置', '风险等级'])
    t.eq(len(rows) - 1, 1)
    t.eq((rows[1][0], rows[1][5], rows[1][6], rows[1][7]), ('亭湖化工', '重大风险', '红', '公司级'))
    r = w.a.get('/api/v1/risk/lists/major/export')  # xlsx by default
    t.status(r, 200)
    t.true(r.header('content-type').startswith('application/vnd.openxmlformats'))
    x = read_xlsx(r.body)
    t.eq(x[0][0], '企业名称')
    t.eq(x[1][1], w.uscc1)
    # reassessment: the reasons in words, the days overdue
    rows = read_csv(w.a.get('/api/v1/risk/lists/reassess/export?format=csv').body)
    t.eq(len(rows) - 1, 4)
    t.eq(rows[0][7:9], ['逾期天数', '原因'])
    t.eq(sorted(r[8] for r in rows[1:]), ['危险源未评估', '逾期未复评', '逾期未复评', '逾期未复评'])
    x = read_xlsx(w.officer2.get('/api/v1/risk/lists/reassess/export?format=xlsx').body)
    t.eq([row[0] for row in x[1:]], ['盐都机械'])
    # enterprises, with their filters
    rows = read_csv(w.a.get('/api/v1/risk/enterprises/export?format=csv&grade=none').body)
    t.eq([r[0] for r in rows[1:]], ['亭湖纺织'])
    t.eq(rows[1][4], '未评估')
    rows = read_csv(w.inspector.get('/api/v1/risk/enterprises/export?format=csv').body)
    t.eq(sorted(r[0] for r in rows[1:]), ['亭湖化工', '亭湖纺织'])
    t.eq(rows[0][4:9], ['企业风险等级', '重大风险点', '较大风险点', '一般风险点', '低风险点'])
    t.problem(w.a.get('/api/v1/risk/lists/major/export?format=pdf'), 400, 'format')
    t.problem(w.a.get('/api/v1/risk/lists/major/export?limit=5'), 400, 'limit')


def test_dual_prevention_export(t):
    w = World(t)
    w.standard()
    r = w.officer.get(f'/api/v1/risk/enterprises/{w.e1}/dual-prevention-export')
    t.status(r, 200)
    t.eq(r.header('content-disposition'),
         f'attachment; filename="dual-prevention-{w.uscc1}-20261129.json"')
    doc = json.loads(r.body)
    t.eq((doc['companyCode'], doc['companyName'], doc['riskLevel'], doc['colour']),
         (w.uscc1, '亭湖化工', 1, 'red'))
    objects = doc['riskObjects']
    t.eq(len(objects), w.sql("SELECT COUNT(*) FROM risk_unit WHERE enterprise_id = ?",
                             (w.e1,))[0][0])
    units = [u for o in objects for u in o['riskUnits']]
    events = [e for u in units for e in u['riskEvents']]
    measures = [m for e in events for m in e['controlMeasures']]
    tasks = [k for m in measures for k in m['checkTasks']]
    for table, got in (('risk_point', units), ('danger_source', events),
                       ('control_measure', measures), ('check_item', tasks)):
        t.eq(len(got), w.sql(f"SELECT COUNT(*) FROM {table} WHERE enterprise_id = ?",
                             (w.e1,))[0][0], table)
    # every row keyed by the credit code and its parent's id
    t.true(all(x['companyCode'] == w.uscc1 for x in units + events + measures + tasks))
    t.true(all(e['riskUnitId'] == u['id'] for u in units for e in u['riskEvents']))
    red = next(u for u in units if u['riskLevel'] == 1)
    ev = red['riskEvents'][0]
    t.eq((ev['assessment']['method'], ev['assessment']['value'], ev['accidentTypes']),
         ('ls', '20.000', [8]))
    m = ev['controlMeasures'][0]
    t.eq((m['riskMeasureDesc'], m['classify1'], m['controlLevel']), ('联锁', '工程技术', 'company'))
    t.eq((m['checkTasks'][0]['checkCycle'], m['checkTasks'][0]['checkCycleUnit']), (1, '天'))
    unassessed = [e for e in events if e['assessment'] is None]
    t.eq(len(unassessed), 1)
    # scope: another enterprise's officer, another grid, another region: 404
    for c in (w.officer2, w.patroller2):
        t.problem(c.get(f'/api/v1/risk/enterprises/{w.e1}/dual-prevention-export'), 404)
    t.status(w.patroller.get(f'/api/v1/risk/enterprises/{w.e1}/dual-prevention-export'), 200)
    t.problem(w.inspector.get(f'/api/v1/risk/enterprises/{w.e2}/dual-prevention-export'), 404)
    t.problem(w.a.get('/api/v1/risk/enterprises/999999/dual-prevention-export'), 404)
    # an enterprise with no risk data: an empty structure
    doc = json.loads(w.a.get(f'/api/v1/risk/enterprises/{w.e3}/dual-prevention-export').body)
    t.eq((doc['riskLevel'], doc['riskObjects']), (None, []))


def test_map_colours_enterprises_by_risk_grade(t):
    w = World(t)
    w.standard()
    r = w.a.get('/api/v1/map/enterprises')
    t.status(r, 200)
    grades = {f['properties']['id']: f['properties']['risk_grade'] for f in r.json['features']}
    t.eq(grades, {w.e1: 1, w.e2: 2, w.e3: None})
    r = w.a.get('/api/v1/map/enterprises?risk_grade=2')
    t.eq([f['properties']['id'] for f in r.json['features']], [w.e2])
    t.eq(r.json['truncated'], False)
    r = w.inspector.get('/api/v1/map/enterprises?risk_grade=2')
    t.eq(r.json['features'], [])
    r = w.patroller.get('/api/v1/map/enterprises?risk_grade=1')
    t.eq([f['properties']['id'] for f in r.json['features']], [w.e1])
    t.problem(w.a.get('/api/v1/map/enterprises?risk_grade=5'), 400, 'risk_grade')
    t.problem(w.a.get('/api/v1/map/enterprises?risk_grade=red'), 400, 'risk_grade')


def test_views_follow_assessments_made_through_the_core_api(t):
    """Units, points, sources and assessments made by the officer through the risk-core
    routes show in the views: a red LS assessment (R = 4 x 5 = 20, ls_db37_v1) puts the point
    on the major-risk list and the enterprise in red; reassessing it yellow (3 x 3 = 9) takes
    it off; a source not yet assessed puts its point on the reassessment list."""
    w = World(t)
    o = w.officer

    def ok(r, status=201):
        t.status(r, status, 'core route')
        return r.json

    u = ok(o.post('/api/v1/risk/units', {'enterprise_id': w.e1, 'kind': 'workshop',
                                         'name': '合成车间'}))
    p = ok(o.post('/api/v1/risk/points', {'unit_id': u['id'], 'kind': 'equipment',
                                          'name': '合成塔'}))
    src = ok(o.post(f'/api/v1/risk/points/{p["id"]}/sources',
                    {'name': '合成塔超压', 'factor': 'object', 'accident_types': [17]}))
    ok(o.post(f'/api/v1/risk/sources/{src["id"]}/assessments', {'method': 'ls', 'l': 4, 's': 5}))
    major = w.inspector.get('/api/v1/risk/lists/major').json['items']
    t.eq([(i['id'], i['grade'], i['colour']) for i in major], [(p['id'], 1, 'red')])
    t.eq(w.a.get('/api/v1/risk/stats?by=grade').json['total']['enterprises']['red'], 1)
    e1 = next(i for i in all_items(w.a, '/api/v1/risk/enterprises') if i['id'] == w.e1)
    t.eq((e1['grade'], e1['red'], e1['points']), (1, 1, 1))
    t.eq(all_items(w.a, '/api/v1/risk/lists/reassess'), [])
    ok(o.post(f'/api/v1/risk/sources/{src["id"]}/assessments', {'method': 'ls', 'l': 3, 's': 3}))
    t.eq(w.a.get('/api/v1/risk/lists/major').json['items'], [])
    t.eq(w.a.get('/api/v1/risk/stats?by=grade').json['total']['points'],
         {'red': 0, 'orange': 0, 'yellow': 1, 'blue': 0})
    ok(o.post(f'/api/v1/risk/points/{p["id"]}/sources',
              {'name': '合成塔泄漏', 'factor': 'object', 'accident_types': [19]}))
    items = all_items(w.officer, '/api/v1/risk/lists/reassess')
    t.eq([(i['id'], i['reason']) for i in items], [(p['id'], 'unassessed')])
    grades = {f['properties']['id']: f['properties']['risk_grade']
              for f in w.a.get('/api/v1/map/enterprises').json['features']}
    t.eq(grades[w.e1], 3)


if __name__ == '__main__':
    run(globals())
