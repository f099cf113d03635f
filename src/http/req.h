/* SPDX-License-Identifier: MIT */
/*
 * struct req (what a handler reads) and struct resp (what it fills), the
 * route row, and the helpers that build RFC 9457 problem bodies.
 * Everything allocated for one request comes from rq->arena.
 */
#ifndef HTTP_REQ_H
#define HTTP_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/app.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/perm.h"
#include "core/scope.h"
#include "db/db.h"

struct MHD_Connection;
struct db;

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_POST = 1 << 1,
	HTTP_PUT = 1 << 2,
	HTTP_PATCH = 1 << 3,
	HTTP_DELETE = 1 << 4,
	HTTP_HEAD = 1 << 5,
	HTTP_OPTIONS = 1 << 6,
};

/* Who is asking (filled by the router through app->auth_resolve). */
struct principal {
	int64_t user_id;
	char login[72];
	enum role role;
	uint64_t perms;
	struct scope scope;
	bool must_change_password;
	int64_t session_id; /* 0 for API tokens */
	int64_t token_id;   /* 0 for sessions */
	char csrf[48];	    /* the session's CSRF token */
};

enum route_flags {
	ROUTE_PUBLIC = 1 << 0,	   /* no authentication */
	ROUTE_JSON_BODY = 1 << 1,  /* body must be application/json; parsed into rq->body */
	ROUTE_PENDING_OK = 1 << 2, /* allowed while a password change is pending */
	ROUTE_NOT_API = 1 << 3,	   /* outside /api/v1 (healthz, metrics) */
	/*
	 * A file upload: the raw body (rq->raw_body) of one of the route's `accept` media
	 * types (else 415), up to server.max_upload_bytes unless max_body says otherwise
	 * (else 413), both decided from the headers before the body is read.
	 */
	ROUTE_UPLOAD = 1 << 4,
};

struct req;
struct resp;

typedef int (*route_handler_fn)(struct req *rq, struct resp *rs);

struct route {
	unsigned method;  /* one enum http_method */
	const char *path; /* "/api/v1/grids/{id}" */
	route_handler_fn handler;
	uint64_t perm;	 /* required permission bit, 0 with ROUTE_PUBLIC */
	size_t max_body; /* 0 = config server.max_body_bytes */
	unsigned flags;
	const char *summary;	   /* one line for docs/api.md */
	const char *const *accept; /* ROUTE_UPLOAD: accepted media types, NULL-terminated */
	/*
	 * Optional: who of those holding `perm` may still not use the route (a role rule
	 * beyond the permission bit). Returns the reason of a 403, or NULL to admit. Asked
	 * with the headers, before the body is read, so that nobody refused can make the
	 * server read and hold an upload first.
	 */
	const char *(*refuse)(const struct principal *u);
};

#define REQ_MAX_PARAMS 4

struct req {
	struct app *app;
	struct MHD_Connection *conn;
	enum http_method method;
	const char *path;
	const struct route *route;
	const char *param_name[REQ_MAX_PARAMS];
	const char *param_value[REQ_MAX_PARAMS];
	int nparams;
	json_t *body;	      /* parsed JSON body (ROUTE_JSON_BODY), owned by the request */
	const char *raw_body; /* raw bytes (NUL-terminated), arena-owned */
	size_t raw_len;
	struct principal *user; /* NULL on public routes without credentials */
	const char *ip;
	char rid[24];
	struct arena arena;
	struct db *db; /* this thread's connection */
};

#define RESP_MAX_HEADERS 8

struct http_stream;

/*
 * A streamed body's source (Server-Sent Events): copies up to max bytes into buf without
 * blocking. Returns the count, 0 when there is nothing now (the server parks the
 * connection, holding no thread, until http_stream_wake), or -1 to end the body.
 */
typedef ssize_t (*resp_stream_read_fn)(void *ctx, char *buf, size_t max);
/* Releases the source; called once, when the connection is done with the body. */
typedef void (*resp_stream_free_fn)(void *ctx);

struct resp {
	int status;
	json_t *json; /* owned; serialised by the server */
	char *body;   /* owned raw body when json is NULL */
	size_t body_len;
	const char *content_type;
	char *hname[RESP_MAX_HEADERS]; /* owned */
	char *hvalue[RESP_MAX_HEADERS];
	int nheaders;
	int fd; /* file body (static files), -1 when unused */
	uint64_t fd_size;
	struct http_stream *stream; /* streamed body (resp_stream), owned until answered */
};

/* Borrowed path parameter {name}, or NULL. */
const char *req_param(struct req *rq, const char *name);
/* Parses path parameter {name} as a positive id. Returns 0 or ERR_INVALID. */
int req_param_id(struct req *rq, const char *name, int64_t *out);
/* Borrowed query argument, or NULL when absent. */
const char *req_query(struct req *rq, const char *name);
/* Borrowed request header, or NULL. */
const char *req_header(struct req *rq, const char *name);

/* Sets a JSON body (stolen) and status. Returns 0. */
int resp_json(struct resp *rs, int status, json_t *body);
/* 204 No Content. Returns 0. */
int resp_no_content(struct resp *rs);
/* Adds a header (copied). */
void resp_header(struct resp *rs, const char *name, const char *value);
/*
 * 200 with a download: Content-Disposition attachment named filename (ASCII, no
 * quotes), Content-Type content_type (static). The bytes are body[0..len) (owned, taken)
 * when body is not NULL, else the open file fd (owned, taken) of len bytes, as
 * report/table.h's table_writer_finish hands them over. Returns 0.
 */
int resp_attachment(struct resp *rs, const char *filename, const char *content_type, char *body,
		    size_t len, int fd);
/*
 * 200 with an endless chunked body of Content-Type content_type (static) read from
 * read(ctx). free_fn(ctx) is called exactly once when the connection ends (or at once if
 * the response is never sent). Returns 0 with *handle, the stream to wake
 * (http_stream_wake) when read would have something again; the handle is valid until
 * free_fn is called. Implemented with MHD_suspend_connection / MHD_resume_connection
 * (src/http/server.c): a parked stream holds no pool thread and is never polled.
 */
int resp_stream(struct resp *rs, const char *content_type, resp_stream_read_fn read,
		resp_stream_free_fn free_fn, void *ctx, struct http_stream **handle);
/*
 * Tells the server that the stream's read has something: resumes the connection if it is
 * parked, else makes the next empty read try again. Any thread; never blocks on I/O.
 */
void http_stream_wake(void *handle);

/*
 * RFC 9457 problem: {"type","title","status","detail"}; errors may be NULL.
 * Returns 0 so handlers can `return resp_problem(...)`.
 */
int resp_problem(struct resp *rs, int status, const char *title, const char *detail,
		 const struct field_errors *errors);
/* 422 with each bad field in `errors` (403 when fe->forbidden). Returns 0. */
int resp_invalid(struct resp *rs, const struct field_errors *fe);
/* 422 for one field. Returns 0. */
int resp_invalid1(struct resp *rs, const char *field, const char *reason);
/* Returns the status a negative enum err maps to (STYLE §2.4, done once here). */
int http_status_for(int rc);

/*
 * The list convention (docs/api.md): ?limit=1..500 (default 50), ?after=<id of
 * the last row seen> (keyset cursor), ?sort=<key> or -<key> from the route's
 * whitelist, plus the route's filters. Any other query argument is an error.
 * Replies {"items":[...],"next":"<cursor>"|null}.
 */

/*
 * Parses the list arguments; sorts is a NULL-terminated whitelist (sorts[0]
 * is the default), filters the accepted filter names (NULL-terminated, may
 * be NULL). Returns 0 or ERR_INVALID with each bad argument in fe.
 */
int list_params_parse(struct req *rq, const char *const *sorts, const char *const *filters,
		      struct list_params *out, struct field_errors *fe);
/*
 * For endpoints that are not paged lists: checks that the query holds only the names in
 * allowed (NULL-terminated, may be NULL), each at most once. Returns 0 or ERR_INVALID with
 * each bad argument in fe.
 */
int query_params_check(struct req *rq, const char *const *allowed, struct field_errors *fe);

/*
 * A region filter argument (a GB/T 2260 code) as the code prefix its subtree shares,
 * written into buf (n bytes); NULL when absent, or when malformed, with an error in fe.
 */
const char *req_query_region(struct req *rq, const char *name, char *buf, size_t n,
			     struct field_errors *fe);

/*
 * Builds {"items": items, "next": ...}: next is the id of the last item when
 * the page is full (items has limit+1 rows: the extra one is dropped).
 * Steals items. Returns: owned.
 */
json_t *list_page(json_t *items, const struct list_params *lp);

struct buf;
/*
 * list_page() for a handler that writes its items as JSON text (core/json.h writers), for
 * lists too hot to build as jansson values: answers 200 with {"next": ..., "items": [...]}
 * (the same shape and member order), the items being the text in items (values separated
 * by commas, or nothing). next is next_id as a string, or null when next_id is 0 (the last
 * page). items is left empty. Returns 0.
 */
int resp_list_page_text(struct resp *rs, struct buf *items, int64_t next_id);

#endif
