/*
 * HVM vCPU and platform state as records (Xen's public/hvm/save.h and
 * arch-x86/hvm/save.h): what XEN_DOMCTL_sethvmcontext loads. Xen's
 * toolstack starts a PVH domU's vCPU 0 this way (libxc's vcpu_hvm): a
 * HEADER record, a CPU record for the vCPU (flat 32-bit protected mode,
 * paging off, RIP at the PVH entry, RBX the hvm_start_info), an END.
 *
 * The buffer is a sequence of (descriptor, data) pairs; each data part is
 * `length` bytes, unpadded. Sable loads HEADER, CPU and END (docs/abi.md).
 */
#ifndef SABLE_PUBLIC_HVM_SAVE_H
#define SABLE_PUBLIC_HVM_SAVE_H

#include "abi.h"

#define HVM_SAVE_CODE_END       0
#define HVM_SAVE_CODE_HEADER    1
#define HVM_SAVE_CODE_CPU       2
#define HVM_SAVE_CODE_LAPIC     5
#define HVM_SAVE_CODE_MTRR      14

#define HVM_FILE_MAGIC          0x54381286
#define HVM_FILE_VERSION        0x00000001

#define XEN_X86_FPU_INITIALISED (1U << 0)
#define XEN_X86_VMX             (1U << 1)

#ifndef __ASSEMBLER__

struct hvm_save_descriptor {
    uint16_t typecode;          /* HVM_SAVE_CODE_* */
    uint16_t instance;          /* the vCPU, for per-vCPU records */
    uint32_t length;            /* bytes of data after the descriptor */
};
SABLE_ABI_CHECK(hvm_save_descriptor_size, sizeof(struct hvm_save_descriptor) == 8);

struct hvm_save_header {
    uint32_t magic;             /* HVM_FILE_MAGIC */
    uint32_t version;           /* HVM_FILE_VERSION */
    uint64_t changeset;         /* the saving Xen's version; informational */
    uint32_t cpuid;             /* CPUID[1].EAX of the saving machine */
    uint32_t gtsc_khz;          /* guest TSC frequency, 0: the host's */
};
SABLE_ABI_CHECK(hvm_save_header_size, sizeof(struct hvm_save_header) == 24);

/* One vCPU's registers. Segment "arbytes" are the VMCB attribute format. */
struct hvm_hw_cpu {
    uint8_t fpu_regs[512];      /* FXSAVE image */
    uint64_t rax, rbx, rcx, rdx, rbp, rsi, rdi, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4;
    uint64_t dr0, dr1, dr2, dr3, dr6, dr7;
    uint32_t cs_sel, ds_sel, es_sel, fs_sel, gs_sel, ss_sel, tr_sel, ldtr_sel;
    uint32_t cs_limit, ds_limit, es_limit, fs_limit, gs_limit, ss_limit, tr_limit, ldtr_limit,
             idtr_limit, gdtr_limit;
    uint64_t cs_base, ds_base, es_base, fs_base, gs_base, ss_base, tr_base, ldtr_base,
             idtr_base, gdtr_base;
    uint32_t cs_arbytes, ds_arbytes, es_arbytes, fs_arbytes, gs_arbytes, ss_arbytes,
             tr_arbytes, ldtr_arbytes;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t shadow_gs;
    uint64_t msr_flags, msr_lstar, msr_star, msr_cstar, msr_syscall_mask, msr_efer,
             msr_tsc_aux;
    uint64_t tsc;
    uint32_t pending_event;     /* vector 7:0, type 10:8, error valid 11, valid 31 */
    uint32_t error_code;
    uint32_t flags;             /* XEN_X86_FPU_INITIALISED, XEN_X86_VMX */
    uint32_t pad0;
    struct {                    /* a union in Xen's header; only meaningful with XEN_X86_VMX */
        uint32_t activity_state;
        uint32_t interruptibility_info;
        uint64_t pending_dbg;
    } vmx;
};
SABLE_ABI_CHECK(hvm_hw_cpu_rip, offsetof(struct hvm_hw_cpu, rip) == 640);
SABLE_ABI_CHECK(hvm_hw_cpu_cs_sel, offsetof(struct hvm_hw_cpu, cs_sel) == 736);
SABLE_ABI_CHECK(hvm_hw_cpu_msr_efer, offsetof(struct hvm_hw_cpu, msr_efer) == 992);
SABLE_ABI_CHECK(hvm_hw_cpu_flags, offsetof(struct hvm_hw_cpu, flags) == 1024);
SABLE_ABI_CHECK(hvm_hw_cpu_size, sizeof(struct hvm_hw_cpu) == 1048);
/* Xen before 4.17 ended the CPU record after pad0: a record this long is accepted too. */
#define HVM_HW_CPU_SIZE_4_7     1032

#endif /* !__ASSEMBLER__ */
#endif /* SABLE_PUBLIC_HVM_SAVE_H */
