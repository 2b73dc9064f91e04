/* SPDX-License-Identifier: MIT */
/*
 * Each read protocol on records that hold still: exact results, and every
 * error path (unstable, stuck, uninitialised, no slot, no counter, no getcpu).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "helpers.h"
#include "pvclock.h"
#include "simhost.h"

static const enum pvclock_tsc_mode ordered_modes[] = {
	PVCLOCK_TSC_RDTSCP, PVCLOCK_TSC_LFENCE, PVCLOCK_TSC_MFENCE,
};

static int mode_works(enum pvclock_tsc_mode mode)
{
	struct pvclock_source src;
	static _Alignas(64) unsigned char mem[64];

	pvclock_source_open_memory(&src, mem, 64, 1, 0);
	return pvclock_source_set_tsc_mode(&src, mode) == PVCLOCK_OK;
}

static struct simhost *host(unsigned nr, int masterclock, int migrate_count)
{
	struct simhost *h = simhost_create(&(struct simhost_config){
		.nr_vcpus = nr, .masterclock = masterclock, .migrate_count = migrate_count,
		.change_representation = 1, .vcpu_offset_ns = 1000000000000ull });

	cr_assert_not_null(h);
	return h;
}

static void open_host(struct pvclock_source *src, struct simhost *h, unsigned nr_slots)
{
	cr_assert_eq(pvclock_source_open_memory(src, simhost_slots(h), simhost_stride(h), nr_slots, 0),
		     PVCLOCK_OK);
}

/*
 * On every usable CPU (at most 8), pinned: the read names that CPU (vCPU 0
 * for vcpu0), lies in [H(before), H(after)] for that vCPU and is exactly H
 * at the TSC value it reports.
 */
static void check_exact(struct simhost *h, const struct pvclock_source *src,
			enum pvclock_protocol proto, enum pvclock_getcpu_method gm,
			enum pvclock_tsc_mode mode)
{
	for (unsigned i = 0; i < test_usable_cpus() && i < 8; i++) {
		int cpu = test_nth_cpu(i);

		if ((unsigned)cpu >= simhost_nr_vcpus(h))
			continue;
		cr_assert_eq(test_pin_self(cpu), 0);
		for (int k = 0; k < 200; k++) {
			struct pvclock_time t = { 0 };
			uint64_t before = pvclock_rdtsc_lfence(), after;
			int rc = pvclock_read_with(src, proto, gm, mode, &t);
			unsigned want = proto == PVCLOCK_PROTO_VCPU0 ? 0 : (unsigned)cpu;

			after = pvclock_rdtsc_lfence();
			cr_assert_eq(rc, PVCLOCK_OK, "%s/%s/mode %d on CPU %d: %s",
				     pvclock_protocol_name(proto), pvclock_getcpu_name(gm), mode, cpu,
				     pvclock_strerror(rc));
			cr_assert_eq(t.cpu, want);
			cr_assert_eq(t.ns, simhost_clock(h, want, t.tsc), "%s: not exact",
				     pvclock_protocol_name(proto));
			cr_assert(before <= t.tsc && t.tsc <= after, "%s: TSC outside the read",
				  pvclock_protocol_name(proto));
			cr_assert(simhost_clock(h, want, before) <= t.ns &&
				  t.ns <= simhost_clock(h, want, after));
			if (k % 50 == 0)
				simhost_update(h);
		}
	}
	test_unpin_self();
}

Test(vcpu0, exact_in_every_tsc_mode)
{
	struct simhost *h = host(2, 1, 0);
	struct pvclock_source src;
	struct pvclock_time t;

	open_host(&src, h, 2);
	for (size_t i = 0; i < sizeof(ordered_modes) / sizeof(ordered_modes[0]); i++)
		if (mode_works(ordered_modes[i]))
			check_exact(h, &src, PVCLOCK_PROTO_VCPU0, 0, ordered_modes[i]);
	/* Unordered: still exact at the TSC value it reports. */
	cr_assert_eq(pvclock_read_vcpu0_mode(&src, &t, PVCLOCK_TSC_UNORDERED), PVCLOCK_OK);
	cr_expect_eq(t.ns, simhost_clock(h, 0, t.tsc));
	cr_expect_eq(t.flags & PVCLOCK_TSC_STABLE, PVCLOCK_TSC_STABLE);
	/* The source's own mode, through the dispatcher. */
	cr_assert_eq(pvclock_read(&src, PVCLOCK_PROTO_VCPU0, &t), PVCLOCK_OK);
	cr_expect_eq(t.ns, simhost_clock(h, 0, t.tsc));
	simhost_destroy(h);
}

Test(vcpu0, refuses_when_unstable)
{
	struct simhost *h = host(2, 0, 0);
	struct pvclock_source src;
	struct pvclock_time t = { .ns = 12345 };

	open_host(&src, h, 2);
	cr_expect_eq(pvclock_read_vcpu0(&src, &t), PVCLOCK_EUNSTABLE);
	cr_expect_eq(t.ns, 12345, "result left alone");
	simhost_set_stable(h, 1);
	cr_expect_eq(pvclock_read_vcpu0(&src, &t), PVCLOCK_OK);
	simhost_destroy(h);
}

/* Errors common to every protocol, on the vCPU the thread is pinned to. */
static void check_errors(enum pvclock_protocol proto, enum pvclock_getcpu_method gm)
{
	int cpu = proto == PVCLOCK_PROTO_VCPU0 ? 0 : test_nth_cpu(0);
	struct simhost *h = host(cpu + 1, 1, 1);
	struct pvclock_source src;
	struct pvclock_time t;
	uint64_t t0;
	int rc;

	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), 64, cpu + 1,
						PVCLOCK_MEM_MIGRATE_COUNT), PVCLOCK_OK);
	cr_assert_eq(test_pin_self(cpu), 0);
	cr_assert_eq(pvclock_read_with(&src, proto, gm, PVCLOCK_TSC_LFENCE, &t), PVCLOCK_OK);

	/* Stuck odd: ESTUCK after max_retries attempts, in bounded time. */
	simhost_stick_odd(h, cpu, 1);
	pvclock_source_set_max_retries(&src, 1000);
	t0 = test_now_ns();
	rc = pvclock_read_with(&src, proto, gm, PVCLOCK_TSC_LFENCE, &t);
	cr_expect_eq(rc, PVCLOCK_ESTUCK, "%s: %s", pvclock_protocol_name(proto), pvclock_strerror(rc));
	cr_expect_lt(test_now_ns() - t0, 5000000000ull, "gave up in bounded time");
	/* The default bound, too, ends (in about a millisecond on this kind of machine). */
	pvclock_source_set_max_retries(&src, 0);
	cr_expect_eq(pvclock_read_with(&src, proto, gm, PVCLOCK_TSC_LFENCE, &t), PVCLOCK_ESTUCK);
	simhost_stick_odd(h, cpu, 0);
	cr_expect_eq(pvclock_read_with(&src, proto, gm, PVCLOCK_TSC_LFENCE, &t), PVCLOCK_OK);

	/* Never initialised (mul 0). */
	simhost_uninit(h, cpu);
	rc = pvclock_read_with(&src, proto, gm, PVCLOCK_TSC_LFENCE, &t);
	if (proto == PVCLOCK_PROTO_VCPU0)
		cr_expect_eq(rc, PVCLOCK_EUNSTABLE, "flags are 0 too");
	else
		cr_expect_eq(rc, PVCLOCK_EINVALID, "%s: %s", pvclock_protocol_name(proto),
			     pvclock_strerror(rc));
	test_unpin_self();
	simhost_destroy(h);
}

Test(vcpu0, errors) { check_errors(PVCLOCK_PROTO_VCPU0, 0); }
Test(percpu, errors) { check_errors(PVCLOCK_PROTO_PERCPU, PVCLOCK_GETCPU_SYSCALL); }
Test(migrate, errors) { check_errors(PVCLOCK_PROTO_MIGRATE, PVCLOCK_GETCPU_SYSCALL); }
Test(rseq, errors)
{
	if (!pvclock_rseq_available())
		cr_skip_test("rseq unavailable: %s", pvclock_strerror(PVCLOCK_ENORSEQ));
	check_errors(PVCLOCK_PROTO_RSEQ, 0);
}

Test(vcpu0, uninitialised_but_stable)
{
	static _Alignas(64) unsigned char mem[64];
	struct pvclock_source src;
	struct pvclock_time t;

	test_fill_record(mem, 64, 0, 2, 0, 0, 0, 0, PVCLOCK_TSC_STABLE);
	cr_assert_eq(pvclock_source_open_memory(&src, mem, 64, 1, 0), PVCLOCK_OK);
	cr_expect_eq(pvclock_read_vcpu0(&src, &t), PVCLOCK_EINVALID);
}

/* Pinned to the second usable CPU, a source with fewer slots has none for it. */
static void check_no_slot(enum pvclock_protocol proto, enum pvclock_getcpu_method gm)
{
	int cpu = test_nth_cpu(1);
	struct simhost *h;
	struct pvclock_source src;
	struct pvclock_time t;
	int rc;

	if (cpu < 0)
		cr_skip_test("needs two usable CPUs (have %u)", test_usable_cpus());
	h = host(cpu, 0, 1);
	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), 64, cpu,
						PVCLOCK_MEM_MIGRATE_COUNT), PVCLOCK_OK);
	cr_assert_eq(test_pin_self(cpu), 0);
	rc = pvclock_read_with(&src, proto, gm, PVCLOCK_TSC_LFENCE, &t);
	cr_expect_eq(rc, PVCLOCK_ECPU, "%s on CPU %d with %d slots: %s", pvclock_protocol_name(proto),
		     cpu, cpu, pvclock_strerror(rc));
	test_unpin_self();
	simhost_destroy(h);
}

Test(percpu, no_slot) { check_no_slot(PVCLOCK_PROTO_PERCPU, PVCLOCK_GETCPU_SYSCALL); }
Test(migrate, no_slot) { check_no_slot(PVCLOCK_PROTO_MIGRATE, PVCLOCK_GETCPU_SYSCALL); }
Test(rseq, no_slot)
{
	if (!pvclock_rseq_available())
		cr_skip_test("rseq unavailable: %s", pvclock_strerror(PVCLOCK_ENORSEQ));
	check_no_slot(PVCLOCK_PROTO_RSEQ, 0);
}

/* percpu and migrate with every getcpu method that works here, in every ordered TSC mode. */
static void check_methods(enum pvclock_protocol proto)
{
	struct simhost *h = host(0, 0, 1);
	struct pvclock_source src;
	int tried = 0;

	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), 64, simhost_nr_vcpus(h),
						PVCLOCK_MEM_MIGRATE_COUNT), PVCLOCK_OK);
	for (int gm = PVCLOCK_GETCPU_RDPID; gm < PVCLOCK_GETCPU_NR_METHODS; gm++) {
		const char *why = NULL;

		if (pvclock_getcpu_probe(gm, &why) != PVCLOCK_OK) {
			cr_log_warn("%s with getcpu %s not run: %s\n", pvclock_protocol_name(proto),
				    pvclock_getcpu_name(gm), why);
			continue;
		}
		for (size_t i = 0; i < sizeof(ordered_modes) / sizeof(ordered_modes[0]); i++) {
			if (!mode_works(ordered_modes[i]))
				continue;
			check_exact(h, &src, proto, gm, ordered_modes[i]);
			tried++;
		}
	}
	cr_log_info("%s: %d getcpu x TSC mode combinations exact\n", pvclock_protocol_name(proto),
		    tried);
	cr_expect_gt(tried, 0);
	simhost_destroy(h);
}

Test(percpu, every_getcpu_and_tsc_mode) { check_methods(PVCLOCK_PROTO_PERCPU); }
Test(migrate, every_getcpu_and_tsc_mode) { check_methods(PVCLOCK_PROTO_MIGRATE); }

Test(rseq, exact_in_every_tsc_mode)
{
	struct simhost *h = host(0, 0, 0);
	struct pvclock_source src;
	struct pvclock_time t;

	if (!pvclock_rseq_available())
		cr_skip_test("rseq unavailable: %s", pvclock_strerror(PVCLOCK_ENORSEQ));
	open_host(&src, h, simhost_nr_vcpus(h));
	for (size_t i = 0; i < sizeof(ordered_modes) / sizeof(ordered_modes[0]); i++)
		if (mode_works(ordered_modes[i]))
			check_exact(h, &src, PVCLOCK_PROTO_RSEQ, 0, ordered_modes[i]);
	cr_assert_eq(pvclock_read_rseq_mode(&src, &t, PVCLOCK_TSC_UNORDERED), PVCLOCK_OK);
	cr_expect_eq(t.ns, simhost_clock(h, t.cpu, t.tsc));
	cr_assert_eq(pvclock_read(&src, PVCLOCK_PROTO_RSEQ, &t), PVCLOCK_OK);
	cr_expect_eq(t.ns, simhost_clock(h, t.cpu, t.tsc));
	simhost_destroy(h);
}

Test(migrate, needs_a_counter)
{
	struct simhost *h = host(0, 0, 0);
	struct pvclock_source src;
	struct pvclock_time t;

	open_host(&src, h, simhost_nr_vcpus(h));
	cr_expect_eq(src.has_migrate_count, 0);
	cr_expect_eq(pvclock_read_migrate(&src, &t), PVCLOCK_ENOMIGRATE);
	cr_expect_eq(pvclock_read(&src, PVCLOCK_PROTO_MIGRATE, &t), PVCLOCK_ENOMIGRATE);
	simhost_destroy(h);
}

Test(dispatch, every_protocol)
{
	struct simhost *h = host(0, 1, 1);
	struct pvclock_source src;
	struct pvclock_time t;

	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), 64, simhost_nr_vcpus(h),
						PVCLOCK_MEM_MIGRATE_COUNT), PVCLOCK_OK);
	for (int p = 0; p < PVCLOCK_PROTO_NR; p++) {
		int rc = pvclock_read(&src, p, &t);

		if (p == PVCLOCK_PROTO_RSEQ && !pvclock_rseq_available()) {
			cr_expect_eq(rc, PVCLOCK_ENORSEQ);
			continue;
		}
		cr_expect_eq(rc, PVCLOCK_OK, "%s: %s", pvclock_protocol_name(p), pvclock_strerror(rc));
		cr_expect_eq(t.ns, simhost_clock(h, t.cpu, t.tsc), "%s", pvclock_protocol_name(p));
	}
	cr_expect_eq(pvclock_read(&src, PVCLOCK_PROTO_NR, &t), PVCLOCK_EARG);
	cr_expect_eq(pvclock_read(&src, (enum pvclock_protocol)-1, &t), PVCLOCK_EARG);
	simhost_destroy(h);
}

Test(percpu, getcpu_failure_is_returned)
{
	struct simhost *h = host(0, 0, 1);
	struct pvclock_source src;
	struct pvclock_time t;

	cr_assert_eq(pvclock_source_open_memory(&src, simhost_slots(h), 64, simhost_nr_vcpus(h),
						PVCLOCK_MEM_MIGRATE_COUNT), PVCLOCK_OK);
	/* AUTO is not a method a read can use: the getcpu error comes back as is. */
	cr_expect_eq(pvclock_read_percpu_with(&src, &t, PVCLOCK_GETCPU_AUTO, PVCLOCK_TSC_LFENCE),
		     PVCLOCK_ENOGETCPU);
	cr_expect_eq(pvclock_read_migrate_with(&src, &t, PVCLOCK_GETCPU_AUTO, PVCLOCK_TSC_LFENCE),
		     PVCLOCK_ENOGETCPU);
	simhost_destroy(h);
}

/*
 * A migration away and back between the two getcpu checks: the per-vCPU
 * protocol (getcpu by system call, TSC by LFENCE;RDTSC) cannot see it, the
 * migration-count protocol must.  Made deterministic by trapping the getcpu
 * system call (seccomp) and doing the round trip inside the second one; the
 * number of getcpu calls shows whether the read was retried.
 */
static struct simhost *trap_host;
static int trap_calls, trap_migrate_at, trap_home, trap_away;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	unsigned *cpu = (unsigned *)uc->uc_mcontext.gregs[REG_RDI];

	(void)sig;
	(void)si;
	if (++trap_calls == trap_migrate_at) {
		simhost_migrate(trap_host, pthread_self(), trap_home, trap_away);
		simhost_migrate(trap_host, pthread_self(), trap_away, trap_home);
	}
	*cpu = (unsigned)trap_home;
	uc->uc_mcontext.gregs[REG_RAX] = 0;
}

static int trapped_read(enum pvclock_protocol proto, const struct pvclock_source *src)
{
	struct pvclock_time t;
	int rc;

	trap_calls = 0;
	trap_migrate_at = 2;
	rc = pvclock_read_with(src, proto, PVCLOCK_GETCPU_SYSCALL, PVCLOCK_TSC_LFENCE, &t);
	if (rc != PVCLOCK_OK || t.cpu != (unsigned)trap_home)
		return 100;
	return trap_calls;
}

/* 0 when percpu missed the round trip and migrate retried; else what was seen. */
static void *trapped_thread(void *arg)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getcpu, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };
	struct pvclock_source src;
	int *result = arg, percpu_calls, migrate_calls;

	if (test_pin_self(trap_home) != 0 ||
	    pvclock_source_open_memory(&src, simhost_slots(trap_host), 64,
				       simhost_nr_vcpus(trap_host), PVCLOCK_MEM_MIGRATE_COUNT) != PVCLOCK_OK) {
		*result = 101;
		return NULL;
	}
	/* On this thread only; it goes away with the thread. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		*result = -1;
		return NULL;
	}
	percpu_calls = trapped_read(PVCLOCK_PROTO_PERCPU, &src);
	migrate_calls = trapped_read(PVCLOCK_PROTO_MIGRATE, &src);
	/* percpu: 2 calls, accepted; migrate: 2, counter moved, retried with 2 more. */
	*result = percpu_calls == 2 && migrate_calls == 4 ? 0 : 10 * percpu_calls + migrate_calls;
	return NULL;
}

Test(migrate, catches_what_percpu_cannot)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	int result = 0;
	pthread_t t;

	trap_home = test_nth_cpu(0);
	trap_away = test_nth_cpu(1);
	if (trap_away < 0)
		cr_skip_test("needs two usable CPUs (have %u)", test_usable_cpus());
	trap_host = simhost_create(&(struct simhost_config){
		.nr_vcpus = (unsigned)(trap_away > trap_home ? trap_away : trap_home) + 1,
		.migrate_count = 1 });
	cr_assert_not_null(trap_host);
	cr_assert_eq(sigaction(SIGSYS, &sa, NULL), 0);
	cr_assert_eq(pthread_create(&t, NULL, trapped_thread, &result), 0);
	pthread_join(t, NULL);
	simhost_destroy(trap_host);
	if (result < 0)
		cr_skip_test("cannot install a seccomp filter here");
	cr_expect_eq(result, 0, "getcpu calls: percpu * 10 + migrate = %d (want 2 and 4)", result);
}
