/*
 * The PV domain builder (dom0/include/dom0/pv_build.h). Each step is a
 * hypercall Xen's toolstack would make: max_mem, populate_physmap, writes
 * through foreign mappings, hypercall_init, alloc_unbound, setvcpucontext.
 * Every frame is unmapped again before setvcpucontext, which validates the
 * page tables (a frame still mapped writable cannot become one).
 */
#include <dom0/libc.h>
#include <dom0/pte.h>
#include <dom0/pv_build.h>
#include <sable/pv_image.h>
#include "public/errno.h"

#define PAGE            4096ULL
#define PAGES(bytes)    (((bytes) + PAGE - 1) / PAGE)
#define EXTRA_MAPPED    (512ULL << 10)      /* mapped past the boot stack */
#define MAP_ALIGN       (4ULL << 20)
#define PT_UPPER        (PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED)

struct layout {
    uint64_t base, nr_pages;
    uint64_t ramdisk, p2m, start_info, store, console, pt_start, stack, v_end, map_end;
    uint64_t nr_l3, nr_l2, nr_l1, nr_pt;
};

struct builder {
    const struct pv_build_request *rq;
    struct pv_image elf;
    struct layout l;
    xen_pfn_t *p2m;
    uint64_t *table;                /* one page, a page table being made */
    char *err;
    size_t errlen;
};

static int fail(struct builder *b, const char *fmt, long rc)
{
    char what[96];

    snprintf(what, sizeof(what), fmt, rc);
    snprintf(b->err, b->errlen, "%s", what);
    return -1;
}

/* ---- layout ---- */

static void count_tables(struct layout *l)
{
    uint64_t last = l->map_end - 1;

    l->nr_l3 = (last >> 39) - (l->base >> 39) + 1;
    l->nr_l2 = (last >> 30) - (l->base >> 30) + 1;
    l->nr_l1 = (last >> 21) - (l->base >> 21) + 1;
    l->nr_pt = 1 + l->nr_l3 + l->nr_l2 + l->nr_l1;
}

static int layout(struct builder *b)
{
    struct layout *l = &b->l;

    l->base = b->elf.virt_base;
    l->nr_pages = b->rq->mem_kib / 4;
    l->ramdisk = b->elf.v_kend;
    l->p2m = l->ramdisk + PAGES(b->rq->ramdisk_len) * PAGE;
    l->start_info = l->p2m + PAGES(l->nr_pages * 8) * PAGE;
    l->store = l->start_info + PAGE;
    l->console = l->store + PAGE;
    l->pt_start = l->console + PAGE;
    l->nr_pt = 0;
    for (int tries = 0; tries < 8; tries++) {   /* the tables map themselves too */
        uint64_t before = l->nr_pt;

        l->stack = l->pt_start + l->nr_pt * PAGE;
        l->v_end = l->stack + PAGE;
        l->map_end = (l->v_end + EXTRA_MAPPED + MAP_ALIGN - 1) & ~(MAP_ALIGN - 1);
        count_tables(l);
        if (l->nr_pt == before)
            break;
    }
    if (l->map_end - l->base > l->nr_pages * PAGE)
        return fail(b, "memory too small for the kernel and its boot data (%ld MiB)",
                    (long)(b->rq->mem_kib / 1024));
    return 0;
}

static uint64_t pfn_of(const struct builder *b, uint64_t va)
{
    return (va - b->l.base) / PAGE;
}

static uint64_t pt_frame(const struct builder *b, uint64_t index)  /* index-th table */
{
    return b->p2m[pfn_of(b, b->l.pt_start) + index];
}

/* ---- writing guest memory ---- */

int foreign_copy(domid_t dom, uint64_t addr, const void *src, uint64_t len,
                 bool (*frame)(void *ctx, uint64_t addr, xen_pfn_t *out), void *ctx)
{
    while (len) {
        uint64_t off = addr % PAGE, n = PAGE - off < len ? PAGE - off : len;
        xen_pfn_t f;
        void *page;
        int rc;

        if (!frame(ctx, addr, &f))
            return 1;
        rc = xc_map_foreign(dom, f, &page);
        if (rc)
            return rc;
        memcpy((uint8_t *)page + off, src, n);
        xc_unmap_foreign(page);
        addr += n;
        src = (const uint8_t *)src + n;
        len -= n;
    }
    return 0;
}

/* The frame behind guest address va, inside the bootstrap region. */
static bool frame_of(void *ctx, uint64_t va, xen_pfn_t *out)
{
    struct builder *b = ctx;

    if (va < b->l.base || pfn_of(b, va) >= b->l.nr_pages)
        return false;
    *out = b->p2m[pfn_of(b, va)];
    return true;
}

/* len bytes at guest address va (inside the bootstrap region). */
static int write_guest(void *ctx, uint64_t va, const void *src, uint64_t len)
{
    struct builder *b = ctx;
    int rc = foreign_copy(b->rq->dom, va, src, len, frame_of, b);

    if (rc == 1)
        return fail(b, "guest address outside its memory (%ld)", -XEN_EINVAL);
    return rc ? fail(b, "cannot map the new domain's memory (error %ld)", rc) : 0;
}

/* ---- page tables ---- */

/*
 * The tables, in order at pt_start: the L4, the L3s, the L2s, the L1s,
 * each covering consecutive 512 GiB / 1 GiB / 2 MiB slots of
 * [base, map_end). Entry e of a table at level n points at the table or
 * frame for slot (its first slot) * 512 + e one level down.
 */
static uint64_t entry_for(const struct builder *b, unsigned int level, uint64_t slot)
{
    const struct layout *l = &b->l;
    uint64_t va = slot << (12 + 9 * (level - 1));

    switch (level) {
    case 1: {
        uint64_t pte = (b->p2m[pfn_of(b, va)] << PTE_FRAME_SHIFT) | PTE_PRESENT | PTE_USER |
                       PTE_ACCESSED | PTE_DIRTY;
        bool is_pt = va >= l->pt_start && va < l->pt_start + l->nr_pt * PAGE;
        return is_pt ? pte : pte | PTE_RW;      /* tables read-only to the guest */
    }
    case 2: return (pt_frame(b, 1 + l->nr_l3 + l->nr_l2 + slot - (l->base >> 21)) <<
                    PTE_FRAME_SHIFT) | PT_UPPER;
    case 3: return (pt_frame(b, 1 + l->nr_l3 + slot - (l->base >> 30)) << PTE_FRAME_SHIFT) |
                   PT_UPPER;
    default: return (pt_frame(b, 1 + slot - (l->base >> 39)) << PTE_FRAME_SHIFT) | PT_UPPER;
    }
}

/*
 * Fill and write the table at level covering top-level slot `slot` (a
 * slot of the level above; for the L4, 0): entries for every slot of
 * the level below that lies in [base, map_end).
 */
static int write_table(struct builder *b, unsigned int level, uint64_t slot, uint64_t index)
{
    unsigned int shift = 12 + 9 * (level - 1);          /* what one entry covers */
    uint64_t first = b->l.base >> shift, last = (b->l.map_end - 1) >> shift;

    memset(b->table, 0, PAGE);
    for (uint64_t s = first; s <= last; s++)
        if (level == 4 || s >> 9 == slot)
            b->table[s & 511] = entry_for(b, level, s);
    return write_guest(b, b->l.pt_start + index * PAGE, b->table, PAGE);
}

static int write_page_tables(struct builder *b)
{
    const struct layout *l = &b->l;
    uint64_t index = 0;
    int rc = write_table(b, 4, 0, index++);

    for (uint64_t j = 0; !rc && j < l->nr_l3; j++)
        rc = write_table(b, 3, (l->base >> 39) + j, index++);
    for (uint64_t k = 0; !rc && k < l->nr_l2; k++)
        rc = write_table(b, 2, (l->base >> 30) + k, index++);
    for (uint64_t m = 0; !rc && m < l->nr_l1; m++)
        rc = write_table(b, 1, (l->base >> 21) + m, index++);
    return rc;
}

/* ---- the steps ---- */

static int populate(struct builder *b)
{
    uint64_t n = b->l.nr_pages;
    long rc = xc_domain_max_mem(b->rq->dom, b->rq->mem_kib);

    if (rc)
        return fail(b, "max_mem refused (error %ld)", rc);
    b->p2m = malloc(n * sizeof(*b->p2m));
    if (!b->p2m)
        return fail(b, "dom0 out of memory (%ld)", -XEN_ENOMEM);
    for (uint64_t pfn = 0; pfn < n; pfn++)
        b->p2m[pfn] = pfn;
    rc = xc_populate_physmap(b->rq->dom, n, b->p2m);
    if (rc < 0 || (uint64_t)rc != n)
        return fail(b, "not enough free memory for the domain (%ld frames given)", rc);
    return 0;
}

static int write_start_info(struct builder *b, const struct pv_build_result *out)
{
    struct xen_domctl_getdomaininfo info;
    struct start_info si;
    int rc = xc_domain_getinfo(b->rq->dom, &info);

    if (rc)
        return fail(b, "domain vanished (error %ld)", rc);
    memset(&si, 0, sizeof(si));
    snprintf(si.magic, sizeof(si.magic), "xen-3.0-x86_64");
    si.nr_pages = b->l.nr_pages;
    si.shared_info = info.shared_info_frame << PTE_FRAME_SHIFT;
    si.pt_base = b->l.pt_start;
    si.nr_pt_frames = b->l.nr_pt;
    si.mfn_list = b->l.p2m;
    si.store_mfn = out->store_mfn;
    si.store_evtchn = out->store_port;
    si.console.domU.mfn = out->console_mfn;
    si.console.domU.evtchn = out->console_port;
    if (b->rq->ramdisk_len) {
        si.mod_start = b->l.ramdisk;
        si.mod_len = b->rq->ramdisk_len;
    }
    snprintf((char *)si.cmd_line, sizeof(si.cmd_line), "%s", b->rq->cmdline ? b->rq->cmdline : "");
    return write_guest(b, b->l.start_info, &si, sizeof(si));
}

static int ports(struct builder *b, struct pv_build_result *out)
{
    int store = xc_evtchn_alloc_unbound(b->rq->dom, 0);
    int console = store < 0 ? store : xc_evtchn_alloc_unbound(b->rq->dom, 0);

    if (store < 0 || console < 0)
        return fail(b, "no event channels for it (error %ld)", store < 0 ? store : console);
    out->store_port = (uint32_t)store;
    out->console_port = (uint32_t)console;
    out->store_mfn = b->p2m[pfn_of(b, b->l.store)];
    out->console_mfn = b->p2m[pfn_of(b, b->l.console)];
    return 0;
}

/* vCPU 0 at the entry point, RSI = start_info, on the boot stack, up. */
static int start_vcpu(struct builder *b)
{
    struct vcpu_guest_context *c = calloc(1, sizeof(*c));
    int rc;

    if (!c)
        return fail(b, "dom0 out of memory (%ld)", -XEN_ENOMEM);
    c->flags = VGCF_in_kernel | VGCF_online;
    c->user_regs.rip = b->elf.entry;
    c->user_regs.rsp = b->l.v_end;
    c->user_regs.rsi = b->l.start_info;
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->user_regs.rflags = 1U << 9;                  /* IF */
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = b->l.v_end;
    c->ctrlreg[3] = pt_frame(b, 0) << PTE_FRAME_SHIFT;
    rc = xc_domain_setvcpucontext(b->rq->dom, 0, c);
    free(c);
    return rc ? fail(b, "initial vCPU context refused (error %ld)", rc) : 0;
}

int pv_build(const struct pv_build_request *rq, struct pv_build_result *out, char *err,
             size_t errlen)
{
    struct builder b = { .rq = rq, .err = err, .errlen = errlen };
    const char *why;
    int rc;

    memset(out, 0, sizeof(*out));
    if (pv_image_parse(rq->kernel, rq->kernel_len, &b.elf, &why)) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    b.table = malloc(PAGE);
    rc = b.table ? layout(&b) : fail(&b, "dom0 out of memory (%ld)", -XEN_ENOMEM);
    if (!rc)
        rc = populate(&b);
    if (!rc)
        rc = pv_image_load(&b.elf, write_guest, &b);
    if (!rc && rq->ramdisk_len)
        rc = write_guest(&b, b.l.ramdisk, rq->ramdisk, rq->ramdisk_len);
    if (!rc)
        rc = write_guest(&b, b.l.p2m, b.p2m, b.l.nr_pages * sizeof(*b.p2m));
    if (!rc)
        rc = write_page_tables(&b);
    if (!rc && b.elf.hypercall_page &&
        (rc = xc_domain_hypercall_init(rq->dom, b.p2m[pfn_of(&b, b.elf.hypercall_page)])))
        rc = fail(&b, "hypercall page refused (error %ld)", rc);
    if (!rc)
        rc = ports(&b, out);
    if (!rc)
        rc = write_start_info(&b, out);
    if (!rc)
        rc = start_vcpu(&b);
    if (!rc) {
        out->entry = b.elf.entry;
        out->nr_pages = b.l.nr_pages;
        memcpy(out->guest_os, b.elf.guest_os, sizeof(out->guest_os));
    }
    free(b.p2m);
    free(b.table);
    return rc ? -1 : 0;
}
