/*
 * Exception, event and failsafe entry points of a PV test kernel.
 *
 * Xen bounces an exception or event to the guest kernel by writing a frame
 * on the guest kernel stack (the current RSP, rounded down to 16 bytes,
 * when the guest was already in kernel mode) and jumping to the registered
 * address. Lowest address first, i.e. what RSP points at on entry:
 *
 *     +0   RCX                 the interrupted values: Xen's SYSCALL
 *     +8   R11                 return path clobbers these two
 *    (+16  error code)         only for vectors that have one
 *     +16  RIP                 (+8 with an error code, from here on)
 *     +24  CS                  bits 0-15 selector (RPL 0 = interrupted the
 *                              guest kernel, 3 = guest user), bits 32-39
 *                              the event mask (saved_upcall_mask) before
 *     +32  RFLAGS              IF = !saved_upcall_mask
 *     +40  RSP
 *     +48  SS
 *
 * The failsafe callback has DS, ES, FS, GS between R11 and RIP. A #PF's
 * address is not on the stack: it is in vcpu_info.arch.cr2.
 * (xen/arch/x86/x86_64/entry.S: create_bounce_frame; docs/guests.md.)
 *
 * Every stub restores RCX and R11, pushes an error code if the CPU did
 * not, and the vector, so one common path sees struct trap_frame
 * (guest/traps.h). The return is the iret hypercall: with RIP, CS, RFLAGS,
 * RSP, SS on the stack we push the iret flags word (0: not returning from
 * a SYSCALL) and jump into the iret stub, which pushes RCX, R11 and RAX to
 * complete struct iret_context.
 */
#include <guest/traps.h>
#include "public/xen.h"

.macro trap_stub vec
        .p2align 4
trap_entry_\vec:
        pop     %rcx
        pop     %r11
        .if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || \
            (\vec == 21) || (\vec == 29) || (\vec == 30)
        .else
        pushq   $0                      /* no error code: keep the layout */
        .endif
        pushq   $\vec
        jmp     trap_common
.endm

        .text
        .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,128
        trap_stub \vec
        .endr

/* The event upcall: a frame without error code, handled as vector 0x100. */
        .p2align 4
        .globl  event_entry
event_entry:
        pop     %rcx
        pop     %r11
        pushq   $0
        pushq   $TRAP_VEC_EVENT
        jmp     trap_common

/*
 * Common path: save the general registers (struct trap_frame), call C with
 * DF clear (Xen does not clear it on a bounce), restore, return by iret.
 * The frame is 16-byte aligned here, so the call sees an aligned stack.
 */
        .p2align 4
trap_common:
        push    %rax
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %rbp
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        cld
        mov     %rsp, %rdi
        call    trap_dispatch
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rbp
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        pop     %rax
        add     $16, %rsp               /* vector, error code */
        pushq   $0                      /* iret_context.flags */
        jmp     hypercall_page + __HYPERVISOR_iret * HYPERCALL_STUB_SIZE

/*
 * Failsafe callback: Xen could not load the segment registers of the
 * context it was returning to. This kernel never changes them, so it is
 * fatal: hand C a pointer to DS, ES, FS, GS, RIP, ... and crash.
 */
        .p2align 4
        .globl  failsafe_entry
failsafe_entry:
        pop     %rcx
        pop     %r11
        mov     %rsp, %rdi
        and     $~15, %rsp
        cld
        call    trap_failsafe
        ud2

/* Stub addresses by vector for the trap table (guest/traps.c); 0 = none. */
        .section .rodata
        .balign 8
        .globl  trap_entries
trap_entries:
        .irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad   trap_entry_\vec
        .endr
        .globl  trap_entry_softint
trap_entry_softint:
        .quad   trap_entry_128

        .section .note.GNU-stack, "", @progbits
