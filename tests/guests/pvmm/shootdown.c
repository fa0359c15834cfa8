/*
 * TLB shootdown: with a second vCPU on another CPU reading a page over and
 * over (so its TLB holds the translation), vCPU 0 points the page at
 * another frame and asks for the flush on every vCPU (UVMF_ALL), through
 * MMUEXT_TLB_FLUSH_ALL, and for a vCPU bitmap: each time vCPU 1 must read
 * the new frame at once. Runs when the domain has two vCPUs (sable.vcpus=2).
 */
#include <guest/smp.h>
#include <guest/time.h>
#include "pvmm.h"

#define REGION_SHOOT    0xffffca8000000000ULL
#define MAGIC_P         0x50505050ULL
#define MAGIC_Q         0x51515151ULL

static volatile uint64_t seen, reads;
static volatile bool stop;

static void reader(unsigned int vcpu, void *arg)
{
    while (!stop) {
        seen = *(volatile uint64_t *)REGION_SHOOT;
        reads++;
    }
}

/* Does vCPU 1 read want within 100 ms (its TLB flushed)? */
static bool reader_sees(uint64_t want)
{
    uint64_t until = time_now() + 100 * NSEC_PER_MSEC, r0 = reads;

    while (time_now() < until)
        if (seen == want && reads > r0 + 2)
            return true;
    return false;
}

void pvmm_shootdown(void)
{
    uint64_t p = mm_alloc_pfn(), q = mm_alloc_pfn(), ma, mask = 1ULL << 1;
    uint64_t pte_p, pte_q;
    long rc;

    if (smp_vcpu_count() < 2) {
        printf("shootdown: one vCPU, not checked\n");
        return;
    }
    *(volatile uint64_t *)phys_to_virt(p) = MAGIC_P;
    *(volatile uint64_t *)phys_to_virt(q) = MAGIC_Q;
    pte_p = (pfn_to_mfn(p) << 12) | PTE_KERNEL_RO | PTE_NX;
    pte_q = (pfn_to_mfn(q) << 12) | PTE_KERNEL_RO | PTE_NX;
    rc = pt_map(pt_root_mfn, REGION_SHOOT, pfn_to_mfn(p), PTE_KERNEL_RO | PTE_NX);
    rc = rc ? rc : mmu_flush();
    rc = rc ? rc : smp_vcpu_start(1, reader, NULL);
    if (!CHECK_RC("shootdown-setup", rc, 0))
        return;
    check("shootdown-reader-running", reader_sees(MAGIC_P), "vCPU 1 read %#lx", seen);

    CHECK_RC("shootdown-uvm-all", hypercall_update_va_mapping(REGION_SHOOT, pte_q,
                                                              UVMF_INVLPG | UVMF_ALL), 0);
    check("shootdown-invlpg-all", reader_sees(MAGIC_Q), "vCPU 1 still reads %#lx", seen);
    pt_lookup(pt_root_mfn, REGION_SHOOT, &ma);
    mmu_queue(ma, pte_p);
    CHECK_RC("shootdown-update", mmu_flush(), 0);
    CHECK_RC("shootdown-flush-all-op", mmuext(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
    check("shootdown-flush-all", reader_sees(MAGIC_P), "vCPU 1 still reads %#lx", seen);
    CHECK_RC("shootdown-uvm-mask", hypercall_update_va_mapping(REGION_SHOOT, pte_q,
                                                               UVMF_INVLPG | VA(&mask)), 0);
    check("shootdown-vcpu-mask", reader_sees(MAGIC_Q), "vCPU 1 still reads %#lx", seen);
    /* For the record: without a flush for vCPU 1 its TLB may keep the old frame. */
    hypercall_update_va_mapping(REGION_SHOOT, pte_p, UVMF_INVLPG | UVMF_LOCAL);
    printf("shootdown: with a local flush only, vCPU 1 %s\n",
           reader_sees(MAGIC_P) ? "read the new frame anyway" : "kept reading the old frame");
    stop = true;
    mmuext(MMUEXT_TLB_FLUSH_ALL, 0, 0);
}
