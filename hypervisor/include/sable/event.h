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
/*
 * Ports served by the hypervisor (its console back-end, ...): an unbound
 * port of d that remote may bind to later (taking it over, as dom0's
 * back-ends will); until then each EVTCHNOP_send on it by d calls fn(d,
 * port) with no event-channel lock held. EVTCHNOP_status shows it unbound
 * to remote. Returns the port, or -ENOSPC / -ENOMEM / -EINVAL (d dying).
 */
typedef void (*evtchn_xen_fn_t)(struct domain *d, unsigned int port);
int evtchn_alloc_xen_port(struct domain *d, domid_t remote, evtchn_xen_fn_t fn);
/* Is d's port still served by fn (not closed, not taken over)? */
bool evtchn_is_xen_port(struct domain *d, unsigned int port, evtchn_xen_fn_t fn);
/*
 * The hypervisor's side signals such a port: 0, or -EINVAL when the port
 * is no longer served by fn (closed by d, or bound by its remote domain).
 */
int evtchn_notify_from_xen(struct domain *d, unsigned int port, evtchn_xen_fn_t fn);

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
