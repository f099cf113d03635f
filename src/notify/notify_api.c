/* SPDX-License-Identifier: MIT */
/*
 * Notifications over HTTP: the caller's own only (PERM_SELF, every role). Another user's
 * notification is 404, like one that does not exist. Marking read is a write: one
 * transaction with its audit record.
 */
#define LOG_MODULE "notify"
#include "notify/notify.h"
#include "notify/notify_api.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "db/db.h"
#include "http/req.h"
#include "core/banned.h"

static int list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "id", NULL };
	static const char *const filters[] = { "unread", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	const char *v;
	bool unread = false;
	json_t *items = NULL;
	int rc;

	list_params_parse(rq, sorts, filters, &lp, &fe);
	if (req_query(rq, "sort") != NULL && fe.n == 0 && !lp.desc)
		field_errors_add(&fe, "sort", "notifications are newest first: only -id");
	if ((v = req_query(rq, "unread")) != NULL) {
		if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
			unread = true;
		else if (strcmp(v, "0") != 0 && strcmp(v, "false") != 0)
			field_errors_add(&fe, "unread", "must be 1, true, 0 or false");
	}
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	lp.desc = true;
	rc = notify_db_list(rq->db, rq->user->user_id, unread, &lp, &items);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, list_page(items, &lp));
}

static int unread_count(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	int64_t n = 0;
	int rc;

	if (query_params_check(rq, NULL, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = notify_db_unread(rq->db, rq->user->user_id, &n);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, json_pack("{s:I}", "count", (json_int_t)n));
}

static int read_one(struct req *rq, struct resp *rs)
{
	int64_t id;
	int rc;

	if (req_param_id(rq, "id", &id) < 0)
		return resp_problem(rs, 400, NULL, "the notification id must be a positive integer",
				    NULL);
	rc = db_begin(rq->db);
	if (rc < 0)
		return rc;
	rc = notify_db_read(rq->db, rq->user->user_id, id, now_ms());
	if (rc == 0)
		rc = audit_record(rq, "notification.read", "notification", id, json_object());
	rc = db_finish(rq->db, rc);
	if (rc == ERR_NOT_FOUND)
		return resp_problem(rs, 404, NULL, "you have no notification with this id", NULL);
	if (rc < 0)
		return rc;
	return resp_no_content(rs);
}

static int read_all(struct req *rq, struct resp *rs)
{
	int64_t n = 0;
	int rc = db_begin(rq->db);

	if (rc < 0)
		return rc;
	rc = notify_db_read_all(rq->db, rq->user->user_id, now_ms(), &n);
	if (rc == 0 && n > 0)
		rc = audit_record(rq, "notification.read_all", "user", rq->user->user_id,
				  json_pack("{s:I}", "count", (json_int_t)n));
	rc = db_finish(rq->db, rc);
	if (rc < 0)
		return rc;
	return resp_json(rs, 200, json_pack("{s:I}", "marked", (json_int_t)n));
}

const struct route notify_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/notifications",
	  .handler = list,
	  .perm = PERM_SELF,
	  .summary = "your notifications, newest first (?unread=1 for unread only)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/notifications/unread-count",
	  .handler = unread_count,
	  .perm = PERM_SELF,
	  .summary = "how many of your notifications are unread: {count}" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/notifications/read-all",
	  .handler = read_all,
	  .perm = PERM_SELF,
	  .summary = "mark all your notifications read: {marked}" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/notifications/{id}/read",
	  .handler = read_one,
	  .perm = PERM_SELF,
	  .summary = "mark one of your notifications read (another user's: 404)" },
	{ 0 },
};
