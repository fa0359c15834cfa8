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
 * HVM (PVH) domains as dom0's builder makes them: createdomain with
 * CDF_hvm|hap, populate_physmap by gfn (4 KiB and 2 MiB extents, never over
 * a mapping), foreign mappings of its guest frames, HVM params set and read
 * on its behalf, vCPU 0's first state by sethvmcontext, each with its
 * hostile variants; and every frame back after destroy (hvm-free-pages).
 *
 * Unprivileged: every domctl and sysctl command is -EPERM, on dom0 and on
 * itself (its id: self=, default 1); -ESRCH first for a domain that does
 * not exist, as Xen checks in that order.
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include "public/hvm_params.h"
#include "public/hvm_save.h"

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


/* ---- HVM (PVH) domains ---- */

#define PTE_RW_PRESENT  0x67ULL             /* P RW US A D */
#define UVMF_INVLPG_    2

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t ctx_buf[2048];

static long populate(domid_t d, unsigned int order, xen_pfn_t *gfns, unsigned long n)
{
    struct xen_memory_reservation r = {
        .extent_start = guest_handle_from_ptr(gfns), .nr_extents = n,
        .extent_order = order, .domid = d,
    };

    return hypercall_memory_op(XENMEM_populate_physmap, &r);
}

/* Map guest frame gfn of d at window: 0 or the error. */
static long map_gfn(domid_t d, uint64_t gfn)
{
    return hypercall_update_va_mapping_otherdomain((uint64_t)(uintptr_t)window,
                                                   (gfn << 12) | PTE_RW_PRESENT, UVMF_INVLPG_, d);
}

static void unmap_window(void)
{
    hypercall_update_va_mapping((uint64_t)(uintptr_t)window,
                                (pfn_to_mfn(virt_to_pfn(window)) << 12) | PTE_RW_PRESENT,
                                UVMF_INVLPG_);
}

static long param(unsigned int hop, domid_t d, uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = d, .index = index, .value = *value };
    long rc = hypercall_hvm_op(hop, &p);

    *value = p.value;
    return rc;
}

/* HEADER, a CPU record for vcpu as libxc's vcpu_hvm writes it, END: its size. */
static uint32_t context(uint16_t vcpu, uint32_t magic, uint16_t code, uint64_t cr0)
{
    struct hvm_save_descriptor *dsc = (void *)ctx_buf;
    struct hvm_save_header *h = (void *)(dsc + 1);
    struct hvm_hw_cpu *c;
    uint32_t off;

    memset(ctx_buf, 0, sizeof(ctx_buf));
    *dsc = (struct hvm_save_descriptor){ HVM_SAVE_CODE_HEADER, 0, sizeof(*h) };
    h->magic = magic;
    h->version = HVM_FILE_VERSION;
    dsc = (void *)(h + 1);
    *dsc = (struct hvm_save_descriptor){ code, vcpu, sizeof(*c) };
    c = (void *)(dsc + 1);
    c->rip = 0x100000;
    c->rbx = 0x6000;
    c->rflags = 2;
    c->cr0 = cr0;
    c->cs_limit = c->ds_limit = c->es_limit = c->ss_limit = ~0U;
    c->cs_arbytes = 0xc9b;
    c->ds_arbytes = c->es_arbytes = c->ss_arbytes = 0xc93;
    c->tr_arbytes = 0x8b;
    c->tr_limit = 0x67;
    dsc = (void *)(c + 1);
    *dsc = (struct hvm_save_descriptor){ HVM_SAVE_CODE_END, 0, 0 };
    off = (uint32_t)((uint8_t *)(dsc + 1) - ctx_buf);
    return off;
}

static long set_context(domid_t d, uint32_t size)
{
    op_new(XEN_DOMCTL_sethvmcontext, d)->u.hvmcontext.size = size;
    op.u.hvmcontext.buffer = guest_handle_from_ptr(ctx_buf);
    return hypercall_domctl(&op);
}

static domid_t create_hvm(const char *name, uint32_t vcpus)
{
    create_op(vcpus)->u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    op.u.createdomain.arch.emulation_flags = XEN_X86_EMU_LAPIC;
    if (!CHECK_RC(name, hypercall_domctl(&op), 0))
        return 0;
    return op.domain;
}

static void check_hvm_memory(domid_t d)
{
    xen_pfn_t gfns[4] = { 0x10, 0x11, 0x12, 0 };
    uint64_t v;

    op_new(XEN_DOMCTL_max_mem, d)->u.max_mem.max_memkb = (512 + 4) * 4;
    CHECK_RC("hvm-max-mem", hypercall_domctl(&op), 0);
    CHECK_EQ("hvm-populate-4k", populate(d, 0, gfns, 3), 3);
    CHECK_EQ("hvm-populate-again", populate(d, 0, gfns, 1), 0);
    gfns[0] = 0x200;
    CHECK_EQ("hvm-populate-2m", populate(d, 9, gfns, 1), 1);
    gfns[0] = 0x400 + 1;
    CHECK_EQ("hvm-populate-unaligned", populate(d, 9, gfns, 1), 0);
    gfns[0] = 0x400;
    CHECK_EQ("hvm-populate-over-max", populate(d, 9, gfns, 1), 0);
    CHECK_EQ("hvm-populate-order", populate(d, 3, gfns, 1), 0);
    gfns[0] = 1ULL << 40;
    CHECK_EQ("hvm-populate-far", populate(d, 0, gfns, 1), 0);
    gfns[0] = 0x13;
    CHECK_EQ("hvm-populate-last", populate(d, 0, gfns, 1), 1);
    CHECK_EQ("hvm-pages", (simple(XEN_DOMCTL_getdomaininfo, d), op.u.getdomaininfo.tot_pages),
             512 + 4);

    /* Foreign mappings name guest frames: what is written through one is read back. */
    CHECK_RC("hvm-map", map_gfn(d, 0x11), 0);
    CHECK_EQ("hvm-map-zero", window[100], 0);
    memset(window, 0x5a, sizeof(window));
    unmap_window();
    CHECK_RC("hvm-map-2m", map_gfn(d, 0x200 + 7), 0);
    window[0] = 1;
    unmap_window();
    CHECK_RC("hvm-map-again", map_gfn(d, 0x11), 0);
    CHECK_EQ("hvm-map-readback", window[4095], 0x5a);
    unmap_window();
    CHECK_RC("hvm-map-unbacked", map_gfn(d, 0x5000), -XEN_EINVAL);
    CHECK_RC("hvm-map-far", map_gfn(d, 1ULL << 38), -XEN_EINVAL);

    /* Params on its behalf: the builder's four, nothing else. */
    v = 0xfeffc;
    CHECK_RC("hvm-param-set", param(HVMOP_set_param, d, HVM_PARAM_STORE_PFN, &v), 0);
    v = 0;
    CHECK_RC("hvm-param-get", param(HVMOP_get_param, d, HVM_PARAM_STORE_PFN, &v), 0);
    CHECK_EQ("hvm-param-value", v, 0xfeffc);
    v = 1;
    CHECK_RC("hvm-param-other", param(HVMOP_set_param, d, HVM_PARAM_VIRIDIAN, &v), -XEN_EINVAL);
    CHECK_RC("hvm-param-callback", param(HVMOP_set_param, d, HVM_PARAM_CALLBACK_IRQ, &v),
             -XEN_EPERM);
    v = 1ULL << 40;
    CHECK_RC("hvm-param-far", param(HVMOP_set_param, d, HVM_PARAM_CONSOLE_PFN, &v), -XEN_EINVAL);
    CHECK_RC("hvm-param-index", param(HVMOP_get_param, d, 1000, &v), -XEN_EINVAL);
    CHECK_RC("hvm-param-nodom", param(HVMOP_get_param, 1000, 1, &v), -XEN_ESRCH);
    CHECK_RC("hvm-param-self-pv", param(HVMOP_get_param, DOMID_SELF, 1, &v), -XEN_ENOSYS);
}

static void check_hvm_context(domid_t d, domid_t pv)
{
    uint32_t size = context(0, HVM_FILE_MAGIC, HVM_SAVE_CODE_CPU, 0x11);

    CHECK_RC("hvmctx-pv", set_context(pv, size), -XEN_EINVAL);
    CHECK_RC("hvmctx-truncated", set_context(d, size - 4), -XEN_EINVAL);
    CHECK_RC("hvmctx-empty", set_context(d, 0), -XEN_EINVAL);
    CHECK_RC("hvmctx-huge", set_context(d, 1U << 30), -XEN_EINVAL);
    op.u.hvmcontext.buffer = 0x10;
    CHECK_RC("hvmctx-efault", (op.u.hvmcontext.size = size, hypercall_domctl(&op)), -XEN_EFAULT);
    CHECK_RC("hvmctx-magic", set_context(d, context(0, 0x1234, HVM_SAVE_CODE_CPU, 0x11)),
             -XEN_EINVAL);
    CHECK_RC("hvmctx-vcpu", set_context(d, context(2, HVM_FILE_MAGIC, HVM_SAVE_CODE_CPU, 0x11)),
             -XEN_EINVAL);
    CHECK_RC("hvmctx-type", set_context(d, context(0, HVM_FILE_MAGIC, HVM_SAVE_CODE_MTRR, 0x11)),
             -XEN_EOPNOTSUPP);
    CHECK_RC("hvmctx-cr0", set_context(d, context(0, HVM_FILE_MAGIC, HVM_SAVE_CODE_CPU,
                                                  0x80000010)), -XEN_EINVAL);
    op_new(XEN_DOMCTL_getvcpuinfo, d)->u.getvcpuinfo.vcpu = 0;
    CHECK_EQ("hvmctx-refused-down", (hypercall_domctl(&op), op.u.getvcpuinfo.online), 0);
    CHECK_RC("hvmctx", set_context(d, context(0, HVM_FILE_MAGIC, HVM_SAVE_CODE_CPU, 0x11)), 0);
    op_new(XEN_DOMCTL_getvcpuinfo, d)->u.getvcpuinfo.vcpu = 0;
    CHECK_EQ("hvmctx-online", (hypercall_domctl(&op), op.u.getvcpuinfo.online), 1);
    CHECK_RC("hvmctx-again", set_context(d, size), -XEN_EEXIST);
}

/* A PVH domain's memory, mappings, params and vCPU state, twice: every frame back. */
static void check_hvm(void)
{
    uint64_t start = 0;

    for (int round = 0; round < 2; round++) {
        domid_t d, pv;

        if (round == 1)
            start = free_pages();
        create_op(1)->u.createdomain.flags = XEN_DOMCTL_CDF_hvm;
        CHECK_RC("hvm-no-hap", hypercall_domctl(&op), -XEN_EINVAL);
        d = create_hvm("hvm-create", 2);
        pv = create("hvm-pv-peer", 1);
        if (!d || !pv)
            return;
        CHECK("hvm-flags", flags_of(d) & XEN_DOMINF_hvm_guest);
        check_hvm_memory(d);
        check_hvm_context(d, pv);
        CHECK_RC("hvm-destroy", simple(XEN_DOMCTL_destroydomain, d), 0);
        simple(XEN_DOMCTL_destroydomain, pv);
    }
    CHECK_EQ("hvm-free-pages", free_pages(), start);
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
    {
        struct xen_hvm_param p = { .domid = 0, .index = HVM_PARAM_STORE_PFN };
        CHECK_RC("unpriv-hvm-param", hypercall_hvm_op(HVMOP_get_param, &p), -XEN_EPERM);
    }
}

/*
 * A frame dom0 still maps when its domain is destroyed stays dom0's to use
 * (as on Xen, the hypervisor keeps it while referenced) and is freed when
 * dom0 unmaps it: free memory is back where it was, nothing is leaked.
 */
static void check_mapped_at_destroy(void)
{
    xen_pfn_t mfn = 0;
    uint64_t start;
    domid_t d;

    simple(XEN_DOMCTL_destroydomain, create("warm-up", 1));    /* heap pools grow once */
    start = free_pages();
    d = create("mapped-create", 1);
    if (!d)
        return;
    op_new(XEN_DOMCTL_max_mem, d)->u.max_mem.max_memkb = 1024;
    CHECK_RC("mapped-max-mem", hypercall_domctl(&op), 0);
    CHECK_EQ("mapped-populate", populate(d, 0, &mfn, 1), 1);
    if (!CHECK_RC("mapped-map", map_gfn(d, mfn), 0))
        return;
    window[0] = 0x5a;
    CHECK_RC("mapped-destroy", simple(XEN_DOMCTL_destroydomain, d), 0);
    CHECK_EQ("mapped-destroyed", flags_of(d), ~0U);
    CHECK_EQ("mapped-still-there", window[0], 0x5a);
    CHECK_EQ("mapped-kept", free_pages(), start - 1);
    CHECK_RC("mapped-not-mappable", map_gfn(d, mfn), -XEN_ESRCH);
    unmap_window();
    CHECK_EQ("mapped-freed", free_pages(), start);
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
    check_hvm();
    check_mapped_at_destroy();
    check_cycles(cmdline_get_ulong("cycles", 20));
}
