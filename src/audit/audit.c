/* SPDX-License-Identifier: MIT */
/* Canonical record form and the SM3 chain step: pure, no I/O. */
#include "audit/audit.h"

#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/mem.h"
#include "core/util.h"
#include "core/banned.h"

/*
 * A text field as a JSON string. Text that is not UTF-8 (never expected: inputs are
 * validated where they enter) becomes "hex:<bytes>" so that it is still covered by the
 * hash instead of silently dropping out of the canonical form.
 */
static json_t *text(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *hex;
	json_t *j;

	if (s == NULL)
		return json_null();
	if (utf8_valid(s, n))
		return json_string(s);
	hex = xmalloc(2 * n + 5);
	memcpy(hex, "hex:", 4);
	hex_encode((const unsigned char *)s, n, hex + 4);
	j = json_string(hex);
	free(hex);
	return j;
}

char *audit_canonical(const struct audit_record *r)
{
	json_t *o = json_object();
	char *out;

	json_object_set_new(o, "action", text(r->action));
	json_object_set_new(o, "actor_id", r->actor_id ? json_integer(r->actor_id) : json_null());
	json_object_set_new(o, "actor_login", text(r->actor_login));
	json_object_set_new(o, "at_ms", json_integer(r->at_ms));
	json_object_set_new(o, "entity", text(r->entity));
	json_object_set_new(o, "entity_id", text(r->entity_id));
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "ip", text(r->ip));
	json_object_set_new(o, "summary", text(r->summary));
	out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(o);
	return out;
}

void audit_chain_hash(const char *prev_hash_hex, const char *canonical, char out[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sm3(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, prev_hash_hex, strlen(prev_hash_hex)) != 1 ||
	    EVP_DigestUpdate(ctx, canonical, strlen(canonical)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 32)
		abort(); /* SM3 is built into OpenSSL 3; failing here is a broken install */
	EVP_MD_CTX_free(ctx);
	hex_encode(md, 32, out);
}

void audit_actor_cli(struct audit_actor *a)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	memset(a, 0, sizeof(*a));
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(a->login, sizeof(a->login), "cli:%s", res->pw_name);
	else
		snprintf(a->login, sizeof(a->login), "cli:uid%d", (int)getuid());
	snprintf(a->ip, sizeof(a->ip), "local");
}
