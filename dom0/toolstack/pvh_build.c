/*
 * The PVH domain builder (dom0/include/dom0/pvh_build.h). Each step is a
 * hypercall Xen's toolstack makes for a PVH domU: max_mem,
 * populate_physmap by gfn, writes through foreign mappings (of guest
 * frames: the hypervisor translates), alloc_unbound, HVMOP_set_param,
 * sethvmcontext. Every page is unmapped again as soon as it is written.
 */
#include <dom0/libc.h>
#include <dom0/pvh_build.h>
#include <sable/pvh_layout.h>
#include "public/errno.h"
#include "public/hvm_params.h"
#include "public/hvm_save.h"

#define PAGE            4096ULL
#define EXTENTS_BATCH   512         /* gfns per populate_physmap list */

struct builder {
    const struct pv_build_request *rq;
    char *err;
    size_t errlen;
};

static int fail(struct builder *b, const char *fmt, long rc)
{
    snprintf(b->err, b->errlen, fmt, rc);
    return -1;
}

/* A PVH guest's frames are named by guest frame number: the hypervisor translates. */
static bool gfn_of(void *ctx, uint64_t gpa, xen_pfn_t *out)
{
    *out = gpa / PAGE;
    return true;
}

/* pvh_write_fn: len bytes at guest-physical gpa. */
static int write_gpa(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
    struct builder *b = ctx;
    int rc = foreign_copy(b->rq->dom, gpa, src, len, gfn_of, b);

    return rc ? fail(b, "cannot map the new domain's memory (error %ld)", rc) : 0;
}

/* Back [gfn, end): runs of 2 MiB extents where aligned, 4 KiB ones elsewhere. */
static int populate_range(struct builder *b, xen_pfn_t *list, uint64_t gfn, uint64_t end)
{
    while (gfn < end) {
        unsigned int order = pvh_extent_order(gfn, end), n = 0;
        long got;

        while (n < EXTENTS_BATCH && gfn < end && pvh_extent_order(gfn, end) == order) {
            list[n++] = gfn;
            gfn += 1ULL << order;
        }
        got = xc_populate_physmap_order(b->rq->dom, order, n, list);
        if (got != (long)n)
            return fail(b, "not enough free memory for the domain (%ld)",
                        got < 0 ? got : -XEN_ENOMEM);
    }
    return 0;
}

static int populate(struct builder *b, const struct pvh_plan *p)
{
    uint64_t start[2], len[2];
    unsigned int n = pvh_ram_ranges(p->mem, start, len);
    xen_pfn_t *list = malloc(EXTENTS_BATCH * sizeof(*list));
    long rc = xc_domain_max_mem(b->rq->dom, (p->mem + PVH_SPECIAL_PAGES * PAGE) / 1024);

    if (!list)
        return fail(b, "dom0 out of memory (%ld)", -XEN_ENOMEM);
    if (rc)
        rc = fail(b, "max_mem refused (error %ld)", rc);
    for (unsigned int i = 0; i < n && !rc; i++)
        rc = populate_range(b, list, start[i] / PAGE, (start[i] + len[i]) / PAGE);
    if (!rc)
        rc = populate_range(b, list, PVH_STORE_GFN, PVH_STORE_GFN + 1);
    if (!rc)
        rc = populate_range(b, list, PVH_CONSOLE_GFN, PVH_CONSOLE_GFN + 1);
    free(list);
    return (int)rc;
}

static int write_boot_data(struct builder *b, const struct pvh_plan *p)
{
    size_t size = pvh_acpi_scratch_size(p->nr_vcpus);
    void *scratch = size ? malloc(size) : NULL;
    int rc;

    if (!scratch)
        return fail(b, "dom0 out of memory (%ld)", -XEN_ENOMEM);
    rc = pvh_boot_data(p, scratch, size, write_gpa, b);
    free(scratch);
    if (rc == -1)
        return rc;                      /* a write failed and said why */
    return rc ? fail(b, "cannot write its boot data (error %ld)", rc) : 0;
}

/* Its XenStore and console: ports for dom0 to bind, and the params Linux reads. */
static int rings(struct builder *b, struct pv_build_result *out)
{
    int store = xc_evtchn_alloc_unbound(b->rq->dom, 0);
    int console = store < 0 ? store : xc_evtchn_alloc_unbound(b->rq->dom, 0);
    int rc;

    if (store < 0 || console < 0)
        return fail(b, "no event channels for it (error %ld)", store < 0 ? store : console);
    out->store_port = (uint32_t)store;
    out->console_port = (uint32_t)console;
    out->store_mfn = PVH_STORE_GFN;
    out->console_mfn = PVH_CONSOLE_GFN;
    rc = xc_hvm_param_set(b->rq->dom, HVM_PARAM_STORE_PFN, PVH_STORE_GFN);
    if (!rc)
        rc = xc_hvm_param_set(b->rq->dom, HVM_PARAM_STORE_EVTCHN, out->store_port);
    if (!rc)
        rc = xc_hvm_param_set(b->rq->dom, HVM_PARAM_CONSOLE_PFN, PVH_CONSOLE_GFN);
    if (!rc)
        rc = xc_hvm_param_set(b->rq->dom, HVM_PARAM_CONSOLE_EVTCHN, out->console_port);
    return rc ? fail(b, "HVM parameters refused (error %ld)", rc) : 0;
}

/*
 * The records libxc's vcpu_hvm loads: HEADER, vCPU 0 at the PVH entry, END;
 * back to back (each part's size is a multiple of 8, so no padding).
 */
struct pvh_context {
    struct hvm_save_descriptor header_d;
    struct hvm_save_header header;
    struct hvm_save_descriptor cpu_d;
    struct hvm_hw_cpu cpu;
    struct hvm_save_descriptor end_d;
};
_Static_assert(sizeof(struct pvh_context) == 8 + 24 + 8 + 1048 + 8, "records unpadded");

static int start_vcpu(struct builder *b, uint64_t entry)
{
    struct pvh_context *c = calloc(1, sizeof(*c));
    struct hvm_hw_cpu *r;
    int rc;

    if (!c)
        return fail(b, "dom0 out of memory (%ld)", -XEN_ENOMEM);
    c->header_d = (struct hvm_save_descriptor){ HVM_SAVE_CODE_HEADER, 0, sizeof(c->header) };
    c->header.magic = HVM_FILE_MAGIC;
    c->header.version = HVM_FILE_VERSION;
    c->cpu_d = (struct hvm_save_descriptor){ HVM_SAVE_CODE_CPU, 0, sizeof(c->cpu) };
    c->end_d = (struct hvm_save_descriptor){ HVM_SAVE_CODE_END, 0, 0 };
    r = &c->cpu;
    /* PVH entry: 32-bit protected mode, flat segments, paging off, EBX = start info. */
    r->rip = entry;
    r->rbx = PVH_START_INFO_GPA;
    r->rflags = 2;
    r->cr0 = 0x11;                              /* PE | ET */
    r->cs_sel = 0x10;
    r->ds_sel = r->es_sel = r->ss_sel = 0x18;
    r->tr_sel = 0x20;
    r->cs_limit = r->ds_limit = r->es_limit = r->fs_limit = r->gs_limit = r->ss_limit = ~0U;
    r->cs_arbytes = 0xc9b;                      /* code, 32-bit, 4 KiB granular */
    r->ds_arbytes = r->es_arbytes = r->fs_arbytes = r->gs_arbytes = r->ss_arbytes = 0xc93;
    r->tr_arbytes = 0x8b;                       /* busy 32-bit TSS */
    r->tr_limit = 0x67;
    r->ldtr_arbytes = 0x82;
    r->dr6 = 0xffff0ff0;
    r->dr7 = 0x400;
    rc = xc_domain_sethvmcontext(b->rq->dom, c, sizeof(*c));
    free(c);
    return rc ? fail(b, "initial vCPU state refused (error %ld)", rc) : 0;
}

int pvh_build(const struct pv_build_request *rq, struct pv_build_result *out, char *err,
              size_t errlen)
{
    struct builder b = { .rq = rq, .err = err, .errlen = errlen };
    struct pvh_kernel k;
    struct pvh_plan plan;
    const char *why;
    int rc;

    memset(out, 0, sizeof(*out));
    if (pvh_kernel_parse(&k, rq->kernel, rq->kernel_len, &why) ||
        pvh_plan(&plan, &k, rq->mem_kib * 1024, rq->ramdisk_len, rq->cmdline ? rq->cmdline : "",
                 rq->vcpus, &why)) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    rc = populate(&b, &plan);
    if (!rc)
        rc = pvh_kernel_load(&k, write_gpa, &b);
    if (!rc && rq->ramdisk_len)
        rc = write_gpa(&b, plan.initrd_gpa, rq->ramdisk, rq->ramdisk_len);
    if (!rc)
        rc = write_boot_data(&b, &plan);
    if (!rc)
        rc = rings(&b, out);
    if (!rc)
        rc = start_vcpu(&b, k.entry);
    if (rc)
        return -1;
    out->entry = k.entry;
    out->nr_pages = plan.mem / PAGE;
    snprintf(out->guest_os, sizeof(out->guest_os), "PVH");
    return 0;
}
