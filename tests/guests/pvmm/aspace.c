/*
 * Address spaces: a fresh root built with batched updates and switched
 * to; thousands of pages mapped and unmapped; page faults resolved by our
 * own handler (demand paging through the trap table).
 */
#include "pvmm.h"

static volatile uint64_t marker = 0x0123456789abcdefULL;

/*
 * A new root: the kernel's mappings copied entry by entry into tables of
 * its own (read from the boot tables through the physmap), the physmap's
 * L3 shared. Pinned, switched to, and the boot root unpinned, as Linux does
 * with the tables the domain builder gave it.
 */
void pvmm_new_address_space(void)
{
    uint64_t old = pt_root_mfn, root = pt_alloc_table(), va, ma, before = mmu_entries;
    unsigned int pages = 0;
    long rc = root ? 0 : -XEN_ENOMEM;

    for (va = GUEST_VIRT_BASE; !rc; va += PAGE, pages++) {
        uint64_t e = pt_lookup(old, va, NULL);
        if (!(e & PTE_P))
            break;
        rc = pt_map(root, va, pte_mfn(e), e & (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_NX));
    }
    mmu_queue(root * PAGE + pt_idx(PHYSMAP_BASE, 4) * 8, (physmap_l3_mfn << 12) | PTE_TABLE);
    rc = rc ? rc : mmu_flush();
    check("aspace-built", rc == 0 && pages > 64, "rc %ld (%s), %u pages", rc,
          xen_errno_name(rc), pages);
    printf("new address space: %u kernel pages, %lu updates in %lu calls so far\n", pages,
           mmu_entries - before, mmu_calls);
    if (rc)
        test_error("no new address space");

    CHECK_RC("aspace-pin", mmuext(MMUEXT_PIN_L4_TABLE, root, 0), 0);
    CHECK_RC("aspace-pin-twice", mmuext(MMUEXT_PIN_L4_TABLE, root, 0), -XEN_EINVAL);
    CHECK_RC("aspace-switch", mmuext(MMUEXT_NEW_BASEPTR, root, 0), 0);
    pt_root_mfn = root;
    marker++;
    check("aspace-runs", marker == 0x0123456789abcdf0ULL &&
          *(volatile uint64_t *)((char *)phys_to_virt(virt_to_pfn((void *)&marker)) +
                                 (VA(&marker) & (PAGE - 1))) == marker, "marker %#lx", marker);
    check("aspace-start-info", start_info->nr_pages > 0 && shared_info->vcpu_info[0].time.version,
          "start_info or shared_info lost");
    /* The hypervisor's slots came with the validation, not from us. */
    check("aspace-xen-slots", ((volatile uint64_t *)phys_to_virt(mfn_to_pfn(root)))[256] ==
          ((volatile uint64_t *)phys_to_virt(mfn_to_pfn(old)))[256] &&
          mfn_to_pfn(pfn_to_mfn(7)) == 7, "slot 256 differs");
    CHECK_RC("aspace-unpin-boot", mmuext(MMUEXT_UNPIN_TABLE, old, 0), 0);
    CHECK_RC("aspace-unpin-boot-twice", mmuext(MMUEXT_UNPIN_TABLE, old, 0), -XEN_EINVAL);
    CHECK_RC("aspace-unpin-live", mmuext(MMUEXT_UNPIN_TABLE, root, 0), 0);
    /* Unpinned, the live root stays a table: the base pointer holds it. */
    rc = pt_map(root, REGION_MAP - PAGE, pfn_to_mfn(virt_to_pfn((void *)&marker)), PTE_KERNEL_RO);
    rc = rc ? rc : mmu_flush();
    check("aspace-live-root-kept", rc == 0 && *(volatile uint64_t *)(REGION_MAP - PAGE +
          (VA(&marker) & (PAGE - 1))) == marker, "rc %ld", rc);
    pt_unmap(root, REGION_MAP - PAGE);
    mmu_flush();
    CHECK_RC("aspace-repin", mmuext(MMUEXT_PIN_L4_TABLE, root, 0), 0);
    pt_lookup(root, VA(&marker), &ma);
    CHECK_RC("aspace-switch-to-l1", mmuext(MMUEXT_NEW_BASEPTR, ma >> 12, 0), -XEN_EINVAL);
    CHECK_RC("aspace-pin-l1-as-l4", mmuext(MMUEXT_PIN_L4_TABLE, ma >> 12, 0), -XEN_EINVAL);
}

#define MAP_PAGES 2048
static uint64_t map_pfns[MAP_PAGES];

/* Thousands of pages in, written and read back through two views, out. */
void pvmm_map_unmap(void)
{
    uint64_t calls = mmu_calls, entries = mmu_entries, bad = 0;
    long rc = 0;

    for (unsigned int i = 0; i < MAP_PAGES && !rc; i++) {
        map_pfns[i] = mm_alloc_pfn();
        rc = map_pfns[i] ? pt_map(pt_root_mfn, REGION_MAP + (uint64_t)i * PAGE,
                                  pfn_to_mfn(map_pfns[i]), PTE_KERNEL_RW | PTE_NX)
                         : -XEN_ENOMEM;
    }
    rc = rc ? rc : mmu_flush();
    check("map-2048", rc == 0, "rc %ld (%s)", rc, xen_errno_name(rc));
    printf("map: %lu updates in %lu mmu_update calls\n", mmu_entries - entries, mmu_calls - calls);
    if (rc)
        return;
    for (unsigned int i = 0; i < MAP_PAGES; i++)
        *(volatile uint64_t *)(REGION_MAP + (uint64_t)i * PAGE + 8 * (i % 512)) = i * 0x10001ULL;
    for (unsigned int i = 0; i < MAP_PAGES; i++)
        bad += *(volatile uint64_t *)((char *)phys_to_virt(map_pfns[i]) + 8 * (i % 512)) !=
               i * 0x10001ULL;
    check("map-2048-contents", bad == 0, "%lu pages read back wrong", bad);

    for (unsigned int i = 0; i < MAP_PAGES && !rc; i++)
        rc = pt_unmap(pt_root_mfn, REGION_MAP + (uint64_t)i * PAGE);
    rc = rc ? rc : mmu_flush();
    mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, 0);
    check("unmap-2048", rc == 0, "rc %ld (%s)", rc, xen_errno_name(rc));
    trap_touch(REGION_MAP + 1234 * PAGE, false);
    check("unmap-2048-faults", trap_last.count == 1 && trap_last.vector == TRAP_PF &&
          trap_last.cr2 == REGION_MAP + 1234 * PAGE, "%u faults, cr2 %#lx", trap_last.count,
          trap_last.cr2);
    for (unsigned int i = 0; i < MAP_PAGES; i++)
        mm_free_pfn(map_pfns[i]);
}

/* ---- demand faults ---- */

#define DEMAND_PAGES 64
static unsigned int demand_faults;
static long demand_error;

/* A kernel #PF in the demand region: give the page a frame and retry. */
static bool demand_hook(struct trap_frame *f, uint64_t cr2)
{
    uint64_t pfn;
    long rc;

    if (f->vector != TRAP_PF || (f->cs & 3) || cr2 < REGION_DEMAND ||
        cr2 >= REGION_DEMAND + DEMAND_PAGES * PAGE)
        return false;
    demand_faults++;
    pfn = mm_alloc_pfn();
    rc = pfn ? pt_map(pt_root_mfn, cr2 & ~(uint64_t)(PAGE - 1), pfn_to_mfn(pfn),
                      PTE_KERNEL_RW | PTE_NX) : -XEN_ENOMEM;
    rc = rc ? rc : mmu_flush();
    if (rc && !demand_error)
        demand_error = rc;
    return rc == 0;
}

void pvmm_demand_faults(void)
{
    unsigned int bad = 0;

    trap_hook = demand_hook;
    for (unsigned int i = 0; i < DEMAND_PAGES; i++)
        *(volatile uint64_t *)(REGION_DEMAND + (uint64_t)i * PAGE + 16) = 0xd00d0000ULL + i;
    for (unsigned int i = 0; i < DEMAND_PAGES; i++)
        bad += *(volatile uint64_t *)(REGION_DEMAND + (uint64_t)i * PAGE + 16) != 0xd00d0000ULL + i;
    trap_hook = NULL;
    check("demand-faults", demand_faults == DEMAND_PAGES && demand_error == 0,
          "%u faults for %u pages, error %ld", demand_faults, DEMAND_PAGES, demand_error);
    check("demand-contents", bad == 0, "%u pages wrong", bad);
}
