/*
 * Event channels through the hypercall (do_event_channel_op with arguments
 * in fake guest memory): every operation and its errors, 2-level delivery
 * (pending, selector, upcall, kick), masked events delivered on unmask,
 * interdomain close, port exhaustion, hostile ports, vCPUs and commands.
 * SOURCES: hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/console_io.c hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#include "fake_pv.h"

#include <public/event_channel.h>
#include <public/xen.h>

static struct domain *dA, *dB, *dom0;

static struct domain *create(unsigned int vcpus, bool want_dom0)
{
    return fake_domain_new(vcpus, 0, want_dom0);
}


/* dom0 (privileged, 1 vCPU), dom1 = A (2 vCPUs), dom2 = B (2 vCPUs). */
static int setup(void **state)
{
    fake_reset_with_table();
    dom0 = create(1, true);
    dA = create(2, false);
    dB = create(2, false);
    assert_int_equal(dA->domain_id, 1);
    assert_int_equal(dB->domain_id, 2);
    fake_current = dA->vcpu[0];
    return 0;
}

static int teardown(void **state)
{
    assert_unlocked(dA->evtchn_lock);
    assert_unlocked(dB->evtchn_lock);
    assert_unlocked(dom0->evtchn_lock);
    fake_domain_destroy(dA);
    fake_domain_destroy(dB);
    fake_domain_destroy(dom0);
    fake_check_all_returned();
    return 0;
}

/* Run cmd as vCPU v with *arg (size bytes) in guest memory; results copied back. */
static long op_as(struct vcpu *v, uint64_t cmd, void *arg, size_t size)
{
    long rc;

    fake_current = v;
    memcpy(gptr(0x100), arg, size);
    rc = do_event_channel_op(cmd, gva(0x100), 0, 0, 0);
    memcpy(arg, gptr(0x100), size);
    return rc;
}
#define OP(v, cmd, s) op_as((v), EVTCHNOP_##cmd, &(s), sizeof(s))

static int alloc_unbound(struct domain *d, domid_t dom, domid_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
    long rc = OP(d->vcpu[0], alloc_unbound, a);
    return rc ? (int)rc : (int)a.port;
}

static int bind_interdomain(struct domain *d, domid_t remote, uint32_t rport)
{
    struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = rport };
    long rc = OP(d->vcpu[0], bind_interdomain, b);
    return rc ? (int)rc : (int)b.local_port;
}

static int bind_virq(struct domain *d, uint32_t virq, uint32_t vcpu)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = OP(d->vcpu[0], bind_virq, b);
    return rc ? (int)rc : (int)b.port;
}

static int bind_ipi(struct domain *d, uint32_t vcpu)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = OP(d->vcpu[0], bind_ipi, b);
    return rc ? (int)rc : (int)b.port;
}

static long send(struct domain *d, uint32_t port)
{
    struct evtchn_send s = { .port = port };
    return OP(d->vcpu[0], send, s);
}

static long evclose(struct domain *d, uint32_t port)
{
    struct evtchn_close c = { .port = port };
    return OP(d->vcpu[0], close, c);
}

static long unmask(struct domain *d, uint32_t port)
{
    struct evtchn_unmask u = { .port = port };
    return OP(d->vcpu[0], unmask, u);
}

static long bind_vcpu(struct domain *d, uint32_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };
    return OP(d->vcpu[0], bind_vcpu, b);
}

static long status(struct domain *caller, domid_t dom, uint32_t port, struct evtchn_status *st)
{
    memset(st, 0xee, sizeof(*st));
    st->dom = dom;
    st->port = port;
    return OP(caller->vcpu[0], status, *st);
}

static bool pending(struct domain *d, unsigned int port)
{
    return d->shared_info->evtchn_pending[port / 64] & (1ULL << (port % 64));
}

static void set_mask(struct domain *d, unsigned int port, bool on)
{
    if (on)
        d->shared_info->evtchn_mask[port / 64] |= 1ULL << (port % 64);
    else
        d->shared_info->evtchn_mask[port / 64] &= ~(1ULL << (port % 64));
}

/* What the guest does in its upcall: clear the flags it scanned. */
static void guest_ack(struct vcpu *v)
{
    v->vcpu_info->evtchn_upcall_pending = 0;
    v->vcpu_info->evtchn_pending_sel = 0;
    memset(v->domain->shared_info->evtchn_pending, 0, sizeof(v->domain->shared_info->evtchn_pending));
}

static void test_alloc_unbound(void **state)
{
    struct evtchn_status st;

    assert_int_equal(alloc_unbound(dA, DOMID_SELF, 2), 1);
    assert_int_equal(alloc_unbound(dA, 1, DOMID_SELF), 2);      /* own id = self */
    assert_int_equal(status(dA, DOMID_SELF, 1, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 2);
    assert_int_equal(st.vcpu, 0);
    assert_int_equal(status(dA, DOMID_SELF, 2, &st), 0);
    assert_int_equal(st.u.unbound.dom, 1);                      /* DOMID_SELF = the caller */
    /* Another domain's port: privilege first, then existence. */
    assert_int_equal(alloc_unbound(dA, 2, 1), -EPERM);
    assert_int_equal(alloc_unbound(dA, 77, 1), -ESRCH);
    assert_int_equal(alloc_unbound(dA, DOMID_ANY, 1), -ESRCH);
    assert_int_equal(alloc_unbound(dA, 0xffff, 1), -ESRCH);
    assert_int_equal(alloc_unbound(dom0, 2, 1), 1);             /* dom0 may */
    assert_int_equal(status(dom0, 2, 1, &st), 0);
    assert_int_equal(st.u.unbound.dom, 1);
    assert_int_equal(status(dA, 2, 1, &st), -EPERM);
    assert_int_equal(status(dA, 99, 1, &st), -ESRCH);
    /* From the hypervisor side too. */
    assert_int_equal(evtchn_alloc_unbound_port(dB, 1), 2);
}

static void test_interdomain_send_both_ways(void **state)
{
    int pa = alloc_unbound(dA, DOMID_SELF, 2), pb;
    struct evtchn_status st;

    pb = bind_interdomain(dB, 1, pa);
    assert_int_equal(pb, 1);
    /* Xen marks the new local port pending at once (lost notifications). */
    assert_true(pending(dB, pb));
    assert_int_equal(dB->vcpu[0]->vcpu_info->evtchn_upcall_pending, 1);
    assert_ptr_equal(fake_last_kick, dB->vcpu[0]);
    guest_ack(dB->vcpu[0]);

    assert_int_equal(status(dA, DOMID_SELF, pa, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, 2);
    assert_int_equal(st.u.interdomain.port, pb);
    assert_int_equal(status(dB, DOMID_SELF, pb, &st), 0);
    assert_int_equal(st.u.interdomain.dom, 1);
    assert_int_equal(st.u.interdomain.port, pa);

    fake_kicks = 0;
    assert_int_equal(send(dA, pa), 0);
    assert_true(pending(dB, pb));
    assert_false(pending(dA, pa));
    assert_int_equal(dB->vcpu[0]->vcpu_info->evtchn_pending_sel, 1ULL << (pb / 64));
    assert_int_equal(dB->vcpu[0]->vcpu_info->evtchn_upcall_pending, 1);
    assert_int_equal(fake_kicks, 1);
    assert_int_equal(send(dA, pa), 0);              /* already pending: no second kick */
    assert_int_equal(fake_kicks, 1);
    assert_int_equal(send(dB, pb), 0);
    assert_true(pending(dA, pa));
    assert_ptr_equal(fake_last_kick, dA->vcpu[0]);
    assert_int_equal(fake_kicks, 2);

    /* Notifications follow bind_vcpu on the receiving side. */
    guest_ack(dB->vcpu[0]);
    assert_int_equal(bind_vcpu(dB, pb, 1), 0);
    assert_int_equal(send(dA, pa), 0);
    assert_int_equal(dB->vcpu[1]->vcpu_info->evtchn_upcall_pending, 1);
    assert_int_equal(dB->vcpu[0]->vcpu_info->evtchn_upcall_pending, 0);
    assert_int_equal(status(dB, DOMID_SELF, pb, &st), 0);
    assert_int_equal(st.vcpu, 1);
}

static void test_interdomain_errors(void **state)
{
    int pa = alloc_unbound(dA, DOMID_SELF, 2), not_for_b = alloc_unbound(dA, DOMID_SELF, 0);
    int ipi = bind_ipi(dA, 0);

    assert_int_equal(bind_interdomain(dB, 1, 0), -EINVAL);          /* reserved */
    assert_int_equal(bind_interdomain(dB, 1, 63), -EINVAL);         /* free */
    assert_int_equal(bind_interdomain(dB, 1, 64), -EINVAL);         /* beyond the buckets */
    assert_int_equal(bind_interdomain(dB, 1, 4096), -EINVAL);
    assert_int_equal(bind_interdomain(dB, 1, UINT32_MAX), -EINVAL);
    assert_int_equal(bind_interdomain(dB, 1, not_for_b), -EINVAL);  /* allows dom0 only */
    assert_int_equal(bind_interdomain(dB, 1, ipi), -EINVAL);
    assert_int_equal(bind_interdomain(dB, 9, pa), -ESRCH);
    assert_int_equal(bind_interdomain(dB, DOMID_IO, pa), -ESRCH);
    assert_int_equal(bind_interdomain(dB, DOMID_SELF, pa), -EINVAL); /* dB has no such port */
    /* None of that opened a port in dB. */
    assert_int_equal(bind_interdomain(dB, 1, pa), 1);
    assert_int_equal(bind_interdomain(dB, 1, pa), -EINVAL);         /* bound now */
    assert_int_equal(bind_interdomain(dom0, 1, not_for_b), 1);
}

static void test_loopback_channel(void **state)
{
    int p1 = alloc_unbound(dA, DOMID_SELF, DOMID_SELF), p2;

    p2 = bind_interdomain(dA, DOMID_SELF, p1);
    assert_int_equal(p2, p1 + 1);
    guest_ack(dA->vcpu[0]);
    assert_int_equal(send(dA, p1), 0);
    assert_true(pending(dA, p2));
    assert_false(pending(dA, p1));
    assert_int_equal(evclose(dA, p2), 0);
    struct evtchn_status st;
    assert_int_equal(status(dA, DOMID_SELF, p1, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 1);
}

/* Closing either end (lower or higher id) leaves the other unbound, bindable again. */
static void test_close_interdomain(void **state)
{
    struct evtchn_status st;

    for (int round = 0; round < 2; round++) {
        int pa = alloc_unbound(dA, DOMID_SELF, 2);
        int pb = bind_interdomain(dB, 1, pa);
        struct domain *closer = round ? dB : dA, *other = round ? dA : dB;
        int cport = round ? pb : pa, oport = round ? pa : pb;

        assert_true(pending(dB, pb));
        assert_int_equal(evclose(closer, cport), 0);
        assert_false(pending(closer, cport));               /* cleared on close */
        assert_int_equal(status(closer, DOMID_SELF, cport, &st), 0);
        assert_int_equal(st.status, EVTCHNSTAT_closed);
        assert_int_equal(status(other, DOMID_SELF, oport, &st), 0);
        assert_int_equal(st.status, EVTCHNSTAT_unbound);
        assert_int_equal(st.u.unbound.dom, closer->domain_id);
        assert_int_equal(send(other, oport), 0);            /* unbound: dropped */
        assert_int_equal(evclose(closer, cport), -EINVAL);
        /* The closer can connect to the now unbound end again. */
        assert_int_equal(bind_interdomain(closer, other->domain_id, oport), cport);
        assert_int_equal(evclose(other, oport), 0);
        assert_int_equal(evclose(closer, cport), 0);         /* unbound end closes too */
        assert_int_equal(evclose(other, oport), -EINVAL);
        assert_unlocked(dA->evtchn_lock);
        assert_unlocked(dB->evtchn_lock);
    }
}

static void test_virq(void **state)
{
    struct evtchn_status st;
    int t1 = bind_virq(dA, VIRQ_TIMER, 1), con, dbg0;

    assert_int_equal(t1, 1);
    assert_int_equal(dA->vcpu[1]->virq_to_evtchn[VIRQ_TIMER], 1);
    assert_int_equal(bind_virq(dA, VIRQ_TIMER, 1), -EEXIST);
    assert_int_equal(bind_virq(dA, VIRQ_TIMER, 0), 2);              /* per vCPU */
    assert_int_equal(bind_virq(dA, VIRQ_TIMER, 2), -ENOENT);
    assert_int_equal(bind_virq(dA, VIRQ_TIMER, UINT32_MAX), -ENOENT);
    assert_int_equal(bind_virq(dA, NR_VIRQS, 0), -EINVAL);
    assert_int_equal(bind_virq(dA, UINT32_MAX, 0), -EINVAL);
    assert_int_equal(bind_virq(dA, VIRQ_CONSOLE, 1), -EINVAL);       /* global: vCPU 0 only */
    assert_int_equal(bind_virq(dA, VIRQ_CONSOLE, 7), -EINVAL);
    con = bind_virq(dA, VIRQ_CONSOLE, 0);
    assert_int_equal(con, 3);
    assert_int_equal(bind_virq(dA, VIRQ_CONSOLE, 0), -EEXIST);
    assert_int_equal(status(dA, DOMID_SELF, t1, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_virq);
    assert_int_equal(st.u.virq, VIRQ_TIMER);
    assert_int_equal(st.vcpu, 1);

    send_guest_vcpu_virq(dA->vcpu[1], VIRQ_TIMER);
    assert_true(pending(dA, t1));
    assert_int_equal(dA->vcpu[1]->vcpu_info->evtchn_upcall_pending, 1);
    assert_int_equal(dA->vcpu[0]->vcpu_info->evtchn_upcall_pending, 0);
    assert_ptr_equal(fake_last_kick, dA->vcpu[1]);
    send_guest_vcpu_virq(dA->vcpu[1], VIRQ_DEBUG);                  /* unbound: nothing */
    send_guest_vcpu_virq(dA->vcpu[1], VIRQ_CONSOLE);                /* wrong kind: nothing */
    send_guest_vcpu_virq(dA->vcpu[1], UINT32_MAX);
    assert_int_equal(send(dA, t1), -EINVAL);                        /* VIRQ ports: no send */

    /* A global VIRQ can move to another vCPU, a per-vCPU one cannot. */
    assert_int_equal(bind_vcpu(dA, t1, 0), -EINVAL);
    assert_int_equal(bind_vcpu(dA, con, 1), 0);
    send_guest_global_virq(dA, VIRQ_CONSOLE);
    assert_true(pending(dA, con));
    assert_ptr_equal(fake_last_kick, dA->vcpu[1]);
    send_guest_global_virq(dA, VIRQ_TIMER);                         /* wrong kind */
    send_guest_global_virq(NULL, VIRQ_CONSOLE);

    /* Closing frees the binding. */
    assert_int_equal(evclose(dA, t1), 0);
    assert_int_equal(dA->vcpu[1]->virq_to_evtchn[VIRQ_TIMER], 0);
    assert_int_equal(bind_virq(dA, VIRQ_TIMER, 1), t1);
    dbg0 = bind_virq(dA, VIRQ_DEBUG, 0);
    assert_true(dbg0 > 0);
}

static void test_ipi(void **state)
{
    int p = bind_ipi(dA, 1);

    assert_int_equal(p, 1);
    assert_int_equal(bind_ipi(dA, 2), -ENOENT);
    assert_int_equal(bind_ipi(dA, UINT32_MAX), -ENOENT);
    assert_int_equal(send(dA, p), 0);
    assert_true(pending(dA, p));
    assert_ptr_equal(fake_last_kick, dA->vcpu[1]);
    assert_int_equal(bind_vcpu(dA, p, 0), -EINVAL);                 /* IPIs stay put */
    struct evtchn_status st;
    assert_int_equal(status(dA, DOMID_SELF, p, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_ipi);
    assert_int_equal(st.vcpu, 1);
}

/* 2-level rules: a masked port stays pending; unmask delivers it once. */
static void test_masked_delivery(void **state)
{
    struct vcpu *v = dA->vcpu[0];
    int p = bind_ipi(dA, 0), q = bind_ipi(dA, 0);

    set_mask(dA, p, true);
    fake_kicks = 0;
    assert_int_equal(send(dA, p), 0);
    assert_true(pending(dA, p));
    assert_int_equal(v->vcpu_info->evtchn_pending_sel, 0);
    assert_int_equal(v->vcpu_info->evtchn_upcall_pending, 0);
    assert_int_equal(fake_kicks, 0);
    assert_false(vcpu_event_pending(v));

    assert_int_equal(unmask(dA, p), 0);
    assert_int_equal(dA->shared_info->evtchn_mask[0], 0);
    assert_int_equal(v->vcpu_info->evtchn_pending_sel, 1);
    assert_int_equal(v->vcpu_info->evtchn_upcall_pending, 1);
    assert_int_equal(fake_kicks, 1);
    v->vcpu_info->evtchn_upcall_mask = 0;
    assert_true(vcpu_event_pending(v));
    v->vcpu_info->evtchn_upcall_mask = 1;
    assert_false(vcpu_event_pending(v));            /* guest has events off */
    assert_int_equal(unmask(dA, p), 0);             /* not masked any more: nothing */
    assert_int_equal(fake_kicks, 1);

    /* Selector already set: the second port raises no new upcall. */
    assert_int_equal(send(dA, q), 0);
    assert_true(pending(dA, q));
    assert_int_equal(fake_kicks, 1);

    /* Unmasking a port that is not pending delivers nothing. */
    guest_ack(v);
    set_mask(dA, q, true);
    assert_int_equal(unmask(dA, q), 0);
    assert_int_equal(v->vcpu_info->evtchn_upcall_pending, 0);
    assert_int_equal(fake_kicks, 1);

    /* Upcall flag still set by an earlier event: pending, no new kick. */
    v->vcpu_info->evtchn_upcall_pending = 1;
    assert_int_equal(send(dA, q), 0);
    assert_int_equal(fake_kicks, 1);

    /* A kick ends SCHEDOP_block. */
    guest_ack(v);
    fake_current = v;
    vcpu_block();
    assert_true(v->pause_flags & VPF_blocked);
    assert_int_equal(send(dA, p), 0);
    assert_false(v->pause_flags & VPF_blocked);
    assert_ptr_equal(fake_last_wake, v);
}

static void test_status_and_hostile_ports(void **state)
{
    struct evtchn_status st;
    const uint32_t bad[] = { 64, 100, 4095, 4096, 0x80000000u, UINT32_MAX };

    assert_int_equal(status(dA, DOMID_SELF, 0, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
    assert_int_equal(status(dA, DOMID_SELF, 63, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_closed);
    assert_int_equal(st.u.virq, 0);                  /* no stale bytes in the union */
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(status(dA, DOMID_SELF, bad[i], &st), -EINVAL);
        assert_int_equal(send(dA, bad[i]), -EINVAL);
        assert_int_equal(evclose(dA, bad[i]), -EINVAL);
        assert_int_equal(unmask(dA, bad[i]), -EINVAL);
        assert_int_equal(bind_vcpu(dA, bad[i], 0), -EINVAL);
    }
    assert_int_equal(send(dA, 0), -EINVAL);
    assert_int_equal(evclose(dA, 0), -EINVAL);
    assert_int_equal(send(dA, 5), -EINVAL);                     /* closed */
    assert_int_equal(bind_vcpu(dA, 0, 0), -EINVAL);
    assert_int_equal(bind_vcpu(dA, 1, 2), -ENOENT);             /* vCPU checked first */
    assert_int_equal(bind_vcpu(dA, UINT32_MAX, UINT32_MAX), -ENOENT);
    assert_int_equal(unmask(dA, 0), 0);                         /* valid port, harmless */
    for (unsigned int w = 0; w < 64; w++)
        assert_int_equal(dA->shared_info->evtchn_pending[w], 0);
}

static void test_bad_commands_and_pointers(void **state)
{
    const uint64_t nosys[] = { EVTCHNOP_bind_pirq, EVTCHNOP_init_control,
                               EVTCHNOP_expand_array, EVTCHNOP_set_priority, 14, 255,
                               1ULL << 32, (uint64_t)-1 };
    const uint64_t bad_ptr[] = { 0, 8, GUEST_BASE - 1, GUEST_BASE + GUEST_SIZE - 2,
                                 0xffff800000000000ULL, (uint64_t)-8 };

    fake_current = dA->vcpu[0];
    for (unsigned int i = 0; i < ARRAY_SIZE(nosys); i++)
        assert_int_equal(do_event_channel_op(nosys[i], gva(0), 0, 0, 0), -ENOSYS);
    for (unsigned int i = 0; i < ARRAY_SIZE(bad_ptr); i++) {
        assert_int_equal(do_event_channel_op(EVTCHNOP_alloc_unbound, bad_ptr[i], 0, 0, 0),
                         -EFAULT);
        assert_int_equal(do_event_channel_op(EVTCHNOP_send, bad_ptr[i], 0, 0, 0), -EFAULT);
        assert_int_equal(do_event_channel_op(EVTCHNOP_status, bad_ptr[i], 0, 0, 0), -EFAULT);
    }
    /* Nothing was allocated by the failed calls. */
    assert_int_equal(alloc_unbound(dA, DOMID_SELF, 2), 1);
    /* An argument ending exactly at the end of guest memory is fine. */
    struct evtchn_send *s = gptr(GUEST_SIZE - sizeof(*s));
    s->port = 1;
    assert_int_equal(do_event_channel_op(EVTCHNOP_send, gva(GUEST_SIZE - sizeof(*s)), 0, 0, 0), 0);
}

static void test_port_exhaustion(void **state)
{
    int p;

    for (int i = 1; i < EVTCHN_2L_NR_CHANNELS; i++)
        assert_int_equal(bind_ipi(dA, 0), i);
    assert_int_equal(dA->valid_evtchns, EVTCHN_2L_NR_CHANNELS);
    assert_int_equal(bind_ipi(dA, 0), -ENOSPC);
    assert_int_equal(alloc_unbound(dA, DOMID_SELF, 2), -ENOSPC);
    assert_int_equal(bind_virq(dA, VIRQ_TIMER, 0), -ENOSPC);
    assert_int_equal(dA->vcpu[0]->virq_to_evtchn[VIRQ_TIMER], 0);   /* nothing half-done */
    p = alloc_unbound(dB, DOMID_SELF, 1);
    assert_int_equal(bind_interdomain(dA, 2, p), -ENOSPC);
    struct evtchn_status st;
    assert_int_equal(status(dB, DOMID_SELF, p, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);                 /* untouched */
    assert_int_equal(send(dA, 4095), 0);
    assert_true(pending(dA, 4095));
    assert_int_equal(evclose(dA, 2000), 0);
    assert_int_equal(bind_ipi(dA, 0), 2000);                        /* lowest free again */
}

static void test_bucket_allocation_failure(void **state)
{
    for (int i = 1; i < 64; i++)
        assert_int_equal(bind_ipi(dA, 0), i);
    fake_fail_alloc_after(0);
    assert_int_equal(bind_ipi(dA, 0), -ENOMEM);
    assert_int_equal(dA->valid_evtchns, 64);
    fake_fail_alloc_after(-1);
    assert_int_equal(bind_ipi(dA, 0), 64);
    assert_int_equal(dA->valid_evtchns, 128);
}

static void test_reset(void **state)
{
    int pa = alloc_unbound(dA, DOMID_SELF, 2), pb = bind_interdomain(dB, 1, pa);
    struct evtchn_reset r = { .dom = DOMID_SELF };
    struct evtchn_status st;

    bind_virq(dA, VIRQ_TIMER, 0);
    bind_ipi(dA, 1);
    r.dom = 2;
    assert_int_equal(OP(dA->vcpu[0], reset, r), -EPERM);
    r.dom = 1234;
    assert_int_equal(OP(dA->vcpu[0], reset, r), -ESRCH);
    r.dom = DOMID_SELF;
    assert_int_equal(OP(dA->vcpu[0], reset, r), 0);
    for (uint32_t p = 1; p < 4; p++) {
        assert_int_equal(status(dA, DOMID_SELF, p, &st), 0);
        assert_int_equal(st.status, EVTCHNSTAT_closed);
    }
    assert_int_equal(dA->vcpu[0]->virq_to_evtchn[VIRQ_TIMER], 0);
    assert_int_equal(status(dB, DOMID_SELF, pb, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    r.dom = 1;
    assert_int_equal(OP(dom0->vcpu[0], reset, r), 0);            /* privileged */
}

/* A released domain's channels: the peer's end becomes unbound. */
static void test_release_closes_peer(void **state)
{
    struct domain *dC = create(1, false);
    int pc = alloc_unbound(dC, DOMID_SELF, 1), pa = bind_interdomain(dA, dC->domain_id, pc);
    int pa2 = alloc_unbound(dA, DOMID_SELF, dC->domain_id), pc2 = bind_interdomain(dC, 1, pa2);
    struct evtchn_status st;

    assert_true(pc > 0 && pa > 0 && pa2 > 0 && pc2 > 0);
    fake_domain_destroy(dC);
    assert_int_equal(status(dA, DOMID_SELF, pa, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 3);
    assert_int_equal(status(dA, DOMID_SELF, pa2, &st), 0);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(send(dA, pa), 0);
}

/* A dying domain opens no ports, and a released one's id cannot be bound. */
static void test_dying_domain(void **state)
{
    struct domain *dC = create(1, false);
    int pc = alloc_unbound(dC, DOMID_SELF, 1);

    assert_true(domain_get(dC));
    fake_domain_destroy(dC);                                    /* dying, our reference left */
    assert_int_equal(bind_interdomain(dA, 3, pc), -ESRCH);
    assert_int_equal(alloc_unbound(dC, DOMID_SELF, 1), -EINVAL);
    assert_int_equal(bind_ipi(dC, 0), -EINVAL);
    assert_int_equal(alloc_unbound(dom0, 3, 1), -ESRCH);
    domain_put(dC);
}

/* SCHEDOP_poll's wake-up: pending on a polled port ends the poll, masked or not. */
static void test_pollers_woken(void **state)
{
    struct vcpu *v = dA->vcpu[1];
    int p = bind_ipi(dA, 0), q = bind_ipi(dA, 0);

    set_mask(dA, p, true);
    set_mask(dA, q, true);
    dA->poll_mask = 1ULL << 1;
    v->poll_evtchn = q;
    v->pause_flags |= VPF_blocked;
    assert_int_equal(send(dA, p), 0);               /* another port */
    assert_true(v->pause_flags & VPF_blocked);
    assert_int_equal(send(dA, q), 0);
    assert_false(v->pause_flags & VPF_blocked);
    assert_int_equal(dA->poll_mask, 0);
    assert_int_equal(v->poll_evtchn, 0);
    assert_ptr_equal(fake_last_wake, v);
    assert_false(vcpu_poll_end(v));                 /* no longer polling */

    dA->poll_mask = 1ULL << 1;                      /* polling several ports: any wakes */
    v->poll_evtchn = -1;
    v->pause_flags |= VPF_blocked;
    assert_int_equal(send(dA, p), 0);               /* still pending: no edge */
    assert_true(v->pause_flags & VPF_blocked);
    guest_ack(dA->vcpu[0]);
    assert_int_equal(send(dA, p), 0);
    assert_false(v->pause_flags & VPF_blocked);
    assert_true(evtchn_port_is_pending(dA, p));
    assert_false(evtchn_port_is_pending(dA, q));
    assert_false(evtchn_port_is_pending(dA, 4096));
    assert_false(evtchn_port_is_pending(dA, UINT32_MAX));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_alloc_unbound),
        T(test_interdomain_send_both_ways),
        T(test_interdomain_errors),
        T(test_loopback_channel),
        T(test_close_interdomain),
        T(test_virq),
        T(test_ipi),
        T(test_masked_delivery),
        T(test_status_and_hostile_ports),
        T(test_bad_commands_and_pointers),
        T(test_port_exhaustion),
        T(test_bucket_allocation_failure),
        T(test_reset),
        T(test_release_closes_peer),
        T(test_dying_domain),
        T(test_pollers_woken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
