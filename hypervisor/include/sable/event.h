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
 * arch hook: v's vcpu_info.evtchn_upcall_pending was just set; make sure the
 * vCPU notices (wake it if blocked, interrupt its CPU if running elsewhere).
 */
void arch_vcpu_kick(struct vcpu *v);

#endif
