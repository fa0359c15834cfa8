/*
 * ELF notes with which a guest kernel tells the domain builder how to load
 * and start it. Notes have the name "Xen" and live in a PT_NOTE segment.
 * Numeric values are 4 or 8 bytes (the note's descsz says which); strings
 * are zero-terminated. A PVH kernel needs only PHYS32_ENTRY; a PV kernel
 * gives ENTRY, HYPERCALL_PAGE, VIRT_BASE, FEATURES and friends.
 *
 * Plain numbers only, so guest assembly can include this file.
 */
#ifndef SABLE_PUBLIC_ELFNOTE_H
#define SABLE_PUBLIC_ELFNOTE_H

#define XEN_ELFNOTE_INFO            0   /* string: NAME=VALUE, unused */
#define XEN_ELFNOTE_ENTRY           1   /* PV: virtual entry point */
#define XEN_ELFNOTE_HYPERCALL_PAGE  2   /* PV: virtual address to fill */
#define XEN_ELFNOTE_VIRT_BASE       3   /* PV: virtual base of the image */
#define XEN_ELFNOTE_PADDR_OFFSET    4   /* PV: p_paddr bias */
#define XEN_ELFNOTE_XEN_VERSION     5   /* string: "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS        6   /* string, e.g. "linux" */
#define XEN_ELFNOTE_GUEST_VERSION   7   /* string */
#define XEN_ELFNOTE_LOADER          8   /* string: "generic" */
#define XEN_ELFNOTE_PAE_MODE        9   /* string, 32-bit only */
#define XEN_ELFNOTE_FEATURES        10  /* string: features, '|'-separated,
                                         * '!' marks a required one */
#define XEN_ELFNOTE_BSD_SYMTAB      11  /* string: "yes" loads symbols */
#define XEN_ELFNOTE_HV_START_LOW    12  /* 32-bit PV only */
#define XEN_ELFNOTE_L1_MFN_VALID    13  /* PV: mask/value pairs of valid L1 PTEs */
#define XEN_ELFNOTE_SUSPEND_CANCEL  14  /* number: supports cancelled suspend */
#define XEN_ELFNOTE_INIT_P2M        15  /* PV: virtual address of the initial p2m */
#define XEN_ELFNOTE_MOD_START_PFN   16  /* PV: accepts an unmapped initrd */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17 /* number: XENFEAT_* bitmap */
#define XEN_ELFNOTE_PHYS32_ENTRY    18  /* PVH: 32-bit physical entry point */
#define XEN_ELFNOTE_PHYS32_RELOC    19  /* PVH: relocation: align, min, max */
#define XEN_ELFNOTE_MAX             XEN_ELFNOTE_PHYS32_RELOC

/* Notes in crash dumps and dump-core files, not in kernels. */
#define XEN_ELFNOTE_CRASH_INFO              0x1000001
#define XEN_ELFNOTE_CRASH_REGS              0x1000002
#define XEN_ELFNOTE_DUMPCORE_NONE           0x2000000
#define XEN_ELFNOTE_DUMPCORE_HEADER         0x2000001
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION    0x2000002
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION 0x2000003

#endif /* SABLE_PUBLIC_ELFNOTE_H */
