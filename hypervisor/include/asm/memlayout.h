/*
 * The hypervisor's virtual memory map (x86-64, 4-level paging).
 *
 * Sable keeps all of its own mappings inside the 16 top-level (L4) slots
 * 256..271, the range Xen reserves for itself, so that PV guests can later
 * own every other slot of their page-table roots:
 *
 *   0x0000_0000_0000_0000 .. 0x0000_7fff_ffff_ffff   guest user (PV), or the
 *                                                    boot identity map
 *   0xffff_8000_0000_0000 .. 0xffff_87ff_ffff_ffff   reserved for Sable
 *       0xffff_8000_0000_0000  RO_MPT_VIRT_START: the machine-to-physical
 *                              table, read-only and user-readable, for PV
 *                              guests (Xen's MACH2PHYS_VIRT_START), up to
 *       0xffff_8040_0000_0000  RO_MPT_VIRT_END
 *       0xffff_82d0_8000_0000  SABLE_VIRT_START: a 1 GiB window onto physical
 *                              0 (L4 slot 261), so image VA =
 *                              SABLE_VIRT_START + PA; after mm_init() only
 *                              the image itself is mapped there, in 4 KiB
 *                              pages (text RX, rodata R, data/bss RW)
 *       0xffff_82d0_c000_0000  IOREMAP_VIRT_START: ioremap() window, 1 GiB,
 *                              uncached 4 KiB mappings of device MMIO, each
 *                              followed by an unmapped guard page
 *       0xffff_82d1_0000_0000  IOREMAP_VIRT_END
 *       0xffff_8300_0000_0000  DIRECTMAP_VIRT_START: all RAM and the low
 *                              4 GiB (MMIO), VA = DIRECTMAP + PA (slot 262..)
 *       0xffff_8800_0000_0000  DIRECTMAP_VIRT_END
 *   0xffff_8800_0000_0000 .. 0xffff_ffff_ffff_ffff   guest kernel (PV)
 *
 * The image is loaded at physical SABLE_PHYS_START (2 MiB).
 */
#ifndef ASM_MEMLAYOUT_H
#define ASM_MEMLAYOUT_H

#define SABLE_PHYS_START      0x200000
#define HV_L4_SLOT_FIRST      256       /* Sable's L4 slots, in every PV root too */
#define HV_L4_SLOT_LAST       271
#define RO_MPT_VIRT_START     0xffff800000000000  /* slot 256: the read-only M2P */
#define RO_MPT_VIRT_END       0xffff804000000000
#define SABLE_VIRT_START      0xffff82d080000000
#define DIRECTMAP_VIRT_START  0xffff830000000000
#define DIRECTMAP_VIRT_END    0xffff880000000000
#define DIRECTMAP_SIZE        (DIRECTMAP_VIRT_END - DIRECTMAP_VIRT_START)
#define IOREMAP_VIRT_START    0xffff82d0c0000000
#define IOREMAP_VIRT_END      0xffff82d100000000

#define STACK_ORDER 3                    /* 32 KiB block per CPU, see percpu.h */
#define STACK_SIZE  (4096 << STACK_ORDER)

#ifndef __ASSEMBLER__
#include <sable/types.h>

/* Direct-map conversions: every byte of RAM has one hypervisor VA. */
static inline void *maddr_to_virt(paddr_t pa)
{
    return (void *)(pa + DIRECTMAP_VIRT_START);
}

static inline paddr_t virt_to_maddr(const void *va)
{
    vaddr_t v = (vaddr_t)va;
    if (v >= SABLE_VIRT_START && v < DIRECTMAP_VIRT_START)
        return v - SABLE_VIRT_START;     /* inside the image mapping */
    return v - DIRECTMAP_VIRT_START;
}
#endif

#endif /* ASM_MEMLAYOUT_H */
