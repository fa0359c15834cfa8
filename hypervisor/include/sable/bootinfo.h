/*
 * What the boot loader told us, normalised from Multiboot v1 or Multiboot2
 * into one structure and copied into the image, so nothing later depends on
 * the loader's memory.
 */
#ifndef SABLE_BOOTINFO_H
#define SABLE_BOOTINFO_H

#include <sable/cmdline.h>
#include <sable/types.h>

#define BOOT_MMAP_MAX     128
#define BOOT_MODULES_MAX  16
#define BOOT_MOD_CMDLINE  256

/* Memory map entry types (the E820/Multiboot numbering). */
#define MEM_RAM       1
#define MEM_RESERVED  2
#define MEM_ACPI      3
#define MEM_NVS       4
#define MEM_BAD       5

struct mem_range {
    paddr_t addr;
    uint64_t len;
    uint32_t type;
};

struct boot_module {
    paddr_t start, end;                 /* [start, end) */
    char cmdline[BOOT_MOD_CMDLINE];
};

struct boot_info {
    char loader[64];
    char cmdline[CMDLINE_MAX];
    unsigned int nr_mmap;
    struct mem_range mmap[BOOT_MMAP_MAX];
    unsigned int nr_modules;
    struct boot_module modules[BOOT_MODULES_MAX];
    /* A copy of the ACPI RSDP when the loader passed one (Multiboot2). */
    uint8_t rsdp[36];
    uint32_t rsdp_len;
    int protocol;                       /* 1 or 2 */
};

extern struct boot_info boot_info;

/* Fill boot_info from the loader's structure; false if magic is unknown. */
bool bootinfo_parse(uint32_t magic, paddr_t info_pa);

#endif
