/*
 * x86-64 page-table entry bits, as dom0 writes them for the domains it
 * builds and for its own foreign-mapping window.
 */
#ifndef DOM0_PTE_H
#define DOM0_PTE_H

#define PTE_PRESENT     (1ULL << 0)
#define PTE_RW          (1ULL << 1)
#define PTE_USER        (1ULL << 2)
#define PTE_ACCESSED    (1ULL << 5)
#define PTE_DIRTY       (1ULL << 6)
#define PTE_FRAME_SHIFT 12
#define PTE_ENTRIES     512

/* A present, writable, user, accessed and dirty entry for a frame. */
#define PTE_MAP_RW      (PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY)

#endif /* DOM0_PTE_H */
