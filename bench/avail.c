/* SPDX-License-Identifier: MIT */
/*
 * Which paths can run here, and why not: CPU features, the pvclock page,
 * getcpu methods, rseq, the kernel vDSO, the project's drop-in library.
 */
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef CB_HAVE_DLOPEN
#include <dlfcn.h>
#endif

#include "avail.h"
#include "paths.h"
#include "sim.h"

struct cb_paths_state cb_state;
cb_cgt_fn cb_kernel_cgt;
cb_cgt_fn cb_dropin_cgt;

int cb_avail_rdtscp(const struct cb_path *p, const char **why)
{
	struct pvclock_cpu_features f;

	(void)p;
	pvclock_cpu_features(&f);
	if (!f.rdtscp) {
		*why = "CPU has no RDTSCP (CPUID.80000001:EDX[27])";
		return -1;
	}
	return 0;
}

static int need_getcpu(enum pvclock_getcpu_method m, const char **why)
{
	return pvclock_getcpu_probe(m, why) == PVCLOCK_OK ? 0 : -1;
}

int cb_avail_getcpu_rdpid(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_getcpu(PVCLOCK_GETCPU_RDPID, why);
}
int cb_avail_getcpu_rdtscp(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_getcpu(PVCLOCK_GETCPU_RDTSCP, why);
}
int cb_avail_getcpu_vdso(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_getcpu(PVCLOCK_GETCPU_VDSO, why);
}
int cb_avail_getcpu_rseq(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_getcpu(PVCLOCK_GETCPU_RSEQ, why);
}
int cb_avail_getcpu_syscall(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_getcpu(PVCLOCK_GETCPU_SYSCALL, why);
}
int cb_avail_getcpu_libc(const struct cb_path *p, const char **why)
{
	(void)p;
	if (sched_getcpu() < 0) {
		*why = "sched_getcpu() failed";
		return -1;
	}
	return 0;
}

static int need_kernel_src(const char **why)
{
	if (cb_state.kernel_src_rc != PVCLOCK_OK) {
		*why = cb_state.kernel_src_rc == PVCLOCK_ENOPAGE
			       ? "no pvclock page: not a KVM/Xen guest, or kvm-clock never enabled"
			       : pvclock_strerror(cb_state.kernel_src_rc);
		return -1;
	}
	return 0;
}

/* A read that fails here (unstable TSC, no rseq) is unavailable, with the library's reason. */
static int try_read(const struct cb_path *p, const char **why)
{
	static char buf[16][96];
	static unsigned next;
	uint64_t errors = 0;
	char *b;

	p->loop(16, &errors);
	if (!errors)
		return 0;
	b = buf[next++ % (sizeof(buf) / sizeof(buf[0]))];
	snprintf(b, sizeof(buf[0]), "read fails: %s", pvclock_strerror(cb_last_status));
	*why = b;
	return -1;
}

int cb_avail_pv_floor(const struct cb_path *p, const char **why)
{
	(void)p;
	return need_kernel_src(why);
}

int cb_avail_pv(const struct cb_path *p, const char **why)
{
	if (need_kernel_src(why))
		return -1;
	return try_read(p, why);
}
int cb_avail_pv_rdtscp(const struct cb_path *p, const char **why)
{
	if (cb_avail_rdtscp(p, why) || need_kernel_src(why))
		return -1;
	return try_read(p, why);
}
int cb_avail_pv_rseq(const struct cb_path *p, const char **why)
{
	if (need_kernel_src(why) || need_getcpu(PVCLOCK_GETCPU_RSEQ, why))
		return -1;
	if (strstr(p->id, "rdtscp") && cb_avail_rdtscp(p, why))
		return -1;
	return try_read(p, why);
}
int cb_avail_pv_percpu_rdpid(const struct cb_path *p, const char **why)
{
	return need_kernel_src(why) || cb_avail_getcpu_rdpid(p, why) ? -1 : try_read(p, why);
}
int cb_avail_pv_percpu_rdtscp(const struct cb_path *p, const char **why)
{
	return need_kernel_src(why) || cb_avail_getcpu_rdtscp(p, why) ? -1 : try_read(p, why);
}
int cb_avail_pv_percpu_vdso(const struct cb_path *p, const char **why)
{
	return need_kernel_src(why) || cb_avail_getcpu_vdso(p, why) ? -1 : try_read(p, why);
}
int cb_avail_pv_percpu_syscall(const struct cb_path *p, const char **why)
{
	return need_kernel_src(why) || cb_avail_getcpu_syscall(p, why) ? -1 : try_read(p, why);
}
int cb_avail_pv_migrate(const struct cb_path *p, const char **why)
{
	if (!cb_sim_migrate_ok) {
		*why = cb_state.sim_why;
		return -1;
	}
	return try_read(p, why);
}

int cb_avail_kernel_cgt(const struct cb_path *p, const char **why)
{
	struct timespec ts;

	(void)p;
	if (!cb_kernel_cgt) {
		*why = "kernel vDSO has no __vdso_clock_gettime";
		return -1;
	}
	if (cb_kernel_cgt(p->clock_id, &ts) != 0) {
		*why = "the kernel vDSO refuses this clock";
		return -1;
	}
	return 0;
}
int cb_avail_always(const struct cb_path *p, const char **why)
{
	(void)p, (void)why;
	return 0;
}
int cb_avail_dropin(const struct cb_path *p, const char **why)
{
	struct timespec ts;

	if (!cb_dropin_cgt) {
		*why = cb_state.dropin_why;
		return -1;
	}
	if (cb_dropin_cgt(p->clock_id, &ts) != 0) {
		*why = "the drop-in refuses CLOCK_MONOTONIC";
		return -1;
	}
	return 0;
}
int cb_avail_vmclock(const struct cb_path *p, const char **why)
{
	(void)p;
	switch (cb_state.vmclock_rc) {
	case PVCLOCK_OK:
		return 0;
	case PVCLOCK_ENOPAGE:
		*why = "no /dev/vmclock0 (the hypervisor offers no VMClock device, or the kernel predates 6.13)";
		break;
	case PVCLOCK_ECOUNTER:
		*why = "the VMClock page publishes disruptions only, no time";
		break;
	default:
		*why = pvclock_strerror(cb_state.vmclock_rc);
		break;
	}
	return -1;
}
int cb_avail_stamp(const struct cb_path *p, const char **why)
{
	/* Without a map every stamp is a clock read: the row would time that under another name. */
	if (pvclock_stamp_ns(p->clock_id) == PVCLOCK_STAMP_INVALID || pvclock_stamp_map.span == 0) {
		*why = "no stamp map here (clocksource neither tsc nor kvm-clock with TSC_STABLE, or "
		       "the time data not served): every stamp is a clock read";
		return -1;
	}
	return 0;
}
int cb_avail_absl(const struct cb_path *p, const char **why)
{
	(void)p;
#ifdef CB_HAVE_ABSL
	(void)why;
	return 0;
#else
	*why = "not built: meson found no Abseil (Debian: libabsl-dev, and a C++ compiler)";
	return -1;
#endif
}
int cb_avail_lib_clock(const struct cb_path *p, const char **why)
{
	/* Delegated, the row would time the kernel's vDSO again under another name. */
	if (!(pvclock_clock_init() >> p->clock_id & 1)) {
		*why = "the library hands this clock to the kernel here (time data not served: "
		       "another clocksource, an unknown layout, or PVCLOCK_VDSO=off)";
		return -1;
	}
	return 0;
}


#ifdef CB_HAVE_DLOPEN
/* ../vdso/libpvclock-vdso.so.0 from the directory of the running executable (the build tree). */
static const char *beside_executable(const char *argv0)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *slash;

	if (n > 0) {
		exe[n] = '\0';
		argv0 = exe;
	}
	slash = strrchr(argv0, '/');
	snprintf(path, sizeof(path), "%.*s/../vdso/libpvclock-vdso.so.0",
		 slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".");
	return path;
}
#endif

static void load_dropin(const char *argv0, const char *path)
{
#ifdef CB_HAVE_DLOPEN
	static char why[512];
	void *h;

	if (!path || !*path)
		path = getenv("PVCLOCK_VDSO_LIB");
	if (path && *path) {
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	} else {
		/* The build tree first, then the library search path (an installed copy). */
		path = beside_executable(argv0);
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!h && (h = dlopen("libpvclock-vdso.so.0", RTLD_NOW | RTLD_LOCAL)))
			path = "libpvclock-vdso.so.0";
	}
	cb_state.dropin_path = path;
	if (!h) {
		snprintf(why, sizeof(why), "not loaded (%s); give --vdso PATH or PVCLOCK_VDSO_LIB",
			 dlerror());
		cb_state.dropin_why = why;
		return;
	}
	cb_dropin_cgt = (cb_cgt_fn)dlsym(h, "__vdso_clock_gettime");
	if (!cb_dropin_cgt)
		cb_state.dropin_why = "library has no __vdso_clock_gettime";
#else
	(void)argv0, (void)path;
	cb_state.dropin_why = "static build: no dlopen; use the dynamic clockbench";
#endif
}

void cb_paths_init(const char *argv0, const char *dropin_path)
{
	memset(&cb_state, 0, sizeof(cb_state));
	cb_state.kernel_src_rc = pvclock_source_open_kernel(&cb_state.kernel_src);
	cb_pv = cb_state.kernel_src;
	cb_state.best_getcpu = pvclock_getcpu_best();
	/* Resolves the vDSO getcpu the rows above call. */
	pvclock_getcpu_probe(PVCLOCK_GETCPU_VDSO, NULL);
	cb_kernel_cgt = (cb_cgt_fn)pvclock_kernel_vdso_sym("__vdso_clock_gettime");
	load_dropin(argv0, dropin_path);
	cb_state.vmclock_rc = pvclock_vmclock_open_device(&cb_state.vmclock, NULL);
	if (cb_state.vmclock_rc == PVCLOCK_OK) {
		struct pvclock_vmclock_time t;

		cb_state.vmclock_rc = pvclock_vmclock_read(&cb_state.vmclock, &t);
	}
	cb_sim_init(&cb_state.sim_why);
}
