#!/usr/bin/env python3
"""Major hazard installations over HTTP (issue 6 §1, GB 18218-2018, docs/mhi.md "Storage and
API"): the worked example of STANDARDS.md §1 (30 t chlorine + 100 t methanol W5.3, 60 people:
S = 6.2, R = 36.3, 三级, chlorine 24/24.2 of R); the published installations of
tests/fixtures/mhi/identification_examples.csv (MH1 filling station S = 0.14 not major, MH2 α of
100 people = 2.0 and R = 31.78 → 三级, MH3 natural gas 0.07 t not major with Table 1's 50 t);
the bounds of 4.2.1 (S = 1) and Table 6 (R = 100, 50, 10) both sides; every field error
(unknown chemical, an ambiguous CAS with its candidates, quantity <= 0, unknown category, a
major unit without beta, ...); PATCH recomputing in the same write; delete refused while
monitoring points name the installation; the lookups; the XLSX/CSV export; the map layer;
data scope (another enterprise's officer 404, an inspector of another region 404 and hidden);
a bad table stopping the start with its file and line."""
import csv
import os
import re
import shutil
import subprocess
import tempfile
from urllib.parse import quote

from test_hazard import World, R2
from harness import run, BIN, SRC_ROOT

FIXTURE = os.path.join(SRC_ROOT, 'tests', 'fixtures', 'mhi', 'identification_examples.csv')


def examples():
    with open(FIXTURE, encoding='utf-8') as fh:
        return list(csv.DictReader(fh))


def near(t, got, want, msg, eps=1e-6):
    t.true(got is not None and abs(got - want) <= eps, f'{msg}: {got} != {want}')


class Mhi(World):
    def __init__(self, t, **kw):
        super().__init__(t, **kw)
        self.inspector2 = self.s.user('insp2', 'inspector', f'region:{R2}')

    def create(self, items, c=None, status=201, **kw):
        b = {'name': kw.pop('name', '液氯储罐区'), 'unit_kind': 'storage',
             'people_500m': kw.pop('people_500m', 60), 'items': items}
        b.update(kw)
        r = (c or self.officer).post('/api/v1/mhi/installations', b)
        self.t.status(r, status, f'create {b}')
        return r.json


WORKED = [{'chemical': '液氯', 'quantity_t': 30},
          {'chemical': '甲醇', 'categories': 'W5.3', 'quantity_t': 100}]


def test_worked_example(t):
    """STANDARDS.md §1: S = 30/5 + 100/500 = 6.2 >= 1 (4.2.1), α(60) = 1.5 (Table 5),
    R = 1.5 × (4 × 6 + 1 × 0.2) = 36.3 (4.3.2) → 三级 (Table 6); chlorine makes 24/24.2."""
    w = Mhi(t)
    o = w.create(WORKED, description='氯碱装置配套罐区', lon=120.14, lat=33.38)
    t.eq((o['enterprise_id'], o['enterprise_name'], o['unit_kind'], o['people_500m']),
         (w.e1, '亭湖化工厂', 'storage', 60))
    near(t, o['s'], 6.2, 'S')
    near(t, o['alpha'], 1.5, 'alpha')
    near(t, o['r'], 36.3, 'R')
    t.eq((o['major'], o['r_known'], o['grade'], o['grade_name'], o['point_count']),
         (True, True, 3, '三级', 0))
    first, second = o['lines']
    t.eq((first['chemical'], first['seq'], first['name_zh'], first['threshold_t'],
          first['beta'], first['beta_source'], first['q_source']),
         ('液氯', 12, '氯', 5, 4, 'table3', 'table1'))
    near(t, first['ratio'], 6, 'q/Q of chlorine')
    near(t, first['r_term'], 36.0, 'α β q/Q of chlorine')
    near(t, first['r_share'], 24 / 24.2, 'chlorine share of R')
    t.eq((second['chemical'], second['seq'], second['threshold_t'], second['beta'],
          second['beta_source'], second['beta_category']),
         ('甲醇', 65, 500, 1, 'table4', 'W5.3'))
    near(t, second['r_share'], 0.2 / 24.2, 'methanol share of R')
    # The inventory as stored: the Table 1 row each key resolved to.
    t.eq([(i['chemical'], i['seq'], i['categories'], i['quantity_t']) for i in o['items']],
         [('液氯', 12, None, 30), ('甲醇', 65, 'W5.3', 100)])
    # The stored computed columns are what GET and the list answer.
    g = w.officer.get(f'/api/v1/mhi/installations/{o["id"]}').json
    t.eq((g['grade'], g['lines'][0]['name_zh']), (3, '氯'))
    row = w.s.sql('SELECT s_value, major, r_value, grade FROM mhi_installation WHERE id = ?',
                  (o['id'],))[0]
    near(t, row[0], 6.2, 'stored S')
    t.eq((row[1], row[3]), (1, 3))
    near(t, row[2], 36.3, 'stored R')
    audit = w.s.sql("SELECT action, entity_id FROM audit_log WHERE action LIKE 'mhi.%'")
    t.eq(audit, [('mhi.installation.create', str(o['id']))])
    # The leader (scope all) sees it in the list, with the grade filters.
    items = w.leader.get('/api/v1/mhi/installations?grade=3').json['items']
    t.eq([(i['id'], i['grade'], i['major']) for i in items], [(o['id'], 3, True)])
    near(t, items[0]['alpha'], 1.5, 'alpha in the list')
    t.eq(w.leader.get('/api/v1/mhi/installations?grade=1').json['items'], [])
    t.eq(w.leader.get('/api/v1/mhi/installations?major=false').json['items'], [])
    t.eq(len(w.leader.get('/api/v1/mhi/installations?q=' + quote('液氯')).json['items']), 1)
    t.eq(len(w.leader.get(f'/api/v1/mhi/installations?enterprise_id={w.e2}').json['items']), 0)
    t.eq(len(w.leader.get('/api/v1/mhi/installations?region=320902').json['items']), 1)
    t.eq(len(w.leader.get('/api/v1/mhi/installations?region=320903').json['items']), 0)
    for bad in ('grade=5', 'grade=x', 'major=maybe', 'region=12', 'enterprise_id=0',
                'colour=red'):
        t.problem(w.leader.get(f'/api/v1/mhi/installations?{bad}'), 400, bad.split('=')[0])


def test_published_installations(t):
    """The three public calculations of the fixture, as far as they can be checked."""
    w = Mhi(t)
    rows = examples()
    mh1 = [r for r in rows if r['example_id'] == 'MH1']
    gasoline = next(r for r in mh1 if r['substance'] == '汽油')
    diesel = next(r for r in mh1 if r['substance'] == '柴油')
    # MH1: gasoline is Table 1 row 66 "汽油(乙醇汽油、甲醇汽油)" (200 t): "汽油" alone is no
    # Table 1 name as written, so the row is named (seq, as the UI's lookup does); diesel is
    # not in Table 1: W5.4 (flash point 55 °C).
    r = w.officer.post('/api/v1/mhi/installations',
                       {'name': '加油站', 'unit_kind': 'storage', 'people_500m': 0,
                        'items': [{'chemical': '汽油', 'quantity_t': 26.64}]})
    t.problem(r, 422, 'items[0].chemical')
    t.true('66' in r.json['errors'][0]['reason'], r.json)
    o = w.create([{'chemical': '汽油', 'seq': 66,
                   'quantity_t': float(gasoline['quantity_t_as_published'])},
                  {'chemical': '柴油', 'categories': ['W5.4'],
                   'quantity_t': float(diesel['quantity_t_as_published'])}],
                 name='加油站油罐区', people_500m=0)
    near(t, o['s'], 26.64 / 200 + 22.95 / 5000, 'MH1 S')
    t.eq(round(o['s'], 2), 0.14, 'MH1 as published: S = 0.14')
    t.eq((o['major'], o['grade'], o['grade_name']), (False, None, None),
         '未构成重大危险源 as published')
    t.eq([(l['chemical'], l['threshold_t']) for l in o['lines']],
         [('汽油', 200), ('柴油', 5000)])
    near(t, o['alpha'], 0.5, 'Table 5: 0 people → 0.5')
    # MH2: only α(100) = 2.0 and the grade of R = 31.78 can be checked. 79.45 t of liquid
    # ammonia (Q 10, β 2) with 100 people gives R = 2 × 2 × 7.945 = 31.78 → 三级.
    mh2 = next(r for r in rows if r['example_id'] == 'MH2')
    o = w.create([{'chemical': '液氨', 'quantity_t': 79.45}], name='合成氨单元',
                 unit_kind='production', people_500m=int(mh2['exposed_population_500m']))
    near(t, o['alpha'], 2.0, 'MH2 α of 100 people')
    near(t, o['r'], float(mh2['R_as_published']), 'R = 31.78')
    t.eq(o['grade_name'], mh2['level_as_published'], 'MH2 as published: 三级')
    # MH3: natural gas in Table 1 row 49 (甲烷，天然气) at 50 t: q/Q = 0.0014, not major.
    mh3 = next(r for r in rows if r['example_id'] == 'MH3')
    o = w.create([{'chemical': mh3['substance'],
                   'quantity_t': float(mh3['quantity_t_as_published'])}],
                 name='天然气管道', unit_kind='production', people_500m=0)
    t.eq((o['lines'][0]['seq'], o['lines'][0]['threshold_t'], o['major']), (49, 50, False))
    near(t, o['s'], 0.07 / 50, 'MH3 q/Q with GB 18218-2018 Q')


def test_bounds(t):
    """4.2.1: S >= 1 is major (5 t chlorine), 1 kg less is not. Table 6 with chlorine (Q 5,
    β 4) and 100 people (α 2): R = 1.6 q, so 62.5 t is R = 100 一级 and 62.499 t 二级;
    31.25 t R = 50 二级, 31.249 t 三级; 6.25 t R = 10 三级, 6.249 t 四级."""
    w = Mhi(t)
    o = w.create([{'chemical': '氯', 'quantity_t': 5}], name='S1', people_500m=100)
    t.eq((o['major'], o['grade']), (True, 4))
    o = w.create([{'chemical': '氯', 'quantity_t': 4.999}], name='S<1', people_500m=100)
    t.eq((o['major'], o['grade']), (False, None))
    for q, grade in ((62.5, 1), (62.499, 2), (31.25, 2), (31.249, 3), (6.25, 3), (6.249, 4)):
        o = w.create([{'chemical': '7782-50-5', 'quantity_t': q}], name=f'氯{q}',
                     people_500m=100)
        t.eq(o['grade'], grade, f'{q} t chlorine, R = {1.6 * q}')
    # Table 5 bounds: 29 people α 1.0, 30 → 1.2, 49 → 1.2, 50 → 1.5, 99 → 1.5, 100 → 2.0.
    for people, alpha in ((1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2), (50, 1.5), (99, 1.5)):
        o = w.create([{'chemical': '氯', 'quantity_t': 10}], name=f'人{people}',
                     people_500m=people)
        near(t, o['alpha'], alpha, f'alpha of {people} people')
        near(t, o['r'], alpha * 8, f'R of {people} people')


def test_field_errors(t):
    """422 naming items[i].<member> (and the other fields), nothing stored."""
    w = Mhi(t)
    cases = [
        ([{'chemical': '不存在的物质', 'quantity_t': 1}], 'items[0].chemical', 'Table 1'),
        ([{'chemical': '硝酸铵', 'quantity_t': 1}], 'items[0].chemical', '43, 44'),
        ([{'chemical': '氯', 'quantity_t': 1}, {'chemical': '9004-70-0', 'quantity_t': 1}],
         'items[1].chemical', '37'),
        ([{'chemical': '6484-52-2', 'quantity_t': 1}], 'items[0].chemical', '44'),
        ([{'chemical': '氯', 'quantity_t': 0}], 'items[0].quantity_t', '> 0'),
        ([{'chemical': '氯', 'quantity_t': -3}], 'items[0].quantity_t', '> 0'),
        ([{'chemical': '氯'}], 'items[0].quantity_t', 'required'),
        ([{'chemical': '氯', 'quantity_t': '5'}], 'items[0].quantity_t', 'number'),
        ([{'categories': 'W99', 'quantity_t': 1}], 'items[0].categories', 'W99'),
        ([{'categories': ['W5.3', 7], 'quantity_t': 1}], 'items[0].categories', 'symbols'),
        ([{'quantity_t': 1}], 'items[0]', 'categories'),
        ([{'seq': 999, 'quantity_t': 1}], 'items[0].seq', 'Table 1'),
        ([{'chemical': '氯', 'quantity_t': 1, 'colour': 'red'}], 'items[0].colour', 'field'),
        # Methanol alone above its Q is major, and Table 1 gives no beta: its category.
        ([{'chemical': '甲醇', 'quantity_t': 600}], 'items[0].categories', 'beta'),
        ([], 'items', 'non-empty'),
        (['氯'], 'items[0]', 'object'),
    ]
    for items, field, words in cases:
        r = w.officer.post('/api/v1/mhi/installations', {'name': '罐区', 'unit_kind': 'storage',
                                                         'people_500m': 10, 'items': items})
        t.problem(r, 422, field)
        reason = next(e['reason'] for e in r.json['errors'] if e['field'] == field)
        t.true(words in reason, f'{field}: {reason!r} lacks {words!r}')
    # The candidates of an ambiguous CAS: every row 37..42 of 硝化纤维素, choose one by seq.
    r = w.officer.post('/api/v1/mhi/installations',
                       {'name': '罐区', 'unit_kind': 'storage', 'people_500m': 10,
                        'items': [{'chemical': '9004-70-0', 'quantity_t': 1}]})
    reason = r.json['errors'][0]['reason']
    t.true(all(str(s) in reason for s in range(37, 43)), reason)
    o = w.create([{'chemical': '9004-70-0', 'seq': 39, 'quantity_t': 5}], name='硝化棉库')
    t.eq((o['lines'][0]['seq'], o['lines'][0]['threshold_t']), (39, 10))
    # Other fields, all named at once.
    r = w.officer.post('/api/v1/mhi/installations',
                       {'name': ' ', 'unit_kind': 'tank', 'people_500m': -1, 'lon': 200,
                        'items': [{'chemical': '氯', 'quantity_t': 1}]})
    t.problem(r, 422, 'people_500m')
    r = w.officer.post('/api/v1/mhi/installations',
                       {'name': ' ', 'unit_kind': 'tank', 'people_500m': 1, 'lon': 200,
                        'lat': 30, 'items': [{'chemical': '氯', 'quantity_t': 1}]})
    for f in ('name', 'unit_kind', 'lon'):
        t.problem(r, 422, f)
    r = w.officer.post('/api/v1/mhi/installations',
                       {'name': '罐区', 'unit_kind': 'storage', 'people_500m': 1, 'lon': 120,
                        'items': [{'chemical': '氯', 'quantity_t': 1}]})
    t.problem(r, 422, 'lat')
    t.problem(w.officer.post('/api/v1/mhi/installations', {'name': 'x', 'unit_kind': 'storage',
                                                           'items': []}), 422, 'people_500m')
    t.eq(w.s.sql('SELECT COUNT(*) FROM mhi_installation')[0][0], 1, 'only the valid one')
    # Same name in one enterprise: 409 naming name.
    t.problem(w.officer.post('/api/v1/mhi/installations',
                             {'name': '硝化棉库', 'unit_kind': 'storage', 'people_500m': 1,
                              'items': [{'chemical': '氯', 'quantity_t': 1}]}), 409, 'name')


def test_patch_recomputes_and_delete(t):
    """PATCH merges over the stored unit; items replace the inventory; S, R and grade are
    rewritten in the same write, with an audit record. DELETE is 409 while a monitoring point
    names the installation."""
    w = Mhi(t)
    o = w.create(WORKED)
    r = w.officer.patch(f'/api/v1/mhi/installations/{o["id"]}', {'people_500m': 100})
    t.status(r, 200)
    near(t, r.json['r'], 2 * 24.2, 'R with α 2.0')
    t.eq((r.json['grade'], len(r.json['items'])), (3, 2))
    r = w.officer.patch(f'/api/v1/mhi/installations/{o["id"]}',
                        {'items': [{'chemical': '氯气', 'quantity_t': 70}]})
    t.status(r, 200)
    near(t, r.json['r'], 2 * 4 * 14, 'R of 70 t chlorine, 100 people')
    t.eq((r.json['grade'], r.json['grade_name'], len(r.json['items'])), (1, '一级', 1))
    t.eq(w.s.sql('SELECT COUNT(*) FROM mhi_inventory WHERE installation_id = ?',
                 (o['id'],))[0][0], 1)
    t.eq(w.s.sql('SELECT grade FROM mhi_installation WHERE id = ?', (o['id'],))[0][0], 1)
    # A refused PATCH changes nothing.
    t.problem(w.officer.patch(f'/api/v1/mhi/installations/{o["id"]}',
                              {'items': [{'chemical': '氯', 'quantity_t': 0}]}),
              422, 'items[0].quantity_t')
    t.problem(w.officer.patch(f'/api/v1/mhi/installations/{o["id"]}',
                              {'enterprise_id': w.e2}), 422, 'enterprise_id')
    t.eq(w.s.sql('SELECT grade FROM mhi_installation WHERE id = ?', (o['id'],))[0][0], 1)
    acts = [a for (a,) in w.s.sql("SELECT action FROM audit_log WHERE action LIKE 'mhi.%' "
                                  "ORDER BY id")]
    t.eq(acts, ['mhi.installation.create', 'mhi.installation.update',
                'mhi.installation.update'])
    # A monitoring point names it: 409; without: 204 and the inventory is gone.
    w.s.sql("INSERT INTO monitor_point (enterprise_id, installation_id, tag, name, kind, unit, "
            "range_lo, range_hi, setpoint_source, created_ms, updated_ms) VALUES "
            "(?, ?, 'GT-101', '氯气检测', 'toxic', 'ppm', 0, 10, 'manual', 0, 0)",
            (w.e1, o['id']))
    t.eq(w.officer.get(f'/api/v1/mhi/installations/{o["id"]}').json['point_count'], 1)
    t.problem(w.officer.delete(f'/api/v1/mhi/installations/{o["id"]}'), 409)
    w.s.sql('DELETE FROM monitor_point')
    t.status(w.officer.delete(f'/api/v1/mhi/installations/{o["id"]}'), 204)
    t.eq(w.s.sql('SELECT COUNT(*) FROM mhi_inventory')[0][0], 0)
    t.status(w.officer.get(f'/api/v1/mhi/installations/{o["id"]}'), 404)


def test_scope(t):
    """Another enterprise's officer: 404 on read and write, hidden from lists, 403 naming
    enterprise_id on create; an inspector of another region: 404 and hidden; regulators
    read only (403 on writes)."""
    w = Mhi(t)
    o = w.create(WORKED)
    path = f'/api/v1/mhi/installations/{o["id"]}'
    for c in (w.officer2, w.inspector2, w.patroller2):
        t.status(c.get(path), 404)
        t.eq(c.get('/api/v1/mhi/installations').json['items'], [])
        t.eq(c.get('/api/v1/mhi/map').json['items'], [])
    t.status(w.officer2.patch(path, {'people_500m': 1}), 404)
    t.status(w.officer2.delete(path), 404)
    r = w.officer2.post('/api/v1/mhi/installations',
                        {'enterprise_id': w.e1, 'name': 'x', 'unit_kind': 'storage',
                         'people_500m': 1, 'items': [{'chemical': '氯', 'quantity_t': 1}]})
    t.problem(r, 403, 'enterprise_id')
    for c in (w.inspector, w.patroller, w.manager, w.leader, w.inspector_all):
        t.status(c.get(path), 200)
        t.eq([i['id'] for i in c.get('/api/v1/mhi/installations').json['items']], [o['id']])
        t.status(c.patch(path, {'people_500m': 1}), 403)
        t.status(c.delete(path), 403)
    t.status(w.a.patch(path, {'description': '管理员修改'}), 200)
    t.problem(w.a.post('/api/v1/mhi/installations', {'name': 'x', 'unit_kind': 'storage',
                                                     'people_500m': 1, 'items': []}),
              422, 'enterprise_id')
    t.status(w.s.anon().get('/api/v1/mhi/installations'), 401)


def test_lookups(t):
    """Table 1 by name, alias or CAS with Q and Table 3's β; Table 2 with Table 4's β; 5; 6."""
    w = Mhi(t)
    r = w.officer.get('/api/v1/mhi/chemicals?q=7782-50-5')
    t.status(r, 200)
    t.eq([(c['seq'], c['name_zh'], c['threshold_t'], c['beta']) for c in r.json['items']],
         [(12, '氯', 5, 4)])
    names = [c['name_zh'] for c in w.officer.get('/api/v1/mhi/chemicals?q=' + quote('液氨')).json['items']]
    t.eq(names, ['氨'])
    t.eq(w.officer.get('/api/v1/mhi/chemicals?q=methanol').json['items'][0]['beta'], None)
    t.eq(len(w.officer.get('/api/v1/mhi/chemicals').json['items']), 85, 'Table 1: 85 rows')
    t.problem(w.officer.get('/api/v1/mhi/chemicals?name=x'), 400, 'name')
    r = w.officer.get('/api/v1/mhi/categories').json
    w53 = next(c for c in r['items'] if c['symbol'] == 'W5.3')
    t.eq((w53['threshold_t'], w53['beta']), (1000, 1))
    t.eq([(a['people_min'], a['alpha']) for a in r['alpha']][-1], (0, 0.5))
    t.eq([g['grade'] for g in r['grades']], [1, 2, 3, 4])


def test_export_and_map(t):
    """CSV with Chinese headers (formula-guarded), XLSX, the map layer with positions."""
    w = Mhi(t)
    w.create(WORKED, lon=120.14, lat=33.38)
    w.create([{'chemical': '氯', 'quantity_t': 1}], name='=HYPERLINK("x")', people_500m=0)
    r = w.leader.get('/api/v1/mhi/installations/export?format=csv')
    t.status(r, 200)
    text = r.body.decode('utf-8-sig')
    lines = text.splitlines()
    t.true(lines[0].startswith('企业名称,统一社会信用代码,行政区划,重大危险源名称'), lines[0])
    t.eq(len(lines), 3)
    t.true('液氯储罐区' in lines[1] and '三级' in lines[1] and '36.30' in lines[1], lines[1])
    t.true('液氯 30.000 t; 甲醇 100.000 t' in lines[1], lines[1])
    t.true("'=HYPERLINK" in lines[2], f'formula injection guarded: {lines[2]}')
    r = w.leader.get('/api/v1/mhi/installations/export?format=xlsx&grade=3')
    t.status(r, 200)
    t.eq(r.body[:2], b'PK')
    t.problem(w.leader.get('/api/v1/mhi/installations/export?format=pdf'), 400, 'format')
    t.eq(w.officer2.get('/api/v1/mhi/installations/export?format=csv').body
         .decode('utf-8-sig').count('\n'), 1, 'another enterprise exports only the header')
    m = w.leader.get('/api/v1/mhi/map').json
    t.eq([(i['name'], i['grade'], i['lon'], i['lat']) for i in m['items']],
         [('液氯储罐区', 3, 120.14, 33.38)], 'the one with a position')
    t.eq(m['truncated'], False)


def test_bad_table_stops_the_start(t):
    """A bad GB 18218 table stops every command that opens the database, naming the file and
    its line; the good tables start."""
    tmp = tempfile.mkdtemp(prefix='anjian-mhi-')
    try:
        data = os.path.join(tmp, 'data')
        shutil.copytree(os.path.join(SRC_ROOT, 'data'), data)
        path = os.path.join(data, 'mhi', 'gb18218_table1.csv')
        with open(path, encoding='utf-8') as fh:
            rows = fh.read().split('\n')
        rows[12] = rows[12].replace('7782-50-5', '7782-50-6')  # line 13: 氯, bad check digit
        with open(path, 'w', encoding='utf-8') as fh:
            fh.write('\n'.join(rows))
        p = subprocess.run([BIN, 'migrate', '--db', os.path.join(tmp, 'a.db'), '--data-dir',
                            data], capture_output=True, text=True, timeout=60)
        t.eq(p.returncode != 0, True, p.stderr)
        t.true('gb18218_table1.csv: line 13' in p.stderr and '7782-50-6' in p.stderr,
               p.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_demo_installations(t):
    """`serve --demo`: grades 1..4 all occur, demo.officer's enterprise has the worked example
    (三级) and the published filling station (not major), and sees only its own."""
    s = t.server(['--demo'])
    root = s.admin()
    items = root.get('/api/v1/mhi/installations?limit=500').json['items']
    t.eq(sorted({i['grade'] for i in items if i['grade']}), [1, 2, 3, 4])
    mh2 = next(i for i in items if i['name'] == '合成氨单元')
    near(t, mh2['r'], 31.78, 'MH2 reproduced', 1e-3)
    m = re.search(r'^\s+demo\.officer\s+\S+\s+\S+\s+(\S+)\s*$', s.stdout(), re.M)
    c, _ = s.login('demo.officer', m.group(1))
    t.status(c.post('/api/v1/me/password', {'old_password': m.group(1),
                                            'new_password': 'Officer-Pass-2026'}), 204)
    c, _ = s.login('demo.officer', 'Officer-Pass-2026')
    own = c.get('/api/v1/mhi/installations').json['items']
    t.eq(sorted((i['name'], i['grade']) for i in own),
         [('加油站油罐区', None), ('液氯储罐区', 3)])
    t.true(all(i['enterprise_id'] == own[0]['enterprise_id'] for i in own), own)
    m = root.get('/api/v1/mhi/map').json['items']
    t.eq(len(m), len(items), 'every demo installation has a position')


run(globals())
