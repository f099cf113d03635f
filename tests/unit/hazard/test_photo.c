/* SPDX-License-Identifier: MIT */
/*
 * The photo store's pure parts (src/hazard/photo.h): the type by magic bytes (JPEG: ISO/IEC
 * 10918-1 SOI marker FF D8 followed by a marker FF; PNG: the 8-byte signature of ISO/IEC
 * 15948 §5.2; WebP: a RIFF container of form type "WEBP"), the SHA-256 (FIPS 180-4 test
 * vectors) and the file layout under the photo folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "hazard/photo.h"
#include "core/banned.h"

static void test_sniff(void **state)
{
	(void)state;
	assert_string_equal(photo_sniff("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10), "image/jpeg");
	assert_string_equal(photo_sniff("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 16), "image/png");
	assert_string_equal(photo_sniff("RIFF\x24\x00\x00\x00WEBPVP8 ", 16), "image/webp");
	/* Near misses: GIF, a PNG signature cut short, RIFF of another form (WAVE), a BMP. */
	assert_null(photo_sniff("GIF89a\x01\x00\x01\x00", 10));
	assert_null(photo_sniff("\x89PNG\r\n\x1a", 7));
	assert_null(photo_sniff("RIFF\x24\x00\x00\x00WAVEfmt ", 16));
	assert_null(photo_sniff("BM\x36\x00\x00\x00", 6));
	assert_null(photo_sniff("\xFF\xD8", 2));
	assert_null(photo_sniff("", 0));
}

static void test_sha256_vectors(void **state)
{
	char out[65];

	(void)state;
	photo_sha256("abc", 3, out);
	assert_string_equal(out,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	photo_sha256("", 0, out);
	assert_string_equal(out,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_layout(void **state)
{
	struct config c;
	char dir[1024], path[1100];
	const char *sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

	(void)state;
	config_defaults(&c);
	photo_dir(&c, dir, sizeof(dir));
	assert_string_equal(dir, "var/photos"); /* beside var/anjian.db */
	snprintf(c.hazard_photo_dir, sizeof(c.hazard_photo_dir), "/srv/anjian/photos");
	photo_dir(&c, dir, sizeof(dir));
	assert_string_equal(dir, "/srv/anjian/photos");
	photo_path(dir, sha, PHOTO_ORIGINAL, path, sizeof(path));
	assert_string_equal(path,
			    "/srv/anjian/photos/ba/ba7816bf8f01cfea414140de5dae2223b00361a3961"
			    "77a9cb410ff61f20015ad");
	photo_path(dir, sha, PHOTO_THUMB, path, sizeof(path));
	assert_true(strstr(path, "/ba/ba7816bf") && strstr(path, "15ad.thumb.jpg"));
	photo_path(dir, sha, PHOTO_STRIPPED, path, sizeof(path));
	assert_true(strstr(path, "15ad.strip.jpg") != NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
