/* CPU registers, MSRs and instructions the hypervisor uses directly. */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <sable/types.h>

#define X86_CR0_PE  (1UL << 0)
#define X86_CR0_MP  (1UL << 1)
#define X86_CR0_EM  (1UL << 2)
#define X86_CR0_TS  (1UL << 3)
#define X86_CR0_NE  (1UL << 5)
#define X86_CR0_WP  (1UL << 16)
#define X86_CR0_PG  (1UL << 31)
#define X86_CR4_PAE  (1UL << 5)
#define X86_CR4_PGE  (1UL << 7)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_FSGSBASE (1UL << 16)
#define X86_CR4_SMEP (1UL << 20)
#define X86_CR4_SMAP (1UL << 21)
#define X86_CR4_OSXSAVE (1UL << 18)
#define X86_CR4_PKE  (1UL << 22)

#define X86_EFLAGS_IF (1UL << 9)
#define X86_EFLAGS_AC (1UL << 18)

#define MSR_EFER          0xc0000080
#define EFER_SCE  (1UL << 0)
#define EFER_LME  (1UL << 8)
#define EFER_LMA  (1UL << 10)
#define EFER_NXE  (1UL << 11)
#define EFER_SVME (1UL << 12)
#define MSR_STAR          0xc0000081
#define MSR_LSTAR         0xc0000082
#define MSR_CSTAR         0xc0000083
#define MSR_SFMASK        0xc0000084
#define MSR_FS_BASE       0xc0000100
#define MSR_GS_BASE       0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_APIC_BASE     0x0000001b
#define MSR_TSC_DEADLINE  0x000006e0
#define MSR_PAT           0x00000277

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };

static inline void cpuid_count(uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
    __asm__ volatile("cpuid"
                     : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
                     : "a"(leaf), "c"(sub));
}

static inline void cpuid(uint32_t leaf, struct cpuid_regs *r) { cpuid_count(leaf, 0, r); }

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* RDTSC after every earlier instruction has finished (LFENCE): for timing. */
static inline uint64_t rdtsc_ordered(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* XCR index 0 (XCR0): which state components XSAVE manages (needs CR4.OSXSAVE). */
static inline void xsetbv(uint32_t index, uint64_t v)
{
    __asm__ volatile("xsetbv" :: "c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t xgetbv(uint32_t index)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
    return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                        \
    static inline uint64_t read_cr##n(void)                                 \
    { uint64_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(uint64_t v)                              \
    { __asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t read_rflags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void local_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void local_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline bool local_irq_enabled(void) { return read_rflags() & X86_EFLAGS_IF; }
static inline void halt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* Enable interrupts and halt atomically: a wake-up IRQ cannot be missed. */
static inline void safe_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void clts(void) { __asm__ volatile("clts" ::: "memory"); }
static inline void stts(void) { write_cr0(read_cr0() | X86_CR0_TS); }
static inline void invlpg(vaddr_t va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }
static inline void mb(void) { __asm__ volatile("mfence" ::: "memory"); }

static inline unsigned long irq_save(void)
{
    unsigned long f = read_rflags();
    local_irq_disable();
    return f;
}

static inline void irq_restore(unsigned long flags)
{
    if (flags & X86_EFLAGS_IF)
        local_irq_enable();
}

#endif
