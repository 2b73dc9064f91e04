/* SPDX-License-Identifier: MIT */
/* env.h - the environment header: what machine the numbers come from. */
#ifndef CLOCKBENCH_ENV_H
#define CLOCKBENCH_ENV_H

#include "report.h"

/* cb_env_collect - fill @e; call after cb_paths_init().  Never fails. */
void cb_env_collect(struct cb_env *e);

#endif /* CLOCKBENCH_ENV_H */
