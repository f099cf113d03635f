/* SPDX-License-Identifier: MIT */
/*
 * The demo's generators: pure and deterministic given the seed, so that every
 * `anjian serve --demo` builds the same city (and its tests can count on it).
 * Passwords are not made here: they come from the secure generator of org.
 */
#include "demo/demo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/geo.h"
#include "core/mem.h"
#include "core/scope.h"
#include "core/clock.h"
#include "enterprise/enterprise.h"
#include "core/banned.h"

#define KM_PER_DEG_LAT 111.195 /* on the 6371.0088 km mean sphere */

/* ------------------------------------------------------------ random sequence */

void demo_rng_seed(struct demo_rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t demo_rng_next(struct demo_rng *r)
{
	uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

double demo_rng_unit(struct demo_rng *r)
{
	return (double)(demo_rng_next(r) >> 11) * 0x1.0p-53;
}

uint32_t demo_rng_below(struct demo_rng *r, uint32_t n)
{
	/* The bias of a 64-bit modulo below 2^32 is below 2^-32: irrelevant for a demo. */
	return (uint32_t)(demo_rng_next(r) % n);
}

/* ------------------------------------------------------------ lattice */

/* The cells of one lattice with the given side; *n cells kept. Returns: owned. */
static struct demo_cell *lay(const json_t *county, const struct geo_bbox *b, double side_km,
			     size_t *n)
{
	double lat0 = (b->min_lat + b->max_lat) / 2.0;
	double dlat = side_km / KM_PER_DEG_LAT, dlon = dlat / cos(lat0 * M_PI / 180.0);
	size_t rows = (size_t)ceil((b->max_lat - b->min_lat) / dlat);
	size_t cols = (size_t)ceil((b->max_lon - b->min_lon) / dlon);
	struct demo_cell *cells = xcalloc(rows * cols + 1, sizeof(*cells));

	*n = 0;
	for (size_t r = 0; r < rows; r++) {
		for (size_t k = 0; k < cols; k++) {
			size_t c = r % 2 == 0 ? k : cols - 1 - k; /* serpentine */
			struct demo_cell cell = {
				.lat = b->max_lat - (r + 0.5) * dlat,
				.lon = b->min_lon + (c + 0.5) * dlon,
				.half_lat = dlat / 2.0,
				.half_lon = dlon / 2.0,
			};

			if (geo_json_contains(county, cell.lat, cell.lon))
				cells[(*n)++] = cell;
		}
	}
	return cells;
}

int demo_lattice(const json_t *county, size_t target, size_t at_least, struct demo_cell **cells,
		 size_t *n)
{
	double area = geo_json_area_km2(county), side;
	struct geo_bbox b;

	*cells = NULL;
	*n = 0;
	if (area <= 0 || target == 0 || !geo_json_bbox(county, &b))
		return ERR_INVALID;
	side = sqrt(area / (double)target);
	for (int tries = 0; tries < 30; tries++, side *= 0.8) {
		free(*cells);
		*cells = lay(county, &b, side, n);
		if (*n >= at_least)
			return 0;
	}
	free(*cells);
	*cells = NULL;
	*n = 0;
	return ERR_INVALID;
}

static double round6(double v)
{
	return round(v * 1e6) / 1e6;
}

json_t *demo_cell_geometry(const struct demo_cell *c)
{
	double w = round6(c->lon - c->half_lon), e = round6(c->lon + c->half_lon);
	double s = round6(c->lat - c->half_lat), n = round6(c->lat + c->half_lat);

	return json_pack("{s:s, s:[[[f,f],[f,f],[f,f],[f,f],[f,f]]], s:s}", "type", "Polygon",
			 "coordinates", w, s, e, s, e, n, w, n, w, s, "generated",
			 "demo lattice cell, not a surveyed boundary");
}

void demo_share(size_t n, size_t parts, size_t k, size_t *first, size_t *count)
{
	size_t base = n / parts, extra = n % parts;

	*first = k * base + (k < extra ? k : extra);
	*count = base + (k < extra ? 1 : 0);
}

void demo_point(struct demo_rng *r, const struct demo_cell *c, const json_t *county, double *lat,
		double *lon)
{
	for (int i = 0; i < 100; i++) {
		double y = round6(c->lat + (2.0 * demo_rng_unit(r) - 1.0) * c->half_lat);
		double x = round6(c->lon + (2.0 * demo_rng_unit(r) - 1.0) * c->half_lon);

		if (geo_json_contains(county, y, x)) {
			*lat = y;
			*lon = x;
			return;
		}
	}
	*lat = c->lat;
	*lon = c->lon;
}

/* ------------------------------------------------------------ codes */

int demo_uscc(struct demo_rng *r, const char *region6, char out[19])
{
	/* GB 32100's symbol set; the organization code body uses it too (no I, O, S, V, Z). */
	static const char set[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	char start[17];

	snprintf(start, sizeof(start), "91%.6s", region6);
	for (int i = 8; i < 16; i++)
		start[i] = set[demo_rng_below(r, sizeof(set) - 1)];
	start[16] = '\0';
	return uscc_complete(start, out);
}

/* ------------------------------------------------------------ industries */

/*
 * The demo's mix of GB/T 4754-2017 classes: what a coastal prefecture of 江苏 holds —
 * chemicals (the 响水 and 滨海 parks), textiles, machinery, cars, wind and solar
 * equipment, food, building materials, storage and transport — with the high-risk
 * divisions of docs/enterprise.md (06-12, 25-26, 2672, 31-32) at about a fifth.
 */
static const struct demo_industry industries[] = {
	{ "2614", "化工", 40 },	      /* 有机化学原料制造 (hazchem) */
	{ "2619", "化工", 20 },	      /* 其他基础化学原料制造 (hazchem) */
	{ "2631", "农药", 20 },	      /* 化学农药制造 (hazchem) */
	{ "2641", "涂料", 15 },	      /* 涂料制造 (hazchem) */
	{ "2661", "化学试剂", 15 },   /* 化学试剂和助剂制造 (hazchem) */
	{ "2652", "橡胶", 8 },	      /* 合成橡胶制造 (hazchem) */
	{ "2511", "石化", 6 },	      /* 原油加工及石油制品制造 (hazchem) */
	{ "2672", "烟花爆竹", 6 },    /* 焰火、鞭炮产品制造 (fireworks) */
	{ "1019", "砂石", 6 },	      /* 粘土及其他土砂石开采 (mining) */
	{ "3130", "钢材", 12 },	      /* 钢压延加工 (metallurgy) */
	{ "3216", "铝业", 6 },	      /* 铝冶炼 (metallurgy) */
	{ "2710", "制药", 15 },	      /* 化学药品原料药制造 */
	{ "1711", "纺织", 60 },	      /* 棉纺纱加工 */
	{ "1713", "印染", 25 },	      /* 棉印染精加工 */
	{ "1951", "鞋业", 20 },	      /* 纺织面料鞋制造 */
	{ "1311", "米业", 40 },	      /* 稻谷加工 */
	{ "1329", "饲料", 20 },	      /* 其他饲料加工 */
	{ "1495", "食品添加剂", 10 }, /* 食品及饲料添加剂制造 */
	{ "1523", "饮料", 10 },	      /* 果菜汁及果菜汁饮料制造 */
	{ "2021", "木业", 25 },	      /* 胶合板制造 */
	{ "2221", "纸业", 10 },	      /* 机制纸及纸板制造 */
	{ "2927", "塑料制品", 30 },   /* 日用塑料制品制造 */
	{ "3011", "水泥", 8 },	      /* 水泥制造 */
	{ "3021", "建材", 20 },	      /* 水泥制品制造 */
	{ "3311", "钢结构", 35 },     /* 金属结构制造 */
	{ "3360", "表面处理", 20 },   /* 金属表面处理及热处理加工 */
	{ "3421", "机床", 20 },	      /* 金属切削机床制造 */
	{ "3484", "机械", 60 },	      /* 机械零部件加工 */
	{ "3415", "风电设备", 15 },   /* 风能原动设备制造 */
	{ "3670", "汽车零部件", 50 }, /* 汽车零部件及配件制造 */
	{ "3825", "光伏", 25 },	      /* 光伏设备及元器件制造 */
	{ "3831", "电缆", 15 },	      /* 电线、电缆制造 */
	{ "4411", "热电", 4 },	      /* 火力发电 */
	{ "4513", "燃气", 4 },	      /* 煤气生产和供应业 */
	{ "4790", "建筑", 40 },	      /* 其他房屋建筑业 */
	{ "5265", "加油站", 30 },     /* 机动车燃油零售 */
	{ "5431", "物流", 40 },	      /* 普通货物道路运输 */
	{ "5942", "危化品仓储", 10 }, /* 危险化学品仓储 */
	{ NULL, NULL, 0 },
};

const struct demo_industry *demo_industries(void)
{
	return industries;
}

const struct demo_industry *demo_industry_pick(struct demo_rng *r)
{
	unsigned total = 0, pick;

	for (const struct demo_industry *i = industries; i->code; i++)
		total += i->weight;
	pick = demo_rng_below(r, total);
	for (const struct demo_industry *i = industries; i->code; i++) {
		if (pick < i->weight)
			return i;
		pick -= i->weight;
	}
	return &industries[0];
}

/* ------------------------------------------------------------ people and names */

static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
	"郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
};
static const char *const given[] = {
	"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
	"超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "文", "斌", "鹏", "辉", "玲",
	"海", "波", "宁", "红", "梅", "林", "峰", "飞", "亮", "琳", "晨", "欣", "怡", "浩", "宇",
};
/* Trade names (字号): common words, not taken from any particular company. */
static const char *const trade[] = {
	"恒信", "华泰", "新宇", "金盛", "宏达", "永兴", "瑞丰", "天成", "东方", "海联",
	"正和", "鑫源", "润泽", "嘉禾", "盛达", "远航", "中博", "汇通", "联创", "明辉",
	"长青", "德信", "广源", "丰华", "佳美", "安达", "立信", "百川", "宝隆", "铭泰",
	"振华", "兴旺", "同创", "新阳", "鼎盛", "和顺", "万通", "恒丰", "金海", "富源",
	"康达", "亚太", "星辰", "信达", "华盛", "通达", "宏图", "利民", "海川", "金鹰",
	"腾飞", "祥和", "新源", "隆兴", "卓越", "恒达", "泰和", "永安", "银河", "华美",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void demo_person(struct demo_rng *r, char *out, size_t n)
{
	const char *s = surnames[demo_rng_below(r, NELEM(surnames))];
	const char *g1 = given[demo_rng_below(r, NELEM(given))];

	if (demo_rng_below(r, 3) == 0)
		snprintf(out, n, "%s%s", s, g1);
	else
		snprintf(out, n, "%s%s%s", s, g1, given[demo_rng_below(r, NELEM(given))]);
}

void demo_phone(struct demo_rng *r, char *out, size_t n)
{
	snprintf(out, n, "0515-0%07u", (unsigned)demo_rng_below(r, 10000000));
}

void demo_enterprise_name(struct demo_rng *r, const char *county, const char *word, char *out,
			  size_t n)
{
	snprintf(out, n, "盐城市%s%s%s有限公司（演示数据）", county,
		 trade[demo_rng_below(r, NELEM(trade))], word);
}

void demo_profile(struct demo_rng *r, struct demo_profile *p)
{
	uint32_t k = demo_rng_below(r, 100);

	/* 工信部联企业〔2011〕300号, industry: micro < 20, small < 300, medium < 1000 people. */
	if (k < 35) {
		p->employees = 3 + demo_rng_below(r, 17);
		p->scale = "micro";
	} else if (k < 80) {
		p->employees = 20 + demo_rng_below(r, 280);
		p->scale = "small";
	} else if (k < 95) {
		p->employees = 300 + demo_rng_below(r, 700);
		p->scale = "medium";
	} else {
		p->employees = 1000 + demo_rng_below(r, 4000);
		p->scale = "large";
	}
	k = demo_rng_below(r, 100);
	p->std_grade = k < 70 ? "none" : k < 90 ? "3" : k < 98 ? "2" : "1";
	k = demo_rng_below(r, 100);
	p->status = k < 90 ? "operating" : k < 97 ? "suspended" : "closed";
}

/* ------------------------------------------------------------ supervision and licences */

enum demo_supervision demo_supervision_pick(struct demo_rng *r)
{
	uint32_t k = demo_rng_below(r, 100);

	return k < 70	? DEMO_SUPERVISION_FULL
	       : k < 80 ? DEMO_SUPERVISION_DEPT_ONLY
			: DEMO_SUPERVISION_NONE;
}

static const struct demo_licence_kind kind_hazchem = { "safety_production", "（苏）WH安许证字",
						       "江苏省应急管理厅" };
static const struct demo_licence_kind kind_fireworks = { "safety_production", "（苏）YH安许证字",
							 "江苏省应急管理厅" };
static const struct demo_licence_kind kind_mining = { "mining", "（苏）FM安许证字",
						      "江苏省应急管理厅" };
static const struct demo_licence_kind kind_business = { "hazchem_business", "苏盐危化经字",
							"盐城市应急管理局" };

const struct demo_licence_kind *demo_licence_kind(const char *class_code)
{
	const char *category = enterprise_high_risk(class_code);

	if (category == NULL)
		return strcmp(class_code, "5942") == 0 || strcmp(class_code, "5265") == 0
			       ? &kind_business
			       : NULL;
	if (strcmp(category, "hazchem") == 0)
		return &kind_hazchem;
	if (strcmp(category, "fireworks") == 0)
		return &kind_fireworks;
	if (strcmp(category, "mining") == 0)
		return &kind_mining;
	return NULL; /* metallurgy */
}

enum licence_state demo_licence_state_pick(struct demo_rng *r)
{
	uint32_t k = demo_rng_below(r, 100);

	return k < 5	? LICENCE_STATE_EXPIRED
	       : k < 10 ? LICENCE_STATE_EXPIRING_30
	       : k < 15 ? LICENCE_STATE_EXPIRING_60
	       : k < 20 ? LICENCE_STATE_EXPIRING_90
			: LICENCE_STATE_VALID;
}

/* Uniform in lo..hi (lo <= hi). */
static int64_t between(struct demo_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)demo_rng_below(r, (uint32_t)(hi - lo + 1));
}

int64_t demo_licence_days_left(struct demo_rng *r, enum licence_state s,
			       const struct licence_bands *b)
{
	int64_t top = 3 * 365;

	switch (s) {
	case LICENCE_STATE_EXPIRED:
		return -between(r, 1, 180);
	case LICENCE_STATE_EXPIRING_30:
		return between(r, 0, b->days_30);
	case LICENCE_STATE_EXPIRING_60:
		return between(r, b->days_30 + 1, b->days_60);
	case LICENCE_STATE_EXPIRING_90:
		return between(r, b->days_60 + 1, b->days_90);
	case LICENCE_STATE_VALID:
		break;
	}
	if (top <= b->days_90)
		top = b->days_90 + 365;
	return between(r, b->days_90 + 1, top);
}

void demo_licence_term(int64_t until, char from[11], char to[11])
{
	int y = 0, m = 0, d = 0;
	char earlier[48];
	int64_t day;

	date_format(until, to, 11);
	if (sscanf(to, "%d-%d-%d", &y, &m, &d) != 3 || y < 1903) {
		date_format(until - 3 * 365, from, 11); /* outside date_parse()'s years */
		return;
	}
	snprintf(earlier, sizeof(earlier), "%04d-%02d-%02d", y - 3, m, m == 2 && d == 29 ? 28 : d);
	if (date_parse(earlier, &day) < 0)
		day = until - 3 * 365;
	date_format(day + 1, from, 11);
}

void demo_licence_number(const struct demo_licence_kind *k, int year, unsigned seq, char *out,
			 size_t n)
{
	snprintf(out, n, "%s〔%d〕%04u（演示）", k->prefix, year, seq);
}

/* ------------------------------------------------------------ photos */

/* CRC-32 (ISO 3309, as PNG uses it: reflected 0xEDB88320, initial and final ~0). */
static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (UINT32_C(0xEDB88320) & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Appends a chunk (length, type, data, CRC over type and data) at *at; returns its size. */
static size_t chunk(unsigned char *at, const char type[4], const unsigned char *data, size_t n)
{
	put32(at, (uint32_t)n);
	memcpy(at + 4, type, 4);
	if (n)
		memcpy(at + 8, data, n);
	put32(at + 8 + n, crc32_update(0, at + 4, n + 4));
	return n + 12;
}

size_t demo_png(uint64_t seed, bool after, int w, int h, unsigned char **out)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
	size_t row = 1 + 3 * (size_t)w, raw_n = row * (size_t)h, blocks, z_n, total;
	unsigned char *raw, *z, *png, ihdr[13], *q;
	uint32_t a = 1, b = 0;
	struct demo_rng r;

	*out = NULL;
	if (w < 1 || w > 256 || h < 1 || h > 256)
		return 0;
	demo_rng_seed(&r, seed);
	raw = xcalloc(raw_n, 1);
	/* A wall: grey with a slight vertical shade. */
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			unsigned char g = (unsigned char)(150 + 40 * y / h);
			unsigned char *px = raw + (size_t)y * row + 1 + 3 * (size_t)x;

			px[0] = px[1] = px[2] = g;
		}
	/* Boxes and pipes on it. */
	for (int k = 0; k < 6; k++) {
		int x0 = (int)demo_rng_below(&r, (uint32_t)w),
		    y0 = (int)demo_rng_below(&r, (uint32_t)h);
		int bw = 4 + (int)demo_rng_below(&r, (uint32_t)(w / 3 + 1));
		int bh = 4 + (int)demo_rng_below(&r, (uint32_t)(h / 3 + 1));
		unsigned char c[3] = { (unsigned char)demo_rng_below(&r, 120),
				       (unsigned char)(60 + demo_rng_below(&r, 120)),
				       (unsigned char)(60 + demo_rng_below(&r, 160)) };

		for (int y = y0; y < y0 + bh && y < h; y++)
			for (int x = x0; x < x0 + bw && x < w; x++)
				memcpy(raw + (size_t)y * row + 1 + 3 * (size_t)x, c, 3);
	}
	/* The band: red before, green after. */
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int d = x * h / w - y;
			unsigned char *px = raw + (size_t)y * row + 1 + 3 * (size_t)x;

			if (d > -4 && d < 4) {
				px[0] = after ? 40 : 220;
				px[1] = after ? 180 : 40;
				px[2] = 40;
			}
		}
	/* zlib (RFC 1950): header, stored blocks of at most 65535 bytes (RFC 1951 §3.2.4), Adler-32. */
	blocks = (raw_n + 65534) / 65535;
	z_n = 2 + raw_n + 5 * blocks + 4;
	z = xmalloc(z_n);
	q = z;
	*q++ = 0x78;
	*q++ = 0x01;
	for (size_t off = 0; off < raw_n; off += 65535) {
		size_t n = raw_n - off < 65535 ? raw_n - off : 65535;

		*q++ = off + n == raw_n ? 1 : 0;
		*q++ = (unsigned char)(n & 0xFF);
		*q++ = (unsigned char)(n >> 8);
		*q++ = (unsigned char)(~n & 0xFF);
		*q++ = (unsigned char)((~n >> 8) & 0xFF);
		memcpy(q, raw + off, n);
		q += n;
	}
	for (size_t i = 0; i < raw_n; i++) {
		a = (a + raw[i]) % 65521;
		b = (b + a) % 65521;
	}
	put32(q, (b << 16) | a);
	put32(ihdr, (uint32_t)w);
	put32(ihdr + 4, (uint32_t)h);
	ihdr[8] = 8;  /* bit depth */
	ihdr[9] = 2;  /* colour type: RGB */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filtering (every row: filter 0) */
	ihdr[12] = 0; /* no interlace */
	total = sizeof(sig) + (12 + sizeof(ihdr)) + (12 + z_n) + 12;
	png = xmalloc(total);
	memcpy(png, sig, sizeof(sig));
	q = png + sizeof(sig);
	q += chunk(q, "IHDR", ihdr, sizeof(ihdr));
	q += chunk(q, "IDAT", z, z_n);
	q += chunk(q, "IEND", NULL, 0);
	free(raw);
	free(z);
	*out = png;
	return (size_t)(q - png);
}
