/*
 * schedctl: the scheduler's run-time interface, domctl (hypercall 36)
 * XEN_DOMCTL_scheduler_op and set/getvcpuaffinity, on another domain.
 *
 * Privileged (the first module with `dom0` on Sable's command line): reads
 * the target's BVT parameters, changes them, and checks that bad input
 * (weights 0 / too large, caps above 100% x vCPUs, warp values out of
 * range, a wrong scheduler id or command, absent CPUs, a vCPU or domain
 * that does not exist, a wrong interface version, bad pointers) is refused
 * with Xen's error and changes nothing. Unprivileged: every call is -EPERM
 * (-ESRCH for a domain that does not exist, as Xen checks that first).
 *
 * Command line: target=<domid> (default 1), vcpus=<its vCPUs> (default 1),
 * weight=<its weight at start> (default 256), set_weight=<w> (default
 * 768: what it is left with), cpus=<online CPUs> (default 2).
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>

const char test_title[] = "schedctl: domctl scheduler_op and vCPU affinity";

static struct xen_domctl op;
static uint8_t map[16];
static domid_t target;

static struct xen_domctl *op_new(uint32_t cmd, domid_t dom)
{
    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op.domain = dom;
    return &op;
}

static struct xen_domctl *sched_op(uint32_t cmd, domid_t dom)
{
    op_new(XEN_DOMCTL_scheduler_op, dom);
    op.u.scheduler_op.sched_id = XEN_SCHEDULER_SABLE_BVT;
    op.u.scheduler_op.cmd = cmd;
    return &op;
}

static long getinfo(struct xen_domctl_sched_sable_bvt *b)
{
    long rc;

    sched_op(XEN_DOMCTL_SCHEDOP_getinfo, target);
    rc = hypercall_domctl(&op);
    *b = op.u.scheduler_op.u.sable_bvt;
    return rc;
}

static long putinfo(const struct xen_domctl_sched_sable_bvt *b)
{
    sched_op(XEN_DOMCTL_SCHEDOP_putinfo, target);
    op.u.scheduler_op.u.sable_bvt = *b;
    return hypercall_domctl(&op);
}

static long affinity(uint32_t cmd, uint32_t vcpu, uint32_t flags, uint64_t mask, uint32_t bits)
{
    op_new(cmd, target);
    memset(map, 0, sizeof(map));
    memcpy(map, &mask, sizeof(mask));
    op.u.vcpuaffinity.vcpu = vcpu;
    op.u.vcpuaffinity.flags = flags;
    op.u.vcpuaffinity.cpumap_hard.bitmap = guest_handle_from_ptr(map);
    op.u.vcpuaffinity.cpumap_hard.nr_bits = bits;
    op.u.vcpuaffinity.cpumap_soft.bitmap = guest_handle_from_ptr(map);
    op.u.vcpuaffinity.cpumap_soft.nr_bits = bits;
    return hypercall_domctl(&op);
}

static bool same(const struct xen_domctl_sched_sable_bvt *a,
                 const struct xen_domctl_sched_sable_bvt *b)
{
    return !memcmp(a, b, sizeof(*a));
}

static void check_parameters(unsigned int vcpus, uint32_t weight, uint32_t set_weight)
{
    struct xen_domctl_sched_sable_bvt b, now;
    struct xen_domctl_sched_sable_bvt bad[] = {
        { .weight = 0 }, { .weight = 65536 }, { .weight = 0xffffffff },
        { .weight = 256, .cap = 100 * vcpus + 1 }, { .weight = 256, .cap = 0xffffffff },
        { .weight = 256, .warp = 1000000001 }, { .weight = 256, .warpl = 10000000001ULL },
        { .weight = 256, .warpu = ~0ULL },
    };

    CHECK_RC("getinfo", getinfo(&b), 0);
    CHECK_EQ("getinfo-weight", b.weight, weight);
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        char name[40];
        snprintf(name, sizeof(name), "putinfo-bad-%u", i);
        CHECK_RC(name, putinfo(&bad[i]), -XEN_EINVAL);
        getinfo(&now);
        snprintf(name, sizeof(name), "putinfo-bad-%u-unchanged", i);
        check(name, same(&b, &now), "weight %u cap %u", now.weight, now.cap);
    }
    sched_op(XEN_DOMCTL_SCHEDOP_getinfo, target);
    op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT;
    CHECK_RC("schedop-wrong-scheduler", hypercall_domctl(&op), -XEN_EINVAL);
    sched_op(XEN_DOMCTL_SCHEDOP_putvcpuinfo, target);
    CHECK_RC("schedop-putvcpuinfo", hypercall_domctl(&op), -XEN_EINVAL);
    sched_op(7, target);
    CHECK_RC("schedop-bad-cmd", hypercall_domctl(&op), -XEN_EINVAL);

    b.weight = set_weight;
    b.warp = 2000000;
    CHECK_RC("putinfo", putinfo(&b), 0);
    CHECK_RC("getinfo-again", getinfo(&now), 0);
    check("putinfo-took-effect", same(&b, &now), "weight %u warp %lu", now.weight, now.warp);
    printf("SCHEDCTL target=%u weight=%u cap=%u warp=%lu warpl=%lu warpu=%lu\n", target,
           now.weight, now.cap, now.warp, now.warpl, now.warpu);
}

static void check_affinity(unsigned int vcpus, unsigned int cpus)
{
    uint64_t all = (1ULL << cpus) - 1, got;

    CHECK_RC("affinity-set-hard", affinity(XEN_DOMCTL_setvcpuaffinity, 0,
                                           XEN_VCPUAFFINITY_HARD, all, 64), 0);
    CHECK_RC("affinity-get", affinity(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, 0,
                                      64), 0);
    memcpy(&got, map, sizeof(got));
    CHECK_EQ("affinity-get-mask", got, all);
    CHECK_RC("affinity-absent-cpu", affinity(XEN_DOMCTL_setvcpuaffinity, 0,
                                             XEN_VCPUAFFINITY_HARD, 1ULL << cpus, 64),
             -XEN_EINVAL);
    CHECK_RC("affinity-cpu-63", affinity(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD,
                                         1ULL << 63, 64), -XEN_EINVAL);
    CHECK_RC("affinity-empty", affinity(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD,
                                        0, 64), -XEN_EINVAL);
    CHECK_RC("affinity-no-flags", affinity(XEN_DOMCTL_setvcpuaffinity, 0, 0, all, 64),
             -XEN_EINVAL);
    CHECK_RC("affinity-bad-vcpu", affinity(XEN_DOMCTL_setvcpuaffinity, vcpus,
                                           XEN_VCPUAFFINITY_HARD, all, 64), -XEN_EINVAL);
    affinity(XEN_DOMCTL_getvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD, 0, 64);
    memcpy(&got, map, sizeof(got));
    CHECK_EQ("affinity-unchanged", got, all);
    op_new(XEN_DOMCTL_setvcpuaffinity, target);
    op.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    op.u.vcpuaffinity.cpumap_hard.bitmap = 0x1000;
    op.u.vcpuaffinity.cpumap_hard.nr_bits = 64;
    CHECK_RC("affinity-bad-pointer", hypercall_domctl(&op), -XEN_EFAULT);
}

static void check_domctl_errors(void)
{
    sched_op(XEN_DOMCTL_SCHEDOP_getinfo, target);
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION + 1;
    CHECK_RC("domctl-bad-version", hypercall_domctl(&op), -XEN_EACCES);
    sched_op(XEN_DOMCTL_SCHEDOP_getinfo, 1000);
    CHECK_RC("domctl-no-domain", hypercall_domctl(&op), -XEN_ESRCH);
    op_new(XEN_DOMCTL_gethvmcontext, target);
    CHECK_RC("domctl-unknown-cmd", hypercall_domctl(&op), -XEN_ENOSYS);
    CHECK_RC("domctl-null", hypercall_domctl(NULL), -XEN_EFAULT);
    CHECK_RC("domctl-kernel-half", hypercall_domctl((struct xen_domctl *)0xffff800000000000ULL),
             -XEN_EFAULT);
}

/* Not privileged: nothing but -EPERM (and -ESRCH, checked first). */
static void check_unprivileged(void)
{
    struct xen_domctl_sched_sable_bvt b = { .weight = 1 };

    CHECK_RC("unpriv-getinfo", getinfo(&b), -XEN_EPERM);
    b.weight = 1;
    CHECK_RC("unpriv-putinfo", putinfo(&b), -XEN_EPERM);
    CHECK_RC("unpriv-affinity", affinity(XEN_DOMCTL_setvcpuaffinity, 0, XEN_VCPUAFFINITY_HARD,
                                         1, 64), -XEN_EPERM);
    sched_op(XEN_DOMCTL_SCHEDOP_getinfo, 1000);
    CHECK_RC("unpriv-no-domain", hypercall_domctl(&op), -XEN_ESRCH);
}

void test_main(void)
{
    unsigned int vcpus = cmdline_get_ulong("vcpus", 1);

    target = (domid_t)cmdline_get_ulong("target", 1);
    if (!(start_info->flags & SIF_PRIVILEGED)) {
        check_unprivileged();
        return;
    }
    check_domctl_errors();
    check_affinity(vcpus, cmdline_get_ulong("cpus", 2));
    check_parameters(vcpus, cmdline_get_ulong("weight", 256), cmdline_get_ulong("set_weight", 768));
}
