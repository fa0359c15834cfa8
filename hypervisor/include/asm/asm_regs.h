/*
 * Assembly helpers for struct cpu_regs (asm/regs.h): push the general
 * registers in its field order, highest address first, and pop them back.
 */
#ifndef ASM_ASM_REGS_H
#define ASM_ASM_REGS_H

#ifdef __ASSEMBLER__
        .macro  SAVE_GPRS
        pushq   %rdi
        pushq   %rsi
        pushq   %rdx
        pushq   %rcx
        pushq   %rax
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        .endm

        .macro  RESTORE_GPRS
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rax
        popq    %rcx
        popq    %rdx
        popq    %rsi
        popq    %rdi
        .endm
#endif

#endif
