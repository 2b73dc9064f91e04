/* SPDX-License-Identifier: MIT */
#include "procfs.h"
#include "sys.h"

static long open_ro(const char *path)
{
	return vsys_retry3(VSYS_open, (long)path, VSYS_O_RDONLY | VSYS_O_CLOEXEC, 0);
}

static long read_some(long fd, void *buf, size_t len)
{
	return vsys_retry3(VSYS_read, fd, (long)buf, (long)len);
}

uint64_t vproc_auxv(uint64_t type)
{
	uint64_t pair[2], value = 0;
	long fd = open_ro("/proc/self/auxv");

	if (fd < 0)
		return 0;
	/* Entries are 16 bytes; a short read can only end the vector. */
	while (read_some(fd, pair, sizeof(pair)) == (long)sizeof(pair) && pair[0] != 0) {
		if (pair[0] == type) {
			value = pair[1];
			break;
		}
	}
	vsys3(VSYS_close, fd, 0, 0);
	return value;
}

static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

void vproc_env_init(struct vproc_env *st)
{
	st->matched = 0;
	st->vlen = 0;
	st->in_value = 0;
	st->found = 0;
}

int vproc_env_feed(struct vproc_env *st, const char *buf, size_t n)
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

enum vdso_request vproc_env_request(struct vproc_env *st)
{
	if (!st->in_value || st->vlen >= sizeof(st->value))
		return VDSO_REQ_AUTO;
	st->value[st->vlen] = '\0';
	if (str_eq(st->value, "off"))
		return VDSO_REQ_OFF;
	if (str_eq(st->value, "vcpu0"))
		return VDSO_REQ_VCPU0;
	if (str_eq(st->value, "percpu"))
		return VDSO_REQ_PERCPU;
	return VDSO_REQ_AUTO;
}

enum vdso_request vproc_request(void)
{
	struct vproc_env st;
	char buf[256];
	long fd = open_ro("/proc/self/environ"), n;

	if (fd < 0)
		return VDSO_REQ_AUTO;
	vproc_env_init(&st);
	while (!st.found && (n = read_some(fd, buf, sizeof(buf))) > 0)
		vproc_env_feed(&st, buf, (size_t)n);
	vsys3(VSYS_close, fd, 0, 0);
	return vproc_env_request(&st);
}

static int parse_hex(const char **p, const char *end, uintptr_t *out)
{
	uintptr_t v = 0;
	int digits = 0;

	for (; *p < end; (*p)++, digits++) {
		char c = **p;
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			break;
		if (digits == 16)
			return 0;
		v = v << 4 | d;
	}
	*out = v;
	return digits > 0;
}

/* Where the last field of [@s, @e) starts when it is @tok after a space; NULL otherwise. */
static const char *field_before(const char *s, const char *e, const char *tok)
{
	size_t n = 0;

	while (tok[n])
		n++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\n'))
		e--;
	if ((size_t)(e - s) < n + 1 || e[-(long)n - 1] != ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (e[-(long)n + (long)i] != tok[i])
			return 0;
	return e - n;
}

/*
 * Whether the line is the kernel's mapping @name: its last field after
 * device 00:00 and inode 0 (a file whose path ends in " [vvar]" has a real
 * inode).
 */
static int line_is(const char *s, const char *e, const char *name, uintptr_t *start, uintptr_t *end)
{
	const char *p = field_before(s, e, name);

	p = p ? field_before(s, p, "0") : 0;
	if (!p || !field_before(s, p, "00:00"))
		return 0;
	if (!parse_hex(&s, e, start) || s >= e || *s++ != '-' || !parse_hex(&s, e, end))
		return 0;
	return *end > *start;
}

void vproc_maps_init(struct vproc_maps *st, const char *name)
{
	st->name = name;
	st->len = 0;
	st->overlong = 0;
}

int vproc_maps_feed(struct vproc_maps *st, const char *buf, size_t n, uintptr_t *start,
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
			found = line_is(st->line, st->line + st->len, st->name, start, end);
		st->len = 0;
		st->overlong = 0;
		if (found)
			return 1;
	}
	return 0;
}

int vproc_mapping(const char *name, uintptr_t *start, uintptr_t *end)
{
	struct vproc_maps st;
	char buf[512];
	int found = 0;
	long fd = open_ro("/proc/self/maps"), n;

	if (fd < 0)
		return 0;
	vproc_maps_init(&st, name);
	while (!found && (n = read_some(fd, buf, sizeof(buf))) > 0)
		found = vproc_maps_feed(&st, buf, (size_t)n, start, end);
	vsys3(VSYS_close, fd, 0, 0);
	return found;
}

int vproc_readable(const void *addr, size_t len)
{
	int p[2];
	long n;

	/* The kernel copies through its own fault handling: EFAULT instead of SIGBUS. */
	if (vsys3(VSYS_pipe2, (long)p, VSYS_O_CLOEXEC | VSYS_O_NONBLOCK, 0) != 0)
		return 0;
	n = vsys_retry3(VSYS_write, p[1], (long)addr, (long)len);
	vsys3(VSYS_close, p[0], 0, 0);
	vsys3(VSYS_close, p[1], 0, 0);
	return n == (long)len;
}
