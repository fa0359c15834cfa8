/*
 * x86-64 part of the guest ABI: register frames, the PV virtual CPU context,
 * the flat segments PV guests start with, and the virtual-address range the
 * hypervisor keeps for itself in every PV address space.
 *
 * Hypercall calling convention (both PV and HVM 64-bit guests):
 *   rax = hypercall number; arguments in rdi, rsi, rdx, r10, r8 (r9 would be
 *   a sixth; none is used); result in rax (>= 0 success, < 0 a negated Xen
 *   errno, see errno.h). PV guests enter with SYSCALL from ring 3 through
 *   the hypercall page (rcx and r11 are saved by the page's stub); HVM guests
 *   use VMMCALL (AMD) or VMCALL (Intel). Other registers are preserved,
 *   except that a debug build may scribble over the argument registers it
 *   consumed, as Xen does, to catch guests that rely on them.
 */
#ifndef SABLE_PUBLIC_ARCH_X86_64_H
#define SABLE_PUBLIC_ARCH_X86_64_H

#include "abi.h"

/*
 * Hypercall page: 128 stubs of 32 bytes, stub N issues hypercall N. A guest
 * names the page's location (PV: XEN_ELFNOTE_HYPERCALL_PAGE; HVM: the MSR in
 * CPUID leaf base+2) and the hypervisor fills it.
 */
#define HYPERCALL_STUB_SIZE     32
#define HYPERCALL_PAGE_STUBS    128

/*
 * Flat segments every PV guest finds in the GDT the hypervisor reserves for
 * it (entries 260..262, at the top of its reserved GDT range). The guest
 * kernel runs in ring 3 too, so "kernel" and "user" selectors are the same.
 */
#define FLAT_RING3_CS32     0xe023          /* GDT entry 260 */
#define FLAT_RING3_DS32     0xe02b          /* GDT entry 261 */
#define FLAT_RING3_CS64     0xe033          /* GDT entry 262 */
#define FLAT_RING3_DS64     0x0000          /* null selector */
#define FLAT_RING3_SS32     0xe02b
#define FLAT_RING3_SS64     0xe02b

#define FLAT_KERNEL_CS64    FLAT_RING3_CS64
#define FLAT_KERNEL_CS32    FLAT_RING3_CS32
#define FLAT_KERNEL_CS      FLAT_KERNEL_CS64
#define FLAT_KERNEL_DS64    FLAT_RING3_DS64
#define FLAT_KERNEL_DS32    FLAT_RING3_DS32
#define FLAT_KERNEL_DS      FLAT_KERNEL_DS64
#define FLAT_KERNEL_SS64    FLAT_RING3_SS64
#define FLAT_KERNEL_SS32    FLAT_RING3_SS32
#define FLAT_KERNEL_SS      FLAT_KERNEL_SS64

#define FLAT_USER_CS64      FLAT_RING3_CS64
#define FLAT_USER_CS32      FLAT_RING3_CS32
#define FLAT_USER_CS        FLAT_USER_CS64
#define FLAT_USER_DS64      FLAT_RING3_DS64
#define FLAT_USER_DS32      FLAT_RING3_DS32
#define FLAT_USER_DS        FLAT_USER_DS64
#define FLAT_USER_SS64      FLAT_RING3_SS64
#define FLAT_USER_SS32      FLAT_RING3_SS32
#define FLAT_USER_SS        FLAT_USER_SS64

/*
 * GDT pages a PV guest may not use: from page 14 up (entries 1792..) the
 * hypervisor installs its own descriptors, including the flat ones above.
 */
#define FIRST_RESERVED_GDT_PAGE     14
#define FIRST_RESERVED_GDT_BYTE     (FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY    (FIRST_RESERVED_GDT_BYTE / 8)

/*
 * Virtual addresses the hypervisor owns in every PV address space: L4 slots
 * 256..271. PV guests must not map anything there. The read-only
 * machine-to-physical table (one 8-byte entry per machine frame) opens the
 * range, so a guest finds it at a fixed place.
 */
#define HYPERVISOR_VIRT_START   0xFFFF800000000000
#define HYPERVISOR_VIRT_END     0xFFFF880000000000
#define MACH2PHYS_VIRT_START    0xFFFF800000000000
#define MACH2PHYS_VIRT_END      0xFFFF804000000000
#define MACH2PHYS_NR_ENTRIES    ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)

/* set_segment_base(which, base): which segment base to load. */
#define SEGBASE_FS              0
#define SEGBASE_GS_USER         1
#define SEGBASE_GS_KERNEL       2
#define SEGBASE_GS_USER_SEL     3   /* base[15:0] is a selector for user %gs */

/* vcpu_guest_context.flags */
#define _VGCF_i387_valid                0
#define VGCF_i387_valid                 (1 << _VGCF_i387_valid)
#define _VGCF_in_kernel                 2
#define VGCF_in_kernel                  (1 << _VGCF_in_kernel)
#define _VGCF_failsafe_disables_events  3
#define VGCF_failsafe_disables_events   (1 << _VGCF_failsafe_disables_events)
#define _VGCF_syscall_disables_events   4
#define VGCF_syscall_disables_events    (1 << _VGCF_syscall_disables_events)
#define _VGCF_online                    5
#define VGCF_online                     (1 << _VGCF_online)
/* In iret_context.flags: the guest came in by SYSCALL, leave by SYSRET. */
#define _VGCF_in_syscall                8
#define VGCF_in_syscall                 (1 << _VGCF_in_syscall)

/* trap_info.flags: bits 0-1 are the DPL allowed to raise the vector with
 * INT n; bit 2 masks events on delivery (an interrupt gate, not a trap gate). */
#define TI_FLAG_DPL_MASK        0x3
#define TI_FLAG_IF              0x4

/* Legacy vcpu_info slots in shared_info; later vCPUs register their own. */
#define XEN_LEGACY_MAX_VCPUS    32

/*
 * Forced emulation prefix: "ud2; .ascii 'xen'" in front of an instruction
 * makes a PV guest's CPUID trap to the hypervisor, which emulates it with
 * the guest's policy instead of leaking the host's.
 */
#define XEN_EMULATE_PREFIX_BYTES    0x0f, 0x0b, 0x78, 0x65, 0x6e
#define XEN_EMULATE_PREFIX_LEN      5

#define XEN_HVM_DEBUGCONS_IOPORT    0xe9    /* HVM: byte-wide debug console */

#ifndef __ASSEMBLER__

typedef uint64_t xen_ulong_t;       /* a guest "unsigned long" */
typedef uint64_t xen_pfn_t;         /* a frame number (machine or guest) */
typedef uint64_t xen_callback_t;    /* entry address of a guest callback */

/* A CR3 value holds the frame number of the L4 table (PCID bits zero). */
#define xen_pfn_to_cr3(pfn)     ((uint64_t)(pfn) << 12)
#define xen_cr3_to_pfn(cr3)     ((uint64_t)(cr3) >> 12)

/*
 * One entry of a PV guest's virtual IDT (set_trap_table, vcpu context):
 * where the hypervisor bounces an exception or INT n.
 */
struct trap_info {
    uint8_t  vector;        /* IN: exception vector */
    uint8_t  flags;         /* IN: TI_FLAG_* */
    uint16_t cs;            /* IN: code selector of the handler */
    uint32_t _pad0;
    uint64_t address;       /* IN: handler entry; 0 ends a table */
};
SABLE_ABI_CHECK(trap_info_size, sizeof(struct trap_info) == 16);
SABLE_ABI_CHECK(trap_info_address, offsetof(struct trap_info, address) == 8);

/*
 * Guest register frame as PV guests see it (vcpu_guest_context, and the
 * frame Xen tools read). Field order is Xen's, which follows the
 * hypervisor's own entry-stack layout. error_code and entry_vector are
 * hypervisor-private.
 */
struct cpu_user_regs {
    uint64_t r15;
    uint64_t r14;
    uint64_t r13;
    uint64_t r12;
    uint64_t rbp;
    uint64_t rbx;
    uint64_t r11;
    uint64_t r10;
    uint64_t r9;
    uint64_t r8;
    uint64_t rax;
    uint64_t rcx;
    uint64_t rdx;
    uint64_t rsi;
    uint64_t rdi;
    uint32_t error_code;
    uint32_t entry_vector;
    uint64_t rip;
    uint16_t cs;
    uint16_t _pad0[1];
    uint8_t  saved_upcall_mask;     /* events masked: rflags.IF mirrors !this */
    uint8_t  _pad1[3];
    uint64_t rflags;
    uint64_t rsp;
    uint16_t ss, _pad2[3];
    uint16_t es, _pad3[3];
    uint16_t ds, _pad4[3];
    uint16_t fs, _pad5[3];
    uint16_t gs, _pad6[3];
};
SABLE_ABI_CHECK(cpu_user_regs_size, sizeof(struct cpu_user_regs) == 200);
SABLE_ABI_CHECK(cpu_user_regs_rip, offsetof(struct cpu_user_regs, rip) == 128);
SABLE_ABI_CHECK(cpu_user_regs_gs, offsetof(struct cpu_user_regs, gs) == 192);

/*
 * Complete state of a PV vCPU: the initial state of a new PV domain or vCPU
 * (VCPUOP_initialise) and what save/restore transfers.
 */
struct vcpu_guest_context {
    uint8_t  fpu_ctxt[512];         /* FXSAVE image (first, for alignment) */
    uint64_t flags;                 /* VGCF_* */
    struct cpu_user_regs user_regs;
    struct trap_info trap_ctxt[256];/* the virtual IDT */
    uint64_t ldt_base, ldt_ents;    /* linear address, number of entries */
    uint64_t gdt_frames[16];        /* frames of the guest's GDT */
    uint64_t gdt_ents;
    uint64_t kernel_ss, kernel_sp;  /* stack for ring-3-kernel entry */
    uint64_t ctrlreg[8];            /* CR0..CR7; ctrlreg[1] = user L4 */
    uint64_t debugreg[8];           /* DR0..DR7 */
    uint64_t event_callback_eip;
    uint64_t failsafe_callback_eip;
    uint64_t syscall_callback_eip;
    uint64_t vm_assist;             /* VMASST_TYPE_* bitmap */
    uint64_t fs_base;
    uint64_t gs_base_kernel;
    uint64_t gs_base_user;
};
SABLE_ABI_CHECK(vcpu_guest_context_size, sizeof(struct vcpu_guest_context) == 5168);
SABLE_ABI_CHECK(vcpu_guest_context_regs,
                offsetof(struct vcpu_guest_context, user_regs) == 520);
SABLE_ABI_CHECK(vcpu_guest_context_ctrlreg,
                offsetof(struct vcpu_guest_context, ctrlreg) == 4984);

/*
 * Stack frame a PV guest leaves for the iret hypercall (it jumps to the
 * hypercall page's iret stub, which pushes rcx, r11 and rax). Lowest
 * address first, i.e. rsp at the hypercall points at rax. The hypervisor
 * restores rax, r11, rcx, cs:rip, rflags, ss:rsp from it (or, with
 * VGCF_in_syscall in flags, returns by SYSRET and keeps rcx/r11 scratch).
 * A saved cs with RPL 3 returns to guest user mode, RPL 0..2 to the kernel.
 */
struct iret_context {
    uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};
SABLE_ABI_CHECK(iret_context_size, sizeof(struct iret_context) == 72);

/* Per-vCPU x86 state inside vcpu_info: the fault address of a bounced #PF. */
struct arch_vcpu_info {
    uint64_t cr2;
    uint64_t _pad;                  /* keeps vcpu_info at 64 bytes */
};
SABLE_ABI_CHECK(arch_vcpu_info_size, sizeof(struct arch_vcpu_info) == 16);

/*
 * x86 part of shared_info: where a PV guest publishes its physical-to-
 * machine table, for the toolstack (save/restore, dumps).
 */
struct arch_shared_info {
    uint64_t max_pfn;                   /* entries in the p2m */
    xen_pfn_t pfn_to_mfn_frame_list_list; /* 3-level p2m root; 0 unset, ~0 invalid */
    uint64_t nmi_reason;
    uint64_t p2m_cr3;                   /* address space of p2m_vaddr; 0 = unused */
    uint64_t p2m_vaddr;                 /* linear p2m list */
    uint64_t p2m_generation;            /* odd while the guest updates it */
};
SABLE_ABI_CHECK(arch_shared_info_size, sizeof(struct arch_shared_info) == 48);

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_ARCH_X86_64_H */
