/*
 * Page-table management for Sable's PV test kernels, on Xen's x86-64 PV
 * memory ABI (direct paging): the kernel reads its page tables but changes
 * them only through mmu_update / mmuext_op / update_va_mapping, which the
 * hypervisor validates.
 *
 *  - Frames: the pseudo-physical frames the boot page tables do not map
 *    are a pool (mm_alloc_pfn); pfn <-> mfn through the p2m list the
 *    builder gave us and the hypervisor's read-only M2P table.
 *  - Batches: page-table writes are queued (mmu_queue) and sent in one
 *    mmu_update of up to mmu_batch_limit entries; the hypervisor reports
 *    how many it applied.
 *  - The physmap: once mm_physmap_init() ran, every frame of the domain is
 *    mapped at PHYSMAP_BASE + pfn * 4096, writable except the frames in
 *    use as page tables (read-only, as direct paging demands), so any
 *    table can be read to walk it.
 *  - Address spaces: pt_map / pt_unmap on any root (the live one or one
 *    being built), creating missing tables from the pool as they go.
 */
#ifndef GUEST_MM_H
#define GUEST_MM_H

#include <guest/guest.h>
#include "public/xen.h"

#define PTE_P       (1ULL << 0)
#define PTE_RW      (1ULL << 1)
#define PTE_US      (1ULL << 2)
#define PTE_PWT     (1ULL << 3)
#define PTE_PCD     (1ULL << 4)
#define PTE_A       (1ULL << 5)
#define PTE_D       (1ULL << 6)
#define PTE_PSE     (1ULL << 7)
#define PTE_G       (1ULL << 8)
#define PTE_NX      (1ULL << 63)
#define PTE_ADDR    0x000ffffffffff000ULL

#define PTE_KERNEL_RW   (PTE_P | PTE_RW | PTE_A | PTE_D)
#define PTE_KERNEL_RO   (PTE_P | PTE_A)
#define PTE_TABLE       (PTE_P | PTE_RW | PTE_US | PTE_A)    /* upper levels */

#define PHYSMAP_BASE    0xffff888000000000ULL   /* L4 slot 273, as Linux's */

static inline uint64_t pte_mfn(uint64_t e) { return (e & PTE_ADDR) >> 12; }
static inline unsigned int pt_idx(uint64_t va, unsigned int level)
{
    return (va >> (12 + 9 * (level - 1))) & 511;
}

/* The hypervisor's M2P (read-only, at MACH2PHYS_VIRT_START). */
static inline uint64_t mfn_to_pfn(uint64_t mfn)
{
    return ((const volatile uint64_t *)(uintptr_t)MACH2PHYS_VIRT_START)[mfn];
}

/* ---- frames ---- */

/* Find the pool (frames the boot tables leave unmapped). Call first. */
void mm_init(void);
/* A frame from the pool, or 0 when it is empty. */
uint64_t mm_alloc_pfn(void);
void mm_free_pfn(uint64_t pfn);
/* Frames still in the pool. */
uint64_t mm_free_pfns(void);
/* Is pfn in use as a page table (ours, or the builder's)? */
bool mm_pfn_is_table(uint64_t pfn);

/* ---- batched updates ---- */

/* Entries per mmu_update hypercall (1..MMU_BATCH_MAX); default the maximum. */
#define MMU_BATCH_MAX 512
extern unsigned int mmu_batch_limit;
/* Queue *ptr_ma = val (ptr_ma: machine address of an entry, or | MMU_* cmd). */
void mmu_queue(uint64_t ptr_ma, uint64_t val);
/*
 * Send what is queued: 0, or the first failing entry's error (the ones
 * before it applied, the rest dropped). Statistics: calls and entries.
 */
long mmu_flush(void);
extern uint64_t mmu_calls, mmu_entries;

/* One mmuext_op. */
long mmuext(unsigned int cmd, uint64_t arg1, uint64_t arg2);

/* ---- the physmap ---- */

/* Map every frame at PHYSMAP_BASE in the current root: 0 or an error. */
long mm_physmap_init(void);
extern uint64_t physmap_l3_mfn;          /* its L3, for sharing with new roots */
static inline void *phys_to_virt(uint64_t pfn)
{
    return (void *)(uintptr_t)(PHYSMAP_BASE + pfn * GUEST_PAGE_SIZE);
}
static inline void *mfn_to_virt(uint64_t mfn) { return phys_to_virt(mfn_to_pfn(mfn)); }

/* ---- address spaces ---- */

/*
 * A zeroed frame from the pool made ready to become a page table: its
 * physmap mapping turned read-only (queued), contents cleared. Its mfn, or
 * 0 when the pool is empty.
 */
uint64_t pt_alloc_table(void);
/* The current kernel root (mfn). */
extern uint64_t pt_root_mfn;
/*
 * Map va -> mfn with flags in the tables under root (mfn), creating
 * missing tables (flags PTE_TABLE); the leaf write is queued, tables are
 * linked at once. 0 or the error of the update that failed.
 */
long pt_map(uint64_t root, uint64_t va, uint64_t mfn, uint64_t flags);
/* Queue clearing va's L1 entry under root; -ENOENT if no table maps it. */
long pt_unmap(uint64_t root, uint64_t va);
/* The L1 entry for va under root (0 if a level is missing); its address in *ma. */
uint64_t pt_lookup(uint64_t root, uint64_t va, uint64_t *ma);

#endif /* GUEST_MM_H */
