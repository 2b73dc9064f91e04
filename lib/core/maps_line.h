/* SPDX-License-Identifier: MIT */
/*
 * core/maps_line.h - one line of a /proc/<pid>/maps text, as the kernel
 * writes it: "start-end perms offset dev inode   pathname".
 */
#ifndef PVCLOCK_CORE_MAPS_LINE_H
#define PVCLOCK_CORE_MAPS_LINE_H

#include <stdint.h>

/*
 * pvclock_maps_line_is - whether the line [@s, @eol) is the kernel's mapping @name
 * ("[vvar]", "[vvar_vclock]"): a hex range (either case, at most 16 digits
 * a side, start below end) followed by a space, and @name as the last field
 * after device 00:00 and inode 0 (a file whose path ends in " [vvar]" has a
 * real inode).  Fields may be separated by spaces or tabs; a trailing CR is
 * ignored.  On a match the range goes to *@start, *@end.
 */
int pvclock_maps_line_is(const char *s, const char *eol, const char *name, uintptr_t *start,
		 uintptr_t *end);

#endif /* PVCLOCK_CORE_MAPS_LINE_H */
