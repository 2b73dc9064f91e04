/* SPDX-License-Identifier: MIT */
/*
 * The getcpu methods, rseq registration, CPU features, TSC reads and the
 * vDSO symbol lookup.  Run a second time with glibc's rseq switched off
 * (PVCLOCK_EXPECT_OWN_RSEQ=1) so that the library registers its own area.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "pvclock.h"

/* Pinned to each usable CPU in turn, @method must name that CPU. */
static void check_method(enum pvclock_getcpu_method method)
{
	const char *why = NULL;
	int rc = pvclock_getcpu_probe(method, &why);

	if (rc != PVCLOCK_OK)
		cr_skip_test("getcpu method %s unavailable: %s", pvclock_getcpu_name(method),
			     why ? why : pvclock_strerror(rc));
	cr_expect_null(why);
	for (unsigned i = 0; i < test_usable_cpus() && i < 8; i++) {
		int cpu = test_nth_cpu(i);

		cr_assert_eq(test_pin_self(cpu), 0);
		for (int k = 0; k < 100; k++)
			cr_assert_eq(pvclock_getcpu(method), cpu, "%s on CPU %d",
				     pvclock_getcpu_name(method), cpu);
	}
	test_unpin_self();
	cr_log_info("getcpu %s: agrees with the pinned CPU on %u CPUs\n",
		    pvclock_getcpu_name(method), test_usable_cpus());
}

Test(getcpu, rdpid) { check_method(PVCLOCK_GETCPU_RDPID); }
Test(getcpu, rdtscp) { check_method(PVCLOCK_GETCPU_RDTSCP); }
Test(getcpu, vdso) { check_method(PVCLOCK_GETCPU_VDSO); }
Test(getcpu, rseq) { check_method(PVCLOCK_GETCPU_RSEQ); }
Test(getcpu, syscall) { check_method(PVCLOCK_GETCPU_SYSCALL); }

Test(getcpu, best_and_bad_methods)
{
	enum pvclock_getcpu_method best = pvclock_getcpu_best();
	const char *why = NULL;

	cr_expect_neq(best, PVCLOCK_GETCPU_AUTO);
	cr_expect_eq(pvclock_getcpu_probe(best, NULL), PVCLOCK_OK, "best is %s",
		     pvclock_getcpu_name(best));
	cr_expect_eq(pvclock_getcpu_probe(PVCLOCK_GETCPU_AUTO, &why), PVCLOCK_EARG);
	cr_expect_not_null(why);
	cr_expect_eq(pvclock_getcpu_probe(PVCLOCK_GETCPU_NR_METHODS, NULL), PVCLOCK_EARG);
	cr_expect_eq(pvclock_getcpu(PVCLOCK_GETCPU_AUTO), PVCLOCK_ENOGETCPU, "AUTO is not resolved");
	cr_expect_eq(pvclock_getcpu((enum pvclock_getcpu_method)42), PVCLOCK_ENOGETCPU);
	cr_log_info("best getcpu method here: %s\n", pvclock_getcpu_name(best));
}

Test(rseq, owner)
{
	enum pvclock_rseq_owner owner = pvclock_rseq_owner();
	volatile struct pvclock_rseq_area *rs = pvclock_rseq_current();

	if (owner == PVCLOCK_RSEQ_NONE)
		cr_skip_test("rseq unavailable: the kernel refused registration");
	if (getenv("PVCLOCK_EXPECT_OWN_RSEQ"))
		cr_expect_eq(owner, PVCLOCK_RSEQ_OWN, "glibc's rseq is off: the library registers");
	else
		cr_expect_eq(owner, PVCLOCK_RSEQ_LIBC, "glibc 2.35+ registers rseq itself");
	cr_expect(pvclock_rseq_available());
	/* Pinned: no migration between the area's cpu_id and the system call. */
	cr_assert_eq(test_pin_self(pvclock_sys_getcpu()), 0);
	cr_expect_eq((int32_t)rs->cpu_id, pvclock_sys_getcpu());
	test_unpin_self();
	cr_expect_eq(rs, pvclock_rseq_current(), "one area per thread");
	cr_log_info("rseq area registered by %s\n", owner == PVCLOCK_RSEQ_OWN ? "libpvclock" : "libc");
}

static void *other_thread_area(void *arg)
{
	*(volatile struct pvclock_rseq_area **)arg = pvclock_rseq_current();
	return NULL;
}

Test(rseq, per_thread)
{
	volatile struct pvclock_rseq_area *mine = pvclock_rseq_current(), *theirs = NULL;
	pthread_t t;

	if (!pvclock_rseq_available())
		cr_skip_test("rseq unavailable: the kernel refused registration");
	cr_assert_eq(pthread_create(&t, NULL, other_thread_area, (void *)&theirs), 0);
	pthread_join(t, NULL);
	cr_expect_neq(mine, theirs);
}

/*
 * rseq refused by the kernel (a seccomp filter makes the system call fail):
 * the library must say so, not crash.  The filter is installed by a thread
 * of its own, on itself only, and goes away with it.
 */
static void *refused_thread(void *arg)
{
	static _Alignas(64) unsigned char slots[64];
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rseq, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };
	struct pvclock_source src;
	struct pvclock_time t;
	const char *why = NULL;
	int *fails = arg;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		*fails = -1;
		return NULL;
	}
	test_fill_record(slots, 64, 0, 2, 0, 0, 0x80000000u, 0, PVCLOCK_TSC_STABLE);
	*fails += pvclock_rseq_owner() != PVCLOCK_RSEQ_NONE;
	*fails += pvclock_rseq_available() != 0;
	*fails += pvclock_getcpu(PVCLOCK_GETCPU_RSEQ) != PVCLOCK_ENORSEQ;
	*fails += pvclock_getcpu_probe(PVCLOCK_GETCPU_RSEQ, &why) != PVCLOCK_ENORSEQ || !why;
	*fails += pvclock_source_open_memory(&src, slots, 64, 1, 0) != PVCLOCK_OK;
	*fails += pvclock_read_rseq(&src, &t) != PVCLOCK_ENORSEQ;
	*fails += pvclock_source_set_getcpu(&src, PVCLOCK_GETCPU_RSEQ) != PVCLOCK_ENORSEQ;
	*fails += pvclock_read_vcpu0(&src, &t) != PVCLOCK_OK;
	return NULL;
}

Test(rseq, refused_by_kernel)
{
	int fails = 0;
	pthread_t t;

	/* glibc's own area, when it has one, is found before the library tries to register. */
	if (pvclock_rseq_owner() == PVCLOCK_RSEQ_LIBC)
		cr_skip_test("glibc registers rseq itself (checked with glibc.pthread.rseq=0)");
	cr_assert_eq(pthread_create(&t, NULL, refused_thread, &fails), 0);
	pthread_join(t, NULL);
	if (fails < 0)
		cr_skip_test("cannot install a seccomp filter here");
	cr_expect_eq(fails, 0, "%d checks failed with rseq refused", fails);
}

/* The getcpu system call refused: every method that checks against it fails, none crashes. */
struct nogetcpu {
	int sys, probe_syscall, probe_rdpid, probe_rdtscp, best, set;
	const char *why_syscall, *why_rdpid;
};

static void *nogetcpu_calls(void *arg)
{
	static _Alignas(64) unsigned char slots[64];
	struct pvclock_source src;
	struct nogetcpu *r = arg;

	r->sys = pvclock_sys_getcpu();
	r->probe_syscall = pvclock_getcpu_probe(PVCLOCK_GETCPU_SYSCALL, &r->why_syscall);
	r->probe_rdpid = pvclock_getcpu_probe(PVCLOCK_GETCPU_RDPID, &r->why_rdpid);
	r->probe_rdtscp = pvclock_getcpu_probe(PVCLOCK_GETCPU_RDTSCP, NULL);
	r->best = pvclock_getcpu_best();
	test_fill_record(slots, 64, 0, 2, 0, 0, 1, 0, 0);
	pvclock_source_open_memory(&src, slots, 64, 1, 0);
	r->set = pvclock_source_set_getcpu(&src, PVCLOCK_GETCPU_SYSCALL);
	return NULL;
}

Test(getcpu, syscall_refused)
{
	struct nogetcpu r;

	if (test_with_failing_syscall(SYS_getcpu, EPERM, nogetcpu_calls, &r) != 0)
		cr_skip_test("cannot install a seccomp filter here");
	cr_expect_eq(r.sys, PVCLOCK_ENOGETCPU);
	cr_expect_eq(r.probe_syscall, PVCLOCK_ENOGETCPU);
	cr_expect_not_null(r.why_syscall);
	cr_expect_eq(r.probe_rdpid, PVCLOCK_ENOGETCPU, "nothing to check RDPID against");
	cr_expect_not_null(r.why_rdpid);
	cr_expect_eq(r.probe_rdtscp, PVCLOCK_ENOGETCPU);
	cr_expect_eq(r.best, PVCLOCK_GETCPU_SYSCALL, "the last resort when nothing else is proven");
	cr_expect_eq(r.set, PVCLOCK_ENOGETCPU);
}

Test(cpu, features)
{
	struct pvclock_cpu_features f;

	pvclock_cpu_features(&f);
	cr_expect_eq(strlen(f.vendor), 12, "vendor '%s'", f.vendor);
	cr_expect_leq(strlen(f.model), 48);
	if (f.model[0])
		cr_expect(f.model[0] != ' ' && f.model[strlen(f.model) - 1] != ' ', "model trimmed");
	if (f.hypervisor)
		cr_expect_gt(strlen(f.hypervisor_id), 0);
	else
		cr_expect_eq(f.hypervisor_id[0], 0);
	cr_log_info("cpu: %s '%s' rdtscp=%d rdpid=%d invariant_tsc=%d hypervisor='%s' "
		    "clocksource2=%d stable_bit=%d\n",
		    f.vendor, f.model, f.rdtscp, f.rdpid, f.invariant_tsc, f.hypervisor_id,
		    f.kvm_clocksource2, f.kvm_stable_bit);
}

Test(tsc, modes_run_forwards)
{
	static const enum pvclock_tsc_mode modes[] = {
		PVCLOCK_TSC_RDTSCP, PVCLOCK_TSC_LFENCE, PVCLOCK_TSC_MFENCE, PVCLOCK_TSC_UNORDERED,
	};
	struct pvclock_cpu_features f;
	int cpu = test_nth_cpu(0);

	pvclock_cpu_features(&f);
	cr_assert_eq(test_pin_self(cpu), 0);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		uint64_t prev = pvclock_rdtsc_lfence();
		uint32_t aux = 0xdeadbeef;

		if (modes[i] == PVCLOCK_TSC_RDTSCP && !f.rdtscp)
			continue;
		for (int k = 0; k < 1000; k++) {
			uint64_t now = pvclock_tsc_read(modes[i], &aux);

			/* Unordered reads may swap with their neighbours; ordered ones may not. */
			if (modes[i] != PVCLOCK_TSC_UNORDERED)
				cr_assert_geq(now, prev, "mode %d", modes[i]);
			prev = now;
		}
		if (modes[i] == PVCLOCK_TSC_RDTSCP &&
		    pvclock_getcpu_probe(PVCLOCK_GETCPU_RDTSCP, NULL) == PVCLOCK_OK)
			cr_expect_eq((int)(aux & PVCLOCK_TSC_AUX_CPU_MASK), cpu);
		else if (modes[i] != PVCLOCK_TSC_RDTSCP)
			cr_expect_eq(aux, 0xdeadbeef, "aux is left alone");
	}
	cr_expect_geq(pvclock_tsc_read(PVCLOCK_TSC_LFENCE, NULL), 1);
	cr_expect_geq(pvclock_rdtsc_mfence(), 1);
	test_unpin_self();
}

/* The [vdso] mapping, from /proc/self/maps. */
static int vdso_range(uintptr_t *start, uintptr_t *end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &s, &e) == 2) {
			*start = s;
			*end = e;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

Test(vdso_sym, kernel_vdso)
{
	const void *vdso = pvclock_kernel_vdso();
	int (*gettime)(clockid_t, struct timespec *);
	struct timespec a, b, c;

	if (!vdso)
		cr_skip_test("this process has no kernel vDSO (AT_SYSINFO_EHDR is 0)");
	gettime = (int (*)(clockid_t, struct timespec *))pvclock_kernel_vdso_sym("__vdso_clock_gettime");
	cr_assert_not_null(gettime);
	cr_expect_eq(pvclock_elf_lookup(vdso, "__vdso_clock_gettime", NULL), (void *)gettime);
	cr_expect_eq(pvclock_elf_lookup(vdso, "clock_gettime", "LINUX_2.6"), (void *)gettime,
		     "the weak alias names the same code");
	cr_expect_null(pvclock_elf_lookup(vdso, "__vdso_clock_gettime", "LINUX_9.9"));
	cr_expect_null(pvclock_kernel_vdso_sym("__vdso_no_such_symbol"));
	cr_expect_null(pvclock_elf_lookup(vdso, NULL, NULL));
	cr_expect_null(pvclock_elf_lookup(NULL, "__vdso_clock_gettime", NULL));
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(gettime(CLOCK_MONOTONIC, &b), 0);
	clock_gettime(CLOCK_MONOTONIC, &c);
	cr_expect(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
	cr_expect(c.tv_sec > b.tv_sec || (c.tv_sec == b.tv_sec && c.tv_nsec >= b.tv_nsec));
}

/* A copy of the vDSO with DT_HASH hidden: the lookup must use DT_GNU_HASH. */
Test(vdso_sym, gnu_hash_only)
{
	const unsigned char *vdso = pvclock_kernel_vdso();
	uintptr_t start, end;
	unsigned char *copy;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	int has_gnu = 0, had_hash = 0;
	void *orig, *found;

	if (!vdso || !vdso_range(&start, &end) || start != (uintptr_t)vdso)
		cr_skip_test("no kernel vDSO mapping to copy");
	copy = malloc(end - start);
	cr_assert_not_null(copy);
	memcpy(copy, vdso, end - start);
	eh = (Elf64_Ehdr *)copy;
	ph = (Elf64_Phdr *)(copy + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_DYNAMIC)
			continue;
		for (Elf64_Dyn *d = (Elf64_Dyn *)(copy + ph[i].p_offset); d->d_tag != DT_NULL; d++) {
			if (d->d_tag == DT_HASH) {
				d->d_tag = DT_DEBUG;
				had_hash = 1;
			}
			has_gnu |= d->d_tag == DT_GNU_HASH;
		}
	}
	if (!has_gnu) {
		free(copy);
		cr_skip_test("the kernel vDSO has no DT_GNU_HASH");
	}
	orig = pvclock_elf_lookup(vdso, "__vdso_getcpu", "LINUX_2.6");
	found = pvclock_elf_lookup(copy, "__vdso_getcpu", "LINUX_2.6");
	cr_assert_not_null(orig);
	cr_expect_eq((char *)found - (char *)copy, (const char *)orig - (const char *)vdso);
	cr_expect_null(pvclock_elf_lookup(copy, "__vdso_no_such_symbol", NULL));
	cr_log_info("vDSO had DT_HASH: %d; looked up through DT_GNU_HASH\n", had_hash);

	/* Not an x86-64 ELF image: refused, not parsed. */
	eh->e_machine = EM_AARCH64;
	cr_expect_null(pvclock_elf_lookup(copy, "__vdso_getcpu", NULL));
	eh->e_machine = EM_X86_64;
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	cr_expect_null(pvclock_elf_lookup(copy, "__vdso_getcpu", NULL));
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_phentsize = 7;
	cr_expect_null(pvclock_elf_lookup(copy, "__vdso_getcpu", NULL));
	memset(copy, 0, 64);
	cr_expect_null(pvclock_elf_lookup(copy, "__vdso_getcpu", NULL));
	free(copy);
}
