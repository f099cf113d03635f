#!/usr/bin/env python3
"""Risk graded control over HTTP (issue 5, docs/risk.md): units, points and danger sources;
assessment by LEC at the thresholds (STANDARDS.md §2.1: D >= 320 / 160 / 70, the scale products
nearest them 300 / 360, 150 / 180, 60 / 70) and by LS at every bound both sides (§2.2: R 8/9,
12/15, 16/20) with grade, colour and the grading table recorded; the per-industry table (coal,
ls_coal_v1); every reassessment kept; a point's grade the highest of its sources (issue 5 §2);
the enterprise's grade (our rule: its highest point); control levels both sides (issue 5 §3)
and level_short after a reassessment raises the grade; 422 naming the field; polygons; the
site plan upload and image; zones; data scope (another enterprise's officer 404, a patroller
only its grids, a region inspector only its region)."""
import itertools
import struct
import zlib

from test_hazard import World, R1
from harness import run, uscc

L = [10, 6, 3, 1, 0.5, 0.2, 0.1]
E = [10, 6, 3, 2, 1, 0.5]
C = [100, 40, 15, 7, 3, 1]


def png(w=40, h=30, seed=0):
    """A valid RGB PNG made with zlib (each seed gives other pixels)."""
    raw = b''.join(b'\x00' + bytes(v for x in range(w) for v in
                                    ((x * 7 + y * 3 + seed) % 256, (x + seed) % 256, y % 256))
                   for y in range(h))

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def lec_for(d):
    """Scale values l, e, c with l * e * c == d exactly (tenths)."""
    for l, e, c in itertools.product(L, E, C):
        if round(l * 10) * round(e * 10) * round(c * 10) == round(d * 1000):
            return l, e, c
    raise AssertionError(f'no LEC product is {d}')


class Risk(World):
    def __init__(self, t, **kw):
        super().__init__(t, **kw)
        self.coal_uscc = uscc('320902', 'MA000003')
        r = self.a.post('/api/v1/enterprises', {'uscc': self.coal_uscc, 'name': '亭湖煤矿',
                                                'industry_code': '0610',
                                                'region_code': '320902001',
                                                'grid_id': self.g1})
        t.status(r, 201)
        self.e3 = r.json['id']
        self.officer3 = self.s.user('eoff3', 'enterprise_officer', f'enterprise:{self.coal_uscc}')

    def unit(self, c=None, **kw):
        b = {'kind': 'workshop', 'name': kw.pop('name', '合成车间')}
        b.update(kw)
        r = (c or self.officer).post('/api/v1/risk/units', b)
        self.t.status(r, 201, 'unit')
        return r.json

    def point(self, unit_id, c=None, name='反应釜区'):
        r = (c or self.officer).post('/api/v1/risk/points', {'unit_id': unit_id,
                                                             'kind': 'equipment',
                                                             'name': name})
        self.t.status(r, 201, 'point')
        return r.json

    def source(self, point_id, c=None, name='反应釜超压'):
        r = (c or self.officer).post(f'/api/v1/risk/points/{point_id}/sources',
                                     {'name': name, 'factor': 'object',
                                      'accident_types': [16, 23]})
        self.t.status(r, 201, 'source')
        return r.json

    def chain(self, c=None, unit='合成车间', point='反应釜区'):
        u = self.unit(c, name=unit)
        p = self.point(u['id'], c, name=point)
        s = self.source(p['id'], c)
        return u, p, s

    def assess(self, sid, who=None, status=201, **body):
        r = (who or self.officer).post(f'/api/v1/risk/sources/{sid}/assessments', body)
        self.t.status(r, status, f'assess {body}')
        return r


def test_units_points_sources(t):
    w = Risk(t)
    u = w.unit(code='U1', description='合成氨', polygon=[[0, 0], [10, 0], [5, 8]])
    t.eq((u['enterprise_id'], u['enterprise_name'], u['kind'], u['code'], u['polygon']),
         (w.e1, '亭湖化工厂', 'workshop', 'U1', [[0, 0], [10, 0], [5, 8]]))
    t.eq((u['grade'], u['colour'], u['grade_name'], u['point_count']), (None, None, None, 0))
    p = w.point(u['id'])
    t.eq((p['unit_id'], p['unit_name'], p['grade'], p['control_level'], p['reassess_due'],
          p['reassess_overdue'], p['source_count']),
         (u['id'], '合成车间', None, None, None, False, 0))
    s = w.source(p['id'])
    t.eq((s['point_id'], s['factor'], s['accident_types'], s['grade'], s['assessment']),
         (p['id'], 'object', [16, 23], None, None))
    r = w.officer.get('/api/v1/risk/accident-types')
    t.status(r, 200)
    # GB 6441-2025 (in force from 2026-07-01) replaced GB 6441-1986's 20 types with 27.
    t.eq(len(r.json['items']), 27, 'GB 6441-2025: 27 types')
    t.eq(r.json['items'][15], {'number': 16, 'name': '可燃气体爆炸', 'standard': 'GB 6441-2025',
                               'code': 'WSA10016'})
    t.eq(r.json['items'][26]['code'], 'WSA10099', 'other (其他) is WSA10099')
    # The officer's own enterprise by default; the unit shows its points.
    t.eq(w.officer.get(f'/api/v1/risk/units/{u["id"]}').json['point_count'], 1)
    # 409: a unit with points, a point with sources.
    t.problem(w.officer.delete(f'/api/v1/risk/units/{u["id"]}'), 409)
    t.problem(w.officer.delete(f'/api/v1/risk/points/{p["id"]}'), 409)
    r = w.officer.patch(f'/api/v1/risk/sources/{s["id"]}', {'name': '釜体超温'})
    t.status(r, 200)
    t.eq(r.json['name'], '釜体超温')
    t.status(w.officer.delete(f'/api/v1/risk/sources/{s["id"]}'), 204)
    t.status(w.officer.delete(f'/api/v1/risk/points/{p["id"]}'), 204)
    t.status(w.officer.delete(f'/api/v1/risk/units/{u["id"]}'), 204)
    acts = [a for (a,) in w.s.sql("SELECT action FROM audit_log WHERE action LIKE 'risk.%' "
                                   "ORDER BY id")]
    t.eq(acts, ['risk.unit.create', 'risk.point.create', 'risk.source.create',
                'risk.source.update', 'risk.source.delete', 'risk.point.delete',
                'risk.unit.delete'], 'every write audited')


def test_bad_input_names_the_field(t):
    w = Risk(t)
    u = w.unit()
    p = w.point(u['id'])
    s = w.source(p['id'])
    t.problem(w.officer.post('/api/v1/risk/units', {'kind': 'castle', 'name': ''}), 422, 'kind')
    t.problem(w.officer.post('/api/v1/risk/units', {'kind': 'castle', 'name': ''}), 422, 'name')
    t.problem(w.a.post('/api/v1/risk/units', {'kind': 'place', 'name': 'x'}), 422,
              'enterprise_id')
    t.problem(w.officer.post('/api/v1/risk/units', {'kind': 'place', 'name': '合成车间'}), 422,
              'name')
    t.problem(w.officer.post('/api/v1/risk/points', {'unit_id': 999999, 'kind': 'place',
                                                     'name': 'x'}), 422, 'unit_id')
    t.problem(w.officer.post(f'/api/v1/risk/points/{p["id"]}/sources',
                             {'name': 'x', 'factor': 'luck', 'accident_types': [28]}),
              422, 'factor')
    t.problem(w.officer.post(f'/api/v1/risk/points/{p["id"]}/sources',
                             {'name': 'x', 'factor': 'person', 'accident_types': [28]}),
              422, 'accident_types')
    sid = s['id']
    t.problem(w.assess(sid, status=422, method='lec', l=5, e=6, c=100), 422, 'l')
    t.problem(w.assess(sid, status=422, method='lec', l=6, e=7, c=100), 422, 'e')
    t.problem(w.assess(sid, status=422, method='lec', l=6, e=6, c=0), 422, 'c')
    t.problem(w.assess(sid, status=422, method='lec', l=6, e=6), 422, 'c')
    t.problem(w.assess(sid, status=422, method='ls', l=6, s=1), 422, 'l')
    t.problem(w.assess(sid, status=422, method='ls', l=2, s=0), 422, 's')
    t.problem(w.assess(sid, status=422, method='ls', l=2.5, s=2), 422, 'l')
    t.problem(w.assess(sid, status=422, method='ls', l=2, s=2, e=3), 422, 'e')
    t.problem(w.assess(sid, status=422, method='matrix', l=2, s=2), 422, 'method')
    t.eq(w.s.sql('SELECT COUNT(*) FROM risk_assessment')[0][0], 0, 'nothing written')
    # Names and texts of only spaces are as empty as '' (as the check items' texts are).
    t.problem(w.officer.post('/api/v1/risk/units', {'kind': 'place', 'name': ' \t '}), 422,
              'name')
    t.problem(w.officer.post('/api/v1/risk/points', {'unit_id': u['id'], 'kind': 'place',
                                                     'name': '   '}), 422, 'name')
    t.problem(w.officer.patch(f'/api/v1/risk/sources/{sid}', {'name': '  '}), 422, 'name')
    t.problem(w.officer.post('/api/v1/risk/zones', {'colour': 'red', 'name': ' '}), 422, 'name')
    t.problem(w.officer.post(f'/api/v1/risk/sources/{sid}/measures',
                             {'kind': 'ppe', 'description': ' ', 'control_level': 'company',
                              'responsible_name': '\u3000'}), 422, 'description')
    t.problem(w.officer.post(f'/api/v1/risk/sources/{sid}/measures',
                             {'kind': 'ppe', 'description': '戴手套', 'control_level': 'company',
                              'responsible_name': '  '}), 422, 'responsible_name')
    t.eq(w.s.sql("SELECT COUNT(*) FROM risk_unit WHERE trim(name) = ''")[0][0], 0)
    t.problem(w.officer.get('/api/v1/risk/points?grade=5'), 400, 'grade')
    t.problem(w.officer.get('/api/v1/risk/points?reassess=soon'), 400, 'reassess')
    t.problem(w.officer.get('/api/v1/risk/units?colour=red'), 400, 'colour')


def test_lec_at_the_thresholds(t):
    w = Risk(t)
    _, p, s = w.chain()
    # STANDARDS.md §2.1, table lec_four_colour_v1: D >= 320 red, >= 160 orange, >= 70 yellow.
    cases = [(360, 1, 'red', '重大风险'), (300, 2, 'orange', '较大风险'),
             (180, 2, 'orange', '较大风险'), (150, 3, 'yellow', '一般风险'),
             (70, 3, 'yellow', '一般风险'), (60, 4, 'blue', '低风险')]
    for d, g, colour, name in cases:
        l, e, c = lec_for(d)
        r = w.assess(s['id'], method='lec', l=l, e=e, c=c, note=f'D={d}')
        t.eq((r.json['value'], r.json['grade'], r.json['colour'], r.json['grade_name'],
              r.json['table_id'], r.json['method']),
             (d, g, colour, name, 'lec_four_colour_v1', 'lec'), f'D={d}')
        t.eq((r.json['l'], r.json['e'], r.json['c']), (l, e, c))
        t.eq(r.json['assessed_day'], '2026-11-30', 'local UTC+8 day')
        t.eq(r.json['assessor_name'], 'eoff1')
        got = w.officer.get(f'/api/v1/risk/points/{p["id"]}').json
        t.eq((got['grade'], got['colour']), (g, colour), f'point after D={d}')
    # 0.5 x 6 x 100 is exactly 300 (not 299.99...): orange.
    r = w.assess(s['id'], method='lec', l=0.5, e=6, c=100)
    t.eq((r.json['value'], r.json['grade']), (300, 2))
    h = w.officer.get(f'/api/v1/risk/points/{p["id"]}/assessments').json['items']
    t.eq(len(h), len(cases) + 1, 'every reassessment kept')
    t.eq([a['note'] for a in h[1:]], [f'D={d}' for d, *_ in reversed(cases)], 'newest first')
    t.eq(w.s.sql('SELECT COUNT(*) FROM risk_assessment WHERE table_id = ?',
                 ('lec_four_colour_v1',))[0][0], len(cases) + 1, 'table id recorded')


def test_ls_at_every_bound_and_industry_table(t):
    w = Risk(t)
    _, _, s = w.chain()
    # STANDARDS.md §2.2, ls_db37_v1: R 20-25 red, 15-16 orange, 9-12 yellow, 1-8 blue.
    cases = [((2, 4), 8, 4), ((3, 3), 9, 3), ((3, 4), 12, 3), ((3, 5), 15, 2),
             ((4, 4), 16, 2), ((4, 5), 20, 1), ((5, 5), 25, 1), ((1, 1), 1, 4)]
    for (l, sv), rv, g in cases:
        r = w.assess(s['id'], method='ls', l=l, s=sv)
        t.eq((r.json['value'], r.json['grade'], r.json['table_id'], r.json['l'], r.json['s']),
             (rv, g, 'ls_db37_v1', l, sv), f'R={rv}')
    # Coal mining (GB/T 4754 '06'): data/risk/industry_tables.csv picks ls_coal_v1, where
    # R 15-19 is orange and 10-14 yellow: R 9 blue, 16 orange, 20 red.
    _, _, cs = w.chain(c=w.officer3)
    for (l, sv), rv, g in [((3, 3), 9, 4), ((2, 5), 10, 3), ((4, 4), 16, 2), ((4, 5), 20, 1)]:
        r = w.assess(cs['id'], who=w.officer3, method='ls', l=l, s=sv)
        t.eq((r.json['value'], r.json['grade'], r.json['table_id']), (rv, g, 'ls_coal_v1'),
             f'coal R={rv}')
    r = w.officer.get('/api/v1/risk/tables')
    t.status(r, 200)
    t.eq(r.json['in_force'], {'lec': 'lec_four_colour_v1', 'ls': 'ls_db37_v1'})
    t.eq({i['table_id'] for i in r.json['items']},
         {'lec_four_colour_v1', 'ls_db37_v1', 'ls_17_v1', 'ls_coal_v1'})
    t.eq([(i['industry_prefix'], i['method'], i['table_id']) for i in r.json['industry']],
         [('06', 'ls', 'ls_coal_v1')])


def test_configured_table(t):
    w = Risk(t, extra=['--set', 'risk.ls_table=ls_17_v1'])
    _, _, s = w.chain()
    r = w.assess(s['id'], method='ls', l=1, s=5)   # R 5: yellow by ls_17_v1, blue by db37
    t.eq((r.json['grade'], r.json['table_id']), (3, 'ls_17_v1'))
    try:
        t.server(['--set', 'risk.lec_table=ls_db37_v1'])
        why = ''
    except RuntimeError as e:
        why = str(e)
    t.true("risk.lec_table: 'ls_db37_v1' is not a loaded lec grading table" in why,
           'a table of the wrong method is refused at start')


def test_point_unit_enterprise_grades(t):
    w = Risk(t)
    u, p, s1 = w.chain()
    s2 = w.source(p['id'], name='物料泄漏')
    e = w.officer.get(f'/api/v1/risk/enterprises/{w.e1}').json
    t.eq((e['grade'], e['points'], e['units'], e['red']), (None, 1, 1, 0), 'none assessed')
    w.assess(s1['id'], method='ls', l=2, s=2)       # blue
    w.assess(s2['id'], method='ls', l=3, s=5)       # orange
    got = w.officer.get(f'/api/v1/risk/points/{p["id"]}').json
    t.eq((got['grade'], got['colour'], got['control_level']), (2, 'orange', 'department'),
         'a point is its highest source')
    t.eq([x['grade'] for x in got['sources']], [4, 2])
    t.eq(got['sources'][1]['assessment']['value'], 15)
    t.eq((got['last_assessed_day'], got['reassess_due'], got['reassess_overdue']),
         ('2026-11-30', '2027-11-30', False))
    t.eq(w.officer.get(f'/api/v1/risk/units/{u["id"]}').json['grade'], 2)
    p2 = w.point(u['id'], name='储罐区')
    s3 = w.source(p2['id'])
    w.assess(s3['id'], method='ls', l=2, s=4)       # blue
    e = w.officer.get(f'/api/v1/risk/enterprises/{w.e1}').json
    t.eq((e['grade'], e['colour'], e['grade_name'], e['orange'], e['blue'], e['points']),
         (2, 'orange', '较大风险', 1, 1, 2), 'enterprise: its highest point')
    t.true('highest' in e['rule'])
    t.eq(e['site_plan'], None)
    # The orange source reassessed down: point and enterprise follow in the same write.
    w.assess(s2['id'], method='ls', l=1, s=2)
    e = w.officer.get(f'/api/v1/risk/enterprises/{w.e1}').json
    t.eq((e['grade'], e['orange'], e['blue']), (4, 0, 2))
    t.eq(w.s.sql('SELECT grade, red, orange, yellow, blue FROM risk_enterprise '
                 'WHERE enterprise_id = ?', (w.e1,)), [(4, 0, 0, 0, 2)])
    # Lists by grade and the reassessment filter.
    r = w.inspector.get('/api/v1/risk/points?grade=4')
    t.eq(sorted(i['id'] for i in r.json['items']), sorted([p['id'], p2['id']]))
    t.eq(w.inspector.get('/api/v1/risk/points?reassess=overdue').json['items'], [])
    w.s.sql("UPDATE risk_point SET reassess_due = '2026-11-30' WHERE id = ?", (p['id'],))
    r = w.inspector.get('/api/v1/risk/points?reassess=overdue')
    t.eq([(i['id'], i['reassess_overdue']) for i in r.json['items']], [(p['id'], True)])


def test_measure_levels(t):
    w = Risk(t)
    _, p, s = w.chain()
    w.assess(s['id'], method='ls', l=3, s=5)        # orange: department or higher
    body = {'kind': 'engineering', 'description': '安全阀定期校验', 'responsible_name': '王工'}
    t.problem(w.officer.post(f'/api/v1/risk/sources/{s["id"]}/measures',
                             dict(body, control_level='team')), 422, 'control_level')
    r = w.officer.post(f'/api/v1/risk/sources/{s["id"]}/measures',
                       dict(body, control_level='department',
                            responsible_user_id=w.officer.id))
    t.status(r, 201)
    m = r.json
    t.eq((m['control_level'], m['level_short'], m['active'], m['responsible_user_id']),
         ('department', False, True, w.officer.id))
    t.problem(w.officer.post(f'/api/v1/risk/sources/{s["id"]}/measures',
                             dict(body, control_level='company',
                                  responsible_user_id=w.officer2.id)), 422,
              'responsible_user_id')
    t.problem(w.officer.post(f'/api/v1/risk/sources/{s["id"]}/measures',
                             dict(body, control_level='boss')), 422, 'control_level')
    # Reassessed red: the department measure is now short (company needed).
    w.assess(s['id'], method='ls', l=4, s=5)
    got = w.officer.get(f'/api/v1/risk/points/{p["id"]}').json
    t.eq(got['sources'][0]['measures'][0]['level_short'], True, 'flagged after reassessment')
    t.eq(got['measure_count'], 1)
    t.problem(w.officer.patch(f'/api/v1/risk/measures/{m["id"]}',
                              {'control_level': 'department'}), 422, 'control_level')
    r = w.officer.patch(f'/api/v1/risk/measures/{m["id"]}', {'control_level': 'company'})
    t.status(r, 200)
    t.eq((r.json['control_level'], r.json['level_short']), ('company', False))
    # A blue source takes any level.
    _, _, sb = w.chain(unit='仓库', point='货架区')
    w.assess(sb['id'], method='ls', l=1, s=2)
    t.status(w.officer.post(f'/api/v1/risk/sources/{sb["id"]}/measures',
                            dict(body, control_level='post')), 201)
    t.status(w.officer.delete(f'/api/v1/risk/measures/{m["id"]}'), 204)
    t.problem(w.officer.delete(f'/api/v1/risk/sources/{s["id"]}'), 409)


def test_polygons(t):
    w = Risk(t)
    u = w.unit()
    path = f'/api/v1/risk/units/{u["id"]}'
    t.problem(w.officer.patch(path, {'polygon': [[0, 0], [1, 1]]}), 422, 'polygon')
    t.problem(w.officer.patch(path, {'polygon': [[0, 0], [1, 'a'], [2, 2]]}), 422, 'polygon')
    t.problem(w.officer.patch(path, {'polygon': [[0, 0], [1], [2, 2]]}), 422, 'polygon')
    t.problem(w.officer.patch(path, {'polygon': [[i, i] for i in range(501)]}), 422, 'polygon')
    t.status(w.officer.patch(path, {'polygon': [[i, i] for i in range(500)]}), 200)
    r = w.officer.patch(path, {'polygon': [[0, 0], [500, 0], [250, 400.5]]})
    t.status(r, 200)
    t.eq(r.json['polygon'], [[0, 0], [500, 0], [250, 400.5]])
    # With a site plan of 40 x 30 pixels, vertices must lie inside it.
    r = w.officer.request('PUT', f'/api/v1/risk/enterprises/{w.e1}/site-plan', raw=png(40, 30),
                          content_type='image/png')
    t.status(r, 200)
    t.problem(w.officer.patch(path, {'polygon': [[0, 0], [41, 0], [20, 20]]}), 422, 'polygon')
    t.status(w.officer.patch(path, {'polygon': [[0, 0], [40, 0], [20, 30]]}), 200)
    t.status(w.officer.patch(path, {'polygon': None}), 200)
    t.eq(w.officer.get(path).json['polygon'], None)


def test_site_plan(t):
    w = Risk(t)
    base = f'/api/v1/risk/enterprises/{w.e1}/site-plan'
    t.problem(w.officer.get(base), 404)
    img = png(64, 48, seed=3)
    r = w.officer.request('PUT', base, raw=img, content_type='image/png')
    t.status(r, 200)
    t.eq((r.json['width'], r.json['height'], r.json['url']), (64, 48, base + '/image'))
    t.eq(w.inspector.get(base).json['sha256'], r.json['sha256'])
    r = w.patroller.get(base + '/image')
    t.status(r, 200)
    t.eq(r.header('content-type'), 'image/jpeg')
    t.true(r.body[:3] == b'\xff\xd8\xff', 'a JPEG without metadata')
    t.eq(w.officer.get(f'/api/v1/risk/enterprises/{w.e1}').json['site_plan']['width'], 64)
    t.eq(w.officer.request('PUT', base, raw=b'GIF89a....', content_type='image/gif').status,
         415)
    t.problem(w.officer.request('PUT', base, raw=b'not an image at all',
                                content_type='image/png'), 422, 'image')
    t.problem(w.officer.request('PUT', base, raw=b'\x89PNG\r\n\x1a\nbroken',
                                content_type='image/png'), 422, 'image')
    t.problem(w.officer2.request('PUT', base, raw=img, content_type='image/png'), 404)
    t.problem(w.officer2.get(base + '/image'), 404)
    t.eq(w.s.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'risk.site_plan.put'")[0][0], 1)


def test_zones(t):
    w = Risk(t)
    r = w.officer.post('/api/v1/risk/zones', {'colour': 'red', 'name': '罐区',
                                              'entry_rules': '持证进入',
                                              'polygon': [[0, 0], [5, 0], [0, 5]]})
    t.status(r, 201)
    z = r.json
    t.eq((z['enterprise_id'], z['colour'], z['entry_rules']), (w.e1, 'red', '持证进入'))
    t.problem(w.officer.post('/api/v1/risk/zones', {'colour': 'blue', 'name': 'x'}), 422,
              'colour')
    r = w.officer.patch(f'/api/v1/risk/zones/{z["id"]}', {'colour': 'yellow'})
    t.eq(r.json['colour'], 'yellow')
    t.eq([i['id'] for i in w.inspector.get('/api/v1/risk/zones').json['items']], [z['id']])
    t.eq(w.officer2.get('/api/v1/risk/zones').json['items'], [])
    t.problem(w.officer2.patch(f'/api/v1/risk/zones/{z["id"]}', {'colour': 'red'}), 404)
    t.status(w.officer.delete(f'/api/v1/risk/zones/{z["id"]}'), 204)


def test_scope(t):
    w = Risk(t)
    u, p, s = w.chain()
    u2, p2, s2 = w.chain(c=w.officer2, unit='机房', point='配电间')
    # Another enterprise's officer: 404 for reads and writes, hidden in lists.
    for path in (f'/api/v1/risk/units/{u["id"]}', f'/api/v1/risk/points/{p["id"]}',
                 f'/api/v1/risk/points/{p["id"]}/assessments',
                 f'/api/v1/risk/enterprises/{w.e1}'):
        t.problem(w.officer2.get(path), 404)
    t.problem(w.officer2.patch(f'/api/v1/risk/units/{u["id"]}', {'name': 'x'}), 404)
    t.problem(w.officer2.post(f'/api/v1/risk/sources/{s["id"]}/assessments',
                              {'method': 'ls', 'l': 1, 's': 1}), 404)
    t.problem(w.officer2.post('/api/v1/risk/units', {'enterprise_id': w.e1, 'kind': 'place',
                                                     'name': 'x'}), 403, 'enterprise_id')
    t.problem(w.officer2.post('/api/v1/risk/points', {'unit_id': u['id'], 'kind': 'place',
                                                      'name': 'x'}), 422, 'unit_id')
    t.eq([i['id'] for i in w.officer2.get('/api/v1/risk/points').json['items']], [p2['id']])
    # A patroller sees its grid's enterprises only (E1 and the coal mine in G1).
    t.eq(sorted(i['id'] for i in w.patroller.get('/api/v1/risk/units').json['items']),
         [u['id']])
    t.problem(w.patroller.get(f'/api/v1/risk/units/{u2["id"]}'), 404)
    t.status(w.patroller.get(f'/api/v1/risk/points/{p["id"]}'), 200)
    t.problem(w.patroller.post(f'/api/v1/risk/points/{p["id"]}/sources',
                               {'name': 'x', 'factor': 'person'}), 403)
    # A region inspector sees its region only; region filter within it.
    t.eq([i['id'] for i in w.inspector.get('/api/v1/risk/points').json['items']], [p['id']])
    t.eq([i['id'] for i in w.inspector.get(f'/api/v1/risk/points?region={R1}').json['items']],
         [p['id']])
    t.problem(w.inspector.get(f'/api/v1/risk/points/{p2["id"]}'), 404)
    t.eq(len(w.leader.get('/api/v1/risk/points').json['items']), 2)
    t.eq(len(w.leader.get(f'/api/v1/risk/points?enterprise_id={w.e2}').json['items']), 1)
    # The administrator writes anywhere in its scope.
    r = w.a.post('/api/v1/risk/units', {'enterprise_id': w.e2, 'kind': 'place',
                                        'name': '门卫'})
    t.status(r, 201)
    # Paging.
    for i in range(3):
        w.unit(name=f'车间{i}')
    r = w.officer.get('/api/v1/risk/units?limit=2')
    t.eq(len(r.json['items']), 2)
    r2 = w.officer.get(f'/api/v1/risk/units?limit=2&after={r.json["next"]}')
    t.eq(len(r2.json['items']), 2)
    t.eq(r2.json['next'], None)


if __name__ == '__main__':
    run(globals())
