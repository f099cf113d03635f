/* SPDX-License-Identifier: MIT */
/*
 * The demo city's hidden hazards (issue 4: "the demo holds hazards in every state across
 * the demo city"). demo_load.c collects the enterprises that host hazards and the demo's
 * people while it loads the city, then calls demo_hazards_load() inside its transaction.
 * Every hazard's history is walked through the life cycle of hazard/hazard.h
 * (hazard_transition() with the acting demo user, on the day of each step), so that the
 * timeline is one the API would have allowed; the rows are written by hazard/hazard_seed.h.
 * Internal to the demo module.
 */
#ifndef DEMO_DEMO_HAZARD_H
#define DEMO_DEMO_HAZARD_H

#include <stddef.h>
#include <stdint.h>

#include "core/perm.h"
#include "hazard/hazard.h"

struct config;
struct db;
struct errmsg;

/* A demo user who acts on hazards. */
struct demo_actor {
	int64_t id;
	char login[72];
	enum role role;
	int64_t enterprise_id; /* enterprise officers: their enterprise */
};

/* A generated enterprise that hosts hazards (about one in ten, and every one in a staffed grid). */
struct demo_host {
	int64_t id;
	char uscc[20];
	char name[300];
	char region_code[16];
	char county[8];
	int64_t grid_id;
	char industry_code[8];
	double lat, lon;
	char safety_officer
		[64]; /* the enterprise's safety officer: the plans' responsible person */
	int staffed;  /* 1 + index of the staffed grid it lies in, 0 for none */
};

/* A county's inspector. */
struct demo_county_actor {
	char code[8];
	struct demo_actor inspector;
};

#define DEMO_STAFFED_MAX  4
#define DEMO_PHOTOS	  4 /* generated photos of each kind (before, after) */
#define DEMO_COUNTIES_MAX 16

/* Everything the hazards are made from. */
struct demo_hazard_city {
	int64_t today;	/* local (UTC+8) day number of the load: today_local(cfg->fake_now_ms) */
	int64_t now_ms; /* the load's instant (fake.now_ms when set): every step is before it */
	struct hazard_deadline_bands bands; /* the configured deadline bands (hazard.*_days) */
	int max_extensions;		    /* hazard.max_extensions */
	struct demo_actor leader;
	struct demo_county_actor counties[DEMO_COUNTIES_MAX];
	size_t ncounties;
	struct {
		int64_t grid_id;
		struct demo_actor manager, patroller;
	} staffed[DEMO_STAFFED_MAX];
	size_t nstaffed;
	struct demo_host *hosts; /* borrowed */
	size_t nhosts;
	struct demo_actor officer; /* demo.officer, of one host (its enterprise_id) */
	const char
		*officer_hash; /* Argon2id hash of a discarded password, for the hosts' officers */
	const struct config *cfg; /* for the photo folder (hazard.photo_dir) */
};

/*
 * Writes the demo's hazards into db (inside the caller's transaction): an enterprise officer
 * account per host ("demo.officer.<credit code in lower case>", the enterprise's safety
 * officer by name, password unknown: an administrator sets one with `anjian user passwd`),
 * except the host of demo.officer; then 1 to 3 hazards a host (the officer's enterprise one
 * of every scenario), the first ones one of each scenario so that every state, extension
 * sub-state, deadline state, level and source occurs, the rest drawn (seed DEMO_SEED + 4).
 * Overdue major hazards and hazards overdue more than 30 days get a proposed listed
 * supervision (as the scheduler would), about half of them listed by demo.leader. Every
 * hazard has a "before" photo with its report and an "after" photo with each submission:
 * DEMO_PHOTOS of each kind made by demo_png() and stored through hazard/photo.h (when the
 * photo store fails, e.g. libvips cannot start, the hazards are loaded without photos and a
 * warning says so).
 * Returns 0 with *hazards and *officers counted, or a negative err (why says what).
 */
int demo_hazards_load(struct db *db, const struct demo_hazard_city *c, int64_t *hazards,
		      int64_t *officers, struct errmsg *why);

#endif
