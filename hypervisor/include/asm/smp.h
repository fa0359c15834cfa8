/*
 * Bringing up the other CPUs, and asking them to do things.
 *
 * CPU numbers are dense: 0 is the boot CPU, the APs that answered are
 * 1..nr_cpus_online-1 in MADT order (asm/percpu.h has their state).
 */
#ifndef ASM_SMP_H
#define ASM_SMP_H

/* Physical page of the real-mode AP entry code (SIPI vector 0x08). */
#define TRAMPOLINE_PA 0x8000

#ifndef __ASSEMBLER__
#include <sable/types.h>

/*
 * Layout of the words the boot CPU fills in at the end of the trampoline
 * page before each SIPI (offsets fixed in trampoline.S).
 */
struct trampoline_data {
    uint32_t cr3;               /* temporary L4, below 4 GiB */
    uint32_t cr0;
    uint64_t efer;
    uint64_t stack;             /* initial RSP: the AP's cpu_info */
    uint64_t entry;             /* 64-bit code at its linked address */
} __packed;

/*
 * Boot CPU: start every enabled MADT CPU (up to maxcpus= and NR_CPUS),
 * each to its idle loop with interrupts on. Prints `smp: N CPUs online`.
 */
void smp_boot(void);

/*
 * Run fn(arg) on cpu (in its interrupt context, or directly if it is this
 * CPU) and wait for it to return. Interrupts must be enabled: the CPU we
 * wait for may itself be waiting to call us. 0, or -EINVAL if cpu is not
 * online.
 */
int smp_call_function(unsigned int cpu, void (*fn)(void *), void *arg);

/* The same on every online CPU, this one included, and wait for all. */
void smp_call_function_all(void (*fn)(void *), void *arg);

#endif

#endif
