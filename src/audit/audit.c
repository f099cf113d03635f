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
#include "core/util.h"
#include "core/banned.h"

char *audit_canonical(const struct audit_record *r)
{
	json_t *o = json_object();
	char *text;

	json_object_set_new(o, "action", json_string(r->action));
	json_object_set_new(o, "actor_id", r->actor_id ? json_integer(r->actor_id) : json_null());
	json_object_set_new(o, "actor_login", json_string(r->actor_login));
	json_object_set_new(o, "at_ms", json_integer(r->at_ms));
	json_object_set_new(o, "entity", json_string(r->entity));
	json_object_set_new(o, "entity_id", json_string(r->entity_id));
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "ip", json_string(r->ip));
	json_object_set_new(o, "summary", json_string(r->summary));
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(o);
	return text;
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
