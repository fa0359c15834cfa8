/*
 * hostile: a PV test kernel that attacks the hypervisor through the guest
 * ABI and expects Xen's answers, then crashes itself on purpose.
 */
#ifndef HOSTILE_H
#define HOSTILE_H

void hostile_privileged(void);  /* privileged instructions: #GP, host unharmed */
void hostile_pointers(void);    /* bad hypercall pointers: -EFAULT, nothing written */
void hostile_values(void);      /* bad ports, vCPUs, commands: -EINVAL/-ENOENT/-ENOSYS */
void hostile_memory(void);      /* mappings it must not get, hypervisor memory */
void hostile_permissions(void); /* what an unprivileged domain may not do: -EPERM */
void hostile_crash(void);       /* the deliberate double fault; does not return */

#endif
