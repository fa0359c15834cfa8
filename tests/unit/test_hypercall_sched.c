/*
 * sched_op (yield, block, shutdown, shutdown_code, remote_shutdown, poll),
 * set_timer_op and vcpu_op (up/down, initialise, timers, runstate,
 * register_vcpu_info) through hypercall_dispatch, with simulated time
 * driving the real timer queues; pvclock updates, the wall clock and the
 * RTC conversion. Hostile ids, values and pointers throughout.
 * SOURCES: hypervisor/common/hypercall.c hypervisor/common/sched_op.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/multicall.c hypervisor/common/console_io.c hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/timer.c hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#include "fake_pv.h"

#include <stdio.h>
#include <public/event_channel.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/xen.h>

#define MS NSEC_PER_MSEC

static struct domain *d1, *dom0;
static struct vcpu *v0, *v1;           /* d1's vCPUs */
static evtchn_port_t timer0;           /* VIRQ_TIMER of v0 */

static struct domain *create(unsigned int vcpus, bool want_dom0)
{
    return fake_domain_new(vcpus, 8, want_dom0);
}


#define HC(nr, a1, a2, a3) hypercall_dispatch((nr), (a1), (a2), (a3), 0, 0)
#define SCHED(cmd, arg) HC(__HYPERVISOR_sched_op, (cmd), (arg), 0)
#define VCPU(cmd, id, arg) HC(__HYPERVISOR_vcpu_op, (cmd), (id), (arg))

/* Put a structure at guest offset off; its guest address. */
static uint64_t put(size_t off, const void *p, size_t len)
{
    memcpy(gptr(off), p, len);
    return gva(off);
}

static bool pending(struct domain *d, unsigned int port)
{
    return d->shared_info->evtchn_pending[port / 64] & (1ULL << (port % 64));
}

static void clear_pending(struct domain *d)
{
    memset(d->shared_info->evtchn_pending, 0, sizeof(d->shared_info->evtchn_pending));
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        d->vcpu[i]->vcpu_info->evtchn_upcall_pending = 0;
        d->vcpu[i]->vcpu_info->evtchn_pending_sel = 0;
    }
}

static int bind_virq_timer(struct vcpu *v)
{
    struct evtchn_bind_virq b = { .virq = VIRQ_TIMER, .vcpu = v->vcpu_id };
    struct vcpu *was = fake_current;
    long rc;

    fake_current = v;
    rc = HC(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, put(0x800, &b, sizeof(b)), 0);
    fake_current = was;
    assert_int_equal(rc, 0);
    memcpy(&b, gptr(0x800), sizeof(b));
    return b.port;
}

static int setup(void **state)
{
    fake_reset_with_table();
    dom0 = create(1, true);
    d1 = create(2, false);
    v0 = d1->vcpu[0];
    v1 = d1->vcpu[1];
    /* As the builder does: vCPU 0 has a context and is up. */
    v0->is_initialised = true;
    assert_int_equal(vcpu_up(v0), 0);
    assert_int_equal(domain_unpause(d1), 0);
    fake_current = v0;
    timer0 = bind_virq_timer(v0);
    fake_now = 1000 * MS;
    return 0;
}

static int teardown(void **state)
{
    capture_begin();
    fake_domain_destroy(d1);
    fake_domain_destroy(dom0);
    capture_end();
    fake_check_all_returned();
    /* No vCPU timer outlives its domain. */
    for (unsigned int i = 0; i < FAKE_CPUS; i++)
        assert_int_equal(fake_queues[i].nr_queued, 0);
    return 0;
}

/* ---- sched_op ---- */

static void test_yield_block(void **state)
{
    assert_int_equal(SCHED(SCHEDOP_yield, 0), 0);
    assert_int_equal(fake_yields, 1);
    v0->vcpu_info->evtchn_upcall_mask = 1;
    assert_int_equal(SCHED(SCHEDOP_block, 0), 0);
    assert_int_equal(fake_blocks, 1);
    assert_int_equal(v0->vcpu_info->evtchn_upcall_mask, 0);     /* block enables events */
    assert_true(v0->pause_flags & VPF_blocked);
    send_guest_vcpu_virq(v0, VIRQ_TIMER);                        /* the event wakes it */
    assert_false(v0->pause_flags & VPF_blocked);
    assert_int_equal(SCHED(SCHEDOP_block, 0), 0);                /* already pending: no block */
    assert_false(v0->pause_flags & VPF_blocked);
    const uint64_t bad[] = { SCHEDOP_watchdog, SCHEDOP_pin_override, 8, 1ULL << 32, UINT64_MAX };
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
        assert_int_equal(SCHED(bad[i], gva(0)), -ENOSYS);
}

static void test_shutdown(void **state)
{
    struct sched_shutdown s = { .reason = SHUTDOWN_MAX + 1 };

    assert_int_equal(SCHED(SCHEDOP_shutdown, put(0, &s, sizeof(s))), -EINVAL);
    s.reason = UINT32_MAX;
    assert_int_equal(SCHED(SCHEDOP_shutdown, put(0, &s, sizeof(s))), -EINVAL);
    assert_int_equal(SCHED(SCHEDOP_shutdown, 0), -EFAULT);
    assert_int_equal(SCHED(SCHEDOP_shutdown, gva(GUEST_SIZE - 2)), -EFAULT);
    assert_int_equal(d1->state, DOMSTATE_running);
    s.reason = SHUTDOWN_reboot;
    capture_begin();
    assert_int_equal(SCHED(SCHEDOP_shutdown, put(0, &s, sizeof(s))), 0);
    assert_string_equal(capture_end(), "dom1: shut down (reboot)\n");
    assert_int_equal(d1->state, DOMSTATE_shutdown);
    assert_true(v0->pause_flags & VPF_paused);                   /* does not run again */
}

static void test_shutdown_code(void **state)
{
    struct sched_shutdown s = { .reason = 9 };

    assert_int_equal(SCHED(SCHEDOP_shutdown_code, put(0, &s, sizeof(s))), -EINVAL);
    assert_int_equal(d1->shutdown_code, DOMAIN_SHUTDOWN_CODE_NONE);
    s.reason = SHUTDOWN_watchdog;
    assert_int_equal(SCHED(SCHEDOP_shutdown_code, put(0, &s, sizeof(s))), 0);
    s.reason = SHUTDOWN_reboot;                                  /* the first one stays */
    assert_int_equal(SCHED(SCHEDOP_shutdown_code, put(0, &s, sizeof(s))), 0);
    assert_int_equal(d1->state, DOMSTATE_running);               /* only recorded */
    capture_begin();
    domain_crash(d1, "oops");
    assert_string_equal(capture_end(), "dom1: crashed: oops\ndom1: shut down (watchdog)\n");
}

static void test_remote_shutdown(void **state)
{
    struct sched_remote_shutdown r = { .domain_id = 0, .reason = SHUTDOWN_poweroff };

    assert_int_equal(SCHED(SCHEDOP_remote_shutdown, put(0, &r, sizeof(r))), -EPERM);
    r.domain_id = 1;                                            /* itself: still no */
    assert_int_equal(SCHED(SCHEDOP_remote_shutdown, put(0, &r, sizeof(r))), -EPERM);
    r.domain_id = 77;
    assert_int_equal(SCHED(SCHEDOP_remote_shutdown, put(0, &r, sizeof(r))), -ESRCH);
    assert_int_equal(SCHED(SCHEDOP_remote_shutdown, 0), -EFAULT);
    assert_int_equal(dom0->state, DOMSTATE_created);
    fake_current = dom0->vcpu[0];
    r.domain_id = DOMID_SELF;
    assert_int_equal(SCHED(SCHEDOP_remote_shutdown, put(0, &r, sizeof(r))), -ESRCH);
    r.domain_id = 1;
    r.reason = SHUTDOWN_MAX + 1;
    assert_int_equal(SCHED(SCHEDOP_remote_shutdown, put(0, &r, sizeof(r))), -EINVAL);
    r.reason = SHUTDOWN_poweroff;
    capture_begin();
    assert_int_equal(SCHED(SCHEDOP_remote_shutdown, put(0, &r, sizeof(r))), 0);
    assert_string_equal(capture_end(), "dom1: shut down (poweroff)\n");
    assert_int_equal(d1->state, DOMSTATE_shutdown);
    assert_int_equal(d1->refcnt, 2);                             /* lookup reference dropped */
}

/* A poll with ports[] at guest offset 0x100 and the struct at 0. */
static long poll(const evtchn_port_t *ports, uint32_t n, uint64_t timeout)
{
    struct sched_poll p = { .ports = gva(0x100), .nr_ports = n, .timeout = timeout };

    if (n && n <= 1024)
        put(0x100, ports, n * sizeof(*ports));
    return SCHED(SCHEDOP_poll, put(0, &p, sizeof(p)));
}

static void assert_not_polling(struct vcpu *v)
{
    assert_false(v->pause_flags & VPF_blocked);
    assert_int_equal(v->domain->poll_mask, 0);
    assert_int_equal(v->poll_evtchn, 0);
}

static void test_poll_errors(void **state)
{
    evtchn_port_t ports[129] = { 1, 2, 3 };
    struct sched_poll p = { .ports = 0, .nr_ports = 1 };

    assert_int_equal(poll(ports, 129, 0), -EINVAL);
    assert_int_equal(poll(ports, UINT32_MAX, 0), -EINVAL);
    ports[1] = EVTCHN_2L_NR_CHANNELS;
    assert_int_equal(poll(ports, 3, 0), -EINVAL);
    ports[1] = UINT32_MAX;
    assert_int_equal(poll(ports, 3, 0), -EINVAL);
    assert_int_equal(SCHED(SCHEDOP_poll, put(0, &p, sizeof(p))), -EFAULT);
    p.ports = gva(GUEST_SIZE - 8);
    p.nr_ports = 3;
    assert_int_equal(SCHED(SCHEDOP_poll, put(0, &p, sizeof(p))), -EFAULT);
    assert_int_equal(SCHED(SCHEDOP_poll, 0), -EFAULT);
    assert_not_polling(v0);
    assert_int_equal(fake_sleeps, 0);
}

static void test_poll_wakes_on_its_port(void **state)
{
    evtchn_port_t p = bind_virq_timer(v1), other;
    struct evtchn_bind_ipi ipi = { .vcpu = 0 };

    HC(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, put(0x800, &ipi, sizeof(ipi)), 0);
    memcpy(&ipi, gptr(0x800), sizeof(ipi));
    other = ipi.port;
    d1->shared_info->evtchn_mask[0] = ~0ULL;         /* polling works with ports masked */
    assert_int_equal(poll(&p, 1, 0), 0);
    assert_true(v0->pause_flags & VPF_blocked);
    assert_int_equal(d1->poll_mask, 1);
    assert_int_equal(v0->poll_evtchn, (int)p);
    assert_int_equal(fake_sleeps, 1);
    assert_false(timer_is_active(&v0->poll_timer));
    struct evtchn_send s = { .port = other };
    assert_int_equal(HC(__HYPERVISOR_event_channel_op, EVTCHNOP_send, put(0x800, &s, 4), 0), 0);
    assert_true(v0->pause_flags & VPF_blocked);       /* not its port */
    send_guest_vcpu_virq(v1, VIRQ_TIMER);
    assert_not_polling(v0);
    assert_ptr_equal(fake_last_wake, v0);
    assert_int_equal(fake_kicks, 0);                  /* masked: no upcall, only the poll */
    /* Already pending: returns at once. */
    assert_int_equal(poll(&p, 1, 0), 0);
    assert_not_polling(v0);
    assert_int_equal(fake_sleeps, 1);
}

static void test_poll_timeout_and_any(void **state)
{
    evtchn_port_t ports[2] = { 5, 6 };

    assert_int_equal(poll(ports, 2, fake_now + 10 * MS), 0);
    assert_int_equal(v0->poll_evtchn, -1);             /* several ports: any wakes */
    assert_true(timer_is_active(&v0->poll_timer));
    fake_run_timers(fake_now + 9 * MS);
    assert_true(v0->pause_flags & VPF_blocked);
    fake_run_timers(fake_now + 1 * MS);
    assert_not_polling(v0);
    assert_ptr_equal(fake_last_wake, v0);
    /* No ports and no timeout: only an event ends it; an unmasked one is enough. */
    assert_int_equal(poll(NULL, 0, 0), 0);
    assert_true(v0->pause_flags & VPF_blocked);
    send_guest_vcpu_virq(v0, VIRQ_TIMER);
    assert_not_polling(v0);
    /* An unmasked event already waiting for delivery: no sleep. */
    v0->vcpu_info->evtchn_upcall_mask = 0;
    assert_int_equal(poll(NULL, 0, 0), 0);
    assert_not_polling(v0);
    /* A deadline in the past ends the poll at the next timer run. */
    clear_pending(d1);
    assert_int_equal(poll(ports, 1, 1), 0);
    assert_true(v0->pause_flags & VPF_blocked);
    fake_run_timers(fake_now);
    assert_not_polling(v0);
    /* Polling again with no timeout disarms an old one. */
    assert_int_equal(poll(ports, 1, fake_now + MS), 0);
    v0->pause_flags &= ~VPF_blocked;
    d1->poll_mask = 0;
    assert_int_equal(poll(ports, 1, 0), 0);
    assert_false(timer_is_active(&v0->poll_timer));
    fake_run_timers(fake_now + 2 * MS);
    assert_true(v0->pause_flags & VPF_blocked);        /* still waiting */
    vcpu_poll_end(v0);
}

/* ---- timers ---- */

static void test_set_timer_op(void **state)
{
    assert_int_equal(HC(__HYPERVISOR_set_timer_op, fake_now + 5 * MS, 0, 0), 0);
    assert_int_equal(v0->singleshot_timer.expires, fake_now + 5 * MS);
    fake_run_timers(fake_now + 4 * MS);
    assert_false(pending(d1, timer0));
    fake_run_timers(fake_now + 1 * MS);
    assert_true(pending(d1, timer0));
    assert_ptr_equal(fake_last_kick, v0);
    clear_pending(d1);

    assert_int_equal(HC(__HYPERVISOR_set_timer_op, fake_now + 5 * MS, 0, 0), 0);
    assert_int_equal(HC(__HYPERVISOR_set_timer_op, 0, 0, 0), 0);          /* cancel */
    fake_run_timers(fake_now + 10 * MS);
    assert_false(pending(d1, timer0));

    assert_int_equal(HC(__HYPERVISOR_set_timer_op, fake_now - MS, 0, 0), 0);   /* past */
    fake_run_timers(fake_now);
    assert_true(pending(d1, timer0));
    clear_pending(d1);

    /* Linux's wrapped jiffies: negative or > 2^50 ns ahead means 100 ms. */
    assert_int_equal(HC(__HYPERVISOR_set_timer_op, 1ULL << 63, 0, 0), 0);
    assert_int_equal(v0->singleshot_timer.expires, fake_now + 100 * MS);
    assert_int_equal(HC(__HYPERVISOR_set_timer_op, UINT64_MAX, 0, 0), 0);
    assert_int_equal(v0->singleshot_timer.expires, fake_now + 100 * MS);
    assert_int_equal(HC(__HYPERVISOR_set_timer_op, fake_now + (1ULL << 50), 0, 0), 0);
    assert_int_equal(v0->singleshot_timer.expires, fake_now + 100 * MS);
    assert_int_equal(HC(__HYPERVISOR_set_timer_op, fake_now + (1ULL << 50) - 1, 0, 0), 0);
    assert_int_equal(v0->singleshot_timer.expires, fake_now + (1ULL << 50) - 1);
}

static void test_singleshot_and_periodic(void **state)
{
    struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = fake_now - 1,
                                            .flags = VCPU_SSHOTTMR_future };
    struct vcpu_set_periodic_timer pt = { .period_ns = MS - 1 };
    unsigned int fired = 0;

    assert_int_equal(VCPU(VCPUOP_set_singleshot_timer, 0, put(0, &ss, sizeof(ss))), -ETIME);
    assert_false(timer_is_active(&v0->singleshot_timer));
    assert_int_equal(VCPU(VCPUOP_set_singleshot_timer, 1, put(0, &ss, sizeof(ss))), -EINVAL);
    assert_int_equal(VCPU(VCPUOP_stop_singleshot_timer, 1, 0), -EINVAL);   /* not itself */
    assert_int_equal(VCPU(VCPUOP_set_singleshot_timer, 0, 0), -EFAULT);
    ss.timeout_abs_ns = fake_now + 3 * MS;
    assert_int_equal(VCPU(VCPUOP_set_singleshot_timer, 0, put(0, &ss, sizeof(ss))), 0);
    fake_run_timers(fake_now + 3 * MS);
    assert_true(pending(d1, timer0));
    clear_pending(d1);
    ss.timeout_abs_ns = UINT64_MAX;                                         /* never */
    ss.flags = 0;
    assert_int_equal(VCPU(VCPUOP_set_singleshot_timer, 0, put(0, &ss, sizeof(ss))), 0);
    assert_int_equal(v0->singleshot_timer.expires, S_TIME_MAX);
    assert_int_equal(VCPU(VCPUOP_stop_singleshot_timer, 0, 0), 0);
    assert_false(timer_is_active(&v0->singleshot_timer));

    assert_int_equal(VCPU(VCPUOP_set_periodic_timer, 0, put(0, &pt, sizeof(pt))), -EINVAL);
    pt.period_ns = (1ULL << 62) + 1;
    assert_int_equal(VCPU(VCPUOP_set_periodic_timer, 0, put(0, &pt, sizeof(pt))), -EINVAL);
    assert_int_equal(VCPU(VCPUOP_set_periodic_timer, 0, gva(GUEST_SIZE)), -EFAULT);
    assert_int_equal(v0->periodic_period, 0);
    pt.period_ns = 10 * MS;
    assert_int_equal(VCPU(VCPUOP_set_periodic_timer, 0, put(0, &pt, sizeof(pt))), 0);
    for (unsigned int i = 0; i < 5; i++) {
        fake_run_timers(fake_now + 10 * MS);
        fired += pending(d1, timer0);
        clear_pending(d1);
    }
    assert_int_equal(fired, 5);
    fake_run_timers(fake_now + 55 * MS);            /* far behind: one event, not five */
    assert_true(pending(d1, timer0));
    assert_int_equal(v0->periodic_timer.expires, fake_now + 10 * MS);
    clear_pending(d1);
    assert_int_equal(VCPU(VCPUOP_stop_periodic_timer, 0, 0), 0);
    fake_run_timers(fake_now + 100 * MS);
    assert_false(pending(d1, timer0));
    /* Another vCPU's periodic timer may be set (Xen allows it). */
    pt.period_ns = MS;
    assert_int_equal(VCPU(VCPUOP_set_periodic_timer, 1, put(0, &pt, sizeof(pt))), 0);
    assert_true(timer_is_active(&v1->periodic_timer));
}

/* ---- vcpu_op ---- */

static void test_vcpu_ids_and_commands(void **state)
{
    const uint64_t bad_ids[] = { 2, 31, 32, 1000, 1ULL << 32, UINT64_MAX };

    for (unsigned int i = 0; i < ARRAY_SIZE(bad_ids); i++) {
        assert_int_equal(VCPU(VCPUOP_is_up, bad_ids[i], 0), -ENOENT);
        assert_int_equal(VCPU(VCPUOP_up, bad_ids[i], 0), -ENOENT);
        assert_int_equal(VCPU(99, bad_ids[i], 0), -ENOENT);     /* the id is checked first */
    }
    assert_int_equal(VCPU(VCPUOP_send_nmi, 0, 0), -ENOSYS);
    assert_int_equal(VCPU(VCPUOP_get_physid, 0, gva(0)), -ENOSYS);
    assert_int_equal(VCPU(VCPUOP_register_vcpu_time_phys_area, 0, gva(0)), -ENOSYS);
    assert_int_equal(VCPU(UINT64_MAX, 0, 0), -ENOSYS);
    assert_int_equal(VCPU(VCPUOP_is_up, 0, 0), 1);
    assert_int_equal(VCPU(VCPUOP_is_up, 1, 0), 0);
}

static void test_vcpu_up_down(void **state)
{
    uint64_t ctxt = 0xbad;

    assert_int_equal(VCPU(VCPUOP_up, 1, 0), -EINVAL);           /* no context yet */
    assert_int_equal(VCPU(VCPUOP_initialise, 1, put(0, &ctxt, 8)), -EINVAL);
    assert_int_equal(VCPU(VCPUOP_initialise, 1, gva(GUEST_SIZE - 4)), -EFAULT);
    assert_false(v1->is_initialised);
    ctxt = 1;
    assert_int_equal(VCPU(VCPUOP_initialise, 1, put(0, &ctxt, 8)), 0);
    assert_true(v1->is_initialised);
    assert_int_equal(VCPU(VCPUOP_initialise, 1, put(0, &ctxt, 8)), -EEXIST);
    assert_int_equal(VCPU(VCPUOP_initialise, 0, put(0, &ctxt, 8)), -EEXIST);  /* running */
    assert_int_equal(fake_initialise_calls, 3);
    fake_wakes = 0;
    assert_int_equal(VCPU(VCPUOP_up, 1, 0), 0);
    assert_false(v1->pause_flags & VPF_down);
    assert_int_equal(fake_wakes, 1);
    assert_int_equal(VCPU(VCPUOP_up, 1, 0), 0);                 /* already up */
    assert_int_equal(fake_wakes, 1);
    assert_int_equal(VCPU(VCPUOP_is_up, 1, 0), 1);
    fake_sleeps = 0;
    assert_int_equal(VCPU(VCPUOP_down, 1, 0), 0);
    assert_true(v1->pause_flags & VPF_down);
    assert_int_equal(fake_sleeps, 1);
    assert_int_equal(VCPU(VCPUOP_is_up, 1, 0), 0);
    assert_int_equal(VCPU(VCPUOP_down, 1, 0), 0);
    assert_int_equal(fake_sleeps, 1);
    /* The last vCPU going down powers the domain off. */
    capture_begin();
    assert_int_equal(VCPU(VCPUOP_down, 0, 0), 0);
    assert_string_equal(capture_end(), "dom1: shut down (poweroff)\n");
    assert_int_equal(d1->state, DOMSTATE_shutdown);
}

static void test_runstate(void **state)
{
    struct vcpu_runstate_info *r = gptr(0x200);
    struct vcpu_register_runstate_memory_area area = { .addr.h = gva(0x400) };
    struct vcpu_runstate_info *copy = gptr(0x400);

    v0->runstate = RUNSTATE_running;
    v0->runstate_entry_time = fake_now - 7 * MS;
    v0->runstate_time[RUNSTATE_running] = 100;
    v0->runstate_time[RUNSTATE_runnable] = 20;
    assert_int_equal(VCPU(VCPUOP_get_runstate_info, 0, gva(0x200)), 0);
    assert_int_equal(r->state, RUNSTATE_running);
    assert_int_equal(r->state_entry_time, fake_now - 7 * MS);
    assert_int_equal(r->time[RUNSTATE_running], 100 + 7 * MS);  /* counted up to now */
    assert_int_equal(r->time[RUNSTATE_runnable], 20);
    assert_int_equal(VCPU(VCPUOP_get_runstate_info, 1, gva(0x200)), 0);
    assert_int_equal(r->state, RUNSTATE_offline);
    assert_int_equal(VCPU(VCPUOP_get_runstate_info, 0, 0), -EFAULT);
    assert_int_equal(VCPU(VCPUOP_get_runstate_info, 0, gva(GUEST_SIZE - 47)), -EFAULT);

    memset(copy, 0xee, sizeof(*copy));
    assert_int_equal(VCPU(VCPUOP_register_runstate_memory_area, 0, put(0, &area, 8)), 0);
    assert_int_equal(copy->state, RUNSTATE_running);            /* filled at once */
    fake_now += MS;
    vcpu_runstate_guest_update(v0);
    assert_int_equal(copy->time[RUNSTATE_running], 100 + 8 * MS);
    assert_int_equal(VCPU(VCPUOP_register_runstate_memory_area, 0, 0), -EFAULT);
    area.addr.h = 0xffff830000000000ULL;                        /* not guest space: refused */
    assert_int_equal(VCPU(VCPUOP_register_runstate_memory_area, 0, put(0, &area, 8)), -EFAULT);
    assert_int_equal(v0->runstate_guest_va, gva(0x400));        /* the old one is kept */
    vcpu_runstate_guest_update(v0);
    area.addr.h = 0;                                            /* off */
    assert_int_equal(VCPU(VCPUOP_register_runstate_memory_area, 0, put(0, &area, 8)), 0);
    assert_int_equal(v0->runstate_guest_va, 0);
}

static void test_register_vcpu_info(void **state)
{
    struct page_info *pg = domain_alloc_page(d1), *other = domain_alloc_page(dom0);
    struct vcpu_register_vcpu_info info = { .mfn = page_to_mfn(pg), .offset = 64 };
    struct vcpu_info *old = v0->vcpu_info, *mine;
    uint64_t bad_mfns[] = { 0, page_to_mfn(other), virt_to_mfn(d1->shared_info),
                            FAKE_FRAMES, UINT64_MAX };

    for (unsigned int i = 0; i < ARRAY_SIZE(bad_mfns); i++) {
        struct vcpu_register_vcpu_info b = { .mfn = bad_mfns[i] };
        assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 0, put(0, &b, 16)), -EINVAL);
    }
    info.offset = PAGE_SIZE - 64 + 8;
    assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 0, put(0, &info, 16)), -EINVAL);
    info.offset = UINT32_MAX;
    assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 0, put(0, &info, 16)), -EINVAL);
    info.offset = 68;                                           /* not 8-byte aligned */
    assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 0, put(0, &info, 16)), -EINVAL);
    info.offset = 64;
    info.rsvd = 1;
    assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 0, put(0, &info, 16)), -EINVAL);
    info.rsvd = 0;
    assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 0, gva(GUEST_SIZE - 8)), -EFAULT);
    /* A frame in use as a page table cannot hold it. */
    assert_int_equal(page_get_type(pg, PGT_l1_page_table), 0);
    assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 0, put(0, &info, 16)), -EINVAL);
    page_put_type(pg);
    assert_int_equal(page_ref_count(pg), 0);
    assert_ptr_equal(v0->vcpu_info, old);

    old->evtchn_upcall_mask = 1;
    old->arch.cr2 = 0x1234;
    fake_kicks = 0;
    assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 0, put(0, &info, 16)), 0);
    mine = (struct vcpu_info *)((char *)page_to_virt(pg) + 64);
    assert_ptr_equal(v0->vcpu_info, mine);
    assert_int_equal(mine->evtchn_upcall_mask, 1);              /* carried over */
    assert_int_equal(mine->arch.cr2, 0x1234);
    assert_int_equal(mine->evtchn_upcall_pending, 1);           /* everything re-raised */
    assert_int_equal(mine->evtchn_pending_sel, ~0ULL);
    assert_int_equal(fake_kicks, 1);
    assert_int_equal(page_ref_count(pg), 1);
    assert_int_equal(page_type_count(pg), 1);
    assert_int_equal(domain_free_page(d1, pg), -EBUSY);         /* pinned while registered */
    assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 0, put(0, &info, 16)), -EINVAL);

    /* Events now land in the new place. */
    clear_pending(d1);
    send_guest_vcpu_virq(v0, VIRQ_TIMER);
    assert_int_equal(mine->evtchn_upcall_pending, 1);
    assert_int_equal(old->evtchn_upcall_pending, 0);

    /* Another vCPU: only while it is down. */
    info.offset = 128;
    v1->pause_flags &= ~VPF_down;
    assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 1, put(0, &info, 16)), -EINVAL);
    v1->pause_flags |= VPF_down;
    assert_int_equal(VCPU(VCPUOP_register_vcpu_info, 1, put(0, &info, 16)), 0);
    assert_int_equal(page_ref_count(pg), 2);
    /* teardown: destroying the domain must drop both references (free_pages checks). */
}

/* ---- pvclock and wall clock ---- */

static void test_pvclock(void **state)
{
    struct vcpu_time_info *t = &v0->vcpu_info->time;
    uint32_t v;

    fake_tsc = 123456789;
    fake_now = 987654321;
    update_vcpu_system_time(v0);
    v = t->version;
    assert_int_equal(v % 2, 0);
    assert_true(v >= 2);
    assert_int_equal(t->tsc_timestamp, 123456789);
    assert_int_equal(t->system_time, 987654321);
    assert_int_equal(t->tsc_to_system_mul, 0x80000000u);
    assert_int_equal(t->tsc_shift, 1);
    assert_int_equal(t->flags, 0);
    /* What a guest computes 1000 ticks later: 1000 ns later. */
    uint64_t delta = (1000ULL << 1) * t->tsc_to_system_mul >> 32;
    assert_int_equal(t->system_time + delta, 987654321 + 1000);

    fake_tsc_stable = true;
    t->version = 7;                                  /* a guest scribbled an odd value */
    update_vcpu_system_time(v0);
    assert_int_equal(t->version, 10);                /* (7+1)|1 = 9 while writing, then 10 */
    assert_int_equal(t->flags, XEN_PVCLOCK_TSC_STABLE_BIT);
    fake_time_calibrated = false;
    fake_now = 5;
    update_vcpu_system_time(v0);                     /* nothing to publish yet */
    assert_int_equal(t->version, 10);
    assert_int_equal(t->system_time, 987654321);
}

static void test_wallclock(void **state)
{
    struct shared_info *s = d1->shared_info;

    /* The warm-up domain read the RTC at system time 0. */
    assert_int_equal(s->wc_version % 2, 0);
    assert_true(s->wc_version >= 2);
    assert_int_equal(s->wc_sec, (uint32_t)FAKE_RTC_EPOCH);
    assert_int_equal(s->wc_sec_hi, 0);
    assert_int_equal(s->wc_nsec, 0);
}

static void rtc(struct rtc_regs *r, uint8_t cc, uint8_t yy, uint8_t mo, uint8_t d, uint8_t h,
                uint8_t mi, uint8_t s, uint8_t b)
{
    *r = (struct rtc_regs){ .sec = s, .min = mi, .hour = h, .day = d, .mon = mo, .year = yy,
                            .century = cc, .status_b = b };
}

#define BCD24 0x02
#define BIN24 0x06
#define BCD12 0x00

static void test_rtc_to_epoch(void **state)
{
    struct rtc_regs r;
    uint64_t sec = 0;

    rtc(&r, 0x20, 0x26, 0x11, 0x21, 0x20, 0x54, 0x01, BCD24);
    assert_int_equal(rtc_to_epoch(&r, &sec), 0);
    assert_int_equal(sec, 1795294441);
    rtc(&r, 20, 26, 11, 21, 20, 54, 1, BIN24);
    assert_int_equal(rtc_to_epoch(&r, &sec), 0);
    assert_int_equal(sec, 1795294441);
    rtc(&r, 0x20, 0x26, 0x11, 0x21, 0x80 | 0x08, 0x54, 0x01, BCD12);  /* 8 PM */
    assert_int_equal(rtc_to_epoch(&r, &sec), 0);
    assert_int_equal(sec, 1795294441);
    rtc(&r, 0x19, 0x70, 0x01, 0x01, 0x12, 0x00, 0x00, BCD12);         /* 12 AM */
    assert_int_equal(rtc_to_epoch(&r, &sec), 0);
    assert_int_equal(sec, 0);
    rtc(&r, 0x20, 0x00, 0x02, 0x29, 0x80 | 0x12, 0x00, 0x00, BCD12);  /* 12 PM, leap day */
    assert_int_equal(rtc_to_epoch(&r, &sec), 0);
    assert_int_equal(sec, 951825600);
    rtc(&r, 0, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59, BCD24);            /* no century: 1999 */
    assert_int_equal(rtc_to_epoch(&r, &sec), 0);
    assert_int_equal(sec, 946684799);
    rtc(&r, 0xff, 0x05, 0x06, 0x15, 0, 0, 0, BCD24);                  /* junk century: 2005 */
    assert_int_equal(rtc_to_epoch(&r, &sec), 0);
    assert_int_equal(sec, 1118793600);
    rtc(&r, 0x20, 0x24, 0x02, 0x29, 0x00, 0x30, 0x00, BCD24);
    assert_int_equal(rtc_to_epoch(&r, &sec), 0);
    assert_int_equal(sec, 1709166600);
    rtc(&r, 0x21, 0x00, 0x03, 0x01, 0, 0, 0, BCD24);                  /* 2100: not leap */
    assert_int_equal(rtc_to_epoch(&r, &sec), 0);
    assert_int_equal(sec, 4107542400ULL);

    sec = 42;
    const struct rtc_regs bad[] = {
        { 0x00, 0x00, 0x00, 0x01, 0x13, 0x26, 0x20, BCD24 },        /* month 13 */
        { 0x00, 0x00, 0x00, 0x00, 0x01, 0x26, 0x20, BCD24 },        /* day 0 */
        { 0x00, 0x00, 0x00, 0x29, 0x02, 0x23, 0x20, BCD24 },        /* 29 Feb 2023 */
        { 0x00, 0x00, 0x00, 0x31, 0x04, 0x26, 0x20, BCD24 },        /* 31 April */
        { 0x00, 0x00, 0x24, 0x01, 0x01, 0x26, 0x20, BCD24 },        /* hour 24 */
        { 0x00, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, BCD12 },        /* 12-hour 0 */
        { 0x00, 0x00, 0x13, 0x01, 0x01, 0x26, 0x20, BCD12 },        /* 12-hour 13 */
        { 0x60, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, BCD24 },        /* second 60 */
        { 0x00, 0x1a, 0x00, 0x01, 0x01, 0x26, 0x20, BCD24 },        /* bad BCD */
        { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },         /* no RTC */
        { 0, 0, 0, 1, 1, 100, 20, BIN24 },                          /* year 100 */
        { 0, 0, 0, 1, 1, 69, 19, BIN24 },                           /* 1969 */
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
        assert_int_equal(rtc_to_epoch(&bad[i], &sec), -EINVAL);
    assert_int_equal(sec, 42);
}

/* A multicall stops once an entry shut the caller down. */
static void test_multicall_stops_at_shutdown(void **state)
{
    struct multicall_entry *mc = gptr(0x3000);
    struct sched_shutdown s = { .reason = SHUTDOWN_poweroff };

    put(0x100, &s, sizeof(s));
    memset(mc, 0, 3 * sizeof(*mc));
    mc[0].op = __HYPERVISOR_sched_op;
    mc[0].args[0] = SCHEDOP_yield;
    mc[1].op = __HYPERVISOR_sched_op;
    mc[1].args[0] = SCHEDOP_shutdown;
    mc[1].args[1] = gva(0x100);
    mc[2].op = __HYPERVISOR_sched_op;
    mc[2].args[0] = SCHEDOP_yield;
    mc[2].result = 0x77;
    capture_begin();
    assert_int_equal(HC(__HYPERVISOR_multicall, gva(0x3000), 3, 0), 0);
    capture_end();
    assert_int_equal(mc[0].result, 0);
    assert_int_equal(mc[1].result, 0);
    assert_int_equal(mc[2].result, 0x77);                       /* never ran */
    assert_int_equal(fake_yields, 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_yield_block),
        T(test_shutdown),
        T(test_shutdown_code),
        T(test_remote_shutdown),
        T(test_poll_errors),
        T(test_poll_wakes_on_its_port),
        T(test_poll_timeout_and_any),
        T(test_set_timer_op),
        T(test_singleshot_and_periodic),
        T(test_vcpu_ids_and_commands),
        T(test_vcpu_up_down),
        T(test_runstate),
        T(test_register_vcpu_info),
        T(test_pvclock),
        T(test_wallclock),
        T(test_rtc_to_epoch),
        T(test_multicall_stops_at_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
