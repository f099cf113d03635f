/* SPDX-License-Identifier: MIT */
/*
 * The tamper-evident audit log (DESIGN §6, GB/T 22239-2019 level 3 "security
 * audit"). Every write and every login attempt appends one record in the
 * same transaction as the change. Each record carries
 *     hash = SM3(prev_hash || canonical(record))
 * (SM3: GB/T 32905-2016, computed with OpenSSL), hex-encoded; the first
 * record's prev_hash is 64 zeros. Editing, deleting, inserting or reordering
 * rows breaks the chain, and audit_verify() names the first broken record.
 */
#ifndef AUDIT_AUDIT_H
#define AUDIT_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;
struct errmsg;
struct req;

#define AUDIT_GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* Who did it. */
struct audit_actor {
	int64_t id;	/* user id, 0 for the system or the command line */
	char login[96]; /* login, "anonymous", or "cli:<user>" */
	char ip[48];	/* client address or "local" */
};

/* One record as stored (strings borrowed). */
struct audit_record {
	int64_t id;
	int64_t at_ms;
	int64_t actor_id; /* 0 = NULL */
	const char *actor_login;
	const char *ip;
	const char *action; /* "user.create", "login.fail", ... */
	const char *entity; /* "user", "grid", ... */
	const char *entity_id;
	const char *summary; /* compact JSON object */
};

/*
 * The canonical form hashed for a record: a compact JSON object with sorted
 * keys action, actor_id (null when 0), actor_login, at_ms, entity, entity_id,
 * id, ip, summary (as a string). Returns: owned text.
 */
char *audit_canonical(const struct audit_record *r);

/* Writes hex SM3(prev_hash_hex || canonical) into out (65 bytes). */
void audit_chain_hash(const char *prev_hash_hex, const char *canonical, char out[65]);

/* Fills a with the request's user (or "anonymous") and client address. */
void audit_actor_from_req(const struct req *rq, struct audit_actor *a);
/*
 * Appends a record for request rq (actor and address from it) about entity/id, inside
 * the caller's write transaction. Steals summary. Returns 0 or as audit_append().
 */
int audit_record(const struct req *rq, const char *action, const char *entity, int64_t id,
		 json_t *summary);
/* Fills a with "cli:<unix login>" and "local". */
void audit_actor_cli(struct audit_actor *a);

/*
 * Appends one record. Must run inside the caller's write transaction
 * (db_begin), so that the record and the change commit together.
 * summary (borrowed) must hold no secrets; NULL (e.g. a json_pack() that failed) is
 * refused, so that no change is recorded without its description.
 * Returns 0, ERR_INTERNAL (no summary) or ERR_DB.
 */
int audit_append(struct db *db, const struct audit_actor *actor, const char *action,
		 const char *entity, const char *entity_id, const json_t *summary);

/*
 * Walks the whole log in id order and recomputes the chain. Returns 0 when
 * intact (*count = records checked), ERR_CONFLICT when broken (*first_bad =
 * id of the first record that does not verify, why says how), or ERR_DB.
 */
int audit_verify(struct db *db, int64_t *count, int64_t *first_bad, struct errmsg *why);

/* Filters of the audit list; NULL / -1 = no filter. */
struct audit_filter {
	const char *actor, *action, *entity, *entity_id;
	int64_t since_ms, until_ms; /* [since, until) */
};

struct list_params;

/*
 * One page of the log (keyset on id, lp->desc for newest first), as JSON objects
 * {id, at_ms, actor_id, actor, ip, action, entity, entity_id, summary, hash}.
 * Returns 0 with *items owned, or ERR_DB.
 */
int audit_db_list(struct db *db, const struct audit_filter *f, const struct list_params *lp,
		  json_t **items);

/*
 * Id of the newest record, 0 when the log is empty. Inside a write transaction right
 * after audit_record(), that is the record it appended (modules that index their
 * records, like an enterprise's history, file it under this id). Returns 0 or ERR_DB.
 */
int audit_last_id(struct db *db, int64_t *id);

/*
 * One record as a JSON object of the same shape as audit_db_list() items. Returns 0 with
 * *out owned, ERR_NOT_FOUND or ERR_DB.
 */
int audit_db_get(struct db *db, int64_t id, json_t **out);

#endif
