/* Guest user mode for test kernels (guest/include/guest/user.h). */
#include <guest/hypercall.h>
#include <guest/user.h>


void user_syscall_entry(void);
void user_enter(uint64_t rip, uint64_t rsp, uint64_t arg);

/* The kernel's stack for bounces from user mode, and the user's own. */
static uint8_t kernel_stack[USER_STACK_BYTES] __aligned(16);
uint8_t user_stack[USER_STACK_BYTES] __aligned(GUEST_PAGE_SIZE);

long user_mode_init(void)
{
    struct callback_register cb = { .type = CALLBACKTYPE_syscall,
                                     .address = (uintptr_t)user_syscall_entry };
    struct mmuext_op op = {
        .cmd = MMUEXT_NEW_USER_BASEPTR,
        .arg1.mfn = pfn_to_mfn(virt_to_pfn((void *)(uintptr_t)start_info->pt_base)),
    };
    long rc = hypercall_callback_op(CALLBACKOP_register, &cb);

    if (!rc)
        rc = hypercall_stack_switch(FLAT_KERNEL_SS,
                                    (uintptr_t)kernel_stack + sizeof(kernel_stack));
    if (!rc)
        rc = hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
    return rc;
}

__attribute__((weak)) uint64_t user_syscall_c(uint64_t nr, uint64_t a1, uint64_t a2,
                                              uint64_t a3)
{
    return (uint64_t)-XEN_ENOSYS;
}

void user_run(void (*fn)(uint64_t arg), uint64_t arg)
{
    /* As after a call: the callee finds RSP + 8 16-byte aligned. */
    user_enter((uintptr_t)fn, (uintptr_t)user_stack + sizeof(user_stack) - 8, arg);
}
