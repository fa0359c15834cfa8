/*
 * XEN_DOMCTL_sethvmcontext's records (public/hvm_save.h), read and checked
 * before anything is loaded (hvm/hvm_context.c; portable, unit-tested).
 *
 * Accepted: a HEADER first (magic, version), then CPU records (one per
 * vCPU at most, 1032 or 1048 bytes, zero-extended), then END; nothing
 * after it. Refused with -EINVAL: anything else, a record running past the
 * buffer, a vCPU number >= nr_vcpus, and a CPU state SVM could not enter
 * or Sable does not load (hvm_cpu_check). Unknown record types are
 * -EOPNOTSUPP (Sable keeps no PIC, IOAPIC, MTRR, ... state).
 */
#ifndef HVM_HVM_CONTEXT_H
#define HVM_HVM_CONTEXT_H

#include <sable/types.h>
#include <public/hvm_save.h>

#define HVM_CONTEXT_MAX_VCPUS 128      /* Xen's HVM_MAX_VCPUS */

/* Called for each CPU record once the whole buffer has been checked. */
typedef int (*hvm_context_cpu_fn)(void *ctx, unsigned int vcpu, const struct hvm_hw_cpu *c);

/*
 * Check every record of buf (size bytes), then call check for each CPU
 * record (it may refuse: its error is returned, nothing applied), then
 * apply for each. 0 or the first error.
 */
int hvm_context_load(const void *buf, size_t size, unsigned int nr_vcpus,
                     hvm_context_cpu_fn check, hvm_context_cpu_fn apply, void *ctx);

/*
 * Is c a state a vCPU can start in? Control and segment registers SVM's
 * VMRUN accepts (CR0/CR4/EFER reserved bits and combinations, long-mode
 * consistency, canonical bases), no pending event, no FPU image (the
 * vCPU's FPU starts reset: XEN_X86_FPU_INITIALISED is -EOPNOTSUPP).
 * 0 or -EINVAL.
 */
int hvm_cpu_check(const struct hvm_hw_cpu *c);

#endif
