/*
 * A PVH guest as it is laid out in guest-physical memory, and the steps
 * that put it there. Shared by both domain builders: the hypervisor's,
 * for boot domains when there is no dom0 (arch/x86/hvm/pvh_builder.c), and
 * dom0's toolstack (dom0/toolstack/pvh_build.c), as Xen's libacpi and
 * libelf serve both hvmloader and libxl. Portable: guest memory is
 * reached only through the caller's write function.
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
 *   0xfeff8000  | special pages: RESERVED   |  as libxc's special_pfn():
 *               |                           |  0xfeffc XenStore ring,
 *               |                           |  0xfefff PV console ring
 *   0xff000000  +---------------------------+
 *
 * Everything taken from the image or the configuration is checked before
 * any domain state exists: a malformed ELF, a kernel without the PVH
 * note, segments outside RAM, an initrd that does not fit, a command line
 * too long, a memory size out of range: refused, with *why saying it.
 */
#ifndef SABLE_PVH_LAYOUT_H
#define SABLE_PVH_LAYOUT_H

#include <sable/elf.h>
#include <sable/types.h>
#include <public/hvm_start_info.h>

#define PVH_MIN_MEM             (4ULL << 20)
#define PVH_MAX_MEM             (16ULL << 30)
#define PVH_LOW_RAM_MAX         (3ULL << 30)    /* RAM below the 32-bit MMIO hole */
#define PVH_HIGH_RAM_BASE       (4ULL << 30)
#define PVH_HOLE_START          0xa0000ULL
#define PVH_HOLE_END            0x100000ULL
#define PVH_START_INFO_GPA      0x6000ULL
#define PVH_MODLIST_GPA         0x6040ULL
#define PVH_MEMMAP_GPA          0x6100ULL
#define PVH_CMDLINE_GPA         0x7000ULL
#define PVH_ACPI_GPA            0xe0000ULL
#define PVH_ACPI_MAX            (PVH_HOLE_END - PVH_ACPI_GPA)
#define PVH_CMDLINE_MAX         2048            /* Linux's COMMAND_LINE_SIZE, NUL included */
#define PVH_MEMMAP_MAX          8
#define PVH_SPECIAL_GFN_FIRST   0xfeff8ULL      /* Xen's special pages */
#define PVH_SPECIAL_PAGES       8
#define PVH_STORE_GFN           (PVH_SPECIAL_GFN_FIRST + 4)
#define PVH_CONSOLE_GFN         (PVH_SPECIAL_GFN_FIRST + 7)

/* A PVH kernel image: its program headers, entry and physical extent. */
struct pvh_kernel {
    const uint8_t *data;
    uint64_t size;
    const struct elf64_phdr *ph;
    unsigned int phnum;
    uint64_t entry;                 /* XEN_ELFNOTE_PHYS32_ENTRY */
    uint64_t lo, hi;                /* guest-physical extent of the PT_LOADs */
};

/* 0, or -EINVAL with *why. */
int pvh_kernel_parse(struct pvh_kernel *k, const void *data, uint64_t size, const char **why);

/* Where everything goes, once checked. */
struct pvh_plan {
    uint64_t mem;                   /* RAM bytes, a multiple of 2 MiB */
    uint64_t initrd_gpa, initrd_size;   /* 0, 0: none */
    unsigned int nr_vcpus;
    const char *cmdline;
};

/*
 * Check a domain of mem bytes (rounded up to 2 MiB) for kernel k, an
 * initrd of initrd_size bytes (0: none), cmdline and nr_vcpus, and fill
 * *p: 0, or -EINVAL with *why.
 */
int pvh_plan(struct pvh_plan *p, const struct pvh_kernel *k, uint64_t mem,
             uint64_t initrd_size, const char *cmdline, unsigned int nr_vcpus,
             const char **why);

/* The RAM ranges to back for mem bytes: how many (1 or 2), into start[], len[]. */
unsigned int pvh_ram_ranges(uint64_t mem, uint64_t start[2], uint64_t len[2]);
/* The order (9: 2 MiB, or 0) of the next extent to back at gfn, below end. */
static inline unsigned int pvh_extent_order(uint64_t gfn, uint64_t end)
{
    return (gfn & 511) == 0 && end - gfn >= 512 ? 9 : 0;
}

/* The guest's memory map (at most PVH_MEMMAP_MAX entries): how many. */
unsigned int pvh_memmap(struct hvm_memmap_table_entry *m, uint64_t mem);

/* Writes len bytes at guest-physical gpa: 0 or an error. */
typedef int (*pvh_write_fn)(void *ctx, uint64_t gpa, const void *src, uint64_t len);

/* The kernel's PT_LOAD segments (the rest of memsz is zero already). */
int pvh_kernel_load(const struct pvh_kernel *k, pvh_write_fn write, void *ctx);

/* Scratch bytes pvh_boot_data() needs for the ACPI tables of nr_vcpus vCPUs. */
size_t pvh_acpi_scratch_size(unsigned int nr_vcpus);

/*
 * The boot data of plan p: ACPI tables (built in scratch, at least
 * pvh_acpi_scratch_size() bytes), hvm_start_info, module list, memory map
 * and command line. 0 or an error (the write function's, or -EINVAL).
 * The initrd itself is the caller's to write at p->initrd_gpa.
 */
int pvh_boot_data(const struct pvh_plan *p, void *scratch, size_t scratch_size,
                  pvh_write_fn write, void *ctx);

#endif
