/* The register frame built by the exception entry code (entry.S). */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#include <sable/types.h>

/* Field order is the push order in entry.S, lowest address first. */
struct cpu_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi;
    uint64_t vector;
    uint64_t error_code;
    /* pushed by the CPU */
    uint64_t rip, cs, rflags, rsp, ss;
};

#endif
