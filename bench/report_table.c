/* SPDX-License-Identifier: MIT */
/* The human table: environment, speed, latency, scaling, quality, targets, a summary in words. */
#include <string.h>

#include "goals.h"
#include "report.h"

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

static void env_header(FILE *f, const struct cb_report *r)
{
	const struct cb_env *e = &r->env;

	fprintf(f, "clockbench: mode %s, %u repetitions of %.3g ms, %u threads, %.1f s\n", r->mode,
		r->reps, r->sample_ms, r->threads, r->duration_s);
	fprintf(f, "cpu        %s (%s), %u vCPUs, hypervisor %s, rdtscp %s, rdpid %s, invariant TSC %s\n",
		*e->model ? e->model : "unknown model", e->vendor, e->vcpus,
		*e->hypervisor ? e->hypervisor : "none", yes_no(e->rdtscp), yes_no(e->rdpid),
		yes_no(e->invariant_tsc));
	fprintf(f, "kernel     %s, clocksource %s, %s\n", e->kernel, e->clocksource, e->libc);
	if (e->page_rc == PVCLOCK_OK)
		fprintf(f, "pvclock    page in [%s] at %#lx, %u valid slots, TSC_STABLE %s\n",
			e->page_origin, (unsigned long)e->page_addr, e->valid_slots,
			e->stable ? "set" : "clear");
	else
		fprintf(f, "pvclock    no page: %s\n", pvclock_strerror(e->page_rc));
	fprintf(f, "tsc        %.0f kHz (%s)", e->tsc_khz, e->tsc_khz_source);
	if (e->hv_tsc_khz > 0)
		fprintf(f, "; hypervisor timing leaf %.0f kHz\n", e->hv_tsc_khz);
	else
		fprintf(f, "; the hypervisor offers no timing leaf\n");
	fprintf(f, "rseq       %s\n", e->rseq);
	if (e->dropin)
		fprintf(f, "drop-in    %s\n", e->dropin);
	fprintf(f, "getcpu    ");
	for (int m = PVCLOCK_GETCPU_RDPID; m < PVCLOCK_GETCPU_NR_METHODS; m++)
		fprintf(f, " %s:%s", pvclock_getcpu_name((enum pvclock_getcpu_method)m),
			e->getcpu_ok[m] ? "ok" : "no");
	fprintf(f, "\ncpu share  the measuring threads ran %.1f%% of the time their samples took%s",
		r->cpu_share * 100, r->cpu_share < 0.95 ? ": OTHER WORK SHARED THE CPUS, numbers are "
							  "noisy" : "");
	fprintf(f, "\ntimer      lfence;rdtsc;lfence .. lfence;rdtsc costs %.1f ticks (%.1f ns), "
		"subtracted from latencies (batches of %u reads)\n\n",
		r->timer_ticks, r->timer_ns, r->lat_batch);
}

static void speed(FILE *f, const struct cb_report *r)
{
	const char *group = "";

	fprintf(f, "%-22s %8s %17s %7s %8s %7s %7s %7s %8s %7s %6s %6s  %s\n", "path", "ns/call",
		"(min..max)", "ticks", "chain ns", "p50", "p99", "p99.9", "max", "xlfence", "xvdso",
		"xthrd", "sequence");
	for (size_t i = 0; i < r->nrows; i++) {
		const struct cb_row *w = &r->rows[i];

		if (strcmp(group, w->group)) {
			group = w->group;
			fprintf(f, "-- %s\n", group);
		}
		if (!w->available) {
			fprintf(f, "%-22s unavailable: %s\n", w->id, w->why);
			continue;
		}
		fprintf(f, "%-22s %8.2f (%6.2f..%7.2f) %7.1f %8.2f %7.1f %7.1f %7.1f %8.0f %7.3f %6.3f ",
			w->id, w->ns.median, w->ns.min, w->ns.max, w->ticks, w->chain_ns.median,
			w->lat_ns[CB_P50], w->lat_ns[CB_P99], w->lat_ns[CB_P999], w->lat_ns[CB_PMAX],
			w->vs_lfence, w->vs_vdso);
		if (w->nthreads > 1)
			fprintf(f, "%6.3f", w->scaling);
		else
			fprintf(f, "%6s", "-");
		fprintf(f, "  %s%s", w->sequence, (w->flags & CB_SIMULATED) ? " [simulated host]" : "");
		if (w->errors)
			fprintf(f, " [%llu failed reads: %s]", (unsigned long long)w->errors,
				pvclock_strerror(w->status));
		fputc('\n', f);
	}
	fprintf(f, "\nns/call: median of %u throughput samples; chain: each read fed by the last "
		"result (floors and getcpu rows have no input to feed);\nlatency percentiles per call "
		"from %zu batches; xlfence, xvdso: median ratio to lfence_rdtsc and vdso_monotonic; "
		"xthrd: worst per-thread cost on %u threads / one thread.\n\n",
		r->reps, r->lat_samples, r->threads);
}

static void quality(FILE *f, const struct cb_report *r)
{
	fprintf(f, "%-22s %10s %7s %10s %8s %11s %9s %9s %9s %9s\n", "clock quality", "reads", "warps",
		"worst ns", "stalls", "offset raw", "drift ns", "raw ppm", "mono ppm", "+-ns");
	for (size_t i = 0; i < r->nrows; i++) {
		const struct cb_row *w = &r->rows[i];

		if (!w->have_warp && !w->have_drift)
			continue;
		fprintf(f, "%-22s", w->id);
		if (w->have_warp)
			fprintf(f, " %10llu %7llu %10.1f %8llu", (unsigned long long)w->warp.reads,
				(unsigned long long)w->warp.warps, w->warp_worst_ns,
				(unsigned long long)w->warp.stalls);
		else
			fprintf(f, " %10s %7s %10s %8s", "-", "-", "-", "-");
		if (w->have_drift)
			fprintf(f, " %11.0f %9.1f %9.3f %9.3f %9.0f\n", w->raw_offset_ns, w->raw_drift_ns,
				w->raw_drift_ppm, w->mono_drift_ppm, w->drift_uncertainty_ns);
		else
			fprintf(f, "\n");
	}
	fprintf(f, "warps: reads earlier than the value another thread published just before "
		"(%u threads, %.3g s per path); offset and drift against CLOCK_MONOTONIC_RAW "
		"(and CLOCK_MONOTONIC) from the start of the run to its end.\n",
		r->threads, r->warp_seconds);
	fprintf(f, "Warps on the unordered rows (rdtsc, stamp_ticks, stamp_monotonic, stamp_realtime, "
		"absl_realtime) are possible by design: an unordered TSC read may be taken ahead of "
		"the instructions before it. The ordered rows must show none.\n");
	if (r->have_rate)
		fprintf(f, "rate       record %.9f ns/tick, kernel (MONOTONIC_RAW over TSC) %.9f "
			"ns/tick: record %+.3f ppm\n", r->record_ns_per_tick, r->kernel_ns_per_tick,
			r->rate_mismatch_ppm);
	fprintf(f, "\n");
}

static void bracket(FILE *f, const struct cb_report *r)
{
	int any = 0;

	for (size_t i = 0; i < r->nrows; i++) {
		const struct cb_row *w = &r->rows[i];

		if (!w->have_bracket)
			continue;
		if (!any++)
			fprintf(f, "%-24s %10s %10s %10s %10s\n", "kernel bracket", "reads", "outside",
				"p99 ns", "max ns");
		fprintf(f, "%-24s %10u %10u %10.1f %10.1f\n", w->id, w->bracket_reads,
			w->bracket_outside, w->bracket_p99_ns, w->bracket_max_ns);
	}
	if (any)
		fprintf(f, "kernel bracket: each read between two calls of the kernel vDSO's "
			"clock_gettime for the same clock; how far outside [before, after] it fell "
			"(0 inside).\n\n");
}

static void storm(FILE *f, const struct cb_report *r)
{
	if (!r->storm_ran) {
		fprintf(f, "update storm: not run%s%s\n\n", r->storm_why ? ": " : "",
			r->storm_why ? r->storm_why : "");
		return;
	}
	fprintf(f, "update storm: simulated host rewriting every record, %u ns pause, %.0f rewrites/s, ",
		r->storm_update_ns, r->storm_updates_per_s);
	if (r->storm_writer_cpu >= 0)
		fprintf(f, "writer on CPU %d, reader on another\n", r->storm_writer_cpu);
	else
		fprintf(f, "writer and reader share the only CPU\n");
	for (size_t i = 0; i < r->nstorm; i++) {
		const struct cb_storm_row *s = &r->storm[i];

		fprintf(f, "  %-22s quiet %7.2f ns  storm %7.2f ns  (x%.2f)", s->id, s->quiet_ns,
			s->storm_ns, cb_ratio(s->storm_ns, s->quiet_ns));
		if (s->errors)
			fprintf(f, "  %llu failed reads (%s)%s", (unsigned long long)s->errors,
				pvclock_strerror(s->status), s->status == PVCLOCK_ESTUCK ?
				": expected, a host that rewrites without a pause can hold a read past its "
				"retry bound" : "");
		fputc('\n', f);
	}
	fprintf(f, "\n");
}

/* The project's own goals (goals.h), only when asked. */
static void targets(FILE *f, const struct cb_report *r)
{
	fprintf(f, "targets (this run, clocksource %s; ticks above the lfence;rdtsc floor or ratios of "
		"medians, fastest repetitions in brackets)\n", r->env.clocksource);
	for (size_t i = 0; i < cb_nr_goals; i++) {
		const struct cb_goal *g = &cb_goals[i];
		struct cb_goal_result res;

		cb_goal_judge(r, g, &res);
		if (!res.applies) {
			if (!g->clocksource || !strcmp(g->clocksource, r->env.clocksource))
				fprintf(f, "  %-50s not measured in this run\n", g->what);
			continue;
		}
		if (g->kind == CB_GOAL_RATIO)
			fprintf(f, "  %-50s %-16s %6.3fx (%6.3fx) vs %s, goal <= %.2fx  %s\n", g->what, g->id,
				res.value, res.value_fastest, g->base, g->limit, res.met ? "met" : "not met");
		else
			fprintf(f, "  %-50s %-16s %+6.1f (%+6.1f) ticks, goal <= +%.0f  %s\n", g->what, g->id,
				res.value, res.value_fastest, g->limit, res.met ? "met" : "not met");
	}
	fprintf(f, "\n");
}

/* A row when it ran, else NULL. */
static const struct cb_row *ran(const struct cb_report *r, const char *id)
{
	const struct cb_row *w = cb_report_row(r, id);

	return w && w->available ? w : NULL;
}

/*
 * The verdict in words: is this VM's clock fast, is it good, would the
 * drop-in help, and how far to trust this run.
 */
static void summary(FILE *f, const struct cb_report *r)
{
	const struct cb_row *vd = ran(r, "vdso_monotonic"), *sys = ran(r, "syscall_monotonic");
	const struct cb_row *drop = ran(r, "dropin_monotonic"), *stamp = ran(r, "stamp_monotonic");
	const struct cb_row *drop_row = cb_report_row(r, "dropin_monotonic");
	const char *warp_id = NULL, *outside_id = NULL;
	long warps = 0, outside = 0;

	fprintf(f, "summary\n");
	if (vd && sys) {
		if (vd->ns.median < 0.5 * sys->ns.median)
			fprintf(f, "  fast:    clock_gettime takes %.1f ns through the kernel's vDSO, without a "
				"system call (the system call takes %.0f ns).\n", vd->ns.median, sys->ns.median);
		else
			fprintf(f, "  SLOW:    clock_gettime takes %.1f ns, close to the system call's %.0f ns: "
				"the kernel's vDSO makes system calls (clocksource %s has no vDSO support).\n",
				vd->ns.median, sys->ns.median, r->env.clocksource);
	}
	for (size_t i = 0; i < r->nrows; i++) {
		const struct cb_row *w = &r->rows[i];

		/*
		 * Only rows that claim the kernel's clock, Abseil's aside: an
		 * unordered rdtsc row, or a calibrated clock, is off by design.
		 */
		if (!w->available || !(w->flags & CB_KERNEL_CLOCK) || strstr(w->id, "absl"))
			continue;
		if (w->have_warp && w->warp.warps) {
			warps += (long)w->warp.warps;
			warp_id = w->id;
		}
		if (w->have_bracket && w->bracket_outside) {
			outside += (long)w->bracket_outside;
			outside_id = w->id;
		}
	}
	if (!warps && !outside)
		fprintf(f, "  good:    no kernel clock went back across threads, and every read of one lay "
			"within the kernel's own bracket");
	else
		fprintf(f, "  CHECK:   %ld reads went back across threads (last: %s), %ld fell outside the "
			"kernel's bracket (last: %s)", warps, warp_id ? warp_id : "-", outside,
			outside_id ? outside_id : "-");
	if (r->have_rate)
		fprintf(f, "; the pvclock record's rate is the kernel's %+.2f ppm%s", r->rate_mismatch_ppm,
			r->rate_mismatch_ppm * r->rate_mismatch_ppm < 1 ? " (fine)" :
			r->rate_mismatch_ppm * r->rate_mismatch_ppm < 10000 ? "" : " (LARGE)");
	fprintf(f, ".\n");
	if (drop && vd) {
		double x = cb_ratio(vd->ns.median, drop->ns.median);

		if (x >= 1.10)
			fprintf(f, "  drop-in: its clock_gettime is %.2fx faster than the kernel's here: worth "
				"preloading (pvclock-run CMD).\n", x);
		else if (x >= 1.02)
			fprintf(f, "  drop-in: its clock_gettime is slightly faster than the kernel's here "
				"(%.2fx): little to gain by preloading it.\n", x);
		else
			fprintf(f, "  drop-in: its clock_gettime costs what the kernel's does here (%.2fx): "
				"nothing to gain by preloading it.\n", x);
	} else {
		fprintf(f, "  drop-in: not measured (%s).\n",
			drop_row && drop_row->why ? drop_row->why : "not loaded");
	}
	if (stamp && vd)
		fprintf(f, "  stamps:  pvclock_stamp_ns costs %.1f ns (%.2fx clock_gettime) and reads the "
			"kernel's clock, for code that takes timestamps by the million.\n", stamp->ns.median,
			cb_ratio(stamp->ns.median, vd->ns.median));
	fprintf(f, "  trust:   the measuring threads ran %.0f%% of the time%s\n", r->cpu_share * 100,
		r->cpu_share >= 0.95 ? ": steady numbers." :
		": OTHER WORK SHARED THE CPUS; rerun on a quieter machine before quoting them.");
}

void cb_write_table(FILE *f, const struct cb_report *r)
{
	env_header(f, r);
	speed(f, r);
	quality(f, r);
	bracket(f, r);
	storm(f, r);
	if (r->show_targets)
		targets(f, r);
	summary(f, r);
}
