#!/usr/bin/env python3
"""Photos of hidden hazards (issue 4 §7, docs/hazard.md): upload by content hash, type by
magic bytes (not by the declared media type), size limit (413 naming photo), nothing stored for
a file that is not an image, GPS metadata detected and stripped from what enterprise officers
and thumbnails show, and photo scope: visible to the uploader and to whoever sees a hazard
showing it (else 404)."""
import base64
import hashlib
import os
import struct
import zlib

from test_hazard import World, PLAN
from harness import run

# An 8 x 8 black baseline JPEG (made with libvips, metadata stripped).
JPEG = base64.b64decode('/9j/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wAARCAAIAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD5/ooooA//2Q==')


def png(w=40, h=30, seed=0):
    """A valid RGB PNG made with zlib (each seed gives other pixels, so another hash)."""
    rows = []
    for y in range(h):
        row = bytearray(b'\x00')
        for x in range(w):
            row += bytes(((x * 7 + y * 3 + seed) % 256, (x + seed) % 256, y % 256))
        rows.append(bytes(row))
    raw = b''.join(rows)

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def bomb():
    """A PNG whose header claims 10000 x 10000 pixels (100 megapixels) in a few hundred bytes."""
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    return (b'\x89PNG\r\n\x1a\n' +
            chunk(b'IHDR', struct.pack('>IIBBBBB', 10000, 10000, 8, 2, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(b'\x00' * 30001)) + chunk(b'IEND', b''))


def with_gps(jpeg):
    """The JPEG with an EXIF APP1 segment holding a GPS IFD (latitude N 33/1 23/1 0/1)."""
    tiff = bytearray(b'II*\x00' + struct.pack('<I', 8))
    tiff += struct.pack('<H', 1) + struct.pack('<HHII', 0x8825, 4, 1, 26) + struct.pack('<I', 0)
    tiff += struct.pack('<H', 2)
    tiff += struct.pack('<HHI', 0x0001, 2, 2) + b'N\x00\x00\x00'
    tiff += struct.pack('<HHII', 0x0002, 5, 3, 56) + struct.pack('<I', 0)
    tiff += struct.pack('<IIIIII', 33, 1, 23, 1, 0, 1)
    app1 = b'Exif\x00\x00' + bytes(tiff)
    return jpeg[:2] + b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1 + jpeg[2:]


def upload(c, data, ct='image/png'):
    return c.request('POST', '/api/v1/photos', raw=data, content_type=ct)


def test_upload_by_hash_type_and_limits(t):
    w = World(t, extra=['--set', 'hazard.photo_max_bytes=20000'])
    p = png()
    r = upload(w.patroller, p, 'application/octet-stream')
    t.status(r, 201)
    sha = hashlib.sha256(p).hexdigest()
    t.eq((r.json['sha256'], r.json['mime'], r.json['width'], r.json['height'], r.json['bytes']),
         (sha, 'image/png', 40, 30, len(p)), 'type by magic bytes')
    t.eq(r.json['url'], f'/api/v1/photos/{sha}')
    t.eq(r.json['has_location'], False)
    folder = os.path.join(os.path.dirname(w.s.db), 'photos', sha[:2])
    t.true(os.path.exists(os.path.join(folder, sha)), 'stored by hash under the photo dir')
    with open(os.path.join(folder, sha), 'rb') as fh:
        t.eq(fh.read(), p)
    t.eq(upload(w.patroller, p).status, 201, 'the same bytes again: the same answer')
    t.eq(w.s.sql('SELECT COUNT(*) FROM photo')[0][0], 1)
    r = w.patroller.get(f'/api/v1/photos/{sha}')
    t.status(r, 200)
    t.eq((r.header('content-type'), r.body), ('image/png', p))
    r = w.patroller.get(f'/api/v1/photos/{sha}/thumb')
    t.status(r, 200)
    t.eq(r.body[:3], b'\xff\xd8\xff', 'a JPEG thumbnail')
    before = (w.s.sql('SELECT COUNT(*) FROM photo')[0][0],
              w.s.sql('SELECT COUNT(*) FROM audit_log')[0][0])
    t.problem(upload(w.patroller, b'GIF89a' + b'\x00' * 100, 'image/png'), 422, 'photo')
    t.problem(upload(w.patroller, b'\x89PNG\r\n\x1a\n' + b'\x00' * 100), 422, 'photo')
    t.problem(upload(w.patroller, p[:-12] + b'\x00' * 20000), 413, 'photo')
    r = upload(w.patroller, bomb())
    t.problem(r, 422, 'photo')
    t.true('megapixels' in r.json['detail'], r.json['detail'])

    t.status(upload(w.patroller, b'hello', 'text/plain'), 415)
    t.eq((w.s.sql('SELECT COUNT(*) FROM photo')[0][0],
          w.s.sql('SELECT COUNT(*) FROM audit_log')[0][0]), before, 'nothing written')
    t.status(upload(w.a, p), 403, 'administrators do not report')


def test_gps_detected_and_stripped_outside_the_bureau(t):
    w = World(t)
    j = with_gps(JPEG)
    r = upload(w.patroller, j, 'image/jpeg')
    t.status(r, 201)
    t.eq((r.json['mime'], r.json['has_location']), ('image/jpeg', True), 'GPS detected')
    t.eq(upload(w.patroller, JPEG, 'image/jpeg').json['has_location'], False)
    sha = r.json['sha256']
    h = w.report(photos=[sha]).json
    t.eq([p['sha256'] for p in h['photos']['before']], [sha])
    r = w.inspector.get(f'/api/v1/photos/{sha}')
    t.eq(r.body, j, 'the bureau sees the original')
    r = w.officer.get(f'/api/v1/photos/{sha}')
    t.status(r, 200)
    t.true(b'Exif' not in r.body and r.body[:3] == b'\xff\xd8\xff', 'no EXIF for an officer')
    t.true(b'Exif' not in w.inspector.get(f'/api/v1/photos/{sha}/thumb').body)


def test_photo_scope_follows_the_hazards(t):
    w = World(t)
    p1, p2, p3 = png(seed=1), png(seed=2), png(seed=3)
    s1 = upload(w.patroller, p1).json['sha256']
    s2 = upload(w.patroller2, p2).json['sha256']
    s3 = upload(w.officer, p3).json['sha256']
    h1 = w.report(photos=[s1]).json['id']
    w.report(w.patroller2, enterprise_id=w.e2, photos=[s2])
    for c, sha, want in ((w.patroller, s1, 200), (w.patroller2, s1, 404), (w.officer, s1, 200),
                         (w.officer2, s1, 404), (w.officer2, s2, 200), (w.officer, s2, 404),
                         (w.inspector, s2, 404), (w.leader, s2, 200), (w.patroller, s3, 404),
                         (w.officer, s3, 200)):
        t.eq(c.get(f'/api/v1/photos/{sha}').status, want, f'{c.id} {sha[:8]}')
        t.eq(c.get(f'/api/v1/photos/{sha}/thumb').status, want, f'thumb {c.id} {sha[:8]}')
    t.status(w.patroller.get('/api/v1/photos/' + 'a' * 64), 404)
    t.status(w.patroller.get('/api/v1/photos/nothex'), 404)
    # After-photos of a submission.
    w.act(w.manager, h1, 'confirm')
    w.act(w.officer, h1, 'plan', PLAN)
    r = w.act(w.officer, h1, 'submit', {'photos': [s3]})
    t.eq([p['sha256'] for p in r.json['photos']['after']], [s3])
    t.eq(w.patroller.get(f'/api/v1/photos/{s3}').status, 200, 'now shown by a hazard in G1')
    # A photo the reporter may not see cannot be attached (it would then be shown to them).
    before = w.counts()
    t.problem(w.report(photos=[s2]), 422, 'photos')
    h2 = w.report().json['id']
    w.act(w.manager, h2, 'confirm')
    w.act(w.officer, h2, 'plan', PLAN)
    t.problem(w.act(w.officer, h2, 'submit', {'photos': [s2]}, 422), 422, 'photos')
    t.eq(w.counts()[2], before[2] + 3, 'only the report, confirm and plan were audited')



def test_same_bytes_by_another_uploader(t):
    """A second user uploading bytes someone else stored may see and attach them, and the
    answer (201) does not tell that the file existed."""
    w = World(t)
    p = png(seed=7)
    r1 = upload(w.patroller2, p)
    t.status(r1, 201)
    sha = r1.json['sha256']
    t.status(w.patroller.get(f'/api/v1/photos/{sha}'), 404, 'not yet the patroller\'s')
    r2 = upload(w.patroller, p)
    t.eq(r2.status, 201, 'the same status as for new bytes')
    t.eq(r2.json, r1.json, 'the same stored photo')
    t.eq(w.s.sql('SELECT COUNT(*) FROM photo')[0][0], 1, 'stored once')
    t.eq(sorted(x[0] for x in w.s.sql(f"SELECT user_id FROM photo_upload WHERE sha256 = '{sha}'")),
         sorted([w.patroller.id, w.patroller2.id]), 'both uploaders recorded')
    r = w.patroller.get(f'/api/v1/photos/{sha}')
    t.status(r, 200)
    t.eq(r.body, p)
    t.status(w.patroller.get(f'/api/v1/photos/{sha}/thumb'), 200)
    h = w.report(photos=[sha])
    t.status(h, 201)
    t.eq([x['sha256'] for x in h.json['photos']['before']], [sha], 'attached')
    t.status(w.manager.get(f'/api/v1/photos/{sha}'), 200, 'and shown with the hazard')
    t.status(w.officer2.get(f'/api/v1/photos/{sha}'), 404, 'still not to others')


def test_photo_headers_not_doubled(t):
    """The photo's own Cache-Control replaces the API's no-store; nosniff is sent once."""
    w = World(t)
    sha = upload(w.patroller, png(seed=9)).json['sha256']
    for path in (f'/api/v1/photos/{sha}', f'/api/v1/photos/{sha}/thumb'):
        r = w.patroller.get(path)
        t.status(r, 200)
        names = [k.lower() for k, _ in r.raw_headers]
        t.eq(names.count('cache-control'), 1, f'one Cache-Control: {r.raw_headers}')
        t.eq(names.count('x-content-type-options'), 1, 'one nosniff')
        t.eq(r.header('cache-control'), 'private, max-age=86400, immutable')
    r = w.patroller.get('/api/v1/hazards')
    t.eq([v for k, v in r.raw_headers if k.lower() == 'cache-control'], ['no-store'],
         'the API default elsewhere')


run(globals())
