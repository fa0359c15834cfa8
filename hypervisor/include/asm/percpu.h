/*
 * Per-CPU state.
 *
 * Each CPU owns one STACK_SIZE block, aligned to its size, so that any code
 * running on any of its stacks finds its CPU by masking RSP (as Xen does; no
 * GS base is needed, which PV guests will want for themselves):
 *
 *   block + STACK_SIZE  +---------------------------+
 *                       | struct cpu_info           |  <- this_cpu_info()
 *                       +---------------------------+
 *                       | primary stack (grows down)|  TSS.rsp0
 *   block + 4 pages     +---------------------------+
 *                       | #MC stack (IST3)          |
 *   block + 3 pages     +---------------------------+
 *                       | NMI stack (IST2)          |
 *   block + 2 pages     +---------------------------+
 *                       | #DF stack (IST1)          |
 *   block + 1 page      +---------------------------+
 *                       | unused (guard)            |
 *   block               +---------------------------+
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <asm/memlayout.h>

#define NR_CPUS        64
#define CPU_INFO_SIZE  64
#define CI_SYSCALL_RSP 16         /* offsetof(struct cpu_info, syscall_rsp) */
#define CI_STACK_TOP   24
#define IST_DF   1
#define IST_NMI  2
#define IST_MC   3

#ifndef __ASSEMBLER__
#include <sable/types.h>

struct cpu_info {
    unsigned int cpu;          /* logical CPU number, 0 = boot CPU */
    uint32_t apic_id;
    struct percpu *pcpu;
    uint64_t syscall_rsp;      /* guest RSP saved by the SYSCALL entry */
    uint64_t stack_top;        /* where the SYSCALL entry puts its frame */
    struct vcpu *curr;         /* vCPU on this CPU, NULL when idle */
    uint64_t pad[3];
};

/* 64-bit TSS (Intel SDM vol. 3, 8.7). */
struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __packed;


struct percpu {
    unsigned int cpu;
    uint32_t apic_id;
    volatile bool online;
    void *stack;                      /* base of the STACK_SIZE block */
    uint64_t *gdt;                    /* 0xe000 + reserved page (asm/desc.h) */
    struct tss64 tss __aligned(16);
};

extern struct percpu percpu[NR_CPUS];
extern unsigned int nr_cpus_online;

static inline struct cpu_info *this_cpu_info(void)
{
    uint64_t sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    return (struct cpu_info *)((sp & ~(uint64_t)(STACK_SIZE - 1)) + STACK_SIZE -
                               CPU_INFO_SIZE);
}

static inline unsigned int smp_processor_id(void) { return this_cpu_info()->cpu; }
static inline struct percpu *this_cpu(void) { return this_cpu_info()->pcpu; }

/* Prepare a fresh stack block for cpu and return the initial RSP. */
uint64_t percpu_stack_init(void *block, unsigned int cpu);
#endif

#endif
