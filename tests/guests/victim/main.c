/*
 * victim: a domain whose memory another one attacks (mmhostile). It fills
 * all its free frames with a pattern (most of its memory), checksums them,
 * offers an event channel to the attacker and sleeps until
 * the attacker says it is done (or wait_s= seconds pass), then checksums
 * again: nothing may have changed, nor its reservation or page tables.
 *
 *   peer=<attacker's domid> [wait_s=120]
 */
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/mm.h>
#include <guest/test.h>
#include <guest/time.h>

const char test_title[] = "victim: memory that another domain attacks";

static uint64_t first_pool_pfn, nr_pool;
static volatile bool attacker_done;

static uint64_t pattern(uint64_t pfn, unsigned int i)
{
    return (pfn << 20) ^ (i * 0x9e3779b97f4a7c15ULL) ^ 0xa5a5a5a5ULL;
}

/* A checksum of the pool frames (FNV-1a over words). */
static uint64_t checksum(void)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (uint64_t pfn = first_pool_pfn; pfn < first_pool_pfn + nr_pool; pfn++) {
        const volatile uint64_t *w = phys_to_virt(pfn);
        for (unsigned int i = 0; i < GUEST_PAGE_SIZE / 8; i++)
            h = (h ^ w[i]) * 0x100000001b3ULL;
    }
    return h;
}

static void done_handler(evtchn_port_t port, void *arg)
{
    attacker_done = true;
}

void test_main(void)
{
    unsigned long peer = cmdline_get_ulong("peer", DOMID_INVALID);
    uint64_t wait = cmdline_get_ulong("wait_s", 120) * NSEC_PER_SEC, deadline, before, after;
    uint64_t l4_slot[512], pfn, bad = 0;
    evtchn_port_t port = 0;
    long reservation, rc;

    if (peer >= DOMID_FIRST_RESERVED)
        test_skip("usage: peer=<attacker's domid>");
    mm_init();
    if (!CHECK_RC("victim-physmap", mm_physmap_init(), 0))
        return;
    first_pool_pfn = 0;
    while ((pfn = mm_alloc_pfn()) != 0) {           /* the whole pool, in order */
        if (!first_pool_pfn)
            first_pool_pfn = pfn;
        nr_pool++;
    }
    for (pfn = first_pool_pfn; pfn < first_pool_pfn + nr_pool; pfn++)
        for (unsigned int i = 0; i < GUEST_PAGE_SIZE / 8; i++)
            ((volatile uint64_t *)phys_to_virt(pfn))[i] = pattern(pfn, i);
    before = checksum();
    memcpy(l4_slot, phys_to_virt(mfn_to_pfn(pt_root_mfn)), sizeof(l4_slot));
    reservation = hypercall_memory_op(XENMEM_current_reservation, &(domid_t){ DOMID_SELF });
    printf("victim: %lu frames (mfns %#lx..) patterned, checksum %#lx\n", nr_pool,
           pfn_to_mfn(first_pool_pfn), before);

    rc = evtchn_alloc_unbound((domid_t)peer, &port);
    if (!CHECK_RC("victim-offer-port", rc, 0))
        return;
    printf("victim: offers port %u to domain %lu\n", port, peer);
    evtchn_set_handler(port, done_handler, NULL);
    evtchn_unmask(port);
    deadline = time_now() + wait;
    while (!attacker_done && time_now() < deadline) {
        timer_set_singleshot(time_now() + 10 * NSEC_PER_MSEC, 0);
        hypercall_sched_op(SCHEDOP_block, NULL);
    }
    check("victim-attacker-finished", attacker_done, "no word from domain %lu", peer);

    after = checksum();
    check("victim-memory-unchanged", after == before, "checksum %#lx, was %#lx", after, before);
    for (pfn = first_pool_pfn; pfn < first_pool_pfn + nr_pool; pfn++)
        for (unsigned int i = 0; i < GUEST_PAGE_SIZE / 8; i++)
            bad += ((volatile uint64_t *)phys_to_virt(pfn))[i] != pattern(pfn, i);
    check("victim-pattern-intact", bad == 0, "%lu words changed", bad);
    check("victim-page-tables-unchanged",
          !memcmp(l4_slot, phys_to_virt(mfn_to_pfn(pt_root_mfn)), sizeof(l4_slot)),
          "its L4 changed");
    CHECK_EQ("victim-reservation-unchanged",
             hypercall_memory_op(XENMEM_current_reservation, &(domid_t){ DOMID_SELF }),
             reservation);
}
