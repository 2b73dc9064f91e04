/* SPDX-License-Identifier: MIT */
/*
 * elfmap.h - loading a shared object by hand, as a program loads the
 * kernel's vDSO: no dlopen, so no constructor runs and the object starts up
 * on its first call.
 */
#ifndef PVCLOCK_TEST_ELFMAP_H
#define PVCLOCK_TEST_ELFMAP_H

/*
 * elfmap_load - map @path's PT_LOAD segments into one region and apply its
 * relocations, which must all be R_X86_64_RELATIVE (their count in
 * *@relocs); the image's base, or NULL with the reason in *@why.
 */
void *elfmap_load(const char *path, int *relocs, const char **why);

#endif /* PVCLOCK_TEST_ELFMAP_H */
