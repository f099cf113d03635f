/* SPDX-License-Identifier: MIT */
/*
 * The drawn side of risk graded control over HTTP (issue 5 §5, docs/risk.md): safety zones
 * (green / yellow / red with entry rules and a polygon), the enterprise's site plan (an
 * image into the photo store of src/hazard/photo.h: type by magic bytes, decoded and sized
 * with libvips, served without metadata) and the enterprise's risk summary with its grade
 * (risk_enterprise_grade). Scope and audit as in risk_api.c.
 */
#define LOG_MODULE "risk"
#include "risk/risk_api.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/err.h"
#include "core/util.h"
#include "db/db.h"
#include "enterprise/enterprise_api.h"
#include "hazard/photo.h"
#include "risk/risk.h"
#include "risk/risk_db.h"
#include "core/banned.h"

/* ------------------------------------------------------------ zones */

static const char *const colours[] = { "green", "yellow", "red", NULL };

static const struct json_field zone_fields[] = {
	{ "enterprise_id", JF_INT, 0, 0, 1, INT64_MAX },
	{ "colour", JF_STRING, JF_REQUIRED, 10, 0, 0 },
	{ "name", JF_STRING, JF_REQUIRED, 100, 0, 0 },
	{ "entry_rules", JF_STRING, 0, 2000, 0, 0 },
	{ "polygon", JF_ARRAY, JF_NULLABLE, 100000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};
static const struct json_field zone_patch_fields[] = {
	{ "colour", JF_STRING, 0, 10, 0, 0 },
	{ "name", JF_STRING, 0, 100, 0, 0 },
	{ "entry_rules", JF_STRING, 0, 2000, 0, 0 },
	{ "polygon", JF_ARRAY, JF_NULLABLE, 100000, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static void check_zone(const json_t *z, struct field_errors *fe)
{
	const char *c = json_str(z, "colour"), *n = json_str(z, "name");
	bool ok = false;

	for (size_t i = 0; c && colours[i]; i++)
		ok = ok || strcmp(c, colours[i]) == 0;
	if (!ok)
		field_errors_add(fe, "colour", "must be one of: green, yellow, red");
	if (risk_api_blank(n))
		field_errors_add(fe, "name", "must not be empty or blank");
}

static int zone_create(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *row = NULL;
	int64_t eid, id = 0;
	int rc;

	if (json_check(rq->body, zone_fields, &fe) < 0)
		return resp_invalid(rs, &fe);
	eid = risk_api_enterprise_of(rq, rq->body, &fe);
	check_zone(rq->body, &fe);
	if (eid && risk_api_polygon(rq, eid, json_object_get(rq->body, "polygon"), &fe) == ERR_DB)
		return ERR_DB;
	if (fe.n)
		return resp_invalid(rs, &fe);
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_db_zone_insert(rq->db, eid, rq->body, risk_api_now(rq), &id);
	if (rc == 0)
		rc = audit_record(rq, "risk.zone.create", "risk_zone", id,
				  json_pack("{s:I, s:s, s:s}", "enterprise_id", (json_int_t)eid,
					    "colour", json_str(rq->body, "colour"), "name",
					    json_str(rq->body, "name")));
	rc = db_finish(rq->db, rc);
	if (rc == 0)
		rc = risk_db_zone_get(rq->db, id, &row);
	return rc < 0 ? rc : risk_api_reply(rs, 201, row);
}

static int zone_patch(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *row = NULL, *m = NULL, *after = NULL;
	int64_t id;
	int rc = enterprise_api_load_row(rq, risk_db_zone_get, &row);

	if (rc < 0)
		return rc;
	id = json_i64(row, "id", 0);
	if (json_check(rq->body, zone_patch_fields, &fe) == 0) {
		m = json_deep_copy(row);
		json_object_update(m, rq->body);
		check_zone(m, &fe);
		rc = risk_api_polygon(rq, json_i64(row, "enterprise_id", 0),
				      json_object_get(rq->body, "polygon"), &fe);
	}
	if (fe.n || rc == ERR_DB) {
		json_decref(row);
		json_decref(m);
		return rc == ERR_DB ? rc : resp_invalid(rs, &fe);
	}
	rc = risk_api_update(rq, "risk.zone.update", "risk_zone", id, risk_db_zone_update,
			     risk_db_zone_get, row, m, &after);
	json_decref(row);
	json_decref(m);
	return rc < 0 ? rc : risk_api_reply(rs, 200, after);
}

static int zone_delete(struct req *rq, struct resp *rs)
{
	return risk_api_delete(rq, rs, risk_db_zone_get, risk_db_zone_delete, "risk.zone.delete",
			       "risk_zone", "enterprise_id", "name", NULL);
}

static int zone_list(struct req *rq, struct resp *rs)
{
	static const char *const sorts[] = { "id", NULL };
	static const char *const filters[] = { "enterprise_id", NULL };
	struct field_errors fe = { 0 };
	struct list_params lp;
	struct risk_filter f = { 0 };
	char pre[16], end[16];
	const char *v = req_query(rq, "enterprise_id");
	json_t *items = NULL;
	int rc;

	list_params_parse(rq, sorts, filters, &lp, &fe);
	if (v && (parse_i64(v, &f.enterprise_id) < 0 || f.enterprise_id < 1))
		field_errors_add(&fe, "enterprise_id", "must be a positive integer");
	if (fe.n)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	risk_api_scope(rq, &f, pre, end);
	rc = risk_db_zone_list(rq->db, &f, &lp, &items);
	return rc < 0 ? rc : resp_json(rs, 200, list_page(json_strip_private(items), &lp));
}

/* ------------------------------------------------------------ site plan */

/* The enterprise {id} of the path when the caller sees it. Returns 0 or ERR_*. */
static int enterprise_load(struct req *rq, json_t **e)
{
	int64_t id;
	int rc;

	*e = NULL;
	if (req_param_id(rq, "id", &id) < 0)
		return ERR_INVALID;
	rc = risk_db_enterprise(rq->db, id, e);
	if (rc == 0 &&
	    !enterprise_api_in_scope(rq, json_str(*e, "uscc"), json_str(*e, "region_code"),
				     json_i64(*e, "grid_id", 0))) {
		json_decref(*e);
		*e = NULL;
		rc = ERR_NOT_FOUND;
	}
	return rc;
}

static int plan_put(struct req *rq, struct resp *rs)
{
	const struct config *cfg = &rq->app->cfg;
	struct field_errors fe = { 0 };
	struct photo_info info;
	json_t *e = NULL, *row = NULL;
	char dir[1024];
	int64_t eid;
	int rc;

	if (query_params_check(rq, NULL, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = enterprise_load(rq, &e);
	if (rc < 0)
		return rc;
	eid = json_i64(e, "id", 0);
	json_decref(e);
	memset(&info, 0, sizeof(info));
	info.mime = photo_sniff(rq->raw_body, rq->raw_len);
	if (info.mime == NULL)
		return resp_invalid1(rs, "image", "is not a JPEG, PNG or WebP image");
	photo_sha256(rq->raw_body, rq->raw_len, info.sha256);
	photo_dir(cfg, dir, sizeof(dir));
	rc = photo_store(dir, rq->raw_body, rq->raw_len, &info);
	if (rc == ERR_INVALID)
		return resp_invalid1(rs, "image", "cannot be decoded as an image");
	if (rc == ERR_TOO_MANY)
		return resp_invalid1(rs, "image", "has more than 64 megapixels");
	if (rc < 0)
		return rc;
	rc = db_begin(rq->db);
	if (rc == 0)
		rc = risk_db_site_plan_put(rq->db, eid, info.sha256, info.mime, info.bytes,
					   info.width, info.height, rq->user->user_id,
					   risk_api_now(rq));
	if (rc == 0)
		rc = audit_record(rq, "risk.site_plan.put", "enterprise", eid,
				  json_pack("{s:s, s:i, s:i}", "sha256", info.sha256, "width",
					    info.width, "height", info.height));
	rc = db_finish(rq->db, rc);
	if (rc == 0)
		rc = risk_db_site_plan_get(rq->db, eid, &row);
	return rc < 0 ? rc : risk_api_reply(rs, 200, row);
}

static int plan_get(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *e = NULL, *row = NULL;
	int rc;

	if (query_params_check(rq, NULL, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = enterprise_load(rq, &e);
	if (rc == 0)
		rc = risk_db_site_plan_get(rq->db, json_i64(e, "id", 0), &row);
	json_decref(e);
	if (rc == ERR_NOT_FOUND)
		return resp_problem(rs, 404, NULL, "no site plan", NULL);
	return rc < 0 ? rc : risk_api_reply(rs, 200, row);
}

static int plan_image(struct req *rq, struct resp *rs)
{
	json_t *e = NULL, *row = NULL;
	char dir[1024], path[1100];
	struct stat stt;
	int fd, rc = enterprise_load(rq, &e);

	if (rc == 0)
		rc = risk_db_site_plan_get(rq->db, json_i64(e, "id", 0), &row);
	json_decref(e);
	if (rc == ERR_NOT_FOUND)
		return resp_problem(rs, 404, NULL, "no site plan", NULL);
	if (rc < 0)
		return rc;
	/* The copy without metadata (JPEG): a plan is shown to the regulator and the officer. */
	photo_dir(&rq->app->cfg, dir, sizeof(dir));
	photo_path(dir, json_str(row, "sha256"), PHOTO_STRIPPED, path, sizeof(path));
	json_decref(row);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &stt) < 0) {
		if (fd >= 0)
			close(fd);
		return resp_problem(rs, 404, NULL, "the site plan's file is missing", NULL);
	}
	rs->status = 200;
	rs->content_type = "image/jpeg";
	rs->fd = fd;
	rs->fd_size = (uint64_t)stt.st_size;
	resp_header(rs, "Cache-Control", "private, no-cache");
	resp_header(rs, "X-Content-Type-Options", "nosniff");
	return 0;
}

/* ------------------------------------------------------------ enterprise summary */

static int enterprise_summary(struct req *rq, struct resp *rs)
{
	struct field_errors fe = { 0 };
	json_t *e = NULL, *o = NULL, *plan = NULL;
	int64_t eid;
	int rc;

	if (query_params_check(rq, NULL, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	rc = enterprise_load(rq, &e);
	if (rc < 0)
		return rc;
	eid = json_i64(e, "id", 0);
	json_decref(e);
	rc = risk_db_enterprise_summary(rq->db, eid, &o);
	if (rc == 0) {
		rc = risk_db_site_plan_get(rq->db, eid, &plan);
		if (rc == ERR_NOT_FOUND)
			rc = 0;
	}
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	json_object_set_new(o, "site_plan", plan ? plan : json_null());
	json_object_set_new(o, "rule",
			    json_string("the highest grade of its assessed points "
					"(docs/risk.md); null while none is assessed"));
	return risk_api_reply(rs, 200, o);
}

static const char *const plan_types[] = { "image/jpeg", "image/png", "image/webp",
					  "application/octet-stream", NULL };

const struct route risk_plan_routes[] = {
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/zones",
	  .handler = zone_list,
	  .perm = PERM_RISK_READ,
	  .summary = "safety zones in your scope (?enterprise_id=)" },
	{ .method = HTTP_POST,
	  .path = "/api/v1/risk/zones",
	  .handler = zone_create,
	  .perm = PERM_RISK_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .summary = "create a safety zone {enterprise_id, colour: green|yellow|red, name, "
		     "entry_rules?, polygon?}" },
	{ .method = HTTP_PATCH,
	  .path = "/api/v1/risk/zones/{id}",
	  .handler = zone_patch,
	  .perm = PERM_RISK_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .summary = "change a safety zone (colour, name, entry_rules, polygon)" },
	{ .method = HTTP_DELETE,
	  .path = "/api/v1/risk/zones/{id}",
	  .handler = zone_delete,
	  .perm = PERM_RISK_WRITE,
	  .summary = "delete a safety zone" },
	{ .method = HTTP_PUT,
	  .path = "/api/v1/risk/enterprises/{id}/site-plan",
	  .handler = plan_put,
	  .perm = PERM_RISK_WRITE,
	  .flags = ROUTE_UPLOAD,
	  .accept = plan_types,
	  .summary = "upload the enterprise's site plan (raw JPEG, PNG or WebP; not an image: "
		     "422 naming image) -> {sha256, width, height, url}" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/enterprises/{id}/site-plan",
	  .handler = plan_get,
	  .perm = PERM_RISK_READ,
	  .summary = "the enterprise's site plan {sha256, width, height, url}, or 404" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/enterprises/{id}/site-plan/image",
	  .handler = plan_image,
	  .perm = PERM_RISK_READ,
	  .summary = "the site plan image (JPEG without metadata)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/risk/enterprises/{id}",
	  .handler = enterprise_summary,
	  .perm = PERM_RISK_READ,
	  .summary = "an enterprise's risk grade (the highest of its points), points per grade, "
		     "units, points and site plan" },
	{ 0 },
};
