/* SPDX-License-Identifier: MIT */
/*
 * Configuration: built-in defaults, then an INI file (libinih), then ANJIAN_*
 * environment variables, then command-line flags; each later source
 * overrides the earlier. Every key is documented in docs/configuration.md.
 * Values are validated as they are set.
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

struct errmsg;

struct config {
	char listen[64];	      /* [server] listen: IPv4/IPv6 address to bind */
	int port;		      /* [server] port: 1..65535, or 0 for any free port */
	int threads;		      /* [server] threads: HTTP workers, 1..64; 0 = one per CPU */
	int64_t max_body_bytes;	      /* [server] max_body_bytes: default request body limit */
	int64_t max_upload_bytes;     /* [server] max_upload_bytes: body limit of file uploads */
	int max_connections;	      /* [server] max_connections: open connections in all */
	int max_connections_per_ip;   /* [server] max_connections_per_ip: from one address */
	char web_dir[512];	      /* [server] web_dir: built web UI (index.html) */
	char port_file[512];	      /* [server] port_file: write the bound port here (tests) */
	char db_path[512];	      /* [database] path: SQLite file */
	int busy_timeout_ms;	      /* [database] busy_timeout_ms */
	char data_dir[512];	      /* [data] dir: reference data (regions ...) */
	char log_level[8];	      /* [log] level: error|warn|info|debug */
	bool access_log;	      /* [log] access: one line per request */
	int session_idle_min;	      /* [security] session_idle_min */
	int session_absolute_min;     /* [security] session_absolute_min */
	int lockout_failures;	      /* [security] lockout_failures */
	int lockout_min;	      /* [security] lockout_min */
	int login_rate_per_min;	      /* [security] login_rate_per_min: per client IP */
	int argon2_t_cost;	      /* [security] argon2_t_cost: iterations */
	int argon2_m_kib;	      /* [security] argon2_m_kib: memory in KiB */
	bool cookie_secure;	      /* [security] cookie_secure: add Secure to the cookie */
	bool metrics_public;	      /* [security] metrics_public: /metrics without login */
	int licence_expiring_90_days; /* [licence] expiring_90_days: days_left bound of expiring_90 */
	int licence_expiring_60_days; /* [licence] expiring_60_days */
	int licence_expiring_30_days; /* [licence] expiring_30_days */
	int64_t fake_now_ms; /* [fake] now_ms: "now" of date rules, 0 = the clock (tests only) */
	char tile_url[512];  /* [map] tile_url: Leaflet tile URL template, "" = none */
	char tile_attribution[256]; /* [map] tile_attribution: plain text shown with tiles */
	int max_points;		    /* [map] max_points: enterprises on /map/enterprises at most */
	bool demo_load;		    /* [demo] load: load the demo city into an empty database */
	int64_t import_max_rows;    /* [import] max_rows: data rows of one imported file */
	int64_t import_max_xml_bytes; /* [import] max_xml_bytes: inflated bytes of one XLSX part */
	int64_t import_max_errors;    /* [import] max_errors: bad rows listed in a report */
	int hazard_scan_interval_s;   /* [hazard] scan_interval_s: overdue scan period, 0 = off */
	int hazard_blacklist_review_days;  /* [hazard] blacklist_review_days: review period */
	int hazard_blacklist_overdue_days; /* [hazard] blacklist_overdue_days: rule B1 threshold */
	int hazard_max_extensions;	/* [hazard] max_extensions: extension requests per hazard */
	int hazard_due_soon_days;	/* [hazard] due_soon_days: days left of "due_soon" */
	int hazard_overdue_long_days;	/* [hazard] overdue_long_days: days past of "overdue_30" */
	int64_t hazard_photo_max_bytes; /* [hazard] photo_max_bytes: one uploaded photo */
	char hazard_photo_dir
		[512]; /* [hazard] photo_dir: photos; relative to the database's folder */
	char risk_shift_starts[64];  /* [risk] shift_starts: local shift starts "HH:MM,..." */
	int risk_task_backfill_days; /* [risk] task_backfill_days: check tasks generated back */
	int monitor_shelve_max_min;  /* [monitor] shelve_max_min: longest shelve, minutes */
	char risk_lec_table[64];     /* [risk] lec_table: default LEC grading table id */
	char risk_ls_table[64];	     /* [risk] ls_table: default LS grading table id */
	/* [monitor]: the monitoring runtime (src/monitor/monitor.h, docs/monitoring.md) */
	char monitor_wal_dir[512];	   /* wal_dir: readings log; "" = "<database.path>.wal" */
	int monitor_checkpoint_s;	   /* checkpoint_s: seconds between checkpoints */
	int64_t monitor_max_future_ms;	   /* max_future_ms: source time ahead of arrival */
	int monitor_value_push_ms;	   /* value_push_ms: "values" events per enterprise */
	int monitor_retention_raw_days;	   /* retention_raw_days: raw readings kept */
	int monitor_retention_minute_days; /* retention_minute_days: minute aggregates kept */
	/* Ingestion of readings (docs/ingestion.md, branch mon-ingest). */
	int64_t monitor_ingest_max_body; /* [monitor] ingest_max_body: POST /readings body */
	char mqtt_url[256];		 /* [mqtt] url: mqtt://host:port of the broker; "" = off */
	int mqtt_connections;	 /* [mqtt] connections: client connections sharing the load */
	char mqtt_client_id[48]; /* [mqtt] client_id: prefix of the fixed client ids */
	char mqtt_username[128]; /* [mqtt] username: "" = none */
	char mqtt_password[128]; /* [mqtt] password: "" = none */
	/* Live stream and alarm KPIs (mon-live; docs/monitoring.md "Live (SSE)", "Alarm KPIs"). */
	int monitor_sse_ring;		  /* [monitor] sse_ring: events queued per stream */
	int monitor_sse_max_clients;	  /* [monitor] sse_max_clients: open streams; 503 beyond */
	int monitor_sse_ping_s;		  /* [monitor] sse_ping_s: ": ping" comment interval */
	int monitor_kpi_flood_alarms;	  /* [monitor] kpi_flood_alarms: a flood is more than */
	int monitor_kpi_flood_window_min; /* [monitor] kpi_flood_window_min: ... in this window */
	int monitor_kpi_chatter_alarms;	  /* [monitor] kpi_chatter_alarms: chattering at least */
	int monitor_kpi_chatter_window_s; /* [monitor] kpi_chatter_window_s: ... in this window */
	int monitor_kpi_standing_h; /* [monitor] kpi_standing_h: standing when active longer */
	int monitor_kpi_max_days;   /* [monitor] kpi_max_days: longest KPI period */
	bool modbus_enabled; /* [modbus] enabled: poll the active Modbus TCP devices (serve) */
};

/* Fills c with the built-in defaults (see docs/configuration.md). */
void config_defaults(struct config *c);
/* "Now" for the date rules, UTC ms: c->fake_now_ms when set (tests), else the clock. */
int64_t config_now_ms(const struct config *c);

/*
 * Sets one key ("section.name", e.g. "server.port") from text. Returns 0, or
 * ERR_INVALID with the key and the reason in why; ERR_NOT_FOUND for an
 * unknown key.
 */
int config_set(struct config *c, const char *key, const char *value, struct errmsg *why);

/*
 * Checks what no single key can: the licence warning bounds are ordered
 * (0 <= expiring_30_days < expiring_60_days < expiring_90_days). Call after every
 * source is applied. Returns 0 or ERR_INVALID with the keys and the reason in why.
 */
int config_check(const struct config *c, struct errmsg *why);

/* Reads an INI file over c. Returns 0, ERR_IO (unreadable) or ERR_INVALID; why says which line. */
int config_load_file(struct config *c, const char *path, struct errmsg *why);

/*
 * Applies environment variables ANJIAN_<SECTION>_<NAME> (e.g. ANJIAN_SERVER_PORT,
 * ANJIAN_DATABASE_PATH) found in envp (NULL-terminated "K=V" strings). Variables
 * outside the known sections (ANJIAN_CONFIG, ANJIAN_BIN ...) are not settings and are
 * skipped; an unknown name in a known section (ANJIAN_SERVER_PROT) is an error.
 */
int config_load_env(struct config *c, char *const *envp, struct errmsg *why);

#endif
