/* SPDX-License-Identifier: MIT */
/* CSV: one line per path, the columns of the table; unavailable rows carry the reason. */
#include "report.h"

static void field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void cb_write_csv(FILE *f, const struct cb_report *r)
{
	fputs("id,group,sequence,available,reason,ns_min,ns_median,ns_max,ticks,chain_ns,"
	      "p50_ns,p90_ns,p99_ns,p999_ns,max_ns,vs_lfence_rdtsc,vs_kernel_vdso,threads,"
	      "thread_scaling,warp_reads,warps,warp_worst_ns,stalls,drift_raw_ppm,drift_mono_ppm,"
	      "bracket_reads,bracket_outside,bracket_max_ns,errors\n", f);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct cb_row *w = &r->rows[i];

		fprintf(f, "%s,%s,", w->id, w->group);
		field(f, w->sequence);
		if (!w->available) {
			fputs(",0,", f);
			field(f, w->why);
			/* the 24 measured columns stay empty */
			for (int k = 0; k < 24; k++)
				fputc(',', f);
			fputc('\n', f);
			continue;
		}
		fprintf(f, ",1,,%.4f,%.4f,%.4f,%.2f,%.4f,%.2f,%.2f,%.2f,%.2f,%.1f,%.4f,%.4f,%u,%.4f,",
			w->ns.min, w->ns.median, w->ns.max, w->ticks, w->chain_ns.median,
			w->lat_ns[CB_P50], w->lat_ns[CB_P90], w->lat_ns[CB_P99], w->lat_ns[CB_P999],
			w->lat_ns[CB_PMAX], w->vs_lfence, w->vs_vdso, w->nthreads, w->scaling);
		if (w->have_warp)
			fprintf(f, "%llu,%llu,%.1f,%llu,", (unsigned long long)w->warp.reads,
				(unsigned long long)w->warp.warps, w->warp_worst_ns,
				(unsigned long long)w->warp.stalls);
		else
			fputs(",,,,", f);
		if (w->have_drift)
			fprintf(f, "%.4f,%.4f,", w->raw_drift_ppm, w->mono_drift_ppm);
		else
			fputs(",,", f);
		if (w->have_bracket)
			fprintf(f, "%u,%u,%.1f,", w->bracket_reads, w->bracket_outside, w->bracket_max_ns);
		else
			fputs(",,,", f);
		fprintf(f, "%llu\n", (unsigned long long)w->errors);
	}
}
