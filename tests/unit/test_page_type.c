/*
 * Frame type references (page_type.c), table-driven: from a given
 * type_info, each get or put of a type is allowed or refused, leaves a
 * given type_info, and validates, devalidates or flushes exactly when it
 * should. The validator is a fake here; test_pagetable.c runs the real one.
 * SOURCES: hypervisor/common/page_type.c hypervisor/common/frame_table.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/page.h>

/* ---- fake arch hooks ---- */

static int validate_rc;                 /* what the next validation returns */
static unsigned int validated_as, devalidated_as, flushed_from;
static int validations, devalidations, flushes;

int arch_page_validate(struct page_info *pg, unsigned int type)
{
    validations++;
    validated_as = type;
    /* Validation runs holding the only, unvalidated reference. */
    assert_int_equal(page_type(pg), type);
    assert_int_equal(page_type_count(pg), 1);
    assert_false(page_type_validated(pg));
    return validate_rc;
}

/* frame_table.c frees orphans of released domains; these tests make none. */
void free_pages(struct page_info *pg, unsigned int order)
{
    fail_msg("free_pages(mfn %lu) from the page type tests", (unsigned long)page_to_mfn(pg));
}

void arch_page_devalidate(struct page_info *pg, unsigned int type)
{
    devalidations++;
    devalidated_as = type;
    assert_false(page_type_validated(pg));
}

void arch_page_type_change(struct page_info *pg, unsigned int old_type)
{
    flushes++;
    flushed_from = old_type;
}

/* ---- the table ---- */

#define T(type) ((uint32_t)(type) << PGT_TYPE_SHIFT)
#define V PGT_VALIDATED
#define PIN PGT_PINNED
#define FULL PGT_COUNT_MASK

enum op { GET, PUT, FORCE };

struct transition {
    const char *what;
    uint32_t before;
    enum op op;
    unsigned int type;          /* GET / FORCE: the type asked for */
    int validator;              /* what validation returns, if it runs */
    int rc;                     /* GET: result; FORCE: 1 if it acted */
    uint32_t after;
    int validate, devalidate, flush;    /* calls expected */
};

static const struct transition transitions[] = {
    /* Fresh frames take any type; tables and descriptor pages are checked. */
    { "none->writable", T(PGT_none), GET, PGT_writable, 0, 0, T(PGT_writable) | V | 1, 0, 0, 0 },
    { "none->l1", T(PGT_none), GET, PGT_l1_page_table, 0, 0, T(PGT_l1_page_table) | V | 1, 1, 0, 0 },
    { "none->l4", T(PGT_none), GET, PGT_l4_page_table, 0, 0, T(PGT_l4_page_table) | V | 1, 1, 0, 0 },
    { "none->segdesc", T(PGT_none), GET, PGT_seg_desc_page, 0, 0, T(PGT_seg_desc_page) | V | 1, 1, 0, 0 },
    { "none->l2 invalid contents", T(PGT_none), GET, PGT_l2_page_table, -EBUSY, -EBUSY, 0, 1, 0, 0 },
    { "none->l3 invalid contents", T(PGT_none), GET, PGT_l3_page_table, -EINVAL, -EINVAL, 0, 1, 0, 0 },
    /* Another type only at count 0, after a flush of stale translations. */
    { "writable(0)->l1", T(PGT_writable) | V, GET, PGT_l1_page_table, 0, 0, T(PGT_l1_page_table) | V | 1, 1, 0, 1 },
    { "writable(1)->l1 refused", T(PGT_writable) | V | 1, GET, PGT_l1_page_table, 0, -EINVAL, T(PGT_writable) | V | 1, 0, 0, 0 },
    { "writable(2)->l2 refused", T(PGT_writable) | V | 2, GET, PGT_l2_page_table, 0, -EINVAL, T(PGT_writable) | V | 2, 0, 0, 0 },
    { "l1(1)->writable refused", T(PGT_l1_page_table) | V | 1, GET, PGT_writable, 0, -EINVAL, T(PGT_l1_page_table) | V | 1, 0, 0, 0 },
    { "l4(1)->l3 refused", T(PGT_l4_page_table) | V | 1, GET, PGT_l3_page_table, 0, -EINVAL, T(PGT_l4_page_table) | V | 1, 0, 0, 0 },
    { "segdesc(1)->writable refused", T(PGT_seg_desc_page) | V | 1, GET, PGT_writable, 0, -EINVAL, T(PGT_seg_desc_page) | V | 1, 0, 0, 0 },
    { "l1(0)->writable", T(PGT_l1_page_table), GET, PGT_writable, 0, 0, T(PGT_writable) | V | 1, 0, 0, 1 },
    { "l2(0)->l1", T(PGT_l2_page_table), GET, PGT_l1_page_table, 0, 0, T(PGT_l1_page_table) | V | 1, 1, 0, 1 },
    { "segdesc(0)->l4", T(PGT_seg_desc_page) | V, GET, PGT_l4_page_table, 0, 0, T(PGT_l4_page_table) | V | 1, 1, 0, 1 },
    { "writable(0)->l1 invalid", T(PGT_writable) | V, GET, PGT_l1_page_table, -EINVAL, -EINVAL, 0, 1, 0, 1 },
    /* The same type again: counted, validated once. */
    { "l1(1)+l1", T(PGT_l1_page_table) | V | 1, GET, PGT_l1_page_table, 0, 0, T(PGT_l1_page_table) | V | 2, 0, 0, 0 },
    { "writable(0)+writable", T(PGT_writable) | V, GET, PGT_writable, 0, 0, T(PGT_writable) | V | 1, 0, 0, 0 },
    { "writable(3)+writable", T(PGT_writable) | V | 3, GET, PGT_writable, 0, 0, T(PGT_writable) | V | 4, 0, 0, 0 },
    { "l1(0) revalidated", T(PGT_l1_page_table), GET, PGT_l1_page_table, 0, 0, T(PGT_l1_page_table) | V | 1, 1, 0, 0 },
    { "segdesc(0) kept valid", T(PGT_seg_desc_page) | V, GET, PGT_seg_desc_page, 0, 0, T(PGT_seg_desc_page) | V | 1, 0, 0, 0 },
    { "l2 being validated", T(PGT_l2_page_table) | 1, GET, PGT_l2_page_table, 0, -EINVAL, T(PGT_l2_page_table) | 1, 0, 0, 0 },
    { "pinned l4 +l4", T(PGT_l4_page_table) | V | PIN | 1, GET, PGT_l4_page_table, 0, 0, T(PGT_l4_page_table) | V | PIN | 2, 0, 0, 0 },
    { "count full", T(PGT_l1_page_table) | V | FULL, GET, PGT_l1_page_table, 0, -EINVAL, T(PGT_l1_page_table) | V | FULL, 0, 0, 0 },
    { "writable full", T(PGT_writable) | V | FULL, GET, PGT_writable, 0, -EINVAL, T(PGT_writable) | V | FULL, 0, 0, 0 },
    { "type none asked", T(PGT_none), GET, PGT_none, 0, -EINVAL, T(PGT_none), 0, 0, 0 },
    { "type out of range", T(PGT_none), GET, PGT_NR_TYPES, 0, -EINVAL, T(PGT_none), 0, 0, 0 },
    { "type 7 asked", T(PGT_writable) | V, GET, 7, 0, -EINVAL, T(PGT_writable) | V, 0, 0, 0 },
    /* Dropping: page tables are devalidated by their last reference only. */
    { "put l2(2)", T(PGT_l2_page_table) | V | 2, PUT, 0, 0, 0, T(PGT_l2_page_table) | V | 1, 0, 0, 0 },
    { "put l2(1)", T(PGT_l2_page_table) | V | 1, PUT, 0, 0, 0, T(PGT_l2_page_table), 0, 1, 0 },
    { "put l1(1)", T(PGT_l1_page_table) | V | 1, PUT, 0, 0, 0, T(PGT_l1_page_table), 0, 1, 0 },
    { "put l4(1)", T(PGT_l4_page_table) | V | 1, PUT, 0, 0, 0, T(PGT_l4_page_table), 0, 1, 0 },
    { "put writable(1)", T(PGT_writable) | V | 1, PUT, 0, 0, 0, T(PGT_writable) | V, 0, 0, 0 },
    { "put segdesc(1)", T(PGT_seg_desc_page) | V | 1, PUT, 0, 0, 0, T(PGT_seg_desc_page) | V, 0, 0, 0 },
    { "put forced-invalid l3(1)", T(PGT_l3_page_table) | 1, PUT, 0, 0, 0, T(PGT_l3_page_table), 0, 0, 0 },
    { "put pinned l4(2)", T(PGT_l4_page_table) | V | PIN | 2, PUT, 0, 0, 0, T(PGT_l4_page_table) | V | PIN | 1, 0, 0, 0 },
    /* Teardown: a validated table gives up its entries, keeps its count. */
    { "force l3(2)", T(PGT_l3_page_table) | V | 2, FORCE, PGT_l3_page_table, 0, 1, T(PGT_l3_page_table) | 2, 0, 1, 0 },
    { "force pinned l4(1)", T(PGT_l4_page_table) | V | PIN | 1, FORCE, PGT_l4_page_table, 0, 1, T(PGT_l4_page_table) | PIN | 1, 0, 1, 0 },
    { "force other level", T(PGT_l3_page_table) | V | 2, FORCE, PGT_l2_page_table, 0, 0, T(PGT_l3_page_table) | V | 2, 0, 0, 0 },
    { "force invalid", T(PGT_l2_page_table) | 1, FORCE, PGT_l2_page_table, 0, 0, T(PGT_l2_page_table) | 1, 0, 0, 0 },
    { "force unused", T(PGT_l1_page_table), FORCE, PGT_l1_page_table, 0, 0, T(PGT_l1_page_table), 0, 0, 0 },
    { "force segdesc", T(PGT_seg_desc_page) | V | 1, FORCE, PGT_seg_desc_page, 0, 0, T(PGT_seg_desc_page) | V | 1, 0, 0, 0 },
};

static struct page_info frames[4];

static void run_transition(const struct transition *t)
{
    struct page_info *pg = &frames[1];
    int rc = 0;

    memset(frames, 0, sizeof(frames));
    pg->owner = 1;
    pg->type_info = t->before;
    validate_rc = t->validator;
    validations = devalidations = flushes = 0;
    switch (t->op) {
    case GET: rc = page_get_type(pg, t->type); break;
    case PUT: page_put_type(pg); break;
    case FORCE: rc = page_force_devalidate(pg, t->type); break;
    }
    if (rc != t->rc || pg->type_info != t->after || validations != t->validate ||
        devalidations != t->devalidate || flushes != t->flush)
        fail_msg("%s: rc %d (want %d), type_info %#x (want %#x), validate %d/%d, "
                 "devalidate %d/%d, flush %d/%d", t->what, rc, t->rc, pg->type_info,
                 t->after, validations, t->validate, devalidations, t->devalidate,
                 flushes, t->flush);
    if (t->validate)
        assert_int_equal(validated_as, t->type);
    if (t->flush)
        assert_int_equal(flushed_from, t->before >> PGT_TYPE_SHIFT);
    /* Neighbours are never touched; general references are not ours. */
    assert_int_equal(frames[0].type_info, 0);
    assert_int_equal(frames[2].type_info, 0);
    assert_int_equal(pg->count_info, 0);
}

static void test_transitions(void **state)
{
    for (unsigned int i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
        run_transition(&transitions[i]);
}

/* Pinning is a flag next to the count: set once, cleared once. */
static void test_pin_flag(void **state)
{
    struct page_info *pg = &frames[1];

    memset(frames, 0, sizeof(frames));
    pg->type_info = T(PGT_l2_page_table) | V | 1;
    assert_false(page_pinned(pg));
    assert_true(page_pin_set(pg));
    assert_false(page_pin_set(pg));                 /* already pinned */
    assert_true(page_pinned(pg));
    assert_int_equal(page_type_count(pg), 1);       /* the flag is not a count */
    assert_true(page_pin_clear(pg));
    assert_false(page_pin_clear(pg));               /* not pinned */
    assert_int_equal(pg->type_info, T(PGT_l2_page_table) | V | 1);
}

/* A full cycle: validate once, count, devalidate once, change type. */
static void test_lifecycle(void **state)
{
    struct page_info *pg = &frames[1];

    memset(frames, 0, sizeof(frames));
    validate_rc = 0;
    validations = devalidations = flushes = 0;
    assert_int_equal(page_get_type(pg, PGT_writable), 0);
    page_put_type(pg);
    for (int i = 0; i < 3; i++)
        assert_int_equal(page_get_type(pg, PGT_l1_page_table), 0);
    assert_int_equal(validations, 1);
    assert_int_equal(flushes, 1);                   /* writable -> L1 */
    assert_int_equal(page_get_type(pg, PGT_writable), -EINVAL);
    for (int i = 0; i < 3; i++)
        page_put_type(pg);
    assert_int_equal(devalidations, 1);
    assert_int_equal(page_type_count(pg), 0);
    assert_false(page_type_validated(pg));
    assert_int_equal(page_get_type(pg, PGT_writable), 0);
    assert_int_equal(flushes, 2);                   /* L1 -> writable */
    page_put_type(pg);
    assert_int_equal(pg->type_info, T(PGT_writable) | V);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_pin_flag),
        cmocka_unit_test(test_lifecycle),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
