/* SPDX-License-Identifier: MIT */
/*
 * Configuration keys as one table: name, type, bounds, where stored. The INI
 * reader (libinih), the environment reader and the flag parser all go through
 * config_set(), so validation lives in one place.
 */
#include "core/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "core/banned.h"

/*
 * K_URL: "" or a tile URL template (http://, https:// or a path from /) holding {z}, {x}
 * and {y}; K_TEXT: text without control characters or '<' '>', safe wherever it is shown.
 */
enum key_type { K_STR, K_PATH, K_ADDR, K_INT, K_I64, K_BOOL, K_LEVEL, K_URL, K_TEXT };

struct key {
	const char *name;
	enum key_type type;
	size_t off;
	size_t size; /* strings: buffer size */
	int64_t min, max;
};

/* clang-format off */
#define T(n, f, type) { n, type, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0 }
#define S(n, f) T(n, f, K_STR)
#define P(n, f) T(n, f, K_PATH)
#define A(n, f) T(n, f, K_ADDR)
#define I(n, f, lo, hi) { n, K_INT, offsetof(struct config, f), 0, lo, hi }
#define L(n, f, lo, hi) { n, K_I64, offsetof(struct config, f), 0, lo, hi }
#define B(n, f) { n, K_BOOL, offsetof(struct config, f), 0, 0, 0 }
/* clang-format on */

static const struct key keys[] = {
	A("server.listen", listen),
	I("server.port", port, 0, 65535),
	I("server.threads", threads, 0, 64),
	L("server.max_body_bytes", max_body_bytes, 1024, 1024LL * 1024 * 1024),
	L("server.max_upload_bytes", max_upload_bytes, 1024, 4LL * 1024 * 1024 * 1024),
	I("server.max_connections", max_connections, 1, 100000),
	I("server.max_connections_per_ip", max_connections_per_ip, 0, 100000),
	P("server.web_dir", web_dir),
	S("server.port_file", port_file),
	P("database.path", db_path),
	I("database.busy_timeout_ms", busy_timeout_ms, 0, 600000),
	P("data.dir", data_dir),
	{ "log.level", K_LEVEL, offsetof(struct config, log_level),
	  sizeof(((struct config *)0)->log_level), 0, 0 },
	B("log.access", access_log),
	I("security.session_idle_min", session_idle_min, 1, 24 * 60),
	I("security.session_absolute_min", session_absolute_min, 1, 7 * 24 * 60),
	I("security.lockout_failures", lockout_failures, 1, 100),
	I("security.lockout_min", lockout_min, 1, 24 * 60),
	I("security.login_rate_per_min", login_rate_per_min, 1, 100000),
	I("security.argon2_t_cost", argon2_t_cost, 1, 20),
	I("security.argon2_m_kib", argon2_m_kib, 1024, 4 * 1024 * 1024),
	B("security.cookie_secure", cookie_secure),
	B("security.metrics_public", metrics_public),
	I("licence.expiring_90_days", licence_expiring_90_days, 1, 3650),
	I("licence.expiring_60_days", licence_expiring_60_days, 1, 3650),
	I("licence.expiring_30_days", licence_expiring_30_days, 0, 3650),
	L("fake.now_ms", fake_now_ms, 0, 32503680000000LL), /* up to year 3000 */
	{ "map.tile_url", K_URL, offsetof(struct config, tile_url),
	  sizeof(((struct config *)0)->tile_url), 0, 0 },
	{ "map.tile_attribution", K_TEXT, offsetof(struct config, tile_attribution),
	  sizeof(((struct config *)0)->tile_attribution), 0, 0 },
	I("map.max_points", max_points, 1, 1000000),
	B("demo.load", demo_load),
	L("import.max_rows", import_max_rows, 1, 100000000),
	L("import.max_xml_bytes", import_max_xml_bytes, 4096, 64LL * 1024 * 1024 * 1024),
	L("import.max_errors", import_max_errors, 1, 10000000),
	I("hazard.scan_interval_s", hazard_scan_interval_s, 0, 86400),
	I("hazard.blacklist_review_days", hazard_blacklist_review_days, 1, 3650),
	I("hazard.blacklist_overdue_days", hazard_blacklist_overdue_days, 0, 3650),
	I("hazard.max_extensions", hazard_max_extensions, 0, 100),
	I("hazard.due_soon_days", hazard_due_soon_days, 0, 365),
	I("hazard.overdue_long_days", hazard_overdue_long_days, 1, 3650),
	L("hazard.photo_max_bytes", hazard_photo_max_bytes, 1024, 256LL * 1024 * 1024),
	P("hazard.photo_dir", hazard_photo_dir),
	S("risk.shift_starts", risk_shift_starts),
	I("risk.task_backfill_days", risk_task_backfill_days, 1, 366),
	S("risk.lec_table", risk_lec_table),
	S("risk.ls_table", risk_ls_table),
	S("monitor.wal_dir", monitor_wal_dir),
	I("monitor.checkpoint_s", monitor_checkpoint_s, 1, 86400),
	L("monitor.max_future_ms", monitor_max_future_ms, 0, 7LL * 24 * 3600 * 1000),
	I("monitor.value_push_ms", monitor_value_push_ms, 0, 3600000),
	I("monitor.retention_raw_days", monitor_retention_raw_days, 1, 36500),
	I("monitor.retention_minute_days", monitor_retention_minute_days, 1, 36500),
	L("monitor.ingest_max_body", monitor_ingest_max_body, 1024, 4LL * 1024 * 1024 * 1024),
	S("mqtt.url", mqtt_url),
	I("mqtt.connections", mqtt_connections, 1, 64),
	S("mqtt.client_id", mqtt_client_id),
	S("mqtt.username", mqtt_username),
	S("mqtt.password", mqtt_password),
	I("monitor.sse_ring", monitor_sse_ring, 16, 1000000),
	I("monitor.sse_max_clients", monitor_sse_max_clients, 1, 100000),
	I("monitor.sse_ping_s", monitor_sse_ping_s, 1, 300),
	I("monitor.kpi_flood_alarms", monitor_kpi_flood_alarms, 1, 1000000),
	I("monitor.kpi_flood_window_min", monitor_kpi_flood_window_min, 1, 1440),
	I("monitor.kpi_chatter_alarms", monitor_kpi_chatter_alarms, 2, 1000000),
	I("monitor.kpi_chatter_window_s", monitor_kpi_chatter_window_s, 1, 86400),
	I("monitor.kpi_standing_h", monitor_kpi_standing_h, 1, 8760),
	I("monitor.kpi_max_days", monitor_kpi_max_days, 1, 3660),
	I("monitor.shelve_max_min", monitor_shelve_max_min, 1, 10080),
	B("modbus.enabled", modbus_enabled),
	{ 0 },
};

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1");
	c->port = 8080;
	c->threads = 0; /* one per online CPU */
	c->max_body_bytes = 1024 * 1024;
	c->max_upload_bytes = 32 * 1024 * 1024;
	c->max_connections = 1000;
	c->max_connections_per_ip = 128;
	snprintf(c->web_dir, sizeof(c->web_dir), "web/dist");
	snprintf(c->db_path, sizeof(c->db_path), "var/anjian.db");
	c->busy_timeout_ms = 5000;
	snprintf(c->data_dir, sizeof(c->data_dir), "data");
	snprintf(c->log_level, sizeof(c->log_level), "info");
	c->access_log = true;
	c->session_idle_min = 30;
	c->session_absolute_min = 12 * 60;
	c->lockout_failures = 5;
	c->lockout_min = 15;
	c->login_rate_per_min = 20;
	/* OWASP's minimum for Argon2id: m = 19 MiB, t = 2, p = 1. */
	c->argon2_t_cost = 2;
	c->argon2_m_kib = 19 * 1024;
	c->cookie_secure = false;
	c->metrics_public = true;
	/* Licence warning bands: the 90/60/30-day practice of docs/enterprise.md. */
	c->licence_expiring_90_days = 90;
	c->licence_expiring_60_days = 60;
	c->licence_expiring_30_days = 30;
	c->fake_now_ms = 0;
	c->tile_url[0] = '\0'; /* no external tiles: the map draws the project's own boundaries */
	c->tile_attribution[0] = '\0';
	c->max_points = 50000;
	c->demo_load = false;
	c->modbus_enabled = true;
	c->import_max_rows = 500000;
	c->import_max_xml_bytes = 256LL * 1024 * 1024;
	c->import_max_errors = 10000;
	/* Hidden hazards (docs/hazard.md): the scan, the blacklist. */
	c->hazard_scan_interval_s = 300;
	c->hazard_blacklist_review_days = 365;
	c->hazard_blacklist_overdue_days = 0;
	/* Hidden hazards (docs/hazard.md): the project's practice, not a national rule. */
	c->hazard_max_extensions = 2;
	c->hazard_due_soon_days = 3;
	c->hazard_overdue_long_days = 30;
	c->hazard_photo_max_bytes = 10 * 1024 * 1024;
	snprintf(c->hazard_photo_dir, sizeof(c->hazard_photo_dir), "photos");
	/* Risk check tasks (docs/risk.md "Check tasks"): three 8-hour shifts, 31 days back. */
	snprintf(c->risk_shift_starts, sizeof(c->risk_shift_starts), "08:00,16:00,00:00");
	c->risk_task_backfill_days = 31;
	/* Risk graded control (docs/risk.md): the default grading tables. */
	snprintf(c->risk_lec_table, sizeof(c->risk_lec_table), "lec_four_colour_v1");
	snprintf(c->risk_ls_table, sizeof(c->risk_ls_table), "ls_db37_v1");
	/* The monitoring runtime (docs/monitoring.md "Runtime"). */
	c->monitor_wal_dir[0] = '\0';
	c->monitor_checkpoint_s = 60;
	c->monitor_max_future_ms = 60000;
	c->monitor_value_push_ms = 1000;
	c->monitor_retention_raw_days = 30;
	c->monitor_retention_minute_days = 730;
	/* Ingestion (docs/ingestion.md): 8 MiB of readings per request, MQTT off. */
	c->monitor_ingest_max_body = 8 * 1024 * 1024;
	c->mqtt_url[0] = '\0';
	c->mqtt_connections = 2;
	snprintf(c->mqtt_client_id, sizeof(c->mqtt_client_id), "anjian");
	/* Live stream (docs/monitoring.md "Live (SSE)"). */
	c->monitor_sse_ring = 1024;
	c->monitor_sse_max_clients = 256;
	c->monitor_sse_ping_s = 15;
	/*
	 * Alarm KPIs (docs/monitoring.md "Alarm KPIs"; EEMUA 191 / ISA-18.2 as commonly
	 * quoted, [U] in STANDARDS.md: not checked against the documents themselves).
	 */
	c->monitor_kpi_flood_alarms = 10;
	c->monitor_kpi_flood_window_min = 10;
	c->monitor_kpi_chatter_alarms = 3;
	c->monitor_kpi_chatter_window_s = 60;
	c->monitor_kpi_standing_h = 24;
	c->monitor_kpi_max_days = 366;
	/* Alarm shelving (docs/monitoring.md "Operator API"): one 8-hour shift at most. */
	c->monitor_shelve_max_min = 480;
}

int config_check(const struct config *c, struct errmsg *why)
{
	if (!(c->licence_expiring_30_days < c->licence_expiring_60_days &&
	      c->licence_expiring_60_days < c->licence_expiring_90_days))
		return errmsg_set(
			why, "licence.expiring_30_days",
			"'licence.expiring_30_days' (%d) < 'licence.expiring_60_days' (%d) "
			"< 'licence.expiring_90_days' (%d) must hold",
			c->licence_expiring_30_days, c->licence_expiring_60_days,
			c->licence_expiring_90_days);
	return 0;
}

/*
 * "" or http(s)://... or /... with the three placeholders Leaflet fills. A URL is ASCII
 * (RFC 3986 §2: other characters are percent-encoded), so only printable ASCII passes,
 * without quotes of any kind, angle brackets or backslashes: the value goes into JSON and
 * into the browser's DOM.
 */
static bool tile_url_ok(const char *v)
{
	if (v[0] == '\0')
		return true;
	if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0 && v[0] != '/')
		return false;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("\"'`<>\\", *p))
			return false;
	return strstr(v, "{z}") && strstr(v, "{x}") && strstr(v, "{y}");
}

static bool plain_text_ok(const char *v)
{
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f || *p == '<' || *p == '>')
			return false;
	return utf8_valid(v, strlen(v));
}

int config_set(struct config *c, const char *key, const char *value, struct errmsg *why)
{
	const struct key *k = NULL;
	char *base = (char *)c;
	int64_t n;

	for (const struct key *p = keys; p->name; p++)
		if (strcmp(p->name, key) == 0)
			k = p;
	if (k == NULL) {
		errmsg_set(why, key, "unknown setting '%s'", key);
		return ERR_NOT_FOUND;
	}
	switch (k->type) {
	case K_ADDR: {
		unsigned char addr[sizeof(struct in6_addr)];

		if (inet_pton(AF_INET, value, addr) != 1 && inet_pton(AF_INET6, value, addr) != 1)
			return errmsg_set(why, key,
					  "'%s' must be an IPv4 or IPv6 address, not '%s'", key,
					  value);
	}
		/* fall through */
	case K_PATH:
		if (k->type == K_PATH && value[0] == '\0')
			return errmsg_set(why, key, "'%s' must not be empty", key);
		/* fall through */
	case K_URL:
		if (k->type == K_URL && !tile_url_ok(value))
			return errmsg_set(why, key,
					  "'%s' must be empty or a tile URL (http://, https:// or "
					  "/...) with {z}, {x} and {y}, not '%s'",
					  key, value);
		/* fall through */
	case K_TEXT:
		if (k->type == K_TEXT && !plain_text_ok(value))
			return errmsg_set(why, key,
					  "'%s' must be plain UTF-8 text without control "
					  "characters, '<' or '>'",
					  key);
		/* fall through */
	case K_STR:
		if (strlen(value) >= k->size)
			return errmsg_set(why, key, "'%s' is longer than %zu bytes", key,
					  k->size - 1);
		snprintf(base + k->off, k->size, "%s", value);
		return 0;
	case K_LEVEL: {
		enum log_level lv;

		if (log_level_parse(value, &lv) < 0)
			return errmsg_set(why, key,
					  "'%s' must be error, warn, info or debug, not '%s'", key,
					  value);
		snprintf(base + k->off, k->size, "%s", value);
		return 0;
	}
	case K_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0 ||
		    strcmp(value, "yes") == 0)
			*(bool *)(base + k->off) = true;
		else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
			 strcmp(value, "no") == 0)
			*(bool *)(base + k->off) = false;
		else
			return errmsg_set(why, key, "'%s' must be true or false, not '%s'", key,
					  value);
		return 0;
	case K_INT:
	case K_I64:
		if (parse_i64(value, &n) < 0)
			return errmsg_set(why, key, "'%s' must be an integer, not '%s'", key,
					  value);
		if (n < k->min || n > k->max)
			return errmsg_set(why, key, "'%s' must be between %lld and %lld, not %lld",
					  key, (long long)k->min, (long long)k->max, (long long)n);
		if (k->type == K_INT)
			*(int *)(base + k->off) = (int)n;
		else
			*(int64_t *)(base + k->off) = n;
		return 0;
	}
	return ERR_INTERNAL;
}

struct ini_ctx {
	struct config *c;
	struct errmsg *why;
	int rc;
	const char *path;
};

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *x = user;
	char key[128];
	int rc;

	if (x->rc < 0)
		return 0;
	snprintf(key, sizeof(key), "%s.%s", section, name);
	rc = config_set(x->c, key, value, x->why);
	if (rc < 0) {
		x->rc = rc == ERR_NOT_FOUND ? ERR_INVALID : rc;
		return 0;
	}
	return 1;
}

int config_load_file(struct config *c, const char *path, struct errmsg *why)
{
	struct ini_ctx x = { c, why, 0, path };
	FILE *f = NULL;
	int line, rc = 0;

	/*
	 * Opened here rather than by ini_parse() so that a read error is seen:
	 * fopen() succeeds on a directory and ini_parse() then reads it as empty.
	 */
	errno = 0;
	f = fopen(path, "r");
	if (f == NULL) {
		errmsg_set(why, "config", "cannot read configuration file '%s': %s", path,
			   strerror(errno ? errno : ENOENT));
		rc = ERR_IO;
		goto out;
	}
	line = ini_parse_file(f, ini_cb, &x);
	if (ferror(f)) {
		errmsg_set(why, "config", "cannot read configuration file '%s': %s", path,
			   strerror(errno ? errno : EIO));
		rc = ERR_IO;
		goto out;
	}
	if (x.rc < 0) {
		char reason[256];

		snprintf(reason, sizeof(reason), "%s", why->text);
		errmsg_set(why, why->field, "%s: %s", path, reason);
		rc = ERR_INVALID;
		goto out;
	}
	if (line > 0)
		rc = errmsg_set(why, "config", "%s:%d: cannot parse this line", path, line);
out:
	if (f)
		fclose(f);
	return rc;
}

static bool section_known(const char *section)
{
	size_t n = strlen(section);

	for (const struct key *k = keys; k->name; k++)
		if (strncmp(k->name, section, n) == 0 && k->name[n] == '.')
			return true;
	return false;
}

int config_load_env(struct config *c, char *const *envp, struct errmsg *why)
{
	for (; envp && *envp; envp++) {
		const char *e = *envp, *eq;
		char name[100], key[128];
		size_t n;
		int rc;

		if (strncmp(e, "ANJIAN_", 7) != 0 || (eq = strchr(e, '=')) == NULL)
			continue;
		n = (size_t)(eq - e - 7);
		if (n == 0 || n >= sizeof(name))
			continue;
		for (size_t i = 0; i < n; i++)
			name[i] = (char)tolower((unsigned char)e[7 + i]);
		name[n] = '\0';
		/* ANJIAN_SECTION_NAME: the first '_' separates section from name. */
		char *us = strchr(name, '_');
		if (us == NULL)
			continue; /* ANJIAN_CONFIG, ANJIAN_BIN ...: not settings */
		*us = '\0';
		snprintf(key, sizeof(key), "%s.%s", name, us + 1);
		rc = config_set(c, key, eq + 1, why);
		/* A known section with an unknown name is a typo worth stopping for. */
		if (rc == ERR_NOT_FOUND && !section_known(name))
			continue;
		if (rc == ERR_NOT_FOUND)
			return errmsg_set(why, key, "unknown environment variable '%.*s'",
					  (int)(eq - e), e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int64_t config_now_ms(const struct config *c)
{
	return c->fake_now_ms > 0 ? c->fake_now_ms : now_ms();
}
