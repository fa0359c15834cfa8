/*
 * The contents of PV guests' page tables: which entries a guest may have,
 * the references each entry holds, validation and devalidation of whole
 * tables (the arch hooks of common/page_type.c), and single-entry updates.
 * The model is in asm/pv_mm.h; the rules are Xen's (xen/arch/x86/mm.c:
 * get_page_from_l1e .. l4e, promote/demote_lN_table, mod_lN_entry).
 *
 * Portable: no CPU access, the tables are reached through the direct map
 * (page_to_virt), so the host unit tests run this file as it is. Callers
 * hold the owning domain's page-table lock.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/grant_table.h>
#include <sable/lib.h>
#include <sable/page.h>
#include <asm/page.h>
#include <asm/pv_mm.h>

uint64_t pt_nx_mask = _PAGE_NX;
pgentry_t pt_hypervisor_l4e[16];

/*
 * Flags a PV guest may use at every level (Xen's base_disallow_mask
 * complement), and the extras of L1 entries. Address bits are the frame.
 */
#define PTE_FLAGS_MASK      (~PTE_ADDR_MASK)
#define PTE_GUEST_FLAGS     (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | \
                             _PAGE_DIRTY | _PAGE_AVAIL_LOW | _PAGE_AVAIL_HIGH)
#define PTE_CACHE_ATTRS     (_PAGE_PWT | _PAGE_PCD | _PAGE_PAT)
/* An update that changes only these needs no new references (Xen's fast path). */
#define PTE_FASTPATH_FLAGS  (_PAGE_NX | _PAGE_AVAIL_HIGH | _PAGE_AVAIL_LOW | _PAGE_GLOBAL | \
                             _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_USER)

static pgentry_t guest_flags(void)
{
    return PTE_GUEST_FLAGS | pt_nx_mask;
}

/* Flags d may not set in an L1 entry (cache attributes: the control domain only). */
static pgentry_t l1_disallowed(const struct domain *d)
{
    pgentry_t ok = guest_flags() | _PAGE_GLOBAL | (d->is_privileged ? PTE_CACHE_ATTRS : 0);

    return PTE_FLAGS_MASK & ~ok;
}

static pgentry_t pde_disallowed(void)
{
    return PTE_FLAGS_MASK & ~guest_flags();
}

static mfn_t pte_mfn(pgentry_t e)
{
    return pte_addr(e) >> PAGE_SHIFT;
}

static bool pte_present(pgentry_t e)
{
    return e & _PAGE_PRESENT;
}

/* The type a table of level holds in its entries' targets (L2 -> L1 ...). */
static unsigned int level_type(unsigned int level)
{
    return PGT_l1_page_table + level - 1;
}

/* ---- frames ---- */

/* d's shared_info: the hypervisor's page, which d may map (never as a table). */
static bool is_shared_info(const struct domain *d, const struct page_info *pg)
{
    return d->shared_info && pg == virt_to_page(d->shared_info);
}

/*
 * A hypervisor page d may map in an L1 entry of its own: pg_owner's
 * shared_info, or (its own mapping only) one of d's grant-table frames.
 */
static bool is_xen_page_for(struct domain *d, struct domain *pg_owner, const struct page_info *pg)
{
    return is_shared_info(pg_owner, pg) ||
           (d == pg_owner && gnttab_is_shared_frame(d, page_to_mfn(pg)));
}

struct page_info *pt_get_page(struct domain *d, mfn_t mfn)
{
    struct page_info *pg;

    if (!mfn_valid(mfn))
        return NULL;
    pg = mfn_to_page(mfn);
    if (page_owner(pg) != d->domain_id || page_get_ref(pg))
        return NULL;
    return pg;
}

int pt_get_page_and_type(struct domain *d, mfn_t mfn, unsigned int type)
{
    struct page_info *pg = pt_get_page(d, mfn);
    int rc;

    if (!pg)
        return -EINVAL;
    rc = page_get_type(pg, type);
    if (rc)
        page_put_ref(pg);
    return rc;
}

void pt_put_page_and_type(struct page_info *pg)
{
    page_put_type(pg);
    page_put_ref(pg);
}

/* ---- L1 entries ---- */

pgentry_t pt_adjust_l1e(pgentry_t e)
{
    if (!pte_present(e))
        return e;
    if (!(e & _PAGE_USER))
        e |= _PAGE_USER | _PAGE_GUEST_KERNEL;   /* the guest kernel runs in ring 3 */
    return e & ~(pgentry_t)_PAGE_GLOBAL;        /* guest TLB entries die with CR3 */
}

/*
 * The references an L1 entry of d's needs when it maps a frame of
 * pg_owner's: d itself, or for the privileged domain a domain it builds or
 * serves (a foreign mapping, Xen's get_page_from_l1e with pg_owner).
 */
static int get_l1e(pgentry_t e, struct domain *d, struct domain *pg_owner)
{
    mfn_t mfn = pte_mfn(e);
    struct page_info *pg;

    if (e & l1_disallowed(d))
        return -EINVAL;
    if (!mfn_valid(mfn) || page_owner(mfn_to_page(mfn)) == DOMID_IO)
        return -EPERM;                          /* I/O memory: not granted to anyone yet */
    pg = mfn_to_page(mfn);
    if (is_xen_page_for(d, pg_owner, pg) ? page_get_ref(pg) : !(pg = pt_get_page(pg_owner, mfn)))
        return -EBUSY;                          /* someone else's frame */
    if ((e & PTE_CACHE_ATTRS) && page_owner(pg) == DOMID_XEN) {
        page_put_ref(pg);
        return -EACCES;                         /* a hypervisor page stays write-back */
    }
    if ((e & _PAGE_RW) && page_get_type(pg, PGT_writable)) {
        page_put_ref(pg);
        return -EBUSY;                          /* a page table or descriptor page */
    }
    return 0;
}

int pt_get_l1e(pgentry_t e, struct domain *d)
{
    return get_l1e(e, d, d);
}

void pt_put_l1e(pgentry_t e, struct domain *d)
{
    struct page_info *pg;

    if (!pte_present(e) || !mfn_valid(pte_mfn(e)))
        return;
    pg = mfn_to_page(pte_mfn(e));
    if (page_owner(pg) == DOMID_IO)
        return;
    if (e & _PAGE_RW)
        page_put_type(pg);
    page_put_ref(pg);
}

/* ---- linear page tables ---- */

/*
 * Xen's linear page tables: an entry of a table may point at a table of
 * its own level if the entry is read-only (or the guest could write its
 * own page tables through it), the target is already validated (never
 * validate a table from inside its own validation), and no nesting: a
 * table that has such entries cannot be used as one elsewhere and vice
 * versa (linear_pt_count). An entry pointing at its own table takes no
 * reference at all, so a table can map itself.
 */
static bool linear_entries_inc(struct page_info *pg)
{
    if (pg->linear_pt_count < 0 || pg->linear_pt_count == INT16_MAX)
        return false;
    pg->linear_pt_count++;
    return true;
}

static bool linear_uses_inc(struct page_info *pg)
{
    if (pg->linear_pt_count > 0 || pg->linear_pt_count == INT16_MIN)
        return false;
    pg->linear_pt_count--;
    return true;
}

static bool get_linear(struct domain *d, pgentry_t e, struct page_info *table,
                       unsigned int level)
{
    struct page_info *pg;

    if (e & _PAGE_RW)
        return false;
    if (pte_mfn(e) == page_to_mfn(table))
        return true;
    pg = pt_get_page(d, pte_mfn(e));
    if (!pg)
        return false;
    if (!linear_entries_inc(table))
        goto out_ref;
    if (!linear_uses_inc(pg))
        goto out_entries;
    if (page_get_type_if_valid(pg, level_type(level)))
        return true;
    pg->linear_pt_count++;
out_entries:
    table->linear_pt_count--;
out_ref:
    page_put_ref(pg);
    return false;
}

/* ---- L2..L4 entries ---- */

static pgentry_t adjust_pde(pgentry_t e, unsigned int level)
{
    if (!pte_present(e))
        return e;
    return e | _PAGE_USER | (level == 4 ? _PAGE_ACCESSED : 0);
}

/* The references a present entry of table (level 2..4) needs. */
static int get_pde(struct domain *d, pgentry_t e, struct page_info *table, unsigned int level)
{
    int rc;

    if (e & pde_disallowed())
        return -EINVAL;
    rc = pt_get_page_and_type(d, pte_mfn(e), level_type(level - 1));
    if (rc == -EINVAL && get_linear(d, e, table, level))
        rc = 0;
    return rc;
}

static void put_pde(pgentry_t e, struct page_info *table)
{
    struct page_info *pg;

    if (!pte_present(e) || pte_mfn(e) == page_to_mfn(table))
        return;
    pg = mfn_to_page(pte_mfn(e));
    if (page_type(pg) == page_type(table)) {    /* a linear entry */
        pg->linear_pt_count++;
        table->linear_pt_count--;
    }
    pt_put_page_and_type(pg);
}

/* ---- one entry of any level ---- */

static bool entry_is_guests(unsigned int level, unsigned int idx)
{
    return level != 4 || !pt_l4_slot_is_xen(idx);
}

static int get_entry(struct domain *d, struct domain *pg_owner, pgentry_t e,
                     struct page_info *table, unsigned int level)
{
    if (!pte_present(e))
        return 0;
    return level == 1 ? get_l1e(e, d, pg_owner) : get_pde(d, e, table, level);
}

static void put_entry(struct domain *d, pgentry_t e, struct page_info *table, unsigned int level)
{
    if (level == 1)
        pt_put_l1e(e, d);
    else
        put_pde(e, table);
}

static pgentry_t adjust_entry(pgentry_t e, unsigned int level)
{
    return level == 1 ? pt_adjust_l1e(e) : adjust_pde(e, level);
}

/* ---- whole tables ---- */

/*
 * Validate a table of level: take every guest entry's references (in
 * order; on a bad one drop those taken and fail with its error), store
 * the entries adjusted, and give an L4 the hypervisor's slots.
 */
static int table_validate(struct domain *d, struct page_info *pg, unsigned int level)
{
    pgentry_t *t = page_to_virt(pg);
    unsigned int i;
    int rc = 0;

    pg->linear_pt_count = 0;
    for (i = 0; i < PT_ENTRIES; i++) {
        if (!entry_is_guests(level, i))
            continue;
        rc = get_entry(d, d, t[i], pg, level);
        if (rc)
            break;
        t[i] = adjust_entry(t[i], level);
    }
    if (rc) {
        while (i-- > 0)
            if (entry_is_guests(level, i))
                put_entry(d, t[i], pg, level);
        return rc;
    }
    if (level == 4)
        memcpy(&t[256], pt_hypervisor_l4e, sizeof(pt_hypervisor_l4e));
    return 0;
}

static void table_devalidate(struct domain *d, struct page_info *pg, unsigned int level)
{
    pgentry_t *t = page_to_virt(pg);

    for (unsigned int i = 0; i < PT_ENTRIES; i++)
        if (entry_is_guests(level, i))
            put_entry(d, t[i], pg, level);
}

bool pt_check_descriptor(uint64_t *desc)
{
    uint32_t a = (uint32_t)*desc, b = (uint32_t)(*desc >> 32);
    unsigned int dpl;

    if (!(b & (1U << 15)))
        return true;                    /* not present: always faults, harmless */
    if (!(b & (1U << 12)))              /* system descriptor or gate */
        return ((b >> 8) & 0xf) == 0;   /* type 0: empty (upper half of a 16-byte one) */
    dpl = (b >> 13) & 3;
    if (dpl < 3)                        /* the guest kernel runs in ring 3 */
        b = (b & ~(3U << 13)) | (3U << 13);
    *desc = ((uint64_t)b << 32) | a;
    return true;
}

static int segdesc_validate(struct page_info *pg)
{
    uint64_t *desc = page_to_virt(pg);

    for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
        if (!pt_check_descriptor(&desc[i]))
            return -EINVAL;
    return 0;
}

int arch_page_validate(struct page_info *pg, unsigned int type)
{
    struct domain *d = page_owner_domain(pg);

    if (!d)
        return -EINVAL;
    if (type == PGT_seg_desc_page)
        return segdesc_validate(pg);
    if (!pgt_is_page_table(type))
        return -EINVAL;
    return table_validate(d, pg, type - PGT_l1_page_table + 1);
}

void arch_page_devalidate(struct page_info *pg, unsigned int type)
{
    struct domain *d = page_owner_domain(pg);

    ASSERT(d && pgt_is_page_table(type));
    table_devalidate(d, pg, type - PGT_l1_page_table + 1);
}

/* ---- updates ---- */

/*
 * Store new over old in *p: the hardware may set accessed/dirty in the
 * meantime, which is kept when asked (and is the only change allowed to
 * happen under us). Returns what was replaced.
 */
static pgentry_t entry_store(pgentry_t *p, pgentry_t old, pgentry_t new, bool preserve_ad)
{
    for (;;) {
        pgentry_t v = preserve_ad ? new | (old & (_PAGE_ACCESSED | _PAGE_DIRTY)) : new;
        if (__atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            return old;
    }
}

/* pt_mod_entry, with frames of pg_owner's for a new L1 entry. */
static int mod_entry(struct domain *d, struct domain *pg_owner, struct page_info *tpg,
                     unsigned int idx, pgentry_t val, bool preserve_ad)
{
    unsigned int type = page_type(tpg), level = type - PGT_l1_page_table + 1;
    pgentry_t *p = (pgentry_t *)page_to_virt(tpg) + idx, old = __atomic_load_n(p, __ATOMIC_RELAXED);
    int rc;

    ASSERT(pgt_is_page_table(type) && idx < PT_ENTRIES);
    if (!entry_is_guests(level, idx))
        return -EINVAL;                         /* the hypervisor's own slots */
    if (pte_present(val)) {
        if (val & (level == 1 ? l1_disallowed(d) : pde_disallowed()))
            return -EINVAL;
        val = adjust_entry(val, level);
        if (pte_present(old) && !((old ^ val) & ~(pgentry_t)PTE_FASTPATH_FLAGS)) {
            entry_store(p, old, val, preserve_ad);  /* same frame and rights */
            return 0;
        }
        rc = get_entry(d, pg_owner, val, tpg, level);
        if (rc)
            return rc;
    }
    old = entry_store(p, old, val, preserve_ad);
    put_entry(d, old, tpg, level);
    return 0;
}

int pt_mod_entry(struct domain *d, struct page_info *tpg, unsigned int idx, pgentry_t val,
                 bool preserve_ad)
{
    return mod_entry(d, d, tpg, idx, val, preserve_ad);
}

int pt_mod_l1e_foreign(struct domain *d, struct domain *pg_owner, struct page_info *tpg,
                       unsigned int idx, pgentry_t val)
{
    if (page_type(tpg) != PGT_l1_page_table)
        return -EINVAL;
    return mod_entry(d, pg_owner, tpg, idx, val, false);
}

/* ---- pinning and teardown ---- */

int pt_pin(struct domain *d, mfn_t mfn, unsigned int type)
{
    int rc;

    if (!pgt_is_page_table(type))
        return -EINVAL;
    rc = pt_get_page_and_type(d, mfn, type);
    if (rc)
        return rc;
    if (!page_pin_set(mfn_to_page(mfn))) {
        pt_put_page_and_type(mfn_to_page(mfn));
        return -EINVAL;                         /* already pinned */
    }
    return 0;
}

int pt_unpin(struct domain *d, mfn_t mfn)
{
    struct page_info *pg = pt_get_page(d, mfn);

    if (!pg)
        return -EINVAL;
    if (!page_pin_clear(pg)) {
        page_put_ref(pg);
        return -EINVAL;                         /* not pinned */
    }
    pt_put_page_and_type(pg);                   /* the pin's references */
    page_put_ref(pg);
    return 0;
}

void pt_relinquish(struct domain *d)
{
    struct page_info *pg;

    page_list_for_each(pg, &d->page_list)
        if (page_pin_clear(pg))
            pt_put_page_and_type(pg);
    for (unsigned int type = PGT_l4_page_table; type >= PGT_l1_page_table; type--)
        page_list_for_each(pg, &d->page_list)
            page_force_devalidate(pg, type);
}
