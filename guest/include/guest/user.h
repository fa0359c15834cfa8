/*
 * Guest user mode for a test kernel, as a PV kernel has it on Xen x86-64:
 * user code runs in ring 3 like the kernel, told apart by the hypervisor's
 * guest-mode flag and by its own page-table root (MMUEXT_NEW_USER_BASEPTR;
 * here the kernel's own L4, since a test kernel maps nothing it would hide).
 * A user SYSCALL is bounced to the kernel's syscall callback on the stack
 * named by stack_switch; the kernel returns with HYPERVISOR_iret and
 * VGCF_in_syscall. Events stay masked in user mode.
 *
 * User system calls here: RAX = USER_SYS_NULL returns at once (a null
 * system call, for timing), USER_SYS_EXIT ends user_run().
 */
#ifndef GUEST_USER_H
#define GUEST_USER_H

#define USER_SYS_NULL   0
#define USER_SYS_EXIT   1

#ifndef __ASSEMBLER__
#include <guest/guest.h>

/* Register the syscall callback, kernel stack and user root: 0 or the error. */
long user_mode_init(void);

/*
 * Run fn(arg) in guest user mode on a stack of its own; returns when it
 * makes the USER_SYS_EXIT system call (fn must not return).
 */
void user_run(void (*fn)(uint64_t arg), uint64_t arg);

/* A system call from user mode: what the guest kernel answered in RAX. */
static inline uint64_t user_syscall(uint64_t nr)
{
    __asm__ volatile("syscall" : "+a"(nr) :: "rcx", "r11", "memory");
    return nr;
}

#endif /* !__ASSEMBLER__ */

#endif /* GUEST_USER_H */
