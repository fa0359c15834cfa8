/*
 * domctl: the toolstack's domain-management hypercalls from the inside.
 *
 * Privileged (the first module with `dom0` on Sable's command line):
 * sysctl physinfo and getdomaininfolist; a domain created with
 * createdomain, taken through unpause / pause / unpause and destroyed,
 * its flags read back each time; max_mem and max_vcpus; vCPU contexts
 * refused where they must be; create/destroy cycles=<n> times (default
 * 20) with the host's free memory back at its starting figure; and hostile
 * input (interface versions, pointers, domain ids, configurations, acting
 * on itself) refused with Xen's error and nothing created or changed.
 *
 * Unprivileged: every domctl and sysctl command is -EPERM, on dom0 and on
 * itself (its id: self=, default 1); -ESRCH first for a domain that does
 * not exist, as Xen checks in that order.
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>

const char test_title[] = "domctl: domain lifecycle and host information";

static struct xen_domctl op;
static struct xen_sysctl sop;
static struct xen_domctl_getdomaininfo infos[8];
static struct vcpu_guest_context ctxt;

static struct xen_domctl *op_new(uint32_t cmd, domid_t dom)
{
    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op.domain = dom;
    return &op;
}

static long simple(uint32_t cmd, domid_t dom)
{
    return hypercall_domctl(op_new(cmd, dom));
}

static struct xen_domctl *create_op(uint32_t vcpus)
{
    op_new(XEN_DOMCTL_createdomain, 0);
    op.u.createdomain.max_vcpus = vcpus;
    op.u.createdomain.max_evtchn_port = 1023;
    op.u.createdomain.max_grant_frames = -1;
    op.u.createdomain.max_maptrack_frames = -1;
    op.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
    return &op;
}

/* A new PV domain's id, or 0 after a failed check. */
static domid_t create(const char *name, uint32_t vcpus)
{
    long rc = hypercall_domctl(create_op(vcpus));

    if (!CHECK_RC(name, rc, 0))
        return 0;
    return op.domain;
}

static uint32_t flags_of(domid_t dom)
{
    return simple(XEN_DOMCTL_getdomaininfo, dom) ? ~0U : op.u.getdomaininfo.flags;
}

static long sysctl(uint32_t cmd)
{
    memset(&sop, 0, sizeof(sop));
    sop.cmd = cmd;
    sop.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    if (cmd == XEN_SYSCTL_getdomaininfolist) {
        sop.u.getdomaininfolist.max_domains = ARRAY_SIZE(infos);
        sop.u.getdomaininfolist.buffer = guest_handle_from_ptr(infos);
    }
    return hypercall_sysctl(&sop);
}

static uint64_t free_pages(void)
{
    return sysctl(XEN_SYSCTL_physinfo) ? 0 : sop.u.physinfo.free_pages;
}

static void check_host_info(void)
{
    bool found_self = false;

    CHECK_RC("physinfo", sysctl(XEN_SYSCTL_physinfo), 0);
    CHECK("physinfo-cpus", sop.u.physinfo.nr_cpus >= 1);
    CHECK("physinfo-pages", sop.u.physinfo.free_pages > 0 &&
                            sop.u.physinfo.free_pages < sop.u.physinfo.total_pages);
    CHECK("physinfo-pv", sop.u.physinfo.capabilities & XEN_SYSCTL_PHYSCAP_pv);
    printf("PHYSINFO cpus=%u total_pages=%lu free_pages=%lu khz=%u caps=%#x\n",
           sop.u.physinfo.nr_cpus, (unsigned long)sop.u.physinfo.total_pages,
           (unsigned long)sop.u.physinfo.free_pages, sop.u.physinfo.cpu_khz,
           sop.u.physinfo.capabilities);
    CHECK_RC("domainlist", sysctl(XEN_SYSCTL_getdomaininfolist), 0);
    for (uint32_t i = 0; i < sop.u.getdomaininfolist.num_domains; i++)
        found_self |= infos[i].domain == 0 && infos[i].nr_online_vcpus == 1;
    CHECK("domainlist-self", found_self);
    sop.u.getdomaininfolist.buffer = 0x10;
    CHECK_RC("domainlist-efault", hypercall_sysctl(&sop), -XEN_EFAULT);
    sysctl(XEN_SYSCTL_physinfo);
    sop.interface_version = 0x14;
    CHECK_RC("sysctl-version", hypercall_sysctl(&sop), -XEN_EACCES);
    CHECK_RC("sysctl-unknown", sysctl(XEN_SYSCTL_readconsole), -XEN_ENOSYS);
    CHECK_RC("sysctl-efault", hypercall_raw(__HYPERVISOR_sysctl, 0x1000, 0, 0, 0, 0),
             -XEN_EFAULT);
}

/* created (paused) -> running -> paused -> running -> destroyed */
static void check_lifecycle(void)
{
    domid_t d = create("create", 2);

    if (!d)
        return;
    CHECK_EQ("create-flags", flags_of(d), XEN_DOMINF_paused);
    CHECK_EQ("create-vcpus", op.u.getdomaininfo.max_vcpu_id, 1);
    CHECK_EQ("create-pages", op.u.getdomaininfo.tot_pages, 0);
    op_new(XEN_DOMCTL_max_mem, d)->u.max_mem.max_memkb = 4096;
    CHECK_RC("max-mem", hypercall_domctl(&op), 0);
    CHECK_EQ("max-mem-pages", (simple(XEN_DOMCTL_getdomaininfo, d), op.u.getdomaininfo.max_pages),
             1024);
    op_new(XEN_DOMCTL_max_vcpus, d)->u.max_vcpus.max = 2;
    CHECK_RC("max-vcpus", hypercall_domctl(&op), 0);
    op.u.max_vcpus.max = 3;
    CHECK_RC("max-vcpus-other", hypercall_domctl(&op), -XEN_EINVAL);

    CHECK_RC("unpause", simple(XEN_DOMCTL_unpausedomain, d), 0);
    CHECK_EQ("unpause-flags", flags_of(d) & XEN_DOMINF_paused, 0);
    CHECK_RC("unpause-again", simple(XEN_DOMCTL_unpausedomain, d), -XEN_EINVAL);
    CHECK_RC("pause", simple(XEN_DOMCTL_pausedomain, d), 0);
    CHECK_EQ("pause-flags", flags_of(d), XEN_DOMINF_paused);
    CHECK_RC("unpause-2", simple(XEN_DOMCTL_unpausedomain, d), 0);

    /* vCPU contexts: none yet, and nothing taken that is not one of its tables. */
    op_new(XEN_DOMCTL_getvcpucontext, d)->u.vcpucontext.ctxt = guest_handle_from_ptr(&ctxt);
    CHECK_RC("getvcpucontext-none", hypercall_domctl(&op), -XEN_ENODATA);
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.flags = VGCF_online;
    ctxt.user_regs.rip = 0xffffffff80000000ULL;
    ctxt.ctrlreg[3] = 0x1000;                   /* not its frame */
    op_new(XEN_DOMCTL_setvcpucontext, d)->u.vcpucontext.ctxt = guest_handle_from_ptr(&ctxt);
    CHECK_RC("setvcpucontext-bad-root", hypercall_domctl(&op), -XEN_EINVAL);
    op.u.vcpucontext.vcpu = 2;
    CHECK_RC("setvcpucontext-bad-vcpu", hypercall_domctl(&op), -XEN_EINVAL);
    op.u.vcpucontext.vcpu = 0;
    op.u.vcpucontext.ctxt = 0x10;
    CHECK_RC("setvcpucontext-efault", hypercall_domctl(&op), -XEN_EFAULT);
    op_new(XEN_DOMCTL_getvcpuinfo, d)->u.getvcpuinfo.vcpu = 0;
    CHECK_RC("getvcpuinfo", hypercall_domctl(&op), 0);
    CHECK_EQ("getvcpuinfo-offline", op.u.getvcpuinfo.online, 0);
    op.u.getvcpuinfo.vcpu = 2;
    CHECK_RC("getvcpuinfo-bad", hypercall_domctl(&op), -XEN_EINVAL);

    CHECK_RC("destroy", simple(XEN_DOMCTL_destroydomain, d), 0);
    CHECK_RC("destroyed", simple(XEN_DOMCTL_getdomaininfo, d), -XEN_ESRCH);
    CHECK_RC("destroy-again", simple(XEN_DOMCTL_destroydomain, d), -XEN_ESRCH);
}

static void check_hostile(void)
{
    static const struct { const char *name; uint32_t flags, vcpus, emu; long rc; } bad[] = {
        { "create-no-vcpus", 0, 0, 0, -XEN_EINVAL },
        { "create-many-vcpus", 0, 1000, 0, -XEN_EINVAL },
        { "create-unknown-flag", 1U << 20, 1, 0, -XEN_EINVAL },
        { "create-hap-pv", XEN_DOMCTL_CDF_hap, 1, 0, -XEN_EINVAL },
        { "create-iommu", XEN_DOMCTL_CDF_iommu, 1, 0, -XEN_EINVAL },
        { "create-pv-emulation", 0, 1, XEN_X86_EMU_PIT, -XEN_EOPNOTSUPP },
    };
    uint32_t before;

    sysctl(XEN_SYSCTL_getdomaininfolist);
    before = sop.u.getdomaininfolist.num_domains;
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
        create_op(bad[i].vcpus);
        op.u.createdomain.flags = bad[i].flags;
        op.u.createdomain.arch.emulation_flags = bad[i].emu;
        CHECK_RC(bad[i].name, hypercall_domctl(&op), bad[i].rc);
    }
    sysctl(XEN_SYSCTL_getdomaininfolist);
    CHECK_EQ("create-refused-nothing", sop.u.getdomaininfolist.num_domains, before);

    create_op(1)->interface_version = 0x16;
    CHECK_RC("domctl-version", hypercall_domctl(&op), -XEN_EACCES);
    CHECK_RC("domctl-efault", hypercall_raw(__HYPERVISOR_domctl, 0x1000, 0, 0, 0, 0),
             -XEN_EFAULT);
    CHECK_RC("domctl-efault-kernel", hypercall_raw(__HYPERVISOR_domctl,
                                                   0xffff800000000000ULL, 0, 0, 0, 0),
             -XEN_EFAULT);
    CHECK_RC("no-domain", simple(XEN_DOMCTL_pausedomain, 1000), -XEN_ESRCH);
    CHECK_RC("reserved-domain", simple(XEN_DOMCTL_destroydomain, DOMID_XEN), -XEN_ESRCH);
    CHECK_RC("self-domain", simple(XEN_DOMCTL_getdomaininfo, DOMID_SELF), -XEN_ESRCH);
    CHECK_RC("pause-self", simple(XEN_DOMCTL_pausedomain, 0), -XEN_EINVAL);
    CHECK_RC("destroy-self", simple(XEN_DOMCTL_destroydomain, 0), -XEN_EINVAL);
    CHECK_EQ("self-running", flags_of(0) & (XEN_DOMINF_paused | XEN_DOMINF_dying), 0);
}

/* Memory comes back: n create/max_mem/destroy cycles leave free memory as it was. */
static void check_cycles(unsigned long n)
{
    uint64_t start;
    unsigned long ok = 0;

    simple(XEN_DOMCTL_destroydomain, create("warm-up", 1));    /* heap pools grow once */
    start = free_pages();
    for (unsigned long i = 0; i < n; i++) {
        long rc = hypercall_domctl(create_op(4));
        domid_t d = op.domain;

        if (rc)
            break;
        op_new(XEN_DOMCTL_max_mem, d)->u.max_mem.max_memkb = 1 << 20;
        if (!hypercall_domctl(&op) && !simple(XEN_DOMCTL_destroydomain, d))
            ok++;
    }
    CHECK_EQ("cycles", ok, n);
    CHECK_EQ("cycles-free-pages", free_pages(), start);
}

static void check_unprivileged(void)
{
    static const uint32_t cmds[] = {
        XEN_DOMCTL_destroydomain, XEN_DOMCTL_pausedomain, XEN_DOMCTL_unpausedomain,
        XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_max_mem, XEN_DOMCTL_max_vcpus,
        XEN_DOMCTL_setvcpucontext, XEN_DOMCTL_getvcpucontext, XEN_DOMCTL_getvcpuinfo,
    };
    unsigned int eperm = 0, esrch = 0;

    CHECK_RC("unpriv-create", hypercall_domctl(create_op(1)), -XEN_EPERM);
    for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++) {
        eperm += simple(cmds[i], 0) == -XEN_EPERM;
        eperm += simple(cmds[i], cmdline_get_ulong("self", 1)) == -XEN_EPERM;
        esrch += simple(cmds[i], 1000) == -XEN_ESRCH;
        esrch += simple(cmds[i], DOMID_SELF) == -XEN_ESRCH;    /* no such id, as Xen */
    }
    CHECK_EQ("unpriv-domctl", eperm, 2 * ARRAY_SIZE(cmds));
    CHECK_EQ("unpriv-no-domain", esrch, 2 * ARRAY_SIZE(cmds));
    CHECK_RC("unpriv-physinfo", sysctl(XEN_SYSCTL_physinfo), -XEN_EPERM);
    CHECK_EQ("unpriv-physinfo-empty", sop.u.physinfo.total_pages, 0);
    CHECK_RC("unpriv-domainlist", sysctl(XEN_SYSCTL_getdomaininfolist), -XEN_EPERM);
    CHECK_EQ("unpriv-domainlist-empty", infos[0].max_pages, 0);
}

void test_main(void)
{
    if (!(start_info->flags & SIF_PRIVILEGED)) {
        check_unprivileged();
        return;
    }
    check_host_info();
    check_lifecycle();
    check_hostile();
    check_cycles(cmdline_get_ulong("cycles", 20));
}
