/* SPDX-License-Identifier: MIT */
/* JSON output; the schema is "clockbench/1", documented in bench/README.md. */
#include <math.h>

#include "goals.h"
#include "report.h"

static void str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Whole numbers as integers; others with every digit a double holds. */
static void num(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 1e21)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.17g", v);
}

static void key(FILE *f, const char *k)
{
	str(f, k);
	fputc(':', f);
}

static void kstr(FILE *f, const char *k, const char *v)
{
	key(f, k);
	str(f, v);
	fputc(',', f);
}

static void knum(FILE *f, const char *k, double v)
{
	key(f, k);
	num(f, v);
	fputc(',', f);
}

static void kbool(FILE *f, const char *k, int v)
{
	key(f, k);
	fputs(v ? "true," : "false,", f);
}

static void summary(FILE *f, const char *k, const struct cb_summary *s)
{
	key(f, k);
	fputs("{", f);
	knum(f, "min", s->min);
	knum(f, "median", s->median);
	key(f, "max");
	num(f, s->max);
	fputs("},", f);
}

static void environment(FILE *f, const struct cb_env *e)
{
	key(f, "environment");
	fputc('{', f);
	kstr(f, "cpu_vendor", e->vendor);
	kstr(f, "cpu_model", e->model);
	kstr(f, "hypervisor", e->hypervisor);
	knum(f, "vcpus", e->vcpus);
	kstr(f, "kernel", e->kernel);
	kstr(f, "clocksource", e->clocksource);
	kstr(f, "libc", e->libc);
	kstr(f, "page", e->page_origin);
	kstr(f, "page_status", pvclock_strerror(e->page_rc));
	knum(f, "valid_slots", e->valid_slots);
	kbool(f, "tsc_stable", e->stable);
	knum(f, "tsc_khz", e->tsc_khz);
	kstr(f, "tsc_khz_source", e->tsc_khz_source);
	knum(f, "hypervisor_tsc_khz", e->hv_tsc_khz > 0 ? e->hv_tsc_khz : NAN);
	kstr(f, "rseq", e->rseq);
	kstr(f, "dropin_library", e->dropin);
	kbool(f, "rdtscp", e->rdtscp);
	kbool(f, "rdpid", e->rdpid);
	kbool(f, "invariant_tsc", e->invariant_tsc);
	key(f, "getcpu");
	fputc('{', f);
	for (int m = PVCLOCK_GETCPU_RDPID; m < PVCLOCK_GETCPU_NR_METHODS; m++) {
		key(f, pvclock_getcpu_name((enum pvclock_getcpu_method)m));
		fputc('{', f);
		kbool(f, "works", e->getcpu_ok[m]);
		key(f, "reason");
		str(f, e->getcpu_why[m]);
		fputs(m + 1 < PVCLOCK_GETCPU_NR_METHODS ? "}," : "}", f);
	}
	fputs("}},", f);
}

static void row(FILE *f, const struct cb_row *w)
{
	static const char *const pct[CB_NR_PCT] = { "p50", "p90", "p99", "p99.9", "max" };

	fputc('{', f);
	kstr(f, "id", w->id);
	kstr(f, "group", w->group);
	kstr(f, "sequence", w->sequence);
	kbool(f, "simulated", !!(w->flags & CB_SIMULATED));
	kbool(f, "getcpu_free", !!(w->flags & CB_GETCPU_FREE));
	kbool(f, "shared_write", !!(w->flags & CB_SHARED_WRITE));
	if (!w->available) {
		kbool(f, "available", 0);
		key(f, "reason");
		str(f, w->why);
		fputc('}', f);
		return;
	}
	kbool(f, "available", 1);
	knum(f, "errors", (double)w->errors);
	kstr(f, "error_status", w->errors ? pvclock_strerror(w->status) : NULL);
	summary(f, "ns_per_call", &w->ns);
	knum(f, "ticks_per_call", w->ticks);
	summary(f, "chain_ns_per_call", &w->chain_ns);
	kbool(f, "chain_bound", !!(w->flags & CB_CHAIN_BOUND));
	key(f, "latency_ns");
	fputc('{', f);
	for (int k = 0; k < CB_NR_PCT; k++) {
		key(f, pct[k]);
		num(f, w->lat_ns[k]);
		fputc(k + 1 < CB_NR_PCT ? ',' : '}', f);
	}
	fputc(',', f);
	knum(f, "vs_lfence_rdtsc", w->vs_lfence);
	knum(f, "vs_kernel_vdso", w->vs_vdso);
	key(f, "threads");
	if (w->nthreads > 1) {
		fputc('{', f);
		knum(f, "n", w->nthreads);
		knum(f, "scaling", w->scaling);
		key(f, "per_thread_ns");
		fputc('[', f);
		for (unsigned k = 0; k < w->nthreads; k++) {
			num(f, w->thread_ns[k]);
			if (k + 1 < w->nthreads)
				fputc(',', f);
		}
		fputs("]},", f);
	} else {
		fputs("null,", f);
	}
	key(f, "warp");
	if (w->have_warp) {
		fputc('{', f);
		knum(f, "reads", (double)w->warp.reads);
		knum(f, "warps", (double)w->warp.warps);
		knum(f, "worst_ns", w->warp_worst_ns);
		key(f, "stalls");
		num(f, (double)w->warp.stalls);
		fputs("},", f);
	} else {
		fputs("null,", f);
	}
	key(f, "drift");
	if (w->have_drift) {
		fputc('{', f);
		knum(f, "offset_raw_ns", w->raw_offset_ns);
		knum(f, "raw_ns", w->raw_drift_ns);
		knum(f, "raw_ppm", w->raw_drift_ppm);
		knum(f, "monotonic_ns", w->mono_drift_ns);
		knum(f, "monotonic_ppm", w->mono_drift_ppm);
		key(f, "uncertainty_ns");
		num(f, w->drift_uncertainty_ns);
		fputs("},", f);
	} else {
		fputs("null,", f);
	}
	key(f, "bracket");
	if (w->have_bracket) {
		fputc('{', f);
		knum(f, "reads", (double)w->bracket_reads);
		knum(f, "outside", (double)w->bracket_outside);
		knum(f, "p99_ns", w->bracket_p99_ns);
		key(f, "max_ns");
		num(f, w->bracket_max_ns);
		fputs("}}", f);
	} else {
		fputs("null}", f);
	}
}

/* The project's goals (goals.h), one object each; null unless asked for. */
static void targets(FILE *f, const struct cb_report *r)
{
	int first = 1;

	key(f, "targets");
	if (!r->show_targets) {
		fputs("null", f);
		return;
	}
	fputc('[', f);
	for (size_t i = 0; i < cb_nr_goals; i++) {
		const struct cb_goal *g = &cb_goals[i];
		struct cb_goal_result res;

		cb_goal_judge(r, g, &res);
		if (!res.applies)
			continue;
		fputs(first ? "{" : ",{", f);
		first = 0;
		kstr(f, "path", g->id);
		kstr(f, "what", g->what);
		kstr(f, "kind", g->kind == CB_GOAL_RATIO ? "ratio" : "ticks_above_floor");
		kstr(f, "base", g->kind == CB_GOAL_RATIO ? g->base : "lfence_rdtsc");
		kstr(f, "clocksource", g->clocksource);
		knum(f, "value", res.value);
		knum(f, "value_fastest", res.value_fastest);
		knum(f, "limit", g->limit);
		key(f, "met");
		fputs(res.met ? "true}" : "false}", f);
	}
	fputc(']', f);
}

void cb_write_json(FILE *f, const struct cb_report *r)
{
	char when[32] = "";
	struct tm tm;

	fputc('{', f);
	kstr(f, "schema", "clockbench/1");
	kstr(f, "tool", "clockbench");
	kstr(f, "version", PVCLOCK_VERSION_STRING);
	if (gmtime_r(&r->started, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	kstr(f, "timestamp", when);
	key(f, "command_line");
	fputc('[', f);
	for (int i = 0; i < r->argc; i++) {
		str(f, r->argv[i]);
		if (i + 1 < r->argc)
			fputc(',', f);
	}
	fputs("],", f);
	environment(f, &r->env);
	key(f, "config");
	fputc('{', f);
	kstr(f, "mode", r->mode);
	knum(f, "repetitions", r->reps);
	knum(f, "sample_ms", r->sample_ms);
	knum(f, "threads", r->threads);
	knum(f, "latency_batch", r->lat_batch);
	knum(f, "latency_batches", (double)r->lat_samples);
	knum(f, "timer_ticks", r->timer_ticks);
	knum(f, "timer_ns", r->timer_ns);
	knum(f, "warp_seconds", r->warp_seconds);
	knum(f, "cpu_share", r->cpu_share);
	key(f, "duration_s");
	num(f, r->duration_s);
	fputs("},", f);

	key(f, "paths");
	fputc('[', f);
	for (size_t i = 0; i < r->nrows; i++) {
		row(f, &r->rows[i]);
		if (i + 1 < r->nrows)
			fputc(',', f);
	}
	fputs("],", f);

	key(f, "storm");
	fputc('{', f);
	kbool(f, "ran", r->storm_ran);
	key(f, "reason");
	str(f, r->storm_ran ? NULL : r->storm_why);
	fputc(',', f);
	knum(f, "update_pause_ns", r->storm_update_ns);
	knum(f, "updates_per_s", r->storm_updates_per_s);
	knum(f, "writer_cpu", r->storm_writer_cpu);
	key(f, "paths");
	fputc('[', f);
	for (size_t i = 0; r->storm_ran && i < r->nstorm; i++) {
		fputc('{', f);
		kstr(f, "id", r->storm[i].id);
		knum(f, "quiet_ns", r->storm[i].quiet_ns);
		knum(f, "storm_ns", r->storm[i].storm_ns);
		kstr(f, "error_status", r->storm[i].errors ? pvclock_strerror(r->storm[i].status) : NULL);
		key(f, "errors");
		num(f, (double)r->storm[i].errors);
		fputs(i + 1 < r->nstorm ? "}," : "}", f);
	}
	fputs("]},", f);

	key(f, "rate");
	if (r->have_rate) {
		fputc('{', f);
		knum(f, "record_ns_per_tick", r->record_ns_per_tick);
		knum(f, "kernel_ns_per_tick", r->kernel_ns_per_tick);
		key(f, "mismatch_ppm");
		num(f, r->rate_mismatch_ppm);
		fputs("},", f);
	} else {
		fputs("null,", f);
	}

	targets(f, r);
	fputs("}\n", f);
}
