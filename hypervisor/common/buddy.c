/*
 * Buddy page allocator (see sable/buddy.h).
 *
 * Free blocks sit on one list per order; a block's first frame carries
 * PGF_FREE_HEAD and the order, and every frame of it has owner DOMID_FREE, so
 * that freeing any frame that is not allocated is caught. Allocation splits
 * the smallest large-enough block; freeing merges with the buddy (the block
 * at mfn ^ 2^order) as long as it is a free block of the same order. The free
 * lists are therefore always in the one canonical form for a given set of
 * free frames, which the unit tests rely on.
 */
#include <sable/buddy.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/spinlock.h>

/* Guarded by buddy_lock. */
static struct page_list_head free_lists[BUDDY_ORDERS];
static unsigned long free_blocks[BUDDY_ORDERS];
static unsigned long free_frames;
static spinlock_t buddy_lock = SPINLOCK_INIT;

void buddy_reset(void)
{
    memset(free_lists, 0, sizeof(free_lists));
    memset(free_blocks, 0, sizeof(free_blocks));
    free_frames = 0;
}

/* List a free block; its head frame records the order for merging. */
static void block_insert(struct page_info *pg, unsigned int order)
{
    pg->flags |= PGF_FREE_HEAD;
    pg->order = order;
    page_list_add(pg, &free_lists[order]);
    free_blocks[order]++;
}

static void block_remove(struct page_info *pg, unsigned int order)
{
    page_list_del(pg, &free_lists[order]);
    pg->flags &= ~PGF_FREE_HEAD;
    free_blocks[order]--;
}

/*
 * Take the first block of the smallest order that fits, give the upper
 * halves back while splitting down, and mark the frames as the hypervisor's
 * with no references and no type.
 */
struct page_info *alloc_pages(unsigned int order)
{
    struct page_info *pg = NULL;
    unsigned long flags;
    unsigned int j;

    if (order > BUDDY_MAX_ORDER)
        return NULL;
    flags = spin_lock_irqsave(&buddy_lock);
    for (j = order; j <= BUDDY_MAX_ORDER && page_list_empty(&free_lists[j]); j++)
        ;
    if (j <= BUDDY_MAX_ORDER) {
        pg = page_list_first(&free_lists[j]);
        block_remove(pg, j);
        while (j > order) {
            j--;
            block_insert(pg + (1UL << j), j);
        }
        for (unsigned long i = 0; i < (1UL << order); i++) {
            pg[i].owner = DOMID_XEN;
            pg[i].flags = 0;
            pg[i].count_info = 0;
            pg[i].type_info = 0;
        }
        free_frames -= 1UL << order;
    }
    spin_unlock_irqrestore(&buddy_lock, flags);
    return pg;
}

/* May the 2^order frames at pg go back to the free lists? */
static int block_check_allocated(const struct page_info *pg, unsigned int order)
{
    for (unsigned long i = 0; i < (1UL << order); i++) {
        const struct page_info *p = &pg[i];
        if ((p->flags & PGF_RESERVED) || p->owner == DOMID_FREE)
            return -EINVAL;
        if (p->flags || p->count_info || (p->type_info & PGT_COUNT_MASK))
            return -EBUSY;
    }
    return 0;
}

/* Merge the free block [mfn, 2^order) with free buddies and list the result. */
static void block_free_merge(mfn_t mfn, unsigned int order)
{
    while (order < BUDDY_MAX_ORDER) {
        mfn_t buddy = mfn ^ (1UL << order);
        struct page_info *b;
        if (buddy + (1UL << order) > frame_table_nr)
            break;
        b = mfn_to_page(buddy);
        if (!(b->flags & PGF_FREE_HEAD) || b->order != order)
            break;
        block_remove(b, order);
        mfn &= ~(1UL << order);
        order++;
    }
    block_insert(mfn_to_page(mfn), order);
}

int buddy_free(struct page_info *pg, unsigned int order)
{
    unsigned long flags;
    mfn_t mfn;
    int rc;

    if (order > BUDDY_MAX_ORDER || !pg || pg < frame_table ||
        pg >= frame_table + frame_table_nr)
        return -EINVAL;
    mfn = page_to_mfn(pg);
    if (!IS_ALIGNED(mfn, 1UL << order) || mfn + (1UL << order) > frame_table_nr)
        return -EINVAL;

    flags = spin_lock_irqsave(&buddy_lock);
    rc = block_check_allocated(pg, order);
    if (!rc) {
        for (unsigned long i = 0; i < (1UL << order); i++) {
            pg[i].owner = DOMID_FREE;
            pg[i].flags = 0;
        }
        block_free_merge(mfn, order);
        free_frames += 1UL << order;
    }
    spin_unlock_irqrestore(&buddy_lock, flags);
    return rc;
}

/* A bad free is a hypervisor bug: say which frame, then stop. */
void free_pages(struct page_info *pg, unsigned int order)
{
    int rc = buddy_free(pg, order);

    if (rc) {
        pr_err("free_pages: bad free of mfn %#lx order %u: %s\n",
               (pg >= frame_table && pg < frame_table + frame_table_nr) ? page_to_mfn(pg) : ~0UL,
               order, rc == -EBUSY ? "frame still in use" : "not an allocated block");
        BUG();
    }
}

void *alloc_xenheap_pages(unsigned int order)
{
    struct page_info *pg = alloc_pages(order);

    return pg ? page_to_virt(pg) : NULL;
}

void free_xenheap_pages(void *va, unsigned int order)
{
    if (va)
        free_pages(virt_to_page(va), order);
}

/* The largest naturally aligned block starting at s that ends by e. */
static unsigned int largest_order(mfn_t s, mfn_t e)
{
    unsigned int order = 0;

    while (order < BUDDY_MAX_ORDER && IS_ALIGNED(s, 1UL << (order + 1)) &&
           s + (1UL << (order + 1)) <= e)
        order++;
    return order;
}

/*
 * The new frames become "allocated" and are then freed in the largest
 * aligned blocks, so that merging with neighbours keeps the lists canonical
 * whatever order ranges are added in.
 */
int buddy_add_range(mfn_t start, mfn_t end)
{
    if (start > end || end > frame_table_nr)
        return -EINVAL;
    for (mfn_t m = start; m < end; m++)
        if (frame_table[m].owner != DOMID_XEN || !(frame_table[m].flags & PGF_RESERVED))
            return -EINVAL;
    for (mfn_t m = start; m < end; m++)
        frame_table[m].flags = 0;
    while (start < end) {
        unsigned int order = largest_order(start, end);
        int rc = buddy_free(mfn_to_page(start), order);
        ASSERT(rc == 0);
        start += 1UL << order;
    }
    return 0;
}

unsigned long buddy_free_frames(void)
{
    return __atomic_load_n(&free_frames, __ATOMIC_RELAXED);
}

unsigned long buddy_free_blocks(unsigned int order)
{
    return order <= BUDDY_MAX_ORDER ? free_blocks[order] : 0;
}

/* One free block: head marks, alignment, every frame free, buddy not free. */
static int verify_block(const struct page_info *pg, unsigned int order)
{
    mfn_t mfn = page_to_mfn(pg), buddy = mfn ^ (1UL << order);

    if (!(pg->flags & PGF_FREE_HEAD) || pg->order != order || !IS_ALIGNED(mfn, 1UL << order) ||
        mfn + (1UL << order) > frame_table_nr) {
        pr_err("buddy: bad block head mfn %#lx on order-%u list\n", mfn, order);
        return -EINVAL;
    }
    for (unsigned long i = 0; i < (1UL << order); i++) {
        if (pg[i].owner != DOMID_FREE || (i && pg[i].flags)) {
            pr_err("buddy: frame %#lx of free block %#lx/%u not free\n", mfn + i, mfn, order);
            return -EINVAL;
        }
    }
    if (order < BUDDY_MAX_ORDER && buddy < frame_table_nr &&
        (frame_table[buddy].flags & PGF_FREE_HEAD) && frame_table[buddy].order == order) {
        pr_err("buddy: free buddies %#lx and %#lx/%u not merged\n", mfn, buddy, order);
        return -EINVAL;
    }
    return 0;
}

int buddy_verify(void)
{
    unsigned long total = 0, flags;
    int rc = 0;

    flags = spin_lock_irqsave(&buddy_lock);
    for (unsigned int o = 0; o <= BUDDY_MAX_ORDER && !rc; o++) {
        unsigned long n = 0;
        const struct page_info *pg;
        page_list_for_each(pg, &free_lists[o]) {
            if ((rc = verify_block(pg, o)))
                break;
            n++;
        }
        if (!rc && n != free_blocks[o]) {
            pr_err("buddy: order %u list has %lu blocks, counter says %lu\n", o, n,
                   free_blocks[o]);
            rc = -EINVAL;
        }
        total += n << o;
    }
    if (!rc && total != free_frames) {
        pr_err("buddy: %lu frames on lists, counter says %lu\n", total, free_frames);
        rc = -EINVAL;
    }
    spin_unlock_irqrestore(&buddy_lock, flags);
    return rc;
}
