/*
 * bench=1: what one PTE update costs (TSC cycles), for bench/pv_mmu.py.
 * The same 512 entries are switched between two frames over and over:
 * one mmu_update per entry, batches of N entries per mmu_update, one
 * update_va_mapping per entry, and plain stores to the read-only mapped
 * L1 table (writable page tables, each one trapped and emulated).
 *
 *   PVMM_BENCH method=<m> n=<entries per call> updates=<u> cycles_per_update=<c>
 */
#include <guest/time.h>
#include "pvmm.h"

#define ENTRIES 512
#define ROUNDS  8

static struct mmu_update reqs[ENTRIES];
static uint64_t entry_ma[ENTRIES];

static void report(const char *method, unsigned int n, uint64_t cycles, uint64_t updates)
{
    printf("PVMM_BENCH method=%s n=%u updates=%lu cycles_per_update=%lu\n", method, n,
           updates, cycles / updates);
}

static void bench_batched(uint64_t frame[2], unsigned int n)
{
    uint64_t t0 = rdtsc_ordered();

    for (unsigned int r = 0; r < ROUNDS; r++) {
        for (unsigned int i = 0; i < ENTRIES; i++) {
            reqs[i].ptr = entry_ma[i];
            reqs[i].val = (frame[r & 1] << 12) | PTE_KERNEL_RO | PTE_NX;
        }
        for (unsigned int i = 0; i < ENTRIES; i += n)
            hypercall_mmu_update(&reqs[i], n, NULL, DOMID_SELF);
    }
    report("mmu_update", n, rdtsc_ordered() - t0, ROUNDS * ENTRIES);
}

static void bench_uvm(uint64_t frame[2])
{
    uint64_t t0 = rdtsc_ordered();

    for (unsigned int r = 0; r < ROUNDS; r++)
        for (unsigned int i = 0; i < ENTRIES; i++)
            hypercall_update_va_mapping(REGION_BENCH + (uint64_t)i * PAGE,
                                        (frame[r & 1] << 12) | PTE_KERNEL_RO | PTE_NX, UVMF_NONE);
    report("update_va_mapping", 1, rdtsc_ordered() - t0, ROUNDS * ENTRIES);
}

static void bench_ptwr(uint64_t frame[2])
{
    volatile uint64_t *pte = (volatile uint64_t *)((char *)mfn_to_virt(entry_ma[0] >> 12) +
                                                    (entry_ma[0] & (PAGE - 1)));
    uint64_t t0;

    hypercall_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
    t0 = rdtsc_ordered();
    for (unsigned int r = 0; r < ROUNDS; r++)
        for (unsigned int i = 0; i < ENTRIES; i++)
            pte[i] = (frame[r & 1] << 12) | PTE_KERNEL_RO | PTE_NX;
    report("writable_pagetable", 1, rdtsc_ordered() - t0, ROUNDS * ENTRIES);
    hypercall_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables);
}

void pvmm_bench(void)
{
    static const unsigned int sizes[] = { 1, 8, 64, 512 };
    uint64_t frame[2] = { pfn_to_mfn(mm_alloc_pfn()), pfn_to_mfn(mm_alloc_pfn()) };
    long rc = 0;

    for (unsigned int i = 0; i < ENTRIES && !rc; i++)
        rc = pt_map(pt_root_mfn, REGION_BENCH + (uint64_t)i * PAGE, frame[0],
                    PTE_KERNEL_RO | PTE_NX);
    rc = rc ? rc : mmu_flush();
    if (!CHECK_RC("bench-setup", rc, 0))
        return;
    for (unsigned int i = 0; i < ENTRIES; i++)
        pt_lookup(pt_root_mfn, REGION_BENCH + (uint64_t)i * PAGE, &entry_ma[i]);
    for (unsigned int s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        bench_batched(frame, sizes[s]);
    bench_uvm(frame);
    bench_ptwr(frame);
}
