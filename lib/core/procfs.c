/* SPDX-License-Identifier: MIT */
#include "procfs.h"
#include "maps_line.h"
#include "str.h"
#include "pvclock/maps.h"
#include "pvclock/syscall.h"

static long open_ro(const char *path)
{
	return pvclock_syscall3_retry(PVCLOCK_SYS_open, (long)path, PVCLOCK_SYS_O_RDONLY | PVCLOCK_SYS_O_CLOEXEC, 0);
}

static long read_some(long fd, void *buf, size_t len)
{
	return pvclock_syscall3_retry(PVCLOCK_SYS_read, fd, (long)buf, (long)len);
}

#define PR_GET_AUXV_ 0x41555856

#define AT_PHDR_         3
#define AT_BASE_         7
#define AT_SYSINFO_EHDR_ 33

static void aux_take(struct pvclock_proc_aux *aux, uint64_t type, uint64_t value)
{
	if (type == AT_SYSINFO_EHDR_)
		aux->sysinfo_ehdr = value;
	else if (type == AT_BASE_)
		aux->base = value;
	else if (type == AT_PHDR_)
		aux->phdr = value;
}

static void aux_read(struct pvclock_proc_aux *aux)
{
	uint64_t pair[2], v[2 * 48];
	long fd, n;

	*aux = (struct pvclock_proc_aux){ 0 };
	/* Linux 6.4 and later copy the vector out: no file, no descriptor. */
	n = pvclock_syscall6(PVCLOCK_SYS_prctl, PR_GET_AUXV_, (long)v, sizeof(v), 0, 0, 0);
	if (n > 0 && (size_t)n <= sizeof(v)) {
		for (size_t i = 0; i + 1 < (size_t)n / 8 && v[i]; i += 2)
			aux_take(aux, v[i], v[i + 1]);
		return;
	}
	fd = open_ro("/proc/self/auxv");
	if (fd < 0)
		return;
	/* Entries are 16 bytes; a short read can only end the vector. */
	while (read_some(fd, pair, sizeof(pair)) == (long)sizeof(pair) && pair[0] != 0)
		aux_take(aux, pair[0], pair[1]);
	pvclock_syscall3(PVCLOCK_SYS_close, fd, 0, 0);
}

/*
 * The vector is the same for the life of the process (a child has its
 * parent's): read once, published with a flag.  Two callers that race both
 * read it, and store the same values.
 */
void pvclock_proc_aux(struct pvclock_proc_aux *aux)
{
	static struct pvclock_proc_aux kept;
	static int have;

	if (!__atomic_load_n(&have, __ATOMIC_ACQUIRE)) {
		struct pvclock_proc_aux now;

		aux_read(&now);
		kept = now;
		__atomic_store_n(&have, 1, __ATOMIC_RELEASE);
	}
	*aux = kept;
}

void pvclock_proc_env_init(struct proc_env *st)
{
	st->matched = 0;
	st->vlen = 0;
	st->in_value = 0;
	st->found = 0;
}

int pvclock_proc_env_feed(struct proc_env *st, const char *buf, size_t n)
{
	static const char key[] = "PVCLOCK_VDSO=";

	/* Entries are NUL-terminated "NAME=value"; match the key at an entry start. */
	for (size_t i = 0; i < n && !st->found; i++) {
		char c = buf[i];

		if (st->in_value) {
			if (c == '\0')
				st->found = 1;
			else if (st->vlen < sizeof(st->value) - 1)
				st->value[st->vlen++] = c;
			else
				st->vlen = sizeof(st->value);  /* too long to be valid */
		} else if (c == '\0') {
			st->matched = 0;
		} else if (st->matched != (size_t)-1 && c == key[st->matched]) {
			if (++st->matched == sizeof(key) - 1)
				st->in_value = 1;
		} else {
			st->matched = (size_t)-1;  /* not this entry */
		}
	}
	return st->found;
}

enum clock_request pvclock_proc_env_request(struct proc_env *st)
{
	if (!st->in_value || st->vlen >= sizeof(st->value))
		return CLOCK_REQ_AUTO;
	st->value[st->vlen] = '\0';
	if (core_str_eq(st->value, "off"))
		return CLOCK_REQ_OFF;
	if (core_str_eq(st->value, "vcpu0"))
		return CLOCK_REQ_VCPU0;
	if (core_str_eq(st->value, "percpu"))
		return CLOCK_REQ_PERCPU;
	return CLOCK_REQ_AUTO;
}

int pvclock_proc_trust_host(char *const *env)
{
	for (; env && *env; env++)
		if ((*env)[0] == 'P' && core_str_eq(*env, "PVCLOCK_TRUST_HOST=1"))
			return 1;
	return 0;
}

enum clock_request pvclock_proc_request(char *const *env)
{
	struct proc_env st;
	char buf[256];
	long fd, n;

	pvclock_proc_env_init(&st);
	if (env) {
		/* Only the entry that starts with the key is fed: the others cost one compare. */
		for (; *env && !st.found; env++)
			if ((*env)[0] == 'P' && core_str_starts(*env, "PVCLOCK_VDSO="))
				pvclock_proc_env_feed(&st, *env, core_strlen(*env) + 1);
		return pvclock_proc_env_request(&st);
	}
	fd = open_ro("/proc/self/environ");
	if (fd < 0)
		return CLOCK_REQ_AUTO;
	while (!st.found && (n = read_some(fd, buf, sizeof(buf))) > 0)
		pvclock_proc_env_feed(&st, buf, (size_t)n);
	pvclock_syscall3(PVCLOCK_SYS_close, fd, 0, 0);
	return pvclock_proc_env_request(&st);
}

void pvclock_proc_maps_init(struct proc_maps *st, const char *name)
{
	st->name = name;
	st->len = 0;
	st->overlong = 0;
}

int pvclock_proc_maps_feed(struct proc_maps *st, const char *buf, size_t n, uintptr_t *start,
		    uintptr_t *end)
{
	/* Lines longer than line[] carry file paths, never a special mapping. */
	for (size_t i = 0; i < n; i++) {
		int found = 0;

		if (buf[i] != '\n') {
			if (st->len < sizeof(st->line))
				st->line[st->len++] = buf[i];
			else
				st->overlong = 1;
			continue;
		}
		if (!st->overlong)
			found = pvclock_maps_line_is(st->line, st->line + st->len, st->name, start, end);
		st->len = 0;
		st->overlong = 0;
		if (found)
			return 1;
	}
	return 0;
}

int pvclock_proc_mapping(const char *name, uintptr_t *start, uintptr_t *end)
{
	struct proc_maps st;
	char buf[512];
	int found = 0;
	long fd = open_ro("/proc/self/maps"), n;

	if (fd < 0)
		return 0;
	pvclock_proc_maps_init(&st, name);
	while (!found && (n = read_some(fd, buf, sizeof(buf))) > 0)
		found = pvclock_proc_maps_feed(&st, buf, (size_t)n, start, end);
	pvclock_syscall3(PVCLOCK_SYS_close, fd, 0, 0);
	return found;
}

int pvclock_proc_readable(const void *addr, size_t len)
{
	return pvclock_probe_readable(addr, len) == PVCLOCK_OK;
}

int pvclock_proc_mapped(const void *addr, size_t len)
{
	unsigned char vec[2];
	uintptr_t a = (uintptr_t)addr & ~(uintptr_t)4095;

	/* One system call, no descriptor: mincore fails with ENOMEM where nothing is mapped. */
	return addr && len <= 4096 &&
	       pvclock_syscall3(PVCLOCK_SYS_mincore, (long)a, (long)((uintptr_t)addr + len - a),
				(long)vec) == 0;
}
