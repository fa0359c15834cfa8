/*
 * domctl's domain lifecycle (createdomain, destroydomain, pause/unpause,
 * getdomaininfo, max_mem, max_vcpus, set/getvcpucontext, getvcpuinfo) and
 * sysctl (physinfo, getdomaininfolist) through hypercall_dispatch, as dom0
 * calls them: every hostile argument refused with Xen's error and nothing
 * created or changed, every domain's resources back at the end.
 * SOURCES: hypervisor/common/domctl.c hypervisor/common/domctl_domain.c hypervisor/common/sysctl.c hypervisor/common/hypercall.c hypervisor/common/schedule.c hypervisor/common/sched_bvt.c hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/console_io.c hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#define FAKE_PV_REAL_SCHEDULER
#include "fake_pv.h"

#include <sable/domctl.h>
#include <sable/sched_if.h>
#include <public/sched.h>
#include <public/domctl.h>
#include <public/sysctl.h>

#define NR_CPUS_ONLINE 2
#define OP_AT   0           /* guest offsets: the domctl / sysctl structure */
#define BUF_AT  1024        /* a buffer (vCPU context, domain info list) */

static struct domain *dom0, *d1;

/* ---- the fakes sysctl needs ---- */

unsigned long buddy_free_frames(void) { return 1234; }

void arch_physinfo(struct xen_sysctl_physinfo *pi)
{
    pi->max_cpu_id = 63;
    pi->cpu_khz = 2500000;
    pi->capabilities = XEN_SYSCTL_PHYSCAP_pv;
    pi->total_pages = 4096;
    pi->max_mfn = 4095;
}

/* ---- helpers ---- */

static int setup(void **state)
{
    fake_reset_with_table();
    dom0 = fake_domain_new(1, 1, true);
    d1 = fake_domain_new(2, 8, false);
    fake_current = dom0->vcpu[0];
    return 0;
}

static int teardown(void **state)
{
    fake_current = NULL;
    if (d1)
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

/* A createdomain request for a PV domain with vcpus vCPUs. */
static struct xen_domctl *create_op(domid_t want, uint32_t vcpus)
{
    struct xen_domctl *op = op_new(XEN_DOMCTL_createdomain, want);

    op->u.createdomain.max_vcpus = vcpus;
    op->u.createdomain.max_evtchn_port = 1023;
    op->u.createdomain.max_grant_frames = -1;
    op->u.createdomain.max_maptrack_frames = -1;
    op->u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
    return op;
}

static long simple(uint32_t cmd, domid_t dom)
{
    op_new(cmd, dom);
    return domctl();
}

static struct xen_domctl_getdomaininfo info_of(domid_t dom)
{
    struct xen_domctl *op = op_new(XEN_DOMCTL_getdomaininfo, dom);

    assert_int_equal(domctl(), 0);
    assert_int_equal(op->domain, dom);
    return op->u.getdomaininfo;
}

/* ---- createdomain / destroydomain ---- */

static void test_create_and_destroy(void **state)
{
    unsigned int before = domain_count();
    struct xen_domctl *op = create_op(0, 3);
    struct xen_domctl_getdomaininfo info;
    domid_t id;

    assert_int_equal(domctl(), 0);
    id = op->domain;                            /* a free id */
    assert_true(id > d1->domain_id && id < DOMID_FIRST_RESERVED);
    assert_int_equal(domain_count(), before + 1);
    info = info_of(id);
    assert_int_equal(info.domain, id);
    assert_int_equal(info.flags, XEN_DOMINF_paused);    /* created paused, no vCPU up */
    assert_int_equal(info.max_vcpu_id, 2);
    assert_int_equal(info.nr_online_vcpus, 0);
    assert_int_equal(info.tot_pages, 0);
    assert_int_equal(info.max_pages, 0);                /* until max_mem */
    assert_int_not_equal(info.shared_info_frame, 0);

    op = op_new(XEN_DOMCTL_max_vcpus, id);
    op->u.max_vcpus.max = 3;
    assert_int_equal(domctl(), 0);
    op->u.max_vcpus.max = 4;
    assert_int_equal(domctl(), -EINVAL);

    assert_int_equal(simple(XEN_DOMCTL_destroydomain, id), 0);
    assert_int_equal(domain_count(), before);
    assert_int_equal(simple(XEN_DOMCTL_getdomaininfo, id), -ESRCH);
    assert_int_equal(simple(XEN_DOMCTL_destroydomain, id), -ESRCH);

    /* As Xen, the next domain does not get the id just given back. */
    op = create_op(0, 1);
    assert_int_equal(domctl(), 0);
    assert_int_equal(op->domain, id + 1);
    assert_int_equal(simple(XEN_DOMCTL_destroydomain, id + 1), 0);
}

static void test_create_with_chosen_id(void **state)
{
    struct xen_domctl *op = create_op(77, 1);

    assert_int_equal(domctl(), 0);
    assert_int_equal(op->domain, 77);
    create_op(77, 1);
    assert_int_equal(domctl(), -EEXIST);            /* taken now */
    create_op(d1->domain_id, 1);
    assert_int_equal(domctl(), -EEXIST);
    op = create_op(DOMID_SELF, 1);                   /* reserved: one is chosen */
    assert_int_equal(domctl(), 0);
    assert_true(op->domain > d1->domain_id && op->domain != 77);
    assert_int_equal(simple(XEN_DOMCTL_destroydomain, op->domain), 0);
    assert_int_equal(simple(XEN_DOMCTL_destroydomain, 77), 0);
}

static void test_create_refuses_bad_configs(void **state)
{
    unsigned int before = domain_count();
    struct { uint32_t flags, vcpus, iommu, grant, cpupool, emu, misc, vmtrace; long rc; } bad[] = {
        { .vcpus = 0, .rc = -EINVAL },
        { .vcpus = DOMAIN_MAX_VCPUS + 1, .rc = -EINVAL },
        { .vcpus = UINT32_MAX, .rc = -EINVAL },
        { .flags = 1U << 8, .vcpus = 1, .rc = -EINVAL },            /* unknown flag */
        { .flags = XEN_DOMCTL_CDF_hap, .vcpus = 1, .rc = -EINVAL },  /* HAP for PV */
        { .flags = XEN_DOMCTL_CDF_iommu, .vcpus = 1, .rc = -EINVAL },
        { .flags = XEN_DOMCTL_CDF_xs_domain, .vcpus = 1, .rc = -EINVAL },
        { .flags = XEN_DOMCTL_CDF_vpmu, .vcpus = 1, .rc = -EINVAL },
        { .vcpus = 1, .iommu = 1, .rc = -EINVAL },
        { .vcpus = 1, .grant = 2, .rc = -EINVAL },                  /* grant v2 */
        { .vcpus = 1, .grant = 0x11, .rc = -EINVAL },
        { .vcpus = 1, .cpupool = 3, .rc = -ENOENT },
        { .vcpus = 1, .emu = XEN_X86_EMU_LAPIC, .rc = -EOPNOTSUPP }, /* PV emulates nothing */
        { .vcpus = 1, .misc = 2, .rc = -EINVAL },
        { .vcpus = 1, .vmtrace = 4096, .rc = -EINVAL },
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct xen_domctl *op = create_op(0, bad[i].vcpus);

        op->u.createdomain.flags = bad[i].flags;
        op->u.createdomain.iommu_opts = bad[i].iommu;
        op->u.createdomain.grant_opts = bad[i].grant;
        op->u.createdomain.cpupool_id = bad[i].cpupool;
        op->u.createdomain.arch.emulation_flags = bad[i].emu;
        op->u.createdomain.arch.misc_flags = bad[i].misc;
        op->u.createdomain.vmtrace_size = bad[i].vmtrace;
        assert_int_equal(domctl(), bad[i].rc);
        assert_int_equal(domain_count(), before);
    }
    /* Out of memory on the way: nothing left behind. */
    for (long n = 0; n < 12; n++) {
        create_op(0, 2);
        fake_fail_alloc_after(n);
        long rc = domctl();
        fake_fail_alloc_after(-1);
        if (rc == 0) {
            assert_int_equal(simple(XEN_DOMCTL_destroydomain, ((struct xen_domctl *)gptr(OP_AT))->domain), 0);
            break;
        }
        assert_int_equal(rc, -ENOMEM);
        assert_int_equal(domain_count(), before);
    }
}

/* Xen's order: -EFAULT, -EACCES, -ESRCH, -EPERM; createdomain names no domain. */
static void test_unprivileged_callers(void **state)
{
    unsigned int before = domain_count();
    const uint32_t cmds[] = { XEN_DOMCTL_destroydomain, XEN_DOMCTL_pausedomain,
                              XEN_DOMCTL_unpausedomain, XEN_DOMCTL_getdomaininfo,
                              XEN_DOMCTL_max_mem, XEN_DOMCTL_max_vcpus,
                              XEN_DOMCTL_setvcpucontext, XEN_DOMCTL_getvcpucontext,
                              XEN_DOMCTL_getvcpuinfo };

    fake_current = d1->vcpu[0];
    create_op(0, 1);
    assert_int_equal(domctl(), -EPERM);
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
        assert_int_equal(simple(cmds[i], dom0->domain_id), -EPERM);
        assert_int_equal(simple(cmds[i], d1->domain_id), -EPERM);   /* itself too */
        assert_int_equal(simple(cmds[i], 999), -ESRCH);
    }
    assert_int_equal(domain_count(), before);
    assert_int_equal(d1->state, DOMSTATE_created);
    fake_current = dom0->vcpu[0];
    create_op(0, 1)->interface_version = 0x16;
    assert_int_equal(domctl(), -EACCES);
    assert_int_equal(hypercall_dispatch(__HYPERVISOR_domctl, 0, 0, 0, 0, 0), -EFAULT);
    assert_int_equal(domain_count(), before);
}

/* ---- pause / unpause / self ---- */

static void test_pause_unpause(void **state)
{
    domid_t id = d1->domain_id;

    assert_int_equal(simple(XEN_DOMCTL_unpausedomain, id), 0);
    assert_int_equal(d1->state, DOMSTATE_running);
    assert_int_equal(info_of(id).flags & XEN_DOMINF_paused, 0);
    assert_int_equal(simple(XEN_DOMCTL_unpausedomain, id), -EINVAL);   /* not paused */
    assert_int_equal(simple(XEN_DOMCTL_pausedomain, id), 0);
    assert_int_equal(d1->state, DOMSTATE_paused);
    assert_true(info_of(id).flags & XEN_DOMINF_paused);
    assert_int_equal(simple(XEN_DOMCTL_pausedomain, id), 0);           /* still paused */
    assert_int_equal(simple(XEN_DOMCTL_unpausedomain, id), 0);
    assert_int_equal(d1->state, DOMSTATE_running);

    /* dom0 cannot pause, destroy or re-context itself. */
    assert_int_equal(simple(XEN_DOMCTL_pausedomain, dom0->domain_id), -EINVAL);
    assert_int_equal(simple(XEN_DOMCTL_destroydomain, dom0->domain_id), -EINVAL);
    assert_int_equal(simple(XEN_DOMCTL_setvcpucontext, dom0->domain_id), -EINVAL);
    assert_int_equal(dom0->state, DOMSTATE_created);

    /* Shut down: no pausing or unpausing any more; the code shows. */
    domain_shutdown(d1, SHUTDOWN_reboot);
    assert_int_equal(simple(XEN_DOMCTL_pausedomain, id), -EINVAL);
    assert_int_equal(simple(XEN_DOMCTL_unpausedomain, id), -EINVAL);
    assert_int_equal(info_of(id).flags & ~(XEN_DOMINF_blocked | XEN_DOMINF_running),
                     XEN_DOMINF_shutdown | (SHUTDOWN_reboot << XEN_DOMINF_shutdownshift));
}

static void test_max_mem(void **state)
{
    struct xen_domctl *op = op_new(XEN_DOMCTL_max_mem, d1->domain_id);
    struct page_info *pg[3];

    op->u.max_mem.max_memkb = 8 + 3;            /* 2 frames and a bit: 2 */
    assert_int_equal(domctl(), 0);
    assert_int_equal(info_of(d1->domain_id).max_pages, 2);
    pg[0] = domain_alloc_page(d1);
    pg[1] = domain_alloc_page(d1);
    assert_non_null(pg[0]);
    assert_non_null(pg[1]);
    assert_null(domain_alloc_page(d1));
    assert_int_equal(info_of(d1->domain_id).tot_pages, 2);
    op = op_new(XEN_DOMCTL_max_mem, d1->domain_id);
    op->u.max_mem.max_memkb = 4;                /* below what it owns: kept, no more */
    assert_int_equal(domctl(), 0);
    assert_null(domain_alloc_page(d1));
    op = op_new(XEN_DOMCTL_max_mem, d1->domain_id);
    op->u.max_mem.max_memkb = UINT64_MAX;       /* no overflow */
    assert_int_equal(domctl(), 0);
    pg[2] = domain_alloc_page(d1);
    assert_non_null(pg[2]);
    for (int i = 0; i < 3; i++)
        assert_int_equal(domain_free_page(d1, pg[i]), 0);
}

/* ---- vCPU contexts and info ---- */

static struct xen_domctl *context_op(uint32_t cmd, uint32_t vcpu, uint64_t ctxt)
{
    struct xen_domctl *op = op_new(cmd, d1->domain_id);

    op->u.vcpucontext.vcpu = vcpu;
    op->u.vcpucontext.ctxt = ctxt;
    return op;
}

static struct xen_domctl_getvcpuinfo vcpuinfo(uint32_t vcpu, long want_rc)
{
    struct xen_domctl *op = op_new(XEN_DOMCTL_getvcpuinfo, d1->domain_id);

    op->u.getvcpuinfo.vcpu = vcpu;
    assert_int_equal(domctl(), want_rc);
    return op->u.getvcpuinfo;
}

static void test_vcpu_context(void **state)
{
    struct vcpu_guest_context *c = gptr(BUF_AT);

    assert_int_equal(vcpuinfo(0, 0).online, 0);
    vcpuinfo(2, -EINVAL);
    vcpuinfo(UINT32_MAX, -EINVAL);

    context_op(XEN_DOMCTL_getvcpucontext, 0, gva(BUF_AT));
    assert_int_equal(domctl(), -ENODATA);               /* none yet */
    context_op(XEN_DOMCTL_setvcpucontext, 2, gva(BUF_AT));
    assert_int_equal(domctl(), -EINVAL);
    context_op(XEN_DOMCTL_setvcpucontext, 0, 0);
    assert_int_equal(domctl(), -EOPNOTSUPP);            /* Xen's vCPU reset */
    context_op(XEN_DOMCTL_setvcpucontext, 0, gva(GUEST_SIZE));
    assert_int_equal(domctl(), -EFAULT);
    memset(c, 0, sizeof(*c));
    *(uint64_t *)c = 0xbad;                             /* the fake arch refuses it */
    context_op(XEN_DOMCTL_setvcpucontext, 0, gva(BUF_AT));
    assert_int_equal(domctl(), -EINVAL);
    assert_false(d1->vcpu[0]->is_initialised);

    memset(c, 0, sizeof(*c));
    c->flags = VGCF_online;
    context_op(XEN_DOMCTL_setvcpucontext, 0, gva(BUF_AT));
    assert_int_equal(domctl(), 0);
    assert_true(d1->vcpu[0]->is_initialised);
    assert_int_equal(vcpuinfo(0, 0).online, 1);
    assert_int_equal(info_of(d1->domain_id).nr_online_vcpus, 1);
    context_op(XEN_DOMCTL_setvcpucontext, 0, gva(BUF_AT));
    assert_int_equal(domctl(), -EEXIST);                /* once */
    c->flags = 0;                                       /* vCPU 1: loaded, stays down */
    context_op(XEN_DOMCTL_setvcpucontext, 1, gva(BUF_AT));
    assert_int_equal(domctl(), 0);
    assert_int_equal(vcpuinfo(1, 0).online, 0);

    memset(c, 0, sizeof(*c));
    context_op(XEN_DOMCTL_getvcpucontext, 1, gva(BUF_AT));
    assert_int_equal(domctl(), 0);
    assert_int_equal(c->user_regs.rip, 0x5ab1e001);
    context_op(XEN_DOMCTL_getvcpucontext, 1, gva(GUEST_SIZE - 8));
    assert_int_equal(domctl(), -EFAULT);
    context_op(XEN_DOMCTL_getvcpucontext, 7, gva(BUF_AT));
    assert_int_equal(domctl(), -EINVAL);
}

static void test_hypercall_init(void **state)
{
    struct page_info *pg = domain_alloc_page(d1), *other = domain_alloc_page(dom0);
    struct xen_domctl *op = op_new(XEN_DOMCTL_hypercall_init, d1->domain_id);

    op->u.hypercall_init.gmfn = page_to_mfn(other);             /* not d1's */
    assert_int_equal(domctl(), -EINVAL);
    op->u.hypercall_init.gmfn = UINT64_MAX;
    assert_int_equal(domctl(), -EINVAL);
    op->u.hypercall_init.gmfn = page_to_mfn(pg);
    assert_int_equal(domctl(), 0);
    assert_int_equal(fake_hypercall_gmfn, page_to_mfn(pg));
    fake_current = d1->vcpu[0];
    assert_int_equal(domctl(), -EPERM);
    fake_current = dom0->vcpu[0];
    assert_int_equal(domain_free_page(d1, pg), 0);
    assert_int_equal(domain_free_page(dom0, other), 0);
}

/* ---- sysctl ---- */

static struct xen_sysctl *sysctl_new(uint32_t cmd)
{
    struct xen_sysctl *op = gptr(OP_AT);

    memset(op, 0, sizeof(*op));
    op->cmd = cmd;
    op->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return op;
}

static long sysctl(void)
{
    return hypercall_dispatch(__HYPERVISOR_sysctl, gva(OP_AT), 0, 0, 0, 0);
}

static void test_sysctl_checks(void **state)
{
    assert_int_equal(hypercall_dispatch(__HYPERVISOR_sysctl, 0, 0, 0, 0, 0), -EFAULT);
    sysctl_new(XEN_SYSCTL_physinfo)->interface_version = XEN_SYSCTL_INTERFACE_VERSION + 1;
    assert_int_equal(sysctl(), -EACCES);
    sysctl_new(XEN_SYSCTL_readconsole);
    assert_int_equal(sysctl(), -ENOSYS);
    fake_current = d1->vcpu[0];
    sysctl_new(XEN_SYSCTL_physinfo);
    assert_int_equal(sysctl(), -EPERM);
    assert_int_equal(((struct xen_sysctl *)gptr(OP_AT))->u.physinfo.nr_cpus, 0);
    sysctl_new(XEN_SYSCTL_getdomaininfolist);
    assert_int_equal(sysctl(), -EPERM);
}

static void test_physinfo(void **state)
{
    struct xen_sysctl *op = sysctl_new(XEN_SYSCTL_physinfo);

    assert_int_equal(sysctl(), 0);
    assert_int_equal(op->u.physinfo.nr_cpus, NR_CPUS_ONLINE);
    assert_int_equal(op->u.physinfo.free_pages, 1234);
    assert_int_equal(op->u.physinfo.total_pages, 4096);
    assert_int_equal(op->u.physinfo.cpu_khz, 2500000);
    assert_int_equal(op->u.physinfo.capabilities, XEN_SYSCTL_PHYSCAP_pv);
    assert_int_equal(op->u.physinfo.nr_nodes, 1);
}

static struct xen_sysctl *infolist(domid_t first, uint32_t max, uint64_t buf, long want_rc)
{
    struct xen_sysctl *op = sysctl_new(XEN_SYSCTL_getdomaininfolist);

    op->u.getdomaininfolist.first_domain = first;
    op->u.getdomaininfolist.max_domains = max;
    op->u.getdomaininfolist.buffer = buf;
    assert_int_equal(sysctl(), want_rc);
    return op;
}

static void test_getdomaininfolist(void **state)
{
    struct xen_domctl_getdomaininfo *out = gptr(BUF_AT);
    struct xen_sysctl *op;

    op = infolist(0, 10, gva(BUF_AT), 0);
    assert_int_equal(op->u.getdomaininfolist.num_domains, 2);
    assert_int_equal(out[0].domain, 0);
    assert_int_equal(out[1].domain, d1->domain_id);
    assert_int_equal(out[1].max_vcpu_id, 1);
    op = infolist(1, 10, gva(BUF_AT), 0);
    assert_int_equal(op->u.getdomaininfolist.num_domains, 1);
    assert_int_equal(out[0].domain, d1->domain_id);
    op = infolist(0, 1, gva(BUF_AT), 0);
    assert_int_equal(op->u.getdomaininfolist.num_domains, 1);
    op = infolist(0, 0, gva(BUF_AT), 0);
    assert_int_equal(op->u.getdomaininfolist.num_domains, 0);
    op = infolist(DOMID_FIRST_RESERVED, 10, gva(BUF_AT), 0);
    assert_int_equal(op->u.getdomaininfolist.num_domains, 0);
    infolist(0, 10, gva(GUEST_SIZE - sizeof(*out)), -EFAULT);       /* room for one */
    infolist(0, UINT32_MAX, 0, -EFAULT);

    /* A dying domain is still listed, marked dying. */
    assert_int_equal(domain_destroy(d1), 0);       /* our reference keeps it */
    op = infolist(1, 10, gva(BUF_AT), 0);
    assert_int_equal(op->u.getdomaininfolist.num_domains, 1);
    assert_true(out[0].flags & XEN_DOMINF_dying);
    domain_put(d1);
    d1 = NULL;
    op = infolist(1, 10, gva(BUF_AT), 0);
    assert_int_equal(op->u.getdomaininfolist.num_domains, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_create_and_destroy),
        T(test_create_with_chosen_id),
        T(test_create_refuses_bad_configs),
        T(test_unprivileged_callers),
        T(test_pause_unpause),
        T(test_max_mem),
        T(test_vcpu_context),
        T(test_hypercall_init),
        T(test_sysctl_checks),
        T(test_physinfo),
        T(test_getdomaininfolist),
#undef T
    };

    for (unsigned int cpu = 0; cpu < NR_CPUS_ONLINE; cpu++)
        assert_int_equal(sched_cpu_add(cpu), 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
