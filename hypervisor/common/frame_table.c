/*
 * The frame table (layout and frame states in sable/page.h) and the
 * general reference count of its entries. (Type counts: page_type.c.)
 *
 * The counts are changed with compare-and-swap so that several CPUs may take
 * and drop references to one frame without a lock, as PV page-table
 * validation and grant mapping do.
 */
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>

struct page_info *frame_table;
mfn_t frame_table_nr;
char *frame_virt_base;

/*
 * Point the accessors at a table (in the hypervisor: RAM reached through the
 * direct map; in unit tests: host memory) and start every frame as non-RAM.
 */
void frame_table_setup(struct page_info *table, mfn_t nr, void *virt_base)
{
    BUILD_BUG_ON(sizeof(struct page_info) != 32);

    memset(table, 0, nr * sizeof(*table));
    for (mfn_t m = 0; m < nr; m++) {
        table[m].owner = DOMID_IO;
        table[m].flags = PGF_RESERVED;
    }
    frame_table = table;
    frame_table_nr = nr;
    frame_virt_base = virt_base;
}

/* RAM frames belong to the hypervisor until the allocator is given them. */
void frame_table_mark_ram(mfn_t start, mfn_t end)
{
    ASSERT(start <= end && end <= frame_table_nr);
    for (mfn_t m = start; m < end; m++)
        frame_table[m].owner = DOMID_XEN;
}

int page_get_ref(struct page_info *pg)
{
    uint32_t old = __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED);

    do {
        if (old == PGC_COUNT_MAX)
            return -EOVERFLOW;
    } while (!__atomic_compare_exchange_n(&pg->count_info, &old, old + 1, false,
                                          __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
    return 0;
}

static uint64_t orphans;

/*
 * Free an orphan nobody references any more. The last put and page_orphan()
 * may race: each checks the other's half (the count, the flag) after doing
 * its own, sequentially consistent, and whoever clears the flag frees.
 */
static void orphan_reap(struct page_info *pg)
{
    if (__atomic_load_n(&pg->count_info, __ATOMIC_SEQ_CST))
        return;
    if (!(__atomic_fetch_and(&pg->flags, (uint8_t)~PGF_ORPHAN, __ATOMIC_SEQ_CST) & PGF_ORPHAN))
        return;
    __atomic_fetch_sub(&orphans, 1, __ATOMIC_RELAXED);
    free_pages(pg, 0);
}

void page_orphan(struct page_info *pg)
{
    ASSERT(!(pg->flags & PGF_ORPHAN));
    page_set_owner(pg, DOMID_XEN);      /* never a later domain's with the same id */
    __atomic_fetch_add(&orphans, 1, __ATOMIC_RELAXED);
    __atomic_fetch_or(&pg->flags, PGF_ORPHAN, __ATOMIC_SEQ_CST);
    orphan_reap(pg);
}

uint64_t page_orphans(void)
{
    return __atomic_load_n(&orphans, __ATOMIC_RELAXED);
}

/* Dropping a reference nobody holds is a hypervisor bug. */
uint32_t page_put_ref(struct page_info *pg)
{
    uint32_t old = __atomic_fetch_sub(&pg->count_info, 1, __ATOMIC_SEQ_CST);

    ASSERT(old != 0);
    if (old == 1 && (__atomic_load_n(&pg->flags, __ATOMIC_SEQ_CST) & PGF_ORPHAN))
        orphan_reap(pg);
    return old - 1;
}
