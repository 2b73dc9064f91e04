/* SPDX-License-Identifier: MIT */
/*
 * pvclock-run - run a command with the drop-in clock functions preloaded,
 * or say whether they help on this machine.
 *
 *   pvclock-run CMD [ARGS...]   CMD with libpvclock-vdso.so.0 added to LD_PRELOAD
 *   pvclock-run --check         one line: served here or not, and how much faster
 *
 * The drop-in is PVCLOCK_VDSO_LIB when set, else the installed one, else
 * the one next to this program in a build tree.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvclock.h"

#ifndef PVCLOCK_RUN_LIBDIR
#define PVCLOCK_RUN_LIBDIR "/usr/local/lib"
#endif

#define DROPIN "libpvclock-vdso.so.0"

typedef int (*gettime_fn)(long, struct timespec *);

/* Where the drop-in is: the first of the candidates that exists. */
static const char *find_dropin(const char *argv0, char *buf, size_t len)
{
	const char *env = getenv("PVCLOCK_VDSO_LIB");
	const char *slash;

	if (env && *env)
		return env;
	snprintf(buf, len, "%s/%s", PVCLOCK_RUN_LIBDIR, DROPIN);
	if (access(buf, R_OK) == 0)
		return buf;
	/* A build tree: tools/pvclock-run next to vdso/. */
	slash = strrchr(argv0, '/');
	snprintf(buf, len, "%.*s/../vdso/%s", slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".",
		 DROPIN);
	if (access(buf, R_OK) == 0)
		return buf;
	return NULL;
}

/* Whether @list (LD_PRELOAD: names split by spaces or colons) names @path. */
static int listed(const char *list, const char *path)
{
	size_t n = strlen(path);

	for (const char *p = list; (p = strstr(p, path)); p++)
		if ((p == list || p[-1] == ' ' || p[-1] == ':') && (!p[n] || p[n] == ' ' || p[n] == ':'))
			return 1;
	return 0;
}

/* LD_PRELOAD with @path added at the end, unless it is there already. */
static int preload(const char *path)
{
	const char *old = getenv("LD_PRELOAD");
	char *both;
	size_t n;
	int rc;

	if (!old || !*old)
		return setenv("LD_PRELOAD", path, 1);
	if (listed(old, path))
		return 0;
	n = strlen(old) + strlen(path) + 2;
	both = malloc(n);
	if (!both)
		return -1;
	snprintf(both, n, "%s %s", old, path);
	rc = setenv("LD_PRELOAD", both, 1);
	free(both);
	return rc;
}

/* Best ns per call of @f over a few rounds. */
static double per_call(gettime_fn f)
{
	double best = 1e9;

	for (int r = 0; r < 7; r++) {
		struct timespec a, b, ts;

		clock_gettime(CLOCK_MONOTONIC_RAW, &a);
		for (int i = 0; i < 200000; i++)
			f(CLOCK_MONOTONIC, &ts);
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
		double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 200000;
		if (ns < best)
			best = ns;
	}
	return best;
}

static int check(const char *path)
{
	gettime_fn ours, kernel = (gettime_fn)pvclock_kernel_vdso_sym("__vdso_clock_gettime");
	unsigned served;
	void *h;

	if (!path) {
		printf("pvclock-run: no drop-in found (set PVCLOCK_VDSO_LIB to libpvclock-vdso.so.0)\n");
		return 1;
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ours = h ? (gettime_fn)dlsym(h, "__vdso_clock_gettime") : NULL;
	if (!ours) {
		printf("pvclock-run: %s cannot be loaded: %s\n", path, dlerror());
		return 1;
	}
	/* The library decides as the drop-in does: the same core, the same start-up. */
	served = pvclock_clock_init();
	if (served != PVCLOCK_CLOCK_SERVED) {
		printf("pvclock-run: the drop-in does not help here: the kernel's time data is not served "
		       "(another clocksource, an unknown layout, or PVCLOCK_VDSO=off); every clock goes to "
		       "the kernel\n");
		return 1;
	}
	if (!kernel) {
		printf("pvclock-run: the drop-in serves every clock here; this process has no kernel vDSO "
		       "to compare with\n");
		return 0;
	}
	{
		double o = per_call(ours), k = per_call(kernel);

		printf("pvclock-run: the drop-in serves CLOCK_REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME "
		       "and TAI here: clock_gettime %.1f ns against the kernel's %.1f ns (%.2fx %s)\n",
		       o, k, o < k ? k / o : o / k, o < k ? "faster" : "slower");
	}
	return 0;
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f, "usage: %s CMD [ARGS...]   run CMD with the drop-in clock functions preloaded\n"
		"       %s --check           whether the drop-in serves this machine's clocks, and how fast\n"
		"       %s --version\n", argv0, argv0, argv0);
}

int main(int argc, char **argv)
{
	char buf[4096];
	const char *path;

	if (argc < 2) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("pvclock-run (pvclock) %s\n", PVCLOCK_VERSION_STRING);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout, argv[0]);
		return 0;
	}
	path = find_dropin(argv[0], buf, sizeof(buf));
	if (!strcmp(argv[1], "--check"))
		return check(path);
	if (!strcmp(argv[1], "--"))
		argv++;
	if (!argv[1]) {
		usage(stderr, argv[0]);
		return 2;
	}
	if (!path) {
		fprintf(stderr, "pvclock-run: no drop-in found (set PVCLOCK_VDSO_LIB to libpvclock-vdso.so.0)\n");
		return 127;
	}
	if (preload(path) != 0) {
		fprintf(stderr, "pvclock-run: cannot set LD_PRELOAD: %s\n", strerror(errno));
		return 127;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "pvclock-run: %s: %s\n", argv[1], strerror(errno));
	/* As env(1): 127 when the command was not found, 126 when it could not run. */
	return errno == ENOENT ? 127 : 126;
}
