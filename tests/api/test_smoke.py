#!/usr/bin/env python3
"""Smoke: the server starts, answers /healthz, and the first admin must change the password."""
from harness import run


def test_healthz_answers_ok(t):
    s = t.server()
    r = s.anon().get('/healthz')
    t.status(r, 200)
    t.eq(r.json['status'], 'ok')


def test_first_admin_must_change_password(t):
    s = t.server()
    c, r = s.login('admin', s.first_password)
    t.status(r, 201)
    t.eq(r.json['must_change_password'], True)
    t.problem(c.get('/api/v1/users'), 403)
    a = s.admin()
    t.status(a.get('/api/v1/users'), 200)


run(globals())
