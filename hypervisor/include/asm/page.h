/*
 * x86-64 4-level paging: page-table entry bits and index arithmetic
 * (Intel SDM vol. 3, 4.5; AMD APM vol. 2, 5.3). Bit names follow Xen's,
 * which PV guests' page-table updates are validated against.
 */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#define _PAGE_PRESENT   0x001
#define _PAGE_RW        0x002
#define _PAGE_USER      0x004
#define _PAGE_PWT       0x008       /* write-through (PAT index bit 0) */
#define _PAGE_PCD       0x010       /* cache disable (PAT index bit 1) */
#define _PAGE_ACCESSED  0x020
#define _PAGE_DIRTY     0x040
#define _PAGE_PSE       0x080       /* L2/L3: 2 MiB / 1 GiB leaf */
#define _PAGE_PAT       0x080       /* L1: PAT index bit 2 */
#define _PAGE_GLOBAL    0x100
#define _PAGE_PSE_PAT   0x1000      /* L2/L3 leaf: PAT index bit 2 */
#define _PAGE_NX        0x8000000000000000

/* Physical address bits of an entry (MAXPHYADDR is at most 52). */
#define PTE_ADDR_MASK   0x000ffffffffff000

#define PT_ENTRIES      512
#define L1_PAGETABLE_SHIFT 12
#define L2_PAGETABLE_SHIFT 21
#define L3_PAGETABLE_SHIFT 30
#define L4_PAGETABLE_SHIFT 39
#define L2_PAGE_SIZE    (1UL << L2_PAGETABLE_SHIFT)     /* 2 MiB */
#define L3_PAGE_SIZE    (1UL << L3_PAGETABLE_SHIFT)     /* 1 GiB */
#define L4_SLOT_SIZE    (1UL << L4_PAGETABLE_SHIFT)     /* 512 GiB */

#ifndef __ASSEMBLER__
#include <sable/types.h>

typedef uint64_t pgentry_t;

/* Index of va in the table of a level (1 = L1 ... 4 = L4). */
static inline unsigned int pt_index(vaddr_t va, unsigned int level)
{
    return (va >> (L1_PAGETABLE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

/* Bytes mapped by one entry of a level's table. */
static inline uint64_t pt_entry_size(unsigned int level)
{
    return 1UL << (L1_PAGETABLE_SHIFT + 9 * (level - 1));
}

static inline paddr_t pte_addr(pgentry_t e) { return e & PTE_ADDR_MASK; }
#endif

#endif /* ASM_PAGE_H */
