#!/usr/bin/env python3
"""Latency of filtered lists with one connection (docs/benchmarks.md, issues 3 and 4).

    bench/list_latency.py BIN DB LOGIN PASSWORD [N [QUERY...]]

Starts `BIN serve` on DB (one worker, no access log, plus the arguments in the environment
variable BENCH_SERVE_ARGS, split on blanks), logs in (the account must not have to change its
password), then for each query (the enterprise lists below unless QUERYs are given) sends 10
warm-up requests and N (200) more, one at a time over one keep-alive connection, and prints
the items of a page, p50 and p99. A query whose warm-up does not answer 200 (an endpoint this
build lacks) is reported as SKIPPED with its status, not measured. A query stops early once it
has taken BENCH_QUERY_MAX_S seconds (20), so that a slow build keeps the run bounded; the
line then says how many requests were made (a p99 of fewer than 100 is the maximum).
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

QUERIES = [
    '/api/v1/enterprises?region=320902&industry=65&high_risk=true&limit=50',
    '/api/v1/enterprises?std_grade=1&limit=50',
    '/api/v1/enterprises?grid=168&limit=50',
    '/api/v1/enterprises?q=%E7%AC%AC47995%E5%8F%B7&limit=50',  # q=第47995号
    '/api/v1/enterprises?region=320902&industry=26&high_risk=true&limit=50',
    '/api/v1/enterprises?region=320903&sort=name&limit=50',
    '/api/v1/enterprises?limit=50',
]


def main():
    bin_, db, login, password = sys.argv[1:5]
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    queries = sys.argv[6:] or QUERIES
    budget_s = float(os.environ.get('BENCH_QUERY_MAX_S', '20'))
    tmp = tempfile.mkdtemp()
    port_file = os.path.join(tmp, 'port')
    proc = subprocess.Popen([bin_, 'serve', '--db', db, '--port', '0', '--port-file', port_file,
                             '--threads', '1', '--set', 'log.access=false',
                             *os.environ.get('BENCH_SERVE_ARGS', '').split()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        conn = http.client.HTTPConnection('127.0.0.1', int(open(port_file).read()))

        def get(method, path, body=None, token=None):
            headers = {'Content-Type': 'application/json'}
            if token:
                headers['Authorization'] = 'Bearer ' + token
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            r = conn.getresponse()
            return r.status, r.read()

        status, body = get('POST', '/api/v1/session', {'login': login, 'password': password})
        if status not in (200, 201):
            sys.exit(f'login failed: {status} {body[:200]!r}')
        token = json.loads(body)['token']
        for q in queries:
            for _ in range(10):
                status, body = get('GET', q, token=token)
            if status != 200:
                print(f'{q:72s} SKIPPED: status {status} {body[:120]!r}', flush=True)
                continue
            items = len(json.loads(body)['items'])
            times = []
            stop = time.perf_counter() + budget_s
            for _ in range(n):
                t0 = time.perf_counter()
                get('GET', q, token=token)
                times.append(time.perf_counter() - t0)
                if t0 > stop:
                    break
            times.sort()
            k = len(times)
            cut = f' (time budget: {k} of {n} requests)' if k < n else ''
            print(f'{q:72s} items={items!s:3s} p50={times[k // 2] * 1e3:6.2f} ms '
                  f'p99={times[max(0, int(k * 0.99) - 1)] * 1e3:6.2f} ms{cut}', flush=True)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == '__main__':
    main()
