/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>

#include "sim.h"
#ifdef CB_HAVE_SIMHOST
#include "simhost.h"
#endif

struct pvclock_source cb_sim_migrate_src;
int cb_sim_migrate_ok;

#ifdef CB_HAVE_SIMHOST
static struct simhost *migrate_host, *storm_host;
static struct pvclock_source storm_src;

static struct simhost *open_host(const struct simhost_config *cfg, struct pvclock_source *src,
				 unsigned flags, const char **why)
{
	struct simhost *h = simhost_create(cfg);

	if (!h) {
		*why = "simulated host could not be created";
		return NULL;
	}
	if (pvclock_source_open_memory(src, simhost_slots(h), simhost_stride(h),
				       simhost_nr_vcpus(h), flags) != PVCLOCK_OK) {
		simhost_destroy(h);
		*why = "simulated host's slots were refused";
		return NULL;
	}
	return h;
}

void cb_sim_init(const char **why)
{
	struct simhost_config cfg = { .migrate_count = 1, .masterclock = 1 };

	*why = NULL;
	migrate_host = open_host(&cfg, &cb_sim_migrate_src, PVCLOCK_MEM_MIGRATE_COUNT, why);
	cb_sim_migrate_ok = migrate_host != NULL;
}

void cb_sim_fini(void)
{
	if (migrate_host)
		simhost_destroy(migrate_host);
	migrate_host = NULL;
	cb_sim_migrate_ok = 0;
}

const struct pvclock_source *cb_storm_open(unsigned update_ns, const char **why)
{
	struct simhost_config cfg = { .masterclock = 1, .update_ns = update_ns };

	storm_host = open_host(&cfg, &storm_src, 0, why);
	return storm_host ? &storm_src : NULL;
}

int cb_storm_start(void)
{
	return storm_host ? simhost_start(storm_host) : EINVAL;
}

void cb_storm_stop(void)
{
	if (storm_host)
		simhost_stop(storm_host);
}

uint64_t cb_storm_updates(void)
{
	return storm_host ? simhost_updates(storm_host) : 0;
}

void cb_storm_close(void)
{
	if (storm_host) {
		simhost_stop(storm_host);
		simhost_destroy(storm_host);
		storm_host = NULL;
	}
}
#else
static const char no_simhost[] = "simulated host not built (tools/sim/simhost.c)";

void cb_sim_init(const char **why)
{
	*why = no_simhost;
}

void cb_sim_fini(void)
{
}

const struct pvclock_source *cb_storm_open(unsigned update_ns, const char **why)
{
	(void)update_ns;
	*why = no_simhost;
	return NULL;
}

int cb_storm_start(void)
{
	return EINVAL;
}

void cb_storm_stop(void)
{
}

uint64_t cb_storm_updates(void)
{
	return 0;
}

void cb_storm_close(void)
{
}
#endif
