/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd glue. One request goes: match route (404/405) -> read body
 * up to the limit (413) -> authenticate (401) -> pending password change
 * (403) -> permission (403) -> CSRF for cookie writes (403) -> JSON body
 * (415/400), or for an upload route (ROUTE_UPLOAD) one of its media types (415)
 * within server.max_upload_bytes (413) -> handler -> answer. Errors leave as
 * RFC 9457 problems.
 */
#define LOG_MODULE "http"
#include "http/server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/db.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/static.h"
#include "core/banned.h"

struct http_server {
	struct MHD_Daemon *d;
	struct app *app;
	int port;
};

struct conn_ctx {
	struct req rq;
	struct resp rs;
	struct buf body;
	size_t limit;
	bool too_large; /* the body grew past the limit while being read */
	bool refused;	/* the gate answered: the body is discarded */
	bool answered;	/* the response is queued */
	bool is_api;
	enum route_match match;
	unsigned allowed;
	int64_t start_us;
	struct principal user;
};

/*
 * A streamed body (resp_stream). The reader parks the connection with
 * MHD_suspend_connection when the source has nothing (returning 0 from a content reader
 * is only allowed with suspension: otherwise MHD calls it again at once, a busy loop);
 * http_stream_wake resumes it. mu protects conn, parked and wake_pending; it is taken
 * after the source's own locks are released, and MHD's cleanup mutex is taken under it.
 */
struct http_stream {
	pthread_mutex_t mu;
	struct MHD_Connection *conn; /* set when the response is queued */
	bool parked;		     /* suspended by the reader, not yet resumed */
	bool wake_pending;	     /* a wake came while not parked: read again first */
	resp_stream_read_fn read;
	resp_stream_free_fn free_fn;
	void *ctx;
};

/* Chunk size asked of the source: a few events per chunk. */
#define STREAM_BLOCK 16384

int resp_stream(struct resp *rs, const char *content_type, resp_stream_read_fn read,
		resp_stream_free_fn free_fn, void *ctx, struct http_stream **handle)
{
	struct http_stream *st = xcalloc(1, sizeof(*st));

	pthread_mutex_init(&st->mu, NULL);
	st->read = read;
	st->free_fn = free_fn;
	st->ctx = ctx;
	rs->stream = st;
	rs->status = 200;
	rs->content_type = content_type;
	*handle = st;
	return 0;
}

void http_stream_wake(void *handle)
{
	struct http_stream *st = handle;

	pthread_mutex_lock(&st->mu);
	if (st->parked) {
		st->parked = false;
		MHD_resume_connection(st->conn);
	} else {
		st->wake_pending = true;
	}
	pthread_mutex_unlock(&st->mu);
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *st = cls;

	(void)pos;
	for (;;) {
		ssize_t n = st->read(st->ctx, buf, max);

		if (n > 0)
			return n;
		if (n < 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		pthread_mutex_lock(&st->mu);
		if (st->wake_pending) {
			st->wake_pending = false;
			pthread_mutex_unlock(&st->mu);
			continue;
		}
		st->parked = true;
		MHD_suspend_connection(st->conn);
		pthread_mutex_unlock(&st->mu);
		return 0;
	}
}

static void stream_free(void *cls)
{
	struct http_stream *st = cls;

	if (st == NULL)
		return;
	st->free_fn(st->ctx); /* after it returns, nobody wakes st */
	pthread_mutex_destroy(&st->mu);
	free(st);
}

static _Atomic uint64_t rid_counter;
static uint32_t rid_boot;

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("microhttpd: %s", msg);
}

static const char *client_ip(struct MHD_Connection *c, struct arena *a)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char text[INET6_ADDRSTRLEN] = "";

	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text,
				  sizeof(text));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text,
				  sizeof(text));
	}
	return arena_strdup(a, text[0] ? text : "unknown");
}

static void ctx_free(struct conn_ctx *cx)
{
	json_decref(cx->rq.body);
	json_decref(cx->rs.json);
	free(cx->rs.body);
	for (int i = 0; i < cx->rs.nheaders; i++) {
		free(cx->rs.hname[i]);
		free(cx->rs.hvalue[i]);
	}
	if (cx->rs.fd >= 0)
		close(cx->rs.fd);
	stream_free(cx->rs.stream);
	buf_release(&cx->body);
	arena_release(&cx->rq.arena);
	free(cx);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	if (*con_cls)
		ctx_free(*con_cls);
	*con_cls = NULL;
	log_set_rid(NULL);
}

/* Finds the session token: "Authorization: Bearer X" first, then the cookie. */
static const char *find_token(struct req *rq, bool *via_cookie)
{
	const char *h = req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);

	*via_cookie = false;
	if (h && strncasecmp(h, "Bearer ", 7) == 0 && h[7])
		return h + 7;
	h = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, HTTP_SESSION_COOKIE);
	if (h && *h) {
		*via_cookie = true;
		return h;
	}
	return NULL;
}

/* application/json, with no charset or charset=utf-8 (RFC 8259 §8.1: JSON is UTF-8). */
static bool is_json_type(const char *ct)
{
	size_t n = strlen("application/json");
	const char *p;

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return false;
	p = ct + n;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return true;
	if (*p++ != ';')
		return false;
	while (*p == ' ')
		p++;
	return strncasecmp(p, "charset=", 8) == 0 &&
	       (strcasecmp(p + 8, "utf-8") == 0 || strcasecmp(p + 8, "\"utf-8\"") == 0);
}

/*
 * True when the media type of ct (parameters such as charset ignored, any case) is one
 * of the NULL-terminated list types.
 */
static bool type_in(const char *ct, const char *const *types)
{
	size_t n;

	if (ct == NULL || types == NULL)
		return false;
	n = strcspn(ct, "; ");
	for (; *types; types++)
		if (strlen(*types) == n && strncasecmp(ct, *types, n) == 0)
			return true;
	return false;
}

/*
 * Everything that needs only the request line and the headers, decided before a byte
 * of the body is read: route (404/405), credentials (401), pending password change,
 * permission, the route's own refusal and CSRF (403), declared size (413), media type
 * (415). Returns true when
 * the answer is ready in cx->rs; the body is then discarded, never buffered, so that
 * nobody can make the server hold memory without being allowed to send it.
 */
static bool gate(struct conn_ctx *cx, uint64_t declared_len, bool has_len)
{
	struct req *rq = &cx->rq;
	struct resp *rs = &cx->rs;
	const struct route *r = rq->route;
	const char *token, *why;
	bool via_cookie;

	if (rq->method == 0) {
		/* RFC 9110 §15.6.2: a method the server does not know at all. */
		resp_problem(rs, 501, NULL, "this method is not supported", NULL);
		return true;
	}
	if (cx->match == ROUTE_MATCH_NO_PATH) {
		if (cx->is_api) {
			resp_problem(rs, 404, NULL, "no such endpoint", NULL);
			return true;
		}
		if (rq->method != HTTP_GET && rq->method != HTTP_HEAD) {
			resp_header(rs, "Allow", "GET, HEAD");
			resp_problem(rs, 405, NULL, "only GET and HEAD serve files", NULL);
			return true;
		}
		return false;
	}
	if (cx->match == ROUTE_MATCH_NO_METHOD) {
		char allow[80] = "";

		for (unsigned m = 1; m <= HTTP_OPTIONS; m <<= 1)
			if (cx->allowed & m) {
				size_t used = strlen(allow);

				snprintf(allow + used, sizeof(allow) - used, "%s%s",
					 used ? ", " : "", http_method_name(m));
			}
		resp_header(rs, "Allow", allow);
		resp_problem(rs, 405, NULL, "method not allowed on this resource", NULL);
		return true;
	}
	rq->db = db_pool_get(rq->app->pool);
	if (rq->db == NULL) {
		resp_problem(rs, 503, NULL, "the database cannot be opened", NULL);
		return true;
	}
	/* Public routes (log in, health) ignore credentials but for /metrics' own check. */
	token = find_token(rq, &via_cookie);
	if (token && rq->app->auth_resolve(rq, token, &cx->user) == 0)
		rq->user = &cx->user;
	if (!(r->flags & ROUTE_PUBLIC)) {
		if (rq->user == NULL) {
			resp_header(rs, "WWW-Authenticate", "Bearer");
			resp_problem(rs, 401, NULL,
				     token ? "the session has expired or the token is not valid"
					   : "log in first",
				     NULL);
			return true;
		}
		if (rq->user->must_change_password && !(r->flags & ROUTE_PENDING_OK)) {
			resp_problem(rs, 403, NULL,
				     "the password must be changed before anything else "
				     "(POST /api/v1/me/password)",
				     NULL);
			return true;
		}
		if (r->perm && !(rq->user->perms & r->perm)) {
			resp_problem(rs, 403, NULL, "your role may not do this", NULL);
			return true;
		}
		if (r->refuse && (why = r->refuse(rq->user)) != NULL) {
			resp_problem(rs, 403, NULL, why, NULL);
			return true;
		}
		/* Cookies are sent by browsers on their own: writes need the CSRF token too. */
		if (via_cookie && rq->method != HTTP_GET && rq->method != HTTP_HEAD &&
		    rq->method != HTTP_OPTIONS) {
			const char *t = req_header(rq, "X-CSRF-Token");

			if (t == NULL || !rq->user->csrf[0] || !str_equal_ct(t, rq->user->csrf)) {
				resp_problem(rs, 403, NULL,
					     "missing or wrong X-CSRF-Token header for a cookie "
					     "session",
					     NULL);
				return true;
			}
		}
	}
	if (has_len && declared_len > cx->limit) {
		char detail[96];

		snprintf(detail, sizeof(detail), "the body is larger than %zu bytes", cx->limit);
		resp_problem(rs, 413, NULL, detail, NULL);
		return true;
	}
	if ((r->flags & ROUTE_JSON_BODY) &&
	    !is_json_type(req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		resp_problem(rs, 415, NULL, "the body must be application/json (UTF-8)", NULL);
		return true;
	}
	if ((r->flags & ROUTE_UPLOAD) &&
	    !type_in(req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE), r->accept)) {
		struct buf b = BUF_INIT;

		buf_adds(&b, "the body must be one of:");
		for (const char *const *t = r->accept; t && *t; t++)
			buf_addf(&b, " %s", *t);
		resp_problem(rs, 415, NULL, buf_str(&b), NULL);
		buf_release(&b);
		return true;
	}
	return false;
}

/* Runs once the body is complete and the gate let the request through. */
static int run(struct conn_ctx *cx)
{
	struct req *rq = &cx->rq;
	struct resp *rs = &cx->rs;
	const struct route *r = rq->route;
	int rc;

	if (cx->match == ROUTE_MATCH_NO_PATH)
		return static_serve(rq, rs, rq->app->cfg.web_dir);
	if (cx->too_large) {
		char detail[96];

		struct field_errors fe = { 0 };

		snprintf(detail, sizeof(detail), "the body is larger than %zu bytes", cx->limit);
		field_errors_add(&fe, "body", "is larger than %zu bytes", cx->limit);
		return resp_problem(rs, 413, NULL, detail, &fe);
	}
	/* Every {id} in a route is a row id: one check here names the field for all of them. */
	for (int i = 0; i < rq->nparams; i++) {
		int64_t id;

		if (strcmp(rq->param_name[i], "id") == 0 && req_param_id(rq, "id", &id) < 0) {
			struct field_errors fe = { 0 };

			field_errors_add(&fe, "id",
					 "must be a positive integer without leading zeros (the "
					 "path's {id})");
			return resp_problem(rs, 400, NULL,
					    "the id in the path is not a positive integer", &fe);
		}
	}
	if (r->flags & ROUTE_JSON_BODY) {
		json_error_t jerr;
		struct field_errors fe = { 0 };

		if (cx->body.len == 0) {
			field_errors_add(&fe, "body", "is empty: a JSON body is required");
			return resp_problem(rs, 400, NULL, "a JSON body is required", &fe);
		}
		if (!utf8_valid(cx->body.p, cx->body.len)) {
			field_errors_add(&fe, "body", "is not valid UTF-8");
			return resp_problem(rs, 400, NULL, "the body is not valid UTF-8 text", &fe);
		}
		/* NUL is valid JSON: json_check() names the field that holds one (422). */
		rq->body = json_loadb(cx->body.p, cx->body.len,
				      JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
		if (rq->body == NULL) {
			field_errors_add(&fe, "body", "%s at line %d column %d", jerr.text,
					 jerr.line, jerr.column);
			return resp_problem(rs, 400, NULL, "the body is not valid JSON", &fe);
		}
	}
	rq->raw_body = cx->body.p ? cx->body.p : "";
	rq->raw_len = cx->body.len;
	rc = r->handler(rq, rs);
	/* A handler must end its transaction; one left open would leak into the next request. */
	if (rc >= 0 && db_in_transaction(rq->db)) {
		log_error("BUG: route %s left a transaction open; rolled back", r->path);
		rc = ERR_INTERNAL;
	}
	if (rc < 0) {
		int status = http_status_for(rc);

		db_rollback(rq->db);
		if (status >= 500) {
			char detail[96];

			log_error("handler failed route=%s err=%s error_id=%s", r->path,
				  err_str(rc), rq->rid);
			snprintf(detail, sizeof(detail), "internal error; error_id %s", rq->rid);
			return resp_problem(rs, status, NULL, detail, NULL);
		}
		return resp_problem(rs, status, NULL, err_str(rc), NULL);
	}
	if (rs->status == 0)
		rs->status = 200;
	return 0;
}

/*
 * Adds the server's default header name: value unless the handler set its own header of
 * that name (resp_header), which then replaces the default rather than doubling it.
 */
static void add_default(struct MHD_Response *resp, const struct resp *rs, const char *name,
			const char *value)
{
	for (int i = 0; i < rs->nheaders; i++)
		if (strcasecmp(rs->hname[i], name) == 0)
			return;
	MHD_add_response_header(resp, name, value);
}

static enum MHD_Result answer(struct conn_ctx *cx)
{
	struct MHD_Response *resp;
	struct resp *rs = &cx->rs;
	size_t bytes = 0;
	enum MHD_Result ret;
	char line[512];

	if (rs->stream) {
		rs->stream->conn = cx->rq.conn;
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
							 stream_reader, rs->stream, stream_free);
		if (resp)
			rs->stream = NULL; /* MHD calls stream_free when done with it */
	} else if (rs->fd >= 0) {
		resp = MHD_create_response_from_fd64(rs->fd_size, rs->fd);
		rs->fd = -1; /* MHD owns it now */
		bytes = (size_t)rs->fd_size;
	} else {
		if (rs->json) {
			free(rs->body);
			rs->body = json_dump_compact(rs->json);
			rs->body_len = strlen(rs->body);
		}
		bytes = rs->body_len;
		resp = MHD_create_response_from_buffer(
			rs->body_len, rs->body ? rs->body : (char *)"",
			rs->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
		rs->body = NULL;
	}
	if (resp == NULL)
		return MHD_NO;
	if (rs->content_type && rs->status != 204 && rs->status != 304)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
	MHD_add_response_header(resp, "X-Request-Id", cx->rq.rid);
	add_default(resp, rs, "X-Content-Type-Options", "nosniff");
	add_default(resp, rs, "X-Frame-Options", "DENY");
	add_default(resp, rs, "Referrer-Policy", "no-referrer");
	if (cx->is_api)
		add_default(resp, rs, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	else
		add_default(resp, rs, "Content-Security-Policy",
			    "default-src 'self'; img-src 'self' data: blob: *; "
			    "style-src 'self' 'unsafe-inline'; object-src 'none'; "
			    "frame-ancestors 'none'");
	for (int i = 0; i < rs->nheaders; i++)
		MHD_add_response_header(resp, rs->hname[i], rs->hvalue[i]);
	ret = MHD_queue_response(cx->rq.conn, (unsigned)rs->status, resp);
	MHD_destroy_response(resp);

	int64_t dur = monotonic_us() - cx->start_us;
	const char *route = cx->rq.route ? cx->rq.route->path : (cx->is_api ? "-" : "static");
	const char *method = http_method_name(cx->rq.method);

	metrics_observe(cx->rq.app->metrics, method, route, rs->status, dur);
	if (cx->rq.app->cfg.access_log) {
		snprintf(line, sizeof(line),
			 "method=%s route=%s status=%d dur_us=%" PRId64 " bytes=%zu user=%" PRId64
			 " ip=%s",
			 method, route, rs->status, dur, bytes,
			 cx->rq.user ? cx->rq.user->user_id : 0, cx->rq.ip);
		log_fields("access", line);
	}
	return ret;
}

/*
 * Decodes %XX in the URL in place (as libmicrohttpd would) but turns an encoded NUL into
 * DEL, so that "/api/v1/users/1%00" cannot pass for "/api/v1/users/1": no route or file
 * name matches it.
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;

	(void)cls;
	(void)c;
	for (const char *r = s; *r; r++) {
		unsigned v;

		if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2]) &&
		    sscanf(r + 1, "%2x", &v) == 1) {
			*w++ = v == 0 ? (char)0x7f : (char)v;
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* A refused request's body up to this size is read and dropped so the client sees the answer. */
#define DRAIN_MAX (64 * 1024)

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct app *app = cls;
	struct conn_ctx *cx = *con_cls;

	(void)version;
	if (cx == NULL) {
		const char *cl;
		int64_t n = 0;
		bool has_len;

		cx = xcalloc(1, sizeof(*cx));
		*con_cls = cx;
		cx->start_us = monotonic_us();
		cx->rs.fd = -1;
		arena_init(&cx->rq.arena);
		cx->rq.app = app;
		cx->rq.conn = c;
		cx->rq.path = arena_strdup(&cx->rq.arena, url);
		cx->rq.ip = client_ip(c, &cx->rq.arena);
		snprintf(cx->rq.rid, sizeof(cx->rq.rid), "%08" PRIx32 "%08" PRIx64, rid_boot,
			 ++rid_counter);
		log_set_rid(cx->rq.rid);
		cx->rq.method = (enum http_method)http_method_parse(method);
		cx->is_api = strncmp(url, "/api/", 5) == 0;
		cx->match = router_match(&cx->rq, cx->rq.method, url, &cx->allowed);
		cx->limit = (size_t)app->cfg.max_body_bytes;
		if (cx->match == ROUTE_MATCH_OK && (cx->rq.route->flags & ROUTE_UPLOAD))
			cx->limit = (size_t)app->cfg.max_upload_bytes;
		if (cx->match == ROUTE_MATCH_OK && cx->rq.route->max_body)
			cx->limit = cx->rq.route->max_body;
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		has_len = cl && parse_i64(cl, &n) == 0 && n >= 0;
		cx->refused = gate(cx, (uint64_t)n, has_len);
		/*
		 * A refused request is answered at once when its body is large, chunked, or
		 * awaited with "Expect: 100-continue" (RFC 9110 §10.1.1: the final answer
		 * instead of an invitation); a small body is drained so that the connection can
		 * stay open, and a request without a body is answered in the normal way.
		 */
		if (cx->refused) {
			bool chunked = MHD_lookup_connection_value(
				c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
			bool expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								  MHD_HTTP_HEADER_EXPECT);

			if (chunked || expect || (has_len && n > DRAIN_MAX)) {
				cx->answered = true;
				return answer(cx);
			}
		}
		return MHD_YES;
	}
	log_set_rid(cx->rq.rid);
	if (*upload_size) {
		/* A refused request's body, or one sent to a static file, is dropped unread. */
		bool keep = !cx->refused && !cx->answered && cx->match == ROUTE_MATCH_OK;

		if (keep && !cx->too_large && cx->body.len + *upload_size <= cx->limit)
			buf_add(&cx->body, upload, *upload_size);
		else if (keep)
			cx->too_large = true; /* chunked, or longer than declared */
		*upload_size = 0;
		return MHD_YES;
	}
	if (cx->answered)
		return MHD_YES;
	cx->answered = true;
	if (!cx->refused)
		run(cx);
	return answer(cx);
}

int http_server_start(struct app *app, struct http_server **out)
{
	struct http_server *s = NULL;
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	struct sockaddr *sa;
	/* Suspend/resume parks streamed bodies (resp_stream) without holding a pool thread. */
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
	const union MHD_DaemonInfo *di;
	unsigned threads = (unsigned)app->cfg.threads;

	*out = NULL;
	random_bytes((unsigned char *)&rid_boot, sizeof(rid_boot));
	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (inet_pton(AF_INET, app->cfg.listen, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)app->cfg.port);
		sa = (struct sockaddr *)&a4;
	} else if (inet_pton(AF_INET6, app->cfg.listen, &a6.sin6_addr) == 1) {
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)app->cfg.port);
		sa = (struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
	} else {
		log_error("cannot listen on '%s': not an IPv4 or IPv6 address", app->cfg.listen);
		return ERR_INVALID;
	}
	if (threads == 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		threads = ncpu < 1 ? 1 : ncpu > 64 ? 64 : (unsigned)ncpu;
	}
	s = xcalloc(1, sizeof(*s));
	s->app = app;
	s->d = MHD_start_daemon(
		flags, (uint16_t)app->cfg.port, NULL, NULL, on_request, app, MHD_OPTION_SOCK_ADDR,
		sa, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)app->cfg.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)app->cfg.max_connections_per_ip, MHD_OPTION_UNESCAPE_CALLBACK, unescape,
		NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE,
		(unsigned)1, MHD_OPTION_END);
	if (s->d == NULL) {
		log_error("cannot listen on %s port %d (in use, or not allowed)", app->cfg.listen,
			  app->cfg.port);
		free(s);
		return ERR_IO;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : app->cfg.port;
	*out = s;
	return 0;
}

int http_server_port(struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
