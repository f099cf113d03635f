#!/usr/bin/env python3
"""The map layers (issue 3, docs/map.md): /api/v1/map/config, /boundaries, /grids, /enterprises.
GeoJSON shapes (RFC 7946), CGCS2000 coordinates converted from the GCJ-02 source files, data
scopes equal to those of the lists (a grid patroller sees only its grids' enterprises, a county
user only its county), filters, the max_points cap, and bad arguments named."""
import json
import math
import os
import subprocess

from harness import BIN, SRC_ROOT, run, uscc

R1, R2 = '320902', '320903'          # 亭湖区, 盐都区
T1, T2 = '320902001', '320903002'    # 五星街道 in R1, 张庄街道 in R2
COUNTIES = ['320902', '320903', '320904', '320921', '320922', '320923', '320924', '320925',
            '320981']


def wgs84_to_gcj02(lat, lon):
    """The published forward GCJ-02 formula (coordtransform, eviltransform), independently
    written here so that the server's inverse can be checked against it."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
    dlat += (20 * math.sin(y * math.pi) + 40 * math.sin(y / 3 * math.pi)) * 2 / 3
    dlat += (160 * math.sin(y / 12 * math.pi) + 320 * math.sin(y * math.pi / 30)) * 2 / 3
    dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
    dlon += (20 * math.sin(x * math.pi) + 40 * math.sin(x / 3 * math.pi)) * 2 / 3
    dlon += (150 * math.sin(x / 12 * math.pi) + 300 * math.sin(x / 30 * math.pi)) * 2 / 3
    rad = lat / 180 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    dlat = dlat * 180 / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    dlon = dlon * 180 / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lat + dlat, lon + dlon


def square(lon, lat, half=0.01):
    w, e, s, n = (round(v, 6) for v in (lon - half, lon + half, lat - half, lat + half))
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return {'type': 'Polygon', 'coordinates': [ring]}


def signed_area(ring):
    """Shoelace area in square degrees: positive when the ring runs counterclockwise."""
    x0, y0 = ring[0][0], ring[0][1]
    return sum((a[0] - x0) * (b[1] - y0) - (b[0] - x0) * (a[1] - y0)
               for a, b in zip(ring, ring[1:])) / 2


def right_hand_faults(geometry):
    """RFC 7946 §3.1.6: exterior rings counterclockwise, holes clockwise. The rings that
    break it, as (polygon, ring) indexes."""
    polys = geometry['coordinates'] if geometry['type'] == 'MultiPolygon' else \
        [geometry['coordinates']]
    return [(i, k) for i, poly in enumerate(polys) for k, ring in enumerate(poly)
            if (signed_area(ring) > 0) != (k == 0)]


def props(fc):
    return [f['properties'] for f in fc['features']]


def ids(fc):
    return sorted(p['id'] for p in props(fc))


class World:
    """Two counties, a grid with a boundary in each, one without; located and unlocated
    enterprises in both; a client for a county inspector, a grid patroller and an officer."""

    def __init__(self, t, extra=()):
        self.s = s = t.server(list(extra))
        self.a = a = s.admin()

        def ok(r):
            t.status(r, 201, 'fixture')
            return r.json['id']

        self.g1 = ok(a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格', 'region_code': T1,
                                              'geometry': square(120.16, 33.38)}))
        self.g2 = ok(a.post('/api/v1/grids', {'code': 'G2', 'name': '张庄一网格', 'region_code': T2,
                                              'geometry': square(120.05, 33.35)}))
        self.g3 = ok(a.post('/api/v1/grids', {'code': 'G3', 'name': '无边界网格',
                                              'region_code': T1}))
        self.officer_code = uscc(R1, 'MA000001')

        def ent(code, name, region, grid, lat=None, lon=None, industry='2614'):
            body = {'uscc': code, 'name': name, 'industry_code': industry, 'region_code': region,
                    'grid_id': grid}
            if lat is not None:
                body.update(lat=lat, lon=lon)
            return ok(a.post('/api/v1/enterprises', body))

        self.e1 = ent(self.officer_code, '亭湖化工一厂', T1, self.g1, 33.381, 120.161)
        self.e2 = ent(uscc(R1, 'MA000002'), '亭湖纺织二厂', T1, self.g3, 33.39, 120.2, '1711')
        self.e3 = ent(uscc(R1, 'MA000003'), '亭湖无坐标厂', T1, self.g1)
        self.e4 = ent(uscc(R2, 'MA000004'), '盐都化工四厂', T2, self.g2, 33.351, 120.051)
        self.inspector = s.user('insp.r1', 'inspector', 'region:' + R1)
        self.patroller = s.user('patrol.g1', 'grid_patroller', f'grids:{self.g1}')
        self.officer = s.user('officer.e1', 'enterprise_officer', 'enterprise:' + self.officer_code)


def test_config_defaults_and_settings(t):
    s = t.server(['--set', 'map.tile_url=https://tiles.example.cn/{z}/{x}/{y}.png',
                  '--set', 'map.tile_attribution=© 示例图源'])
    r = s.admin().get('/api/v1/map/config')
    t.status(r, 200)
    t.eq(set(r.json), {'tile_url', 'tile_attribution', 'center', 'zoom', 'home_region'})
    t.eq(r.json['tile_url'], 'https://tiles.example.cn/{z}/{x}/{y}.png')
    t.eq(r.json['tile_attribution'], '© 示例图源')
    # No boundary is stored without the demo: the map opens on China.
    t.eq((r.json['center'], r.json['zoom'], r.json['home_region']), ([35.0, 105.0], 4, None))
    c = s.user('insp.r1', 'inspector', 'region:' + R1)
    r = c.get('/api/v1/map/config')
    t.eq(r.json['home_region'], R1)
    t.problem(c.get('/api/v1/map/config?zoom=3'), 400, 'zoom')
    # Defaults: no external tiles.
    s2 = t.server()
    r = s2.admin().get('/api/v1/map/config')
    t.eq((r.json['tile_url'], r.json['tile_attribution']), ('', ''))


def test_config_rejects_unsafe_tile_settings(t):
    """Tile settings end up in a browser: anything but a tile URL template or plain text
    stops the program at start (exit status 2, the key named)."""
    for arg in ('map.tile_url=javascript:alert(1)/{z}/{x}/{y}', 'map.tile_url=https://x/{z}.png',
                'map.tile_attribution=<img src=x onerror=alert(1)>', 'map.max_points=0'):
        r = subprocess.run([BIN, 'version', '--set', arg], capture_output=True, text=True)
        t.eq(r.returncode, 2, arg)
        t.true(arg.split('=')[0] in r.stderr, f'{arg}: {r.stderr}')
    # A URL is ASCII: a byte that is not valid UTF-8 used to pass and make every
    # /map/config answer a 500 (the value cannot be put into JSON); other quotes too.
    for arg in (b'map.tile_url=https://x/{z}/{x}/{y}.png\x80',
                'map.tile_url=https://x/{z}/{x}/{y}/瓦片.png'.encode(),
                b"map.tile_url=https://x/{z}/{x}/{y}.png' onerror='x"):
        r = subprocess.run([BIN.encode(), b'version', b'--set', arg], capture_output=True)
        t.eq(r.returncode, 2, arg)
        t.true(b'map.tile_url' in r.stderr, f'{arg}: {r.stderr}')


def test_config_view_follows_the_scope_on_the_demo(t):
    s = t.server(['--demo'])
    a = s.admin()
    city = a.get('/api/v1/map/config').json
    t.eq(city['home_region'], '320900', 'the widest stored boundary')
    lat, lon = city['center']
    t.true(32.5 < lat < 34.5 and 119.4 < lon < 121.0, f'city centre {city["center"]}')
    t.true(7 <= city['zoom'] <= 9, f'city zoom {city["zoom"]}')
    county = s.user('insp.xs', 'inspector', 'region:320921').get('/api/v1/map/config').json
    t.eq(county['home_region'], '320921')
    t.true(county['zoom'] > city['zoom'], f'a county opens closer: {county} {city}')
    # A town has no boundary: the view is its county's.
    town = s.user('insp.town', 'inspector', 'region:320921100').get('/api/v1/map/config').json
    t.eq(town['home_region'], '320921100')
    t.eq((town['center'], town['zoom']), (county['center'], county['zoom']))
    # A grid worker: the grid's cell; an officer: the enterprise's point at zoom 15.
    grid = a.get('/api/v1/grids?region=320902&limit=1').json['items'][0]
    g = s.user('patrol.demo', 'grid_patroller', f'grids:{grid["id"]}').get('/api/v1/map/config')
    ring = a.get(f'/api/v1/grids/{grid["id"]}').json['geometry']['coordinates'][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    lat, lon = g.json['center']
    t.true(min(lats) < lat < max(lats) and min(lons) < lon < max(lons), g.json)
    t.eq(g.json['home_region'], grid['region_code'])
    e = a.get('/api/v1/enterprises?region=320921&limit=1').json['items'][0]
    o = s.user('officer.demo', 'enterprise_officer', 'enterprise:' + e['uscc'])
    v = o.get('/api/v1/map/config').json
    t.eq((v['center'], v['zoom'], v['home_region']),
         ([round(e['lat'], 6), round(e['lon'], 6)], 15, e['region_code']))


def test_config_of_an_officer_names_its_enterprise_division(t):
    """docs/map.md: an enterprise scope opens on the enterprise's division, located or not
    (an unlocated one named the division of the credit code's registering authority, so
    320902 for an enterprise of the town 320902001, and the located one its town)."""
    w = World(t)
    e3 = w.a.get(f'/api/v1/enterprises/{w.e3}').json
    o3 = w.s.user('officer.e3', 'enterprise_officer', 'enterprise:' + e3['uscc'])
    v = o3.get('/api/v1/map/config').json
    t.eq((v['home_region'], v['center'], v['zoom']), (T1, [35.0, 105.0], 4),
         'no location, no stored outline: China, but its own division')
    v = w.officer.get('/api/v1/map/config').json
    t.eq((v['home_region'], v['center'], v['zoom']), (T1, [33.381, 120.161], 15))
    # An officer whose enterprise is not on file yet: the registering authority's division.
    o = w.s.user('officer.none', 'enterprise_officer', 'enterprise:' + uscc(R2, 'MA000099'))
    t.eq(o.get('/api/v1/map/config').json['home_region'], R2)


def test_boundaries_are_converted_from_gcj02(t):
    """The stored outlines are the source's GCJ-02 vertices moved back to CGCS2000: the
    forward formula applied to each returned vertex gives the source vertex again."""
    s = t.server(['--demo'])
    a = s.admin()
    r = a.get('/api/v1/map/boundaries?parent=320900')
    t.status(r, 200)
    t.eq(r.json['type'], 'FeatureCollection')
    t.eq(sorted(p['code'] for p in props(r.json)), COUNTIES)
    with open(os.path.join(SRC_ROOT, 'data', 'geo', '320900_yancheng_counties.geojson'),
              encoding='utf-8') as fh:
        source = {str(f['properties']['adcode']): f for f in json.load(fh)['features']}
    checked = 0
    for f in r.json['features']:
        p = f['properties']
        t.eq(set(p), {'code', 'name', 'level'})
        t.eq((p['level'], p['name']), (3, source[p['code']]['properties']['name']))
        t.eq(f['geometry']['type'], 'MultiPolygon')
        src = source[p['code']]['geometry']['coordinates']
        got = f['geometry']['coordinates']
        t.eq([len(ring) for poly in got for ring in poly],
             [len(ring) for poly in src for ring in poly], p['code'])
        # RFC 7946 §3.1.6 (a MUST for producers): the source's rings run clockwise, the
        # served ones follow the right-hand rule, the same vertices in reverse order.
        t.eq(right_hand_faults(f['geometry']), [], p['code'])
        for gpoly, spoly in zip(got, src):
            for k, (gring, sring) in enumerate(zip(gpoly, spoly)):
                if (signed_area(sring) > 0) != (k == 0):
                    sring = sring[::-1]
                for (lon, lat), (slon, slat) in zip(gring, sring):
                    glat, glon = wgs84_to_gcj02(lat, lon)
                    if abs(glat - slat) > 2e-7 or abs(glon - slon) > 2e-7:
                        raise AssertionError(f'{p["code"]}: {lon},{lat} -> {glon},{glat}, '
                                             f'source {slon},{slat}')
                    # The offset is real here: about 500 m.
                    t.true(abs(lon - slon) + abs(lat - slat) > 2e-3, f'{lon},{lat} not moved')
                    checked += 1
    t.true(checked > 1500, f'only {checked} vertices')
    r = a.get('/api/v1/map/boundaries?code=320900')
    t.eq([(p['code'], p['name'], p['level']) for p in props(r.json)], [('320900', '盐城市', 2)])
    t.eq(right_hand_faults(r.json['features'][0]['geometry']), [], '320900')
    # A row stored clockwise (as the first build of the loader did) is served turned.
    geometry = json.loads(s.sql("SELECT geometry FROM boundary WHERE region_code = '320900'")[0][0])
    geometry['coordinates'] = [[ring[::-1] for ring in poly] for poly in geometry['coordinates']]
    s.sql("UPDATE boundary SET geometry = ? WHERE region_code = '320900'", (json.dumps(geometry),))
    served = a.get('/api/v1/map/boundaries?code=320900').json['features'][0]['geometry']
    t.true(right_hand_faults(geometry) != [], 'the stored rings now run clockwise')
    t.eq(right_hand_faults(served), [], 'served by the right-hand rule')
    t.eq(props(a.get('/api/v1/map/boundaries?parent=320000').json),
         [{'code': '320900', 'name': '盐城市', 'level': 2}], 'the city under its province')
    t.eq(a.get('/api/v1/map/boundaries?parent=320902').json['features'], [], 'no town outlines')
    t.eq(a.get('/api/v1/map/boundaries?parent=440100').json['features'], [])


def test_boundaries_arguments(t):
    s = t.server()
    c = s.user('officer.any', 'enterprise_officer', 'enterprise:' + uscc(R1, 'MA000009'))
    t.status(c.get('/api/v1/map/boundaries?parent=320900'), 200)  # reference data: region.read
    t.problem(c.get('/api/v1/map/boundaries'), 400, 'parent')
    t.problem(c.get('/api/v1/map/boundaries?parent=320900&code=320902'), 400, 'code')
    t.problem(c.get('/api/v1/map/boundaries?parent=32'), 400, 'parent')
    t.problem(c.get('/api/v1/map/boundaries?code=abcdef'), 400, 'code')
    t.problem(c.get('/api/v1/map/boundaries?parent=320900&parent=320902'), 400, 'parent')
    t.problem(c.get('/api/v1/map/boundaries?parent=320900&limit=5'), 400, 'limit')
    t.problem(c.get('/api/v1/map/boundaries?parent=329999'), 404)
    t.problem(s.anon().get('/api/v1/map/boundaries?parent=320900'), 401)


def test_grids_layer_follows_the_scope(t):
    w = World(t)
    r = w.a.get('/api/v1/map/grids')
    t.status(r, 200)
    t.eq(ids(r.json), sorted([w.g1, w.g2]), 'grids without a boundary are not drawn')
    t.eq(r.json['truncated'], False)
    f = [f for f in r.json['features'] if f['properties']['id'] == w.g1][0]
    t.eq(f['properties'], {'id': w.g1, 'name': '五星一网格', 'region_code': T1})
    t.eq(f['geometry'], square(120.16, 33.38))
    t.eq(ids(w.a.get('/api/v1/map/grids?region=' + R2).json), [w.g2])
    t.eq(ids(w.inspector.get('/api/v1/map/grids').json), [w.g1], 'a county user: its county')
    t.eq(ids(w.inspector.get('/api/v1/map/grids?region=' + R2).json), [])
    t.eq(ids(w.patroller.get('/api/v1/map/grids').json), [w.g1], 'a patroller: its grids')
    t.problem(w.officer.get('/api/v1/map/grids'), 403)
    # A grid drawn clockwise with a counterclockwise hole (as users may give it) is served
    # by the right-hand rule of RFC 7946 §3.1.6: the same rings, each turned the other way.
    outer = [[120.3, 33.3], [120.3, 33.4], [120.4, 33.4], [120.4, 33.3], [120.3, 33.3]]
    hole = [[120.33, 33.33], [120.37, 33.33], [120.37, 33.37], [120.33, 33.37], [120.33, 33.33]]
    g4 = w.a.post('/api/v1/grids', {'code': 'G4', 'name': '顺时针网格', 'region_code': T1,
                                    'geometry': {'type': 'Polygon', 'coordinates': [outer, hole]}})
    t.status(g4, 201)
    f = [f for f in w.a.get('/api/v1/map/grids').json['features']
         if f['properties']['id'] == g4.json['id']][0]
    t.eq(f['geometry']['coordinates'], [outer[::-1], hole[::-1]])
    t.eq(right_hand_faults(f['geometry']), [])
    t.problem(w.a.get('/api/v1/map/grids?region=1'), 400, 'region')
    t.problem(w.a.get('/api/v1/map/grids?after=3'), 400, 'after')


def test_enterprises_layer_follows_the_scope_like_the_list(t):
    w = World(t)
    r = w.a.get('/api/v1/map/enterprises')
    t.status(r, 200)
    t.eq(ids(r.json), sorted([w.e1, w.e2, w.e4]), 'only located enterprises')
    t.eq(r.json['truncated'], False)
    f = [f for f in r.json['features'] if f['properties']['id'] == w.e1][0]
    t.eq(f['properties'], {'id': w.e1, 'name': '亭湖化工一厂', 'high_risk': True,
                           'risk_grade': None})
    t.eq(f['geometry'], {'type': 'Point', 'coordinates': [120.161, 33.381]})
    for who, want in ((w.inspector, [w.e1, w.e2]), (w.patroller, [w.e1]),
                      (w.officer, [w.e1])):
        got = ids(who.get('/api/v1/map/enterprises').json)
        t.eq(got, sorted(want))
        listed = {e['id'] for e in who.get('/api/v1/enterprises?limit=500').json['items']
                  if e['lat'] is not None}
        t.eq(set(got), listed, 'the map shows what the list shows')
    # Filters: region, grid, high_risk, q (trigram search and short LIKE).
    t.eq(ids(w.a.get('/api/v1/map/enterprises?region=' + R2).json), [w.e4])
    t.eq(ids(w.a.get(f'/api/v1/map/enterprises?grid={w.g3}').json), [w.e2])
    t.eq(ids(w.a.get('/api/v1/map/enterprises?high_risk=false').json), [w.e2])
    t.eq(ids(w.a.get('/api/v1/map/enterprises?high_risk=true&region=' + R1).json), [w.e1])
    t.eq(ids(w.a.get('/api/v1/map/enterprises?q=%E5%8C%96%E5%B7%A5%E5%9B%9B').json), [w.e4])
    t.eq(ids(w.a.get('/api/v1/map/enterprises?q=%E7%BA%BA').json), [w.e2])
    t.eq(ids(w.patroller.get('/api/v1/map/enterprises?region=' + R2).json), [])
    for arg, field in (('grid=abc', 'grid'), ('grid=0', 'grid'), ('high_risk=maybe', 'high_risk'),
                       ('region=12', 'region'), ('q=', 'q'), ('limit=10', 'limit'),
                       ('sort=name', 'sort')):
        t.problem(w.a.get('/api/v1/map/enterprises?' + arg), 400, field)


def test_enterprises_layer_is_capped_by_max_points(t):
    w = World(t, ['--set', 'map.max_points=2'])
    r = w.a.get('/api/v1/map/enterprises')
    t.eq((ids(r.json), r.json['truncated']), (sorted([w.e1, w.e2]), True))
    r = w.a.get('/api/v1/map/enterprises?region=' + R2)
    t.eq((ids(r.json), r.json['truncated']), ([w.e4], False))
    r = w.a.get('/api/v1/map/grids')
    t.eq((len(r.json['features']), r.json['truncated']), (2, False))


run(globals())
