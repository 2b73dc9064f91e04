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
#include "maps_line.h"

/* Fold one line into @hit; returns 1 once [vvar_vclock] is found (nothing beats it). */
static int scan_line(const char *s, const char *eol, struct pvclock_maps_hit *hit)
{
	uintptr_t start, end;

	if (pvclock_maps_line_is(s, eol, "[vvar_vclock]", &start, &end)) {
		*hit = (struct pvclock_maps_hit){ start, end, start, PVCLOCK_ORIGIN_VVAR_VCLOCK };
		return 1;
	}
	if (hit->origin == PVCLOCK_ORIGIN_NONE && pvclock_maps_line_is(s, eol, "[vvar]", &start, &end) &&
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
