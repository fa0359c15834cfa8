/*
 * Per-domain scheduling parameters, as given at creation (boot module
 * options, docs/guests.md) and changed at run time (domctl
 * XEN_DOMCTL_scheduler_op, docs/scheduler.md). Portable: no hypervisor
 * state here, only the values and their limits.
 *
 * Borrowed Virtual Time (Duda & Cheriton, SOSP 1999): a vCPU's virtual time
 * advances by (real time run) * SCHED_WEIGHT_DEFAULT / weight, the runnable
 * vCPU with the smallest effective virtual time runs. A vCPU of a domain with
 * warp > 0 that wakes up borrows warp (virtual time) from its future, for at
 * most warpl of real time, and may warp again only after warpu unwarped.
 */
#ifndef SABLE_SCHED_PARAMS_H
#define SABLE_SCHED_PARAMS_H

#include <sable/time.h>
#include <sable/types.h>

#define SCHED_WEIGHT_DEFAULT  256U
#define SCHED_WEIGHT_MAX      65535U
#define SCHED_WARP_MAX        NSEC_PER_SEC          /* warp value, virtual ns */
#define SCHED_WARP_TIME_MAX   (10 * NSEC_PER_SEC)   /* warpl and warpu */

struct sched_params {
    uint32_t weight;        /* share, relative to other domains: 1..SCHED_WEIGHT_MAX */
    uint32_t cap;           /* % of one CPU the whole domain may use; 0: no cap */
    uint64_t warp;          /* virtual ns borrowed on wake-up; 0: never warps */
    uint64_t warpl;         /* most real ns it may run warped in one go; 0: no limit */
    uint64_t warpu;         /* real ns it must run unwarped before warping again */
};

#define SCHED_PARAMS_DEFAULT \
    ((struct sched_params){ .weight = SCHED_WEIGHT_DEFAULT })

#endif
