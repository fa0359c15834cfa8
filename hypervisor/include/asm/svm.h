/*
 * AMD SVM: the virtual machine control block (VMCB) and what the hypervisor
 * does with it (AMD64 APM vol. 2, chapter 15 and appendix B).
 *
 * One VMCB per HVM vCPU. Its control area (0x000-0x3ff) says what traps
 * (intercepts), where the I/O and MSR permission maps are, the ASID, the
 * nested page table root, and reports why the guest last exited; its state
 * save area (0x400-) holds the guest's segment, control and a few general
 * registers. The other general registers are saved by svm/entry.S in
 * struct svm_vcpu.
 *
 *   pv_exit_to_guest (scheduler picked an HVM vCPU)
 *        -> hvm_exit_to_guest: inject pending events
 *        -> svm_vmrun (entry.S): VMLOAD, VMRUN ... #VMEXIT, VMSAVE, host VMLOAD
 *        -> svm_vmexit (exits.c): dispatch by exit code
 *        -> pv_exit_to_guest again (which may pick a PV vCPU: trap_return)
 */
#ifndef ASM_SVM_H
#define ASM_SVM_H

/* Offsets used by entry.S. */
#define SVM_VCPU_VMCB_PA   0
#define SVM_VCPU_HOST_PA   8
#define SVM_VCPU_REGS      16     /* struct svm_gprs */

#ifndef __ASSEMBLER__
#include <sable/types.h>

struct vmcb_seg {
    uint16_t sel;
    uint16_t attrib;              /* descriptor bits 40-47 and 52-55, packed */
    uint32_t limit;
    uint64_t base;
};

struct vmcb {
    /* Control area. */
    uint32_t intercept_cr;        /* 0x000: bits 0-15 reads, 16-31 writes */
    uint32_t intercept_dr;        /* 0x004 */
    uint32_t intercept_exceptions;/* 0x008: bit per vector */
    uint32_t intercept_misc1;     /* 0x00c: SVM_INTERCEPT1_* */
    uint32_t intercept_misc2;     /* 0x010: SVM_INTERCEPT2_* */
    uint32_t intercept_misc3;     /* 0x014 */
    uint8_t  res0[0x3c - 0x18];
    uint16_t pause_filter_thresh; /* 0x03c */
    uint16_t pause_filter_count;  /* 0x03e */
    uint64_t iopm_base_pa;        /* 0x040 */
    uint64_t msrpm_base_pa;       /* 0x048 */
    uint64_t tsc_offset;          /* 0x050 */
    uint32_t asid;                /* 0x058 */
    uint8_t  tlb_control;         /* 0x05c */
    uint8_t  res1[3];
    uint64_t vintr;               /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING, vector */
    uint64_t int_state;           /* 0x068: bit 0 interrupt shadow */
    uint64_t exitcode;            /* 0x070 */
    uint64_t exitinfo1;           /* 0x078 */
    uint64_t exitinfo2;           /* 0x080 */
    uint64_t exitintinfo;         /* 0x088: an event whose delivery was cut short */
    uint64_t np_enable;           /* 0x090: bit 0 nested paging */
    uint64_t avic_apic_bar;       /* 0x098 */
    uint64_t ghcb_pa;             /* 0x0a0 */
    uint64_t eventinj;            /* 0x0a8: event to inject at VMRUN */
    uint64_t n_cr3;               /* 0x0b0: nested page table root */
    uint64_t virt_ext;            /* 0x0b8 */
    uint32_t clean;               /* 0x0c0 */
    uint32_t res2;
    uint64_t nrip;                /* 0x0c8: next RIP (when NRIPS exists) */
    uint8_t  insn_len;            /* 0x0d0: decode assists */
    uint8_t  insn_bytes[15];
    uint8_t  res3[0x400 - 0xe0];

    /* State save area. */
    struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;  /* 0x400 */
    uint8_t  res4[0x4cb - 0x4a0];
    uint8_t  cpl;                 /* 0x4cb */
    uint32_t res5;
    uint64_t efer;                /* 0x4d0 */
    uint8_t  res6[0x548 - 0x4d8];
    uint64_t cr4;                 /* 0x548 */
    uint64_t cr3;
    uint64_t cr0;
    uint64_t dr7;
    uint64_t dr6;
    uint64_t rflags;
    uint64_t rip;                 /* 0x578 */
    uint8_t  res7[0x5d8 - 0x580];
    uint64_t rsp;                 /* 0x5d8 */
    uint64_t s_cet, ssp, isst_addr;
    uint64_t rax;                 /* 0x5f8 */
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;   /* 0x600 */
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t cr2;                 /* 0x640 */
    uint8_t  res8[0x668 - 0x648];
    uint64_t g_pat;               /* 0x668 */
    uint64_t dbgctl;
    uint64_t br_from, br_to, lastexcpfrom, lastexcpto;
    uint8_t  res9[0x1000 - 0x698];
};

/* intercept_misc1 */
#define SVM_INTERCEPT1_INTR      (1U << 0)
#define SVM_INTERCEPT1_NMI       (1U << 1)
#define SVM_INTERCEPT1_SMI       (1U << 2)
#define SVM_INTERCEPT1_INIT      (1U << 3)
#define SVM_INTERCEPT1_VINTR     (1U << 4)
#define SVM_INTERCEPT1_CPUID     (1U << 18)
#define SVM_INTERCEPT1_IRET      (1U << 20)
#define SVM_INTERCEPT1_INVD      (1U << 22)
#define SVM_INTERCEPT1_HLT       (1U << 24)
#define SVM_INTERCEPT1_INVLPGA   (1U << 26)
#define SVM_INTERCEPT1_IOIO      (1U << 27)
#define SVM_INTERCEPT1_MSR       (1U << 28)
#define SVM_INTERCEPT1_TASKSW    (1U << 29)
#define SVM_INTERCEPT1_SHUTDOWN  (1U << 31)
/* intercept_misc2 */
#define SVM_INTERCEPT2_VMRUN     (1U << 0)
#define SVM_INTERCEPT2_VMMCALL   (1U << 1)
#define SVM_INTERCEPT2_VMLOAD    (1U << 2)
#define SVM_INTERCEPT2_VMSAVE    (1U << 3)
#define SVM_INTERCEPT2_STGI      (1U << 4)
#define SVM_INTERCEPT2_CLGI      (1U << 5)
#define SVM_INTERCEPT2_SKINIT    (1U << 6)
#define SVM_INTERCEPT2_ICEBP     (1U << 8)
#define SVM_INTERCEPT2_MONITOR   (1U << 10)
#define SVM_INTERCEPT2_MWAIT     (1U << 11)
#define SVM_INTERCEPT2_XSETBV    (1U << 13)

/* vintr */
#define SVM_VINTR_V_IRQ          (1ULL << 8)
#define SVM_VINTR_PRIO_SHIFT     16
#define SVM_VINTR_IGN_TPR        (1ULL << 20)
#define SVM_VINTR_MASKING        (1ULL << 24)
#define SVM_VINTR_VECTOR_SHIFT   32

/* eventinj / exitintinfo */
#define SVM_EVT_VALID            (1ULL << 31)
#define SVM_EVT_ERR_VALID        (1ULL << 11)
#define SVM_EVT_TYPE_INTR        (0ULL << 8)
#define SVM_EVT_TYPE_NMI         (2ULL << 8)
#define SVM_EVT_TYPE_EXC         (3ULL << 8)
#define SVM_EVT_TYPE_SOFT        (4ULL << 8)
#define SVM_EVT_TYPE_MASK        (7ULL << 8)

/* tlb_control */
#define SVM_TLB_NONE             0
#define SVM_TLB_FLUSH_ALL        1

/* Exit codes. */
#define SVM_EXIT_EXCEPTION(v)    (0x40 + (v))
#define SVM_EXIT_INTR            0x60
#define SVM_EXIT_NMI             0x61
#define SVM_EXIT_SMI             0x62
#define SVM_EXIT_INIT            0x63
#define SVM_EXIT_VINTR           0x64
#define SVM_EXIT_RDTSC           0x6e
#define SVM_EXIT_CPUID           0x72
#define SVM_EXIT_IRET            0x74
#define SVM_EXIT_INVD            0x76
#define SVM_EXIT_PAUSE           0x77
#define SVM_EXIT_HLT             0x78
#define SVM_EXIT_INVLPGA         0x7a
#define SVM_EXIT_IOIO            0x7b
#define SVM_EXIT_MSR             0x7c
#define SVM_EXIT_TASK_SWITCH     0x7d
#define SVM_EXIT_SHUTDOWN        0x7f
#define SVM_EXIT_VMRUN           0x80
#define SVM_EXIT_VMMCALL         0x81
#define SVM_EXIT_VMLOAD          0x82
#define SVM_EXIT_VMSAVE          0x83
#define SVM_EXIT_STGI            0x84
#define SVM_EXIT_CLGI            0x85
#define SVM_EXIT_SKINIT          0x86
#define SVM_EXIT_RDTSCP          0x87
#define SVM_EXIT_ICEBP           0x88
#define SVM_EXIT_MONITOR         0x8a
#define SVM_EXIT_MWAIT           0x8b
#define SVM_EXIT_XSETBV          0x8d
#define SVM_EXIT_NPF             0x400
#define SVM_EXIT_INVALID         ((uint64_t)-1)

/* IOIO exitinfo1 */
#define SVM_IOIO_IN              (1U << 0)
#define SVM_IOIO_STR             (1U << 2)
#define SVM_IOIO_REP             (1U << 3)
#define SVM_IOIO_SIZE_SHIFT      4          /* bits 4-6: 1, 2 or 4 bytes */
#define SVM_IOIO_PORT_SHIFT      16

/* NPF exitinfo1 (the nested page fault error code) */
#define SVM_NPF_PRESENT          (1ULL << 0)
#define SVM_NPF_WRITE            (1ULL << 1)
#define SVM_NPF_FETCH            (1ULL << 4)
#define SVM_NPF_IN_WALK          (1ULL << 33)

/* MSRs */
#define MSR_VM_CR                0xc0010114
#define VM_CR_SVMDIS             (1ULL << 4)
#define MSR_VM_HSAVE_PA          0xc0010117

/* CPUID 0x8000000a edx */
#define SVM_FEATURE_NPT          (1U << 0)
#define SVM_FEATURE_NRIPS        (1U << 3)
#define SVM_FEATURE_DECODE       (1U << 7)

/* The guest registers the VMCB does not hold (RAX and RSP live there). */
struct svm_gprs {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * A vCPU's SVM state. The first fields are read by entry.S (offsets
 * SVM_VCPU_*): keep them first and in this order.
 */
struct svm_vcpu {
    paddr_t vmcb_pa;
    paddr_t host_pa;              /* this CPU's host state area, set before each run */
    struct svm_gprs regs;
    struct vmcb *vmcb;
    unsigned int asid;
    unsigned int asid_cpu;        /* CPU the ASID belongs to */
    uint64_t asid_generation;     /* that CPU's generation when it was taken */
};

/* What the CPU can do (filled by svm_cpu_init on the boot CPU). */
struct svm_caps {
    bool present;                 /* SVM with nested paging, enabled on every CPU */
    bool nrips;                   /* next-RIP save */
    bool decode_assists;
    unsigned int nr_asids;
};
extern struct svm_caps svm_caps;

/* Enable SVM on this CPU (EFER.SVME, host save area). Call once per CPU. */
void svm_cpu_init(void);

/* Set up and tear down a vCPU's VMCB. */
int svm_vcpu_create(struct svm_vcpu *s, paddr_t n_cr3);
void svm_vcpu_destroy(struct svm_vcpu *s);

/* Run the guest (entry.S): never returns; exits come back to svm_vmexit. */
void svm_vmrun(struct svm_vcpu *s) __noreturn;
/* Called by entry.S after every #VMEXIT, interrupts off, GIF set. */
void svm_vmexit(struct svm_vcpu *s);

/* Assign an ASID for this CPU before VMRUN (flushing when they wrap). */
void svm_asid_assign(struct svm_vcpu *s);

/* Queue an event for the next VMRUN. */
static inline void svm_inject(struct vmcb *vmcb, uint64_t vector, uint64_t type,
                              bool has_error, uint32_t error)
{
    vmcb->eventinj = vector | type | SVM_EVT_VALID |
                     (has_error ? SVM_EVT_ERR_VALID | ((uint64_t)error << 32) : 0);
}

#endif /* __ASSEMBLER__ */
#endif
