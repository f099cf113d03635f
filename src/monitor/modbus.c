/* SPDX-License-Identifier: MIT */
/* Modbus TCP pollers: register conversion, one thread per device, the process's set. */
#define LOG_MODULE "modbus"

#include "monitor/modbus.h"

#include <errno.h>
#include <math.h>
#include <modbus.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "core/banned.h"

/* The longest wait between two attempts on a device that does not answer. */
#define BACKOFF_MAX_MS 60000

int modbus_reg_type_parse(const char *s, enum modbus_reg_type *out)
{
	static const char *const names[] = { "u16", "i16", "u32", "i32", "f32" };

	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum modbus_reg_type)i;
			return 0;
		}
	return ERR_INVALID;
}

int modbus_reg_kind_parse(const char *s, enum modbus_reg_kind *out)
{
	if (s && strcmp(s, "holding") == 0)
		*out = MODBUS_HOLDING;
	else if (s && strcmp(s, "input") == 0)
		*out = MODBUS_INPUT;
	else
		return ERR_INVALID;
	return 0;
}

int modbus_reg_count(enum modbus_reg_type t)
{
	return t == MODBUS_U16 || t == MODBUS_I16 ? 1 : 2;
}

double modbus_convert(enum modbus_reg_type t, const uint16_t *regs, double scale, double offset)
{
	uint32_t w = t == MODBUS_U16 || t == MODBUS_I16
			     ? regs[0]
			     : ((uint32_t)regs[0] << 16) | (uint32_t)regs[1]; /* high word first */
	double raw;

	switch (t) {
	case MODBUS_U16:
	case MODBUS_U32:
		raw = (double)w;
		break;
	case MODBUS_I16:
		raw = (double)(int16_t)(uint16_t)w;
		break;
	case MODBUS_I32:
		raw = (double)(int32_t)w;
		break;
	case MODBUS_F32: {
		float f;

		memcpy(&f, &w, sizeof(f));
		raw = (double)f;
		break;
	}
	default:
		return NAN;
	}
	raw = raw * scale + offset;
	return isfinite(raw) ? raw : NAN;
}

struct modbus_poller {
	struct modbus_device dev;
	modbus_ingest_fn fn;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct modbus_poller_stats stats;
	monitor_reading *batch;
};

/* Waits ms or until stop; returns true when asked to stop. */
static bool wait_or_stop(struct modbus_poller *p, int64_t ms)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &ts);
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

/* A Modbus exception answer: the device is there, the register is not readable. */
static bool is_exception(int e)
{
	return e == EMBXILFUN || e == EMBXILADD || e == EMBXILVAL || e == EMBXSFAIL ||
	       e == EMBXACK || e == EMBXSBUSY || e == EMBXNACK || e == EMBXMEMPAR ||
	       e == EMBXGPATH || e == EMBXGTAR;
}

/* One poll. Returns 0 (the batch filled) or -1 (connection lost / timeout). */
static int poll_once(struct modbus_poller *p, modbus_t *mb, int64_t at_ms)
{
	for (size_t i = 0; i < p->dev.n_points; i++) {
		const struct modbus_point *pt = &p->dev.points[i];
		uint16_t regs[2] = { 0, 0 };
		int n = modbus_reg_count(pt->type);
		int rc = pt->kind == MODBUS_INPUT
				 ? modbus_read_input_registers(mb, pt->addr, n, regs)
				 : modbus_read_registers(mb, pt->addr, n, regs);
		monitor_reading *r = &p->batch[i];

		r->point_id = pt->point_id;
		r->source_ms = at_ms;
		if (rc == n) {
			r->value = modbus_convert(pt->type, regs, pt->scale, pt->offset);
			r->quality = isnan(r->value) ? 2 : 0;
		} else if (rc < 0 && is_exception(errno)) {
			r->value = NAN;
			r->quality = 2;
		} else {
			return -1;
		}
	}
	return 0;
}

static void *poller_main(void *arg)
{
	struct modbus_poller *p = arg;
	modbus_t *mb = NULL;
	int64_t backoff = p->dev.poll_ms;
	/* A response slower than the poll period (at most 2 s) is a timeout. */
	int64_t tmo_ms = p->dev.poll_ms < 2000 ? p->dev.poll_ms : 2000;
	char port[8];

	snprintf(port, sizeof(port), "%d", p->dev.port);
	for (;;) {
		int64_t t0 = monotonic_ms();
		bool ok = false;
		int err = 0;

		if (mb == NULL) {
			mb = modbus_new_tcp_pi(p->dev.host, port);
			if (mb == NULL)
				err = errno;
			if (mb != NULL) {
				modbus_set_slave(mb, p->dev.unit_id);
				modbus_set_response_timeout(mb, (uint32_t)(tmo_ms / 1000),
							    (uint32_t)(tmo_ms % 1000) * 1000);
				if (modbus_connect(mb) != 0) {
					err = errno;
					modbus_free(mb);
					mb = NULL;
				}
			}
		}
		if (mb != NULL && poll_once(p, mb, now_ms()) == 0) {
			int rc = p->fn(p->ctx, p->batch, p->dev.n_points);

			if (rc < 0)
				log_every_ms(60000, LL_WARN,
					     "device %lld: ingest of a poll failed: %s",
					     (long long)p->dev.id, err_str(rc));
			ok = true;
		} else if (mb != NULL) {
			/* Timeout or broken connection: start again on a new one. */
			err = errno;
			modbus_close(mb);
			modbus_free(mb);
			mb = NULL;
		}
		pthread_mutex_lock(&p->mu);
		if (ok) {
			p->stats.polls_ok++;
			if (p->stats.down)
				log_info("device %lld (%s:%d) answers again", (long long)p->dev.id,
					 p->dev.host, p->dev.port);
			p->stats.down = false;
			backoff = p->dev.poll_ms;
		} else {
			p->stats.polls_failed++;
			if (!p->stats.down) {
				p->stats.outages++;
				log_warn("device %lld (%s:%d) does not answer: %s; retrying with "
					 "backoff up to %d s",
					 (long long)p->dev.id, p->dev.host, p->dev.port,
					 modbus_strerror(err), BACKOFF_MAX_MS / 1000);
			}
			p->stats.down = true;
		}
		pthread_mutex_unlock(&p->mu);
		int64_t wait = ok ? p->dev.poll_ms - (monotonic_ms() - t0) : backoff;

		if (!ok)
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
		if (wait_or_stop(p, wait > 0 ? wait : 0))
			break;
	}
	if (mb != NULL) {
		modbus_close(mb);
		modbus_free(mb);
	}
	return NULL;
}

int modbus_poller_start(const struct modbus_device *dev, modbus_ingest_fn fn, void *ctx,
			struct modbus_poller **out)
{
	struct modbus_poller *p;
	pthread_condattr_t ca;

	if (dev->n_points == 0 || dev->n_points > WAL_BATCH_MAX || dev->port < 1 ||
	    dev->port > 65535 || dev->unit_id < 0 || dev->unit_id > 247 || dev->poll_ms < 100 ||
	    dev->host[0] == '\0' || fn == NULL)
		return ERR_INVALID;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return ERR_INTERNAL;
	p->dev = *dev;
	p->dev.points = malloc(dev->n_points * sizeof(*dev->points));
	p->batch = malloc(dev->n_points * sizeof(*p->batch));
	if (p->dev.points == NULL || p->batch == NULL) {
		free(p->dev.points);
		free(p->batch);
		free(p);
		return ERR_INTERNAL;
	}
	memcpy(p->dev.points, dev->points, dev->n_points * sizeof(*dev->points));
	p->fn = fn;
	p->ctx = ctx;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&p->thread, NULL, poller_main, p) != 0) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p->dev.points);
		free(p->batch);
		free(p);
		return ERR_INTERNAL;
	}
	*out = p;
	return 0;
}

void modbus_poller_stop(struct modbus_poller *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->dev.points);
	free(p->batch);
	free(p);
}

void modbus_poller_stats_get(struct modbus_poller *p, struct modbus_poller_stats *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->stats;
	pthread_mutex_unlock(&p->mu);
}

void modbus_device_wipe(struct modbus_device *dev)
{
	free(dev->points);
	dev->points = NULL;
	dev->n_points = 0;
}

/* The set: a small array of (device id, poller), guarded by one mutex. */
struct modbus_set {
	pthread_mutex_t mu;
	modbus_ingest_fn fn;
	void *ctx;
	struct {
		int64_t id;
		struct modbus_poller *p;
	} * items;
	size_t n, cap;
};

/* Starts device id's poller into the set (mu held). 0, or ERR_DB / ERR_INTERNAL. */
static int set_add(struct modbus_set *s, struct db *db, int64_t id)
{
	struct modbus_device dev;
	struct modbus_poller *p;
	int rc = modbus_device_load(db, id, &dev);

	if (rc == ERR_NOT_FOUND)
		return 0;
	if (rc < 0)
		return rc;
	rc = modbus_poller_start(&dev, s->fn, s->ctx, &p);
	if (rc == ERR_INVALID) {
		log_warn("device %lld: not polled (bad host, port, unit or poll_ms)",
			 (long long)id);
		modbus_device_wipe(&dev);
		return 0;
	}
	modbus_device_wipe(&dev);
	if (rc < 0)
		return rc;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		void *items = realloc(s->items, cap * sizeof(*s->items));

		if (items == NULL) {
			modbus_poller_stop(p);
			return ERR_INTERNAL;
		}
		s->items = items;
		s->cap = cap;
	}
	s->items[s->n].id = id;
	s->items[s->n].p = p;
	s->n++;
	log_info("device %lld: polling", (long long)id);
	return 0;
}

int modbus_set_start(struct db *db, modbus_ingest_fn fn, void *ctx, struct modbus_set **out)
{
	struct modbus_set *s = calloc(1, sizeof(*s));
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;

	if (s == NULL)
		return ERR_INTERNAL;
	pthread_mutex_init(&s->mu, NULL);
	s->fn = fn;
	s->ctx = ctx;
	rc = modbus_device_ids(db, &ids, &n);
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = set_add(s, db, ids[i]);
	pthread_mutex_unlock(&s->mu);
	free(ids);
	if (rc < 0) {
		modbus_set_stop(s);
		return rc;
	}
	*out = s;
	return 0;
}

int modbus_device_changed(struct modbus_set *s, struct db *db, int64_t id)
{
	int rc;

	if (s == NULL)
		return 0;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].id == id) {
			modbus_poller_stop(s->items[i].p);
			s->items[i] = s->items[--s->n];
			log_info("device %lld: poller stopped for a reload", (long long)id);
			break;
		}
	rc = set_add(s, db, id);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

size_t modbus_set_count(struct modbus_set *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	pthread_mutex_lock(&s->mu);
	n = s->n;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void modbus_set_stop(struct modbus_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		modbus_poller_stop(s->items[i].p);
	pthread_mutex_destroy(&s->mu);
	free(s->items);
	free(s);
}
