/*
 * domctl through hypercall_dispatch with the real scheduler: scheduler_op
 * putinfo/getinfo of BVT parameters and set/getvcpuaffinity, by the
 * privileged domain; the checks in Xen's order (-EFAULT, -EACCES, -ESRCH,
 * -EPERM, -ENOSYS), and every bad value refused with nothing changed.
 * SOURCES: hypervisor/common/domctl.c hypervisor/common/domctl_domain.c hypervisor/common/hypercall.c hypervisor/common/schedule.c hypervisor/common/sched_bvt.c hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/console_io.c hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#define FAKE_PV_REAL_SCHEDULER
#include "fake_pv.h"

#include <sable/sched_if.h>
#include <public/domctl.h>

#define NR_CPUS_ONLINE 4
#define OP_AT   0           /* guest offsets: the domctl structure */
#define MAP_AT  1024        /* a bitmap */

static struct domain *dom0, *d1;

static int setup(void **state)
{
    struct domain_config c = { .name = "d1", .max_vcpus = 2, .max_pages = 1,
                               .sched = { .weight = 512, .cap = 150, .warp = 1000 } };

    fake_reset_with_table();
    dom0 = fake_domain_new(1, 1, true);
    assert_int_equal(domain_create(&c, false, &d1), 0);
    fake_current = dom0->vcpu[0];
    return 0;
}

static int teardown(void **state)
{
    fake_current = NULL;
    fake_domain_destroy(d1);
    fake_domain_destroy(dom0);
    fake_check_all_returned();
    return 0;
}

static struct xen_domctl *op_new(uint32_t cmd, domid_t dom)
{
    struct xen_domctl *op = gptr(OP_AT);

    memset(op, 0, sizeof(*op));
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
    return op;
}

static long domctl(void)
{
    return hypercall_dispatch(__HYPERVISOR_domctl, gva(OP_AT), 0, 0, 0, 0);
}

static struct xen_domctl *sched_op(uint32_t cmd, domid_t dom)
{
    struct xen_domctl *op = op_new(XEN_DOMCTL_scheduler_op, dom);

    op->u.scheduler_op.sched_id = XEN_SCHEDULER_SABLE_BVT;
    op->u.scheduler_op.cmd = cmd;
    return op;
}

/* getinfo of d1 into *b; 0 or the error. */
static long getinfo(struct xen_domctl_sched_sable_bvt *b)
{
    struct xen_domctl *op = sched_op(XEN_DOMCTL_SCHEDOP_getinfo, d1->domain_id);
    long rc = domctl();

    *b = op->u.scheduler_op.u.sable_bvt;
    return rc;
}

static long putinfo(struct xen_domctl_sched_sable_bvt b)
{
    struct xen_domctl *op = sched_op(XEN_DOMCTL_SCHEDOP_putinfo, d1->domain_id);

    op->u.scheduler_op.u.sable_bvt = b;
    return domctl();
}

static void test_get_and_put_bvt_parameters(void **state)
{
    struct xen_domctl_sched_sable_bvt b, want = { .weight = 768, .cap = 200, .warp = 5000000,
                                                 .warpl = 2000000, .warpu = 30000000 };

    assert_int_equal(getinfo(&b), 0);                   /* copied back */
    assert_int_equal(b.weight, 512);
    assert_int_equal(b.cap, 150);
    assert_int_equal(b.warp, 1000);
    assert_int_equal(putinfo(want), 0);
    assert_int_equal(getinfo(&b), 0);
    assert_memory_equal(&b, &want, sizeof(b));
}

static void test_bad_parameters_change_nothing(void **state)
{
    const struct xen_domctl_sched_sable_bvt bads[] = {
        { .weight = 0 },
        { .weight = 65536 },
        { .weight = UINT32_MAX },
        { .weight = 1, .cap = 201 },                    /* d1 has 2 vCPUs */
        { .weight = 1, .cap = UINT32_MAX },
        { .weight = 1, .warp = 1000000001 },
        { .weight = 1, .warp = UINT64_MAX },
        { .weight = 1, .warpl = 10000000001ULL },
        { .weight = 1, .warpu = UINT64_MAX },
    };
    struct xen_domctl_sched_sable_bvt before, after;

    assert_int_equal(getinfo(&before), 0);
    for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
        assert_int_equal(putinfo(bads[i]), -EINVAL);
        assert_int_equal(getinfo(&after), 0);
        assert_memory_equal(&before, &after, sizeof(before));
    }
    /* Edges are fine. */
    assert_int_equal(putinfo((struct xen_domctl_sched_sable_bvt){ .weight = 65535, .cap = 200,
                     .warp = 1000000000, .warpl = 10000000000ULL, .warpu = 10000000000ULL }), 0);
}

static void test_scheduler_op_errors(void **state)
{
    struct xen_domctl *op;

    op = sched_op(XEN_DOMCTL_SCHEDOP_getinfo, d1->domain_id);
    op->u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;        /* not the running one */
    assert_int_equal(domctl(), -EINVAL);
    sched_op(XEN_DOMCTL_SCHEDOP_putvcpuinfo, d1->domain_id);
    assert_int_equal(domctl(), -EINVAL);
    sched_op(XEN_DOMCTL_SCHEDOP_getvcpuinfo, d1->domain_id);
    assert_int_equal(domctl(), -EINVAL);
    sched_op(99, d1->domain_id);
    assert_int_equal(domctl(), -EINVAL);
}

/* Xen's order: -EFAULT, -EACCES, -ESRCH, -EPERM, then the command. */
static void test_domctl_checks_in_order(void **state)
{
    struct xen_domctl *op;

    assert_int_equal(hypercall_dispatch(__HYPERVISOR_domctl, 0, 0, 0, 0, 0), -EFAULT);
    assert_int_equal(hypercall_dispatch(__HYPERVISOR_domctl, gva(GUEST_SIZE - 8), 0, 0, 0, 0),
                     -EFAULT);
    op = sched_op(XEN_DOMCTL_SCHEDOP_getinfo, d1->domain_id);
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
    assert_int_equal(domctl(), -EACCES);
    sched_op(XEN_DOMCTL_SCHEDOP_getinfo, 999);
    assert_int_equal(domctl(), -ESRCH);
    sched_op(XEN_DOMCTL_SCHEDOP_getinfo, DOMID_SELF);
    assert_int_equal(domctl(), -ESRCH);
    sched_op(XEN_DOMCTL_SCHEDOP_getinfo, DOMID_FIRST_RESERVED + 5);
    assert_int_equal(domctl(), -ESRCH);
    op_new(XEN_DOMCTL_gethvmcontext, d1->domain_id);
    assert_int_equal(domctl(), -ENOSYS);
    op_new(UINT32_MAX, d1->domain_id);
    assert_int_equal(domctl(), -ENOSYS);

    /* An unprivileged caller: -EPERM for everything, even on itself. */
    fake_current = d1->vcpu[0];
    sched_op(XEN_DOMCTL_SCHEDOP_getinfo, d1->domain_id);
    assert_int_equal(domctl(), -EPERM);
    op = sched_op(XEN_DOMCTL_SCHEDOP_putinfo, dom0->domain_id);
    op->u.scheduler_op.u.sable_bvt.weight = 1;
    assert_int_equal(domctl(), -EPERM);
    sched_op(XEN_DOMCTL_SCHEDOP_getinfo, 999);
    assert_int_equal(domctl(), -ESRCH);
    op_new(XEN_DOMCTL_setvcpuaffinity, d1->domain_id);
    assert_int_equal(domctl(), -EPERM);
    fake_current = dom0->vcpu[0];
    struct sched_params p;
    sched_params_get(dom0, &p);
    assert_int_equal(p.weight, SCHED_WEIGHT_DEFAULT);
}

/* set/getvcpuaffinity with a bitmap of nbits at MAP_AT holding mask. */
static struct xen_domctl *affinity_op(uint32_t cmd, uint32_t vcpu, uint32_t flags,
                                      uint32_t nbits, uint64_t mask)
{
    struct xen_domctl *op = op_new(cmd, d1->domain_id);
    struct xen_domctl_vcpuaffinity *a = &op->u.vcpuaffinity;

    memset(gptr(MAP_AT), 0, 1024);
    memcpy(gptr(MAP_AT), &mask, sizeof(mask));
    a->vcpu = vcpu;
    a->flags = flags;
    a->cpumap_hard.bitmap = gva(MAP_AT);
    a->cpumap_hard.nr_bits = nbits;
    a->cpumap_soft.bitmap = gva(MAP_AT);
    a->cpumap_soft.nr_bits = nbits;
    return op;
}

static void test_vcpu_affinity(void **state)
{
    struct vcpu *v = d1->vcpu[1];
    uint64_t got = 0;

    affinity_op(XEN_DOMCTL_setvcpuaffinity, 1, XEN_VCPUAFFINITY_HARD, 8, 0x6);
    assert_int_equal(domctl(), 0);
    assert_int_equal(v->hard_affinity, 0x6);
    memcpy(&got, gptr(MAP_AT), 8);
    assert_int_equal(got, 0x6);                         /* effective mask handed back */
    affinity_op(XEN_DOMCTL_setvcpuaffinity, 1, XEN_VCPUAFFINITY_SOFT, 64, 0x4);
    assert_int_equal(domctl(), 0);
    assert_int_equal(v->soft_affinity, 0x4);
    assert_int_equal(v->hard_affinity, 0x6);

    affinity_op(XEN_DOMCTL_getvcpuaffinity, 1, XEN_VCPUAFFINITY_HARD, 16, ~0ULL);
    assert_int_equal(domctl(), 0);
    memcpy(&got, gptr(MAP_AT), 8);
    assert_int_equal(got, 0xffffffffffff0006ULL);      /* 2 bytes written, the rest kept */

    /* Refused, nothing changed: */
    const struct { uint32_t vcpu, flags, nbits; uint64_t mask; long rc; } bad[] = {
        { 1, XEN_VCPUAFFINITY_HARD, 8, 0x10, -EINVAL },     /* CPU 4 is not online */
        { 1, XEN_VCPUAFFINITY_HARD, 64, 1ULL << 63, -EINVAL },
        { 1, XEN_VCPUAFFINITY_HARD, 8, 0, -EINVAL },        /* no CPU at all */
        { 1, XEN_VCPUAFFINITY_SOFT, 8, 0x30, -EINVAL },
        { 1, XEN_VCPUAFFINITY_HARD, 4097, 1, -EINVAL },     /* too long a bitmap */
        { 1, 0, 8, 1, -EINVAL },                            /* neither hard nor soft */
        { 2, XEN_VCPUAFFINITY_HARD, 8, 1, -EINVAL },        /* no such vCPU */
        { UINT32_MAX, XEN_VCPUAFFINITY_HARD, 8, 1, -EINVAL },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        affinity_op(XEN_DOMCTL_setvcpuaffinity, bad[i].vcpu, bad[i].flags, bad[i].nbits,
                    bad[i].mask);
        assert_int_equal(domctl(), bad[i].rc);
        assert_int_equal(v->hard_affinity, 0x6);
        assert_int_equal(v->soft_affinity, 0x4);
    }
    /* A bit beyond 64 CPUs in a long bitmap. */
    affinity_op(XEN_DOMCTL_setvcpuaffinity, 1, XEN_VCPUAFFINITY_HARD, 128, 1);
    ((uint8_t *)gptr(MAP_AT))[12] = 1;
    assert_int_equal(domctl(), -EINVAL);
    /* Unreadable bitmaps. */
    struct xen_domctl *op = affinity_op(XEN_DOMCTL_setvcpuaffinity, 1, XEN_VCPUAFFINITY_HARD,
                                        8, 1);
    op->u.vcpuaffinity.cpumap_hard.bitmap = 0x1000;
    assert_int_equal(domctl(), -EFAULT);
    op = affinity_op(XEN_DOMCTL_getvcpuaffinity, 1, XEN_VCPUAFFINITY_SOFT, 8, 1);
    op->u.vcpuaffinity.cpumap_soft.bitmap = gva(GUEST_SIZE);
    assert_int_equal(domctl(), -EFAULT);
    assert_int_equal(v->hard_affinity, 0x6);
    assert_int_equal(v->soft_affinity, 0x4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_get_and_put_bvt_parameters),
        T(test_bad_parameters_change_nothing),
        T(test_scheduler_op_errors),
        T(test_domctl_checks_in_order),
        T(test_vcpu_affinity),
#undef T
    };

    for (unsigned int cpu = 0; cpu < NR_CPUS_ONLINE; cpu++)
        assert_int_equal(sched_cpu_add(cpu), 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
