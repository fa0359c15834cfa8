/*
 * Where a Sable PV test kernel lives, shared by the linker script, the
 * start-up assembly and C (plain numbers only).
 *
 * The image is linked at GUEST_VIRT_BASE, the -2 GiB region that
 * -mcmodel=kernel addresses directly, and says so in its VIRT_BASE note.
 * With PADDR_OFFSET 0 a Xen-style builder puts segment bytes at
 * VIRT_BASE + p_paddr, so the linker script makes p_paddr = p_vaddr -
 * GUEST_VIRT_BASE (as Linux does); the image starts at pseudo-physical
 * frame 0 and the builder's 1:1 bootstrap map gives pfn = (va - base) >> 12.
 */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

#define GUEST_VIRT_BASE     0xffffffff80000000
#define GUEST_PAGE_SIZE     4096
#define GUEST_STACK_SIZE    (16 * 1024)     /* our own boot stack, in .bss */

#endif /* GUEST_LAYOUT_H */
