#!/usr/bin/env python3
"""The `anjian` command line (issue 2 §3): help, usage errors (one line on stderr, exit 2),
user management, version, migrate, and configuration precedence end to end
(defaults < INI file < ANJIAN_* environment < flags)."""
import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time

from harness import BIN, SRC_ROOT, run

REGION = '320902'
DATA = os.path.join(SRC_ROOT, 'data')


def anjian(*args, cwd=None, env=None, stdin=None, timeout=60):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, cwd=cwd, env=full_env,
                          input=stdin, timeout=timeout)


def one_line_usage_error(t, r, what, mention=None):
    t.eq(r.returncode, 2, f'{what}: exit status (stderr {r.stderr!r})')
    lines = r.stderr.splitlines()
    t.eq(len(lines), 1, f'{what}: stderr has {len(lines)} lines: {r.stderr!r}')
    t.true(lines[0].startswith('anjian: '), f'{what}: {lines[0]!r}')
    t.eq(r.stdout, '', f'{what}: stdout')
    if mention:
        t.true(mention in lines[0], f'{what}: {lines[0]!r} does not mention {mention!r}')


@contextlib.contextmanager
def environ(**kw):
    """Sets environment variables for what starts inside the block (the server inherits them)."""
    old = {k: os.environ.get(k) for k in kw}
    os.environ.update(kw)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def commands():
    r = anjian('--help')
    names = []
    in_list = False
    for line in r.stdout.splitlines():
        if line.startswith('commands:'):
            in_list = True
        elif in_list and line.startswith('  '):
            names.append(re.split(r'\s{2,}', line.strip())[0])  # name, then 2+ spaces
        elif in_list and line.strip() == '':
            in_list = False
    return names


def test_help_for_every_command(t):
    """Issue 2 §3: `--help` on the program and on each command, exit 0."""
    r = anjian('--help')
    t.eq(r.returncode, 0, r.stderr)
    t.true(r.stdout.startswith('anjian '), r.stdout[:80])
    names = commands()
    for want in ('serve', 'migrate', 'user add', 'user passwd', 'user lock', 'user unlock',
                 'user list', 'backup', 'audit verify', 'version'):
        t.true(want in names, f'{want!r} is not in anjian --help: {names}')
    for name in names:
        for flag in ('--help', '-h'):
            r = anjian(*name.split(), flag)
            t.eq(r.returncode, 0, f'{name} {flag}: {r.stderr}')
            t.true(r.stdout.startswith('usage: anjian ' + name), f'{name}: {r.stdout[:80]!r}')
            t.eq(r.stderr, '')
    t.true('--port' in anjian('serve', '--help').stdout)
    t.true('--password-stdin' in anjian('user', 'add', '--help').stdout)
    t.true('--port ' not in anjian('migrate', '--help').stdout, 'migrate offers --port')
    t.eq(anjian('-h').returncode, 0)


def test_usage_errors_are_one_line_exit_2(t):
    """Issue 2 §3: an unknown flag, a bad value or an unreadable file: one clear line on
    stderr, exit 2; nothing is created."""
    tmp = tempfile.mkdtemp(prefix='anjian-cli-')
    try:
        usage_errors(t, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def usage_errors(t, tmp):
    ini_bad_line = os.path.join(tmp, 'bad-line.ini')
    ini_bad_key = os.path.join(tmp, 'bad-key.ini')
    ini_bad_value = os.path.join(tmp, 'bad-value.ini')
    with open(ini_bad_line, 'w') as fh:
        fh.write('[server]\nthis line has no equals sign\n')
    with open(ini_bad_key, 'w') as fh:
        fh.write('[server]\nthreds = 4\n')
    with open(ini_bad_value, 'w') as fh:
        fh.write('[server]\nthreads = many\n')
    cases = [
        (['serve', '--bogus'], '--bogus'),
        (['--bogus'], '--bogus'),
        (['frobnicate'], 'frobnicate'),
        (['user', 'frob', 'x'], 'user frob'),
        ([], 'no command'),
        (['migrate', '--port', '1'], '--port'),
        (['version', '--role', 'admin'], '--role'),
        (['audit', 'verify', '--password-stdin'], '--password-stdin'),
        (['backup'], 'FILE'),
        (['user', 'add'], 'LOGIN'),
        (['user', 'add', 'someone'], '--role'),
        (['version', 'extra'], 'version'),
        (['migrate', '--db'], '--db'),
        (['migrate', '--help=yes'], '--help'),
        (['serve', '--port', '70000'], 'server.port'),
        (['serve', '--port', '8o8o'], 'server.port'),
        (['serve', '--threads', '65'], 'server.threads'),
        (['migrate', '--set', 'server.threads=abc'], 'server.threads'),
        (['migrate', '--set', 'nosuch.key=1'], 'nosuch.key'),
        (['migrate', '--set', 'novalue'], 'novalue'),
        (['migrate', '--log-level', 'loud'], 'log.level'),
        (['migrate', '--set', 'log.access=maybe'], 'log.access'),
        (['migrate', '--config', os.path.join(tmp, 'missing.ini')], 'missing.ini'),
        (['migrate', '--config', tmp], tmp),
        (['migrate', '--config', ini_bad_line], 'bad-line.ini'),
        (['migrate', '--config', ini_bad_key], 'server.threds'),
        (['migrate', '--config', ini_bad_value], 'bad-value.ini'),
        # The listen address is checked when it is read, and paths must not be empty.
        (['serve', '--listen', '999.1.1.1'], 'server.listen'),
        (['serve', '--listen', 'localhost'], 'server.listen'),
        (['serve', '--listen', ''], 'server.listen'),
        (['serve', '--db', ''], 'database.path'),
        (['migrate', '--db', ''], 'database.path'),
        (['serve', '--web-dir', ''], 'server.web_dir'),
        (['migrate', '--data-dir', ''], 'data.dir'),
        (['serve', '--set', 'server.max_connections_per_ip=-1'], 'server.max_connections_per_ip'),
        (['serve', '--set', 'server.max_connections=0'], 'server.max_connections'),
        # Every command reads its configuration, so any of them reports a bad one.
        (['--config', '/nonexistent', 'version'], '/nonexistent'),
        (['version', '--config', '/nonexistent'], '/nonexistent'),
        (['user', 'list', '--config', os.path.join(tmp, 'missing.ini')], 'missing.ini'),
    ]
    for args, mention in cases:
        r = anjian(*args, cwd=tmp)
        one_line_usage_error(t, r, ' '.join(args) or '(nothing)', mention)
    env_cases = [
        ({'ANJIAN_SERVER_THREADS': 'abc'}, 'server.threads'),
        ({'ANJIAN_SERVER_PROT': '1'}, 'ANJIAN_SERVER_PROT'),
        ({'ANJIAN_CONFIG': os.path.join(tmp, 'missing.ini')}, 'missing.ini'),
    ]
    env_cases += [({'ANJIAN_SERVER_LISTEN': '999.1.1.1'}, 'server.listen'),
                  ({'ANJIAN_DATABASE_PATH': ''}, 'database.path')]
    for env, mention in env_cases:
        r = anjian('migrate', cwd=tmp, env=env)
        one_line_usage_error(t, r, str(env), mention)
    # No database was created by a refused listen address or an empty path.
    t.true(not os.path.exists(os.path.join(tmp, 'var')), 'a usage error created var/')
    # Environment variables outside the known sections are not settings.
    r = anjian('migrate', '--db', os.path.join(tmp, 'ok.db'), '--data-dir', DATA, cwd=tmp,
               env={'ANJIAN_WHATEVER': 'x', 'ANJIAN_BIN': BIN})
    t.eq(r.returncode, 0, r.stderr)
    if os.geteuid() != 0:  # root reads a mode-000 file anyway
        noread = os.path.join(tmp, 'noread.ini')
        with open(noread, 'w') as fh:
            fh.write('[server]\nthreads = 2\n')
        os.chmod(noread, 0)
        one_line_usage_error(t, anjian('migrate', '--config', noread, cwd=tmp), 'mode 000',
                             'noread.ini')
    made = sorted(os.listdir(tmp))
    t.eq([f for f in made if not f.endswith('.ini') and not f.startswith('ok.db')], [],
         'a usage error created files')


def test_user_add_generates_a_password_shown_once(t):
    """Issue 2 §3: `user add LOGIN --role R --scope S` without a password prints a generated
    one once; it logs in and must be changed."""
    s = t.server()
    r = s.cli('user', 'add', 'zhou.jiu', '--role', 'inspector', '--scope', 'region:' + REGION)
    t.eq(r.returncode, 0, r.stderr)
    m = re.search(r'password \(shown once\): (\S+)', r.stdout)
    t.true(m, r.stdout)
    pw = m.group(1)
    t.eq(r.stdout.count(pw), 1)
    t.true(pw not in r.stderr, 'the password is in the log')
    c, lr = s.login('zhou.jiu', pw)
    t.status(lr, 201)
    t.eq(lr.json['must_change_password'], True)
    t.eq(lr.json['user']['role'], 'inspector')
    t.eq(lr.json['user']['scope'], 'region:' + REGION)
    t.problem(c.get('/api/v1/depts'), 403)
    rec = s.sql("SELECT actor_login, ip, action, entity FROM audit_log "
                "WHERE action = 'user.create'")
    t.eq(len(rec), 1)
    t.true(rec[0][0].startswith('cli:'), rec)
    t.eq(rec[0][1:], ('local', 'user.create', 'user'))
    # Taken login, unknown role, bad scope, unknown region: exit 1 or 2 with one line.
    r = s.cli('user', 'add', 'zhou.jiu', '--role', 'inspector', '--scope', 'region:' + REGION)
    t.eq(r.returncode, 1, r.stderr)
    t.true('taken' in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr)
    one_line_usage_error(t, s.cli('user', 'add', 'x.y.z', '--role', 'boss'), 'role', 'boss')
    one_line_usage_error(t, s.cli('user', 'add', 'x.y.z', '--role', 'inspector', '--scope',
                                  'region:999999'), 'region', '999999')
    one_line_usage_error(t, s.cli('user', 'add', 'X Y', '--role', 'inspector'), 'login',
                         'login')


def test_user_add_password_stdin_policy(t):
    """Issue 2 §3, §6: `--password-stdin` takes the password from standard input and checks
    the policy: a weak one → exit 2 naming the rule, and no user."""
    s = t.server()
    for weak, rule in [('short1A', '8 characters'), ('onlylowercase1', 'three of'),
                       ('Wu.Shi-2026', 'login')]:
        r = s.cli('user', 'add', 'wu.shi', '--role', 'inspector', '--scope', 'region:' + REGION,
                  '--password-stdin', stdin=weak + '\n')
        one_line_usage_error(t, r, weak, rule)
        t.true('password' in r.stderr, r.stderr)
    t.eq(s.sql("SELECT count(*) FROM app_user WHERE login = 'wu.shi'")[0][0], 0)
    r = s.cli('user', 'add', 'wu.shi', '--role', 'inspector', '--scope', 'region:' + REGION,
              '--password-stdin', stdin='Strong-Pass-2026\n')
    t.eq(r.returncode, 0, r.stderr)
    t.true('Strong-Pass-2026' not in r.stdout + r.stderr, 'the password was echoed')
    t.true('shown once' not in r.stdout, r.stdout)
    _, lr = s.login('wu.shi', 'Strong-Pass-2026')
    t.status(lr, 201)
    t.eq(lr.json['must_change_password'], True)
    one_line_usage_error(t, s.cli('user', 'add', 'no.input', '--role', 'inspector',
                                  '--password-stdin', stdin=''), 'empty stdin', 'standard input')


def test_user_passwd_lock_unlock_list(t):
    """Issue 2 §3: `user passwd` sets a new password (must change, sessions end), `user lock`
    refuses logins and ends sessions, `unlock` lets them in, `user list` shows the states."""
    s = t.server()
    s.admin()
    c = s.user('zheng.shi', 'leader', 'region:' + REGION)

    def state(login):
        r = s.cli('user', 'list')
        t.eq(r.returncode, 0, r.stderr)
        t.true(r.stdout.startswith('ID'), r.stdout)
        for line in r.stdout.splitlines()[1:]:
            f = line.split()
            if f[1] == login:
                return f[-1]
        raise AssertionError(f'{login} is not in user list: {r.stdout}')

    t.eq(state('admin'), 'active')
    t.eq(state('zheng.shi'), 'active')
    r = s.cli('user', 'passwd', 'zheng.shi')
    t.eq(r.returncode, 0, r.stderr)
    pw = re.search(r'password \(shown once\): (\S+)', r.stdout).group(1)
    t.eq(state('zheng.shi'), 'must-change-password')
    t.problem(c.get('/api/v1/me'), 401)  # a reset ends the sessions
    _, lr = s.login('zheng.shi', 'Test-Pass-2026')
    t.problem(lr, 401)
    c, lr = s.login('zheng.shi', pw)
    t.status(lr, 201)
    t.eq(lr.json['must_change_password'], True)
    t.status(c.post('/api/v1/me/password', {'old_password': pw,
                                            'new_password': 'Zheng-New-2026'}), 204)
    t.eq(state('zheng.shi'), 'active')
    r = s.cli('user', 'passwd', 'zheng.shi', '--password-stdin', stdin='abc\n')
    one_line_usage_error(t, r, 'weak passwd', 'password')
    r = s.cli('user', 'lock', 'zheng.shi')
    t.eq(r.returncode, 0, r.stderr)
    t.eq(r.stdout.strip(), "locked 'zheng.shi'")
    t.eq(state('zheng.shi'), 'locked')
    t.problem(c.get('/api/v1/me'), 401)  # a lock ends the sessions
    _, lr = s.login('zheng.shi', 'Zheng-New-2026')
    t.problem(lr, 401)
    r = s.cli('user', 'unlock', 'zheng.shi')
    t.eq(r.returncode, 0, r.stderr)
    t.eq(state('zheng.shi'), 'active')
    _, lr = s.login('zheng.shi', 'Zheng-New-2026')
    t.status(lr, 201)
    # `user lock` keeps the failure count; `user unlock` clears it with the lock.
    def failures():
        return s.sql("SELECT failed_logins, locked_until_ms, locked FROM app_user "
                     "WHERE login = 'zheng.shi'")[0]
    for _ in range(3):
        s.login('zheng.shi', 'Wrong-Pass-1')
    t.eq(failures(), (3, 0, 0))
    t.eq(s.cli('user', 'lock', 'zheng.shi').returncode, 0)
    t.eq(failures(), (3, 0, 1))
    t.eq(s.cli('user', 'unlock', 'zheng.shi').returncode, 0)
    t.eq(failures(), (0, 0, 0))
    # Lockout after failures shows in the list; unlock clears it.
    for _ in range(5):
        s.login('zheng.shi', 'Wrong-Pass-1')
    t.eq(state('zheng.shi'), 'locked-after-failures')
    locked_until = failures()[1]
    t.true(locked_until > time.time() * 1000, failures())
    # A lock on top of a lockout keeps both; unlock lifts both.
    t.eq(s.cli('user', 'lock', 'zheng.shi').returncode, 0)
    t.eq(failures(), (5, locked_until, 1))
    t.eq(s.cli('user', 'unlock', 'zheng.shi').returncode, 0)
    t.eq(failures(), (0, 0, 0))
    _, lr = s.login('zheng.shi', 'Zheng-New-2026')
    t.status(lr, 201)
    for cmd in ('passwd', 'lock', 'unlock'):
        r = s.cli('user', cmd, 'nobody.here')
        t.eq(r.returncode, 1, f'user {cmd} nobody: {r.stderr}')
        t.eq(len(r.stderr.splitlines()), 1, r.stderr)
        t.true('nobody.here' in r.stderr, r.stderr)
    actions = [x[0] for x in s.sql("SELECT action FROM audit_log WHERE actor_login LIKE 'cli:%' "
                                   "ORDER BY id")]
    t.eq(actions, ['user.password.reset', 'user.lock', 'user.unlock', 'user.lock', 'user.unlock',
                   'user.lock', 'user.unlock'])


def test_maintenance_commands_need_an_existing_database(t):
    """Only serve and migrate create a database: backup, audit verify and the user commands
    on a database that does not exist (a mistyped --db) fail with one line, exit 1, and
    create neither the database nor the backup file."""
    tmp = tempfile.mkdtemp(prefix='anjian-cli-')
    try:
        typo = os.path.join(tmp, 'typo.db')
        backup = os.path.join(tmp, 'backup.db')
        for args in (['backup', backup], ['audit', 'verify'], ['user', 'list'],
                     ['user', 'add', 'new.user', '--role', 'inspector', '--scope',
                      'region:' + REGION],
                     ['user', 'passwd', 'admin'], ['user', 'lock', 'admin'],
                     ['user', 'unlock', 'admin']):
            r = anjian(*args, '--db', typo, '--data-dir', DATA, cwd=tmp)
            what = ' '.join(args)
            t.eq(r.returncode, 1, f'{what}: exit status (stderr {r.stderr!r})')
            lines = r.stderr.splitlines()
            t.eq(len(lines), 1, f'{what}: {r.stderr!r}')
            t.true(lines[0].startswith('anjian: ') and typo in lines[0], f'{what}: {lines[0]!r}')
            t.eq(r.stdout, '', what)
            t.eq(sorted(os.listdir(tmp)), [], f'{what} created files')
        # The same commands on the database once it exists work.
        r = anjian('migrate', '--db', typo, '--data-dir', DATA, cwd=tmp)
        t.eq(r.returncode, 0, r.stderr)
        r = anjian('backup', backup, '--db', typo, '--data-dir', DATA, cwd=tmp)
        t.eq(r.returncode, 0, r.stderr)
        t.true(os.path.exists(backup), 'no backup made')
        r = anjian('user', 'list', '--db', typo, '--data-dir', DATA, cwd=tmp)
        t.eq(r.returncode, 0, r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_threads_default_to_one_per_cpu(t):
    """docs/configuration.md: server.threads defaults to 0, one worker per online CPU
    (at most 64); an explicit count is used as given."""
    base = t.server(['--threads', '1'])
    dflt = t.server()
    ncpu = max(1, min(64, os.sysconf('SC_NPROCESSORS_ONLN')))
    t.eq(threads_of(dflt) - threads_of(base), ncpu - 1, f'default workers on {ncpu} CPUs')


def test_machine_accounts_have_no_password_on_the_cli(t):
    """`anjian user passwd` on a machine account (API tokens only) fails with one line,
    exit 1, and changes nothing."""
    s = t.server()
    a = s.admin()
    r = a.post('/api/v1/users', {'login': 'scada.bot', 'role': 'inspector',
                                 'scope': 'region:' + REGION, 'machine': True})
    t.status(r, 201)
    before = s.sql("SELECT * FROM app_user WHERE login = 'scada.bot'")
    n = s.sql('SELECT count(*) FROM audit_log')[0][0]
    for stdin, extra in ((None, ()), ('Strong-Pass-2026\n', ('--password-stdin',))):
        r = s.cli('user', 'passwd', 'scada.bot', *extra, stdin=stdin)
        t.eq(r.returncode, 1, r.stderr)
        t.eq(len(r.stderr.splitlines()), 1, r.stderr)
        t.true('machine' in r.stderr and 'scada.bot' in r.stderr, r.stderr)
        t.true('shown once' not in r.stdout, r.stdout)
    t.eq(s.sql("SELECT * FROM app_user WHERE login = 'scada.bot'"), before)
    t.eq(s.sql("SELECT password_hash FROM app_user WHERE login = 'scada.bot'"), [('!',)])
    t.eq(s.sql('SELECT count(*) FROM audit_log')[0][0], n)


def test_version(t):
    """Issue 2 §3: `anjian version` prints the version of the build (meson.build)."""
    with open(os.path.join(SRC_ROOT, 'meson.build'), encoding='utf-8') as fh:
        want = re.search(r"version\s*:\s*'([^']+)'", fh.read()).group(1)
    r = anjian('version')
    t.eq(r.returncode, 0)
    t.eq(r.stdout, f'anjian {want}\n')
    s = t.server()
    t.eq(s.anon().get('/api/v1/version').json['version'], want)


def test_migrate_is_idempotent(t):
    """Issue 2 §4 / STYLE §2.7: `migrate` applies the numbered migrations once and records them;
    a second run changes nothing; a database newer than the binary is refused."""
    tmp = tempfile.mkdtemp(prefix='anjian-cli-')
    db = os.path.join(tmp, 'sub', 'dir', 'm.db')  # the folder is created

    def snapshot():
        con = sqlite3.connect(db)
        try:
            return (con.execute('SELECT version, name, applied_ms FROM schema_migration '
                                'ORDER BY version').fetchall(),
                    con.execute('SELECT count(*) FROM region').fetchone()[0],
                    con.execute("SELECT group_concat(name) FROM sqlite_master "
                                "WHERE type IN ('table', 'trigger', 'index')").fetchone()[0])
        finally:
            con.close()

    try:
        r = anjian('migrate', '--db', db, '--data-dir', DATA, cwd=tmp)
        t.eq(r.returncode, 0, r.stderr)
        t.true('up to date' in r.stdout, r.stdout)
        first = snapshot()
        t.true(len(first[0]) >= 2, first[0])
        versions = [v for v, _, _ in first[0]]
        # Upwards from 1; a number reserved by a branch not merged yet may be missing.
        t.eq(versions[0], 1)
        t.eq(versions, sorted(set(versions)))
        t.true(first[1] > 40000, f'{first[1]} regions')
        t.eq(r.stderr.count('applied migration'), len(first[0]))
        time.sleep(0.01)
        r = anjian('migrate', '--db', db, '--data-dir', DATA, cwd=tmp)
        t.eq(r.returncode, 0, r.stderr)
        t.eq(r.stderr.count('applied migration'), 0, r.stderr)
        t.eq(snapshot(), first)
        con = sqlite3.connect(db)
        con.execute("INSERT INTO schema_migration (version, name, applied_ms) "
                    "VALUES (9999, 'future', 0)")
        con.commit()
        con.close()
        r = anjian('migrate', '--db', db, '--data-dir', DATA, cwd=tmp)
        t.eq(r.returncode, 1, r.stderr)
        t.true('newer' in r.stderr, r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_config_precedence_database_path(t):
    """Issue 2 §3 / docs/configuration.md: the INI file sets database.path, ANJIAN_DATABASE_PATH
    overrides the file, --db overrides the environment: seen by which file is created."""
    tmp = tempfile.mkdtemp(prefix='anjian-cli-')
    ini = os.path.join(tmp, 'anjian.ini')
    with open(ini, 'w') as fh:
        fh.write('; test\n[database]\npath = from-file.db\n[data]\ndir = %s\n' % DATA)
    try:
        def created(*args, env=None):
            before = set(os.listdir(tmp))
            r = anjian('migrate', *args, cwd=tmp, env=dict(env or {}, ANJIAN_DATA_DIR=DATA))
            t.eq(r.returncode, 0, r.stderr)
            return sorted(f for f in set(os.listdir(tmp)) - before if f.endswith('.db'))

        t.eq(created(), [])  # the default var/anjian.db lives in a folder
        t.true(os.path.exists(os.path.join(tmp, 'var', 'anjian.db')), 'default path not used')
        t.eq(created('--config', ini), ['from-file.db'])
        t.eq(created('--config', ini, env={'ANJIAN_DATABASE_PATH': 'from-env.db'}),
             ['from-env.db'])
        t.eq(created('--config', ini, '--db', 'from-flag.db',
                     env={'ANJIAN_DATABASE_PATH': 'from-env2.db'}), ['from-flag.db'])
        t.eq(created(env={'ANJIAN_CONFIG': ini, 'ANJIAN_DATABASE_PATH': 'from-env3.db'}),
             ['from-env3.db'])
        t.eq(created('--set', 'database.path=from-set.db', env={'ANJIAN_CONFIG': ini}),
             ['from-set.db'])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def threads_of(s):
    with open(f'/proc/{s.proc.pid}/status') as fh:
        return int(re.search(r'^Threads:\s+(\d+)', fh.read(), re.M).group(1))


def access_lines(t, s, expect):
    """Makes requests and counts access-log lines; waits for them when they are expected."""
    for _ in range(3):
        t.status(s.anon().get('/healthz'), 200)
    deadline = time.time() + 5
    while expect and s.stderr().count('mod=access') < 3 and time.time() < deadline:
        time.sleep(0.05)
    if not expect:
        time.sleep(0.2)
    return s.stderr().count('mod=access')


def test_config_precedence_threads_and_log_level(t):
    """Issue 2 §3: an INI file sets server.threads and log.level, ANJIAN_* variables override
    the file, flags override the environment: seen in the worker thread count of the process
    and in whether the access log (info level) is written."""
    tmp = tempfile.mkdtemp(prefix='anjian-cli-')
    ini = os.path.join(tmp, 'anjian.ini')
    with open(ini, 'w') as fh:
        fh.write('[server]\nthreads = 3\n\n[log]\nlevel = error\n')
    try:
        base = t.server(['--threads', '4'])
        plain = threads_of(base)  # the process's own threads + 4 workers
        t.true(access_lines(t, base, True) >= 3, 'no access log at the default level info')
        s1 = t.server(['--config', ini])
        t.eq(threads_of(s1), plain - 1, 'file: threads = 3')
        t.eq(access_lines(t, s1, False), 0, 'file: level error still logs access')
        t.true('level=info' not in s1.stderr(), s1.stderr())
        with environ(ANJIAN_SERVER_THREADS='5', ANJIAN_LOG_LEVEL='info'):
            s2 = t.server(['--config', ini])
        t.eq(threads_of(s2), plain + 1, 'environment over file: threads = 5')
        t.true(access_lines(t, s2, True) >= 3, 'environment over file: level info')
        with environ(ANJIAN_SERVER_THREADS='5', ANJIAN_LOG_LEVEL='info'):
            s3 = t.server(['--config', ini, '--threads', '2', '--log-level', 'error'])
        t.eq(threads_of(s3), plain - 2, 'flag over environment: threads = 2')
        t.eq(access_lines(t, s3, False), 0, 'flag over environment: level error')
        with environ(ANJIAN_CONFIG=ini):
            s4 = t.server()
        t.eq(threads_of(s4), plain - 1, 'ANJIAN_CONFIG names the file')
        t.eq(access_lines(t, s4, False), 0, 'ANJIAN_CONFIG names the file')
        s5 = t.server(['--config', ini, '--set', 'log.access=false', '--log-level', 'info'])
        t.eq(access_lines(t, s5, False), 0, 'log.access=false')
        t.true('listening on' in s5.stderr(), 'info lines are back with --log-level info')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


run(globals())
