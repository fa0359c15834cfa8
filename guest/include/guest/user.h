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
 * system call, for timing), USER_SYS_EXIT ends user_run(), and numbers
 * from USER_SYS_CALL up go to user_syscall_c() (a test kernel's own; the
 * default answers -ENOSYS) with RDI, RSI, RDX as arguments; the user's
 * other registers survive.
 */
#ifndef GUEST_USER_H
#define GUEST_USER_H

#define USER_SYS_NULL   0
#define USER_SYS_EXIT   1
#define USER_SYS_CALL   2

#ifndef __ASSEMBLER__
#include <guest/guest.h>

/* The user stack user_run() uses (a kernel with a user root of its own maps it there). */
#define USER_STACK_BYTES 16384
extern uint8_t user_stack[USER_STACK_BYTES];

/* Register the syscall callback, kernel stack and user root: 0 or the error. */
long user_mode_init(void);

/*
 * Run fn(arg) in guest user mode on a stack of its own; returns when it
 * makes the USER_SYS_EXIT system call (fn must not return).
 */
void user_run(void (*fn)(uint64_t arg), uint64_t arg);

/* In guest kernel mode, for a user system call nr >= USER_SYS_CALL: RAX back. */
uint64_t user_syscall_c(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3);

/* A system call from user mode: what the guest kernel answered in RAX. */
static inline uint64_t user_syscall(uint64_t nr)
{
    __asm__ volatile("syscall" : "+a"(nr) :: "rcx", "r11", "memory");
    return nr;
}

#endif /* !__ASSEMBLER__ */

#endif /* GUEST_USER_H */
