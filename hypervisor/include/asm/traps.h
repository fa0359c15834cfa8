/* Exceptions and interrupt vectors. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <asm/regs.h>

#define TRAP_DE   0
#define TRAP_DB   1
#define TRAP_NMI  2
#define TRAP_BP   3
#define TRAP_UD   6
#define TRAP_NM   7
#define TRAP_DF   8
#define TRAP_TS  10
#define TRAP_NP  11
#define TRAP_SS  12
#define TRAP_GP  13
#define TRAP_PF  14
#define TRAP_MC  18

/* Vectors 32..255 are interrupts; allocation of the fixed ones: */
#define VEC_FIRST_IRQ     0x20
#define VEC_APIC_TIMER    0xf0
#define VEC_IPI_CALL      0xf1
#define VEC_IPI_WAKE      0xf2
#define VEC_IPI_STOP      0xfd
#define VEC_APIC_ERROR    0xfe
#define VEC_SPURIOUS      0xff

typedef void (*irq_handler_t)(struct cpu_regs *regs, unsigned int vector);

/* Install the handler for an interrupt vector (>= 32); replaces any old one. */
void irq_register(unsigned int vector, irq_handler_t handler);

void do_trap(struct cpu_regs *regs);

/* Print a register dump and backtrace for the frame, then stop the machine. */
void fatal_trap(const struct cpu_regs *regs, const char *why) __attribute__((noreturn));

#endif
