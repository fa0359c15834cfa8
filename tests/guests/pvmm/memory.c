/*
 * memory_op from a PV guest: its memory map, the M2P's place, the
 * reservation queries, and ballooning as Linux's balloon driver does it:
 * unmap frames, give them back, take new ones (populate_physmap for the
 * same gpfns), map them again.
 */
#include "pvmm.h"

#define BALLOON 16

static long reservation(unsigned int op, uint64_t *list, unsigned int n)
{
    struct xen_memory_reservation r = {
        .extent_start = VA(list), .nr_extents = n, .domid = DOMID_SELF,
    };

    return hypercall_memory_op(op, &r);
}

static long query(unsigned int op)
{
    domid_t self = DOMID_SELF;

    return hypercall_memory_op(op, &self);
}

/* The physmap entry of pfn: unmapped, or mapped to the p2m's frame. */
static long physmap_set(uint64_t pfn, bool present)
{
    uint64_t ma;

    pt_lookup(pt_root_mfn, VA(phys_to_virt(pfn)), &ma);
    mmu_queue(ma, present ? (pfn_to_mfn(pfn) << 12) | PTE_KERNEL_RW | PTE_NX : 0);
    return mmu_flush();
}

static void memory_queries(void)
{
    struct e820_entry map[4];
    struct xen_memory_map m = { .nr_entries = 4, .buffer = VA(map) };
    struct xen_machphys_mapping mm;
    uint64_t mfns[8];
    struct xen_machphys_mfn_list l = { .max_extents = 8, .extent_start = VA(mfns) };
    long rc = hypercall_memory_op(XENMEM_memory_map, &m);

    check("mem-memory-map", rc == 0 && m.nr_entries == 1 && map[0].addr == 0 &&
          map[0].size == start_info->nr_pages * PAGE && map[0].type == E820_TYPE_RAM,
          "rc %ld, %u entries, [%#lx, +%#lx) type %u", rc, m.nr_entries, map[0].addr,
          map[0].size, map[0].type);
    rc = hypercall_memory_op(XENMEM_machphys_mapping, &mm);
    check("mem-machphys-mapping", rc == 0 && mm.v_start == MACH2PHYS_VIRT_START &&
          mm.v_end == MACH2PHYS_VIRT_END && mm.max_mfn == MACH2PHYS_NR_ENTRIES - 1,
          "rc %ld, %#lx-%#lx max %#lx", rc, mm.v_start, mm.v_end, mm.max_mfn);
    rc = hypercall_memory_op(XENMEM_machphys_mfn_list, &l);
    check("mem-machphys-mfn-list", rc == 0 && l.nr_extents >= 1 && mfns[0] != 0,
          "rc %ld, %u extents", rc, l.nr_extents);
    rc = hypercall_memory_op(XENMEM_maximum_ram_page, NULL);
    check("mem-maximum-ram-page", rc > (long)pfn_to_mfn(start_info->nr_pages - 1),
          "%ld", rc);
    CHECK_EQ("mem-current-reservation", query(XENMEM_current_reservation), start_info->nr_pages);
    CHECK_EQ("mem-maximum-reservation", query(XENMEM_maximum_reservation), start_info->nr_pages);
    CHECK_RC("mem-unknown-op", hypercall_memory_op(63, NULL), -XEN_ENOSYS);
}

/* Give BALLOON frames back and take them again, through the physmap. */
static void memory_balloon(void)
{
    uint64_t pfns[BALLOON], list[BALLOON + 4], old_mfn;
    uint64_t *p2m = (uint64_t *)(uintptr_t)start_info->mfn_list;
    long rc = 0;

    for (int i = 0; i < BALLOON; i++) {
        pfns[i] = mm_alloc_pfn();
        list[i] = pfn_to_mfn(pfns[i]);
    }
    old_mfn = list[0];
    /* Still mapped (the physmap): Sable keeps it, the count says 0 done. */
    CHECK_EQ("mem-decrease-mapped", reservation(XENMEM_decrease_reservation, list, 1), 0);
    for (int i = 0; i < BALLOON && !rc; i++)
        rc = physmap_set(pfns[i], false);
    mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
    CHECK_EQ("mem-decrease", reservation(XENMEM_decrease_reservation, list, BALLOON), BALLOON);
    CHECK_EQ("mem-decreased", query(XENMEM_current_reservation),
             start_info->nr_pages - BALLOON);
    /* The freed frame's M2P entry is invalid, unless another domain running
     * at the same time (shared_heap=1) was given the frame at once: then it
     * names that domain's pfn (identical kernels may use the same number),
     * and all this domain can check is that its physmap no longer has it. */
    uint64_t m2p = mfn_to_pfn(old_mfn);
    bool reused = cmdline_get_ulong("shared_heap", 0) && m2p != ~0ULL &&
                  (m2p >= start_info->nr_pages || p2m[m2p] != old_mfn);
    check("mem-decrease-m2p", m2p == ~0ULL || reused, "m2p %#lx", m2p);
    CHECK_EQ("mem-decrease-again", reservation(XENMEM_decrease_reservation, list, 1), 0);

    /* Populate asks for BALLOON + 4: the reservation allows BALLOON. */
    for (int i = 0; i < BALLOON + 4; i++)
        list[i] = i < BALLOON ? pfns[i] : pfns[0];
    CHECK_EQ("mem-populate-to-the-limit", reservation(XENMEM_populate_physmap, list,
                                                      BALLOON + 4), BALLOON);
    rc = 0;
    for (int i = 0; i < BALLOON; i++) {
        rc |= mfn_to_pfn(list[i]) != pfns[i];
        p2m[pfns[i]] = list[i];
    }
    check("mem-populate-m2p", rc == 0, "M2P does not name the gpfns");
    for (int i = 0; i < BALLOON && !rc; i++)
        rc = physmap_set(pfns[i], true);
    CHECK_RC("mem-populate-mapped", rc, 0);
    *(volatile uint64_t *)phys_to_virt(pfns[3]) = 0xba11007;
    check("mem-populated-usable", *(volatile uint64_t *)phys_to_virt(pfns[3]) == 0xba11007,
          "cannot use the new frame");
    CHECK_EQ("mem-increase-at-limit", reservation(XENMEM_increase_reservation, list, 1), 0);
    for (int i = 0; i < BALLOON; i++)
        mm_free_pfn(pfns[i]);
}

void pvmm_memory(void)
{
    memory_queries();
    memory_balloon();
}
