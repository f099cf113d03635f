#!/usr/bin/env python3
"""The documents that describe behaviour match the code: the API route table, the settings."""
import os
import re
import subprocess

from harness import BIN, SRC_ROOT, run


def read(rel):
    with open(os.path.join(SRC_ROOT, rel), encoding='utf-8') as fh:
        return fh.read()


def test_api_md_route_table_is_generated_from_the_binary(t):
    """docs/api.md's table is `anjian routes --markdown` (scripts/gen_api_docs.sh)."""
    doc = read('docs/api.md')
    m = re.search(r'<!-- routes:begin -->\n(.*?)<!-- routes:end -->', doc, re.S)
    t.true(m, 'docs/api.md has no routes markers')
    out = subprocess.run([BIN, 'routes', '--markdown'], capture_output=True, text=True, check=True)
    t.eq(m.group(1), out.stdout, 'docs/api.md is out of date: run scripts/gen_api_docs.sh;')


def test_every_route_has_a_summary(t):
    """STYLE §2.8: a route without a one-line summary fails the check."""
    out = subprocess.run([BIN, 'routes', '--markdown'], capture_output=True, text=True, check=True)
    rows = [line for line in out.stdout.splitlines()[2:] if line.startswith('|')]
    t.true(len(rows) > 10, 'too few routes listed')
    for row in rows:
        cells = [c.strip() for c in row.strip('|').split('|')]
        t.true(cells[-1] != '', f'route without summary: {row}')


def test_configuration_md_documents_every_setting(t):
    """Every key of the settings table in src/core/config.c is in docs/configuration.md."""
    src = read('src/core/config.c')
    keys = re.findall(r'\b[SILBPA]\("([a-z_]+\.[a-z_0-9]+)"', src)
    keys += re.findall(r'\{ "([a-z_]+\.[a-z_0-9]+)", K_', src)
    t.true(len(keys) >= 15, f'found only {len(keys)} keys')
    doc = read('docs/configuration.md')
    missing = [k for k in keys if f'`{k}`' not in doc]
    t.eq(missing, [], 'settings missing from docs/configuration.md:')


def test_readme_gives_the_two_commands(t):
    readme = read('README.md')
    t.true('make run' in readme and 'make test' in readme, 'README lacks make run / make test')
    ci = read('.ci/run')
    t.true('make test' in ci, '.ci/run does not call make test')


run(globals())
