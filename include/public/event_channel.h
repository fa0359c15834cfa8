/*
 * Event channels: the virtual interrupt lines between domains, from virtual
 * IRQs and physical IRQs, and between a domain's own vCPUs (IPIs).
 *
 * event_channel_op(cmd, arg): cmd is EVTCHNOP_*, arg points at the matching
 * struct evtchn_*. Sable implements the 2-level ABI: port p is bit p of
 * shared_info.evtchn_pending/evtchn_mask, and bit (p / 64) of the target
 * vCPU's evtchn_pending_sel says which word to scan. Port 0 is never
 * allocated, so 0 can mean "none".
 */
#ifndef SABLE_PUBLIC_EVENT_CHANNEL_H
#define SABLE_PUBLIC_EVENT_CHANNEL_H

#include "xen.h"

#define EVTCHNOP_bind_interdomain   0
#define EVTCHNOP_bind_virq          1
#define EVTCHNOP_bind_pirq          2
#define EVTCHNOP_close              3
#define EVTCHNOP_send               4
#define EVTCHNOP_status             5
#define EVTCHNOP_alloc_unbound      6
#define EVTCHNOP_bind_ipi           7
#define EVTCHNOP_bind_vcpu          8
#define EVTCHNOP_unmask             9
#define EVTCHNOP_reset              10
#define EVTCHNOP_init_control       11  /* FIFO ABI: Sable answers -ENOSYS */
#define EVTCHNOP_expand_array       12  /* FIFO ABI */
#define EVTCHNOP_set_priority       13  /* FIFO ABI */

/* Ports of the 2-level ABI: 64 words of 64 bits. */
#define EVTCHN_2L_NR_CHANNELS       4096

/* evtchn_status.status */
#define EVTCHNSTAT_closed           0
#define EVTCHNSTAT_unbound          1   /* waiting for a remote domain */
#define EVTCHNSTAT_interdomain      2
#define EVTCHNSTAT_pirq             3
#define EVTCHNSTAT_virq             4
#define EVTCHNSTAT_ipi              5

/* evtchn_bind_pirq.flags */
#define BIND_PIRQ__WILL_SHARE       1

#ifndef __ASSEMBLER__

typedef uint32_t evtchn_port_t;

/* Open a port that domain remote_dom may later connect to. */
struct evtchn_alloc_unbound {
    domid_t dom;                /* IN: owner of the new port (DOMID_SELF) */
    domid_t remote_dom;         /* IN: who may bind to it */
    evtchn_port_t port;         /* OUT */
};
SABLE_ABI_CHECK(evtchn_alloc_unbound_size, sizeof(struct evtchn_alloc_unbound) == 8);

/* Connect a new local port to a remote domain's unbound port. */
struct evtchn_bind_interdomain {
    domid_t remote_dom;         /* IN */
    uint16_t _pad0;
    evtchn_port_t remote_port;  /* IN */
    evtchn_port_t local_port;   /* OUT */
};
SABLE_ABI_CHECK(evtchn_bind_interdomain_size, sizeof(struct evtchn_bind_interdomain) == 12);

/* Deliver a virtual IRQ (VIRQ_*) to a port, on one vCPU. */
struct evtchn_bind_virq {
    uint32_t virq;              /* IN: VIRQ_* */
    uint32_t vcpu;              /* IN */
    evtchn_port_t port;         /* OUT */
};
SABLE_ABI_CHECK(evtchn_bind_virq_size, sizeof(struct evtchn_bind_virq) == 12);

/* Deliver a physical IRQ to a port (privileged domains). */
struct evtchn_bind_pirq {
    uint32_t pirq;              /* IN */
    uint32_t flags;             /* IN: BIND_PIRQ__* */
    evtchn_port_t port;         /* OUT */
};
SABLE_ABI_CHECK(evtchn_bind_pirq_size, sizeof(struct evtchn_bind_pirq) == 12);

/* A port for inter-vCPU notifications within the domain. */
struct evtchn_bind_ipi {
    uint32_t vcpu;              /* IN: vCPU that receives */
    evtchn_port_t port;         /* OUT */
};
SABLE_ABI_CHECK(evtchn_bind_ipi_size, sizeof(struct evtchn_bind_ipi) == 8);

/* Close a port; an interdomain peer's end becomes unbound. */
struct evtchn_close {
    evtchn_port_t port;         /* IN */
};

/* Notify the other end of a port. */
struct evtchn_send {
    evtchn_port_t port;         /* IN */
};

/* What a port is bound to (own ports, or any with privilege). */
struct evtchn_status {
    domid_t dom;                /* IN */
    uint16_t _pad0;
    evtchn_port_t port;         /* IN */
    uint32_t status;            /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;              /* OUT: vCPU notified */
    union {
        struct {
            domid_t dom;
        } unbound;              /* OUT: EVTCHNSTAT_unbound */
        struct {
            domid_t dom;
            uint16_t _pad0;
            evtchn_port_t port;
        } interdomain;          /* OUT: EVTCHNSTAT_interdomain */
        uint32_t pirq;          /* OUT: EVTCHNSTAT_pirq */
        uint32_t virq;          /* OUT: EVTCHNSTAT_virq */
    } u;
};
SABLE_ABI_CHECK(evtchn_status_size, sizeof(struct evtchn_status) == 24);
SABLE_ABI_CHECK(evtchn_status_u, offsetof(struct evtchn_status, u) == 16);

/* Move a port's notifications to another vCPU. */
struct evtchn_bind_vcpu {
    evtchn_port_t port;         /* IN */
    uint32_t vcpu;              /* IN */
};

/* Clear a port's mask bit, re-raising the upcall if it is pending. */
struct evtchn_unmask {
    evtchn_port_t port;         /* IN */
};

/* Close every port of a domain. */
struct evtchn_reset {
    domid_t dom;                /* IN */
};

/* Old single-argument form (event_channel_op_compat): cmd plus its struct. */
struct evtchn_op {
    uint32_t cmd;               /* IN: EVTCHNOP_* */
    union {
        struct evtchn_alloc_unbound    alloc_unbound;
        struct evtchn_bind_interdomain bind_interdomain;
        struct evtchn_bind_virq        bind_virq;
        struct evtchn_bind_pirq        bind_pirq;
        struct evtchn_bind_ipi         bind_ipi;
        struct evtchn_close            close;
        struct evtchn_send             send;
        struct evtchn_status           status;
        struct evtchn_bind_vcpu        bind_vcpu;
        struct evtchn_unmask           unmask;
    } u;
};
SABLE_ABI_CHECK(evtchn_op_size, sizeof(struct evtchn_op) == 28);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_EVENT_CHANNEL_H */
