/* SPDX-License-Identifier: MIT */
/*
 * Photos of hidden hazards (issue 4 §7): stored by content (SHA-256) under the photo
 * folder as <dir>/<aa>/<sha256> (the original), <sha256>.thumb.jpg (a thumbnail, at most
 * PHOTO_THUMB_PX on its longer side) and <sha256>.strip.jpg (a copy without metadata:
 * EXIF, GPS, XMP, ICC), the last two made with libvips. The type is decided by the
 * magic bytes, never by the name or the declared media type.
 */
#ifndef HAZARD_PHOTO_H
#define HAZARD_PHOTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

#define PHOTO_THUMB_PX 320
/* Largest image decoded (a phone camera has ~50 megapixels): more is refused unread. */
#define PHOTO_MAX_PIXELS (64LL * 1000 * 1000)

/* What the store knows of a photo. */
struct photo_info {
	char sha256[65];
	const char *mime; /* static: image/jpeg, image/png, image/webp */
	int64_t bytes;
	int width, height;
	bool has_location; /* the original carries GPS metadata */
};

/*
 * The media type of data by its magic bytes: JPEG (FF D8 FF), PNG (89 50 4E 47 0D 0A 1A 0A),
 * WebP ("RIFF" <size> "WEBP"). Returns the static type, or NULL for anything else.
 */
const char *photo_sniff(const void *data, size_t n);

/* Writes the lower-case hex SHA-256 of data into out (65 bytes). */
void photo_sha256(const void *data, size_t n, char out[65]);

/*
 * The photo folder: setting hazard.photo_dir, relative paths taken from the folder of the
 * database file (database.path). Writes it into out (n bytes).
 */
void photo_dir(const struct config *c, char *out, size_t n);

/*
 * Decodes data with libvips (its type already sniffed into info->mime and its hash into
 * info->sha256), fills width, height and has_location (EXIF GPS fields present), and writes
 * the original, the thumbnail and the stripped copy under dir (files already there are
 * kept: same hash, same bytes). Returns 0, ERR_INVALID (not a decodable image),
 * ERR_TOO_MANY (more than PHOTO_MAX_PIXELS pixels: checked from the header before
 * decoding) or ERR_IO.
 */
int photo_store(const char *dir, const void *data, size_t n, struct photo_info *info);

enum photo_variant { PHOTO_ORIGINAL, PHOTO_THUMB, PHOTO_STRIPPED };
/* The file of a variant of sha256 under dir, into out (n bytes). */
void photo_path(const char *dir, const char *sha256, enum photo_variant v, char *out, size_t n);

#endif
