/* SPDX-License-Identifier: MIT */
/*
 * Route tables: matching a method and path against the rows of every module
 * table (listed once in routes.c), extracting {name} parameters.
 */
#ifndef HTTP_ROUTER_H
#define HTTP_ROUTER_H

#include "http/req.h"

/* NULL-terminated list of module route tables ({0}-terminated each). */
extern const struct route *const route_tables[];

enum route_match {
	ROUTE_MATCH_OK,
	ROUTE_MATCH_NO_PATH,   /* 404 */
	ROUTE_MATCH_NO_METHOD, /* 405; *allowed holds the methods of the path */
};

/*
 * Finds the route for method and path among the patterns that match it with the
 * fewest {name} parameters (a literal segment beats a parameter). On
 * ROUTE_MATCH_OK fills rq->route and rq->param_* (values arena-allocated from
 * rq->arena). *allowed receives the bit set of methods that path accepts.
 */
enum route_match router_match(struct req *rq, unsigned method, const char *path, unsigned *allowed);

/* Parses "GET" etc. Returns 0 for an unknown method. */
unsigned http_method_parse(const char *s);
const char *http_method_name(unsigned m);

#endif
