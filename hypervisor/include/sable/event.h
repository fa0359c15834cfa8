/*
 * Event channels as other hypervisor code uses them (the guest-facing
 * interface is event_channel_op, include/public/event_channel.h).
 */
#ifndef SABLE_EVENT_H
#define SABLE_EVENT_H

#include <sable/domain.h>

/* Allocate a domain's port table; free it when the domain dies. */
int evtchn_domain_init(struct domain *d, unsigned int max_ports);
void evtchn_domain_destroy(struct domain *d);

/* Raise a per-vCPU VIRQ (VIRQ_TIMER, ...) on v, if bound. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
/* Raise a global VIRQ (VIRQ_CONSOLE, VIRQ_DOM_EXC, ...) in d, if bound. */
void send_guest_global_virq(struct domain *d, unsigned int virq);

/* True if v has an unmasked pending event (its upcall would fire). */
bool vcpu_event_pending(struct vcpu *v);

/*
 * For other hypervisor code (the domain builder, back-ends): open an unbound
 * port of d that domain remote (not DOMID_SELF) may bind to. Returns the
 * port, or -ENOSPC / -ENOMEM / -EINVAL (d dying).
 */
int evtchn_alloc_unbound_port(struct domain *d, domid_t remote);
/* EVTCHNOP_send and EVTCHNOP_close on d's port: 0 or -EINVAL. */
int evtchn_send(struct domain *d, unsigned int port);
int evtchn_close(struct domain *d, unsigned int port);

/* SCHEDOP_poll support: is port (< d->max_evtchns) pending in shared_info? */
bool evtchn_port_is_pending(struct domain *d, unsigned int port);
/*
 * End v's SCHEDOP_poll if it is polling: clear its poll state and
 * VPF_blocked, wake it. Returns false when v was not polling.
 */
bool vcpu_poll_end(struct vcpu *v);

/*
 * arch hook: v's vcpu_info.evtchn_upcall_pending was just set; make sure the
 * vCPU notices (wake it if blocked, interrupt its CPU if running elsewhere).
 * Called with v->domain->evtchn_lock held and interrupts off, possibly from
 * a timer interrupt: it must not take event-channel locks.
 */
void arch_vcpu_kick(struct vcpu *v);

#endif
