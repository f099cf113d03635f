/* SPDX-License-Identifier: MIT */
/*
 * Photos over HTTP (docs/hazard.md, Photos): upload (raw body, type by magic bytes, size
 * limit hazard.photo_max_bytes; every uploader of the same bytes is recorded), and reading a photo or its thumbnail. A photo is visible to
 * whoever uploaded it and to whoever may see a hazard that shows it (else 404). Roles
 * outside the bureau (enterprise officers) get the copy without metadata (no EXIF/GPS);
 * thumbnails never carry metadata.
 */
#define LOG_MODULE "photo"
#include "hazard/hazard_api.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "db/db.h"
#include "hazard/hazard_db.h"
#include "hazard/photo.h"
#include "core/banned.h"

static json_t *photo_json(const json_t *row)
{
	json_t *o = json_deep_copy(row);
	const char *sha = json_string_value(json_object_get(row, "sha256"));
	char url[128], thumb[160];

	snprintf(url, sizeof(url), "/api/v1/photos/%s", sha);
	snprintf(thumb, sizeof(thumb), "/api/v1/photos/%s/thumb", sha);
	json_object_del(o, "_uploader_id");
	json_object_set_new(o, "url", json_string(url));
	json_object_set_new(o, "thumb_url", json_string(thumb));
	return o;
}

static int upload(struct req *rq, struct resp *rs)
{
	const struct config *cfg = &rq->app->cfg;
	struct field_errors fe = { 0 };
	struct photo_info info;
	json_t *row = NULL, *o;
	char dir[1024];
	int rc;

	if (query_params_check(rq, NULL, &fe) < 0)
		return resp_problem(rs, 400, NULL, "invalid query", &fe);
	if ((int64_t)rq->raw_len > cfg->hazard_photo_max_bytes) {
		field_errors_add(&fe, "photo", "is larger than %lld bytes (hazard.photo_max_bytes)",
				 (long long)cfg->hazard_photo_max_bytes);
		return resp_problem(rs, 413, NULL, fe.e[0].reason, &fe);
	}
	memset(&info, 0, sizeof(info));
	info.mime = photo_sniff(rq->raw_body, rq->raw_len);
	if (info.mime == NULL)
		return resp_invalid1(rs, "photo", "is not a JPEG, PNG or WebP image");
	photo_sha256(rq->raw_body, rq->raw_len, info.sha256);
	if (hazard_db_photo_exists(rq->db, info.sha256)) {
		/*
		 * The same bytes again (this caller's or someone else's): the caller becomes one
		 * of its uploaders, and the answer is the one a new photo gets (201), so that
		 * it does not tell whether anyone stored that exact file before.
		 */
		rc = db_begin(rq->db);
		if (rc == 0)
			rc = hazard_db_photo_upload_add(rq->db, info.sha256, rq->user->user_id,
							now_ms());
		if (rc == 0)
			rc = audit_record(rq, "photo.upload", "photo", 0,
					  json_pack("{s:s, s:b}", "sha256", info.sha256, "again",
						    1));
		rc = db_finish(rq->db, rc);
		if (rc < 0)
			return rc;
	} else {
		photo_dir(cfg, dir, sizeof(dir));
		rc = photo_store(dir, rq->raw_body, rq->raw_len, &info);
		if (rc == ERR_INVALID)
			return resp_invalid1(rs, "photo", "cannot be decoded as an image");
		if (rc == ERR_TOO_MANY)
			return resp_invalid1(rs, "photo", "has more than 64 megapixels");
		if (rc < 0)
			return rc;
		rc = db_begin(rq->db);
		if (rc == 0)
			rc = hazard_db_photo_insert(rq->db, info.sha256, info.mime, info.bytes,
						    info.width, info.height, info.has_location,
						    rq->user->user_id, now_ms());
		if (rc == ERR_CONFLICT) /* the same photo raced in: be one of its uploaders */
			rc = hazard_db_photo_upload_add(rq->db, info.sha256, rq->user->user_id,
							now_ms());
		if (rc == 0)
			rc = audit_record(rq, "photo.upload", "photo", 0,
					  json_pack("{s:s, s:s, s:I, s:b}", "sha256", info.sha256,
						    "mime", info.mime, "bytes",
						    (json_int_t)info.bytes, "has_location",
						    info.has_location));
		rc = db_finish(rq->db, rc);
		if (rc < 0)
			return rc;
	}
	rc = hazard_db_photo_get(rq->db, info.sha256, &row);
	if (rc < 0)
		return rc;
	o = photo_json(row);
	json_decref(row);
	return resp_json(rs, 201, o);
}

/* True when the caller uploaded the photo or may see a hazard showing it. */
static bool photo_visible(struct req *rq, const char *sha)
{
	json_t *ids = NULL, *v;
	size_t i;
	bool ok = hazard_db_photo_uploaded_by(rq->db, sha, rq->user->user_id);

	if (ok || hazard_db_photo_hazards(rq->db, sha, &ids) < 0)
		return ok;
	json_array_foreach(ids, i, v) {
		json_t *h = NULL;

		if (hazard_db_get(rq->db, json_integer_value(v), &h) == 0 &&
		    hazard_api_visible(rq, h))
			ok = true;
		json_decref(h);
		if (ok)
			break;
	}
	json_decref(ids);
	return ok;
}

bool hazard_api_photo_visible(struct req *rq, const char *sha256)
{
	json_t *row = NULL;
	bool ok = hazard_db_photo_get(rq->db, sha256, &row) == 0 && photo_visible(rq, sha256);

	json_decref(row);
	return ok;
}

static const char *const photo_types[] = { "image/jpeg", "image/png", "image/webp",
					   "application/octet-stream", NULL };

static int serve(struct req *rq, struct resp *rs, bool thumb)
{
	const char *sha = req_param(rq, "sha256");
	json_t *row = NULL;
	enum photo_variant v = PHOTO_ORIGINAL;
	const char *mime;
	char dir[1024], path[1100];
	struct stat stt;
	int fd;

	if (sha == NULL || strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64 ||
	    hazard_db_photo_get(rq->db, sha, &row) < 0 || !photo_visible(rq, sha)) {
		json_decref(row);
		return resp_problem(rs, 404, NULL, "no such photo", NULL);
	}
	/* A static type (the row is freed before the answer is sent). */
	mime = photo_sniff("\xFF\xD8\xFF", 3);
	for (const char *const *t = photo_types; *t; t++)
		if (strcmp(*t, json_string_value(json_object_get(row, "mime"))) == 0)
			mime = *t;
	if (thumb)
		v = PHOTO_THUMB;
	else if (rq->user->role == ROLE_ENTERPRISE_OFFICER) /* outside the bureau */
		v = PHOTO_STRIPPED;
	if (v != PHOTO_ORIGINAL)
		mime = "image/jpeg";
	photo_dir(&rq->app->cfg, dir, sizeof(dir));
	photo_path(dir, sha, v, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &stt) < 0) {
		if (fd >= 0)
			close(fd);
		json_decref(row);
		return resp_problem(rs, 404, NULL, "the photo's file is missing", NULL);
	}
	rs->status = 200;
	rs->content_type = mime;
	rs->fd = fd;
	rs->fd_size = (uint64_t)stt.st_size;
	resp_header(rs, "Cache-Control", "private, max-age=86400, immutable");
	resp_header(rs, "X-Content-Type-Options", "nosniff");
	json_decref(row);
	return 0;
}

static int get_photo(struct req *rq, struct resp *rs)
{
	return serve(rq, rs, false);
}

static int get_thumb(struct req *rq, struct resp *rs)
{
	return serve(rq, rs, true);
}

const struct route photo_routes[] = {
	{ .method = HTTP_POST,
	  .path = "/api/v1/photos",
	  .handler = upload,
	  .perm = PERM_HAZARD_REPORT,
	  .flags = ROUTE_UPLOAD,
	  .accept = photo_types,
	  .summary = "upload a photo (raw JPEG, PNG or WebP, type by magic bytes, at most "
		     "hazard.photo_max_bytes), stored by SHA-256; the same bytes again: 201 as "
		     "well, the caller then one of its "
		     "uploaders" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/photos/{sha256}",
	  .handler = get_photo,
	  .perm = PERM_HAZARD_READ,
	  .summary = "a photo you uploaded or that a hazard you see shows (enterprise officers: "
		     "without metadata)" },
	{ .method = HTTP_GET,
	  .path = "/api/v1/photos/{sha256}/thumb",
	  .handler = get_thumb,
	  .perm = PERM_HAZARD_READ,
	  .summary = "its thumbnail (JPEG, no metadata)" },
	{ 0 },
};
