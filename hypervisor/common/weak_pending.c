/*
 * TEMPORARY: weak stand-ins for functions another change is adding
 * (domain.c, event_channel.c, hypercall.c, vcpu_time.c), so the tree links
 * while both land. Nothing reaches them before domains exist. Delete this
 * file once those are committed.
 */
#include <sable/domain.h>
#include <sable/event.h>
#include <sable/hypercall.h>
#include <sable/lib.h>

void update_vcpu_system_time(struct vcpu *v);

void __attribute__((weak)) domain_crash(struct domain *d, const char *why)
{
    panic("domain_crash before domains exist: %s", why);
}

long __attribute__((weak)) hypercall_dispatch(uint64_t nr, uint64_t a1, uint64_t a2,
                                              uint64_t a3, uint64_t a4, uint64_t a5)
{
    return -38;
}

void __attribute__((weak)) update_vcpu_system_time(struct vcpu *v)
{
}

bool __attribute__((weak)) vcpu_event_pending(struct vcpu *v)
{
    return false;
}

int __attribute__((weak)) domain_create(const struct domain_config *cfg, bool want_dom0,
                                        struct domain **out)
{
    return -38;
}

struct page_info *__attribute__((weak)) domain_alloc_page(struct domain *d)
{
    return NULL;
}

int __attribute__((weak)) domain_destroy(struct domain *d)
{
    return -38;
}

void __attribute__((weak)) domain_put(struct domain *d)
{
}

int __attribute__((weak)) domain_unpause(struct domain *d)
{
    return -38;
}
