/* SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pvclock/error.h"
#include "pvclock/maps.h"

/* Parse "start-end " at the head of a maps line; 0 when the line does not have one. */
static int parse_range(const char *s, const char *eol, uintptr_t *start, uintptr_t *end)
{
	uintptr_t v[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		int digits = 0;

		for (; s < eol; s++, digits++) {
			unsigned c = (unsigned char)*s, d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				break;
			if (digits >= 16)
				return 0;
			v[i] = (v[i] << 4) | d;
		}
		if (digits == 0)
			return 0;
		if (i == 0) {
			if (s >= eol || *s != '-')
				return 0;
			s++;
		} else if (s >= eol || *s != ' ') {
			return 0;
		}
	}
	if (v[1] <= v[0])
		return 0;
	*start = v[0];
	*end = v[1];
	return 1;
}

/*
 * Where the last token of [@s, @e) starts when it is @tok and a blank
 * precedes it; NULL otherwise.  Trailing blanks are skipped.
 */
static const char *token_before(const char *s, const char *e, const char *tok)
{
	size_t n = strlen(tok);

	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if ((size_t)(e - s) < n + 1 || memcmp(e - n, tok, n) != 0)
		return NULL;
	return e[-(ptrdiff_t)n - 1] == ' ' || e[-(ptrdiff_t)n - 1] == '\t' ? e - n : NULL;
}

/*
 * Whether the line is the kernel's mapping @name: the pathname field is
 * @name after device 00:00 and inode 0.  A file whose path ends in
 * " [vvar_vclock]" (maps does not escape spaces) has a real inode.
 */
static int line_names(const char *s, const char *eol, const char *name)
{
	const char *p = token_before(s, eol, name);

	p = p ? token_before(s, p, "0") : NULL;
	return p && token_before(s, p, "00:00");
}

/* Fold one line into @hit; returns 1 once [vvar_vclock] is found (nothing beats it). */
static int scan_line(const char *s, const char *eol, struct pvclock_maps_hit *hit)
{
	uintptr_t start, end;

	if (!parse_range(s, eol, &start, &end))
		return 0;
	if (line_names(s, eol, "[vvar_vclock]")) {
		*hit = (struct pvclock_maps_hit){ start, end, start, PVCLOCK_ORIGIN_VVAR_VCLOCK };
		return 1;
	}
	if (hit->origin == PVCLOCK_ORIGIN_NONE && line_names(s, eol, "[vvar]") &&
	    end - start >= 2 * PVCLOCK_PAGE_SIZE)
		*hit = (struct pvclock_maps_hit){ start, end, start + PVCLOCK_PAGE_SIZE,
						  PVCLOCK_ORIGIN_VVAR };
	return 0;
}

int pvclock_maps_find(const char *text, struct pvclock_maps_hit *hit)
{
	struct pvclock_maps_hit h = { 0, 0, 0, PVCLOCK_ORIGIN_NONE };

	if (!text || !hit)
		return PVCLOCK_EARG;
	for (const char *s = text; *s;) {
		const char *eol = strchr(s, '\n');

		if (!eol)
			eol = s + strlen(s);
		if (scan_line(s, eol, &h))
			break;
		s = *eol ? eol + 1 : eol;
	}
	if (h.origin == PVCLOCK_ORIGIN_NONE)
		return PVCLOCK_ENOPAGE;
	*hit = h;
	return PVCLOCK_OK;
}

int pvclock_maps_find_self(struct pvclock_maps_hit *hit)
{
	struct pvclock_maps_hit h = { 0, 0, 0, PVCLOCK_ORIGIN_NONE };
	char buf[4096];
	size_t len = 0;
	int fd, done = 0, skipping = 0;

	if (!hit)
		return PVCLOCK_EARG;
	do
		fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return PVCLOCK_EMAPS;
	while (!done) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		char *s = buf, *eol;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return PVCLOCK_EMAPS;
		}
		if (n == 0) {
			/* A last line without a newline. */
			if (len && !skipping)
				scan_line(buf, buf + len, &h);
			break;
		}
		len += (size_t)n;
		while (!done && (eol = memchr(s, '\n', len - (size_t)(s - buf)))) {
			/* Lines longer than the buffer are file paths, never [vvar]. */
			if (!skipping)
				done = scan_line(s, eol, &h);
			skipping = 0;
			s = eol + 1;
		}
		len -= (size_t)(s - buf);
		memmove(buf, s, len);
		if (len == sizeof(buf)) {
			skipping = 1;
			len = 0;
		}
	}
	close(fd);
	if (h.origin == PVCLOCK_ORIGIN_NONE)
		return PVCLOCK_ENOPAGE;
	*hit = h;
	return PVCLOCK_OK;
}

int pvclock_probe_readable(const void *addr, size_t len)
{
	int p[2], rc = PVCLOCK_ENOPAGE;
	ssize_t n;

	if (!addr || len == 0 || len > PVCLOCK_PAGE_SIZE)
		return PVCLOCK_EARG;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		return PVCLOCK_EPROBE;
	/* A pipe holds at least one page, so a single write of len bytes never blocks. */
	do
		n = write(p[1], addr, len);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		rc = PVCLOCK_OK;
	close(p[0]);
	close(p[1]);
	return rc;
}
