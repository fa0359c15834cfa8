/*
 * pvmm: PV memory virtualization from the inside. The kernel builds a
 * physmap and a fresh address space with batched, validated updates,
 * switches to it, maps and unmaps thousands of pages, resolves page faults
 * in its own handler, writes page tables directly (writable page tables),
 * uses descriptor pages, and runs code in guest user mode on a user root
 * of its own. bench=1 adds the PTE update cost figures for bench/pv_mmu.py.
 */
#include "pvmm.h"

const char test_title[] = "pvmm: PV direct paging (batched updates, address spaces, "
                          "faults, writable page tables, user mode)";

/*
 * The M2P: read-only at Xen's address, the inverse of our p2m, and ours to
 * update for our own frames only.
 */
void pvmm_basics(void)
{
    uint64_t last = start_info->nr_pages - 1, bad = 0, pfn, mfn;
    struct mmu_update req;
    unsigned int done = 7;

    for (pfn = 0; pfn <= last; pfn += 97)
        bad += mfn_to_pfn(pfn_to_mfn(pfn)) != pfn;
    check("m2p-inverse-of-p2m", bad == 0 && mfn_to_pfn(pfn_to_mfn(last)) == last,
          "%lu frames disagree", bad);
    trap_touch(MACH2PHYS_VIRT_START, true);
    check("m2p-read-only", trap_last.count == 1 && trap_last.vector == TRAP_PF &&
          trap_last.error_code == (PFEC_PRESENT | PFEC_WRITE) &&
          trap_last.cr2 == MACH2PHYS_VIRT_START, "%u faults, ec %#lx", trap_last.count,
          trap_last.error_code);

    pfn = mm_alloc_pfn();
    mfn = pfn_to_mfn(pfn);
    req.ptr = (mfn << 12) | MMU_MACHPHYS_UPDATE;
    req.val = 0x12345;
    CHECK_RC("m2p-update", hypercall_mmu_update(&req, 1, &done, DOMID_SELF), 0);
    check("m2p-updated", mfn_to_pfn(mfn) == 0x12345 && done == 1, "m2p %#lx, done %u",
          mfn_to_pfn(mfn), done);
    req.val = pfn;
    hypercall_mmu_update(&req, 1, NULL, DOMID_SELF);
    mm_free_pfn(pfn);
    req.ptr = (1ULL << 12) | MMU_MACHPHYS_UPDATE;          /* not our frame */
    CHECK_RC("m2p-update-foreign", hypercall_mmu_update(&req, 1, &done, DOMID_SELF),
             -XEN_EINVAL);
    check("m2p-update-foreign-done", done == 0, "done %u", done);
}

/* Every frame mapped at PHYSMAP_BASE, the tables read-only. */
void pvmm_physmap(void)
{
    static volatile uint64_t probe = 0x5eedf00d;
    uint64_t before = mmu_entries, pt_pfn = virt_to_pfn((void *)start_info->pt_base);
    volatile uint64_t *alias = (volatile uint64_t *)((char *)phys_to_virt(virt_to_pfn((void *)&probe)) +
                                                      (VA(&probe) & (PAGE - 1)));
    long rc = mm_physmap_init();

    if (!CHECK_RC("physmap-built", rc, 0))
        test_error("no physmap");
    check("physmap-batched", mmu_entries - before >= start_info->nr_pages,
          "%lu entries", mmu_entries - before);
    check("physmap-reads", *alias == 0x5eedf00d, "read %#lx", *alias);
    *alias = 0xfeedbeef;
    check("physmap-writes", probe == 0xfeedbeef, "probe %#lx", probe);
    check("physmap-boot-l4", *(volatile uint64_t *)((char *)phys_to_virt(pt_pfn) + 256 * 8) ==
          *(volatile uint64_t *)(start_info->pt_base + 256 * 8), "L4 slot 256 differs");
    trap_touch(VA(phys_to_virt(pt_pfn)), true);
    check("physmap-tables-read-only", trap_last.count == 1 && trap_last.vector == TRAP_PF &&
          trap_last.error_code == (PFEC_PRESENT | PFEC_WRITE), "%u faults, ec %#lx",
          trap_last.count, trap_last.error_code);
}

void test_main(void)
{
    mm_init();
    pvmm_basics();
    pvmm_physmap();
    pvmm_batches();
    pvmm_shootdown();          /* on the boot root, which vCPU 1 starts on */
    pvmm_new_address_space();
    pvmm_map_unmap();
    pvmm_demand_faults();
    pvmm_writable_pagetables();
    pvmm_descriptors();
    pvmm_user_mode();
    pvmm_memory();
    if (cmdline_get_ulong("bench", 0))
        pvmm_bench();
}
