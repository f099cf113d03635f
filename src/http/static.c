/* SPDX-License-Identifier: MIT */
/* Static files of the web UI: safe path resolution, MIME types, ETag, caching. */
#define LOG_MODULE "static"
#include "http/static.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/banned.h"

static const struct {
	const char *ext, *type;
} mime[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".geojson", "application/geo+json" },
	{ ".map", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".jpeg", "image/jpeg" },
	{ ".webp", "image/webp" },
	{ ".gif", "image/gif" },
	{ ".ico", "image/x-icon" },
	{ ".woff", "font/woff" },
	{ ".woff2", "font/woff2" },
	{ ".ttf", "font/ttf" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".wasm", "application/wasm" },
	{ ".webmanifest", "application/manifest+json" },
};

const char *static_mime_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot && strchr(dot, '/') == NULL)
		for (size_t i = 0; i < sizeof(mime) / sizeof(mime[0]); i++)
			if (strcasecmp(dot, mime[i].ext) == 0)
				return mime[i].type;
	return "application/octet-stream";
}

/* A request path is safe when every segment is non-empty text without "." or ".." names. */
static bool path_safe(const char *p)
{
	if (p[0] != '/' || strchr(p, '\\'))
		return false;
	for (const char *s = p; *s; s++) {
		if (*s == '/' && (strncmp(s, "/../", 4) == 0 || strcmp(s, "/..") == 0 ||
				  strncmp(s, "/./", 3) == 0 || strncmp(s, "//", 2) == 0))
			return false;
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

/*
 * Opens web_dir/path for reading when it is a regular file whose real path (symbolic
 * links resolved) lies inside web_dir's real path. Returns the fd or -1.
 */
static int open_file(const char *web_dir, const char *path, struct stat *st)
{
	char full[1024], real_dir[PATH_MAX], real[PATH_MAX];
	size_t n;
	int fd;

	if ((size_t)snprintf(full, sizeof(full), "%s%s", web_dir, path) >= sizeof(full))
		return -1;
	if (realpath(web_dir, real_dir) == NULL || realpath(full, real) == NULL)
		return -1;
	n = strlen(real_dir);
	if (strncmp(real, real_dir, n) != 0 || real[n] != '/')
		return -1;
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

int static_serve(struct req *rq, struct resp *rs, const char *web_dir)
{
	const char *path = rq->path;
	const char *last = strrchr(path, '/');
	struct stat st;
	char etag[64];
	const char *inm;
	int fd = -1;
	bool index = false;

	if (!path_safe(path))
		return resp_problem(rs, 404, NULL, "no such file", NULL);
	if (strcmp(path, "/") != 0)
		fd = open_file(web_dir, path, &st);
	if (fd < 0 && (strcmp(path, "/") == 0 || (last && strchr(last, '.') == NULL))) {
		fd = open_file(web_dir, "/index.html", &st);
		index = true;
	}
	if (fd < 0)
		return resp_problem(rs, 404, NULL,
				    index ? "the web UI is not built (run make)" : "no such file",
				    NULL);
	/* Size and modification time to the nanosecond: an edit within a second still shows. */
	snprintf(etag, sizeof(etag), "\"%llx-%llx.%lx\"", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	resp_header(rs, "ETag", etag);
	resp_header(rs, "Cache-Control",
		    !index && strncmp(path, "/assets/", 8) == 0
			    ? "public, max-age=31536000, immutable"
			    : "no-cache");
	rs->content_type = static_mime_type(index ? "index.html" : path);
	inm = req_header(rq, "If-None-Match");
	/* If-None-Match may list several tags or be "*" (RFC 9110 §13.1.2). */
	if (inm && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL)) {
		close(fd);
		rs->status = 304;
		return 0;
	}
	rs->status = 200;
	rs->fd = fd;
	rs->fd_size = (uint64_t)st.st_size;
	return 0;
}
