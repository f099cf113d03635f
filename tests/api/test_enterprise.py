#!/usr/bin/env python3
"""The enterprise file (issue 3, first slice): CRUD, credit-code checks (STANDARDS.md §5),
duplicates, GCJ-02 input, Chinese search, filters, paging, data scopes and phone masking."""
from urllib.parse import quote

from harness import run, uscc

R1, R2 = '320902', '320903'          # 亭湖区, 盐都区 (盐城市)
T1, T2 = '320902001', '320903002'
# Published codes that pass both checks (STANDARDS.md §5).
HUAWEI, SINOPEC = '914403001922038216', '91110000710926094P'


def body(code, name, region=R1, **kw):
    b = {'uscc': code, 'name': name, 'industry_code': '2614', 'region_code': region,
         'legal_rep': '张三', 'legal_rep_phone': '13812341234',
         'safety_officer': '李四', 'safety_officer_phone': '13900001111'}
    b.update(kw)
    return b


def test_create_read_change_delete_with_audit(t):
    s = t.server()
    a = s.admin()
    r = a.post('/api/v1/enterprises', body(SINOPEC, '中国石油化工股份有限公司',
                                           former_names=['中国石化'], employees=500,
                                           scale='large', std_grade='1', lat=33.38, lon=120.16))
    t.status(r, 201)
    e = r.json
    t.eq(e['uscc'], SINOPEC)
    t.eq(e['high_risk'], True, 'class 2614 (division 26) is high-risk')
    t.eq(e['high_risk_category'], 'hazchem')
    t.eq(e['former_names'], ['中国石化'])
    t.eq(e['legal_rep_phone'], '13812341234', 'admin sees phones in clear')
    t.eq(a.get(f'/api/v1/enterprises/{e["id"]}').json['name'], '中国石油化工股份有限公司')
    r = a.patch(f'/api/v1/enterprises/{e["id"]}', {'industry_code': '6513', 'status': 'suspended'})
    t.status(r, 200)
    t.eq((r.json['high_risk'], r.json['status']), (False, 'suspended'), 'high-risk rederived')
    t.eq(r.json['employees'], 500, 'fields not in the PATCH are kept')
    t.status(a.delete(f'/api/v1/enterprises/{e["id"]}'), 204)
    t.status(a.get(f'/api/v1/enterprises/{e["id"]}'), 404)
    actions = [x[0] for x in s.sql("SELECT action FROM audit_log WHERE entity = 'enterprise' "
                                   "ORDER BY id")]
    t.eq(actions, ['enterprise.create', 'enterprise.update', 'enterprise.delete'])
    r = s.cli('audit', 'verify')
    t.eq(r.returncode, 0, r.stdout + r.stderr)


def test_credit_codes_are_checked_and_unique(t):
    s = t.server()
    a = s.admin()
    t.status(a.post('/api/v1/enterprises', body(HUAWEI, '华为技术有限公司')), 201)
    t.problem(a.post('/api/v1/enterprises', body(HUAWEI, '另一家')), 409)
    # STANDARDS.md §5 negative examples: wrong check character, forbidden letters.
    for bad in ('91110000710926094Q', '91110000710926094I', '9I110000710926094P',
                '9111000071092609', '91110000710926094PP', 'ABCDEFGHJKLMNPQRTU'):
        t.problem(a.post('/api/v1/enterprises', body(bad, '坏代码')), 422, 'uscc')
    # A code whose check character holds but whose organization code does not.
    t.problem(a.post('/api/v1/enterprises', body('91110000710926095P', '坏代码')), 422, 'uscc')
    e = a.post('/api/v1/enterprises', body(SINOPEC, '中国石化')).json
    t.problem(a.patch(f'/api/v1/enterprises/{e["id"]}', {'uscc': HUAWEI}), 409)
    t.eq(s.sql('SELECT COUNT(*) FROM enterprise')[0][0], 2)


def test_other_fields_are_validated_by_name(t):
    s = t.server()
    a = s.admin()
    cases = [({'industry_code': '9999'}, 'industry_code'), ({'industry_code': '26'}, 'industry_code'),
             ({'industry_code': '261'}, 'industry_code'), ({'region_code': '999999'}, 'region_code'),
             ({'scale': 'huge'}, 'scale'), ({'std_grade': '4'}, 'std_grade'),
             ({'status': 'gone'}, 'status'), ({'lat': 48.85, 'lon': 2.35}, 'lat'),
             ({'lat': 33.3}, 'lon'), ({'coord_system': 'bd09', 'lat': 33.3, 'lon': 120.1},
                                      'coord_system'),
             ({'legal_rep_phone': 'call me'}, 'legal_rep_phone'), ({'employees': -1}, 'employees'),
             ({'former_names': ['']}, 'former_names'), ({'high_risk': True}, 'high_risk'),
             ({'grid_id': 999}, 'grid_id')]
    for extra, field in cases:
        t.problem(a.post('/api/v1/enterprises', body(uscc(R1), '某公司', **extra)), 422, field)
    t.eq(s.sql('SELECT COUNT(*) FROM enterprise')[0][0], 0)


def test_gcj02_input_is_stored_converted(t):
    s = t.server()
    a = s.admin()
    # wandergis/coordtransform README: WGS-84 (116.404, 39.915) -> GCJ-02
    # (116.41024449916938, 39.91640428150164).
    r = a.post('/api/v1/enterprises', body(uscc(R1), '北京某公司', coord_system='gcj02',
                                           lat=39.91640428150164, lon=116.41024449916938))
    t.status(r, 201)
    t.true(abs(r.json['lat'] - 39.915) < 1e-6 and abs(r.json['lon'] - 116.404) < 1e-6, r.json)
    t.eq(r.json['coord_system'], 'cgcs2000')
    lat, lon = s.sql('SELECT lat, lon FROM enterprise WHERE id = ?', (r.json['id'],))[0]
    t.true(abs(lat - 39.915) < 1e-6 and abs(lon - 116.404) < 1e-6, (lat, lon))
    r = a.patch(f'/api/v1/enterprises/{r.json["id"]}', {'lat': None, 'lon': None})
    t.eq((r.json['lat'], r.json['lon']), (None, None))


def test_search_filters_and_paging(t):
    s = t.server()
    a = s.admin()
    g1 = a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格', 'region_code': T1}).json['id']
    made = [
        body(uscc(R1, 'MA000001'), '盐城市亭湖区化工有限公司', industry_code='2614', grid_id=g1,
             std_grade='2'),
        body(uscc(R1, 'MA000002'), '亭湖区烟花爆竹经营部', industry_code='2672',
             former_names=['旧名鞭炮厂']),
        body(uscc(R2, 'MA000003'), '盐都区软件开发有限公司', region=R2, industry_code='6511',
             status='closed'),
        body(uscc(R2, 'MA000004'), '盐都区钢铁冶炼厂', region=T2, industry_code='3110'),
    ]
    ids = [a.post('/api/v1/enterprises', b).json['id'] for b in made]

    def q(query):
        r = a.get('/api/v1/enterprises?limit=500&' + quote(query, safe='=&%-'))
        t.status(r, 200, query)
        return [it['id'] for it in r.json['items']]

    t.eq(q('q=化工有限'), [ids[0]], 'trigram search by a Chinese substring')
    t.eq(q('q=有限公司'), [ids[0], ids[2]])
    t.eq(q('q=鞭炮厂'), [ids[1]], 'former names are searched')
    t.eq(q('q=烟花'), [ids[1]], 'two characters: LIKE')
    t.eq(q('q=MA000003'), [ids[2]], 'by credit code')
    t.eq(q(f'q={made[3]["uscc"]}'), [ids[3]])
    t.eq(q('q=%25'), [], 'LIKE wildcards are literal')
    t.eq(q('q=%22%20OR%20x'), [], 'FTS syntax is literal')
    t.eq(q('region=320903'), [ids[2], ids[3]], 'region subtree includes towns')
    t.eq(q(f'grid={g1}'), [ids[0]])
    t.eq(q('industry=26'), [ids[0], ids[1]])
    t.eq(q('industry=2672'), [ids[1]])
    t.eq(q('high_risk=true'), [ids[0], ids[1], ids[3]])
    t.eq(q('high_risk=false'), [ids[2]])
    t.eq(q('std_grade=2'), [ids[0]])
    t.eq(q('status=closed'), [ids[2]])
    t.eq(q('sort=-id'), list(reversed(ids)))
    for bad in ('region=12', 'industry=C26', 'high_risk=maybe', 'status=x', 'sort=phone',
                'colour=red', 'grid=x'):
        t.status(a.get('/api/v1/enterprises?' + bad), 400, bad)
    seen, after = [], None
    while True:
        r = a.get('/api/v1/enterprises?limit=3&sort=name' + (f'&after={after}' if after else ''))
        t.status(r, 200)
        seen += [it['id'] for it in r.json['items']]
        after = r.json['next']
        if after is None:
            break
    t.eq(sorted(seen), sorted(ids), 'keyset pages cover every row once')
    t.eq(len(seen), len(ids))


def test_scopes_and_masking(t):
    s = t.server()
    a = s.admin()
    g1 = a.post('/api/v1/grids', {'code': 'G1', 'name': '五星一网格', 'region_code': T1}).json['id']
    g2 = a.post('/api/v1/grids', {'code': 'G2', 'name': '张庄一网格', 'region_code': T2}).json['id']
    own = uscc(R1, 'MA000010')
    e1 = a.post('/api/v1/enterprises', body(own, '亭湖企业', region=T1, grid_id=g1)).json['id']
    e1b = a.post('/api/v1/enterprises', body(uscc(R1, 'MA000011'), '亭湖无网格企业')).json['id']
    e2 = a.post('/api/v1/enterprises', body(uscc(R2, 'MA000012'), '盐都企业', region=T2,
                                            grid_id=g2)).json['id']
    leader = s.user('leader.r1', 'leader', 'region:' + R1)
    insp = s.user('insp.r1', 'inspector', 'region:' + R1)
    gm = s.user('gm.g1', 'grid_manager', f'grids:{g1}')
    gp = s.user('gp.g1', 'grid_patroller', f'grids:{g1}')
    eo = s.user('eo.own', 'enterprise_officer', 'enterprise:' + own)

    def ids(c):
        return [it['id'] for it in c.get('/api/v1/enterprises?limit=500').json['items']]

    t.eq(ids(leader), [e1, e1b])
    t.eq(ids(insp), [e1, e1b])
    t.eq(ids(gm), [e1], 'grid roles see the enterprises of their grids only')
    t.eq(ids(gp), [e1])
    t.eq(ids(eo), [e1], 'an officer sees its own enterprise')
    for c in (leader, insp, gm, eo):
        t.status(c.get(f'/api/v1/enterprises/{e2}'), 403)
    t.status(gm.get(f'/api/v1/enterprises/{e1b}'), 403)
    # Masking: leader and grid roles see masked phones; admin, inspector and own officer do not.
    for c, masked in ((leader, True), (gp, True), (gm, True), (insp, False), (eo, False),
                      (a, False)):
        one = c.get(f'/api/v1/enterprises/{e1}').json
        listed = [it for it in c.get('/api/v1/enterprises').json['items'] if it['id'] == e1][0]
        for o in (one, listed):
            want = '138****1234' if masked else '13812341234'
            t.eq(o['legal_rep_phone'], want, 'legal_rep_phone')
            t.eq(o['safety_officer_phone'], '139****1111' if masked else '13900001111')
            t.eq(o['phones_masked'], masked)
    # Officer: contact fields of its own enterprise only; no identity fields, no create/delete.
    r = eo.patch(f'/api/v1/enterprises/{e1}', {'safety_officer': '王五',
                                               'safety_officer_phone': '13700002222'})
    t.status(r, 200)
    t.eq(r.json['safety_officer'], '王五')
    t.problem(eo.patch(f'/api/v1/enterprises/{e1}', {'name': '改名'}), 403, 'name')
    t.problem(eo.patch(f'/api/v1/enterprises/{e1}', {'std_grade': '1'}), 403, 'std_grade')
    t.status(eo.post('/api/v1/enterprises', body(uscc(R1, 'MA000013'), '新企业')), 403)
    t.status(eo.delete(f'/api/v1/enterprises/{e1}'), 403)
    # Grid manager: writes inside its grid; leader and patroller do not write.
    t.status(gm.post('/api/v1/enterprises', body(uscc(R1, 'MA000014'), '网格内新企业', region=T1,
                                                 grid_id=g1)), 201)
    t.problem(gm.post('/api/v1/enterprises', body(uscc(R1, 'MA000015'), '网格外新企业')), 403,
              'grid_id')
    t.problem(gm.patch(f'/api/v1/enterprises/{e1}', {'grid_id': g2, 'region_code': T2}), 403)
    t.status(leader.patch(f'/api/v1/enterprises/{e1}', {'address': 'x'}), 403)
    t.status(gp.patch(f'/api/v1/enterprises/{e1}', {'address': 'x'}), 403)
    # Inspector: writes in its region, not outside.
    t.problem(insp.post('/api/v1/enterprises', body(uscc(R2, 'MA000016'), '区外企业', region=R2)),
              403, 'region_code')
    t.problem(insp.patch(f'/api/v1/enterprises/{e1b}', {'region_code': R2}), 403, 'region_code')
    t.eq(s.sql('SELECT region_code FROM enterprise WHERE id = ?', (e1b,))[0][0], R1)


def test_cursors_do_not_reveal_other_scopes(t):
    """The keyset cursor (?after=) is looked up under the caller's scope: an enterprise id
    outside it pages exactly like an id that does not exist (an empty page), whatever the
    sort, so the cursor tells nothing about hidden rows (not even that they exist)."""
    s = t.server()
    a = s.admin()
    inside = a.post('/api/v1/enterprises', body(uscc(R1, 'MA1AAAAA'), '亭湖甲厂', T1))
    t.status(inside, 201)
    hidden = [a.post('/api/v1/enterprises', body(uscc(R2, f'MA1BBBB{i}'), name, T2))
              for i, name in enumerate(('盐都机密', '阿盐都', '座盐都'))]
    for r in hidden:
        t.status(r, 201)
    insp = s.user('insp.r1', 'inspector', 'region:' + R1)
    missing = max(r.json['id'] for r in hidden) + 1000
    for sort in ('name', '-name', 'uscc', '-uscc', 'id', '-id', 'region_code', '-updated_ms'):
        want = insp.get(f'/api/v1/enterprises?sort={quote(sort)}&after={missing}')
        t.status(want, 200, sort)
        for r in hidden:
            got = insp.get(f'/api/v1/enterprises?sort={quote(sort)}&after={r.json["id"]}')
            t.status(got, 200, sort)
            t.eq(got.json['items'], want.json['items'], f'sort={sort} after={r.json["id"]}')
        t.eq(want.json['items'], [], f'sort={sort}: a missing cursor gives an empty page')
    # The users list behaves the same for a region administrator.
    ra = s.user('admin.r1', 'admin', 'region:' + R1)
    other = s.user('insp.r2', 'inspector', 'region:' + R2)
    for sort in ('login', '-login', 'display_name'):
        got = ra.get(f'/api/v1/users?sort={sort}&after={other.id}')
        t.status(got, 200)
        t.eq(got.json['items'], [], f'users sort={sort}')


def test_region_is_a_county_or_a_town(t):
    """An enterprise lies in a county or a town: a prefecture or province code would take it
    out of its district's view (a grid worker could hide it from the district inspector)."""
    s = t.server()
    a = s.admin()
    for region in ('320900', '320000'):
        t.problem(a.post('/api/v1/enterprises', body(uscc(R1, 'MA1CCCCC'), '上级厂', region)),
                  422, 'region_code')
    r = a.post('/api/v1/enterprises', body(uscc(R1, 'MA1CCCCC'), '本级厂', R1))
    t.status(r, 201)
    t.problem(a.patch(f'/api/v1/enterprises/{r.json["id"]}', {'region_code': '320900'}), 422,
              'region_code')


def test_industry_table_is_loaded_with_all_levels(t):
    s = t.server()
    rows = dict(s.sql('SELECT level, COUNT(*) FROM industry GROUP BY level'))
    t.eq(rows, {1: 20, 2: 97, 3: 473, 4: 1381})
    t.eq(s.sql("SELECT name, parent_code FROM industry WHERE code = '2672'")[0],
         ('焰火、鞭炮产品制造', '267'))


run(globals())
