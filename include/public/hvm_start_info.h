/*
 * PVH boot: the structure a PVH kernel receives in ebx when entered, in
 * 32-bit protected mode with paging off, at its XEN_ELFNOTE_PHYS32_ENTRY.
 * All addresses are guest-physical; Sable places everything below 4 GiB.
 *
 * Versions: 0 ends after rsdp_paddr (48 bytes); 1 adds the memory map.
 * Linux 6.1 needs version 1 with a memory map (see docs/abi.md).
 */
#ifndef SABLE_PUBLIC_HVM_START_INFO_H
#define SABLE_PUBLIC_HVM_START_INFO_H

#include "abi.h"

#define XEN_HVM_START_MAGIC_VALUE   0x336ec578  /* "xEn3", 0x80 set in the 'E' */

/* hvm_memmap_table_entry.type: the ACPI address range types. */
#define XEN_HVM_MEMMAP_TYPE_RAM         1
#define XEN_HVM_MEMMAP_TYPE_RESERVED    2
#define XEN_HVM_MEMMAP_TYPE_ACPI        3
#define XEN_HVM_MEMMAP_TYPE_NVS         4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE    5
#define XEN_HVM_MEMMAP_TYPE_DISABLED    6
#define XEN_HVM_MEMMAP_TYPE_PMEM        7

#ifndef __ASSEMBLER__

/* Everything a PVH kernel needs to start without firmware. */
struct hvm_start_info {
    uint32_t magic;             /* XEN_HVM_START_MAGIC_VALUE */
    uint32_t version;           /* 1 */
    uint32_t flags;             /* SIF_* */
    uint32_t nr_modules;        /* entries at modlist_paddr */
    uint64_t modlist_paddr;     /* struct hvm_modlist_entry[] */
    uint64_t cmdline_paddr;     /* zero-terminated ASCII; 0 = none */
    uint64_t rsdp_paddr;        /* ACPI RSDP; 0 = search for it */
    /* version 1: */
    uint64_t memmap_paddr;      /* struct hvm_memmap_table_entry[] */
    uint32_t memmap_entries;    /* 0 = no map given */
    uint32_t reserved;          /* zero */
};
SABLE_ABI_CHECK(hvm_start_info_size, sizeof(struct hvm_start_info) == 56);
SABLE_ABI_CHECK(hvm_start_info_rsdp, offsetof(struct hvm_start_info, rsdp_paddr) == 32);
SABLE_ABI_CHECK(hvm_start_info_memmap, offsetof(struct hvm_start_info, memmap_paddr) == 40);
SABLE_ABI_CHECK(hvm_start_info_entries, offsetof(struct hvm_start_info, memmap_entries) == 48);

/* One boot module (the first is Linux's initrd). */
struct hvm_modlist_entry {
    uint64_t paddr;             /* start */
    uint64_t size;              /* bytes */
    uint64_t cmdline_paddr;     /* zero-terminated ASCII; 0 = none */
    uint64_t reserved;          /* zero */
};
SABLE_ABI_CHECK(hvm_modlist_entry_size, sizeof(struct hvm_modlist_entry) == 32);

/* One range of the guest-physical memory map. */
struct hvm_memmap_table_entry {
    uint64_t addr;              /* first byte */
    uint64_t size;              /* bytes */
    uint32_t type;              /* XEN_HVM_MEMMAP_TYPE_* */
    uint32_t reserved;          /* zero */
};
SABLE_ABI_CHECK(hvm_memmap_table_entry_size, sizeof(struct hvm_memmap_table_entry) == 24);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_HVM_START_INFO_H */
