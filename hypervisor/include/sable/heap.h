/*
 * The hypervisor heap behind xmalloc_bytes()/xzalloc_bytes()/xfree()
 * (declared in sable/mm.h). Objects up to HEAP_MAX_SMALL bytes come from
 * pages split into one power-of-two size class each; larger objects get
 * whole pages (2^order, the order recorded in the first frame). Every object
 * is aligned to its size class (at least 16 bytes), large ones to a page.
 * Pages come from alloc_xenheap_pages() and go back when they empty.
 */
#ifndef SABLE_HEAP_H
#define SABLE_HEAP_H

#include <sable/types.h>

#define HEAP_MIN_SHIFT 4                          /* 16-byte objects */
#define HEAP_MAX_SHIFT 11                         /* 2 KiB objects */
#define HEAP_CLASSES   (HEAP_MAX_SHIFT - HEAP_MIN_SHIFT + 1)
#define HEAP_MAX_SMALL (1U << HEAP_MAX_SHIFT)

/*
 * xfree() with the checks as a result: 0, or -EINVAL for a pointer the heap
 * did not hand out (or not the start of an object), or one already freed;
 * nothing is changed then. xfree() panics where this returns an error.
 */
int heap_free(void *p);

/* Pages the heap holds now (pool pages plus large objects' pages). */
unsigned long heap_pages(void);

#endif /* SABLE_HEAP_H */
