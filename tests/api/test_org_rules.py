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


def test_deleting_a_user(t):
    """Issue 2 §8 (CRUD of users): a deleted user cannot log in, its sessions and tokens end
    with it, the audit log keeps its login as text and records the deletion; a user that a
    grid still names as one of its three roles cannot be deleted (409); nobody deletes
    themselves (409)."""
    s = t.server()
    a = s.admin()
    u = s.user('zhao.liu', 'inspector', 'region:' + R1)
    t.status(u.get('/api/v1/me'), 200)
    bot = a.post('/api/v1/users', {'login': 'plc.bot', 'role': 'inspector',
                                   'scope': 'region:' + R1, 'machine': True})
    t.status(bot, 201)
    tok = a.post('/api/v1/tokens', {'user_id': bot.json['id'], 'name': 'gateway'})
    t.status(tok, 201)
    before = s.sql('SELECT COUNT(*) FROM audit_log')[0][0]
    t.status(a.delete(f'/api/v1/users/{u.id}'), 204)
    t.status(a.delete(f'/api/v1/users/{bot.json["id"]}'), 204)
    t.problem(u.get('/api/v1/me'), 401)
    _, r = s.login('zhao.liu', 'Test-Pass-2026')
    t.problem(r, 401)
    t.problem(s.anon().get('/api/v1/me', headers={'Authorization': 'Bearer ' + tok.json['token']}),
              401)
    t.problem(a.get(f'/api/v1/users/{u.id}'), 404)
    rows = s.sql("SELECT action, entity_id, json_extract(summary, '$.login') FROM audit_log "
                 "WHERE id > ? AND action = 'user.delete' ORDER BY id", (before,))
    t.eq(rows, [('user.delete', str(u.id), 'zhao.liu'),
                ('user.delete', str(bot.json['id']), 'plc.bot')])
    t.eq(s.sql("SELECT COUNT(*) FROM audit_log WHERE actor_login = 'zhao.liu'")[0][0] > 0, True,
         'the deleted user\'s own records stay')
    # Still a grid's manager: refused, nothing changes.
    r = a.post('/api/v1/users', {'login': 'mgr.one', 'role': 'grid_manager',
                                 'scope': 'region:' + R1, 'password': 'Mgr-Pass-2026'})
    mgr = r.json['id']
    t.status(a.post('/api/v1/grids', {'code': 'G-DEL', 'name': '删测网格', 'region_code': TOWN1,
                                      'manager_id': mgr}), 201)
    n = s.sql('SELECT COUNT(*) FROM audit_log')[0][0]
    t.problem(a.delete(f'/api/v1/users/{mgr}'), 409)
    t.eq(s.sql('SELECT COUNT(*) FROM audit_log')[0][0], n, 'a refused delete leaves no record')
    t.status(a.get(f'/api/v1/users/{mgr}'), 200)
    me = a.get('/api/v1/me').json['id']
    t.problem(a.delete(f'/api/v1/users/{me}'), 409)
    r = s.cli('audit', 'verify')
    t.eq(r.returncode, 0, r.stdout + r.stderr)


run(globals())
