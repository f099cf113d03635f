/* SPDX-License-Identifier: MIT */
/*
 * The HTTP server: libmicrohttpd with its internal thread pool and epoll.
 * Reads bodies up to the route's limit, authenticates, checks permissions
 * and CSRF, parses JSON, calls the handler, answers, logs one access line
 * and records metrics. Knows nothing about domain modules.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stdint.h>

struct app;
struct http_server;

/* Starts listening on cfg listen:port. Returns 0, ERR_IO (cannot bind) or ERR_INVALID. */
int http_server_start(struct app *app, struct http_server **out);
/* The bound port (useful when the configured port was 0). */
int http_server_port(struct http_server *s);
/* Stops accepting, waits for requests in flight, frees. NULL-safe. */
void http_server_stop(struct http_server *s);

/* Name of the session cookie. */
#define HTTP_SESSION_COOKIE "anjian_session"

#endif
