/* SPDX-License-Identifier: MIT */
/*
 * SVG pictures, written by hand: ns/call per path on a log axis with the
 * lfence;rdtsc floor marked, thread scaling, and latency CDFs.
 */
#include <math.h>
#include <string.h>

#include <stdlib.h>
#include <time.h>

#include "report.h"

#define W 960
#define LEFT 190
#define PLOT_W (W - LEFT - 40)
#define BAR_H 14

static const char *const palette[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
				       "#ff7f0e", "#8c564b", "#e377c2", "#17becf" };

/* The bars' colours by group, and what each group is, for the legend. */
static const struct {
	const char *group, *color, *what;
} groups[] = {
	{ "floor", "#7f7f7f", "TSC reads alone" },
	{ "getcpu", "#bcbd22", "which CPU" },
	{ "pvclock", "#1f77b4", "this library's reads" },
	{ "incumbent", "#ff7f0e", "clock_gettime in its forms" },
	{ "stamp", "#9467bd", "timestamps" },
};

static const char *group_color(const char *group)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (!strcmp(group, groups[i].group))
			return groups[i].color;
	return "#000";
}

/* One line of coloured boxes naming the groups; the y below it. */
static double group_legend(FILE *f, double y)
{
	double x = LEFT;

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		/* About 6 px a character at font size 11; a new line where the next would not fit. */
		double wdt = 14 + 6.0 * (double)(strlen(groups[i].group) + strlen(groups[i].what) + 2) + 18;

		if (x + wdt > W - 10) {
			x = LEFT;
			y += 16;
		}
		fprintf(f, "<rect x='%.1f' y='%.1f' width='10' height='10' fill='%s'/>\n", x, y, groups[i].color);
		fprintf(f, "<text x='%.1f' y='%.1f'>%s: %s</text>\n", x + 14, y + 9, groups[i].group,
			groups[i].what);
		x += wdt;
	}
	/* Room for the floor's label above the bars. */
	return y + 32;
}

/* x position of @v on a log axis from @lo to @hi. */
static double logx(double v, double lo, double hi)
{
	if (v < lo)
		v = lo;
	return LEFT + PLOT_W * (log10(v) - log10(lo)) / (log10(hi) - log10(lo));
}

static void log_axis(FILE *f, double y0, double y1, double lo, double hi, const char *label)
{
	for (double d = lo; d <= hi * 1.0001; d *= 10) {
		double x = logx(d, lo, hi);

		fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#ddd'/>\n", x, y0, x,
			y1);
		fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle'>%g</text>\n", x, y1 + 14, d);
	}
	fprintf(f, "<text x='%d' y='%.1f' text-anchor='middle'>%s</text>\n", LEFT + PLOT_W / 2,
		y1 + 30, label);
}

static double bars(FILE *f, const struct cb_report *r, double y)
{
	const struct cb_row *floor_row = cb_report_row(r, "lfence_rdtsc");
	double lo = 0.1, hi = 1000, y0;

	for (size_t i = 0; i < r->nrows; i++)
		while (r->rows[i].available && r->rows[i].ns.max > hi)
			hi *= 10;
	fprintf(f, "<text x='10' y='%.1f' class='t'>ns per call (median; whiskers: min..max of %u "
		"repetitions; log scale)</text>\n", y + 16, r->reps);
	y = group_legend(f, y + 24);
	y0 = y;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct cb_row *w = &r->rows[i];

		fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>%s</text>\n", LEFT - 6,
			y + BAR_H - 3, w->id);
		if (!w->available) {
			fprintf(f, "<text x='%d' y='%.1f' fill='#999'>unavailable</text>\n", LEFT + 4,
				y + BAR_H - 3);
		} else {
			double x = logx(w->ns.median, lo, hi);

			fprintf(f, "<rect x='%d' y='%.1f' width='%.1f' height='%d' fill='%s'/>\n", LEFT,
				y, x - LEFT, BAR_H, group_color(w->group));
			fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#000'/>\n",
				logx(w->ns.min, lo, hi), y + BAR_H / 2.0, logx(w->ns.max, lo, hi),
				y + BAR_H / 2.0);
			fprintf(f, "<text x='%.1f' y='%.1f'>%.2f</text>\n", logx(w->ns.max, lo, hi) + 4,
				y + BAR_H - 3, w->ns.median);
		}
		y += BAR_H + 4;
	}
	if (floor_row && floor_row->available) {
		double x = logx(floor_row->ns.median, lo, hi);

		fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#d62728' "
			"stroke-dasharray='4,3'/>\n", x, y0 - 4, x, y);
		fprintf(f, "<text x='%.1f' y='%.1f' fill='#d62728'>floor: lfence;rdtsc %.2f ns</text>\n",
			x + 4, y0 - 6, floor_row->ns.median);
	}
	log_axis(f, y0 - 4, y, lo, hi, "ns per call");
	return y + 50;
}

static double scaling(FILE *f, const struct cb_report *r, double y)
{
	double hi = 1.5, y0;
	int any = 0;

	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].nthreads > 1) {
			any = 1;
			while (r->rows[i].scaling > hi)
				hi *= 2;
		}
	fprintf(f, "<text x='10' y='%.1f' class='t'>thread scaling: worst per-thread cost on %u "
		"threads / one thread (line: 1.05)</text>\n", y + 16, r->threads);
	y += 30;
	if (!any) {
		fprintf(f, "<text x='%d' y='%.1f'>one CPU: no scaling run</text>\n", LEFT, y + 12);
		return y + 40;
	}
	y0 = y;
	for (size_t i = 0; i < r->nrows; i++) {
		const struct cb_row *w = &r->rows[i];

		if (w->nthreads < 2)
			continue;
		fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>%s</text>\n", LEFT - 6,
			y + BAR_H - 3, w->id);
		fprintf(f, "<rect x='%d' y='%.1f' width='%.1f' height='%d' fill='%s'/>\n", LEFT, y,
			PLOT_W * w->scaling / hi, BAR_H, w->scaling > 1.05 ? "#d62728" : "#2ca02c");
		fprintf(f, "<text x='%.1f' y='%.1f'>%.3f</text>\n", LEFT + PLOT_W * w->scaling / hi + 4,
			y + BAR_H - 3, w->scaling);
		y += BAR_H + 4;
	}
	fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#000' "
		"stroke-dasharray='4,3'/>\n", LEFT + PLOT_W * 1.05 / hi, y0 - 4,
		LEFT + PLOT_W * 1.05 / hi, y);
	for (double d = 0; d <= hi + 1e-9; d += hi / 6)
		fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle'>%.2f</text>\n",
			LEFT + PLOT_W * d / hi, y + 14, d);
	return y + 40;
}

static double cdf(FILE *f, const struct cb_report *r, double y)
{
	static const char *const shown[] = { "rdtsc", "lfence_rdtsc", "pv_vcpu0_lfence",
					     "pv_rseq_lfence", "pv_percpu_rdpid", "vdso_monotonic",
					     "dropin_monotonic", "syscall_monotonic" };
	const double h = 260, lo = 1;
	double hi = 1000, y0;
	int legend = 0;

	for (size_t i = 0; i < r->nrows; i++)
		while (r->rows[i].available && r->rows[i].cdf_ns[CB_CDF_POINTS - 1] > hi)
			hi *= 10;
	fprintf(f, "<text x='10' y='%.1f' class='t'>latency CDF per call (batches of %u, timer "
		"cost %.1f ns subtracted; log scale)</text>\n", y + 16, r->lat_batch, r->timer_ns);
	y0 = y + 30;
	for (int k = 0; k <= 4; k++) {
		double yy = y0 + h - h * k / 4;

		fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>\n", LEFT, yy,
			LEFT + PLOT_W, yy);
		fprintf(f, "<text x='%d' y='%.1f' text-anchor='end'>%.2f</text>\n", LEFT - 6, yy + 4,
			k / 4.0);
	}
	for (size_t s = 0; s < sizeof(shown) / sizeof(shown[0]); s++) {
		const struct cb_row *w = cb_report_row(r, shown[s]);
		const char *color = palette[s % 8];

		if (!w || !w->available)
			continue;
		fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='1.5' points='", color);
		for (int k = 0; k < CB_CDF_POINTS; k++)
			fprintf(f, "%.1f,%.1f ", logx(w->cdf_ns[k] > lo ? w->cdf_ns[k] : lo, lo, hi),
				y0 + h - h * (k + 0.5) / CB_CDF_POINTS);
		fprintf(f, "'/>\n<text x='%d' y='%.1f' fill='%s'>%s</text>\n", LEFT + 8,
			y0 + 14 + 14 * legend++, color, w->id);
	}
	log_axis(f, y0, y0 + h, lo, hi, "ns per call");
	return y0 + h + 50;
}

int cb_write_svg(FILE *out, const struct cb_report *r)
{
	char *body = NULL, when[64] = "";
	size_t len = 0;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f = open_memstream(&body, &len);
	double y;

	if (!f)
		return -1;
	/* Drawn first into memory: the height is known only at the end, and @out may be a pipe. */
	y = bars(f, r, 46);
	y = scaling(f, r, y);
	y = cdf(f, r, y);
	if (fclose(f) != 0) {
		free(body);
		return -1;
	}
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(out, "<?xml version='1.0' encoding='UTF-8'?>\n");
	fprintf(out, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
		"font-family='sans-serif' font-size='11'>\n", W, (int)y);
	fprintf(out, "<style>.t{font-size:14px;font-weight:bold}</style>\n"
		"<rect width='100%%' height='100%%' fill='#fff'/>\n");
	fprintf(out, "<text x='10' y='20' class='t'>clockbench: %s (%s), %u vCPUs, %s, clocksource %s"
		"</text>\n", r->env.model, r->env.hypervisor, r->env.vcpus, r->env.kernel,
		r->env.clocksource);
	fprintf(out, "<text x='10' y='36'>clockbench %s, mode %s, %u repetitions, %s</text>\n",
		PVCLOCK_VERSION_STRING, r->mode, r->reps, when);
	fwrite(body, 1, len, out);
	free(body);
	fprintf(out, "</svg>\n");
	return ferror(out) ? -1 : 0;
}
