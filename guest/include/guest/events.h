/*
 * Event channels in a PV test kernel: the 2-level ABI in shared_info
 * (pending and mask bitmaps, the vCPU's pending selector, upcall_pending
 * and upcall_mask), per-port handlers run from the event upcall, and thin
 * wrappers of event_channel_op that return the hypercall's result.
 */
#ifndef GUEST_EVENTS_H
#define GUEST_EVENTS_H

#include <guest/guest.h>
#include "public/event_channel.h"

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);

/* Upcalls taken, and pending ports found with no handler (cleared, dropped). */
extern volatile unsigned long evtchn_upcalls, evtchn_stray;

/* Mask every port (start of day). */
void evtchn_init(void);
/* Run handler(port, arg) for each event on port; NULL removes it. */
int evtchn_set_handler(evtchn_port_t port, evtchn_handler_t handler, void *arg);

/* Mask bits are the guest's; pending bits are the hypervisor's to set. */
static inline void evtchn_mask(evtchn_port_t port)
{
    atomic_set_bit(port, shared_info->evtchn_mask);
}

static inline bool evtchn_is_masked(evtchn_port_t port)
{
    return test_bit(port, shared_info->evtchn_mask);
}

static inline bool evtchn_is_pending(evtchn_port_t port)
{
    return test_bit(port, shared_info->evtchn_pending);
}

static inline void evtchn_clear(evtchn_port_t port)
{
    atomic_clear_bit(port, shared_info->evtchn_pending);
}

/*
 * Event delivery on/off for this vCPU (vcpu_info.evtchn_upcall_mask), the
 * PV kernel's cli/sti. Enabling with an upcall pending makes a harmless
 * hypercall so the hypervisor delivers it on the way back.
 * events_disable returns whether events were enabled before.
 */
bool events_disable(void);
void events_enable(void);

/* event_channel_op wrappers: 0 / the port, or a negative XEN_E* error. */
long evtchn_unmask(evtchn_port_t port);
long evtchn_send(evtchn_port_t port);
long evtchn_close(evtchn_port_t port);
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
long evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port);
long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port);
long evtchn_status(evtchn_port_t port, struct evtchn_status *st);
/* EVTCHNOP_bind_vcpu: deliver port's events to vcpu from now on. */
long evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu);

/* The upcall (from trap_dispatch). */
void evtchn_do_upcall(void);

#endif /* GUEST_EVENTS_H */
