/* Segment selectors, GDT/IDT/TSS set-up. */
#ifndef ASM_DESC_H
#define ASM_DESC_H

/*
 * GDT layout: Xen's. The first 14 pages (entries 0..7167) belong to PV
 * guests (set_gdt); the hypervisor's own entries start at 0xe000, so the
 * flat ring-3 selectors guests use (FLAT_RING3_CS64 0xe033 and friends in
 * include/public/arch-x86_64.h) are the same as on Xen. The ring-3 entries
 * follow the order SYSRET needs (STAR[63:48] = 0xe023: 64-bit CS = +16,
 * SS = +8).
 */
#define GDT_RESERVED_OFFSET 0xe000
#define SEL_HV_CS     0xe008     /* ring 0, 64-bit */
#define SEL_HV_DS     0xe010     /* ring 0 data */
#define SEL_USER_CS32 0xe023     /* ring 3, compatibility mode */
#define SEL_USER_DS   0xe02b     /* ring 3 data/stack */
#define SEL_USER_CS   0xe033     /* ring 3, 64-bit */
#define SEL_TSS       0xe040     /* 16-byte TSS descriptor */
#define GDT_LIMIT     (SEL_TSS + 16 - 1)
#define GDT_ORDER     4          /* 16 pages covers 0xe000 + the reserved page */

#ifndef __ASSEMBLER__
#include <asm/percpu.h>

/* Load this CPU's GDT, TSS (with IST stacks) and the shared IDT. */
void desc_init_cpu(struct percpu *pc);
/* Fill the shared IDT once, on the boot CPU. */
void idt_init(void);
/* Route vector to handler at the given privilege level, IST index 0 = none. */
void idt_set_gate(unsigned int vector, void (*handler)(void), unsigned int ist,
                  unsigned int dpl);
#endif

#endif
