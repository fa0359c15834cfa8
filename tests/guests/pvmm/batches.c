/*
 * Batches as Xen defines them: one mmu_update of many entries applies them
 * all and says so in *done (the hypervisor works through it in pieces,
 * continuing the call, which the guest cannot see); one bad entry stops the
 * batch with its error, the entries before it applied and counted; a
 * multicall carries several batches, each with its own result.
 */
#include "pvmm.h"

#define BATCH_PAGES 2048

static struct mmu_update reqs[BATCH_PAGES];

/* Present entries for the region's pages (all mapping frame mfn, read-only). */
static unsigned int count_mapped(uint64_t mfn, unsigned int n)
{
    unsigned int mapped = 0;

    for (unsigned int i = 0; i < n; i++) {
        uint64_t e = pt_lookup(pt_root_mfn, REGION_BATCH + (uint64_t)i * PAGE, NULL);
        mapped += (e & PTE_P) && pte_mfn(e) == mfn;
    }
    return mapped;
}

/* One request per page of the region: its L1 entry <- val (tables made first). */
static void fill_requests(uint64_t val, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        uint64_t ma;
        pt_lookup(pt_root_mfn, REGION_BATCH + (uint64_t)i * PAGE, &ma);
        reqs[i].ptr = ma | MMU_NORMAL_PT_UPDATE;
        reqs[i].val = val;
    }
}

void pvmm_batches(void)
{
    uint64_t pfn = mm_alloc_pfn(), mfn = pfn_to_mfn(pfn), ro = (mfn << 12) | PTE_KERNEL_RO | PTE_NX;
    unsigned int done = 0;
    struct multicall_entry mc[4];
    long rc = 0;

    *(volatile uint64_t *)phys_to_virt(pfn) = 0xba7c4ed;
    /* The four L1 tables the region needs, made by mapping their first pages. */
    for (unsigned int i = 0; i < BATCH_PAGES && !rc; i += 512)
        rc = pt_map(pt_root_mfn, REGION_BATCH + (uint64_t)i * PAGE, mfn, PTE_KERNEL_RO);
    rc = rc ? rc : mmu_flush();
    if (!CHECK_RC("batch-tables", rc, 0))
        return;

    fill_requests(ro, BATCH_PAGES);
    rc = hypercall_mmu_update(reqs, BATCH_PAGES, &done, DOMID_SELF);
    check("batch-2048", rc == 0 && done == BATCH_PAGES && count_mapped(mfn, BATCH_PAGES) ==
          BATCH_PAGES, "rc %ld, done %u, %u mapped", rc, done, count_mapped(mfn, BATCH_PAGES));
    check("batch-2048-reads", *(volatile uint64_t *)(REGION_BATCH + 2047 * PAGE) == 0xba7c4ed,
          "read %#lx", *(volatile uint64_t *)(REGION_BATCH + 2047 * PAGE));

    /* A bad entry in the middle: 700 applied, its error, the rest untouched. */
    fill_requests(0, 1000);
    reqs[700].val = (1ULL << 12) | PTE_KERNEL_RO;           /* a frame not ours */
    done = 0;
    rc = hypercall_mmu_update(reqs, 1000, &done, DOMID_SELF);
    check("batch-partial", rc == -XEN_EBUSY && done == 700, "rc %ld (%s), done %u", rc,
          xen_errno_name(rc), done);
    check("batch-partial-applied", count_mapped(mfn, 1000) == 300 &&
          count_mapped(mfn, BATCH_PAGES) == BATCH_PAGES - 700, "%u of the first 1000 mapped",
          count_mapped(mfn, 1000));

    /* A multicall of four batches unmapping the rest, one of them empty. */
    fill_requests(0, BATCH_PAGES);
    static unsigned int mc_done[4];
    for (unsigned int i = 0; i < 4; i++) {
        mc[i].op = __HYPERVISOR_mmu_update;
        mc[i].args[0] = VA(&reqs[i * 512]);
        mc[i].args[1] = i == 3 ? 0 : (i == 2 ? 1024 : 512);
        mc[i].args[2] = VA(&mc_done[i]);
        mc[i].args[3] = DOMID_SELF;
        mc[i].result = 1;
    }
    rc = hypercall_multicall(mc, 4);
    check("batch-multicall", rc == 0 && mc[0].result == 0 && mc[1].result == 0 &&
          mc[2].result == 0 && mc[3].result == 0 && mc_done[0] == 512 && mc_done[2] == 1024 &&
          mc_done[3] == 0, "rc %ld results %ld %ld %ld %ld done %u %u %u %u", rc,
          (long)mc[0].result, (long)mc[1].result, (long)mc[2].result, (long)mc[3].result,
          mc_done[0], mc_done[1], mc_done[2], mc_done[3]);
    check("batch-multicall-unmapped", count_mapped(mfn, BATCH_PAGES) == 0, "%u still mapped",
          count_mapped(mfn, BATCH_PAGES));
    hypercall_mmuext_op(&(struct mmuext_op){ .cmd = MMUEXT_TLB_FLUSH_LOCAL }, 1, NULL, DOMID_SELF);
    trap_touch(REGION_BATCH + 5 * PAGE, false);
    check("batch-unmapped-faults", trap_last.count == 1 && trap_last.vector == TRAP_PF &&
          trap_last.cr2 == REGION_BATCH + 5 * PAGE && !(trap_last.error_code & PFEC_PRESENT),
          "%u faults, cr2 %#lx ec %#lx", trap_last.count, trap_last.cr2, trap_last.error_code);
}
