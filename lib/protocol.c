/* SPDX-License-Identifier: MIT */
#include "pvclock/read.h"

const char *pvclock_protocol_name(enum pvclock_protocol proto)
{
	switch (proto) {
	case PVCLOCK_PROTO_VCPU0: return "vcpu0";
	case PVCLOCK_PROTO_PERCPU: return "percpu";
	case PVCLOCK_PROTO_MIGRATE: return "migrate";
	case PVCLOCK_PROTO_RSEQ: return "rseq";
	default: return "?";
	}
}
