#!/usr/bin/env python3
"""Counts test results of one or more Meson build folders and prints the closing line.

Each Meson test speaks TAP; every `ok`/`not ok` line of its output is one test case.
A test program that crashed or timed out without TAP lines counts as one failure.
Prints the failing cases, then `N passed, N failed`; exits 1 when anything failed.
"""
import json
import os
import re
import sys

TAP = re.compile(r'^(not ok|ok)\b(.*)$')


def main(dirs):
    passed = failed = 0
    failures = []
    for d in dirs:
        log = os.path.join(d, 'meson-logs', 'testlog.json')
        if not os.path.exists(log):
            failures.append(f'{d}: no test log (the build or the test run failed)')
            failed += 1
            continue
        with open(log, encoding='utf-8', errors='replace') as fh:
            for line in fh:
                t = json.loads(line)
                name = f"{os.path.basename(d)}/{t['name']}"
                p = f = 0
                for out_line in (t.get('stdout') or '').splitlines():
                    m = TAP.match(out_line.strip())
                    if not m:
                        continue
                    if '# SKIP' in m.group(2):
                        continue
                    if m.group(1) == 'ok':
                        p += 1
                    else:
                        f += 1
                        failures.append(f'{name}: {out_line.strip()}')
                if t['result'] not in ('OK', 'EXPECTEDFAIL', 'SKIP') and f == 0:
                    f = 1
                    failures.append(f"{name}: {t['result']} (exit {t.get('returncode')})")
                passed += p
                failed += f
    for x in failures:
        print('FAILED', x)
    print(f'{passed} passed, {failed} failed')
    return 1 if failed or passed == 0 else 0


sys.exit(main(sys.argv[1:]))
