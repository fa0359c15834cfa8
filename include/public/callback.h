/*
 * callback_op(cmd, arg): where a PV guest wants events, failsafe returns,
 * its applications' SYSCALLs and NMIs delivered. (set_callbacks is the
 * older three-argument form of the same thing.)
 */
#ifndef SABLE_PUBLIC_CALLBACK_H
#define SABLE_PUBLIC_CALLBACK_H

#include "xen.h"

#define CALLBACKOP_register     0   /* struct callback_register */
#define CALLBACKOP_unregister   1   /* struct callback_unregister */

/* callback_register.type */
#define CALLBACKTYPE_event              0   /* event channel upcall */
#define CALLBACKTYPE_failsafe           1   /* guest state could not be loaded */
#define CALLBACKTYPE_syscall            2   /* SYSCALL from 64-bit user space */
#define CALLBACKTYPE_sysenter_deprecated 3
#define CALLBACKTYPE_nmi                4
#define CALLBACKTYPE_sysenter           5   /* SYSENTER from 32-bit user space */
#define CALLBACKTYPE_syscall32          7   /* SYSCALL from 32-bit user space */

/* callback_register.flags */
#define _CALLBACKF_mask_events  0
#define CALLBACKF_mask_events   (1U << _CALLBACKF_mask_events) /* mask on entry */

#ifndef __ASSEMBLER__

/* Install a callback entry point. */
struct callback_register {
    uint16_t type;              /* IN: CALLBACKTYPE_* */
    uint16_t flags;             /* IN: CALLBACKF_* */
    uint32_t _pad0;
    xen_callback_t address;     /* IN: entry (flat kernel CS) */
};
SABLE_ABI_CHECK(callback_register_size, sizeof(struct callback_register) == 16);
SABLE_ABI_CHECK(callback_register_address, offsetof(struct callback_register, address) == 8);

/* Remove a callback; only the NMI one can be removed (others: -EINVAL). */
struct callback_unregister {
    uint16_t type;              /* IN: CALLBACKTYPE_* */
    uint16_t _unused;
};
SABLE_ABI_CHECK(callback_unregister_size, sizeof(struct callback_unregister) == 4);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_CALLBACK_H */
