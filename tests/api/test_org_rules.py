#!/usr/bin/env python3
"""Organisation rules that span several entities (grids, their three roles, scopes)."""
from harness import run

R1, R2 = '320902', '320903'          # 亭湖区, 盐都区 (盐城市)
TOWN1 = '320902001'
SQUARE = {'type': 'Polygon', 'coordinates': [[[120.1, 33.3], [120.2, 33.3], [120.2, 33.4],
                                               [120.1, 33.3]]]}


def test_unchanged_grid_roles_are_not_rechecked(t):
    """Issue 2 §8 (grids with their three roles): a grid role is checked against the writer's
    scope when it is set; a region admin may still rename a grid whose manager, set by an
    all-regions admin, works outside that region, but may not set such a manager itself."""
    s = t.server()
    a = s.admin()
    r = a.post('/api/v1/users', {'login': 'mgr.r2', 'role': 'grid_manager',
                                 'scope': 'region:' + R2, 'password': 'Mgr-Pass-2026'})
    t.status(r, 201)
    mgr = r.json['id']
    r = a.post('/api/v1/grids', {'code': 'G-R1-1', 'name': '东区一格', 'region_code': TOWN1,
                                 'geometry': SQUARE, 'manager_id': mgr})
    t.status(r, 201)
    grid = r.json['id']
    ra = s.user('admin.r1', 'admin', 'region:' + R1)
    r = ra.patch(f'/api/v1/grids/{grid}', {'name': '东区一号网格'})
    t.status(r, 200)
    t.eq(r.json['name'], '东区一号网格')
    t.eq(r.json['manager_id'], mgr)
    t.problem(ra.patch(f'/api/v1/grids/{grid}', {'manager_id': mgr}), 403, 'manager_id')
    t.problem(ra.post('/api/v1/grids', {'code': 'G-R1-2', 'name': '东区二格',
                                        'region_code': TOWN1, 'manager_id': mgr}),
              403, 'manager_id')


run(globals())
