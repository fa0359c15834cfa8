/*
 * Domains: creation (ids, vCPUs, shared_info), the id table with reuse,
 * unwinding of every failure inside domain_create, reference counting
 * (memory kept until the last put), memory accounting, pause/unpause,
 * shutdown and crash reports, and that everything comes back.
 * SOURCES: hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/console_io.c hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#include "fake_pv.h"

#include <stdio.h>
#include <public/event_channel.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/xen.h>

static struct domain_config cfg(unsigned int vcpus, uint64_t pages)
{
    return (struct domain_config){ .name = "test", .max_vcpus = vcpus, .max_pages = pages };
}

/* Create with the given config; the caller's reference in the result. */
static struct domain *create(unsigned int vcpus, uint64_t pages)
{
    struct domain_config c = cfg(vcpus, pages);
    struct domain *d = NULL;

    assert_int_equal(domain_create(&c, false, &d), 0);
    assert_non_null(d);
    return d;
}


/*
 * Fresh fakes, and the domain table's first leaf allocated (it stays for
 * good), so that heap counts in a test see only what the test does.
 */
static int setup(void **state)
{
    fake_reset_with_table();
    assert_int_equal(domain_count(), 0);
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(domain_count(), 0);
    fake_check_all_returned();
    return 0;
}

static void test_create_layout(void **state)
{
    struct domain *d = create(3, 16);

    assert_int_equal(d->domain_id, 1);
    assert_int_equal(d->state, DOMSTATE_created);
    assert_string_equal(domain_state_name(d->state), "created");
    assert_int_equal(d->refcnt, 2);
    assert_int_equal(d->max_vcpus, 3);
    assert_int_equal(d->shutdown_code, DOMAIN_SHUTDOWN_CODE_NONE);
    assert_int_equal(domain_count(), 1);
    assert_int_equal(fake_arch_domains, 1);
    assert_int_equal(fake_arch_vcpus, 3);
    assert_int_equal(fake_sched_vcpus, 3);
    for (unsigned int i = 0; i < 3; i++) {
        struct vcpu *v = d->vcpu[i];
        assert_non_null(v);
        assert_int_equal(v->vcpu_id, i);
        assert_ptr_equal(v->domain, d);
        assert_ptr_equal(v->vcpu_info, &d->shared_info->vcpu_info[i]);
        assert_int_equal(v->pause_flags, VPF_down | VPF_paused);
        assert_ptr_equal(v->next_in_domain, i < 2 ? d->vcpu[i + 1] : NULL);
        assert_ptr_equal(domain_vcpu(d, i), v);
    }
    assert_null(d->vcpu[3]);
    assert_null(domain_vcpu(d, 3));
    assert_null(domain_vcpu(d, UINT64_MAX));
    /* shared_info came from a 0xAA-filled frame: zeroed, every upcall masked. */
    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++) {
        assert_int_equal(d->shared_info->vcpu_info[i].evtchn_upcall_mask, 1);
        assert_int_equal(d->shared_info->vcpu_info[i].evtchn_upcall_pending, 0);
    }
    for (unsigned int i = 0; i < 64; i++)
        assert_int_equal(d->shared_info->evtchn_pending[i] | d->shared_info->evtchn_mask[i], 0);
    for (size_t off = sizeof(struct shared_info); off < PAGE_SIZE; off++)
        assert_int_equal(((uint8_t *)d->shared_info)[off], 0);
    assert_int_equal(page_owner(virt_to_page(d->shared_info)), DOMID_XEN);
    /* Port 0 is reserved: the first port handed out is 1. */
    assert_int_equal(evtchn_alloc_unbound_port(d, 0), 1);
    fake_domain_destroy(d);
}

static void test_bad_config(void **state)
{
    struct domain_config c = cfg(0, 0);
    struct domain *d = NULL;

    assert_int_equal(domain_create(NULL, false, &d), -EINVAL);
    assert_int_equal(domain_create(&c, false, &d), -EINVAL);
    c.max_vcpus = DOMAIN_MAX_VCPUS + 1;
    assert_int_equal(domain_create(&c, false, &d), -EINVAL);
    c.max_vcpus = UINT32_MAX;
    assert_int_equal(domain_create(&c, false, &d), -EINVAL);
    assert_null(d);
    assert_int_equal(fake_heap_out, 0);
    c.max_vcpus = DOMAIN_MAX_VCPUS;                 /* the maximum itself is fine */
    assert_int_equal(domain_create(&c, false, &d), 0);
    assert_int_equal(fake_arch_vcpus, DOMAIN_MAX_VCPUS);
    fake_domain_destroy(d);
}

static void test_dom0(void **state)
{
    struct domain_config c = cfg(1, 0);
    struct domain *d0, *d1, *again = NULL;

    c.privileged = true;
    assert_int_equal(domain_create(&c, true, &d0), 0);
    assert_int_equal(d0->domain_id, 0);
    assert_true(d0->is_privileged);
    assert_int_equal(domain_create(&c, true, &again), -EEXIST);
    assert_null(again);
    d1 = create(1, 0);
    assert_int_equal(d1->domain_id, 1);
    assert_false(d1->is_privileged);
    assert_ptr_equal(domain_get_by_id(0), d0);
    domain_put(d0);
    fake_domain_destroy(d1);
    fake_domain_destroy(d0);
}

static void test_lookup_hostile_ids(void **state)
{
    struct domain *d = create(1, 0);
    const domid_t bad[] = { 0, 2, 255, 256, DOMID_MAX, DOMID_SELF, DOMID_IO, DOMID_XEN,
                            DOMID_INVALID, DOMID_IDLE, 0x8000, 0xffff };

    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
        assert_null(domain_get_by_id(bad[i]));
    assert_ptr_equal(domain_get_by_id(1), d);
    assert_int_equal(d->refcnt, 3);
    domain_put(d);
    fake_domain_destroy(d);
}

#define MANY 600    /* spans three leaves of the table */

static void create_and_destroy_many(struct domain **ds)
{
    for (unsigned int i = 0; i < MANY; i++) {
        ds[i] = create(2, 4);
        assert_int_equal(ds[i]->domain_id, i + 1);      /* lowest free id, in order */
        for (unsigned int p = 0; p < 3; p++)
            assert_non_null(domain_alloc_page(ds[i]));
    }
    assert_int_equal(domain_count(), MANY);
    for (unsigned int i = 0; i < MANY; i++)
        assert_ptr_equal(domain_get_by_id(i + 1), ds[i]), domain_put(ds[i]);
    for (unsigned int i = 0; i < MANY; i++)
        fake_domain_destroy(ds[MANY - 1 - i]);
    assert_int_equal(domain_count(), 0);
}

static void test_many_domains_return_everything(void **state)
{
    static struct domain *ds[MANY];
    long leaves;

    create_and_destroy_many(ds);
    assert_int_equal(fake_pages_out, 0);
    leaves = fake_heap_out;             /* the two new table leaves stay, nothing else */
    assert_int_equal(leaves, 2);
    create_and_destroy_many(ds);        /* same ids again, nothing more kept */
    assert_int_equal(fake_heap_out, leaves);
    assert_int_equal(fake_pages_out, 0);
    fake_heap_out = 0;
}

static void test_id_reuse_waits_for_release(void **state)
{
    struct domain *a = create(1, 0), *b = create(1, 0), *c = create(1, 0), *e, *f;

    fake_domain_destroy(b);
    b = create(1, 0);
    assert_int_equal(b->domain_id, 2);              /* freed id comes back */
    assert_true(domain_get(a));                     /* someone still holds dom1 */
    fake_domain_destroy(a);
    assert_null(domain_get_by_id(1));               /* dying: not found */
    e = create(1, 0);
    assert_int_equal(e->domain_id, 4);              /* id 1 not reusable yet */
    domain_put(a);                                  /* last reference */
    f = create(1, 0);
    assert_int_equal(f->domain_id, 1);
    fake_domain_destroy(b);
    fake_domain_destroy(c);
    fake_domain_destroy(e);
    fake_domain_destroy(f);
}

/* Fail domain_create at every allocation in turn: nothing may stay behind. */
static void test_alloc_failure_unwinds(void **state)
{
    struct domain_config c = cfg(3, 8);
    struct domain *d = NULL;
    long n;
    int rc = -1;

    for (n = 0; n < 100 && rc; n++) {
        fake_fail_alloc_after(n);
        rc = domain_create(&c, false, &d);
        fake_fail_alloc_after(-1);
        if (rc) {
            assert_int_equal(rc, -ENOMEM);
            assert_int_equal(domain_count(), 0);
            fake_check_all_returned();
        }
    }
    assert_int_equal(rc, 0);
    assert_true(n > 6);                 /* domain, shared_info, ports, arch, 3 vCPUs... */
    assert_int_equal(d->domain_id, 1);  /* no failed attempt kept an id */
    fake_domain_destroy(d);
}

static void test_hook_failure_unwinds(void **state)
{
    struct domain_config c = cfg(4, 8);
    struct domain *d = NULL;

    fake_fail_arch_domain = -EIO;
    assert_int_equal(domain_create(&c, false, &d), -EIO);
    fake_check_all_returned();

    fake_arch_vcpu_calls = 0;
    fake_fail_arch_vcpu_at = 2;         /* the third vCPU */
    assert_int_equal(domain_create(&c, false, &d), -EINVAL);
    fake_check_all_returned();
    fake_fail_arch_vcpu_at = -1;

    fake_sched_calls = 0;
    fake_fail_sched_at = 3;             /* the last vCPU */
    assert_int_equal(domain_create(&c, false, &d), -ENOMEM);
    fake_check_all_returned();
    fake_fail_sched_at = -1;

    c.sched.weight = SCHED_WEIGHT_MAX + 1;  /* the scheduler refuses the parameters */
    assert_int_equal(domain_create(&c, false, &d), -EINVAL);
    fake_check_all_returned();
    c.sched.weight = 0;

    assert_int_equal(domain_count(), 0);
    assert_null(d);
    d = create(1, 0);
    assert_int_equal(d->domain_id, 1);
    fake_domain_destroy(d);
}

/* Affinity from the config on every vCPU; none given means every CPU. */
static void test_vcpu_affinity_from_config(void **state)
{
    struct domain_config c = cfg(2, 0);
    struct domain *d;

    c.hard_affinity = 0x6;
    c.soft_affinity = 0x4;
    assert_int_equal(domain_create(&c, false, &d), 0);
    assert_int_equal(fake_sched_domains, 1);
    for (unsigned int i = 0; i < 2; i++) {
        assert_int_equal(d->vcpu[i]->hard_affinity, 0x6);
        assert_int_equal(d->vcpu[i]->soft_affinity, 0x4);
    }
    fake_domain_destroy(d);
    d = create(1, 0);
    assert_int_equal(d->vcpu[0]->hard_affinity, ~0ULL);
    assert_int_equal(d->vcpu[0]->soft_affinity, ~0ULL);
    fake_domain_destroy(d);
}

static void test_refcount_keeps_memory(void **state)
{
    struct domain *d = create(2, 10);

    for (unsigned int i = 0; i < 10; i++)
        assert_non_null(domain_alloc_page(d));
    assert_int_equal(fake_pages_out, 11);           /* + shared_info */
    assert_true(domain_get(d));                     /* a second holder */
    assert_int_equal(domain_destroy(d), 0);
    assert_int_equal(domain_destroy(d), -EINVAL);   /* only once */
    assert_int_equal(d->state, DOMSTATE_dying);
    assert_null(domain_get_by_id(d->domain_id));
    assert_null(domain_alloc_page(d));              /* no new memory while dying */
    domain_put(d);                                  /* creator's reference */
    assert_int_equal(fake_pages_out, 11);           /* still all there */
    assert_int_equal(d->tot_pages, 10);
    assert_int_equal(fake_arch_vcpus, 2);
    assert_int_equal(domain_count(), 1);
    domain_put(d);                                  /* the last one */
    assert_int_equal(fake_pages_out, 0);
    assert_int_equal(domain_count(), 0);
}

static void test_memory_accounting(void **state)
{
    struct domain *d = create(1, 3), *other = create(1, 3);
    struct page_info *pg[3], *theirs = domain_alloc_page(other);

    for (unsigned int i = 0; i < 3; i++) {
        pg[i] = domain_alloc_page(d);
        assert_non_null(pg[i]);
        assert_int_equal(page_owner(pg[i]), d->domain_id);
        for (unsigned int b = 0; b < PAGE_SIZE; b++)  /* scrubbed */
            assert_int_equal(((uint8_t *)page_to_virt(pg[i]))[b], 0);
    }
    assert_int_equal(d->tot_pages, 3);
    assert_null(domain_alloc_page(d));              /* max_pages */
    assert_int_equal(domain_free_page(d, theirs), -EINVAL);
    assert_int_equal(page_get_ref(pg[1]), 0);
    assert_int_equal(domain_free_page(d, pg[1]), -EBUSY);
    page_put_ref(pg[1]);
    assert_int_equal(domain_free_page(d, pg[1]), 0);
    assert_int_equal(d->tot_pages, 2);
    assert_int_equal(page_owner(pg[1]), DOMID_FREE);
    assert_int_equal(domain_free_page(d, pg[1]), -EINVAL);  /* not ours any more */
    assert_non_null(domain_alloc_page(d));
    assert_int_equal(d->tot_pages, 3);

    fake_fail_alloc_after(0);                       /* allocator empty */
    assert_int_equal(domain_free_page(d, pg[0]), 0);
    assert_null(domain_alloc_page(d));
    assert_int_equal(d->tot_pages, 2);              /* not charged for a failure */
    fake_fail_alloc_after(-1);

    /*
     * A frame still referenced at release is kept (never freed under a
     * user, never another domain's) and freed with its last reference.
     */
    assert_int_equal(page_get_ref(pg[2]), 0);
    assert_int_equal(page_get_ref(pg[2]), 0);
    capture_begin();
    fake_domain_destroy(d);
    assert_non_null(strstr(capture_end(), "dom1: 1 frames still referenced at release, "
                                          "freed when they are not"));
    assert_int_equal(fake_pages_out, 3);            /* pg[2], other's two */
    assert_int_equal(page_owner(pg[2]), DOMID_XEN);
    assert_int_equal(page_orphans(), 1);
    assert_int_equal(page_put_ref(pg[2]), 1);
    assert_int_equal(fake_pages_out, 3);
    assert_int_equal(page_put_ref(pg[2]), 0);       /* the last one frees it */
    assert_int_equal(fake_pages_out, 2);
    assert_int_equal(page_orphans(), 0);
    assert_int_equal(pg[2]->flags & PGF_ORPHAN, 0);
    fake_domain_destroy(other);
}

static void test_pause_unpause(void **state)
{
    struct domain *d = create(2, 0);

    assert_int_equal(domain_pause(d), 0);           /* never ran: nothing to do */
    assert_int_equal(d->state, DOMSTATE_created);
    assert_int_equal(domain_unpause(d), 0);
    assert_int_equal(d->state, DOMSTATE_running);
    assert_int_equal(d->vcpu[0]->pause_flags, VPF_down);
    assert_int_equal(d->vcpu[1]->pause_flags, VPF_down);
    assert_int_equal(fake_wakes, 2);
    assert_int_equal(domain_pause(d), 0);
    assert_int_equal(d->state, DOMSTATE_paused);
    assert_true(d->vcpu[0]->pause_flags & VPF_paused);
    assert_true(d->vcpu[1]->pause_flags & VPF_paused);
    assert_int_equal(fake_sleeps, 2);
    assert_int_equal(domain_pause(d), 0);           /* idempotent */
    assert_int_equal(domain_unpause(d), 0);
    assert_int_equal(domain_unpause(d), 0);
    assert_int_equal(d->state, DOMSTATE_running);
    assert_unlocked(d->lock);
    domain_shutdown(d, SHUTDOWN_poweroff);
    assert_int_equal(domain_pause(d), -EINVAL);
    assert_int_equal(domain_unpause(d), -EINVAL);
    assert_true(d->vcpu[0]->pause_flags & VPF_paused);
    fake_domain_destroy(d);
}

static void test_shutdown(void **state)
{
    struct domain *d = create(2, 0);
    const char *out;

    domain_unpause(d);
    capture_begin();
    domain_shutdown(d, SHUTDOWN_reboot);
    domain_shutdown(d, SHUTDOWN_poweroff);          /* already down: ignored */
    out = capture_end();
    assert_string_equal(out, "dom1: shut down (reboot)\n");
    assert_int_equal(d->state, DOMSTATE_shutdown);
    assert_int_equal(d->shutdown_code, SHUTDOWN_reboot);
    for (unsigned int i = 0; i < 2; i++)
        assert_true(d->vcpu[i]->pause_flags & VPF_paused);
    assert_false(d->vcpu[0]->pause_flags & VPF_crashed);
    fake_domain_destroy(d);

    /* A code recorded in advance wins, as with SCHEDOP_shutdown_code. */
    d = create(1, 0);
    d->shutdown_code = SHUTDOWN_suspend;
    capture_begin();
    domain_shutdown(d, SHUTDOWN_poweroff);
    assert_string_equal(capture_end(), "dom1: shut down (suspend)\n");
    fake_domain_destroy(d);
}

static void test_crash(void **state)
{
    struct domain *d = create(2, 0);

    domain_unpause(d);
    capture_begin();
    domain_crash(d, "double fault");
    domain_crash(d, "again");                       /* already stopped: silent */
    assert_string_equal(capture_end(), "dom1: crashed: double fault\ndom1: shut down (crash)\n");
    assert_int_equal(d->state, DOMSTATE_shutdown);
    assert_int_equal(d->shutdown_code, SHUTDOWN_crash);
    assert_true(d->vcpu[1]->pause_flags & VPF_crashed);
    assert_true(d->vcpu[1]->pause_flags & VPF_paused);
    fake_domain_destroy(d);
}

/* dom0 hears of other domains' shutdowns through VIRQ_DOM_EXC. */
static void test_shutdown_notifies_dom0(void **state)
{
    struct domain_config c = cfg(1, 0);
    struct domain *d0, *d1 = create(1, 0);
    struct evtchn_bind_virq *b = gptr(0);

    domain_shutdown(d1, SHUTDOWN_poweroff);         /* no dom0: nobody told */
    fake_domain_destroy(d1);
    c.privileged = true;
    assert_int_equal(domain_create(&c, true, &d0), 0);
    fake_current = d0->vcpu[0];
    b->virq = VIRQ_DOM_EXC;
    b->vcpu = 0;
    assert_int_equal(do_event_channel_op(EVTCHNOP_bind_virq, gva(0), 0, 0, 0), 0);
    assert_int_equal(b->port, 1);
    d1 = create(1, 0);
    capture_begin();
    domain_crash(d1, "test");
    capture_end();
    assert_true(d0->shared_info->evtchn_pending[0] & (1ULL << 1));
    assert_int_equal(d0->vcpu[0]->vcpu_info->evtchn_upcall_pending, 1);
    fake_domain_destroy(d1);
    fake_domain_destroy(d0);
}

struct walk {
    domid_t ids[8];
    unsigned int n;
};

static void walk_fn(struct domain *d, void *arg)
{
    struct walk *w = arg;
    w->ids[w->n++] = d->domain_id;
}

static void test_for_each_in_id_order(void **state)
{
    struct domain *a = create(1, 0), *b = create(1, 0), *c = create(1, 0);
    struct walk w = { .n = 0 };

    fake_domain_destroy(b);
    b = create(1, 0);                               /* takes id 2 again */
    domain_for_each(walk_fn, &w);
    assert_int_equal(w.n, 3);
    assert_int_equal(w.ids[0], 1);
    assert_int_equal(w.ids[1], 2);
    assert_int_equal(w.ids[2], 3);
    fake_domain_destroy(a);
    fake_domain_destroy(b);
    fake_domain_destroy(c);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_create_layout),
        T(test_bad_config),
        T(test_dom0),
        T(test_lookup_hostile_ids),
        T(test_many_domains_return_everything),
        T(test_id_reuse_waits_for_release),
        T(test_alloc_failure_unwinds),
        T(test_hook_failure_unwinds),
        T(test_vcpu_affinity_from_config),
        T(test_refcount_keeps_memory),
        T(test_memory_accounting),
        T(test_pause_unpause),
        T(test_shutdown),
        T(test_crash),
        T(test_shutdown_notifies_dom0),
        T(test_for_each_in_id_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
