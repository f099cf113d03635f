/* SPDX-License-Identifier: MIT */
/*
 * Route matching over the module tables, error mapping (enum err -> HTTP
 * status, the one place it happens) and the response helpers.
 */
#define LOG_MODULE "router"
#include "http/router.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/scope.h"
#include "core/util.h"
#include "core/banned.h"

static const struct {
	unsigned m;
	const char *name;
} methods[] = {
	{ HTTP_GET, "GET" },	     { HTTP_POST, "POST" },	{ HTTP_PUT, "PUT" },
	{ HTTP_PATCH, "PATCH" },     { HTTP_DELETE, "DELETE" }, { HTTP_HEAD, "HEAD" },
	{ HTTP_OPTIONS, "OPTIONS" },
};

unsigned http_method_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(s, methods[i].name) == 0)
			return methods[i].m;
	return 0;
}

const char *http_method_name(unsigned m)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].m == m)
			return methods[i].name;
	return "?";
}

/* True when s[0..n) holds a control character (server.c turns an encoded NUL into DEL). */
static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/*
 * Matches path against pattern segment by segment; {name} takes one
 * non-empty segment without control characters, so that "/users/1%00" matches
 * no route. On a match stores the parameters in rq.
 */
static bool match_path(struct req *rq, const char *pattern, const char *path, bool store)
{
	const char *p = pattern, *s = path;
	int n = 0;

	while (*p && *s) {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			size_t vlen = strcspn(s, "/");

			if (pe == NULL || vlen == 0 || n == REQ_MAX_PARAMS || has_control(s, vlen))
				return false;
			if (store) {
				rq->param_name[n] =
					arena_strndup(&rq->arena, p + 1, (size_t)(pe - p - 1));
				rq->param_value[n] = arena_strndup(&rq->arena, s, vlen);
			}
			n++;
			p = pe + 1;
			s += vlen;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	if (*p != '\0' || *s != '\0')
		return false;
	if (store)
		rq->nparams = n;
	return true;
}

/* Number of {name} parameters of a pattern: fewer means more specific. */
static int param_count(const char *pattern)
{
	int n = 0;

	for (; *pattern; pattern++)
		n += *pattern == '{';
	return n;
}

/*
 * The most specific patterns win: "/enterprises/export" is a path of its own, not an
 * {id} of "/enterprises/{id}", so that PATCH on it answers 405 (with the methods of the
 * literal path) rather than reaching the {id} handler.
 */
enum route_match router_match(struct req *rq, unsigned method, const char *path, unsigned *allowed)
{
	const struct route *hit = NULL;
	int best = -1;

	*allowed = 0;
	for (const struct route *const *t = route_tables; *t; t++)
		for (const struct route *r = *t; r->path; r++)
			if (match_path(rq, r->path, path, false) &&
			    (best < 0 || param_count(r->path) < best))
				best = param_count(r->path);
	for (const struct route *const *t = route_tables; *t; t++) {
		for (const struct route *r = *t; r->path; r++) {
			if (param_count(r->path) != best || !match_path(rq, r->path, path, false))
				continue;
			*allowed |= r->method;
			if (r->method == HTTP_GET)
				*allowed |= HTTP_HEAD;
			if (hit == NULL &&
			    (r->method == method || (method == HTTP_HEAD && r->method == HTTP_GET)))
				hit = r;
		}
	}
	if (hit) {
		rq->route = hit;
		match_path(rq, hit->path, path, true);
		return ROUTE_MATCH_OK;
	}
	return *allowed ? ROUTE_MATCH_NO_METHOD : ROUTE_MATCH_NO_PATH;
}

const char *req_param(struct req *rq, const char *name)
{
	for (int i = 0; i < rq->nparams; i++)
		if (strcmp(rq->param_name[i], name) == 0)
			return rq->param_value[i];
	return NULL;
}

int req_param_id(struct req *rq, const char *name, int64_t *out)
{
	const char *v = req_param(rq, name);

	/* One spelling per id: "01" is not 1. */
	if (v == NULL || v[0] == '0' || parse_i64(v, out) < 0 || *out <= 0)
		return ERR_INVALID;
	return 0;
}

const char *req_query(struct req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(struct req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

int resp_json(struct resp *rs, int status, json_t *body)
{
	json_decref(rs->json);
	rs->json = body;
	rs->status = status;
	rs->content_type = "application/json";
	/* jansson answers NULL when a value could not be built (e.g. text that is not UTF-8). */
	if (body == NULL) {
		log_error("BUG: a handler answered %d with no JSON body", status);
		rs->json = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title",
				     "Internal Server Error", "status", 500, "detail",
				     "the answer could not be encoded");
		rs->status = 500;
		rs->content_type = "application/problem+json";
	}
	return 0;
}

int resp_no_content(struct resp *rs)
{
	json_decref(rs->json);
	rs->json = NULL;
	rs->status = 204;
	return 0;
}

void resp_header(struct resp *rs, const char *name, const char *value)
{
	if (rs->nheaders == RESP_MAX_HEADERS) {
		log_error("BUG: more than %d response headers", RESP_MAX_HEADERS);
		return;
	}
	rs->hname[rs->nheaders] = xstrdup(name);
	rs->hvalue[rs->nheaders] = xstrdup(value);
	rs->nheaders++;
}

int resp_attachment(struct resp *rs, const char *filename, const char *content_type, char *body,
		    size_t len, int fd)
{
	char disp[256];

	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
	resp_header(rs, "Content-Disposition", disp);
	rs->status = 200;
	rs->content_type = content_type;
	if (body != NULL) {
		rs->body = body;
		rs->body_len = len;
	} else {
		rs->fd = fd;
		rs->fd_size = len;
	}
	return 0;
}

static const char *status_title(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

int resp_problem(struct resp *rs, int status, const char *title, const char *detail,
		 const struct field_errors *errors)
{
	json_t *p = json_object();

	json_object_set_new(p, "type", json_string("about:blank"));
	json_object_set_new(p, "title", json_string(title ? title : status_title(status)));
	json_object_set_new(p, "status", json_integer(status));
	if (detail)
		json_object_set_new(p, "detail", json_string(detail));
	if (errors && errors->n > 0) {
		json_t *list = json_array();

		for (size_t i = 0; i < errors->n; i++)
			json_array_append_new(list,
					      json_pack("{s:s, s:s}", "field", errors->e[i].field,
							"reason", errors->e[i].reason));
		json_object_set_new(p, "errors", list);
	}
	resp_json(rs, status, p);
	rs->content_type = "application/problem+json";
	return 0;
}

int resp_invalid(struct resp *rs, const struct field_errors *fe)
{
	char detail[320];

	if (fe->n == 1)
		snprintf(detail, sizeof(detail), "'%s' %s", fe->e[0].field, fe->e[0].reason);
	else
		snprintf(detail, sizeof(detail), "%zu fields are invalid", fe->n + fe->dropped);
	return resp_problem(rs, fe->forbidden ? 403 : 422, NULL, detail, fe);
}

int resp_invalid1(struct resp *rs, const char *field, const char *reason)
{
	struct field_errors fe = { 0 };

	field_errors_add(&fe, field, "%s", reason);
	return resp_invalid(rs, &fe);
}

int http_status_for(int rc)
{
	switch (rc) {
	case ERR_INVALID:
		return 400;
	case ERR_UNAUTHORIZED:
		return 401;
	case ERR_FORBIDDEN:
		return 403;
	case ERR_NOT_FOUND:
		return 404;
	case ERR_CONFLICT:
		return 409;
	case ERR_TOO_MANY:
		return 429;
	case ERR_TIMEOUT:
	case ERR_UNAVAILABLE:
		return 503;
	default:
		return 500;
	}
}

static bool in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

struct qctx {
	bool paged; /* limit, after and sort are accepted too */
	const char *const *filters;
	struct field_errors *fe;
	const char *seen[32];
	int nseen;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct qctx *q = cls;

	(void)kind;
	(void)value;
	if (!(q->paged &&
	      (!strcmp(key, "limit") || !strcmp(key, "after") || !strcmp(key, "sort"))) &&
	    !in_list(q->filters, key)) {
		field_errors_add(q->fe, key, "unknown query argument");
		return MHD_YES;
	}
	/* ?limit=1&limit=1000: which one was meant is not ours to guess. */
	for (int i = 0; i < q->nseen; i++)
		if (strcmp(q->seen[i], key) == 0) {
			field_errors_add(q->fe, key, "given more than once");
			return MHD_YES;
		}
	if (q->nseen < 32)
		q->seen[q->nseen++] = key;
	return MHD_YES;
}

int list_params_parse(struct req *rq, const char *const *sorts, const char *const *filters,
		      struct list_params *out, struct field_errors *fe)
{
	struct qctx q = { .paged = true, .filters = filters, .fe = fe };
	const char *v;

	out->limit = 50;
	out->after = 0;
	out->sort = 0;
	out->desc = false;
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, check_arg, &q);
	/* Numbers have one spelling here too: "01" is refused like an id "01". */
	if ((v = req_query(rq, "limit")) != NULL &&
	    (v[0] == '0' || parse_i64(v, &out->limit) < 0 || out->limit < 1 || out->limit > 500))
		field_errors_add(fe, "limit", "must be an integer from 1 to 500");
	if ((v = req_query(rq, "after")) != NULL &&
	    (v[0] == '0' || parse_i64(v, &out->after) < 0 || out->after < 1))
		field_errors_add(fe, "after", "must be the cursor from a previous page's 'next'");
	if ((v = req_query(rq, "sort")) != NULL) {
		const char *key = v[0] == '-' ? v + 1 : v;
		int found = -1;

		for (int i = 0; sorts && sorts[i]; i++)
			if (strcmp(sorts[i], key) == 0)
				found = i;
		if (found < 0) {
			char allowed[200] = "";

			for (int i = 0; sorts && sorts[i]; i++) {
				size_t used = strlen(allowed);

				snprintf(allowed + used, sizeof(allowed) - used, "%s%s",
					 i ? ", " : "", sorts[i]);
			}
			field_errors_add(fe, "sort",
					 "must be one of: %s (prefix '-' for descending)", allowed);
		} else {
			out->sort = found;
			out->desc = v[0] == '-';
		}
	}
	return fe->n ? ERR_INVALID : 0;
}

int query_params_check(struct req *rq, const char *const *allowed, struct field_errors *fe)
{
	struct qctx q = { .paged = false, .filters = allowed, .fe = fe };

	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, check_arg, &q);
	return fe->n ? ERR_INVALID : 0;
}

const char *req_query_region(struct req *rq, const char *name, char *buf, size_t n,
			     struct field_errors *fe)
{
	const char *v = req_query(rq, name);
	size_t p;

	if (v == NULL)
		return NULL;
	p = region_prefix_len(v);
	if (p == 0) {
		field_errors_add(fe, name, "must be a GB/T 2260 code of 6 or 9 digits");
		return NULL;
	}
	snprintf(buf, n, "%.*s", (int)p, v);
	return buf;
}

json_t *list_page(json_t *items, const struct list_params *lp)
{
	json_t *page = json_object();
	size_t n = json_array_size(items);

	if ((int64_t)n > lp->limit) {
		json_array_remove(items, n - 1);
		json_t *last = json_array_get(items, n - 2);
		char cur[24];

		snprintf(cur, sizeof(cur), "%lld", (long long)json_i64(last, "id", 0));
		json_object_set_new(page, "next", json_string(cur));
	} else {
		json_object_set_new(page, "next", json_null());
	}
	json_object_set_new(page, "items", items);
	return page;
}

int resp_list_page_text(struct resp *rs, struct buf *items, int64_t next_id)
{
	struct buf page = BUF_INIT;

	if (next_id != 0)
		buf_addf(&page, "{\"next\":\"%" PRId64 "\",\"items\":[", next_id);
	else
		buf_adds(&page, "{\"next\":null,\"items\":[");
	if (items->len > 0)
		buf_add(&page, items->p, items->len);
	buf_adds(&page, "]}");
	buf_release(items);
	json_decref(rs->json);
	rs->json = NULL;
	free(rs->body);
	rs->status = 200;
	rs->content_type = "application/json";
	rs->body_len = page.len;
	rs->body = buf_detach(&page);
	return 0;
}
