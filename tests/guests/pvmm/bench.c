/*
 * bench=1: what one PTE update costs (TSC cycles), for bench/pv_mmu.py.
 * The same 512 entries are switched between two frames over and over:
 * one mmu_update per entry, batches of N entries per mmu_update, one
 * update_va_mapping per entry, and plain stores to the read-only mapped
 * L1 table (writable page tables, each one trapped and emulated).
 *
 * Each figure is measured REPS times (ENTRIES updates each); the median
 * and the smallest per-update cost are printed:
 *
 *   PVMM_BENCH method=<m> n=<entries per call> reps=<r> median_cycles=<c> min_cycles=<c>
 */
#include <guest/time.h>
#include "pvmm.h"

#define ENTRIES 512
#define REPS    9

static struct mmu_update reqs[ENTRIES];
static uint64_t entry_ma[ENTRIES];

static uint64_t samples[REPS];

static void report(const char *method, unsigned int n)
{
    struct sample_stats st;

    sample_stats(samples, REPS, &st);
    printf("PVMM_BENCH method=%s n=%u reps=%u median_cycles=%lu min_cycles=%lu\n", method, n,
           REPS, st.median / ENTRIES, st.min / ENTRIES);
}

static uint64_t pte_val(uint64_t frame[2], unsigned int r)
{
    return (frame[r & 1] << 12) | PTE_KERNEL_RO | PTE_NX;
}

static void bench_batched(uint64_t frame[2], unsigned int n)
{
    for (unsigned int r = 0; r < REPS; r++) {
        uint64_t t0;
        for (unsigned int i = 0; i < ENTRIES; i++) {
            reqs[i].ptr = entry_ma[i];
            reqs[i].val = pte_val(frame, r);
        }
        t0 = rdtsc_ordered();
        for (unsigned int i = 0; i < ENTRIES; i += n)
            hypercall_mmu_update(&reqs[i], n, NULL, DOMID_SELF);
        samples[r] = rdtsc_ordered() - t0;
    }
    report("mmu_update", n);
}

static void bench_uvm(uint64_t frame[2])
{
    for (unsigned int r = 0; r < REPS; r++) {
        uint64_t t0 = rdtsc_ordered();
        for (unsigned int i = 0; i < ENTRIES; i++)
            hypercall_update_va_mapping(REGION_BENCH + (uint64_t)i * PAGE, pte_val(frame, r),
                                        UVMF_NONE);
        samples[r] = rdtsc_ordered() - t0;
    }
    report("update_va_mapping", 1);
}

static void bench_ptwr(uint64_t frame[2])
{
    volatile uint64_t *pte = (volatile uint64_t *)((char *)mfn_to_virt(entry_ma[0] >> 12) +
                                                    (entry_ma[0] & (PAGE - 1)));

    hypercall_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
    for (unsigned int r = 0; r < REPS; r++) {
        uint64_t t0 = rdtsc_ordered();
        for (unsigned int i = 0; i < ENTRIES; i++)
            pte[i] = pte_val(frame, r);
        samples[r] = rdtsc_ordered() - t0;
    }
    report("writable_pagetable", 1);
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
