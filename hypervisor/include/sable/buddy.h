/*
 * The buddy page allocator over the frame table: free blocks of 2^order
 * frames (order 0..BUDDY_MAX_ORDER), each naturally aligned, so a block of
 * order k starts at a multiple of 2^k frames both physically and in the
 * direct map. alloc_pages()/free_pages() and the xenheap forms are declared
 * in sable/mm.h; this header has the rest.
 *
 * Only frames given with buddy_add_range() are ever handed out.
 */
#ifndef SABLE_BUDDY_H
#define SABLE_BUDDY_H

#include <sable/page.h>

#define BUDDY_MAX_ORDER 18       /* 1 GiB blocks */
#define BUDDY_ORDERS    (BUDDY_MAX_ORDER + 1)

/* Forget every free block (the frame table is not touched). */
void buddy_reset(void);

/*
 * Give RAM frames [start, end) to the allocator. They must be RAM the
 * allocator does not manage yet (DOMID_XEN, PGF_RESERVED): 0 or -EINVAL,
 * in which case nothing is changed.
 */
int buddy_add_range(mfn_t start, mfn_t end);

/*
 * free_pages() with the checks as a result: 0, -EINVAL for a block that is
 * misaligned, outside the table, reserved or (partly) free already, or
 * -EBUSY for frames still referenced, typed or used by the heap. On error
 * nothing is changed. free_pages() panics where this returns an error.
 */
int buddy_free(struct page_info *pg, unsigned int order);

/* Free frames in total, and free blocks of one order. */
unsigned long buddy_free_frames(void);
unsigned long buddy_free_blocks(unsigned int order);

/*
 * Check every free list against the frame table (block heads, orders,
 * alignment, ownership of every frame, counters, no two free buddies left
 * unmerged). 0 or -EINVAL, with the first problem printed.
 */
int buddy_verify(void);

#endif /* SABLE_BUDDY_H */
