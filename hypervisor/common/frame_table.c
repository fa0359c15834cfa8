/*
 * The frame table (layout and frame states in sable/page.h) and the
 * reference-count and type-count rules on its entries.
 *
 * The counts are changed with compare-and-swap so that several CPUs may take
 * and drop references to one frame without a lock, as PV page-table
 * validation and grant mapping will.
 */
#include <sable/errno.h>
#include <sable/lib.h>
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
    BUILD_BUG_ON(PGT_NR_TYPES > (1U << (32 - PGT_TYPE_SHIFT)));

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

/* Dropping a reference nobody holds is a hypervisor bug. */
uint32_t page_put_ref(struct page_info *pg)
{
    uint32_t old = __atomic_fetch_sub(&pg->count_info, 1, __ATOMIC_RELEASE);

    ASSERT(old != 0);
    return old - 1;
}

/*
 * Type and count share one word so that "check the type, then count" is a
 * single atomic step: two CPUs can never give a frame two different types.
 */
int page_get_type(struct page_info *pg, unsigned int type, bool *changed)
{
    uint32_t old, new;
    bool fresh;

    if (type == PGT_none || type >= PGT_NR_TYPES)
        return -EINVAL;
    old = __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED);
    do {
        uint32_t count = old & PGT_COUNT_MASK;
        fresh = count == 0 && (old >> PGT_TYPE_SHIFT) != type;
        if (count && (old >> PGT_TYPE_SHIFT) != type)
            return -EBUSY;
        if (count == PGT_COUNT_MASK)
            return -EOVERFLOW;
        new = ((uint32_t)type << PGT_TYPE_SHIFT) | (count + 1);
    } while (!__atomic_compare_exchange_n(&pg->type_info, &old, new, false,
                                          __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
    if (changed)
        *changed = fresh;
    return 0;
}

void page_put_type(struct page_info *pg)
{
    uint32_t old = __atomic_fetch_sub(&pg->type_info, 1, __ATOMIC_RELEASE);

    ASSERT((old & PGT_COUNT_MASK) != 0);
}

int page_get_writable(mfn_t mfn, domid_t owner)
{
    struct page_info *pg = mfn_valid(mfn) ? mfn_to_page(mfn) : NULL;
    bool changed;

    if (!pg || page_owner(pg) != owner || page_get_ref(pg))
        return -EINVAL;
    if (page_get_type(pg, PGT_writable, &changed)) {
        page_put_ref(pg);
        return -EINVAL;
    }
    return 0;
}

void page_put_writable(mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(mfn);

    page_put_type(pg);
    page_put_ref(pg);
}
