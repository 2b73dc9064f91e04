/* SPDX-License-Identifier: MIT */
#include "maps_line.h"
#include "str.h"

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parse "start-end " at the head of a line; 0 when the line does not have one. */
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
		if (digits == 0 || s >= eol || *s != (i == 0 ? '-' : ' '))
			return 0;
		s++;
	}
	if (v[1] <= v[0])
		return 0;
	*start = v[0];
	*end = v[1];
	return 1;
}

/* Where the last field of [@s, @e) starts when it is @tok after a blank; NULL otherwise. */
static const char *field_before(const char *s, const char *e, const char *tok)
{
	size_t n = core_strlen(tok);

	while (e > s && (blank(e[-1]) || e[-1] == '\r'))
		e--;
	if ((size_t)(e - s) < n + 1 || !core_mem_eq(e - n, tok, n) || !blank(e[-(long)n - 1]))
		return 0;
	return e - n;
}

int pvclock_maps_line_is(const char *s, const char *eol, const char *name, uintptr_t *start,
		 uintptr_t *end)
{
	const char *p = field_before(s, eol, name);

	p = p ? field_before(s, p, "0") : 0;
	if (!p || !field_before(s, p, "00:00"))
		return 0;
	return parse_range(s, eol, start, end);
}
