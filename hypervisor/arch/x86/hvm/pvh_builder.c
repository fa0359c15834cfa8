/*
 * Boot-time PVH domain builder: an ELF kernel with a Xen PHYS32_ENTRY note
 * (Linux's vmlinux, or Sable's own PVH test kernels) and an optional
 * initrd become an HVM domain entered as PVH specifies: 32-bit protected
 * mode, paging off, EBX = guest-physical address of an hvm_start_info.
 *
 * Guest-physical layout (RAM backed in 2 MiB blocks where aligned):
 *
 *   0x00000000  +---------------------------+
 *               | low RAM (first 64 KiB are |  0x6000 hvm_start_info,
 *               | reserved by Linux itself) |  0x6040 module list,
 *               |                           |  0x6100 memory map,
 *               |                           |  0x7000 command line
 *   0x000a0000  +---------------------------+
 *               | legacy hole: RESERVED     |  (backed, never RAM to the guest);
 *               |                           |  0xe0000: ACPI tables (RSDP first)
 *   0x00100000  +---------------------------+
 *               | RAM: kernel at its        |
 *               | p_paddr (16 MiB for Linux)|
 *               | ...           initrd at   |
 *               |               the top     |
 *   ram_top     +---------------------------+  (at most 3 GiB; more RAM
 *               | MMIO hole                 |   continues at 4 GiB)
 *   0xfeff8000  | special pages: RESERVED   |  0xfefff000 PV console ring
 *   0xff000000  | (as on Xen)               |  (HVM_PARAM_CONSOLE_PFN)
 *   0x100000000 +---------------------------+
 *
 * Everything taken from the image or the module line is checked before
 * any domain state exists: a malformed ELF, a kernel without the PVH note,
 * segments outside RAM or an initrd that does not fit are refused with a
 * message.
 */
#include <sable/bootinfo.h>
#include <sable/console.h>
#include <sable/domain.h>
#include <sable/domain_options.h>
#include <sable/elf.h>
#include <sable/errno.h>
#include <sable/guest_console.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <asm/memlayout.h>
#include <hvm/acpi_build.h>
#include <public/elfnote.h>
#include <public/hvm_start_info.h>

#define PVH_DEFAULT_MEM   (256ULL << 20)
#define PVH_MIN_MEM       (4ULL << 20)
#define PVH_MAX_MEM       (16ULL << 30)
#define LOW_RAM_MAX       (3ULL << 30)          /* RAM below the 32-bit MMIO hole */
#define HIGH_RAM_BASE     (4ULL << 30)
#define HOLE_START        0xa0000ULL
#define HOLE_END          0x100000ULL
#define START_INFO_GPA    0x6000ULL
#define MODLIST_GPA       0x6040ULL
#define MEMMAP_GPA        0x6100ULL
#define CMDLINE_GPA       0x7000ULL
#define ACPI_GPA          0xe0000ULL
#define ACPI_MAX          (HOLE_END - ACPI_GPA)
#define GUEST_CMDLINE_MAX       2048                  /* Linux's COMMAND_LINE_SIZE */
#define MEMMAP_MAX        8
#define SPECIAL_GFN_FIRST 0xfeff8ULL            /* Xen's special pages (params) */
#define SPECIAL_PAGES     8
#define CONSOLE_GFN       0xfefffULL

static uint64_t pvh_mem = PVH_DEFAULT_MEM;
size_param("pvh_mem", pvh_mem, PVH_MIN_MEM, PVH_MAX_MEM);

struct pvh_image {
    const uint8_t *data;
    uint64_t size;
    const struct elf64_phdr *ph;
    unsigned int phnum;
    uint64_t entry;                 /* PHYS32_ENTRY, 0: none */
    uint64_t lo, hi;                /* guest-physical extent of the PT_LOADs */
};

static int refuse(const char *name, const char *why)
{
    pr_err("pvh: %s: %s\n", name, why);
    return -EINVAL;
}

/* XEN_ELFNOTE_PHYS32_ENTRY: 4 bytes, or 8 (Linux emits a quad); the low 32 bits. */
static void image_note(void *ctx, uint32_t type, const uint8_t *desc, uint32_t descsz)
{
    struct pvh_image *img = ctx;
    uint64_t entry = 0;

    if (type != XEN_ELFNOTE_PHYS32_ENTRY)
        return;
    elf_note_number(desc, descsz, &entry);
    img->entry = (uint32_t)entry;
}

static int image_parse(struct pvh_image *img, const char *name)
{
    const char *why;

    img->ph = elf_phdrs(img->data, img->size, &img->phnum, &why);
    if (!img->ph)
        return refuse(name, why);
    img->lo = UINT64_MAX;
    for (unsigned int i = 0; i < img->phnum; i++) {
        const struct elf64_phdr *ph = &img->ph[i];
        if (ph->type != PT_LOAD && ph->type != PT_NOTE)
            continue;
        if (!elf_in_file(img->size, ph->offset, ph->filesz))
            return refuse(name, "segment outside the file");
        if (ph->type == PT_NOTE) {
            elf_xen_notes(img->data, ph, image_note, img);
            continue;
        }
        if (ph->filesz > ph->memsz || ph->memsz > PVH_MAX_MEM ||
            ph->paddr + ph->memsz < ph->paddr)
            return refuse(name, "bad PT_LOAD sizes");
        img->lo = MIN(img->lo, ph->paddr);
        img->hi = MAX(img->hi, ph->paddr + ph->memsz);
    }
    if (!img->entry)
        return refuse(name, "no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel");
    if (img->lo == UINT64_MAX)
        return refuse(name, "no loadable segment");
    if (img->entry < img->lo || img->entry >= img->hi)
        return refuse(name, "PVH entry point outside the loaded image");
    return 0;
}

/* The guest's memory map; returns the number of entries. */
static unsigned int memmap_build(struct hvm_memmap_table_entry *m, uint64_t mem)
{
    uint64_t low = MIN(mem, LOW_RAM_MAX);
    unsigned int n = 0;

    m[n++] = (struct hvm_memmap_table_entry){ 0, HOLE_START, XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    m[n++] = (struct hvm_memmap_table_entry){ HOLE_START, HOLE_END - HOLE_START,
                                              XEN_HVM_MEMMAP_TYPE_RESERVED, 0 };
    m[n++] = (struct hvm_memmap_table_entry){ HOLE_END, low - HOLE_END,
                                              XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    m[n++] = (struct hvm_memmap_table_entry){ SPECIAL_GFN_FIRST << PAGE_SHIFT,
                                              SPECIAL_PAGES * PAGE_SIZE,
                                              XEN_HVM_MEMMAP_TYPE_RESERVED, 0 };
    if (mem > low)
        m[n++] = (struct hvm_memmap_table_entry){ HIGH_RAM_BASE, mem - low,
                                                  XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    return n;
}

/* Back [gpa, gpa+len) with RAM: 2 MiB blocks where aligned, 4 KiB elsewhere. */
static int populate_range(struct domain *d, uint64_t gpa, uint64_t len)
{
    uint64_t gfn = gpa >> PAGE_SHIFT, end = (gpa + len) >> PAGE_SHIFT;
    int rc = 0;

    while (!rc && gfn < end) {
        bool big = IS_ALIGNED(gfn, 512) && end - gfn >= 512;
        rc = hvm_populate(d, gfn, big ? P2M_ORDER_2M : P2M_ORDER_4K);
        gfn += big ? 512 : 1;
    }
    return rc;
}

static int populate(struct domain *d, uint64_t mem)
{
    uint64_t low = MIN(mem, LOW_RAM_MAX);
    int rc = populate_range(d, 0, low);

    if (!rc && mem > low)
        rc = populate_range(d, HIGH_RAM_BASE, mem - low);
    return rc;
}

/* Where the initrd goes: page aligned, at the top of low RAM, above the kernel. */
static uint64_t initrd_place(uint64_t mem, uint64_t kernel_end, uint64_t size)
{
    uint64_t top = MIN(mem, LOW_RAM_MAX);
    uint64_t at = ALIGN_DOWN(top - ALIGN_UP(size, PAGE_SIZE), PAGE_SIZE);

    if (size > top || at < ALIGN_UP(kernel_end, PAGE_SIZE))
        return 0;
    return at;
}

static int load_image(struct domain *d, const struct pvh_image *img)
{
    for (unsigned int i = 0; i < img->phnum; i++) {
        const struct elf64_phdr *ph = &img->ph[i];
        if (ph->type == PT_LOAD &&
            hvm_copy_to_guest_phys(d, ph->paddr, img->data + ph->offset, ph->filesz))
            return -EFAULT;
        /* The rest up to memsz is zero already: frames are scrubbed. */
    }
    return 0;
}

/*
 * The guest's ACPI tables (hvm/acpi_build.c): its vCPUs as x2APIC entries
 * (the APICs start in x2APIC mode), power-off and reset registers.
 */
static int write_acpi(struct domain *d, uint64_t *rsdp)
{
    struct hvm_acpi_config cfg = { .nr_vcpus = d->max_vcpus, .x2apic_entries = true };
    struct hvm_acpi_layout lay;
    size_t size = hvm_acpi_size(&cfg);
    void *buf;
    int rc;

    if (!size || size > ACPI_MAX)
        return -EINVAL;
    buf = xzalloc_bytes(size);
    if (!buf)
        return -ENOMEM;
    rc = hvm_acpi_build(buf, size, ACPI_GPA, &cfg, &lay);
    if (!rc)
        rc = hvm_copy_to_guest_phys(d, ACPI_GPA, buf, lay.size);
    xfree(buf);
    *rsdp = lay.rsdp;
    return rc;
}

/*
 * The PV console: a page of the domain at CONSOLE_GFN that the hypervisor
 * serves (common/console_ring.c) until dom0 takes it over; Linux finds it
 * through HVM_PARAM_CONSOLE_PFN/EVTCHN and makes it hvc0.
 */
static int attach_console(struct domain *d)
{
    struct page_info *pg = domain_alloc_page(d);
    int port;

    if (!pg)
        return -ENOMEM;
    if (hvm_map_frame(d, CONSOLE_GFN, page_to_mfn(pg)))
        return -ENOMEM;
    port = console_ring_attach(d, page_to_mfn(pg));
    if (port < 0)
        return port;
    hvm_domain(d)->params[HVM_PARAM_CONSOLE_PFN] = CONSOLE_GFN;
    hvm_domain(d)->params[HVM_PARAM_CONSOLE_EVTCHN] = (uint64_t)port;
    return 0;
}

static int write_start_info(struct domain *d, uint64_t mem, const char *cmdline,
                            uint64_t initrd_gpa, uint64_t initrd_size)
{
    struct hvm_memmap_table_entry map[MEMMAP_MAX];
    struct hvm_modlist_entry mod = { initrd_gpa, initrd_size, 0, 0 };
    struct hvm_start_info si = {
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .nr_modules = initrd_size ? 1 : 0,
        .modlist_paddr = initrd_size ? MODLIST_GPA : 0,
        .cmdline_paddr = CMDLINE_GPA,
        .memmap_paddr = MEMMAP_GPA,
    };

    si.memmap_entries = memmap_build(map, mem);
    if (write_acpi(d, &si.rsdp_paddr) ||hvm_copy_to_guest_phys(d, START_INFO_GPA, &si, sizeof(si)) ||
        hvm_copy_to_guest_phys(d, MEMMAP_GPA, map, si.memmap_entries * sizeof(map[0])) ||
        hvm_copy_to_guest_phys(d, CMDLINE_GPA, cmdline, strlen(cmdline) + 1) ||
        (initrd_size && hvm_copy_to_guest_phys(d, MODLIST_GPA, &mod, sizeof(mod))))
        return -EFAULT;
    return 0;
}

int pvh_build_domain(const struct boot_module *kernel, const struct boot_module *initrd,
                     const struct domain_options *opts, struct domain **out)
{
    struct pvh_image img = { 0 };
    struct domain_config dc = { 0 };
    uint64_t mem = opts->mem ? opts->mem : pvh_mem;
    const char *name = opts->name;
    uint64_t initrd_size = initrd ? initrd->end - initrd->start : 0, initrd_gpa = 0;
    struct vmcb *vmcb;
    struct domain *d;
    int rc;

    if (!svm_caps.present)
        return refuse(name, "this CPU has no SVM with nested paging: no PVH guests");
    img.data = maddr_to_virt(kernel->start);
    img.size = kernel->end - kernel->start;
    rc = image_parse(&img, name);
    if (rc)
        return rc;
    mem = ALIGN_UP(mem, 2ULL << 20);
    if (mem < PVH_MIN_MEM || mem > PVH_MAX_MEM)
        return refuse(name, "memory size out of range (4 MiB .. 16 GiB)");
    if (img.lo < HOLE_END || img.hi > MIN(mem, LOW_RAM_MAX))
        return refuse(name, "kernel segments outside the guest's low RAM (raise sable.mem?)");
    if (strlen(opts->cmdline) >= GUEST_CMDLINE_MAX)
        return refuse(name, "command line longer than 2047 bytes");
    if (initrd_size) {
        initrd_gpa = initrd_place(mem, img.hi, initrd_size);
        if (!initrd_gpa)
            return refuse(name, "initrd too large for the domain's memory");
    }

    dc.name = name;
    dc.max_vcpus = opts->vcpus;
    dc.sched = opts->sched;
    dc.hard_affinity = opts->affinity;
    dc.soft_affinity = opts->soft_affinity;
    dc.max_grant_frames = opts->grant_frames;
    dc.max_maptrack_frames = opts->maptrack_frames;
    dc.max_pages = (mem >> PAGE_SHIFT) + SPECIAL_PAGES;
    dc.hvm = true;
    rc = domain_create(&dc, false, &d);
    if (rc)
        return rc;
    hvm_domain(d)->ram_bytes = mem;
    rc = populate(d, mem);
    if (!rc)
        rc = attach_console(d);
    if (!rc)
        rc = load_image(d, &img);
    if (!rc && initrd_size)
        rc = hvm_copy_to_guest_phys(d, initrd_gpa, maddr_to_virt(initrd->start), initrd_size);
    if (!rc)
        rc = write_start_info(d, mem, opts->cmdline, initrd_gpa, initrd_size);
    if (rc) {
        pr_err("pvh: %s: cannot build the domain: error %d\n", name, rc);
        domain_destroy(d);
        domain_put(d);
        return rc;
    }

    vmcb = hvm_vmcb(d->vcpu[0]);
    vmcb->rip = img.entry;
    hvm_vcpu(d->vcpu[0])->svm.regs.rbx = START_INFO_GPA;
    d->vcpu[0]->is_initialised = true;
    vcpu_up(d->vcpu[0]);
    printk("dom%u: PVH kernel '%s', %lu MiB, %u vCPU%s, entry %#lx%s\n", d->domain_id,
           name, mem >> 20, dc.max_vcpus, dc.max_vcpus == 1 ? "" : "s", img.entry,
           initrd_size ? ", initrd" : "");
    *out = d;
    return 0;
}
