/* SPDX-License-Identifier: MIT */
/* Serving the built web UI from web_dir (see static.c). */
#ifndef HTTP_STATIC_H
#define HTTP_STATIC_H

#include "http/req.h"

/*
 * Answers GET/HEAD for path from web_dir: the file if it exists (MIME by
 * extension, ETag, Cache-Control: immutable under /assets/, no-cache
 * otherwise), else index.html for client-side routes (paths whose last
 * segment has no dot), else 404. Never leaves web_dir. Returns 0.
 */
int static_serve(struct req *rq, struct resp *rs, const char *web_dir);

/* Returns: static MIME type for a file name, by extension. */
const char *static_mime_type(const char *name);

#endif
