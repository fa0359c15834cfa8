/*
 * memory_op (common/memory.c): the reservation calls count what they did
 * and stop at the first extent that fails (reservation exhausted, a frame
 * not ours, a bad list), continue long lists with the start extent in cmd,
 * keep the M2P right, and refuse other domains to unprivileged callers;
 * the queries answer Xen's numbers and errors.
 * SOURCES: hypervisor/common/memory.c hypervisor/common/hypercall.c hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/console_io.c hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#include "fake_pv.h"

#include <public/memory.h>

/* The arch part: frames leave as decrease_reservation asks, if unused. */
static int removed;

int arch_guest_remove_page(struct domain *d, uint64_t gmfn)
{
    if (gmfn >= FAKE_FRAMES)
        return -EINVAL;
    if (page_owner(&fake_table[gmfn]) != d->domain_id)
        return -ENXIO;
    removed++;
    return domain_free_page(d, &fake_table[gmfn]);
}

long arch_memory_op(unsigned int op, uint64_t arg) { return -ENOSYS; }
long hvm_add_to_physmap(struct domain *d, const struct xen_add_to_physmap *x) { return -ENOSYS; }
int hvm_populate(struct domain *d, uint64_t gfn, unsigned int order) { return -ENOSYS; }

static struct domain *d1, *d2, *dom0;

static int setup(void **state)
{
    fake_reset_with_table();
    dom0 = fake_domain_new(1, 64, true);
    d1 = fake_domain_new(1, 40, false);
    d2 = fake_domain_new(1, 8, false);
    fake_current = d1->vcpu[0];
    return 0;
}

static int teardown(void **state)
{
    fake_domain_destroy(d1);
    fake_domain_destroy(d2);
    fake_domain_destroy(dom0);
    fake_check_all_returned();
    return 0;
}

#define RES_OFF   0
#define LIST_OFF  1024

static long reservation(unsigned int op, uint64_t start, uint64_t nr, domid_t domid,
                        unsigned int order, bool list)
{
    struct xen_memory_reservation r = {
        .extent_start = list ? gva(LIST_OFF) : 0, .nr_extents = nr,
        .extent_order = order, .domid = domid,
    };

    memcpy(gptr(RES_OFF), &r, sizeof(r));
    return do_memory_op(op | (start << 6), gva(RES_OFF), 0, 0, 0);
}

static uint64_t *list(void) { return gptr(LIST_OFF); }

static void test_increase_until_the_reservation_ends(void **state)
{
    uint64_t before = d1->tot_pages;

    assert_int_equal(reservation(XENMEM_increase_reservation, 0, 10, DOMID_SELF, 0, true), 10);
    assert_int_equal(d1->tot_pages, before + 10);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(page_owner(&fake_table[list()[i]]), d1->domain_id);
        assert_int_equal(get_gpfn_from_mfn(list()[i]), INVALID_M2P_ENTRY);
    }
    /* 40 at most: the 31st frame is refused, 30 of 32 done. */
    assert_int_equal(reservation(XENMEM_increase_reservation, 0, 32, DOMID_SELF, 0, true), 30);
    assert_int_equal(d1->tot_pages, 40);
    assert_int_equal(reservation(XENMEM_increase_reservation, 0, 1, DOMID_SELF, 0, false), 0);
    /* Orders above 0 are not allocated; above the limit not even looked at. */
    assert_int_equal(reservation(XENMEM_increase_reservation, 0, 1, DOMID_SELF, 1, true), 0);
    assert_int_equal(reservation(XENMEM_decrease_reservation, 0, 1, DOMID_SELF, 10, true), 0);
}

static void test_populate_sets_the_m2p(void **state)
{
    for (int i = 0; i < 4; i++)
        list()[i] = 0x100 + i;
    assert_int_equal(reservation(XENMEM_populate_physmap, 0, 4, d1->domain_id, 0, true), 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(get_gpfn_from_mfn(list()[i]), 0x100 + i);
        assert_int_equal(page_owner(&fake_table[list()[i]]), d1->domain_id);
    }
    /* Decrease gives them back and the M2P forgets them. */
    uint64_t mfn0 = list()[0];
    assert_int_equal(reservation(XENMEM_decrease_reservation, 0, 4, DOMID_SELF, 0, true), 4);
    assert_int_equal(get_gpfn_from_mfn(mfn0), INVALID_M2P_ENTRY);
    assert_int_equal(page_owner(&fake_table[mfn0]), DOMID_FREE);
    /* Populate needs a list; no list is no extent. */
    assert_int_equal(reservation(XENMEM_populate_physmap, 0, 4, DOMID_SELF, 0, false), 0);
}

static void test_decrease_stops_at_a_frame_not_ours(void **state)
{
    struct page_info *mine = domain_alloc_page(d1), *theirs = domain_alloc_page(d2);

    list()[0] = page_to_mfn(mine);
    list()[1] = page_to_mfn(theirs);
    list()[2] = page_to_mfn(domain_alloc_page(d1));
    removed = 0;
    assert_int_equal(reservation(XENMEM_decrease_reservation, 0, 3, DOMID_SELF, 0, true), 1);
    assert_int_equal(page_owner(theirs), d2->domain_id);
    /* Still in use: not freed, the count ends before it. */
    list()[0] = list()[2];
    assert_int_equal(page_get_ref(&fake_table[list()[0]]), 0);
    assert_int_equal(reservation(XENMEM_decrease_reservation, 0, 1, DOMID_SELF, 0, true), 0);
    page_put_ref(&fake_table[list()[0]]);
    list()[0] = FAKE_FRAMES + 3;
    assert_int_equal(reservation(XENMEM_decrease_reservation, 0, 1, DOMID_SELF, 0, true), 0);
}

static void test_long_lists_continue(void **state)
{
    d1->max_pages = 4000;
    fake_cont_op = 0;
    /* 600 extents: 512 done, then a continuation from extent 512. */
    long rc = reservation(XENMEM_increase_reservation, 0, 600, DOMID_SELF, 0, false);
    assert_int_equal(rc, __HYPERVISOR_memory_op);
    assert_int_equal(fake_cont_op, __HYPERVISOR_memory_op);
    assert_int_equal(fake_cont_args[0], XENMEM_increase_reservation | (512 << 6));
    assert_int_equal(fake_cont_args[1], gva(RES_OFF));
    fake_current->hcall_preempted = false;
    assert_int_equal(do_memory_op(fake_cont_args[0], fake_cont_args[1], 0, 0, 0), 600);
    /* A start beyond the list is returned as it is. */
    assert_int_equal(reservation(XENMEM_increase_reservation, 700, 600, DOMID_SELF, 0, false), 700);
    /* More extents than a continuation can encode: nothing done. */
    assert_int_equal(reservation(XENMEM_increase_reservation, 0, 1ULL << 27, DOMID_SELF, 0, false), 0);
}

static void test_other_domains(void **state)
{
    long t = d2->tot_pages;

    /* A domU cannot touch another domain's reservation: 0 done. */
    assert_int_equal(reservation(XENMEM_increase_reservation, 0, 2, d2->domain_id, 0, false), 0);
    assert_int_equal(d2->tot_pages, t);
    assert_int_equal(reservation(XENMEM_increase_reservation, 0, 2, 0x7000, 0, false), 0);
    /* dom0 can. */
    fake_current = dom0->vcpu[0];
    assert_int_equal(reservation(XENMEM_increase_reservation, 0, 2, d2->domain_id, 0, false), 2);
    assert_int_equal(d2->tot_pages, t + 2);
    fake_current = d1->vcpu[0];
}

static void test_queries(void **state)
{
    domid_t id = DOMID_SELF;

    memcpy(gptr(0), &id, sizeof(id));
    assert_int_equal(do_memory_op(XENMEM_current_reservation, gva(0), 0, 0, 0), d1->tot_pages);
    assert_int_equal(do_memory_op(XENMEM_maximum_reservation, gva(0), 0, 0, 0), 40);
    id = d2->domain_id;
    memcpy(gptr(0), &id, sizeof(id));
    assert_int_equal(do_memory_op(XENMEM_current_reservation, gva(0), 0, 0, 0), -EPERM);
    id = 0x7000;
    memcpy(gptr(0), &id, sizeof(id));
    assert_int_equal(do_memory_op(XENMEM_maximum_reservation, gva(0), 0, 0, 0), -ESRCH);
    assert_int_equal(do_memory_op(XENMEM_current_reservation, 0, 0, 0, 0), -EFAULT);
    assert_int_equal(do_memory_op(XENMEM_maximum_ram_page, 0, 0, 0, 0), FAKE_FRAMES);
    assert_int_equal(do_memory_op(XENMEM_maximum_ram_page | (1 << 6), 0, 0, 0, 0), -EINVAL);
    assert_int_equal(do_memory_op(XENMEM_exchange, 0, 0, 0, 0), -ENOSYS);
    /* A bad reservation pointer: nothing done. */
    assert_int_equal(do_memory_op(XENMEM_increase_reservation, 0x10, 0, 0, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_increase_until_the_reservation_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_populate_sets_the_m2p, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decrease_stops_at_a_frame_not_ours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_lists_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_domains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
