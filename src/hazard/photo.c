/* SPDX-License-Identifier: MIT */
/*
 * The photo store (photo.h): content hashing with OpenSSL, decoding, thumbnails and
 * metadata-free copies with libvips (Debian's libvips-dev), files written to a temporary
 * name and renamed, so that a reader never sees half a photo.
 */
#define LOG_MODULE "photo"
#include "hazard/photo.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <vips/vips.h>

#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/banned.h"

const char *photo_sniff(const void *data, size_t n)
{
	const unsigned char *p = data;

	if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

void photo_sha256(const void *data, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

void photo_dir(const struct config *c, char *out, size_t n)
{
	char db[sizeof(c->db_path)];

	if (c->hazard_photo_dir[0] == '/') {
		snprintf(out, n, "%s", c->hazard_photo_dir);
		return;
	}
	snprintf(db, sizeof(db), "%s", c->db_path);
	snprintf(out, n, "%s/%s", dirname(db), c->hazard_photo_dir);
}

void photo_path(const char *dir, const char *sha256, enum photo_variant v, char *out, size_t n)
{
	static const char *const suffix[] = { "", ".thumb.jpg", ".strip.jpg" };

	snprintf(out, n, "%s/%.2s/%s%s", dir, sha256, sha256, suffix[v]);
}

/* mkdir -p of path (a folder). Returns 0 or ERR_IO. */
static int make_dirs(const char *path)
{
	char tmp[1200];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
			return ERR_IO;
		*p = '/';
	}
	if (mkdir(tmp, 0750) < 0 && errno != EEXIST) {
		log_error("cannot create '%s': %s", tmp, strerror(errno));
		return ERR_IO;
	}
	return 0;
}

/* Writes data to path through a temporary file and rename(); an existing file is kept. */
static int write_file(const char *path, const void *data, size_t n)
{
	char tmp[1200];
	const char *p = data;
	int fd, rc = 0;

	if (access(path, F_OK) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		log_error("cannot write '%s': %s", tmp, strerror(errno));
		return ERR_IO;
	}
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = ERR_IO;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = ERR_IO;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = ERR_IO;
	if (rc < 0) {
		log_error("cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

static pthread_once_t vips_once = PTHREAD_ONCE_INIT;
static bool vips_ok;

static void start_vips(void)
{
	vips_ok = VIPS_INIT("anjian") == 0;
	if (!vips_ok)
		log_error("cannot start libvips: %s", vips_error_buffer());
	vips_cache_set_max(0); /* one photo at a time: nothing worth caching */
}

/* True when the decoded image carries GPS fields in its EXIF (libvips names them exif-ifd3-*). */
static bool has_gps(VipsImage *img)
{
	static const char *const fields[] = { "exif-ifd3-GPSLatitude", "exif-ifd3-GPSLongitude",
					      NULL };

	for (const char *const *f = fields; *f; f++)
		if (vips_image_get_typeof(img, *f) != 0)
			return true;
	return false;
}

int photo_store(const char *dir, const void *data, size_t n, struct photo_info *info)
{
	VipsImage *img = NULL, *thumb = NULL;
	void *tbuf = NULL, *sbuf = NULL;
	size_t tlen = 0, slen = 0;
	char path[1100], sub[1100];
	int rc = 0;

	pthread_once(&vips_once, start_vips);
	if (!vips_ok)
		return ERR_INTERNAL;
	img = vips_image_new_from_buffer(data, n, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (img == NULL) {
		rc = ERR_INVALID;
		goto out;
	}
	info->width = vips_image_get_width(img);
	info->height = vips_image_get_height(img);
	/* The header is read, the pixels not yet: refuse a decompression bomb before decoding. */
	if ((int64_t)info->width * info->height > PHOTO_MAX_PIXELS) {
		rc = ERR_TOO_MANY;
		goto out;
	}
	info->has_location = has_gps(img);
	info->bytes = (int64_t)n;
	if (vips_jpegsave_buffer(img, &sbuf, &slen, "strip", TRUE, "Q", 85, NULL) != 0) {
		rc = ERR_INVALID; /* the header decoded, the pixels did not */
		goto out;
	}
	if (vips_thumbnail_buffer((void *)data, n, &thumb, PHOTO_THUMB_PX, NULL) != 0 ||
	    vips_jpegsave_buffer(thumb, &tbuf, &tlen, "strip", TRUE, "Q", 80, NULL) != 0) {
		rc = ERR_INVALID;
		goto out;
	}
	snprintf(sub, sizeof(sub), "%s/%.2s", dir, info->sha256);
	rc = make_dirs(sub);
	if (rc == 0) {
		photo_path(dir, info->sha256, PHOTO_ORIGINAL, path, sizeof(path));
		rc = write_file(path, data, n);
	}
	if (rc == 0) {
		photo_path(dir, info->sha256, PHOTO_THUMB, path, sizeof(path));
		rc = write_file(path, tbuf, tlen);
	}
	if (rc == 0) {
		photo_path(dir, info->sha256, PHOTO_STRIPPED, path, sizeof(path));
		rc = write_file(path, sbuf, slen);
	}
out:
	if (rc == ERR_INVALID)
		vips_error_clear();
	g_free(tbuf);
	g_free(sbuf);
	if (thumb)
		g_object_unref(thumb);
	if (img)
		g_object_unref(img);
	vips_thread_shutdown();
	return rc;
}
