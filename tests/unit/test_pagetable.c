/*
 * PV page tables (pv/pagetable.c) with the real type rules (page_type.c)
 * on real domains and a fake frame table in host memory: which entries of
 * each level are allowed or refused (table-driven), the references a
 * validated table holds down the hierarchy and that they all come back,
 * single-entry updates, pinning, linear tables, the hypervisor's L4 slots,
 * descriptor checks, foreign L1 entries, and the teardown of a dead
 * domain's tables.
 * SOURCES: hypervisor/arch/x86/pv/pagetable.c hypervisor/common/page_type.c hypervisor/common/frame_table.c hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/console_io.c hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c
 */
#define FAKE_PV_REAL_PAGETABLES
#include "fake_pv.h"

#include <asm/page.h>
#include <asm/pv_mm.h>

#define RW  (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define RO  (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define P   _PAGE_PRESENT
#define IO_MFN (FAKE_FRAMES - 1)

static struct domain *dom, *other;

static int setup(void **state)
{
    fake_reset_with_table();
    for (unsigned int i = 0; i < 16; i++)
        pt_hypervisor_l4e[i] = 0x1000ULL * (i + 1) | 0x63;     /* recognizable */
    fake_table[IO_MFN].owner = DOMID_IO;
    fake_frame_used[IO_MFN] = true;                            /* never allocated */
    dom = fake_domain_new(1, 256, false);
    other = fake_domain_new(1, 16, false);
    fake_type_changes = 0;
    return 0;
}

static int teardown(void **state)
{
    pt_relinquish(dom);
    pt_relinquish(other);
    fake_domain_destroy(dom);
    fake_domain_destroy(other);
    fake_frame_used[IO_MFN] = false;
    fake_check_all_returned();
    return 0;
}

static struct page_info *frame(struct domain *d)
{
    struct page_info *pg = domain_alloc_page(d);

    assert_non_null(pg);
    return pg;
}

static pgentry_t *table(struct page_info *pg)
{
    return page_to_virt(pg);
}

static mfn_t mfn(struct page_info *pg)
{
    return page_to_mfn(pg);
}

static pgentry_t pte(struct page_info *pg, pgentry_t flags)
{
    return (mfn(pg) << PAGE_SHIFT) | flags;
}

/* Nothing references pg and it has no live type. */
static void assert_unused(struct page_info *pg)
{
    assert_int_equal(page_ref_count(pg), 0);
    assert_int_equal(page_type_count(pg), 0);
    assert_false(page_pinned(pg));
}

/* ---- L1 entries ---- */

enum target {
    T_DATA,         /* a fresh frame of the domain */
    T_SELF,         /* the L1 table itself */
    T_LIVE_L1,      /* another validated L1 of the domain */
    T_WRITABLE,     /* a frame already mapped writable elsewhere */
    T_OTHER,        /* another domain's frame */
    T_XEN,          /* a hypervisor frame */
    T_SHARED_INFO,  /* the domain's shared_info */
    T_OTHER_SHINFO, /* another domain's shared_info */
    T_IO,           /* not RAM */
    T_BEYOND,       /* past the frame table */
};

struct l1_case {
    const char *what;
    enum target target;
    pgentry_t flags;
    bool privileged;
    int rc;
};

static const struct l1_case l1_cases[] = {
    { "own frame rw", T_DATA, RW, false, 0 },
    { "own frame ro", T_DATA, RO, false, 0 },
    { "own frame supervisor", T_DATA, P | _PAGE_RW, false, 0 },
    { "own frame nx", T_DATA, RW | _PAGE_NX, false, 0 },
    { "own frame global", T_DATA, RW | _PAGE_GLOBAL, false, 0 },
    { "own frame software bits", T_DATA, RW | 0xe00 | (1ULL << 60), false, 0 },
    { "own frame pcd", T_DATA, RW | _PAGE_PCD, false, -EINVAL },
    { "own frame pwt", T_DATA, RW | _PAGE_PWT, false, -EINVAL },
    { "own frame pat", T_DATA, RW | _PAGE_PAT, false, -EINVAL },
    { "own frame pcd privileged", T_DATA, RW | _PAGE_PCD, true, 0 },
    { "itself rw", T_SELF, RW, false, -EBUSY },
    { "itself ro", T_SELF, RO, false, 0 },
    { "live l1 rw", T_LIVE_L1, RW, false, -EBUSY },
    { "live l1 ro", T_LIVE_L1, RO, false, 0 },
    { "writable elsewhere rw", T_WRITABLE, RW, false, 0 },
    { "other domain rw", T_OTHER, RW, false, -EBUSY },
    { "other domain ro", T_OTHER, RO, false, -EBUSY },
    { "hypervisor frame", T_XEN, RO, false, -EBUSY },
    { "own shared_info rw", T_SHARED_INFO, RW, false, 0 },
    { "own shared_info uncached", T_SHARED_INFO, RW | _PAGE_PCD, true, -EACCES },
    { "other shared_info", T_OTHER_SHINFO, RO, false, -EBUSY },
    { "i/o frame", T_IO, RW, false, -EPERM },
    { "beyond ram", T_BEYOND, RO, false, -EPERM },
    { "beyond ram privileged", T_BEYOND, RO, true, -EPERM },
};

static struct page_info *target_frame(enum target t, struct page_info *l1)
{
    switch (t) {
    case T_DATA: return frame(dom);
    case T_SELF: return l1;
    case T_LIVE_L1: {
        struct page_info *pg = frame(dom);
        assert_int_equal(pt_pin(dom, mfn(pg), PGT_l1_page_table), 0);
        return pg;
    }
    case T_WRITABLE: {
        struct page_info *pg = frame(dom);
        assert_int_equal(page_get_type(pg, PGT_writable), 0);
        return pg;
    }
    case T_OTHER: return frame(other);
    case T_XEN: return alloc_pages(0);
    case T_SHARED_INFO: return virt_to_page(dom->shared_info);
    case T_OTHER_SHINFO: return virt_to_page(other->shared_info);
    case T_IO: return &fake_table[IO_MFN];
    case T_BEYOND: return NULL;
    }
    return NULL;
}

static void target_release(enum target t, struct page_info *pg)
{
    if (t == T_LIVE_L1)
        assert_int_equal(pt_unpin(dom, mfn(pg)), 0);
    if (t == T_WRITABLE)
        page_put_type(pg);
    if (t == T_XEN)
        free_pages(pg, 0);
}

/* Check one case both ways: as a table is validated, and as an update. */
static void run_l1_case(const struct l1_case *c, bool by_update)
{
    struct page_info *l1 = frame(dom), *tg = target_frame(c->target, l1);
    mfn_t tmfn = tg ? mfn(tg) : FAKE_FRAMES + 5;
    pgentry_t e = (tmfn << PAGE_SHIFT) | c->flags, stored;
    uint32_t refs, types;
    int rc;

    dom->is_privileged = c->privileged;
    if (by_update)
        assert_int_equal(pt_get_page_and_type(dom, mfn(l1), PGT_l1_page_table), 0);
    refs = tg ? page_ref_count(tg) : 0;
    types = tg ? tg->type_info : 0;
    if (by_update) {
        rc = pt_mod_entry(dom, l1, 5, e, false);
    } else {
        table(l1)[5] = e;
        rc = pt_get_page_and_type(dom, mfn(l1), PGT_l1_page_table);
    }
    if (rc != c->rc)
        fail_msg("l1 case '%s' (%s): rc %d, want %d", c->what,
                 by_update ? "update" : "validation", rc, c->rc);
    stored = table(l1)[5];
    if (rc == 0) {
        assert_true(stored & _PAGE_USER);
        assert_false(stored & _PAGE_GLOBAL);
        assert_int_equal(!!(stored & _PAGE_GUEST_KERNEL), !(c->flags & _PAGE_USER));
        assert_int_equal(page_ref_count(tg), refs + 1 + (tg == l1 && !by_update));
        if (c->flags & _PAGE_RW)
            assert_int_equal(page_type(tg), PGT_writable);
    } else {
        assert_int_equal(stored, by_update ? 0 : e);    /* untouched */
        if (tg) {
            assert_int_equal(page_ref_count(tg), refs);
            if (tg != l1)
                assert_int_equal(tg->type_info, types);
        }
    }
    if (rc == 0 || by_update)
        pt_put_page_and_type(l1);       /* devalidate: the entry's references go */
    assert_unused(l1);
    if (tg && tg != l1) {
        assert_int_equal(page_ref_count(tg), refs);
        target_release(c->target, tg);
    }
    dom->is_privileged = false;
}

static void test_l1_entries(void **state)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(l1_cases); i++) {
        run_l1_case(&l1_cases[i], false);
        run_l1_case(&l1_cases[i], true);
    }
}

/* ---- L2..L4 entries ---- */

enum pde_target {
    D_FRESH,        /* a clean frame: validated as the next level down */
    D_BAD_CONTENT,  /* a frame whose contents are no valid lower table */
    D_MAPPED_RW,    /* a frame mapped writable */
    D_OTHER,        /* another domain's frame */
    D_XEN,          /* a hypervisor frame */
    D_SELF,         /* the table itself (linear) */
    D_SAME_LEVEL,   /* another validated table of the same level (linear) */
};

struct pde_case {
    const char *what;
    unsigned int level;
    enum pde_target target;
    pgentry_t flags;
    int rc;
};

static const struct pde_case pde_cases[] = {
    { "l2 -> fresh l1", 2, D_FRESH, RW, 0 },
    { "l3 -> fresh l2", 3, D_FRESH, RW, 0 },
    { "l4 -> fresh l3", 4, D_FRESH, RW, 0 },
    { "l2 -> fresh nx", 2, D_FRESH, RW | _PAGE_NX, 0 },
    { "l2 -> bad l1", 2, D_BAD_CONTENT, RW, -EBUSY },       /* the L1 entry's error */
    { "l3 -> bad l2", 3, D_BAD_CONTENT, RW, -EINVAL },
    { "l2 -> writable frame", 2, D_MAPPED_RW, RW, -EINVAL },
    { "l2 -> other domain", 2, D_OTHER, RW, -EINVAL },
    { "l4 -> other domain", 4, D_OTHER, RW, -EINVAL },
    { "l3 -> hypervisor", 3, D_XEN, RW, -EINVAL },
    { "l2 pse", 2, D_FRESH, RW | _PAGE_PSE, -EINVAL },
    { "l3 pse", 3, D_FRESH, RW | _PAGE_PSE, -EINVAL },
    { "l2 global", 2, D_FRESH, RW | _PAGE_GLOBAL, -EINVAL },
    { "l4 pcd", 4, D_FRESH, RW | _PAGE_PCD, -EINVAL },
    { "l2 pwt", 2, D_FRESH, RW | _PAGE_PWT, -EINVAL },
    { "l2 self ro", 2, D_SELF, RO, 0 },
    { "l4 self ro", 4, D_SELF, RO, 0 },
    { "l2 self rw", 2, D_SELF, RW, -EINVAL },
    { "l4 self rw", 4, D_SELF, RW, -EINVAL },
    { "l3 same level ro", 3, D_SAME_LEVEL, RO, 0 },
    { "l3 same level rw", 3, D_SAME_LEVEL, RW, -EINVAL },
};

static struct page_info *pde_target(const struct pde_case *c, struct page_info *t)
{
    struct page_info *pg;

    switch (c->target) {
    case D_FRESH: return frame(dom);
    case D_BAD_CONTENT:
        pg = frame(dom);
        table(pg)[3] = ((FAKE_FRAMES - 2ULL) << PAGE_SHIFT) | RW;  /* a hypervisor frame */
        return pg;
    case D_MAPPED_RW:
        pg = frame(dom);
        assert_int_equal(page_get_type(pg, PGT_writable), 0);
        return pg;
    case D_OTHER: return frame(other);
    case D_XEN: return alloc_pages(0);
    case D_SELF: return t;
    case D_SAME_LEVEL:
        pg = frame(dom);
        assert_int_equal(pt_pin(dom, mfn(pg), PGT_l1_page_table + c->level - 1), 0);
        return pg;
    }
    return NULL;
}

static void run_pde_case(const struct pde_case *c, bool by_update)
{
    unsigned int type = PGT_l1_page_table + c->level - 1;
    struct page_info *t = frame(dom), *tg = pde_target(c, t);
    pgentry_t e = pte(tg, c->flags);
    uint32_t tg_types = tg->type_info, tg_refs = page_ref_count(tg);
    int rc;

    if (by_update) {
        assert_int_equal(pt_get_page_and_type(dom, mfn(t), type), 0);
        rc = pt_mod_entry(dom, t, 7, e, false);
    } else {
        table(t)[7] = e;
        rc = pt_get_page_and_type(dom, mfn(t), type);
    }
    if (rc != c->rc)
        fail_msg("pde case '%s' (%s): rc %d, want %d", c->what,
                 by_update ? "update" : "validation", rc, c->rc);
    if (rc == 0 && tg != t) {
        assert_int_equal(page_type(tg), c->target == D_SAME_LEVEL ? type : type - 1);
        assert_true(page_type_validated(tg));
        assert_int_equal(page_ref_count(tg), tg_refs + 1);
    }
    if (rc == 0 && c->target == D_SAME_LEVEL) {
        assert_int_equal(t->linear_pt_count, 1);
        assert_int_equal(tg->linear_pt_count, -1);
    }
    if (rc == 0 && c->level == 4)
        assert_memory_equal(&table(t)[256], pt_hypervisor_l4e, sizeof(pt_hypervisor_l4e));
    if (rc == 0 || by_update)
        pt_put_page_and_type(t);
    assert_unused(t);
    if (tg == t)
        return;
    assert_int_equal(page_ref_count(tg), tg_refs);
    assert_int_equal(tg->linear_pt_count, 0);
    if (c->target == D_SAME_LEVEL)
        assert_int_equal(pt_unpin(dom, mfn(tg)), 0);
    else if (c->target == D_MAPPED_RW)
        page_put_type(tg);
    else if (c->target == D_XEN)
        free_pages(tg, 0);
    else if (c->target != D_FRESH && c->target != D_BAD_CONTENT)
        assert_int_equal(tg->type_info, tg_types);
    assert_int_equal(page_type_count(tg), 0);
}

static void test_pde_entries(void **state)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(pde_cases); i++) {
        run_pde_case(&pde_cases[i], false);
        run_pde_case(&pde_cases[i], true);
    }
}

/* ---- a whole hierarchy ---- */

/*
 * L4 -> L3 -> L2 -> L1 -> 8 data frames (writable) and the 4 tables
 * themselves (read-only), the layout of a domain builder's tables.
 */
static void test_hierarchy_counts(void **state)
{
    struct page_info *l4 = frame(dom), *l3 = frame(dom), *l2 = frame(dom), *l1 = frame(dom);
    struct page_info *data[8], *tables[4] = { l4, l3, l2, l1 };

    table(l4)[0] = pte(l3, RW);
    table(l4)[260] = 0xdeadbeef000ULL | RW;         /* guest junk in a hypervisor slot */
    table(l3)[0] = pte(l2, RW);
    table(l2)[0] = pte(l1, RW);
    for (unsigned int i = 0; i < 8; i++) {
        data[i] = frame(dom);
        table(l1)[i] = pte(data[i], RW);
    }
    for (unsigned int i = 0; i < 4; i++)
        table(l1)[8 + i] = pte(tables[i], RO);

    assert_int_equal(pt_pin(dom, mfn(l4), PGT_l4_page_table), 0);
    for (unsigned int i = 0; i < 8; i++) {
        assert_int_equal(page_type(data[i]), PGT_writable);
        assert_int_equal(page_type_count(data[i]), 1);
        assert_int_equal(page_ref_count(data[i]), 1);
    }
    for (unsigned int i = 0; i < 4; i++) {
        assert_int_equal(page_type(tables[i]), PGT_l4_page_table - i);
        assert_true(page_type_validated(tables[i]));
        assert_int_equal(page_type_count(tables[i]), 1);   /* parent entry, or the pin */
        assert_int_equal(page_ref_count(tables[i]), 2);    /* + the read-only mapping */
    }
    assert_true(page_pinned(l4));
    assert_memory_equal(&table(l4)[256], pt_hypervisor_l4e, sizeof(pt_hypervisor_l4e));
    assert_int_equal(table(l4)[260], pt_hypervisor_l4e[260 - 256]);
    assert_true(table(l4)[0] & _PAGE_ACCESSED);

    /* Nothing of it can be mapped writable now, nor pinned as another level. */
    assert_int_equal(page_get_type(l2, PGT_writable), -EINVAL);
    assert_int_equal(pt_pin(dom, mfn(l1), PGT_l2_page_table), -EINVAL);
    assert_int_equal(pt_pin(dom, mfn(l4), PGT_l4_page_table), -EINVAL);   /* pinned twice */
    assert_int_equal(pt_unpin(dom, mfn(l3)), -EINVAL);                    /* not pinned */
    assert_int_equal(pt_pin(other, mfn(l3), PGT_l3_page_table), -EINVAL); /* not its frame */
    assert_int_equal(pt_unpin(other, mfn(l4)), -EINVAL);
    assert_int_equal(pt_pin(dom, mfn(data[0]), PGT_writable), -EINVAL);  /* no such pin */

    assert_int_equal(pt_unpin(dom, mfn(l4)), 0);
    for (unsigned int i = 0; i < 8; i++)
        assert_unused(data[i]);
    for (unsigned int i = 0; i < 4; i++) {
        assert_unused(tables[i]);
        assert_false(page_type_validated(tables[i]));
    }
}

/* A frame changes between writable and page table only when unreferenced. */
static void test_writable_exclusion(void **state)
{
    struct page_info *l1 = frame(dom), *x = frame(dom);

    assert_int_equal(pt_pin(dom, mfn(l1), PGT_l1_page_table), 0);
    assert_int_equal(pt_mod_entry(dom, l1, 0, pte(x, RW), false), 0);
    assert_int_equal(pt_pin(dom, mfn(x), PGT_l1_page_table), -EINVAL);
    assert_int_equal(pt_mod_entry(dom, l1, 0, 0, false), 0);
    assert_int_equal(page_type_count(x), 0);
    fake_type_changes = 0;
    assert_int_equal(pt_pin(dom, mfn(x), PGT_l1_page_table), 0);
    assert_int_equal(fake_type_changes, 1);                 /* stale writable TLBs flushed */
    assert_int_equal(pt_mod_entry(dom, l1, 0, pte(x, RW), false), -EBUSY);
    assert_int_equal(table(l1)[0], 0);
    assert_int_equal(pt_mod_entry(dom, l1, 0, pte(x, RO), false), 0);
    assert_int_equal(pt_unpin(dom, mfn(x)), 0);             /* RO mapping: no type held */
    assert_false(page_type_validated(x));
    assert_int_equal(pt_mod_entry(dom, l1, 0, pte(x, RW), false), 0);
    assert_int_equal(fake_type_changes, 2);
    assert_int_equal(pt_mod_entry(dom, l1, 0, 0, false), 0);
    assert_int_equal(pt_unpin(dom, mfn(l1)), 0);
    assert_unused(x);
    assert_unused(l1);
}

/* Updates: same frame and rights take no references; A/D kept on request. */
static void test_updates(void **state)
{
    struct page_info *l1 = frame(dom), *x = frame(dom), *y = frame(dom);
    pgentry_t *e = &table(l1)[9];

    assert_int_equal(pt_pin(dom, mfn(l1), PGT_l1_page_table), 0);
    assert_int_equal(pt_mod_entry(dom, l1, 9, pte(x, RO & ~_PAGE_ACCESSED), false), 0);
    *e |= _PAGE_ACCESSED | _PAGE_DIRTY;                     /* the CPU walked it */
    assert_int_equal(pt_mod_entry(dom, l1, 9, pte(x, P | _PAGE_NX), true), 0);
    assert_int_equal(*e & (_PAGE_ACCESSED | _PAGE_DIRTY), _PAGE_ACCESSED | _PAGE_DIRTY);
    assert_true(*e & _PAGE_NX);
    assert_int_equal(page_ref_count(x), 1);
    assert_int_equal(pt_mod_entry(dom, l1, 9, pte(x, P), false), 0);
    assert_int_equal(*e & (_PAGE_ACCESSED | _PAGE_DIRTY), 0);
    /* Upgrading to writable and moving to another frame re-count. */
    assert_int_equal(pt_mod_entry(dom, l1, 9, pte(x, RW), false), 0);
    assert_int_equal(page_type_count(x), 1);
    assert_int_equal(pt_mod_entry(dom, l1, 9, pte(y, RW), false), 0);
    assert_unused(x);
    assert_int_equal(page_ref_count(y), 1);
    /* A refused update leaves the old entry in place. */
    assert_int_equal(pt_mod_entry(dom, l1, 9, ((FAKE_FRAMES - 2ULL) << PAGE_SHIFT) | RW, false),
                     -EBUSY);
    assert_int_equal(pte_addr(*e), mfn(y) << PAGE_SHIFT);
    assert_int_equal(page_ref_count(y), 1);
    assert_int_equal(pt_unpin(dom, mfn(l1)), 0);
    assert_unused(y);
}

/*
 * Foreign mappings (update_va_mapping_otherdomain): an L1 entry of dom's
 * maps other's frame with other as the page owner, holds a reference (and
 * a writable one) on it until changed, and keeps that frame from becoming
 * a page table meanwhile; dom's own frames and a third domain's are refused.
 */
static void test_foreign_l1e(void **state)
{
    struct page_info *l1 = frame(dom), *x = frame(other), *own = frame(dom);

    assert_int_equal(pt_pin(dom, mfn(l1), PGT_l1_page_table), 0);
    assert_int_equal(pt_mod_l1e_foreign(dom, other, l1, 3, pte(x, RW)), 0);
    assert_int_equal(page_ref_count(x), 1);
    assert_int_equal(page_type(x), PGT_writable);
    assert_int_equal(pt_pin(other, mfn(x), PGT_l1_page_table), -EINVAL);   /* mapped writable */
    assert_int_equal(pt_mod_l1e_foreign(dom, other, l1, 4, pte(own, RW)), -EBUSY);
    assert_int_equal(pt_mod_entry(dom, l1, 5, pte(x, RO), false), -EBUSY);  /* not as its own */
    assert_int_equal(pt_mod_l1e_foreign(dom, other, own, 0, pte(x, RW)), -EINVAL); /* no L1 */
    assert_int_equal(pt_mod_entry(dom, l1, 3, pte(own, RW), false), 0);     /* unmapped */
    assert_unused(x);
    assert_int_equal(pt_pin(other, mfn(x), PGT_l1_page_table), 0);          /* now it may */
    assert_int_equal(pt_mod_l1e_foreign(dom, other, l1, 6, pte(x, RW)), -EBUSY);
    assert_int_equal(pt_unpin(other, mfn(x)), 0);
    assert_int_equal(pt_mod_entry(dom, l1, 3, 0, false), 0);
    assert_int_equal(pt_unpin(dom, mfn(l1)), 0);
    assert_unused(own);
    assert_unused(l1);
}

/* The hypervisor's slots of a root cannot be written; the guest's can. */
static void test_l4_slots(void **state)
{
    struct page_info *l4 = frame(dom), *l3 = frame(dom);

    assert_int_equal(pt_pin(dom, mfn(l4), PGT_l4_page_table), 0);
    for (unsigned int slot = 256; slot <= 271; slot++) {
        assert_int_equal(pt_mod_entry(dom, l4, slot, pte(l3, RW), false), -EINVAL);
        assert_int_equal(pt_mod_entry(dom, l4, slot, 0, false), -EINVAL);
        assert_int_equal(table(l4)[slot], pt_hypervisor_l4e[slot - 256]);
    }
    assert_int_equal(pt_mod_entry(dom, l4, 255, pte(l3, RW), false), 0);
    assert_int_equal(pt_mod_entry(dom, l4, 272, pte(l3, RW), false), 0);
    assert_int_equal(page_type_count(l3), 2);
    assert_int_equal(pt_unpin(dom, mfn(l4)), 0);
    assert_unused(l3);
}

/* Linear entries: read-only, validated targets, no nesting. */
static void test_linear_rules(void **state)
{
    struct page_info *a = frame(dom), *b = frame(dom), *c = frame(dom), *e = frame(dom);

    for (struct page_info **p = (struct page_info *[]){ a, b, c, e, NULL }; *p; p++)
        assert_int_equal(pt_pin(dom, mfn(*p), PGT_l2_page_table), 0);
    assert_int_equal(pt_mod_entry(dom, a, 1, pte(b, RO), false), 0);   /* a uses b */
    assert_int_equal(pt_mod_entry(dom, c, 1, pte(a, RO), false), -EINVAL); /* a has entries */
    assert_int_equal(pt_mod_entry(dom, b, 1, pte(e, RO), false), -EINVAL); /* b is used */
    assert_int_equal(pt_mod_entry(dom, a, 2, pte(e, RO), false), 0);   /* more entries: fine */
    assert_int_equal(pt_mod_entry(dom, c, 2, pte(b, RO), false), 0);   /* b used twice: fine */
    assert_int_equal(b->linear_pt_count, -2);
    assert_int_equal(a->linear_pt_count, 2);
    assert_int_equal(pt_mod_entry(dom, a, 3, pte(a, RO), false), 0);   /* itself: free */
    assert_int_equal(a->linear_pt_count, 2);
    /* b stays a validated L2 while a and c still use it, even unpinned. */
    assert_int_equal(pt_unpin(dom, mfn(b)), 0);
    assert_true(page_type_validated(b));
    assert_int_equal(pt_mod_entry(dom, a, 1, 0, false), 0);
    assert_int_equal(pt_mod_entry(dom, c, 2, 0, false), 0);
    assert_unused(b);
    assert_int_equal(b->linear_pt_count, 0);
    for (struct page_info **p = (struct page_info *[]){ a, c, e, NULL }; *p; p++)
        assert_int_equal(pt_unpin(dom, mfn(*p)), 0);
    for (struct page_info **p = (struct page_info *[]){ a, c, e, NULL }; *p; p++) {
        assert_unused(*p);
        assert_int_equal((*p)->linear_pt_count, 0);
    }
}

/* Descriptors: code and data (DPL forced to 3) and empty ones only. */
struct desc_case {
    const char *what;
    uint64_t in, out;
    bool ok;
};

static const struct desc_case desc_cases[] = {
    { "empty", 0, 0, true },
    { "not present junk", 0x12345678ffff7fffULL, 0x12345678ffff7fffULL, true },
    { "64-bit code dpl0", 0x00af9a000000ffffULL, 0x00affa000000ffffULL, true },
    { "data dpl3", 0x00cff2000000ffffULL, 0x00cff2000000ffffULL, true },
    { "data dpl1", 0x00cfb2000000ffffULL, 0x00cff2000000ffffULL, true },
    { "system type 0", 0x0000800000000000ULL, 0x0000800000000000ULL, true },
    { "tss", 0x0000890000000067ULL, 0, false },
    { "ldt", 0x0000820000000fffULL, 0, false },
    { "call gate", 0x0000ec0000080000ULL, 0, false },
    { "interrupt gate", 0x00008e0000080000ULL, 0, false },
};

static void test_descriptors(void **state)
{
    struct page_info *pg = frame(dom);

    for (unsigned int i = 0; i < ARRAY_SIZE(desc_cases); i++) {
        uint64_t d = desc_cases[i].in;
        bool ok = pt_check_descriptor(&d);
        if (ok != desc_cases[i].ok || (ok && d != desc_cases[i].out))
            fail_msg("descriptor '%s': %d %#lx", desc_cases[i].what, ok, d);
    }
    /* A page with a TSS descriptor cannot be a descriptor page. */
    table(pg)[20] = 0x0000890000000067ULL;
    assert_int_equal(page_get_type(pg, PGT_seg_desc_page), -EINVAL);
    assert_unused(pg);
    table(pg)[20] = 0x00cf92000000ffffULL;
    assert_int_equal(page_get_type(pg, PGT_seg_desc_page), 0);
    assert_int_equal(table(pg)[20], 0x00cff2000000ffffULL);
    assert_int_equal(page_get_type(pg, PGT_writable), -EINVAL);
    page_put_type(pg);
}

/* A dead domain's tables, pinned, shared and self-mapping, all come apart. */
static void test_relinquish(void **state)
{
    struct page_info *l4 = frame(dom), *l3 = frame(dom), *l2 = frame(dom), *l1 = frame(dom);
    struct page_info *l4b = frame(dom), *x = frame(dom);

    table(l4)[1] = pte(l3, RW);
    table(l4)[2] = pte(l4, RO);                 /* maps itself */
    table(l4)[3] = pte(l4b, RO);                /* linear: set up below */
    table(l3)[0] = pte(l2, RW);
    table(l3)[1] = pte(l2, RW);                 /* shared twice */
    table(l2)[4] = pte(l1, RW);
    table(l1)[0] = pte(x, RW);
    table(l1)[1] = (virt_to_mfn(dom->shared_info) << PAGE_SHIFT) | RW;
    assert_int_equal(pt_pin(dom, mfn(l4b), PGT_l4_page_table), 0);
    assert_int_equal(pt_pin(dom, mfn(l4), PGT_l4_page_table), 0);
    assert_int_equal(pt_pin(dom, mfn(l1), PGT_l1_page_table), 0);   /* in use and pinned */
    assert_int_equal(page_type_count(l2), 2);
    assert_int_equal(page_ref_count(virt_to_page(dom->shared_info)), 1);
    pt_relinquish(dom);
    for (struct page_info **p = (struct page_info *[]){ l4, l3, l2, l1, l4b, x, NULL }; *p; p++)
        assert_unused(*p);
    assert_int_equal(page_ref_count(virt_to_page(dom->shared_info)), 0);
    assert_int_equal(page_type_count(virt_to_page(dom->shared_info)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_l1_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pde_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hierarchy_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writable_exclusion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_l1e, setup, teardown),
        cmocka_unit_test_setup_teardown(test_l4_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linear_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_descriptors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relinquish, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
