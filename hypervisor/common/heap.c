/*
 * The hypervisor heap (see sable/heap.h).
 *
 * A pool page serves one size class. Its free objects form a list threaded
 * through the objects themselves by 16-bit in-page offsets, whose head and
 * use count live in the page's frame-table entry (heap_free, heap_inuse;
 * .order holds the class). Pages with at least one free object sit on their
 * class's partial list; a page whose last object is freed goes straight back
 * to the page allocator, so an idle heap holds no memory and the free-frame
 * count tells whether anything leaked.
 */
#include <sable/buddy.h>
#include <sable/errno.h>
#include <sable/heap.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <sable/spinlock.h>

#define HEAP_NONE       0xffff              /* end of an in-page free list */
#define HEAP_FREE_MAGIC 0x5ab1efee5ab1efeeULL

/* The start of every free object (so classes are at least 16 bytes). */
struct heap_free_obj {
    uint16_t next;                          /* offset of the next free one */
    uint16_t pad[3];
    uint64_t magic;                         /* HEAP_FREE_MAGIC while free */
};

/* Guarded by heap_lock (taken before the page allocator's lock). */
static struct page_list_head partial[HEAP_CLASSES];
static unsigned long nr_heap_pages;
static spinlock_t heap_lock = SPINLOCK_INIT;

/* The smallest class whose objects hold size bytes (size <= HEAP_MAX_SMALL). */
static unsigned int size_class(size_t size)
{
    unsigned int shift = HEAP_MIN_SHIFT;

    while ((1UL << shift) < size)
        shift++;
    return shift - HEAP_MIN_SHIFT;
}

static size_t class_size(unsigned int cls)
{
    return 1UL << (cls + HEAP_MIN_SHIFT);
}

static struct heap_free_obj *obj_at(struct page_info *pg, unsigned int off)
{
    return (struct heap_free_obj *)((char *)page_to_virt(pg) + off);
}

/* A fresh pool page for class cls, every object on its free list. */
static struct page_info *pool_page_new(unsigned int cls)
{
    size_t size = class_size(cls);
    char *va = alloc_xenheap_pages(0);
    struct page_info *pg;

    if (!va)
        return NULL;
    pg = virt_to_page(va);
    for (size_t off = 0; off < PAGE_SIZE; off += size) {
        struct heap_free_obj *o = (struct heap_free_obj *)(va + off);
        o->next = off + size < PAGE_SIZE ? off + size : HEAP_NONE;
        o->magic = HEAP_FREE_MAGIC;
    }
    pg->flags |= PGF_HEAP_POOL;
    pg->order = cls;
    pg->heap_free = 0;
    pg->heap_inuse = 0;
    page_list_add(pg, &partial[cls]);
    nr_heap_pages++;
    return pg;
}

/* Pop the first free object of the class, from a new pool page if need be. */
static void *small_alloc(size_t size)
{
    unsigned int cls = size_class(size);
    struct heap_free_obj *o = NULL;
    struct page_info *pg;
    unsigned long flags;

    flags = spin_lock_irqsave(&heap_lock);
    pg = page_list_first(&partial[cls]);
    if (!pg)
        pg = pool_page_new(cls);
    if (pg) {
        o = obj_at(pg, pg->heap_free);
        pg->heap_free = o->next;
        pg->heap_inuse++;
        o->magic = 0;
        if (pg->heap_free == HEAP_NONE)
            page_list_del(pg, &partial[cls]);
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    return o;
}

/* Whole pages; the order is kept in the first frame for xfree(). */
static void *large_alloc(size_t size)
{
    unsigned int order = 0;
    unsigned long flags;
    struct page_info *pg;
    void *va;

    if (size > (PAGE_SIZE << BUDDY_MAX_ORDER))
        return NULL;
    while ((PAGE_SIZE << order) < size)
        order++;
    flags = spin_lock_irqsave(&heap_lock);
    va = alloc_xenheap_pages(order);
    if (va) {
        pg = virt_to_page(va);
        pg->flags |= PGF_HEAP_LARGE;
        pg->order = order;
        nr_heap_pages += 1UL << order;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    return va;
}

void *xmalloc_bytes(size_t size)
{
    return size <= HEAP_MAX_SMALL ? small_alloc(size) : large_alloc(size);
}

void *xzalloc_bytes(size_t size)
{
    void *p = xmalloc_bytes(size);

    if (p)
        memset(p, 0, size);
    return p;
}

/* Is the object at off on pg's free list already? */
static bool pool_obj_is_free(struct page_info *pg, unsigned int off)
{
    if (obj_at(pg, off)->magic != HEAP_FREE_MAGIC)
        return false;               /* cheap answer for live objects */
    for (unsigned int f = pg->heap_free; f != HEAP_NONE; f = obj_at(pg, f)->next)
        if (f == off)
            return true;
    return false;
}

/* Push the object back; a page left with no objects in use is given back. */
static void pool_free(struct page_info *pg, unsigned int off)
{
    struct heap_free_obj *o = obj_at(pg, off);
    unsigned int cls = pg->order;

    if (pg->heap_free == HEAP_NONE)
        page_list_add(pg, &partial[cls]);
    o->next = pg->heap_free;
    o->magic = HEAP_FREE_MAGIC;
    pg->heap_free = off;
    if (--pg->heap_inuse == 0) {
        page_list_del(pg, &partial[cls]);
        pg->flags &= ~PGF_HEAP_POOL;
        nr_heap_pages--;
        free_xenheap_pages(page_to_virt(pg), 0);
    }
}

/* Which kind of heap block is p the start of? Checks only, changes nothing. */
static int heap_check(void *p, struct page_info **pgp, unsigned int *offp)
{
    struct page_info *pg;
    unsigned int off;

    if ((uintptr_t)p < (uintptr_t)frame_virt_base || !mfn_valid(virt_to_mfn(p)))
        return -EINVAL;
    pg = virt_to_page(p);
    off = (unsigned int)((char *)p - (char *)page_to_virt(pg));
    if (pg->flags & PGF_HEAP_LARGE) {
        if (off)
            return -EINVAL;
    } else if (pg->flags & PGF_HEAP_POOL) {
        if (pg->order >= HEAP_CLASSES || off % class_size(pg->order) ||
            pool_obj_is_free(pg, off))
            return -EINVAL;
    } else {
        return -EINVAL;
    }
    *pgp = pg;
    *offp = off;
    return 0;
}

int heap_free(void *p)
{
    struct page_info *pg;
    unsigned long flags;
    unsigned int off;
    int rc;

    if (!p)
        return 0;
    flags = spin_lock_irqsave(&heap_lock);
    rc = heap_check(p, &pg, &off);
    if (!rc && (pg->flags & PGF_HEAP_LARGE)) {
        unsigned int order = pg->order;
        pg->flags &= ~PGF_HEAP_LARGE;
        nr_heap_pages -= 1UL << order;
        free_xenheap_pages(p, order);
    } else if (!rc) {
        pool_free(pg, off);
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    return rc;
}

void xfree(void *p)
{
    if (heap_free(p)) {
        pr_err("xfree: %p is not a live heap object\n", p);
        BUG();
    }
}

unsigned long heap_pages(void)
{
    return __atomic_load_n(&nr_heap_pages, __ATOMIC_RELAXED);
}
