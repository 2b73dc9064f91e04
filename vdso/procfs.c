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

enum vdso_request vproc_request(void)
{
	static const char key[] = "PVCLOCK_VDSO=";
	char buf[256], value[16];
	size_t matched = 0, vlen = 0;
	int in_value = 0, found = 0;
	long fd = open_ro("/proc/self/environ"), n;

	if (fd < 0)
		return VDSO_REQ_AUTO;
	/* Entries are NUL-terminated "NAME=value"; match the key at an entry start. */
	while (!found && (n = read_some(fd, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n && !found; i++) {
			char c = buf[i];

			if (in_value) {
				if (c == '\0')
					found = 1;
				else if (vlen < sizeof(value) - 1)
					value[vlen++] = c;
				else
					vlen = sizeof(value);  /* too long to be valid */
			} else if (c == '\0') {
				matched = 0;
			} else if (matched != (size_t)-1 && c == key[matched]) {
				if (++matched == sizeof(key) - 1)
					in_value = 1;
			} else {
				matched = (size_t)-1;  /* not this entry */
			}
		}
	}
	vsys3(VSYS_close, fd, 0, 0);
	if (!in_value || vlen >= sizeof(value))
		return VDSO_REQ_AUTO;
	value[vlen] = '\0';
	if (str_eq(value, "off"))
		return VDSO_REQ_OFF;
	if (str_eq(value, "vcpu0"))
		return VDSO_REQ_VCPU0;
	if (str_eq(value, "percpu"))
		return VDSO_REQ_PERCPU;
	return VDSO_REQ_AUTO;
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

/* Whether the line's last field is exactly @name. */
static int line_is(const char *s, const char *e, const char *name, uintptr_t *start, uintptr_t *end)
{
	size_t n = 0;

	while (name[n])
		n++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\n'))
		e--;
	if ((size_t)(e - s) < n + 1 || e[-(long)n - 1] != ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (e[-(long)n + (long)i] != name[i])
			return 0;
	if (!parse_hex(&s, e, start) || s >= e || *s++ != '-' || !parse_hex(&s, e, end))
		return 0;
	return *end > *start;
}

int vproc_mapping(const char *name, uintptr_t *start, uintptr_t *end)
{
	char buf[512], line[160];
	size_t len = 0;
	int found = 0, overlong = 0;
	long fd = open_ro("/proc/self/maps"), n;

	if (fd < 0)
		return 0;
	/* Lines longer than line[] carry file paths, never a special mapping. */
	while (!found && (n = read_some(fd, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n && !found; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof(line))
					line[len++] = buf[i];
				else
					overlong = 1;
				continue;
			}
			if (!overlong)
				found = line_is(line, line + len, name, start, end);
			len = 0;
			overlong = 0;
		}
	}
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
