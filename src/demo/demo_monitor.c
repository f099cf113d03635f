/* SPDX-License-Identifier: MIT */
/* The demo's monitoring devices and points, and the player of the real recordings. */
#define LOG_MODULE "demo"

#include "demo/demo_monitor.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "monitor/alarm.h"
#include "monitor/gas.h"
#include "core/banned.h"

/* One point of the demo. NAN: a set point not used. */
struct demo_point_def {
	const char *device; /* DEMO_MONITOR_GDS or DEMO_MONITOR_PUMP */
	const char *tag, *name, *kind;
	const char *gas; /* gas_props_find key: defaults from gas.c; NULL: manual set points */
	enum alarm_kind akind;
	const char *unit;
	double range_lo, range_hi, high1, high2, low1, low2, deadband;
	int64_t on_delay_ms, off_delay_ms, comms_timeout_ms;
};

/* The set points of the pump are chosen from the recording: data/monitor/demo/README.md. */
static const struct demo_point_def points[] = {
	{ DEMO_MONITOR_GDS, "GT-101", "储罐区甲烷检测器", "combustible", "methane",
	  ALARM_KIND_COMBUSTIBLE, NULL, 0, 0, NAN, NAN, NAN, NAN, 0, 0, 0, 0 },
	/* Hourly readings: comms loss after 2.5 h. */
	{ DEMO_MONITOR_GDS, "AT-201", "装卸区一氧化碳检测器", "toxic", "carbon monoxide",
	  ALARM_KIND_TOXIC, NULL, 0, 0, NAN, NAN, NAN, NAN, 0, 0, 0, 9000000 },
	{ DEMO_MONITOR_GDS, "OT-301", "配电室氧气检测器", "oxygen", NULL, ALARM_KIND_OXYGEN, NULL,
	  0, 0, NAN, NAN, NAN, NAN, 0, 0, 0, 0 },
	/* 1 s readings with about a minute between the recorded runs: comms loss after 3 min. */
	{ DEMO_MONITOR_PUMP, "PT-401", "P-401 出口压力", "pressure", NULL, ALARM_KIND_PRESSURE,
	  "bar", -2, 4, 2.0, 2.5, NAN, NAN, 0.1, 2000, 5000, 180000 },
	{ DEMO_MONITOR_PUMP, "TT-402", "P-401 电机温度", "temperature", NULL,
	  ALARM_KIND_TEMPERATURE, "°C", 0, 150, 85, 95, NAN, NAN, 1, 2000, 5000, 180000 },
	{ DEMO_MONITOR_PUMP, "TT-403", "P-401 介质温度", "temperature", NULL,
	  ALARM_KIND_TEMPERATURE, "°C", 0, 100, 40, 50, NAN, NAN, 1, 2000, 5000, 180000 },
	{ DEMO_MONITOR_PUMP, "FT-404", "P-401 出口流量", "flow", NULL, ALARM_KIND_FLOW, "L/min", 0,
	  150, NAN, NAN, 30, 27, 0.5, 2000, 5000, 180000 },
};

static void bind_sp(struct db_stmt *st, const char *name, double v)
{
	if (isnan(v))
		db_bind_null(st, name);
	else
		db_bind_f64(st, name, v);
}

static int add_device(struct db *db, int64_t enterprise_id, const char *name, int64_t now_ms,
		      int64_t *id)
{
	struct db_stmt *st = db_stmt(db, "INSERT INTO monitor_device (enterprise_id, name, "
					 "protocol, active, created_ms, updated_ms) VALUES "
					 "(:e, :name, 'mqtt', 1, :now, :now)");
	int rc;

	if (st == NULL)
		return ERR_DB;
	db_bind_i64(st, ":e", enterprise_id);
	db_bind_text(st, ":name", name);
	db_bind_i64(st, ":now", now_ms);
	rc = db_step_done(st);
	if (rc == 0)
		*id = db_last_id(db);
	return rc;
}

int demo_monitor_load(struct db *db, int64_t enterprise_id, int64_t now_ms, const char *gas_csv,
		      int64_t *devices, int64_t *npoints, struct errmsg *why)
{
	int64_t gds = 0, pump = 0;
	int rc = add_device(db, enterprise_id, DEMO_MONITOR_GDS, now_ms, &gds);

	*devices = *npoints = 0;
	if (rc == 0)
		rc = add_device(db, enterprise_id, DEMO_MONITOR_PUMP, now_ms, &pump);
	if (rc < 0) {
		errmsg_set(why, "monitor_device", "cannot write the demo devices: %s", err_str(rc));
		return rc;
	}
	*devices = 2;
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		const struct demo_point_def *d = &points[i];
		struct alarm_cfg c = { .range_lo = d->range_lo,
				       .range_hi = d->range_hi,
				       .high1 = d->high1,
				       .high2 = d->high2,
				       .low1 = d->low1,
				       .low2 = d->low2,
				       .deadband = d->deadband };
		const char *unit = d->unit, *source = "manual";
		struct db_stmt *st;

		if (d->akind <= ALARM_KIND_OXYGEN) {
			/* GB/T 50493-2019 defaults (gas.c), as the points API gives them. */
			struct gas_props g;
			struct errmsg m;

			if (d->gas && gas_props_find(gas_csv, d->gas, &g, &m) != 0)
				return errmsg_set(why, "gas", "%s: %s", d->gas, m.text);
			if (gas_default_cfg(d->gas ? &g : NULL, d->akind, &c, &m) != 0)
				return errmsg_set(why, "gas", "%s: %s", d->tag, m.text);
			unit = d->akind == ALARM_KIND_COMBUSTIBLE ? "%LEL"
			       : d->akind == ALARM_KIND_TOXIC	  ? "mg/m3"
								  : "%VOL";
			source = "default";
		}
		st = db_stmt(
			db, "INSERT INTO monitor_point (enterprise_id, device_id, tag, name, kind, "
			    "gas, unit, range_lo, range_hi, high1, high2, low1, low2, deadband, "
			    "on_delay_ms, off_delay_ms, comms_timeout_ms, setpoint_source, active, "
			    "created_ms, updated_ms) VALUES (:e, :dev, :tag, :name, :kind, :gas, "
			    ":unit, :lo, :hi, :h1, :h2, :l1, :l2, :db, :on, :off, :tmo, :src, 1, "
			    ":now, :now)");
		if (st == NULL)
			return ERR_DB;
		db_bind_i64(st, ":e", enterprise_id);
		db_bind_i64(st, ":dev", strcmp(d->device, DEMO_MONITOR_GDS) == 0 ? gds : pump);
		db_bind_text(st, ":tag", d->tag);
		db_bind_text(st, ":name", d->name);
		db_bind_text(st, ":kind", d->kind);
		db_bind_text(st, ":gas", d->gas);
		db_bind_text(st, ":unit", unit);
		db_bind_f64(st, ":lo", c.range_lo);
		db_bind_f64(st, ":hi", c.range_hi);
		bind_sp(st, ":h1", c.high1);
		bind_sp(st, ":h2", c.high2);
		bind_sp(st, ":l1", c.low1);
		bind_sp(st, ":l2", c.low2);
		db_bind_f64(st, ":db", d->deadband);
		db_bind_i64(st, ":on", d->on_delay_ms);
		db_bind_i64(st, ":off", d->off_delay_ms);
		db_bind_i64(st, ":tmo", d->comms_timeout_ms);
		db_bind_text(st, ":src", source);
		db_bind_i64(st, ":now", now_ms);
		rc = db_step_done(st);
		if (rc < 0) {
			errmsg_set(why, "monitor_point", "cannot write point %s: %s", d->tag,
				   err_str(rc));
			return rc;
		}
		(*npoints)++;
	}
	return 0;
}

/* --- the player --- */

/* Most readings of the first (history) batch of a track: 3 h of the pump is 43 200. */
#define DEMO_HISTORY_BATCH 200000

int64_t demo_track_due(const struct demo_track *t, size_t i, int64_t k)
{
	return t->epoch_ms + k * t->loop_ms + (t->rows[i].ts_ms - t->rows[0].ts_ms);
}

long demo_track_play(struct demo_track *t, int64_t now_ms, size_t max, modbus_ingest_fn ingest,
		     void *ctx)
{
	monitor_reading *batch;
	long played = 0;

	if (t->n == 0)
		return 0;
	batch = malloc(max * sizeof(*batch));
	if (batch == NULL)
		return ERR_INTERNAL;
	for (;;) {
		size_t i = t->next, k = 0;
		int64_t loop = t->loop, due;

		while (k < max && (due = demo_track_due(t, i, loop)) <= now_ms) {
			const struct replay_row *r = &t->rows[i];

			if (t->point_ids[i] != 0)
				batch[k++] =
					(monitor_reading){ .point_id = t->point_ids[i],
							   .source_ms = due,
							   .value = r->value,
							   .quality = isnan(r->value) ? 2 : 0 };
			if (++i == t->n) {
				i = 0;
				loop++;
			}
		}
		if (k > 0) {
			int rc = ingest(ctx, batch, k);

			if (rc < 0) {
				free(batch);
				return rc; /* t stays at the failed batch */
			}
			played += (long)k;
		}
		t->next = i;
		t->loop = loop;
		if (k < max)
			break; /* nothing more is due */
	}
	free(batch);
	return played;
}

struct demo_player {
	struct demo_track tracks[2];
	size_t ntracks;
	modbus_ingest_fn ingest; /* guarded by mu after the start */
	void *ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	_Atomic uint64_t played;
};

static void track_free(struct demo_track *t)
{
	free(t->rows);
	free(t->point_ids);
	memset(t, 0, sizeof(*t));
}

/* Loads one recording and resolves its tags to the demo devices' points. */
static int track_load(struct db *db, const char *path, int64_t start_ms, int64_t history_ms,
		      struct demo_track *t)
{
	FILE *f = fopen(path, "rb");
	struct buf text = BUF_INIT;
	struct errmsg why = { { 0 }, { 0 } };
	char chunk[65536];
	size_t got;
	int rc;

	memset(t, 0, sizeof(*t));
	if (f == NULL) {
		log_error("demo recording '%s': %s", path, strerror(errno));
		return ERR_IO;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, got);
	fclose(f);
	rc = replay_parse(text.p ? text.p : "", text.len, &t->rows, &t->n, &why);
	buf_release(&text);
	if (rc != 0 || t->n < 2) {
		log_error("demo recording '%s': %s", path, rc ? why.text : "fewer than 2 rows");
		track_free(t);
		return ERR_INVALID;
	}
	t->point_ids = calloc(t->n, sizeof(*t->point_ids));
	if (t->point_ids == NULL) {
		track_free(t);
		return ERR_INTERNAL;
	}
	/* One loop: the span plus one step (the first row's successor at another time). */
	int64_t step = 1000;

	for (size_t i = 1; i < t->n; i++)
		if (t->rows[i].ts_ms > t->rows[0].ts_ms) {
			step = t->rows[i].ts_ms - t->rows[0].ts_ms;
			break;
		}
	t->loop_ms = t->rows[t->n - 1].ts_ms - t->rows[0].ts_ms + step;
	t->epoch_ms = start_ms - (history_ms < t->loop_ms ? history_ms : t->loop_ms - step);
	struct db_stmt *st = db_stmt(db, "SELECT p.id FROM monitor_point p JOIN monitor_device d "
					 "ON d.id = p.device_id WHERE d.name IN (:gds, :pump) "
					 "AND p.tag = :tag AND p.active = 1 ORDER BY p.id LIMIT 1");

	for (size_t i = 0; st && i < t->n; i++) {
		if (i > 0 && strcmp(t->rows[i].tag, t->rows[i - 1].tag) == 0) {
			t->point_ids[i] = t->point_ids[i - 1];
			continue;
		}
		/* Few tags: look each up once (the previous rows of the same tag). */
		for (size_t j = i; j-- > 0 && i - j < 16;)
			if (strcmp(t->rows[j].tag, t->rows[i].tag) == 0) {
				t->point_ids[i] = t->point_ids[j];
				goto next;
			}
		db_bind_text(st, ":gds", DEMO_MONITOR_GDS);
		db_bind_text(st, ":pump", DEMO_MONITOR_PUMP);
		db_bind_text(st, ":tag", t->rows[i].tag);
		rc = db_step_i64(st, &t->point_ids[i]);
		if (rc == ERR_NOT_FOUND)
			t->point_ids[i] = 0;
		else if (rc < 0)
			break;
		rc = 0;
	next:;
	}
	if (st == NULL || rc < 0) {
		track_free(t);
		return ERR_DB;
	}
	return 0;
}

static bool wait_or_stop(struct demo_player *p, int64_t ms)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->mu);
	while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu, &ts) != ETIMEDOUT)
		;
	stop = p->stop;
	pthread_mutex_unlock(&p->mu);
	return stop;
}

static void *player_main(void *arg)
{
	struct demo_player *p = arg;

	for (;;) {
		int64_t now = now_ms(), wake = now + 1000;

		modbus_ingest_fn ingest;
		void *ctx;

		pthread_mutex_lock(&p->mu);
		ingest = p->ingest;
		ctx = p->ctx;
		pthread_mutex_unlock(&p->mu);
		for (size_t i = 0; i < p->ntracks; i++) {
			struct demo_track *t = &p->tracks[i];
			long n = demo_track_play(t, now, 1000, ingest, ctx);

			if (n < 0)
				log_every_ms(60000, LL_WARN, "demo player: ingest failed: %s",
					     err_str((int)n));
			else
				p->played += (uint64_t)n;
			int64_t due = demo_track_due(t, t->next, t->loop);

			if (n >= 0 && due < wake)
				wake = due;
		}
		now = now_ms();
		if (wait_or_stop(p, wake > now ? wake - now : 0))
			break;
	}
	return NULL;
}

int demo_player_start(struct db *db, const char *data_dir, int64_t history_ms,
		      modbus_ingest_fn ingest, void *ctx, struct demo_player **out)
{
	static const char *const files[] = { "pump_valve1.csv", "co_2004.csv" };
	struct demo_player *p;
	struct db_stmt *st;
	int64_t have = 0, start = now_ms();
	int rc;

	st = db_stmt(db, "SELECT count(*) FROM monitor_device WHERE name IN (:gds, :pump)");
	if (st == NULL)
		return ERR_DB;
	db_bind_text(st, ":gds", DEMO_MONITOR_GDS);
	db_bind_text(st, ":pump", DEMO_MONITOR_PUMP);
	rc = db_step_i64(st, &have);
	if (rc < 0)
		return rc;
	if (have == 0)
		return ERR_NOT_FOUND;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return ERR_INTERNAL;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024];

		snprintf(path, sizeof(path), "%s/monitor/demo/%s", data_dir, files[i]);
		rc = track_load(db, path, start, history_ms, &p->tracks[p->ntracks]);
		if (rc < 0) {
			for (size_t k = 0; k < p->ntracks; k++)
				track_free(&p->tracks[k]);
			free(p);
			return rc;
		}
		p->ntracks++;
	}
	p->ingest = ingest;
	p->ctx = ctx;
	/*
	 * The history, at once and on the caller's thread (so that it is in before serving
	 * starts), in one batch a track: the runtime's tick (comms loss against the wall
	 * clock) cannot fall between two of its batches, whose source times are hours old.
	 */
	for (size_t i = 0; i < p->ntracks; i++) {
		long n = demo_track_play(&p->tracks[i], start, DEMO_HISTORY_BATCH, ingest, ctx);

		if (n < 0)
			log_warn("demo: the history was not played: %s", err_str((int)n));
		else
			p->played += (uint64_t)n;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->thread, NULL, player_main, p) != 0) {
		for (size_t k = 0; k < p->ntracks; k++)
			track_free(&p->tracks[k]);
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return ERR_INTERNAL;
	}
	*out = p;
	return 0;
}

void demo_player_redirect(struct demo_player *p, modbus_ingest_fn ingest, void *ctx)
{
	pthread_mutex_lock(&p->mu);
	p->ingest = ingest;
	p->ctx = ctx;
	pthread_mutex_unlock(&p->mu);
}

uint64_t demo_player_played(struct demo_player *p)
{
	return p->played;
}

void demo_player_stop(struct demo_player *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	for (size_t k = 0; k < p->ntracks; k++)
		track_free(&p->tracks[k]);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* --- the MQTT path --- */

struct demo_mqtt {
	struct replay_mqtt *m;
	char topic[128];
	struct {
		int64_t id;
		char tag[REPLAY_TAG_MAX + 1];
	} tags[16];
	size_t ntags;
	struct replay_row *rows; /* reused between batches (one player thread) */
	size_t cap;
};

int demo_mqtt_open(struct db *db, const char *host_port, struct demo_mqtt **out, struct errmsg *why)
{
	struct db_stmt *st = db_stmt(db, "SELECT p.id, p.tag, e.uscc FROM monitor_point p "
					 "JOIN monitor_device d ON d.id = p.device_id "
					 "JOIN enterprise e ON e.id = p.enterprise_id "
					 "WHERE d.name IN (:gds, :pump) ORDER BY p.id");
	struct demo_mqtt *d;
	int rc;

	if (st == NULL)
		return ERR_DB;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return ERR_INTERNAL;
	db_bind_text(st, ":gds", DEMO_MONITOR_GDS);
	db_bind_text(st, ":pump", DEMO_MONITOR_PUMP);
	while ((rc = db_step(st)) == DB_ROW) {
		if (d->ntags == sizeof(d->tags) / sizeof(d->tags[0])) {
			db_reset(st);
			break;
		}
		d->tags[d->ntags].id = db_col_i64(st, 0);
		db_col_copy(st, 1, d->tags[d->ntags].tag, sizeof(d->tags[0].tag));
		snprintf(d->topic, sizeof(d->topic), "anjian/v1/%s/readings", db_col_text(st, 2));
		d->ntags++;
	}
	if (rc < 0 || d->ntags == 0) {
		free(d);
		return rc < 0 ? rc : ERR_NOT_FOUND;
	}
	rc = replay_mqtt_open(host_port, "demo", &d->m, why);
	if (rc < 0) {
		free(d);
		return rc;
	}
	*out = d;
	return 0;
}

int demo_mqtt_ingest(void *ctx, const monitor_reading *r, size_t n)
{
	struct demo_mqtt *d = ctx;
	struct buf body = BUF_INIT;
	struct errmsg why;
	size_t k = 0;
	int rc;

	if (n > d->cap) {
		struct replay_row *t = realloc(d->rows, n * sizeof(*t));

		if (t == NULL)
			return ERR_INTERNAL;
		d->rows = t;
		d->cap = n;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d->ntags; j++)
			if (d->tags[j].id == r[i].point_id) {
				memcpy(d->rows[k].tag, d->tags[j].tag, sizeof(d->rows[k].tag));
				d->rows[k].ts_ms = r[i].source_ms;
				d->rows[k].value = r[i].quality == 2 ? NAN : r[i].value;
				k++;
				break;
			}
	if (k == 0)
		return 0;
	replay_format(d->rows, k, 0, REPLAY_OBJECT, &body);
	rc = replay_mqtt_publish(d->m, d->topic, buf_str(&body), body.len, &why);
	buf_release(&body);
	if (rc < 0)
		log_every_ms(60000, LL_WARN, "demo: %s", why.text);
	return rc;
}

void demo_mqtt_close(struct demo_mqtt *d)
{
	if (d == NULL)
		return;
	replay_mqtt_close(d->m);
	free(d->rows);
	free(d);
}
