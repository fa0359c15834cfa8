/*
 * Multiboot (v1) and Multiboot2 structures, as far as Sable reads them.
 * Layouts from the Multiboot 0.6.96 and Multiboot2 1.0 specifications.
 */
#ifndef SABLE_MULTIBOOT_H
#define SABLE_MULTIBOOT_H

#define MB1_HEADER_MAGIC     0x1BADB002
#define MB1_BOOTLOADER_MAGIC 0x2BADB002
#define MB1_FLAG_PAGE_ALIGN  (1 << 0)
#define MB1_FLAG_MEMINFO     (1 << 1)
#define MB1_FLAG_AOUT_KLUDGE (1 << 16)

#define MB2_HEADER_MAGIC     0xE85250D6
#define MB2_BOOTLOADER_MAGIC 0x36D76289
#define MB2_ARCH_I386        0

#ifndef __ASSEMBLER__
#include <sable/types.h>

/* Multiboot v1 information structure (flags say which fields are valid). */
struct mb1_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;      /* flag 0 */
    uint32_t boot_device;               /* flag 1 */
    uint32_t cmdline;                   /* flag 2 */
    uint32_t mods_count, mods_addr;     /* flag 3 */
    uint32_t syms[4];                   /* flag 4/5 */
    uint32_t mmap_length, mmap_addr;    /* flag 6 */
    uint32_t drives_length, drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;          /* flag 9 */
} __packed;

#define MB1_INFO_MEM      (1 << 0)
#define MB1_INFO_CMDLINE  (1 << 2)
#define MB1_INFO_MODS     (1 << 3)
#define MB1_INFO_MMAP     (1 << 6)
#define MB1_INFO_LOADER   (1 << 9)

struct mb1_module {
    uint32_t mod_start, mod_end;
    uint32_t string;
    uint32_t reserved;
} __packed;

/* size does not count itself: next entry is at (addr + size + 4). */
struct mb1_mmap_entry {
    uint32_t size;
    uint64_t addr;
    uint64_t len;
    uint32_t type;
} __packed;

/* Multiboot2: fixed part, then 8-byte aligned tags. */
struct mb2_info { uint32_t total_size, reserved; } __packed;
struct mb2_tag  { uint32_t type, size; } __packed;

#define MB2_TAG_END      0
#define MB2_TAG_CMDLINE  1
#define MB2_TAG_LOADER   2
#define MB2_TAG_MODULE   3
#define MB2_TAG_MEMINFO  4
#define MB2_TAG_MMAP     6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

struct mb2_tag_string { uint32_t type, size; char string[]; } __packed;
struct mb2_tag_module {
    uint32_t type, size;
    uint32_t mod_start, mod_end;
    char cmdline[];
} __packed;
struct mb2_mmap_entry { uint64_t addr, len; uint32_t type, zero; } __packed;
struct mb2_tag_mmap {
    uint32_t type, size;
    uint32_t entry_size, entry_version;
    struct mb2_mmap_entry entries[];
} __packed;
struct mb2_tag_acpi { uint32_t type, size; uint8_t rsdp[]; } __packed;

#endif /* __ASSEMBLER__ */
#endif /* SABLE_MULTIBOOT_H */
