/*
 * Boot-time PV domain builder: turns an ELF64 kernel image (a Multiboot
 * module) into a domain ready to run, following Xen's x86-64 PV start-of-day
 * contract, until dom0's toolstack takes this job over.
 *
 * The guest's pseudo-physical memory starts at the ELF's VIRT_BASE note and
 * is laid out as on Xen:
 *
 *   virt_base  +------------------------+  <- pfn 0
 *              | kernel image (PT_LOAD) |
 *              +------------------------+
 *              | boot files (cpio)      |  dom0 only, if modules say sable.file
 *              | p2m list (mfn_list)    |  nr_pages * 8 bytes
 *              | start_info             |  1 page
 *              | console ring           |  1 page, domUs (dom0 uses console_io)
 *              | page tables L4 L3 L2 L1|  mapped read-only; the L4 pinned
 *              | boot stack             |  1 page; RSP = its top
 *   v_end      +------------------------+
 *              | (mapped, free)         |  up to v_end + 512 KiB, 4 MiB aligned
 *              +------------------------+
 *
 * Entry in ring 3 at the ENTRY note with RSI = start_info, events masked.
 * The image is hostile input too: every header, offset and size is checked
 * before any domain state exists.
 */
#include <sable/bootinfo.h>
#include <sable/cmdline.h>
#include <sable/domain.h>
#include <sable/cpio.h>
#include <sable/domain_options.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/guest_console.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <sable/sched.h>
#include <asm/memlayout.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>
#include <sable/pv_image.h>
#include <public/xen.h>

#define GUEST_DEFAULT_MEM (16ULL << 20)
#define GUEST_MAX_MEM     DOMOPT_MEM_MAX

static uint64_t dom0_mem = 64ULL << 20;
size_param("dom0_mem", dom0_mem, 4ULL << 20, GUEST_MAX_MEM);
static uint64_t domu_mem = GUEST_DEFAULT_MEM;
bool pv_build_quiet;
size_param("domu_mem", domu_mem, 4ULL << 20, GUEST_MAX_MEM);

/* The guest layout computed from the image and the memory size. */
struct pv_layout {
    uint64_t nr_pages;
    uint64_t initrd, initrd_len;       /* dom0's boot files (a cpio archive); len 0: none */
    uint64_t p2m, start_info, console, pt_start, stack, v_end, map_end;   /* console 0: none */
    unsigned int nr_l3, nr_l2, nr_l1, nr_pt;
};

static int image_fail(const char *name, const char *why)
{
    pr_err("builder: %s: %s\n", name, why);
    return -EINVAL;
}

/* Count page-table pages to map [base, end) with 4 KiB pages. */
static void count_tables(struct pv_layout *l, uint64_t base, uint64_t end)
{
    l->nr_l3 = ((end - 1) >> 39) - (base >> 39) + 1;
    l->nr_l2 = ((end - 1) >> 30) - (base >> 30) + 1;
    l->nr_l1 = ((end - 1) >> 21) - (base >> 21) + 1;
    l->nr_pt = 1 + l->nr_l3 + l->nr_l2 + l->nr_l1;
}

static int layout_compute(struct pv_layout *l, const struct pv_image *img, uint64_t mem,
                          bool privileged, uint64_t initrd_len, const char *name)
{
    uint64_t base = img->virt_base;

    l->nr_pages = mem >> PAGE_SHIFT;
    l->initrd = img->v_kend;
    l->initrd_len = initrd_len;
    l->p2m = l->initrd + ALIGN_UP(initrd_len, PAGE_SIZE);
    l->start_info = l->p2m + ALIGN_UP(l->nr_pages * 8, PAGE_SIZE);
    l->console = privileged ? 0 : l->start_info + PAGE_SIZE;
    l->pt_start = l->start_info + (privileged ? 1 : 2) * PAGE_SIZE;
    l->nr_pt = 0;
    /* The tables map themselves: grow until the count is stable. */
    for (unsigned int tries = 0; tries < 8; tries++) {
        unsigned int before = l->nr_pt;
        l->stack = l->pt_start + (uint64_t)l->nr_pt * PAGE_SIZE;
        l->v_end = l->stack + PAGE_SIZE;
        l->map_end = ALIGN_UP(l->v_end + (512 << 10), 4ULL << 20);
        count_tables(l, base, l->map_end);
        if (l->nr_pt == before)
            break;
    }
    if (l->map_end - base > mem || initrd_len > mem)
        return image_fail(name, "domain memory too small for its kernel and boot data");
    return 0;
}

/* Guest VA -> the hypervisor's view of that byte in the new domain. */
static void *guest_va_to_virt(const uint64_t *p2m, const struct pv_image *img, uint64_t va)
{
    uint64_t pfn = (va - img->virt_base) >> PAGE_SHIFT;

    return (char *)maddr_to_virt(p2m[pfn] << PAGE_SHIFT) + (va & (PAGE_SIZE - 1));
}

static void copy_to_domain(const uint64_t *p2m, const struct pv_image *img, uint64_t va,
                           const void *src, uint64_t len)
{
    while (len) {
        uint64_t chunk = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
        memcpy(guest_va_to_virt(p2m, img, va), src, chunk);
        va += chunk;
        src = (const char *)src + chunk;
        len -= chunk;
    }
}

/*
 * Write the initial page tables: [virt_base, map_end) -> pfn 0.., 4 KiB
 * pages, the tables themselves read-only. Only their contents: they become
 * page tables when the root is validated (builder_install_tables).
 */
static mfn_t build_page_tables(const struct pv_layout *l, const struct pv_image *img,
                               const uint64_t *p2m)
{
    uint64_t base = img->virt_base, pt_va = l->pt_start;
    uint64_t *l4 = guest_va_to_virt(p2m, img, pt_va);
    mfn_t l4_mfn = p2m[(pt_va - base) >> PAGE_SHIFT];
    uint64_t *tables[4] = { NULL, NULL, NULL, l4 };    /* current L1, L2, L3, L4 */
    unsigned int level;

    pt_va += PAGE_SIZE;
    for (uint64_t va = base; va < l->map_end; va += PAGE_SIZE) {
        uint64_t pfn = (va - base) >> PAGE_SHIFT, pte;
        for (level = 3; level >= 1; level--) {
            uint64_t *t = tables[level];
            unsigned int idx = pt_index(va, level + 1);
            if (!(t[idx] & _PAGE_PRESENT)) {
                uint64_t *next = guest_va_to_virt(p2m, img, pt_va);
                uint64_t ma = p2m[(pt_va - base) >> PAGE_SHIFT] << PAGE_SHIFT;
                t[idx] = ma | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
                pt_va += PAGE_SIZE;
                tables[level - 1] = next;
            } else {
                tables[level - 1] = maddr_to_virt(pte_addr(t[idx]));
            }
        }
        pte = (p2m[pfn] << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
        /* Page tables are mapped read-only: the guest may read, never write, them. */
        if (va < l->pt_start || va >= l->pt_start + (uint64_t)l->nr_pt * PAGE_SIZE)
            pte |= _PAGE_RW;
        tables[0][pt_index(va, 1)] = pte;
    }
    return l4_mfn;
}

/*
 * Make the tables live as Xen's builder does: the root is validated (which
 * validates every table under it and takes a reference for every mapping),
 * pinned, and becomes vCPU 0's kernel root. Failure means the builder wrote
 * something the guest could not: a bug, reported.
 */
static int builder_install_tables(struct domain *d, mfn_t l4_mfn)
{
    int rc;

    spin_lock(&pv_domain(d)->mm_lock);
    rc = pt_pin(d, l4_mfn, PGT_l4_page_table);
    if (!rc) {
        rc = pv_new_guest_cr3(d->vcpu[0], l4_mfn);
        if (rc)
            pt_unpin(d, l4_mfn);
    }
    spin_unlock(&pv_domain(d)->mm_lock);
    return rc;
}

/* Xen's x86-64 PV hypercall page: a 32-byte stub per hypercall number. */
void pv_fill_hypercall_page(uint8_t *p)
{
    static const uint8_t stub[14] = {
        0x51,                   /* push %rcx */
        0x41, 0x53,             /* push %r11 */
        0xb8, 0, 0, 0, 0,       /* mov $nr, %eax */
        0x0f, 0x05,             /* syscall */
        0x41, 0x5b,             /* pop %r11 */
        0x59,                   /* pop %rcx */
        0xc3,                   /* ret */
    };
    static const uint8_t iret_stub[11] = {
        0x51, 0x41, 0x53, 0x50, /* push %rcx; push %r11; push %rax */
        0xb8, __HYPERVISOR_iret, 0, 0, 0,
        0x0f, 0x05,             /* syscall */
    };

    memset(p, 0xcc, PAGE_SIZE);                 /* int3 between stubs */
    for (uint32_t i = 0; i < PAGE_SIZE / 32; i++) {
        memcpy(p + i * 32, stub, sizeof(stub));
        memcpy(p + i * 32 + 4, &i, 4);
    }
    memcpy(p + __HYPERVISOR_iret * 32, iret_stub, sizeof(iret_stub));
}

/*
 * start_info in Xen's layout. A domU's console is the ring page the
 * hypervisor serves (machine frame and port); dom0 has none (it uses
 * console_io) and no VGA console info (console.dom0 stays zero).
 */
static void fill_start_info(struct start_info *si, const struct domain *d,
                            const struct pv_layout *l, mfn_t console_mfn,
                            unsigned int console_port, const char *cmdline)
{
    memset(si, 0, sizeof(*si));
    strlcpy(si->magic, "xen-3.0-x86_64", sizeof(si->magic));
    si->nr_pages = l->nr_pages;
    si->shared_info = virt_to_maddr(d->shared_info);
    si->flags = d->is_privileged ? (SIF_PRIVILEGED | SIF_INITDOMAIN) : 0;
    si->pt_base = l->pt_start;
    si->nr_pt_frames = l->nr_pt;
    si->mfn_list = l->p2m;
    if (l->initrd_len) {
        si->mod_start = l->initrd;      /* a virtual address: no SIF_MOD_START_PFN */
        si->mod_len = l->initrd_len;
    }
    if (l->console) {
        si->console.domU.mfn = console_mfn;
        si->console.domU.evtchn = console_port;
    }
    strlcpy((char *)si->cmd_line, cmdline, sizeof(si->cmd_line));
}

/* Bytes of the cpio archive holding files (0 when there are none). */
static uint64_t boot_files_size(const struct boot_files *files)
{
    uint64_t total;

    if (!files || !files->n)
        return 0;
    total = cpio_trailer_size();
    for (unsigned int i = 0; i < files->n; i++)
        total += cpio_entry_size(files->file[i].name, files->file[i].size);
    return total;
}

/*
 * dom0's boot files as one newc cpio archive at va (its initrd): each
 * file's header, name, and data; padding is left as the zero it is.
 */
static void copy_boot_files(const uint64_t *p2m, const struct pv_image *img, uint64_t va,
                            const struct boot_files *files)
{
    char hdr[CPIO_HEADER_SIZE + CPIO_NAME_MAX + 4];
    uint64_t n;

    if (!files || !files->n)
        return;
    for (unsigned int i = 0; i <= files->n; i++) {
        const struct boot_file *f = i < files->n ? &files->file[i] : NULL;

        n = cpio_write_header(hdr, f ? f->name : CPIO_TRAILER, f ? f->size : 0, i + 1);
        copy_to_domain(p2m, img, va, hdr, n);
        if (f)
            copy_to_domain(p2m, img, va + n, f->data, f->size);
        va += cpio_entry_size(f ? f->name : CPIO_TRAILER, f ? f->size : 0);
    }
}

/*
 * Build a PV domain from module mod as opts say (name, memory, vCPUs,
 * scheduling, guest command line). vCPU 0 is up at the kernel's entry; the
 * others are down until the guest brings them up (VCPUOP_initialise, up).
 */
int pv_build_domain(const struct boot_module *mod, const struct domain_options *opts,
                    bool privileged, const struct boot_files *files, struct domain **out)
{
    struct pv_image img;
    const char *why;
    struct pv_layout lay;
    struct domain_config cfg = { 0 };
    struct domain *d = NULL;
    struct vcpu *v;
    struct pv_vcpu *pv;
    uint64_t *p2m = NULL;
    const char *name = opts->name;
    uint64_t mem = opts->mem ? opts->mem : privileged ? dom0_mem : domu_mem;
    mfn_t l4_mfn;
    mfn_t console_mfn = 0;
    int console_port = 0;
    int rc;

    if (pv_image_parse(maddr_to_virt(mod->start), mod->end - mod->start, &img, &why))
        return image_fail(name, why);
    rc = layout_compute(&lay, &img, mem, privileged, boot_files_size(files), name);
    if (rc)
        return rc;

    cfg.name = name;
    cfg.max_vcpus = opts->vcpus;
    cfg.max_pages = lay.nr_pages;
    cfg.privileged = privileged;
    cfg.sched = opts->sched;
    cfg.hard_affinity = opts->affinity;
    cfg.soft_affinity = opts->soft_affinity;
    cfg.max_grant_frames = opts->grant_frames;
    cfg.max_maptrack_frames = opts->maptrack_frames;
    rc = domain_create(&cfg, privileged, &d);
    if (rc)
        return rc;
    rc = -ENOMEM;
    p2m = xmalloc_bytes(lay.nr_pages * sizeof(*p2m));
    if (!p2m)
        goto fail;
    for (uint64_t pfn = 0; pfn < lay.nr_pages; pfn++) {
        struct page_info *pg = domain_alloc_page(d);     /* zeroed */
        if (!pg)
            goto fail;
        p2m[pfn] = page_to_mfn(pg);
        set_gpfn_from_mfn(p2m[pfn], pfn);
    }

    for (unsigned int i = 0; i < img.phnum; i++) {
        const struct elf64_phdr *ph = &img.ph[i];
        if (ph->type == PT_LOAD)
            copy_to_domain(p2m, &img, ph->vaddr, img.data + ph->offset, ph->filesz);
    }
    copy_boot_files(p2m, &img, lay.initrd, files);
    copy_to_domain(p2m, &img, lay.p2m, p2m, lay.nr_pages * sizeof(*p2m));
    l4_mfn = build_page_tables(&lay, &img, p2m);
    if (lay.console) {
        console_mfn = p2m[(lay.console - img.virt_base) >> PAGE_SHIFT];
        console_port = console_ring_attach(d, console_mfn);
        if (console_port < 0) {
            rc = console_port;
            pr_err("builder: %s: no console ring (%d)\n", name, rc);
            goto fail_quiet;
        }
    }
    fill_start_info(guest_va_to_virt(p2m, &img, lay.start_info), d, &lay, console_mfn,
                    console_port, opts->cmdline);
    if (img.hypercall_page)
        pv_fill_hypercall_page(guest_va_to_virt(p2m, &img, img.hypercall_page));
    rc = builder_install_tables(d, l4_mfn);
    if (rc) {
        pr_err("builder: %s: initial page tables refused (%d)\n", name, rc);
        goto fail_quiet;
    }

    /* Its memory map, as a toolstack would set it: all its frames are RAM. */
    pv_domain(d)->e820[0] = (struct e820_entry){ 0, lay.nr_pages << PAGE_SHIFT, E820_TYPE_RAM };
    pv_domain(d)->nr_e820 = 1;
    ((struct pv_domain *)d->arch)->virt_base = img.virt_base;
    ((struct pv_domain *)d->arch)->hypercall_page = img.hypercall_page;
    v = d->vcpu[0];
    pv = pv_vcpu(v);
    pv->regs.rip = img.entry;
    pv->regs.rsp = lay.v_end;
    pv->regs.rsi = lay.start_info;
    v->vcpu_info->evtchn_upcall_mask = 1;
    v->is_initialised = true;
    vcpu_up(v);                                     /* vCPU 0 starts up */
    xfree(p2m);
    printk_level(pv_build_quiet ? LOG_DEBUG : LOG_INFO,
                 "dom%u: PV kernel '%s' (%s), %lu MiB, %u vCPU%s, entry %#lx\n", d->domain_id,
                 name, img.guest_os[0] ? img.guest_os : "unknown OS", lay.nr_pages >> 8,
                 d->max_vcpus, d->max_vcpus == 1 ? "" : "s", img.entry);
    *out = d;
    return 0;

fail:
    pr_err("builder: %s: out of memory\n", name);
fail_quiet:
    xfree(p2m);
    domain_destroy(d);
    domain_put(d);
    return rc;
}
