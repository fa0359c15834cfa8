/*
 * mmhostile: a domain that tries every attack on direct paging (issue 5):
 * frames it does not own (every machine frame number, guessed: another
 * domain's, the hypervisor's, I/O memory), its own page tables and
 * descriptor pages writable, reserved bits and forbidden flags at each
 * level, linear tables Xen forbids, pins of the wrong level, the live and
 * the hypervisor's slots of its root, a reservation exceeded, batches with
 * one bad entry, other domains named as page owners. Each is refused with
 * Xen's error and leaves nothing changed; then it tells the victim
 * (domain victim=, which offered it a port) that it is done.
 *
 *   victim=<domid>
 */
#include <guest/time.h>
#include "mmhostile.h"

const char test_title[] = "mmhostile: attacks on direct paging";

uint8_t scratch[PAGE] __aligned(PAGE);
domid_t victim = DOMID_INVALID;

bool own_mfn(uint64_t mfn)
{
    static long max;
    uint64_t pfn;

    if (!max)
        max = hypercall_memory_op(XENMEM_maximum_ram_page, NULL);
    if (mfn >= (uint64_t)max)
        return false;                   /* past the M2P's end */
    if (mfn == start_info->shared_info >> 12)
        return true;                    /* the hypervisor's page, shared with us */
    pfn = mfn_to_pfn(mfn);
    return pfn < start_info->nr_pages && pfn_to_mfn(pfn) == mfn;
}

long mmu1(uint64_t ma, uint64_t val)
{
    struct mmu_update req = { .ptr = ma, .val = val };

    return hypercall_mmu_update(&req, 1, NULL, DOMID_SELF);
}

/* The victim's port offered to us: the first of its low ports we may bind. */
static evtchn_port_t bind_victim(void)
{
    evtchn_port_t port = 0;
    uint64_t give_up = time_now() + 10 * NSEC_PER_SEC;

    do {
        for (evtchn_port_t p = 1; p < 16; p++)
            if (evtchn_bind_interdomain(victim, p, &port) == 0)
                return port;
        hypercall_sched_op(SCHEDOP_yield, NULL);
    } while (time_now() < give_up);
    return 0;
}

void test_main(void)
{
    unsigned long v = cmdline_get_ulong("victim", DOMID_INVALID);
    evtchn_port_t port = 0;

    if (v < DOMID_FIRST_RESERVED) {
        victim = (domid_t)v;
        port = bind_victim();
        check("victim-bound", port != 0, "domain %u offered no port", victim);
    }
    mm_init();
    if (!CHECK_RC("physmap", mm_physmap_init(), 0))
        test_error("no physmap");
    attack_frames();
    attack_tables();
    attack_batches_and_foreign();
    attack_memory_op();
    attack_descriptors_and_misc();
    if (port)
        CHECK_RC("victim-told", evtchn_send(port), 0);
}
