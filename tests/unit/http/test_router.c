/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/http/router.c against the real route tables
 * (src/http/routes.c): method and path matching, {name} parameters, 404 vs
 * 405 with the Allow set (RFC 9110 §15.5.6), the error-to-status mapping
 * done once here (STYLE §2.4), the list page shape, and the invariants every
 * route row must keep (STYLE §2.8). No server and no connection are needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "http/router.h"
#include "core/banned.h"

static int setup(void **state)
{
	struct req *rq = xcalloc(1, sizeof(*rq));

	arena_init(&rq->arena);
	*state = rq;
	return 0;
}

static int teardown(void **state)
{
	struct req *rq = *state;

	arena_release(&rq->arena);
	free(rq);
	return 0;
}

static enum route_match match(struct req *rq, unsigned method, const char *path, unsigned *allowed)
{
	rq->route = NULL;
	rq->nparams = 0;
	return router_match(rq, method, path, allowed);
}

static void test_get_with_id_parameter(void **state)
{
	struct req *rq = *state;
	unsigned allowed = 0;
	int64_t id = 0;

	assert_int_equal(match(rq, HTTP_GET, "/api/v1/grids/12", &allowed), ROUTE_MATCH_OK);
	assert_non_null(rq->route);
	assert_string_equal(rq->route->path, "/api/v1/grids/{id}");
	assert_int_equal(rq->route->method, HTTP_GET);
	assert_int_equal(rq->nparams, 1);
	assert_string_equal(req_param(rq, "id"), "12");
	assert_null(req_param(rq, "code"));
	assert_int_equal(req_param_id(rq, "id", &id), 0);
	assert_int_equal(id, 12);
	assert_int_equal(allowed, HTTP_GET | HTTP_HEAD | HTTP_PATCH | HTTP_DELETE);
}

static void test_each_method_picks_its_row(void **state)
{
	struct req *rq = *state;
	unsigned allowed;

	assert_int_equal(match(rq, HTTP_PATCH, "/api/v1/grids/7", &allowed), ROUTE_MATCH_OK);
	assert_int_equal(rq->route->method, HTTP_PATCH);
	assert_string_equal(req_param(rq, "id"), "7");
	assert_int_equal(match(rq, HTTP_DELETE, "/api/v1/grids/7", &allowed), ROUTE_MATCH_OK);
	assert_int_equal(rq->route->method, HTTP_DELETE);
	assert_int_equal(match(rq, HTTP_POST, "/api/v1/grids", &allowed), ROUTE_MATCH_OK);
	assert_string_equal(rq->route->path, "/api/v1/grids");
	assert_int_equal(rq->route->method, HTTP_POST);
	assert_int_equal(rq->nparams, 0);
	assert_int_equal(allowed, HTTP_GET | HTTP_HEAD | HTTP_POST);
}

/* RFC 9110 §9.3.2: HEAD is answered by the GET route. */
static void test_head_uses_get_route(void **state)
{
	struct req *rq = *state;
	unsigned allowed;

	assert_int_equal(match(rq, HTTP_HEAD, "/healthz", &allowed), ROUTE_MATCH_OK);
	assert_int_equal(rq->route->method, HTTP_GET);
	assert_string_equal(rq->route->path, "/healthz");
}

static void test_region_code_and_sub_collection(void **state)
{
	struct req *rq = *state;
	unsigned allowed;

	assert_int_equal(match(rq, HTTP_GET, "/api/v1/regions/330106", &allowed), ROUTE_MATCH_OK);
	assert_string_equal(rq->route->path, "/api/v1/regions/{code}");
	assert_string_equal(req_param(rq, "code"), "330106");
	assert_int_equal(match(rq, HTTP_GET, "/api/v1/regions/330100/children", &allowed),
			 ROUTE_MATCH_OK);
	assert_string_equal(rq->route->path, "/api/v1/regions/{code}/children");
	assert_string_equal(req_param(rq, "code"), "330100");
	assert_int_equal(match(rq, HTTP_POST, "/api/v1/users/3/password", &allowed),
			 ROUTE_MATCH_OK);
	assert_string_equal(req_param(rq, "id"), "3");
}

/* 404: no route has this path, whatever the method. */
static void test_unknown_path(void **state)
{
	static const char *const paths[] = {
		"/api/v1/grid/12",
		"/api/v1/grids/12/",
		"/api/v1/grids//",
		"/api/v1/grids/",
		"/api/v1/grids/12/members",
		"/api/v2/grids",
		"/api/v1/Grids",
		"/",
		"",
		"/healthz/",
		"/api/v1/regions//children",
	};
	struct req *rq = *state;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		unsigned allowed = 99;

		if (match(rq, HTTP_GET, paths[i], &allowed) != ROUTE_MATCH_NO_PATH)
			fail_msg("'%s' matched", paths[i]);
		assert_int_equal(allowed, 0);
		assert_null(rq->route);
	}
}

/* 405 with the Allow set of the path (RFC 9110 §15.5.6). */
static void test_wrong_method(void **state)
{
	struct req *rq = *state;
	unsigned allowed = 0;

	assert_int_equal(match(rq, HTTP_PUT, "/api/v1/grids/12", &allowed), ROUTE_MATCH_NO_METHOD);
	assert_int_equal(allowed, HTTP_GET | HTTP_HEAD | HTTP_PATCH | HTTP_DELETE);
	assert_null(rq->route);
	assert_int_equal(match(rq, HTTP_GET, "/api/v1/session", &allowed), ROUTE_MATCH_NO_METHOD);
	assert_int_equal(allowed, HTTP_POST | HTTP_DELETE);
	assert_int_equal(match(rq, HTTP_DELETE, "/healthz", &allowed), ROUTE_MATCH_NO_METHOD);
	assert_int_equal(allowed, HTTP_GET | HTTP_HEAD);
	/* an unknown method (0) never matches a row */
	assert_int_equal(match(rq, 0, "/healthz", &allowed), ROUTE_MATCH_NO_METHOD);
}

/* A literal segment beats a {parameter}: "export" is not an enterprise id. */
static void test_literal_path_beats_parameter(void **state)
{
	struct req *rq = *state;
	unsigned allowed = 0;

	assert_int_equal(match(rq, HTTP_GET, "/api/v1/enterprises/export", &allowed),
			 ROUTE_MATCH_OK);
	assert_string_equal(rq->route->path, "/api/v1/enterprises/export");
	assert_int_equal(rq->nparams, 0);
	assert_int_equal(allowed, HTTP_GET | HTTP_HEAD);
	assert_int_equal(match(rq, HTTP_PATCH, "/api/v1/enterprises/export", &allowed),
			 ROUTE_MATCH_NO_METHOD);
	assert_int_equal(match(rq, HTTP_GET, "/api/v1/enterprises/import", &allowed),
			 ROUTE_MATCH_NO_METHOD);
	assert_int_equal(allowed, HTTP_POST);
	assert_int_equal(match(rq, HTTP_PATCH, "/api/v1/enterprises/7", &allowed), ROUTE_MATCH_OK);
	assert_string_equal(rq->route->path, "/api/v1/enterprises/{id}");
}

static void test_param_id_must_be_positive_integer(void **state)
{
	/* one spelling per id: "01" is not 1 */
	static const char *const bad[] = { "/api/v1/grids/0",
					   "/api/v1/grids/-1",
					   "/api/v1/grids/abc",
					   "/api/v1/grids/1e3",
					   "/api/v1/grids/99999999999999999999",
					   "/api/v1/grids/01",
					   "/api/v1/grids/00",
					   "/api/v1/grids/007",
					   "/api/v1/grids/+1" };
	struct req *rq = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned allowed;
		int64_t id = 0;

		/* the path matches: the handler's req_param_id answers 400 */
		assert_int_equal(match(rq, HTTP_GET, bad[i], &allowed), ROUTE_MATCH_OK);
		if (req_param_id(rq, "id", &id) != ERR_INVALID)
			fail_msg("'%s' gave id %lld", bad[i], (long long)id);
	}
}

/*
 * A parameter segment with a control character matches no route: server.c turns an
 * encoded NUL into DEL, so "/api/v1/grids/1%00" is not "/api/v1/grids/1" (404).
 */
static void test_param_with_control_character_matches_nothing(void **state)
{
	static const char *const paths[] = {
		"/api/v1/grids/1\x7f",
		"/api/v1/grids/\x7f"
		"1",
		"/api/v1/grids/1\x01",
		"/api/v1/regions/330106\x7f",
		"/api/v1/users/3\x7f/password",
		"/api/v1/grids/1\t",
	};
	struct req *rq = *state;
	unsigned allowed;
	int64_t id = 0;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		allowed = 99;
		if (match(rq, HTTP_GET, paths[i], &allowed) != ROUTE_MATCH_NO_PATH)
			fail_msg("path %zu matched", i);
		assert_int_equal(allowed, 0);
		assert_null(rq->route);
	}
	/* the same path without the control character still matches */
	assert_int_equal(match(rq, HTTP_GET, "/api/v1/grids/1", &allowed), ROUTE_MATCH_OK);
	assert_int_equal(req_param_id(rq, "id", &id), 0);
	assert_int_equal(id, 1);
}

static void test_method_names(void **state)
{
	static const char *const names[] = { "GET",    "POST", "PUT",	 "PATCH",
					     "DELETE", "HEAD", "OPTIONS" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned m = http_method_parse(names[i]);

		assert_int_not_equal(m, 0);
		assert_string_equal(http_method_name(m), names[i]);
	}
	assert_int_equal(http_method_parse("get"), 0);
	assert_int_equal(http_method_parse("TRACE"), 0);
	assert_int_equal(http_method_parse(""), 0);
	assert_string_equal(http_method_name(0), "?");
}

/* STYLE §2.4: the one mapping from enum err to HTTP status. */
static void test_status_for_errors(void **state)
{
	(void)state;
	assert_int_equal(http_status_for(ERR_INVALID), 400);
	assert_int_equal(http_status_for(ERR_UNAUTHORIZED), 401);
	assert_int_equal(http_status_for(ERR_FORBIDDEN), 403);
	assert_int_equal(http_status_for(ERR_NOT_FOUND), 404);
	assert_int_equal(http_status_for(ERR_CONFLICT), 409);
	assert_int_equal(http_status_for(ERR_TOO_MANY), 429);
	assert_int_equal(http_status_for(ERR_UNAVAILABLE), 503);
	assert_int_equal(http_status_for(ERR_TIMEOUT), 503);
	assert_int_equal(http_status_for(ERR_DB), 500);
	assert_int_equal(http_status_for(ERR_IO), 500);
	assert_int_equal(http_status_for(ERR_INTERNAL), 500);
}

static json_t *items_with_ids(int n)
{
	json_t *a = json_array();

	for (int i = 1; i <= n; i++)
		json_array_append_new(a, json_pack("{s:i}", "id", 10 * i));
	return a;
}

/* docs/api.md list convention: {"items": [...], "next": cursor or null}. */
static void test_list_page_shape(void **state)
{
	struct list_params lp = { .limit = 2 };
	json_t *page;

	(void)state;
	/* limit + 1 rows fetched: a further page exists, its cursor is the last kept id */
	page = list_page(items_with_ids(3), &lp);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
	assert_string_equal(json_string_value(json_object_get(page, "next")), "20");
	assert_int_equal(json_object_size(page), 2);
	json_decref(page);
	/* exactly limit rows: the last page */
	page = list_page(items_with_ids(2), &lp);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);
	page = list_page(items_with_ids(0), &lp);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);
}

static bool single_method(unsigned m)
{
	return m != 0 && (m & (m - 1)) == 0;
}

static int count_params(const char *path)
{
	int n = 0;

	for (; *path; path++)
		n += *path == '{';
	return n;
}

/* STYLE §2.8: every row has one method, a summary, a permission unless public, /api/v1. */
static void test_route_rows_are_well_formed(void **state)
{
	size_t rows = 0;

	(void)state;
	for (const struct route *const *t = route_tables; *t; t++) {
		for (const struct route *r = *t; r->path; r++) {
			const char *where = r->path;

			rows++;
			if (!single_method(r->method))
				fail_msg("%s: method must be one bit", where);
			if (r->handler == NULL)
				fail_msg("%s: no handler", where);
			if (r->summary == NULL || r->summary[0] == '\0')
				fail_msg("%s %s: no summary for docs/api.md",
					 http_method_name(r->method), where);
			if (!(r->flags & ROUTE_PUBLIC) && r->perm == 0)
				fail_msg("%s %s: neither public nor a permission",
					 http_method_name(r->method), where);
			if (!(r->flags & ROUTE_NOT_API) && strncmp(where, "/api/v1/", 8) != 0)
				fail_msg("%s: API routes live under /api/v1", where);
			if (count_params(where) > REQ_MAX_PARAMS)
				fail_msg("%s: more than %d parameters", where, REQ_MAX_PARAMS);
			if ((r->flags & ROUTE_JSON_BODY) &&
			    !(r->method & (HTTP_POST | HTTP_PUT | HTTP_PATCH)))
				fail_msg("%s %s: a JSON body on a method without one",
					 http_method_name(r->method), where);
		}
	}
	assert_true(rows >= 25);
}

/* Each (method, path pattern) appears once, and each row is reachable by router_match. */
static void test_routes_unique_and_reachable(void **state)
{
	struct req *rq = *state;

	for (const struct route *const *t = route_tables; *t; t++) {
		for (const struct route *r = *t; r->path; r++) {
			char path[256];
			size_t o = 0;
			unsigned allowed;

			/* a concrete path: each {param} replaced by 5 */
			for (const char *p = r->path; *p && o + 2 < sizeof(path); p++) {
				if (*p == '{') {
					path[o++] = '5';
					p = strchr(p, '}');
					assert_non_null(p);
				} else {
					path[o++] = *p;
				}
			}
			path[o] = '\0';
			assert_int_equal(match(rq, r->method, path, &allowed), ROUTE_MATCH_OK);
			if (rq->route != r)
				fail_msg("%s %s is shadowed by %s", http_method_name(r->method),
					 r->path, rq->route->path);
			assert_true(allowed & r->method);
		}
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_get_with_id_parameter),
		T(test_each_method_picks_its_row),
		T(test_head_uses_get_route),
		T(test_region_code_and_sub_collection),
		T(test_unknown_path),
		T(test_wrong_method),
		T(test_literal_path_beats_parameter),
		T(test_param_id_must_be_positive_integer),
		T(test_param_with_control_character_matches_nothing),
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_status_for_errors),
		cmocka_unit_test(test_list_page_shape),
		cmocka_unit_test(test_route_rows_are_well_formed),
		T(test_routes_unique_and_reachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
