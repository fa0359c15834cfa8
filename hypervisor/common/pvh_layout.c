/*
 * The PVH guest layout both domain builders use (sable/pvh_layout.h).
 * Portable: compiled into the hypervisor, dom0 and the unit tests.
 */
#include <hvm/acpi_build.h>
#include <public/elfnote.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/pvh_layout.h>

/* XEN_ELFNOTE_PHYS32_ENTRY: 4 bytes, or 8 (Linux emits a quad); the low 32 bits. */
static void kernel_note(void *ctx, uint32_t type, const uint8_t *desc, uint32_t descsz)
{
    struct pvh_kernel *k = ctx;
    uint64_t entry = 0;

    if (type != XEN_ELFNOTE_PHYS32_ENTRY)
        return;
    elf_note_number(desc, descsz, &entry);
    k->entry = (uint32_t)entry;
}

static int refuse(const char **why, const char *what)
{
    *why = what;
    return -EINVAL;
}

int pvh_kernel_parse(struct pvh_kernel *k, const void *data, uint64_t size, const char **why)
{
    memset(k, 0, sizeof(*k));
    k->data = data;
    k->size = size;
    k->ph = elf_phdrs(data, size, &k->phnum, why);
    if (!k->ph)
        return -EINVAL;
    k->lo = UINT64_MAX;
    for (unsigned int i = 0; i < k->phnum; i++) {
        const struct elf64_phdr *ph = &k->ph[i];
        if (ph->type != PT_LOAD && ph->type != PT_NOTE)
            continue;
        if (!elf_in_file(size, ph->offset, ph->filesz))
            return refuse(why, "segment outside the file");
        if (ph->type == PT_NOTE) {
            elf_xen_notes(data, ph, kernel_note, k);
            continue;
        }
        if (ph->filesz > ph->memsz || ph->memsz > PVH_MAX_MEM ||
            ph->paddr + ph->memsz < ph->paddr)
            return refuse(why, "bad PT_LOAD sizes");
        k->lo = MIN(k->lo, ph->paddr);
        k->hi = MAX(k->hi, ph->paddr + ph->memsz);
    }
    if (!k->entry)
        return refuse(why, "no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel");
    if (k->lo == UINT64_MAX)
        return refuse(why, "no loadable segment");
    if (k->entry < k->lo || k->entry >= k->hi)
        return refuse(why, "PVH entry point outside the loaded image");
    return 0;
}

/* Where the initrd goes: page aligned, at the top of low RAM, above the kernel; 0: nowhere. */
static uint64_t initrd_place(uint64_t mem, uint64_t kernel_end, uint64_t size)
{
    uint64_t top = MIN(mem, PVH_LOW_RAM_MAX);
    uint64_t at;

    if (size > top)
        return 0;
    at = ALIGN_DOWN(top - ALIGN_UP(size, 4096ULL), 4096ULL);
    return at < ALIGN_UP(kernel_end, 4096ULL) ? 0 : at;
}

int pvh_plan(struct pvh_plan *p, const struct pvh_kernel *k, uint64_t mem,
             uint64_t initrd_size, const char *cmdline, unsigned int nr_vcpus,
             const char **why)
{
    memset(p, 0, sizeof(*p));
    if (mem < PVH_MIN_MEM || mem > PVH_MAX_MEM)
        return refuse(why, "memory size out of range (4 MiB .. 16 GiB)");
    mem = ALIGN_UP(mem, 2ULL << 20);
    if (nr_vcpus < 1 || nr_vcpus > HVM_ACPI_MAX_VCPUS)
        return refuse(why, "vCPUs out of range");
    if (k->lo < PVH_HOLE_END || k->hi > MIN(mem, PVH_LOW_RAM_MAX))
        return refuse(why, "kernel segments outside the guest's low RAM (more memory?)");
    if (strlen(cmdline) >= PVH_CMDLINE_MAX)
        return refuse(why, "command line longer than 2047 bytes");
    if (initrd_size) {
        p->initrd_gpa = initrd_place(mem, k->hi, initrd_size);
        if (!p->initrd_gpa)
            return refuse(why, "initrd too large for the domain's memory");
        p->initrd_size = initrd_size;
    }
    p->mem = mem;
    p->nr_vcpus = nr_vcpus;
    p->cmdline = cmdline;
    return 0;
}

unsigned int pvh_ram_ranges(uint64_t mem, uint64_t start[2], uint64_t len[2])
{
    uint64_t low = MIN(mem, PVH_LOW_RAM_MAX);

    start[0] = 0;
    len[0] = low;
    if (mem == low)
        return 1;
    start[1] = PVH_HIGH_RAM_BASE;
    len[1] = mem - low;
    return 2;
}

unsigned int pvh_memmap(struct hvm_memmap_table_entry *m, uint64_t mem)
{
    uint64_t low = MIN(mem, PVH_LOW_RAM_MAX);
    unsigned int n = 0;

    m[n++] = (struct hvm_memmap_table_entry){ 0, PVH_HOLE_START, XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    m[n++] = (struct hvm_memmap_table_entry){ PVH_HOLE_START, PVH_HOLE_END - PVH_HOLE_START,
                                              XEN_HVM_MEMMAP_TYPE_RESERVED, 0 };
    m[n++] = (struct hvm_memmap_table_entry){ PVH_HOLE_END, low - PVH_HOLE_END,
                                              XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    m[n++] = (struct hvm_memmap_table_entry){ PVH_SPECIAL_GFN_FIRST << 12,
                                              PVH_SPECIAL_PAGES * 4096ULL,
                                              XEN_HVM_MEMMAP_TYPE_RESERVED, 0 };
    if (mem > low)
        m[n++] = (struct hvm_memmap_table_entry){ PVH_HIGH_RAM_BASE, mem - low,
                                                  XEN_HVM_MEMMAP_TYPE_RAM, 0 };
    return n;
}

int pvh_kernel_load(const struct pvh_kernel *k, pvh_write_fn write, void *ctx)
{
    return elf_load_segments(k->data, k->ph, k->phnum, true, write, ctx);
}

/* The vCPUs as x2APIC entries (the APICs start in x2APIC mode), power-off and reset. */
static void acpi_config(struct hvm_acpi_config *cfg, unsigned int nr_vcpus)
{
    *cfg = (struct hvm_acpi_config){ .nr_vcpus = nr_vcpus, .x2apic_entries = true };
}

size_t pvh_acpi_scratch_size(unsigned int nr_vcpus)
{
    struct hvm_acpi_config cfg;

    acpi_config(&cfg, nr_vcpus);
    return hvm_acpi_size(&cfg);
}

int pvh_boot_data(const struct pvh_plan *p, void *scratch, size_t scratch_size,
                  pvh_write_fn write, void *ctx)
{
    struct hvm_memmap_table_entry map[PVH_MEMMAP_MAX];
    struct hvm_modlist_entry mod = { p->initrd_gpa, p->initrd_size, 0, 0 };
    struct hvm_start_info si = {
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .nr_modules = p->initrd_size ? 1 : 0,
        .modlist_paddr = p->initrd_size ? PVH_MODLIST_GPA : 0,
        .cmdline_paddr = PVH_CMDLINE_GPA,
        .memmap_paddr = PVH_MEMMAP_GPA,
    };
    struct hvm_acpi_config cfg;
    struct hvm_acpi_layout lay;
    int rc;

    acpi_config(&cfg, p->nr_vcpus);
    if (hvm_acpi_size(&cfg) > PVH_ACPI_MAX)
        return -EINVAL;
    rc = hvm_acpi_build(scratch, scratch_size, PVH_ACPI_GPA, &cfg, &lay);
    if (!rc)
        rc = write(ctx, PVH_ACPI_GPA, scratch, lay.size);
    si.rsdp_paddr = lay.rsdp;
    si.memmap_entries = pvh_memmap(map, p->mem);
    if (!rc)
        rc = write(ctx, PVH_START_INFO_GPA, &si, sizeof(si));
    if (!rc)
        rc = write(ctx, PVH_MEMMAP_GPA, map, si.memmap_entries * sizeof(map[0]));
    if (!rc)
        rc = write(ctx, PVH_CMDLINE_GPA, p->cmdline, strlen(p->cmdline) + 1);
    if (!rc && p->initrd_size)
        rc = write(ctx, PVH_MODLIST_GPA, &mod, sizeof(mod));
    return rc;
}
