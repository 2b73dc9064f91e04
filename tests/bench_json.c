/* SPDX-License-Identifier: MIT */
/*
 * clockbench's JSON: a real (short) run is written out, parsed by the small
 * strict parser below and checked against the schema: every path present,
 * measured or with a reason.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "run.h"

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	int b;
	double num;
	char *str;
	size_t n;
	struct jv *items;
	char **keys;
};

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *parse(const char *p, struct jv *v);

static const char *parse_str(const char *p, char **out)
{
	size_t cap = 16, n = 0;
	char *s = malloc(cap);

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		char c = *p++;

		if (c == '\0' || (unsigned char)c < 0x20)
			return NULL;
		if (c == '\\') {
			c = *p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned u;

				if (sscanf(p, "%4x", &u) != 1 || u > 0x7f)
					return NULL;
				p += 4;
				c = (char)u;
				break;
			}
			default:
				return NULL;
			}
		}
		if (n + 2 > cap)
			s = realloc(s, cap *= 2);
		s[n++] = c;
	}
	s[n] = '\0';
	*out = s;
	return p + 1;
}

static const char *parse_items(const char *p, struct jv *v, int object)
{
	char close = object ? '}' : ']';

	p = ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		v->items = realloc(v->items, (v->n + 1) * sizeof(*v->items));
		v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
		v->keys[v->n] = NULL;
		if (object) {
			p = parse_str(ws(p), &v->keys[v->n]);
			if (!p || *(p = ws(p)) != ':')
				return NULL;
			p++;
		}
		p = parse(p, &v->items[v->n++]);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *parse(const char *p, struct jv *v)
{
	memset(v, 0, sizeof(*v));
	p = ws(p);
	if (*p == '{') {
		v->t = J_OBJ;
		return parse_items(p, v, 1);
	}
	if (*p == '[') {
		v->t = J_ARR;
		return parse_items(p, v, 0);
	}
	if (*p == '"') {
		v->t = J_STR;
		return parse_str(p, &v->str);
	}
	if (!strncmp(p, "null", 4))
		return v->t = J_NULL, p + 4;
	if (!strncmp(p, "true", 4))
		return v->t = J_BOOL, v->b = 1, p + 4;
	if (!strncmp(p, "false", 5))
		return v->t = J_BOOL, v->b = 0, p + 5;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		char *end;

		v->t = J_NUM;
		v->num = strtod(p, &end);
		return end == p || !isfinite(v->num) ? NULL : end;
	}
	return NULL;
}

static const struct jv *get(const struct jv *o, const char *key)
{
	if (!o || o->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return &o->items[i];
	return NULL;
}

static const struct jv *need(const struct jv *o, const char *key, enum jtype t)
{
	const struct jv *v = get(o, key);

	cr_assert_not_null(v, "missing key \"%s\"", key);
	cr_assert_eq(v->t, t, "key \"%s\" has type %d, want %d", key, v->t, t);
	return v;
}

static void jv_free(struct jv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		if (v->items)
			jv_free(&v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->str);
}

static void parse_doc(const char *text, struct jv *doc)
{
	const char *end = parse(text, doc);

	cr_assert_not_null(end, "clockbench wrote invalid JSON");
	cr_assert_eq(*ws(end), '\0', "trailing text after the JSON document");
}

static char *run_json(struct cb_report *r)
{
	struct cb_options o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(&o, 0, sizeof(o));
	cr_assert_eq(cb_options_preset(&o, "smoke"), 0);
	o.max_threads = 2;
	o.targets = 1;
	cr_assert_eq(cb_run(&o, r), 0);
	f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	cb_write_json(f, r);
	fclose(f);
	return buf;
}

Test(json, schema_and_every_path, .timeout = 60)
{
	struct cb_report r;
	struct jv doc;
	const struct jv *env, *paths, *cfg, *storm, *targets;
	char *text = run_json(&r);

	parse_doc(text, &doc);
	cr_assert_eq(doc.t, J_OBJ);
	cr_assert_str_eq(need(&doc, "schema", J_STR)->str, "clockbench/1");
	cr_assert_str_eq(need(&doc, "version", J_STR)->str, PVCLOCK_VERSION_STRING);
	cr_assert_eq(strlen(need(&doc, "timestamp", J_STR)->str), 20, "not an ISO 8601 UTC time");
	need(&doc, "command_line", J_ARR);
	/* Counts are integers, never 2.93658e+06. */
	cr_assert_null(strstr(text, "e+"), "a number in exponent form: %.60s", strstr(text, "e+") - 30);

	env = need(&doc, "environment", J_OBJ);
	need(env, "cpu_vendor", J_STR);
	need(env, "cpu_model", J_STR);
	cr_assert_geq(need(env, "vcpus", J_NUM)->num, 1);
	need(env, "kernel", J_STR);
	need(env, "clocksource", J_STR);
	need(env, "page", J_STR);
	need(env, "tsc_stable", J_BOOL);
	cr_assert_gt(need(env, "tsc_khz", J_NUM)->num, 0);
	need(env, "tsc_khz_source", J_STR);
	need(env, "rseq", J_STR);
	for (int m = PVCLOCK_GETCPU_RDPID; m < PVCLOCK_GETCPU_NR_METHODS; m++) {
		const struct jv *g = need(need(env, "getcpu", J_OBJ),
					  pvclock_getcpu_name((enum pvclock_getcpu_method)m), J_OBJ);

		if (!need(g, "works", J_BOOL)->b)
			cr_assert_gt(strlen(need(g, "reason", J_STR)->str), 0);
	}

	cfg = need(&doc, "config", J_OBJ);
	cr_assert_str_eq(need(cfg, "mode", J_STR)->str, "smoke");
	cr_assert_geq(need(cfg, "timer_ns", J_NUM)->num, 0);

	paths = need(&doc, "paths", J_ARR);
	cr_assert_eq(paths->n, cb_nr_paths);
	for (size_t i = 0; i < cb_nr_paths; i++) {
		const struct jv *p = NULL, *ns, *lat;
		int found = 0;

		for (size_t k = 0; k < paths->n; k++)
			if (!strcmp(need(&paths->items[k], "id", J_STR)->str, cb_paths[i].id)) {
				p = &paths->items[k];
				found++;
			}
		cr_assert_eq(found, 1, "path %s appears %d times", cb_paths[i].id, found);
		cr_assert_gt(strlen(need(p, "sequence", J_STR)->str), 0);
		need(p, "group", J_STR);
		if (!need(p, "available", J_BOOL)->b) {
			cr_assert_gt(strlen(need(p, "reason", J_STR)->str), 0,
				     "%s is unavailable without a reason", cb_paths[i].id);
			continue;
		}
		ns = need(p, "ns_per_call", J_OBJ);
		cr_assert_gt(need(ns, "min", J_NUM)->num, 0, "%s", cb_paths[i].id);
		cr_assert_leq(need(ns, "min", J_NUM)->num, need(ns, "median", J_NUM)->num);
		cr_assert_leq(need(ns, "median", J_NUM)->num, need(ns, "max", J_NUM)->num);
		cr_assert_gt(need(p, "ticks_per_call", J_NUM)->num, 0);
		need(p, "chain_ns_per_call", J_OBJ);
		lat = need(p, "latency_ns", J_OBJ);
		cr_assert_leq(need(lat, "p50", J_NUM)->num, need(lat, "p90", J_NUM)->num);
		cr_assert_leq(need(lat, "p90", J_NUM)->num, need(lat, "p99", J_NUM)->num);
		cr_assert_leq(need(lat, "p99", J_NUM)->num, need(lat, "p99.9", J_NUM)->num);
		cr_assert_leq(need(lat, "p99.9", J_NUM)->num, need(lat, "max", J_NUM)->num);
		need(p, "vs_lfence_rdtsc", J_NUM);
		need(p, "vs_kernel_vdso", J_NUM);
		need(p, "errors", J_NUM);
		cr_assert_not_null(get(p, "threads"));
		cr_assert_not_null(get(p, "drift"));
		if (cb_paths[i].unit == CB_UNIT_TICKS || cb_paths[i].unit == CB_UNIT_NS) {
			const struct jv *w = need(p, "warp", J_OBJ);

			cr_assert_gt(need(w, "reads", J_NUM)->num, 0);
			need(w, "warps", J_NUM);
			need(w, "worst_ns", J_NUM);
			need(w, "stalls", J_NUM);
		}
		if (cb_paths[i].flags & CB_KERNEL_CLOCK) {
			const struct jv *b = need(p, "bracket", J_OBJ);

			cr_assert_gt(need(b, "reads", J_NUM)->num, 0, "%s", cb_paths[i].id);
			cr_assert_leq(need(b, "outside", J_NUM)->num, need(b, "reads", J_NUM)->num);
			cr_assert_leq(need(b, "p99_ns", J_NUM)->num, need(b, "max_ns", J_NUM)->num);
		} else {
			cr_assert_not_null(get(p, "bracket"));
		}
	}

	storm = need(&doc, "storm", J_OBJ);
	if (!need(storm, "ran", J_BOOL)->b)
		cr_assert_gt(strlen(need(storm, "reason", J_STR)->str), 0);
	need(storm, "paths", J_ARR);
	cr_assert_not_null(get(&doc, "rate"));
	/* Asked for: every goal that applies to this clocksource, judged. */
	targets = need(&doc, "targets", J_ARR);
	cr_assert_gt(targets->n, 0, "no goal applied to this run");
	for (size_t k = 0; k < targets->n; k++) {
		const struct jv *g = &targets->items[k];

		need(g, "path", J_STR);
		need(g, "kind", J_STR);
		need(g, "base", J_STR);
		need(g, "value", J_NUM);
		cr_assert_gt(need(g, "limit", J_NUM)->num, 0);
		need(g, "met", J_BOOL);
	}
	jv_free(&doc);
	free(text);
	cb_report_free(&r);
}

Test(json, reasons_are_escaped)
{
	struct cb_row row = {
		.id = "weird", .sequence = "a \"quoted\"\tsequence", .group = "floor",
		.available = 0, .why = "line one\nline \\two\\ \x01",
	};
	struct cb_report r = { .mode = "quick", .rows = &row, .nrows = 1 };
	struct jv doc;
	const struct jv *p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	r.env.page_origin = "none";
	r.env.tsc_khz_source = "test";
	r.env.rseq = "unavailable";
	cb_write_json(f, &r);
	fclose(f);
	parse_doc(buf, &doc);
	p = &need(&doc, "paths", J_ARR)->items[0];
	cr_assert_str_eq(need(p, "sequence", J_STR)->str, row.sequence);
	cr_assert_str_eq(need(p, "reason", J_STR)->str, row.why);
	cr_assert_eq(need(p, "available", J_BOOL)->b, 0);
	jv_free(&doc);
	free(buf);
}

Test(json, csv_has_one_line_per_path_and_fixed_columns, .timeout = 60)
{
	struct cb_options o;
	struct cb_report r;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, lines = 0;
	FILE *f;

	memset(&o, 0, sizeof(o));
	cb_options_preset(&o, "smoke");
	o.storm = 0;
	cr_assert_eq(cb_run(&o, &r), 0);
	f = open_memstream(&buf, &len);
	cb_write_csv(f, &r);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int fields = 1, quoted = 0;

		for (char *c = line; *c; c++) {
			if (*c == '"')
				quoted = !quoted;
			else if (*c == ',' && !quoted)
				fields++;
		}
		cr_assert_eq(fields, 29, "line %zu has %d fields: %s", lines, fields, line);
		lines++;
	}
	cr_assert_eq(lines, cb_nr_paths + 1);
	free(buf);
	cb_report_free(&r);
}

Test(table, ends_with_a_summary_in_words, .timeout = 60)
{
	struct cb_report r;
	char *text = NULL, *sum;
	size_t len = 0;
	FILE *f;

	free(run_json(&r));
	f = open_memstream(&text, &len);
	cb_write_table(f, &r);
	fclose(f);
	sum = strstr(text, "\nsummary\n");
	cr_assert_not_null(sum, "no summary section");
	cr_expect(strstr(sum, "  fast:") || strstr(sum, "  SLOW:"), "no verdict on speed");
	cr_expect(strstr(sum, "  good:") || strstr(sum, "  CHECK:"), "no verdict on quality");
	cr_expect_not_null(strstr(sum, "  drop-in:"), "nothing on the drop-in");
	cr_expect_not_null(strstr(sum, "  trust:"), "nothing on how far to trust the run");
	/* The project's goals stay out unless asked for; run_json asked. */
	cr_expect_not_null(strstr(text, "\ntargets ("));
	free(text);
	cb_report_free(&r);
}
