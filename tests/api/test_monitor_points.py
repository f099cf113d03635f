#!/usr/bin/env python3
"""Monitoring devices, points, set points, the SOE and alarm -> hazard over HTTP (issue 6 §2,
§4; docs/monitoring.md "Points and set points", "Operator API").

GB/T 50493-2019 default set points (STANDARDS.md §4.1): combustible gas first level 25 %LEL,
second level 50 %LEL (methane); toxic gas 100 %OEL and 200 %OEL (H2S: MAC 10 mg/m3 -> 10 and
20; CO: no MAC, PC-STEL 30 mg/m3 -> 30 and 60, GBZ 2.1-2019); oxygen lean 19.5 %VOL and rich
23.5 %VOL. An override needs a reason and leaves a setpoint_change row (who, why, before,
after); every field error is named; a tag is unique within an enterprise (409 naming tag);
another enterprise's or region's objects are 404. SOE rows are written by the runtime: here they
are inserted into the database directly (no test-only route), for the list, its cursor, the
export and alarm -> hazard."""
import csv
import io
import json
import time

from test_hazard import World, NOW
from harness import run

METHANE = {'tag': 'GT-101', 'name': '1号罐区甲烷', 'kind': 'combustible', 'gas': 'methane'}


class Mon(World):
    def point(self, c=None, status=201, **kw):
        b = dict(METHANE)
        b.update(kw)
        r = (c or self.officer).post('/api/v1/monitor/points', b)
        self.t.status(r, status, f'point {b}')
        return r.json

    def device(self, c=None, **kw):
        b = {'name': kw.pop('name', '1号网关'), 'protocol': kw.pop('protocol', 'modbus'),
             'host': '10.0.0.5'}
        b.update(kw)
        if b['protocol'] != 'modbus':
            b.pop('host')
        r = (c or self.officer).post('/api/v1/monitor/devices', b)
        self.t.status(r, 201, 'device')
        return r.json

    def soe(self, point, source_ms, seq, to_state, to_cond, from_state=0, from_cond=0, sub=0,
            cause='reading', value=30.0, comment=None, enterprise=None):
        self.s.sql('INSERT INTO soe (point_id, enterprise_id, source_ms, seq, sub, value, '
                   'from_state, to_state, from_cond, to_cond, cause, comment, recorded_ms) '
                   'VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
                   (point['id'], enterprise or point['enterprise_id'], source_ms, seq, sub,
                    value, from_state, to_state, from_cond, to_cond, cause, comment, source_ms))
        return self.s.sql('SELECT MAX(id) FROM soe')[0][0]


def test_gb50493_defaults_methane_h2s_co_oxygen(t):
    """GB/T 50493-2019: 一级 <= 25 %LEL / 100 %OEL, 二级 <= 50 %LEL / 200 %OEL; oxygen 19.5 and
    23.5 %VOL; each set at the highest value the clause allows (gas.c)."""
    w = Mon(t)
    p = w.point()
    t.eq((p['unit'], p['range_lo'], p['range_hi'], p['high1'], p['high2'], p['low1'],
          p['low2'], p['setpoint_source']), ('%LEL', 0, 100, 25, 50, None, None, 'default'))
    t.eq(p['live'], {'value': None, 'ts_ms': None, 'state': 'normal', 'cond': 'normal',
                     'since_ms': None, 'shelve_until_ms': None}, 'live: no reading yet')
    h2s = w.point(tag='AT-201', name='脱硫塔硫化氢', kind='toxic', gas='H2S')
    t.eq((h2s['unit'], h2s['high1'], h2s['high2'], h2s['range_hi'], h2s['setpoint_source']),
         ('mg/m3', 10, 20, 30, 'default'), 'H2S MAC 10 mg/m3')
    co = w.point(tag='AT-202', name='煤气柜一氧化碳', kind='toxic', gas='630-08-0')
    t.eq((co['high1'], co['high2'], co['range_hi']), (30, 60, 90), 'CO PC-STEL 30 mg/m3')
    o2 = w.point(tag='AT-301', name='受限空间氧含量', kind='oxygen', gas=None)
    t.eq((o2['unit'], o2['low1'], o2['high1'], o2['range_hi'], o2['high2'], o2['low2']),
         ('%VOL', 19.5, 23.5, 25, None, None))
    # The Chinese name finds the same row; a given set point equal to the default is no override.
    ch4 = w.point(tag='GT-102', name='甲烷二', gas='甲烷', high1=25, high2=50.0)
    t.eq(ch4['setpoint_source'], 'default')
    r = w.officer.get(f'/api/v1/monitor/points/{h2s["id"]}/defaults')
    t.status(r, 200)
    t.eq(r.json['defaults'], {'unit': 'mg/m3', 'range_lo': 0, 'range_hi': 30, 'high1': 10,
                              'high2': 20, 'low1': None, 'low2': None})
    t.eq(r.json['standard'], 'GB/T 50493-2019')
    lvl = w.point(tag='LT-1', name='储罐液位', kind='level', gas=None, unit='m', range_lo=0,
                  range_hi=12, high1=10, high2=11, low1=1)
    t.eq(lvl['setpoint_source'], 'manual')
    r = w.officer.get(f'/api/v1/monitor/points/{lvl["id"]}/defaults')
    t.eq(r.json['defaults'], None)
    t.eq(w.s.sql('SELECT COUNT(*) FROM setpoint_change')[0][0], 0, 'no override, no change row')


def test_override_needs_reason_and_is_recorded(t):
    w = Mon(t)
    r = w.officer.post('/api/v1/monitor/points', dict(METHANE, high1=20))
    t.problem(r, 422, 'reason')
    r = w.officer.post('/api/v1/monitor/points', dict(METHANE, high1=20, reason='   '))
    t.problem(r, 422, 'reason')
    p = w.point(high1=20, reason='低于标准值，提前预警')
    t.eq((p['high1'], p['high2'], p['setpoint_source']), (20, 50, 'override'))
    r = w.officer.get(f'/api/v1/monitor/points/{p["id"]}/setpoint-changes')
    t.status(r, 200)
    t.eq(len(r.json['items']), 1)
    c = r.json['items'][0]
    t.eq((c['before'], c['after'], c['reason'], c['user_id']),
         ({'high1': 25}, {'high1': 20}, '低于标准值，提前预警', w.officer.id))
    # Later changes of the alarm configuration need a reason too, and each is recorded.
    q = w.point(tag='GT-103', name='甲烷三')
    for body, field in (({'high2': 45}, 'reason'), ({'deadband': 1}, 'reason'),
                        ({'on_delay_ms': 2000}, 'reason'), ({'off_delay_ms': 1}, 'reason'),
                        ({'comms_timeout_ms': 60000}, 'reason'), ({'range_hi': 80}, 'reason'),
                        ({'low1': None, 'high1': 24}, 'reason')):
        t.problem(w.officer.patch(f'/api/v1/monitor/points/{q["id"]}', body), 422, field)
    r = w.officer.patch(f'/api/v1/monitor/points/{q["id"]}',
                        {'high2': 45, 'deadband': 1.5, 'reason': '工艺变更'})
    t.status(r, 200)
    t.eq((r.json['high2'], r.json['deadband'], r.json['setpoint_source']), (45, 1.5, 'override'))
    # A change outside the alarm configuration needs none and writes no row.
    r = w.officer.patch(f'/api/v1/monitor/points/{q["id"]}', {'name': '甲烷三号'})
    t.status(r, 200)
    items = w.officer.get(f'/api/v1/monitor/points/{q["id"]}/setpoint-changes').json['items']
    t.eq(len(items), 1)
    t.eq((items[0]['before'], items[0]['after']), ({'high2': 50, 'deadband': 0},
                                                   {'high2': 45, 'deadband': 1.5}))
    rows = w.s.sql('SELECT action FROM audit_log WHERE entity = ? AND entity_id = ? '
                   'ORDER BY id', ('monitor_point', q['id']))
    t.eq([a for (a,) in rows], ['monitor.point.create', 'monitor.point.update',
                               'monitor.point.update'])


def test_every_field_error_is_named(t):
    w = Mon(t)
    dev = w.device(name='推送网关', protocol='mqtt')
    mb = w.device(name='Modbus网关')
    other = w.device(c=w.officer2, name='别家网关', protocol='http')
    cases = [
        ({'tag': None}, 'tag'), ({'tag': ' '}, 'tag'), ({'tag': 'x' * 65}, 'tag'),
        ({'name': ''}, 'name'), ({'kind': 'radiation'}, 'kind'),
        ({'gas': None}, 'gas'), ({'gas': 'unobtainium'}, 'gas'),
        ({'gas': 'nitrogen'}, 'gas'),
        ({'unit': 'ppm'}, 'unit'),
        ({'kind': 'level', 'gas': None, 'unit': 'm', 'range_hi': 10}, 'range_lo'),
        ({'kind': 'level', 'gas': None, 'unit': 'm', 'range_lo': 0}, 'range_hi'),
        ({'kind': 'level', 'gas': None, 'range_lo': 0, 'range_hi': 10}, 'unit'),
        ({'kind': 'level', 'gas': None, 'unit': 'm', 'range_lo': 5, 'range_hi': 5}, 'range_hi'),
        ({'high1': 60, 'reason': 'r'}, 'high2'), ({'high2': 120, 'reason': 'r'}, 'high2'),
        ({'high1': None, 'reason': 'r'}, 'high1'), ({'deadband': -1}, 'deadband'),
        ({'deadband': 100}, 'deadband'), ({'on_delay_ms': -1}, 'on_delay_ms'),
        ({'off_delay_ms': 86400001}, 'off_delay_ms'), ({'comms_timeout_ms': 1.5},
                                                        'comms_timeout_ms'),
        ({'high1': 'x'}, 'high1'), ({'device_id': other['id']}, 'device_id'),
        ({'device_id': 999999}, 'device_id'), ({'installation_id': 999999}, 'installation_id'),
        ({'device_id': dev['id'], 'reg_kind': 'holding'}, 'reg_kind'),
        ({'reg_addr': 3}, 'reg_addr'),
        ({'device_id': mb['id']}, 'reg_kind'),
        ({'device_id': mb['id'], 'reg_kind': 'coil', 'reg_type': 'u16', 'reg_addr': 1},
         'reg_kind'),
        ({'device_id': mb['id'], 'reg_kind': 'input', 'reg_type': 'f64', 'reg_addr': 1},
         'reg_type'),
        ({'device_id': mb['id'], 'reg_kind': 'input', 'reg_type': 'f32', 'reg_addr': 65535},
         'reg_addr'),
        ({'device_id': mb['id'], 'reg_kind': 'input', 'reg_type': 'u16'}, 'reg_addr'),
        ({'device_id': mb['id'], 'reg_kind': 'input', 'reg_type': 'u16', 'reg_addr': 0,
          'reg_scale': 0}, 'reg_scale'),
        ({'lon': 120.1}, 'lat'), ({'lon': 181, 'lat': 33}, 'lon'), ({'lon': 120, 'lat': -91},
                                                                   'lat'),
        ({'colour': 'red'}, 'colour'), ({'active': 1}, 'active'),
        ({'enterprise_id': 999999}, 'enterprise_id'),
    ]
    for change, field in cases:
        b = dict(METHANE)
        for k, v in change.items():
            if v is None and k in ('tag',):
                b.pop(k)
            else:
                b[k] = v
        r = w.officer.post('/api/v1/monitor/points', b)
        t.problem(r, 422, field)
    t.eq(w.s.sql('SELECT COUNT(*) FROM monitor_point')[0][0], 0, 'nothing stored')
    # The boundaries that pass: the last u16 address, the last two-register address, a
    # second level exactly at the range's top, a zero deadband.
    w.point(tag='M-1', device_id=mb['id'], reg_kind='holding', reg_type='u16', reg_addr=65535,
            reg_scale=0.1, reg_offset=-4)
    w.point(tag='M-2', device_id=mb['id'], reg_kind='input', reg_type='f32', reg_addr=65534)
    w.point(tag='M-3', high2=100, reason='量程上限', deadband=0)
    r = w.officer.post('/api/v1/monitor/points', dict(METHANE, tag='M-4', device_id=dev['id']))
    t.status(r, 201)
    t.eq((r.json['reg_kind'], r.json['reg_addr'], r.json['device_id']), (None, None, dev['id']))
    # PATCH: kind, gas and the enterprise are fixed; the same checks on the merged point.
    pid = r.json['id']
    for body, field in (({'kind': 'toxic'}, 'kind'), ({'gas': 'H2S'}, 'gas'),
                        ({'enterprise_id': w.e2}, 'enterprise_id'),
                        ({'high1': 70, 'reason': 'r'}, 'high2'),
                        ({'device_id': mb['id']}, 'reg_kind'), ({'tag': ''}, 'tag'),
                        ({'lat': 30}, 'lon')):
        t.problem(w.officer.patch(f'/api/v1/monitor/points/{pid}', body), 422, field)


def test_tag_is_unique_per_enterprise(t):
    w = Mon(t)
    p = w.point()
    r = w.officer.post('/api/v1/monitor/points', dict(METHANE, name='另一个'))
    t.problem(r, 409, 'tag')
    w.point(c=w.officer2)          # the same tag in another enterprise
    q = w.point(tag='GT-2')
    r = w.officer.patch(f'/api/v1/monitor/points/{q["id"]}', {'tag': p['tag']})
    t.problem(r, 409, 'tag')


def test_devices(t):
    w = Mon(t)
    d = w.device()
    t.eq((d['protocol'], d['host'], d['port'], d['unit_id'], d['poll_ms'], d['active'],
          d['point_count'], d['enterprise_id']),
         ('modbus', '10.0.0.5', 502, 1, 1000, True, 0, w.e1))
    for body, field in (({'name': 'x', 'protocol': 'modbus'}, 'host'),
                        ({'name': 'x', 'protocol': 'mqtt', 'port': 1883}, 'port'),
                        ({'name': 'x', 'protocol': 'http', 'host': 'a'}, 'host'),
                        ({'name': 'x', 'protocol': 'opc'}, 'protocol'),
                        ({'name': 'x', 'protocol': 'modbus', 'host': 'h', 'unit_id': 248},
                         'unit_id'),
                        ({'name': 'x', 'protocol': 'modbus', 'host': 'h', 'poll_ms': 99},
                         'poll_ms'),
                        ({'name': 'x', 'protocol': 'modbus', 'host': 'h', 'port': 0}, 'port'),
                        ({'name': ' ', 'protocol': 'mqtt'}, 'name'),
                        ({'name': d['name'], 'protocol': 'mqtt'}, 'name')):
        t.problem(w.officer.post('/api/v1/monitor/devices', body), 422, field)
    r = w.officer.patch(f'/api/v1/monitor/devices/{d["id"]}', {'poll_ms': 250, 'unit_id': 0})
    t.status(r, 200)
    t.eq((r.json['poll_ms'], r.json['unit_id']), (250, 0))
    t.problem(w.officer.patch(f'/api/v1/monitor/devices/{d["id"]}', {'protocol': 'mqtt'}), 422,
              'protocol')
    p = w.point(device_id=d['id'], reg_kind='holding', reg_type='u16', reg_addr=1)
    t.eq(w.officer.get(f'/api/v1/monitor/devices/{d["id"]}').json['point_count'], 1)
    t.problem(w.officer.delete(f'/api/v1/monitor/devices/{d["id"]}'), 409)
    t.status(w.officer.delete(f'/api/v1/monitor/points/{p["id"]}'), 204)
    t.status(w.officer.delete(f'/api/v1/monitor/devices/{d["id"]}'), 204)
    t.status(w.officer.get(f'/api/v1/monitor/devices/{d["id"]}'), 404)


def test_scope(t):
    w = Mon(t)
    p = w.point()
    d = w.device()
    for c in (w.officer, w.patroller, w.manager, w.inspector, w.leader, w.a):
        t.status(c.get(f'/api/v1/monitor/points/{p["id"]}'), 200)
        ids = [x['id'] for x in c.get('/api/v1/monitor/points').json['items']]
        t.true(p['id'] in ids)
    for c in (w.officer2, w.patroller2):
        for path in (f'/api/v1/monitor/points/{p["id"]}',
                     f'/api/v1/monitor/points/{p["id"]}/setpoint-changes',
                     f'/api/v1/monitor/points/{p["id"]}/defaults',
                     f'/api/v1/monitor/points/{p["id"]}/trend',
                     f'/api/v1/monitor/devices/{d["id"]}'):
            t.status(c.get(path), 404, path)
        t.eq(c.get('/api/v1/monitor/points').json['items'], [])
        t.eq(c.get('/api/v1/monitor/devices').json['items'], [])
    t.status(w.officer2.patch(f'/api/v1/monitor/points/{p["id"]}', {'name': 'x'}), 404)
    t.status(w.officer2.delete(f'/api/v1/monitor/points/{p["id"]}'), 404)
    t.status(w.officer2.post(f'/api/v1/monitor/points/{p["id"]}/actions/acknowledge', {}), 404)
    r = w.officer2.post('/api/v1/monitor/points', dict(METHANE, enterprise_id=w.e1))
    t.problem(r, 403, 'enterprise_id')
    t.status(w.inspector.post('/api/v1/monitor/points', dict(METHANE, enterprise_id=w.e1)),
             403)
    t.status(w.leader.patch(f'/api/v1/monitor/points/{p["id"]}', {'name': 'x'}), 403)
    # Filters and unknown arguments.
    r = w.a.get(f'/api/v1/monitor/points?enterprise_id={w.e2}')
    t.eq(r.json['items'], [])
    t.eq(len(w.a.get('/api/v1/monitor/points?kind=combustible&q=GT').json['items']), 1)
    t.eq(w.a.get('/api/v1/monitor/points?kind=toxic').json['items'], [])
    t.eq(len(w.a.get(f'/api/v1/monitor/points?device_id={d["id"]}').json['items']), 0)
    for q, field in (('kind=x', 'kind'), ('alarm=2', 'alarm'), ('enterprise_id=0',
                                                                'enterprise_id'),
                     ('colour=red', 'colour'), ('q=', 'q'), ('device_id=-1', 'device_id')):
        t.problem(w.a.get(f'/api/v1/monitor/points?{q}'), 400, field)


def test_delete_keeps_history(t):
    w = Mon(t)
    p = w.point(high1=10, reason='试点')
    t.problem(w.officer.delete(f'/api/v1/monitor/points/{p["id"]}'), 409)
    r = w.officer.patch(f'/api/v1/monitor/points/{p["id"]}', {'active': False})
    t.status(r, 200)
    t.eq(r.json['active'], False)
    q = w.point(tag='GT-9')
    w.soe(q, NOW, 1, 1, 1)
    t.problem(w.officer.delete(f'/api/v1/monitor/points/{q["id"]}'), 409)


def test_operator_actions(t):
    """ISA-18.2 operator actions through the runtime (alarm.h's rules): each writes an SOE
    row with the operator and the comment; a state that does not allow one is 409; shelving
    is bounded by monitor.shelve_max_min (480 min by default)."""
    w = Mon(t)
    p = w.point()
    base = f'/api/v1/monitor/points/{p["id"]}/actions'
    o = w.officer
    t.problem(o.post(f'{base}/acknowledge', {}), 409)           # nothing to acknowledge
    t.problem(o.post(f'{base}/unshelve', {}), 409)
    t.problem(o.post(f'{base}/explode', {}), 404)
    for body, field in (({}, 'comment'), ({'comment': ' ', 'duration_min': 5}, 'comment'),
                        ({'comment': 'c'}, 'until_ms'),
                        ({'comment': 'c', 'duration_min': 5, 'until_ms': 1}, 'duration_min'),
                        ({'comment': 'c', 'duration_min': 481}, 'duration_min'),
                        ({'comment': 'c', 'duration_min': 0}, 'duration_min'),
                        ({'comment': 'c', 'until_ms': 1000}, 'until_ms'),
                        ({'comment': 'c', 'until_ms': int(time.time() * 1000) + 481 * 60000},
                         'until_ms'),
                        ({'comment': 'c', 'duration_min': 5, 'colour': 1}, 'colour')):
        t.problem(o.post(f'{base}/shelve', body), 422, field)
    t.problem(o.post(f'{base}/suppress', {}), 422, 'comment')
    t.problem(o.post(f'{base}/out_of_service', {'comment': ''}), 422, 'comment')
    t.problem(o.post(f'{base}/acknowledge', {'until_ms': 5}), 422, 'until_ms')
    t.eq(w.s.sql('SELECT COUNT(*) FROM soe'), [(0,)], 'refused actions write nothing')
    before = int(time.time() * 1000)
    r = o.post(f'{base}/shelve', {'comment': '检修期间搁置', 'duration_min': 480})
    t.status(r, 200)
    live = r.json['live']
    t.eq(live['state'], 'shelved')
    t.true(before + 480 * 60000 <= live['shelve_until_ms'] <= int(time.time() * 1000) +
           480 * 60000, live)
    shelve_soe = r.json['soe_id']
    t.problem(o.post(f'{base}/shelve', {'comment': 'again', 'duration_min': 1}), 409)
    r = w.a.get('/api/v1/monitor/alarms')
    t.eq([(x['id'], x['live']['state']) for x in r.json['items']], [(p['id'], 'shelved')])
    t.eq(w.a.get('/api/v1/monitor/alarms?state=unack').json['items'], [])
    t.eq(w.officer2.get('/api/v1/monitor/alarms').json['items'], [], 'scope')
    ids = [x['id'] for x in o.get('/api/v1/monitor/points?alarm=1').json['items']]
    t.eq(ids, [p['id']])
    t.status(o.post(f'{base}/unshelve', {}), 200)
    t.eq(o.get(f'/api/v1/monitor/points/{p["id"]}').json['live']['state'], 'normal')
    t.eq(o.get('/api/v1/monitor/points?alarm=1').json['items'], [])
    t.status(o.post(f'{base}/out_of_service', {'comment': '传感器标定'}), 200)
    t.problem(o.post(f'{base}/suppress', {'comment': 'x'}), 409)
    r = o.post(f'{base}/return_to_service', {'comment': '标定完成'})
    t.status(r, 200)
    t.eq(r.json['live']['state'], 'normal')
    soe = o.get('/api/v1/monitor/soe?order=asc&cause=action').json['items']
    t.eq([(x['action'], x['from_state'], x['to_state']) for x in soe],
         [('shelve', 'normal', 'shelved'), ('unshelve', 'shelved', 'normal'),
          ('out_of_service', 'normal', 'out_of_service'),
          ('return_to_service', 'out_of_service', 'normal')])
    t.eq((soe[0]['id'], soe[0]['comment'], soe[0]['user_name'] is not None, soe[0]['tag']),
         (shelve_soe, '检修期间搁置', True, 'GT-101'))
    t.eq(soe[0]['until_ms'], live['shelve_until_ms'])
    t.eq([x['sub'] for x in soe], [1, 2, 3, 4], 'sub 1.. per (point, seq)')
    rows = w.s.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'monitor.alarm.action'")
    t.eq(rows, [(4,)])
    # Other roles: no alarm.operate.
    for c in (w.inspector, w.leader, w.patroller, w.a):
        t.status(c.post(f'{base}/acknowledge', {}), 403)
    # A real action's SOE row becomes a hazard too.
    r = o.post(f'/api/v1/monitor/soe/{shelve_soe}/hazard', {})
    t.status(r, 201)


def test_trend_arguments(t):
    w = Mon(t)
    p = w.point()
    base = f'/api/v1/monitor/points/{p["id"]}/trend'
    r = w.officer.get(base)
    t.status(r, 200)
    t.eq((r.json['resolution'], r.json['points'], r.json['to_ms'] - r.json['from_ms']),
         ('raw', [], 3600000), 'the last hour, no reading yet')
    r = w.officer.get(f'{base}?from_ms={NOW - 86400000}&to_ms={NOW}&budget=10')
    t.eq((r.json['from_ms'], r.json['to_ms']), (NOW - 86400000, NOW))
    t.problem(w.officer.get(f'{base}?from_ms=10&to_ms=5'), 400, 'from_ms')
    t.problem(w.officer.get(f'{base}?from_ms=10&to_ms=10'), 400, 'from_ms')
    t.problem(w.officer.get(f'{base}?from_ms=0&to_ms={401 * 86400000}'), 400, 'from_ms')
    t.problem(w.officer.get(f'{base}?budget=9'), 400, 'budget')
    t.problem(w.officer.get(f'{base}?budget=100001'), 400, 'budget')
    t.problem(w.officer.get(f'{base}?to_ms=x'), 400, 'to_ms')
    t.problem(w.officer.get(f'{base}?step=1'), 400, 'step')
    t.problem(w.officer.get('/api/v1/monitor/alarms?state=normal'), 400, 'state')
    t.problem(w.officer.get('/api/v1/monitor/alarms?limit=0'), 400, 'limit')
    t.problem(w.officer.get('/api/v1/monitor/alarms?after=3'), 400, 'after')


def readings(w, c, body):
    r = c.request('POST', f'/api/v1/readings?enterprise={w.u1}',
                  raw=json.dumps({'readings': body}).encode(), content_type='application/json')
    w.t.status(r, 200, 'readings')
    return r.json


def test_readings_drive_live_console_trend_and_actions(t):
    """Readings through POST /api/v1/readings (branch mon-ingest) and the runtime: live
    fields, the alarm console, the SOE, acknowledge, trends raw and by the minute, and a
    reading's SOE row turned into a hazard."""
    w = Mon(t)
    p = w.point()
    q = w.point(tag='GT-2', name='二号点')
    o = w.officer
    t0 = (int(time.time() * 1000) // 60000 - 30) * 60000   # half an hour ago, on a minute
    res = readings(w, o, [{'tag': 'GT-101', 'ts': t0, 'v': 10},
                          {'tag': 'GT-101', 'ts': t0 + 1000, 'v': 25},     # 一级 at 25 %LEL
                          {'tag': 'GT-101', 'ts': t0 + 2000, 'v': 55.5}])  # 二级 at 50 %LEL
    t.eq((res['accepted'], res['transitions']), (3, 2))
    live = o.get(f'/api/v1/monitor/points/{p["id"]}').json['live']
    t.eq((live['value'], live['ts_ms'], live['state'], live['cond'], live['since_ms']),
         (55.5, t0 + 2000, 'unack', 'high2', t0 + 2000))
    r = o.get('/api/v1/monitor/alarms')
    t.eq([(x['tag'], x['live']['cond']) for x in r.json['items']], [('GT-101', 'high2')])
    t.eq([x['id'] for x in o.get('/api/v1/monitor/points?alarm=1').json['items']], [p['id']])
    t.eq(w.officer2.get('/api/v1/monitor/alarms').json['items'], [], 'scope')
    soe = o.get(f'/api/v1/monitor/soe?order=asc&point_id={p["id"]}').json['items']
    t.eq([(x['cause'], x['from_state'], x['to_state'], x['to_cond'], x['value'], x['sub'])
          for x in soe], [('reading', 'normal', 'unack', 'high1', 25, 0),
                          ('reading', 'unack', 'unack', 'high2', 55.5, 0)])
    r = o.post(f'/api/v1/monitor/points/{p["id"]}/actions/acknowledge', {'comment': '已派人'})
    t.status(r, 200)
    t.eq((r.json['live']['state'], r.json['live']['cond']), ('acked', 'high2'))
    t.problem(o.post(f'/api/v1/monitor/points/{p["id"]}/actions/acknowledge', {}), 409)
    t.eq(o.get('/api/v1/monitor/alarms?state=acked').json['items'][0]['id'], p['id'])
    t.eq(o.get('/api/v1/monitor/alarms?state=unack').json['items'], [])
    ack = o.get('/api/v1/monitor/soe?cause=action').json['items'][0]
    t.eq((ack['id'], ack['action'], ack['seq'], ack['sub'], ack['comment']),
         (r.json['soe_id'], 'acknowledge', soe[1]['seq'], 1, '已派人'))
    # Trend: raw while the window holds at most budget readings, else minutes.
    tr = o.get(f'/api/v1/monitor/points/{p["id"]}/trend?from_ms={t0}&to_ms={t0 + 3000}').json
    t.eq((tr['resolution'], tr['points']), ('raw', [[t0, 10], [t0 + 1000, 25],
                                                    [t0 + 2000, 55.5]]))
    tr = o.get(f'/api/v1/monitor/points/{p["id"]}/trend?from_ms={t0 + 1000}&to_ms={t0 + 2000}')
    t.eq(tr.json['points'], [[t0 + 1000, 25]], '[from, to)')
    batch = [{'tag': 'GT-2', 'ts': t0 + 60000 * m + 5000 * k, 'v': m * 10 + k}
             for m in range(3) for k in range(6)]
    readings(w, o, batch)
    base = f'/api/v1/monitor/points/{q["id"]}/trend?from_ms={t0}&to_ms={t0 + 180000}'
    tr = o.get(base + '&budget=10').json
    t.eq(tr['resolution'], 'minute')
    t.eq(tr['points'], [[t0 + 60000 * m, m * 10, m * 10 + 5, m * 10 + 2.5, 6]
                        for m in range(3)])
    t.eq(o.get(base + '&budget=18').json['resolution'], 'raw')
    # The second-level alarm's SOE row becomes a hidden hazard in one action.
    r = o.post(f'/api/v1/monitor/soe/{soe[1]["id"]}/hazard', {})
    t.status(r, 201)
    d = o.get(f'/api/v1/hazards/{r.json["hazard_id"]}').json['description']
    t.true('GT-101' in d and '二级报警(高)' in d and '55.5 %LEL' in d, d)


def test_changed_set_points_take_effect(t):
    """After a PATCH the runtime reloads the point (monitor_point_changed): the next reading
    is judged by the new set point."""
    w = Mon(t)
    p = w.point()
    o = w.officer
    t0 = int(time.time() * 1000) - 600000
    r = o.patch(f'/api/v1/monitor/points/{p["id"]}', {'high1': 40, 'reason': '现场复核'})
    t.status(r, 200)
    readings(w, o, [{'tag': 'GT-101', 'ts': t0, 'v': 30}])
    t.eq(o.get(f'/api/v1/monitor/points/{p["id"]}').json['live']['cond'], 'normal',
         '30 %LEL is under the new first level')
    readings(w, o, [{'tag': 'GT-101', 'ts': t0 + 1000, 'v': 40}])
    t.eq(o.get(f'/api/v1/monitor/points/{p["id"]}').json['live']['cond'], 'high1')
    # A deactivated point is dropped by the runtime: its readings count as unknown.
    t.status(o.patch(f'/api/v1/monitor/points/{p["id"]}', {'active': False}), 200)
    res = readings(w, o, [{'tag': 'GT-101', 'ts': t0 + 2000, 'v': 60}])
    t.eq((res['accepted'], res['unknown']), (0, 1))


def test_soe_list_cursor_filters_export(t):
    w = Mon(t)
    p = w.point()
    q = w.point(tag='GT-2', name='二号点')
    x = w.point(c=w.officer2, tag='GT-X', name='别家的点')
    # (source_ms, seq): one tie on source time, broken by seq; a row of the other enterprise.
    ids = [w.soe(p, NOW + 1000, 5, 1, 1, value=26),           # unack, high1
           w.soe(q, NOW + 1000, 6, 1, 2, value=55),           # unack, high2
           w.soe(p, NOW + 500, 7, 2, 1, 1, 1, sub=1, cause='action', comment='=cmd|calc'),
           w.soe(p, NOW + 3000, 8, 3, 0, 2, 1, value=3),      # rtn_unack
           w.soe(x, NOW + 2000, 9, 1, 1)]
    r = w.officer.get('/api/v1/monitor/soe')
    t.status(r, 200)
    t.eq([i['id'] for i in r.json['items']], [ids[3], ids[1], ids[0], ids[2]], 'desc order')
    it = r.json['items'][0]
    t.eq((it['tag'], it['point_name'], it['from_state'], it['to_state'], it['from_cond'],
          it['to_cond'], it['cause'], it['value'], it['hazard_id'], it['enterprise_id']),
         ('GT-101', '1号罐区甲烷', 'acked', 'rtn_unack', 'high1', 'normal', 'reading', 3,
          None, w.e1))
    t.true(not any(k.startswith('_') for k in it), 'no private members')
    r = w.officer.get('/api/v1/monitor/soe?order=asc&limit=2')
    t.eq([i['id'] for i in r.json['items']], [ids[2], ids[0]])
    r2 = w.officer.get(f'/api/v1/monitor/soe?order=asc&limit=2&after={r.json["next"]}')
    t.eq([i['id'] for i in r2.json['items']], [ids[1], ids[3]])
    t.eq(r2.json['next'], None, 'the last page')
    r3 = w.officer.get(f'/api/v1/monitor/soe?limit=3&after={ids[3]}')
    t.eq([i['id'] for i in r3.json['items']], [ids[1], ids[0], ids[2]], 'desc after a cursor')
    for q_, want in ((f'point_id={q["id"]}', [ids[1]]), ('to_state=rtn_unack', [ids[3]]),
                     ('to_cond=high2', [ids[1]]), ('cause=action', [ids[2]]),
                     (f'from_ms={NOW + 1000}&to_ms={NOW + 3000}', [ids[1], ids[0]]),
                     (f'enterprise_id={w.e2}', [])):
        t.eq([i['id'] for i in w.officer.get(f'/api/v1/monitor/soe?{q_}').json['items']], want,
             q_)
    t.eq([i['id'] for i in w.officer2.get('/api/v1/monitor/soe').json['items']], [ids[4]])
    t.eq(len(w.a.get('/api/v1/monitor/soe').json['items']), 5)
    for q_, field in (('order=up', 'order'), ('to_state=x', 'to_state'), ('to_cond=hot',
                                                                          'to_cond'),
                      ('cause=x', 'cause'), ('from_ms=-1', 'from_ms'),
                      (f'from_ms={NOW}&to_ms={NOW}', 'from_ms'), ('sort=id', 'sort'),
                      ('point', 'point'), ('limit=501', 'limit')):
        t.problem(w.officer.get(f'/api/v1/monitor/soe?{q_}'), 400, field)
    r = w.officer.get('/api/v1/monitor/soe/export?format=csv&order=asc')
    t.status(r, 200)
    rows = list(csv.reader(io.StringIO(r.body.decode('utf-8-sig'))))
    t.eq(rows[0][:4], ['时间', '企业', '位号', '点位名称'])
    t.eq(len(rows), 5)
    t.eq(rows[1][2], 'GT-101')
    t.eq((rows[1][6], rows[1][7], rows[1][10]), ('未确认', '已确认', '操作'))
    t.eq(rows[1][14], "'=cmd|calc", 'formula injection guarded')
    t.true(rows[2][0].startswith('2026-') or rows[2][0][:2] == '20', rows[2][0])
    r = w.officer.get('/api/v1/monitor/soe/export')
    t.status(r, 200)
    t.eq(r.body[:2], b'PK', 'xlsx is a zip')
    t.problem(w.officer.get('/api/v1/monitor/soe/export?format=pdf'), 400, 'format')
    t.problem(w.officer.get('/api/v1/monitor/soe/export?limit=5'), 400, 'limit')


def test_alarm_to_hazard(t):
    w = Mon(t)
    p = w.point()
    sid = w.soe(p, NOW - 60000, 3, 1, 2, value=55.5)
    t.status(w.inspector.post(f'/api/v1/monitor/soe/{sid}/hazard', {}), 403)
    t.status(w.officer2.post(f'/api/v1/monitor/soe/{sid}/hazard', {}), 404)
    t.problem(w.officer.post(f'/api/v1/monitor/soe/{sid}/hazard', {'level': 'minor'}), 422,
              'level')
    t.problem(w.officer.post(f'/api/v1/monitor/soe/{sid}/hazard', {'description': ' '}), 422,
              'description')
    r = w.officer.post(f'/api/v1/monitor/soe/{sid}/hazard', {})
    t.status(r, 201)
    hid = r.json['hazard_id']
    t.true(r.json['number'], 'numbered')
    h = w.officer.get(f'/api/v1/hazards/{hid}').json
    t.eq((h['source'], h['level'], h['enterprise_id']), ('self_check', 'general', w.e1))
    t.true('GT-101' in h['description'] and '55.5' in h['description'] and
           '二级' in h['description'], h['description'])
    t.problem(w.officer.post(f'/api/v1/monitor/soe/{sid}/hazard', {}), 409)
    it = w.officer.get('/api/v1/monitor/soe').json['items'][0]
    t.eq(it['hazard_id'], hid)
    t.eq(w.s.sql('SELECT point_id, hazard_id FROM alarm_hazard WHERE soe_id = ?', (sid,)),
         [(p['id'], hid)])
    sid2 = w.soe(p, NOW - 30000, 4, 1, 1)
    r = w.officer.post(f'/api/v1/monitor/soe/{sid2}/hazard', {'description': '甲烷浓度超标'})
    t.status(r, 201)
    t.eq(w.officer.get(f'/api/v1/hazards/{r.json["hazard_id"]}').json['description'],
         '甲烷浓度超标')


if __name__ == '__main__':
    run(globals())
