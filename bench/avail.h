/* SPDX-License-Identifier: MIT */
/*
 * avail.h - the availability checks of the paths: each returns 0, or -1
 * with *@why set to a one-line reason.
 */
#ifndef CLOCKBENCH_AVAIL_H
#define CLOCKBENCH_AVAIL_H

#include "paths.h"

int cb_avail_absl(const struct cb_path *p, const char **why);
int cb_avail_always(const struct cb_path *p, const char **why);
int cb_avail_dropin(const struct cb_path *p, const char **why);
int cb_avail_getcpu_libc(const struct cb_path *p, const char **why);
int cb_avail_getcpu_rdpid(const struct cb_path *p, const char **why);
int cb_avail_getcpu_rdtscp(const struct cb_path *p, const char **why);
int cb_avail_getcpu_rseq(const struct cb_path *p, const char **why);
int cb_avail_getcpu_syscall(const struct cb_path *p, const char **why);
int cb_avail_getcpu_vdso(const struct cb_path *p, const char **why);
int cb_avail_kernel_cgt(const struct cb_path *p, const char **why);
int cb_avail_lib_clock(const struct cb_path *p, const char **why);
int cb_avail_pv(const struct cb_path *p, const char **why);
int cb_avail_pv_floor(const struct cb_path *p, const char **why);
int cb_avail_pv_migrate(const struct cb_path *p, const char **why);
int cb_avail_pv_percpu_rdpid(const struct cb_path *p, const char **why);
int cb_avail_pv_percpu_rdtscp(const struct cb_path *p, const char **why);
int cb_avail_pv_percpu_syscall(const struct cb_path *p, const char **why);
int cb_avail_pv_percpu_vdso(const struct cb_path *p, const char **why);
int cb_avail_pv_rdtscp(const struct cb_path *p, const char **why);
int cb_avail_pv_rseq(const struct cb_path *p, const char **why);
int cb_avail_rdtscp(const struct cb_path *p, const char **why);
int cb_avail_stamp(const struct cb_path *p, const char **why);
int cb_avail_vmclock(const struct cb_path *p, const char **why);

#endif /* CLOCKBENCH_AVAIL_H */
