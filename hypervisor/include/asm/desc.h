/* Segment selectors, GDT/IDT/TSS set-up. */
#ifndef ASM_DESC_H
#define ASM_DESC_H

/*
 * GDT layout. The user entries are ordered for SYSRET (STAR[63:48] = 0x18:
 * 32-bit CS 0x18, SS 0x20, 64-bit CS 0x28); PV guests will use them.
 */
#define SEL_HV_CS    0x08
#define SEL_HV_DS    0x10
#define SEL_USER_CS32 0x1b
#define SEL_USER_DS  0x23
#define SEL_USER_CS  0x2b
#define SEL_TSS      0x30

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
