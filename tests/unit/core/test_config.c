/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/core/config.c: the precedence of the four sources
 * (built-in defaults < INI file < ANJIAN_* environment < flags, issue #2 §3
 * and docs/configuration.md), validation of each value as it is set, and the
 * errors for an unknown key, an unreadable file and a misspelt variable.
 * The environment is a fake envp; the INI file is a temporary file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/err.h"
#include "core/banned.h"

/* Writes text to a new temporary file; returns its path in path (size >= 64). */
static void write_temp(const char *text, char *path, size_t n)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	snprintf(path, n, "%s/anjian-test-config-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Loads text as an INI file over c; returns config_load_file's result. */
static int load_text(struct config *c, const char *text, struct errmsg *why)
{
	char path[512];
	int rc;

	write_temp(text, path, sizeof(path));
	rc = config_load_file(c, path, why);
	unlink(path);
	return rc;
}

/* docs/configuration.md: the built-in defaults, DESIGN §6 security numbers among them. */
static void test_defaults(void **state)
{
	struct config c;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1");
	assert_int_equal(c.port, 8080);
	assert_string_equal(c.db_path, "var/anjian.db");
	assert_string_equal(c.port_file, "");
	assert_string_equal(c.log_level, "info");
	assert_int_equal(c.session_idle_min, 30);
	assert_int_equal(c.session_absolute_min, 12 * 60);
	assert_int_equal(c.lockout_failures, 5);
	assert_int_equal(c.lockout_min, 15);
	/* OWASP password storage cheat sheet, Argon2id minimum: m = 19 MiB, t = 2, p = 1 */
	assert_int_equal(c.argon2_m_kib, 19 * 1024);
	assert_int_equal(c.argon2_t_cost, 2);
	assert_true(c.access_log);
	assert_false(c.cookie_secure);
	/* connection limits: in all, and from one client address */
	assert_int_equal(c.max_connections, 1000);
	assert_int_equal(c.max_connections_per_ip, 128);
	assert_int_equal(c.threads, 0);
}

/* Issue #2 §3: defaults, then the INI file, then ANJIAN_* variables, then flags; later wins. */
static void test_precedence_defaults_file_env_flags(void **state)
{
	struct config c;
	struct errmsg why = { 0 };
	char *env[] = {
		"PATH=/usr/bin",
		"ANJIAN_SERVER_PORT=8082",
		"ANJIAN_LOG_LEVEL=debug",
		"ANJIAN_DATABASE_BUSY_TIMEOUT_MS=250",
		NULL,
	};

	(void)state;
	config_defaults(&c);
	assert_int_equal(load_text(&c,
				   "; anjian test configuration\n"
				   "[server]\n"
				   "port = 8081\n"
				   "threads = 8\n"
				   "listen = ::1\n"
				   "[database]\n"
				   "path = /var/lib/anjian/安监.db\n"
				   "[log]\n"
				   "level = warn\n"
				   "access = false\n",
				   &why),
			 0);
	/* the file overrides the defaults */
	assert_int_equal(c.port, 8081);
	assert_int_equal(c.threads, 8);
	assert_string_equal(c.listen, "::1");
	assert_string_equal(c.db_path, "/var/lib/anjian/安监.db");
	assert_string_equal(c.log_level, "warn");
	assert_false(c.access_log);
	assert_int_equal(c.busy_timeout_ms, 5000); /* not in the file: default kept */

	/* the environment overrides the file */
	assert_int_equal(config_load_env(&c, env, &why), 0);
	assert_int_equal(c.port, 8082);
	assert_string_equal(c.log_level, "debug");
	assert_int_equal(c.busy_timeout_ms, 250);
	assert_int_equal(c.threads, 8); /* not in the environment: the file's value kept */

	/* flags (config_set) override the environment */
	assert_int_equal(config_set(&c, "server.port", "8083", &why), 0);
	assert_int_equal(config_set(&c, "log.level", "error", &why), 0);
	assert_int_equal(c.port, 8083);
	assert_string_equal(c.log_level, "error");
	assert_int_equal(c.busy_timeout_ms, 250);
	assert_string_equal(c.db_path, "/var/lib/anjian/安监.db");
}

static void set_bad(const char *key, const char *value)
{
	struct config c, before;
	struct errmsg why = { 0 };

	config_defaults(&c);
	memcpy(&before, &c, sizeof(c));
	if (config_set(&c, key, value, &why) != ERR_INVALID)
		fail_msg("%s = '%s' accepted", key, value);
	assert_string_equal(why.field, key);
	assert_non_null(strstr(why.text, key));
	/* a rejected value leaves the setting as it was */
	assert_memory_equal(&c, &before, sizeof(c));
}

static void set_ok(struct config *c, const char *key, const char *value)
{
	struct errmsg why = { 0 };

	if (config_set(c, key, value, &why) != 0)
		fail_msg("%s = '%s' rejected: %s", key, value, why.text);
}

/* A TCP port is 16 bits (RFC 793): 1..65535, and 0 asks the kernel for a free one. */
static void test_port_range(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "server.port", "0");
	assert_int_equal(c.port, 0);
	set_ok(&c, "server.port", "65535");
	assert_int_equal(c.port, 65535);
	set_bad("server.port", "65536");
	set_bad("server.port", "70000");
	set_bad("server.port", "-1");
	set_bad("server.port", "99999999999999999999");
}

/* server.threads: 1..64 workers, or 0 for one per online CPU (the default). */
static void test_threads_zero_means_one_per_cpu(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.threads, 0);
	set_ok(&c, "server.threads", "64");
	assert_int_equal(c.threads, 64);
	set_ok(&c, "server.threads", "0");
	assert_int_equal(c.threads, 0);
}

static void test_bad_values(void **state)
{
	(void)state;
	set_bad("server.port", "abc");
	set_bad("server.port", "");
	set_bad("server.port", "80x");
	set_bad("server.port", "8.5");
	set_bad("server.port", " 80");
	set_bad("server.port", "\t80");
	set_bad("server.port", "+80");
	set_bad("server.threads", "-1");
	set_bad("server.threads", "65");
	set_bad("server.max_body_bytes", "1023");
	set_bad("security.session_idle_min", "0");
	set_bad("security.lockout_failures", "0");
	set_bad("security.argon2_m_kib", "512");
	set_bad("log.access", "maybe");
	set_bad("log.access", "");
	set_bad("log.access", "TRUE");
	set_bad("security.cookie_secure", "2");
	set_bad("log.level", "verbose");
	set_bad("log.level", "");
	set_bad("log.level", "INFO");
	/* server.listen is an IPv4 or IPv6 address, checked when it is set */
	set_bad("server.listen", "0123456789012345678901234567890123456789"
				 "012345678901234567890123");
	set_bad("server.listen", "999.1.1.1");
	set_bad("server.listen", "1.2.3");
	set_bad("server.listen", "localhost");
	set_bad("server.listen", "");
	set_bad("server.listen", "::1::1");
	set_bad("server.listen", "[::1]");
	set_bad("server.listen", "127.0.0.1:8080");
	/* paths must not be empty */
	set_bad("database.path", "");
	set_bad("server.web_dir", "");
	set_bad("data.dir", "");
	/* connection limits */
	set_bad("server.max_connections", "0");
	set_bad("server.max_connections", "100001");
	set_bad("server.max_connections_per_ip", "-1");
	set_bad("server.max_connections_per_ip", "100001");
	/* map tiles: a URL template with the three placeholders, or nothing */
	set_bad("map.tile_url", "https://tiles.example/{z}/{x}.png");
	set_bad("map.tile_url", "ftp://tiles.example/{z}/{x}/{y}.png");
	set_bad("map.tile_url", "javascript:alert(1)//{z}{x}{y}");
	set_bad("map.tile_url", "https://t.example/{z}/{x}/{y}.png\" onerror=\"x");
	/* RFC 3986: a URL is ASCII; anything else would not even be JSON (invalid UTF-8) */
	set_bad("map.tile_url", "https://t.example/{z}/{x}/{y}.png\x80");
	set_bad("map.tile_url", "https://t.example/{z}/{x}/{y}/\xe7\x93\xa6.png");
	set_bad("map.tile_url", "https://t.example/{z}/{x}/{y}.png' onerror='x");
	set_bad("map.tile_url", "https://t.example/{z}/{x}/{y}.png`");
	set_bad("map.tile_url", "https://t.example/{z}/{x}/{y}.png\x7f");
	set_bad("map.tile_attribution", "\xe5\x9c\xb0\xe5\x9b"); /* cut UTF-8 */
	set_bad("map.tile_attribution", "<script>alert(1)</script>");
	set_bad("map.tile_attribution", "line\nbreak");
	set_bad("map.max_points", "0");
	set_bad("map.max_points", "1000001");
	set_bad("demo.load", "sometimes");
}

static void test_good_values(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	set_ok(&c, "log.access", "no");
	assert_false(c.access_log);
	set_ok(&c, "log.access", "1");
	assert_true(c.access_log);
	set_ok(&c, "security.cookie_secure", "true");
	assert_true(c.cookie_secure);
	set_ok(&c, "security.cookie_secure", "0");
	assert_false(c.cookie_secure);
	set_ok(&c, "server.max_body_bytes", "1073741824");
	assert_true(c.max_body_bytes == 1073741824LL);
	set_ok(&c, "server.listen", "0.0.0.0");
	assert_string_equal(c.listen, "0.0.0.0");
	set_ok(&c, "server.listen", "::1");
	assert_string_equal(c.listen, "::1");
	set_ok(&c, "server.listen", "2001:db8::8:800:200c:417a");
	assert_string_equal(c.listen, "2001:db8::8:800:200c:417a");
	/* the longest textual IPv6 address (45 bytes) fits */
	set_ok(&c, "server.listen", "0000:0000:0000:0000:0000:ffff:255.255.255.255");
	assert_int_equal(strlen(c.listen), 45);
	set_ok(&c, "database.path", "/var/lib/anjian/安监.db");
	assert_string_equal(c.db_path, "/var/lib/anjian/安监.db");
	set_ok(&c, "server.max_connections", "1");
	assert_int_equal(c.max_connections, 1);
	set_ok(&c, "server.max_connections_per_ip", "0"); /* 0 = no per-address limit */
	assert_int_equal(c.max_connections_per_ip, 0);
	set_ok(&c, "server.max_connections_per_ip", "4");
	assert_int_equal(c.max_connections_per_ip, 4);
	assert_string_equal(c.tile_url, ""); /* no external tiles by default */
	assert_int_equal(c.max_points, 50000);
	assert_false(c.demo_load);
	set_ok(&c, "map.tile_url",
	       "https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec"
	       "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY");
	set_ok(&c, "map.tile_url", "/tiles/{z}/{x}/{y}.png");
	assert_string_equal(c.tile_url, "/tiles/{z}/{x}/{y}.png");
	set_ok(&c, "map.tile_url", "");
	set_ok(&c, "map.tile_attribution", "© 天地图 国家地理信息公共服务平台");
	assert_string_equal(c.tile_attribution, "© 天地图 国家地理信息公共服务平台");
	set_ok(&c, "map.max_points", "1000000");
	assert_int_equal(c.max_points, 1000000);
	set_ok(&c, "demo.load", "true");
	assert_true(c.demo_load);
	for (size_t i = 0; i < 4; i++) {
		static const char *const lv[] = { "error", "warn", "info", "debug" };

		set_ok(&c, "log.level", lv[i]);
		assert_string_equal(c.log_level, lv[i]);
	}
}

static void test_unknown_key_in_flags(void **state)
{
	struct config c;
	struct errmsg why = { 0 };

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "server.prot", "80", &why), ERR_NOT_FOUND);
	assert_non_null(strstr(why.text, "server.prot"));
	assert_int_equal(config_set(&c, "port", "80", &why), ERR_NOT_FOUND);
	assert_int_equal(config_set(&c, "", "80", &why), ERR_NOT_FOUND);
}

static void test_file_unknown_key_or_section(void **state)
{
	struct config c;
	struct errmsg why = { 0 };

	(void)state;
	config_defaults(&c);
	assert_int_equal(load_text(&c, "[server]\nprot = 8081\n", &why), ERR_INVALID);
	assert_non_null(strstr(why.text, "server.prot"));
	memset(&why, 0, sizeof(why));
	assert_int_equal(load_text(&c, "[sever]\nport = 8081\n", &why), ERR_INVALID);
	assert_non_null(strstr(why.text, "sever.port"));
	memset(&why, 0, sizeof(why));
	assert_int_equal(load_text(&c, "port = 8081\n", &why), ERR_INVALID); /* no section */
}

static void test_file_bad_value_names_the_file(void **state)
{
	struct config c;
	struct errmsg why = { 0 };

	(void)state;
	config_defaults(&c);
	assert_int_equal(load_text(&c, "[server]\nport = 70000\n", &why), ERR_INVALID);
	assert_non_null(strstr(why.text, "anjian-test-config-"));
	assert_non_null(strstr(why.text, "70000"));
	memset(&why, 0, sizeof(why));
	assert_int_equal(load_text(&c, "[log]\naccess = sometimes\n", &why), ERR_INVALID);
	memset(&why, 0, sizeof(why));
	assert_int_equal(load_text(&c, "[log]\nlevel = loud\n", &why), ERR_INVALID);
}

static void test_file_syntax_error_names_the_line(void **state)
{
	struct config c;
	struct errmsg why = { 0 };

	(void)state;
	config_defaults(&c);
	assert_int_equal(load_text(&c, "[server]\nport = 8081\nthis line has no equals sign\n",
				   &why),
			 ERR_INVALID);
	assert_non_null(strstr(why.text, ":3:"));
	memset(&why, 0, sizeof(why));
	assert_int_equal(load_text(&c, "[server\nport = 8081\n", &why), ERR_INVALID);
}

static void test_file_empty_is_fine(void **state)
{
	struct config c, before;
	struct errmsg why = { 0 };

	(void)state;
	config_defaults(&c);
	memcpy(&before, &c, sizeof(c));
	assert_int_equal(load_text(&c, "", &why), 0);
	assert_int_equal(load_text(&c, "; only a comment\n# and another\n\n", &why), 0);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_file_unreadable_is_io_error(void **state)
{
	struct config c;
	struct errmsg why = { 0 };

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load_file(&c, "/nonexistent/anjian/anjian.ini", &why), ERR_IO);
	assert_non_null(strstr(why.text, "/nonexistent/anjian/anjian.ini"));
	assert_non_null(strstr(why.text, "No such file"));
	/* a directory opens but cannot be read as a file */
	memset(&why, 0, sizeof(why));
	assert_int_equal(config_load_file(&c, "/", &why), ERR_IO);
	assert_non_null(strstr(why.text, "directory"));
}

/* Issue #2 §3: a misspelt variable in a known section is an error, not silently ignored. */
static void test_env_unknown_name_in_known_section(void **state)
{
	struct config c;
	struct errmsg why = { 0 };
	char *env[] = { "ANJIAN_SERVER_PROT=8081", NULL };
	char *env2[] = { "ANJIAN_SECURITY_LOCKOUT=5", NULL };

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load_env(&c, env, &why), ERR_INVALID);
	assert_non_null(strstr(why.text, "ANJIAN_SERVER_PROT"));
	assert_int_equal(c.port, 8080);
	assert_int_equal(config_load_env(&c, env2, &why), ERR_INVALID);
}

/* ANJIAN_BIN, ANJIAN_CONFIG and variables of other programs are not settings. */
static void test_env_ignores_non_settings(void **state)
{
	struct config c, before;
	struct errmsg why = { 0 };
	char *env[] = {
		"ANJIAN_BIN=/work/main/build/anjian",
		"ANJIAN_CONFIG=/etc/anjian/anjian.ini",
		"ANJIAN_=1",
		"ANJIAN_SERVER_PORT", /* no '=': not a variable */
		"anjian_server_port=1",
		"XANJIAN_SERVER_PORT=1",
		"HOME=/root",
		NULL,
	};

	(void)state;
	config_defaults(&c);
	memcpy(&before, &c, sizeof(c));
	assert_int_equal(config_load_env(&c, env, &why), 0);
	assert_memory_equal(&c, &before, sizeof(c));
	assert_int_equal(config_load_env(&c, NULL, &why), 0);
}

static void test_env_bad_value(void **state)
{
	struct config c;
	struct errmsg why = { 0 };
	char *env[] = { "ANJIAN_SERVER_PORT=70000", NULL };
	char *env2[] = { "ANJIAN_SERVER_THREADS=many", NULL };
	char *env3[] = { "ANJIAN_SECURITY_COOKIE_SECURE=", NULL };

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load_env(&c, env, &why), ERR_INVALID);
	assert_string_equal(why.field, "server.port");
	assert_int_equal(c.port, 8080);
	assert_int_equal(config_load_env(&c, env2, &why), ERR_INVALID);
	assert_int_equal(config_load_env(&c, env3, &why), ERR_INVALID);
}

/* Names with several underscores: only the first separates section from name. */
static void test_env_multi_word_names(void **state)
{
	struct config c;
	struct errmsg why = { 0 };
	char *env[] = {
		"ANJIAN_SECURITY_ARGON2_M_KIB=4096",
		"ANJIAN_SERVER_MAX_BODY_BYTES=2048",
		"ANJIAN_SECURITY_SESSION_IDLE_MIN=10",
		"ANJIAN_DATA_DIR=/usr/share/anjian",
		NULL,
	};

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load_env(&c, env, &why), 0);
	assert_int_equal(c.argon2_m_kib, 4096);
	assert_int_equal(c.max_body_bytes, 2048);
	assert_int_equal(c.session_idle_min, 10);
	assert_string_equal(c.data_dir, "/usr/share/anjian");
}

/*
 * The licence warning bands (docs/enterprise.md: 90/60/30 days by default) must stay
 * ordered, which no single key can check; and "now" can be fixed for tests with
 * ANJIAN_FAKE_NOW_MS (setting fake.now_ms, 0 = the clock).
 */
static void test_licence_bands_and_fake_now(void **state)
{
	struct config c;
	struct errmsg why = { 0 };
	char *env[] = { "ANJIAN_FAKE_NOW_MS=1795968000000", "ANJIAN_LICENCE_EXPIRING_30_DAYS=15",
			NULL };

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.licence_expiring_90_days, 90);
	assert_int_equal(c.licence_expiring_60_days, 60);
	assert_int_equal(c.licence_expiring_30_days, 30);
	assert_int_equal(c.fake_now_ms, 0);
	assert_int_equal(config_check(&c, &why), 0);
	assert_int_equal(config_load_env(&c, env, &why), 0);
	assert_int_equal(c.fake_now_ms, 1795968000000LL);
	assert_int_equal(c.licence_expiring_30_days, 15);
	assert_int_equal(config_check(&c, &why), 0);
	assert_int_equal(config_set(&c, "licence.expiring_30_days", "60", &why), 0);
	assert_int_equal(config_check(&c, &why), ERR_INVALID); /* 30 band not below the 60 */
	assert_string_equal(why.field, "licence.expiring_30_days");
	assert_non_null(strstr(why.text, "licence.expiring_90_days"));
	assert_int_equal(config_set(&c, "licence.expiring_30_days", "0", &why), 0);
	assert_int_equal(config_check(&c, &why), 0);
	assert_int_equal(config_set(&c, "licence.expiring_60_days", "91", &why), 0);
	assert_int_equal(config_check(&c, &why), ERR_INVALID);
	assert_int_equal(config_set(&c, "licence.expiring_90_days", "0", &why), ERR_INVALID);
	assert_int_equal(config_set(&c, "licence.expiring_30_days", "-1", &why), ERR_INVALID);
	assert_int_equal(config_set(&c, "fake.now_ms", "-5", &why), ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_licence_bands_and_fake_now),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_precedence_defaults_file_env_flags),
		cmocka_unit_test(test_port_range),
		cmocka_unit_test(test_threads_zero_means_one_per_cpu),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_unknown_key_in_flags),
		cmocka_unit_test(test_file_unknown_key_or_section),
		cmocka_unit_test(test_file_bad_value_names_the_file),
		cmocka_unit_test(test_file_syntax_error_names_the_line),
		cmocka_unit_test(test_file_empty_is_fine),
		cmocka_unit_test(test_file_unreadable_is_io_error),
		cmocka_unit_test(test_env_unknown_name_in_known_section),
		cmocka_unit_test(test_env_ignores_non_settings),
		cmocka_unit_test(test_env_bad_value),
		cmocka_unit_test(test_env_multi_word_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
