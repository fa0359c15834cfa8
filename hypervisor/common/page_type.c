/*
 * Frame type references: the rule that makes direct paging safe. Every
 * frame has one type at a time (sable/page.h: none, writable, L1..L4 page
 * table, descriptor page) and a count of references of that type:
 *
 *   - a reference of a different type can only be taken once the count is
 *     0: a frame mapped writable anywhere cannot become a page table, and a
 *     live page table cannot be mapped writable;
 *   - page-table and descriptor types are validated when the count leaves
 *     0 (arch_page_validate checks every entry and takes the references the
 *     entries need, recursively for lower tables), and a page table is
 *     devalidated when its count returns to 0 (those references dropped);
 *   - before a frame changes type, stale translations that may still go
 *     through it or write to it are flushed (arch_page_type_change).
 *
 * Type and count share one word, changed by compare-and-swap, so that
 * "check the type, then count" is one atomic step: two CPUs can never give
 * a frame two types. Validation itself runs with the count at 1 and the
 * validated flag clear; nobody else can take a reference meanwhile (a
 * request for the same type sees "not validated" and is refused, one for
 * another type sees the wrong type). The PV code validates only under its
 * owner's page-table lock, so such a refusal happens only for a table that
 * reaches itself, which Xen forbids too.
 *
 * Xen's equivalent is _get_page_type/_put_page_type in xen/arch/x86/mm.c;
 * Sable has no preemptible (partial) validation.
 */
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/page.h>

BUILD_BUG_ON(PGT_NR_TYPES > (1U << (32 - PGT_TYPE_SHIFT)));
BUILD_BUG_ON(PGT_VALIDATED & PGT_COUNT_MASK);
BUILD_BUG_ON(PGT_PINNED & PGT_COUNT_MASK);

static bool type_info_cas(struct page_info *pg, uint32_t *old, uint32_t new)
{
    return __atomic_compare_exchange_n(&pg->type_info, old, new, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_RELAXED);
}

/*
 * The type_info after taking one reference of type on a frame whose
 * type_info is x, or 0 when that is not allowed (0 is never a valid
 * result: the count is at least 1 afterwards).
 */
static uint32_t type_info_take(uint32_t x, unsigned int type)
{
    uint32_t count = x & PGT_COUNT_MASK;
    unsigned int cur = x >> PGT_TYPE_SHIFT;

    if (count == PGT_COUNT_MASK)
        return 0;                               /* full */
    if (count == 0 && cur != type)              /* free to change: unvalidated */
        return ((uint32_t)type << PGT_TYPE_SHIFT) | 1 |
               (type == PGT_writable ? PGT_VALIDATED : 0);
    if (count && (cur != type || !(x & PGT_VALIDATED)))
        return 0;                               /* in use as something else */
    return x + 1;
}

int page_get_type(struct page_info *pg, unsigned int type)
{
    uint32_t x = __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED), nx;
    unsigned int old_type;
    int rc;

    if (type == PGT_none || type >= PGT_NR_TYPES)
        return -EINVAL;
    do {
        nx = type_info_take(x, type);
        if (!nx)
            return -EINVAL;
    } while (!type_info_cas(pg, &x, nx));

    old_type = x >> PGT_TYPE_SHIFT;
    if ((x & PGT_COUNT_MASK) == 0 && old_type != type && old_type != PGT_none)
        arch_page_type_change(pg, old_type);
    if (nx & PGT_VALIDATED)
        return 0;
    /* We hold the only reference, unvalidated: nobody else can use it yet. */
    rc = arch_page_validate(pg, type);
    if (rc == 0)
        __atomic_fetch_or(&pg->type_info, PGT_VALIDATED, __ATOMIC_RELEASE);
    else
        __atomic_store_n(&pg->type_info, 0, __ATOMIC_RELEASE);
    return rc;
}

void page_put_type(struct page_info *pg)
{
    uint32_t x = __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED);

    for (;;) {
        uint32_t count = x & PGT_COUNT_MASK;
        unsigned int type = x >> PGT_TYPE_SHIFT;

        ASSERT(count != 0);
        if (count == 1 && pgt_is_page_table(type) && (x & PGT_VALIDATED)) {
            /* The last one: devalidate while still holding it, then let go. */
            if (!type_info_cas(pg, &x, x & ~PGT_VALIDATED))
                continue;
            arch_page_devalidate(pg, type);
            __atomic_fetch_sub(&pg->type_info, 1, __ATOMIC_RELEASE);
            return;
        }
        if (type_info_cas(pg, &x, x - 1))
            return;
    }
}

bool page_get_type_if_valid(struct page_info *pg, unsigned int type)
{
    uint32_t x = __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED);

    do {
        uint32_t count = x & PGT_COUNT_MASK;
        if ((x >> PGT_TYPE_SHIFT) != type || !(x & PGT_VALIDATED) || count == 0 ||
            count == PGT_COUNT_MASK)
            return false;
    } while (!type_info_cas(pg, &x, x + 1));
    return true;
}

bool page_pin_set(struct page_info *pg)
{
    return !(__atomic_fetch_or(&pg->type_info, PGT_PINNED, __ATOMIC_ACQ_REL) & PGT_PINNED);
}

bool page_pin_clear(struct page_info *pg)
{
    return __atomic_fetch_and(&pg->type_info, ~PGT_PINNED, __ATOMIC_ACQ_REL) & PGT_PINNED;
}

bool page_force_devalidate(struct page_info *pg, unsigned int type)
{
    uint32_t x = __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED);

    do {
        if ((x >> PGT_TYPE_SHIFT) != type || !(x & PGT_VALIDATED) ||
            !(x & PGT_COUNT_MASK) || !pgt_is_page_table(type))
            return false;
    } while (!type_info_cas(pg, &x, x & ~PGT_VALIDATED));
    arch_page_devalidate(pg, type);
    return true;
}

int page_get_writable(mfn_t mfn, domid_t owner)
{
    struct page_info *pg = mfn_valid(mfn) ? mfn_to_page(mfn) : NULL;

    if (!pg || page_owner(pg) != owner || page_get_ref(pg))
        return -EINVAL;
    if (page_get_type(pg, PGT_writable)) {
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
