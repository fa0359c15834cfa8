/*
 * Memory management interface: the frame table, the page allocator, the
 * hypervisor heap, and uncached mappings of device memory.
 * (Contract fixed up front; implementations live in common/ and arch/x86/mm.c.)
 */
#ifndef SABLE_MM_H
#define SABLE_MM_H

#include <sable/types.h>

struct page_info;

/* arch: build the final page tables, frame table and allocators from boot_info. */
void mm_init(void);

/* Physical page allocator: 2^order contiguous frames, or NULL. */
struct page_info *alloc_pages(unsigned int order);
void free_pages(struct page_info *pg, unsigned int order);

/* The same, returning the frames' direct-map address (hypervisor-owned). */
void *alloc_xenheap_pages(unsigned int order);
void free_xenheap_pages(void *va, unsigned int order);

/* Heap for the hypervisor's own objects. */
void *xmalloc_bytes(size_t size);
void *xzalloc_bytes(size_t size);
void xfree(void *p);
#define xmalloc(type)  ((type *)xmalloc_bytes(sizeof(type)))
#define xzalloc(type)  ((type *)xzalloc_bytes(sizeof(type)))

/* Uncached mapping of a device's MMIO range; NULL on failure. */
void *ioremap(paddr_t pa, size_t len);

/* Physical address of the hypervisor's own L4 page table. */
extern paddr_t idle_pg_table_pa;

/* Additions to the fixed contract: */

/* Allocation blocks are naturally aligned: 2^order frames, physically and
 * in the direct map (so alloc_xenheap_pages(STACK_ORDER) suits a stack block). */

struct ram_range;
/* The sanitized map of usable RAM (sorted, page-aligned), valid after mm_init(). */
const struct ram_range *mm_ram_ranges(unsigned int *nr);

/*
 * The machine-to-physical table (M2P): for each machine frame the guest
 * frame number its PV owner gave it, or INVALID_M2P_ENTRY. PV guests read
 * it at RO_MPT_VIRT_START (Xen's MACH2PHYS_VIRT_START); the hypervisor
 * writes it (domain builder, populate_physmap, MMU_MACHPHYS_UPDATE, and
 * INVALID when a frame leaves its domain). Frames past the table: ignored.
 */
#define INVALID_M2P_ENTRY (~0ULL)
void set_gpfn_from_mfn(mfn_t mfn, uint64_t gpfn);
uint64_t get_gpfn_from_mfn(mfn_t mfn);
/* The M2P's frames, one per 2 MiB (up to max in out); returns how many there are. */
unsigned int m2p_mfn_list(uint64_t *out, unsigned int max);

/*
 * memory_op's architecture part (common/memory.c). arch_memory_op: the
 * commands common code does not handle (memory maps, the M2P's place),
 * -ENOSYS for unknown ones. arch_guest_remove_page: decrease_reservation
 * of one frame gmfn of d (an mfn for PV): 0 when freed, -EINVAL when no
 * such frame, -ENXIO when not d's, -EBUSY while mapped or typed, and the
 * domain's TLBs flushed before it goes.
 */
struct domain;
long arch_memory_op(unsigned int op, uint64_t arg);
int arch_guest_remove_page(struct domain *d, uint64_t gmfn);

/* Exhaust and churn the allocator and heap; 0 if every count came back. */
int mm_selftest(void);

#endif
