/*
 * Scheduler hypercall: give up the CPU, sleep until an event, wait on a
 * set of ports, and shut a domain down.
 *
 * sched_op(cmd, arg): cmd is SCHEDOP_*, arg points at the matching struct
 * (or is unused).
 */
#ifndef SABLE_PUBLIC_SCHED_H
#define SABLE_PUBLIC_SCHED_H

#include "event_channel.h"

#define SCHEDOP_yield           0   /* arg unused */
#define SCHEDOP_block           1   /* sleep until an event; unmasks events */
#define SCHEDOP_shutdown        2   /* struct sched_shutdown */
#define SCHEDOP_poll            3   /* struct sched_poll */
#define SCHEDOP_remote_shutdown 4   /* struct sched_remote_shutdown */
#define SCHEDOP_shutdown_code   5   /* struct sched_shutdown: record only */
#define SCHEDOP_watchdog        6   /* struct sched_watchdog */
#define SCHEDOP_pin_override    7   /* struct sched_pin_override */

/* Why a domain stops. */
#define SHUTDOWN_poweroff       0
#define SHUTDOWN_reboot         1
#define SHUTDOWN_suspend        2   /* for save or migration */
#define SHUTDOWN_crash          3
#define SHUTDOWN_watchdog       4
#define SHUTDOWN_soft_reset     5
#define SHUTDOWN_MAX            5

#ifndef __ASSEMBLER__

/*
 * SCHEDOP_shutdown: stop the calling domain. With SHUTDOWN_suspend a PV
 * guest also passes its start_info frame in rdx; the call then returns 1
 * when the suspend was cancelled and 0 when resuming in a new domain.
 */
struct sched_shutdown {
    uint32_t reason;            /* IN: SHUTDOWN_* */
};

/* SCHEDOP_poll: block until one of the ports is pending or the timeout. */
struct sched_poll {
    GUEST_HANDLE(evtchn_port_t) ports;  /* IN */
    uint32_t nr_ports;          /* IN */
    uint32_t _pad0;
    uint64_t timeout;           /* IN: absolute system time (ns); 0 = none */
};
SABLE_ABI_CHECK(sched_poll_size, sizeof(struct sched_poll) == 24);
SABLE_ABI_CHECK(sched_poll_timeout, offsetof(struct sched_poll, timeout) == 16);

/* SCHEDOP_remote_shutdown: stop another domain (privileged). */
struct sched_remote_shutdown {
    domid_t domain_id;          /* IN */
    uint16_t _pad0;
    uint32_t reason;            /* IN: SHUTDOWN_* */
};
SABLE_ABI_CHECK(sched_remote_shutdown_size, sizeof(struct sched_remote_shutdown) == 8);

/*
 * SCHEDOP_watchdog: id 0 creates a watchdog (returns its id); a known id
 * with a timeout re-arms it, with timeout 0 destroys it.
 */
struct sched_watchdog {
    uint32_t id;                /* IN/OUT */
    uint32_t timeout;           /* IN: seconds */
};

/* SCHEDOP_pin_override: temporarily pin to a physical CPU (-1 to undo). */
struct sched_pin_override {
    int32_t pcpu;               /* IN */
};

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_SCHED_H */
