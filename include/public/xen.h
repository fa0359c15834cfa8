/*
 * Core of the guest ABI: hypercall numbers, the shared_info page every
 * domain maps, per-vCPU event and time state, the PV start_info page, and
 * the constants of the small core hypercalls (mmu_update, mmuext_op,
 * update_va_mapping, console_io, vm_assist, multicall).
 */
#ifndef SABLE_PUBLIC_XEN_H
#define SABLE_PUBLIC_XEN_H

#include "abi.h"
#include "arch-x86_64.h"

/*
 * Hypercall numbers (rax). Gaps are numbers Xen retired or never used;
 * "compat" entries are older forms Linux no longer issues.
 */
#define __HYPERVISOR_set_trap_table          0
#define __HYPERVISOR_mmu_update              1
#define __HYPERVISOR_set_gdt                 2
#define __HYPERVISOR_stack_switch            3
#define __HYPERVISOR_set_callbacks           4
#define __HYPERVISOR_fpu_taskswitch          5
#define __HYPERVISOR_sched_op_compat         6
#define __HYPERVISOR_platform_op             7
#define __HYPERVISOR_set_debugreg            8
#define __HYPERVISOR_get_debugreg            9
#define __HYPERVISOR_update_descriptor      10
#define __HYPERVISOR_memory_op              12
#define __HYPERVISOR_multicall              13
#define __HYPERVISOR_update_va_mapping      14
#define __HYPERVISOR_set_timer_op           15
#define __HYPERVISOR_event_channel_op_compat 16
#define __HYPERVISOR_xen_version            17
#define __HYPERVISOR_console_io             18
#define __HYPERVISOR_physdev_op_compat      19
#define __HYPERVISOR_grant_table_op         20
#define __HYPERVISOR_vm_assist              21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret                   23
#define __HYPERVISOR_vcpu_op                24
#define __HYPERVISOR_set_segment_base       25
#define __HYPERVISOR_mmuext_op              26
#define __HYPERVISOR_xsm_op                 27
#define __HYPERVISOR_nmi_op                 28
#define __HYPERVISOR_sched_op               29
#define __HYPERVISOR_callback_op            30
#define __HYPERVISOR_xenoprof_op            31
#define __HYPERVISOR_event_channel_op       32
#define __HYPERVISOR_physdev_op             33
#define __HYPERVISOR_hvm_op                 34
#define __HYPERVISOR_sysctl                 35
#define __HYPERVISOR_domctl                 36
#define __HYPERVISOR_kexec_op               37
#define __HYPERVISOR_tmem_op                38
#define __HYPERVISOR_argo_op                39
#define __HYPERVISOR_xenpmu_op              40
#define __HYPERVISOR_dm_op                  41
#define __HYPERVISOR_hypfs_op               42
#define __HYPERVISOR_arch_0                 48  /* 48..55: per architecture */
#define __HYPERVISOR_arch_7                 55

/*
 * The same list once more as an X-macro, so that dispatch tables, guest
 * stubs and name tables are generated from one place and cannot disagree:
 *   #define ENTRY(name) [__HYPERVISOR_##name] = #name,
 *   static const char *const names[] = { SABLE_HYPERCALLS(ENTRY) };
 */
#define SABLE_HYPERCALLS(X)                                                   \
    X(set_trap_table) X(mmu_update) X(set_gdt) X(stack_switch)                \
    X(set_callbacks) X(fpu_taskswitch) X(sched_op_compat) X(platform_op)      \
    X(set_debugreg) X(get_debugreg) X(update_descriptor) X(memory_op)         \
    X(multicall) X(update_va_mapping) X(set_timer_op)                         \
    X(event_channel_op_compat) X(xen_version) X(console_io)                   \
    X(physdev_op_compat) X(grant_table_op) X(vm_assist)                       \
    X(update_va_mapping_otherdomain) X(iret) X(vcpu_op) X(set_segment_base)   \
    X(mmuext_op) X(xsm_op) X(nmi_op) X(sched_op) X(callback_op)               \
    X(xenoprof_op) X(event_channel_op) X(physdev_op) X(hvm_op) X(sysctl)      \
    X(domctl) X(kexec_op) X(tmem_op) X(argo_op) X(xenpmu_op) X(dm_op)         \
    X(hypfs_op)

#define SABLE_NR_HYPERCALLS     64  /* table size covering every number */

/*
 * Virtual interrupts, bound to event channels with EVTCHNOP_bind_virq.
 * Per-vCPU ones (timer, debug) fire on the vCPU they are bound on; the
 * others are global and go to one vCPU of the domain (dom0 mostly).
 */
#define VIRQ_TIMER          0   /* vCPU: timer deadline or time update */
#define VIRQ_DEBUG          1   /* vCPU: dump debug state */
#define VIRQ_CONSOLE        2   /* global: input on the hypervisor console */
#define VIRQ_DOM_EXC        3   /* global: a domain shut down or crashed */
#define VIRQ_TBUF           4   /* global: trace records available */
#define VIRQ_DEBUGGER       6   /* global: a domain paused for debugging */
#define VIRQ_XENOPROF       7   /* vCPU: profiling sample */
#define VIRQ_CON_RING       8   /* global: hypervisor console ring grew */
#define VIRQ_PCPU_STATE     9   /* global: physical CPU state changed */
#define VIRQ_MEM_EVENT      10  /* global: memory event */
#define VIRQ_ARGO           11  /* domain: Argo message */
#define VIRQ_ENOMEM         12  /* global: hypervisor heap low */
#define VIRQ_XENPMU         13  /* vCPU: PMC interrupt */
#define VIRQ_ARCH_0         16  /* 16..23: per architecture */
#define VIRQ_ARCH_7         23
#define NR_VIRQS            24

/*
 * mmu_update: the low 2 bits of mmu_update.ptr select the command, the rest
 * is the machine address of the target (a PTE, or a frame for MACHPHYS).
 */
#define MMU_NORMAL_PT_UPDATE        0   /* *ptr = val, validated */
#define MMU_MACHPHYS_UPDATE         1   /* m2p[ptr >> 12] = val */
#define MMU_PT_UPDATE_PRESERVE_AD   2   /* as NORMAL, keep old A/D bits */
#define MMU_PT_UPDATE_NO_TRANSLATE  3   /* as NORMAL, val not translated */

/* mmuext_op.cmd */
#define MMUEXT_PIN_L1_TABLE         0   /* arg1.mfn */
#define MMUEXT_PIN_L2_TABLE         1
#define MMUEXT_PIN_L3_TABLE         2
#define MMUEXT_PIN_L4_TABLE         3
#define MMUEXT_UNPIN_TABLE          4   /* arg1.mfn */
#define MMUEXT_NEW_BASEPTR          5   /* arg1.mfn: new kernel L4 */
#define MMUEXT_TLB_FLUSH_LOCAL      6
#define MMUEXT_INVLPG_LOCAL         7   /* arg1.linear_addr */
#define MMUEXT_TLB_FLUSH_MULTI      8   /* arg2.vcpumask */
#define MMUEXT_INVLPG_MULTI         9   /* arg1.linear_addr, arg2.vcpumask */
#define MMUEXT_TLB_FLUSH_ALL        10
#define MMUEXT_INVLPG_ALL           11  /* arg1.linear_addr */
#define MMUEXT_FLUSH_CACHE          12
#define MMUEXT_SET_LDT              13  /* arg1.linear_addr, arg2.nr_ents */
#define MMUEXT_NEW_USER_BASEPTR     15  /* arg1.mfn: new user L4 */
#define MMUEXT_CLEAR_PAGE           16  /* arg1.mfn */
#define MMUEXT_COPY_PAGE            17  /* arg1.mfn <- arg2.src_mfn */
#define MMUEXT_FLUSH_CACHE_GLOBAL   18
#define MMUEXT_MARK_SUPER           19  /* arg1.mfn */
#define MMUEXT_UNMARK_SUPER         20  /* arg1.mfn */

/* update_va_mapping flags: which TLB flush follows the update. */
#define UVMF_NONE               0x0
#define UVMF_TLB_FLUSH          0x1
#define UVMF_INVLPG             0x2
#define UVMF_FLUSHTYPE_MASK     0x3
#define UVMF_MULTI              0x0     /* ... on the vCPUs in a mask */
#define UVMF_LOCAL              0x0     /* ... on this vCPU */
#define UVMF_ALL                0x4     /* ... on all vCPUs */

/* console_io(cmd, count, buffer) */
#define CONSOLEIO_write         0
#define CONSOLEIO_read          1

/* vm_assist(cmd, type) */
#define VMASST_CMD_enable               0
#define VMASST_CMD_disable              1
#define VMASST_TYPE_4gb_segments        0
#define VMASST_TYPE_4gb_segments_notify 1
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_pae_extended_cr3    3
#define VMASST_TYPE_architectural_iopl  4
#define VMASST_TYPE_runstate_update_flag 5
#define VMASST_TYPE_m2p_strict          32

/* Domain ids from 0x7FF0 up are names, not domains. */
#define DOMID_FIRST_RESERVED    0x7ff0
#define DOMID_SELF              0x7ff0  /* the caller */
#define DOMID_IO                0x7ff1  /* owner of I/O memory */
#define DOMID_XEN               0x7ff2  /* owner of hypervisor pages */
#define DOMID_COW               0x7ff3  /* owner of shared copy-on-write pages */
#define DOMID_INVALID           0x7ff4
#define DOMID_ANY               0x7ff5  /* wildcard, e.g. any remote domain */
#define DOMID_IDLE              0x7fff
#define DOMID_MASK              0x7fff

/* start_info.flags (and hvm_start_info.flags) */
#define SIF_PRIVILEGED          (1 << 0)    /* may use privileged hypercalls */
#define SIF_INITDOMAIN          (1 << 1)    /* the initial control domain */
#define SIF_MULTIBOOT_MOD       (1 << 2)    /* mod_start holds multiboot mods */
#define SIF_MOD_START_PFN       (1 << 3)    /* mod_start is a PFN, not a VA */
#define SIF_VIRT_P2M_4TOOLS     (1 << 4)    /* tools read the linear p2m */
#define SIF_PM_MASK             (0xFF << 8) /* reserved for power management */

/* vcpu_time_info.flags */
#define XEN_PVCLOCK_TSC_STABLE_BIT  (1 << 0)
#define XEN_PVCLOCK_GUEST_STOPPED   (1 << 1)

#define MAX_GUEST_CMDLINE       1024

#ifndef __ASSEMBLER__

typedef uint16_t domid_t;

/* One page-table or m2p write for mmu_update, batched in arrays. */
struct mmu_update {
    uint64_t ptr;           /* IN: machine address | MMU_* command */
    uint64_t val;           /* IN: new contents */
};
SABLE_ABI_CHECK(mmu_update_size, sizeof(struct mmu_update) == 16);

/* One extended MMU operation (pinning, base pointers, flushes), batched. */
struct mmuext_op {
    uint32_t cmd;                   /* IN: MMUEXT_* */
    uint32_t _pad0;
    union {
        xen_pfn_t mfn;              /* IN: table or page frame */
        uint64_t  linear_addr;      /* IN: virtual address */
    } arg1;
    union {
        uint32_t nr_ents;           /* IN: SET_LDT entries */
        GUEST_HANDLE(const void) vcpumask; /* IN: *_MULTI: bitmap of vCPUs */
        xen_pfn_t src_mfn;          /* IN: COPY_PAGE source */
    } arg2;
};
SABLE_ABI_CHECK(mmuext_op_size, sizeof(struct mmuext_op) == 24);

/*
 * One call of a multicall batch: the hypervisor runs op(args...) and stores
 * its return value in result. Only five arguments are ever used.
 */
struct multicall_entry {
    xen_ulong_t op;         /* IN: hypercall number */
    xen_ulong_t result;     /* OUT: its return value */
    xen_ulong_t args[6];    /* IN */
};
SABLE_ABI_CHECK(multicall_entry_size, sizeof(struct multicall_entry) == 64);

/*
 * Paravirtual clock of one vCPU, so the guest reads time with RDTSC and
 * no exit. The writer makes version odd, updates, makes it even; a reader
 * retries while version is odd or changed under it. Time now is
 *   system_time + ((((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32)
 * (a negative tsc_shift shifts right).
 */
struct vcpu_time_info {
    uint32_t version;               /* OUT: odd while being updated */
    uint32_t _pad0;
    uint64_t tsc_timestamp;         /* OUT: TSC at the last update */
    uint64_t system_time;           /* OUT: ns since boot at tsc_timestamp */
    uint32_t tsc_to_system_mul;     /* OUT: 32.32 fixed-point ns per tick */
    int8_t   tsc_shift;             /* OUT */
    uint8_t  flags;                 /* OUT: XEN_PVCLOCK_* */
    uint8_t  _pad1[2];
};
SABLE_ABI_CHECK(vcpu_time_info_size, sizeof(struct vcpu_time_info) == 32);

/*
 * Per-vCPU event and time state: the first 32 live in shared_info, others
 * wherever the guest registers them (VCPUOP_register_vcpu_info).
 * evtchn_upcall_pending is set by the hypervisor and cleared by the guest
 * before it scans; evtchn_upcall_mask is the guest's "interrupts off" flag.
 */
struct vcpu_info {
    uint8_t evtchn_upcall_pending;  /* OUT: events waiting */
    uint8_t evtchn_upcall_mask;     /* IN: nonzero blocks the upcall */
    uint8_t _pad0[6];
    xen_ulong_t evtchn_pending_sel; /* OUT: which evtchn_pending words to scan */
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};
SABLE_ABI_CHECK(vcpu_info_size, sizeof(struct vcpu_info) == 64);
SABLE_ABI_CHECK(vcpu_info_pending_sel, offsetof(struct vcpu_info, evtchn_pending_sel) == 8);
SABLE_ABI_CHECK(vcpu_info_time, offsetof(struct vcpu_info, time) == 32);

/*
 * The page every domain shares with the hypervisor: legacy vcpu_info slots,
 * the 2-level event channel bitmaps (one bit per port: pending set by the
 * hypervisor, mask set by the guest) and the wall clock at system time 0.
 * The wall clock uses the same odd/even version protocol as vcpu_time_info.
 */
struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    xen_ulong_t evtchn_pending[64];     /* OUT: bit per port */
    xen_ulong_t evtchn_mask[64];        /* IN: bit per port */
    uint32_t wc_version;                /* OUT */
    uint32_t wc_sec;                    /* OUT: seconds since the epoch, low */
    uint32_t wc_nsec;                   /* OUT */
    uint32_t wc_sec_hi;                 /* OUT: seconds, high 32 bits */
    struct arch_shared_info arch;
};
SABLE_ABI_CHECK(shared_info_size, sizeof(struct shared_info) == 3136);
SABLE_ABI_CHECK(shared_info_pending, offsetof(struct shared_info, evtchn_pending) == 2048);
SABLE_ABI_CHECK(shared_info_mask, offsetof(struct shared_info, evtchn_mask) == 2560);
SABLE_ABI_CHECK(shared_info_wc, offsetof(struct shared_info, wc_version) == 3072);
SABLE_ABI_CHECK(shared_info_arch, offsetof(struct shared_info, arch) == 3088);

/*
 * What a PV kernel finds at boot (rsi points at it): its memory, the
 * shared_info and store/console pages, its initial page tables and p2m,
 * the initrd and the command line. Addresses are guest virtual unless
 * noted. The first block is refilled on resume; the rest only at boot.
 */
struct start_info {
    char     magic[32];         /* "xen-<version>-x86_64" */
    uint64_t nr_pages;          /* pages allocated to the domain */
    uint64_t shared_info;       /* machine address of shared_info */
    uint32_t flags;             /* SIF_* */
    uint32_t _pad0;
    xen_pfn_t store_mfn;        /* machine frame of the XenStore ring */
    uint32_t store_evtchn;      /* its event channel */
    uint32_t _pad1;
    union {
        struct {
            xen_pfn_t mfn;      /* machine frame of the console ring */
            uint32_t evtchn;    /* its event channel */
            uint32_t _pad2;
        } domU;
        struct {
            uint32_t info_off;  /* offset of dom0_vga_console_info */
            uint32_t info_size; /* its size */
        } dom0;
    } console;
    /* Boot only: */
    uint64_t pt_base;           /* the L4 page table */
    uint64_t nr_pt_frames;      /* frames of the initial page tables */
    uint64_t mfn_list;          /* the p2m array */
    uint64_t mod_start;         /* initrd (a PFN with SIF_MOD_START_PFN) */
    uint64_t mod_len;           /* initrd size in bytes */
    int8_t   cmd_line[MAX_GUEST_CMDLINE];
    uint64_t first_p2m_pfn;     /* first frame of the initial p2m */
    uint64_t nr_p2m_frames;     /* its frames */
};
SABLE_ABI_CHECK(start_info_size, sizeof(struct start_info) == 1168);
SABLE_ABI_CHECK(start_info_store_mfn, offsetof(struct start_info, store_mfn) == 56);
SABLE_ABI_CHECK(start_info_console, offsetof(struct start_info, console) == 72);
SABLE_ABI_CHECK(start_info_pt_base, offsetof(struct start_info, pt_base) == 88);
SABLE_ABI_CHECK(start_info_cmd_line, offsetof(struct start_info, cmd_line) == 128);

/* Modules handed to dom0 with SIF_MULTIBOOT_MOD (physical addresses). */
struct xen_multiboot_mod_list {
    uint32_t mod_start;         /* first byte */
    uint32_t mod_end;           /* last byte, inclusive */
    uint32_t cmdline;           /* zero-terminated string */
    uint32_t pad;               /* zero */
};
SABLE_ABI_CHECK(xen_multiboot_mod_list_size, sizeof(struct xen_multiboot_mod_list) == 16);

/* dom0's description of the boot display, at start_info + console.dom0.info_off. */
#define XEN_VGATYPE_TEXT_MODE_3     0x03
#define XEN_VGATYPE_VESA_LFB        0x23
#define XEN_VGATYPE_EFI_LFB         0x70

struct dom0_vga_console_info {
    uint8_t video_type;             /* XEN_VGATYPE_* */
    uint8_t _pad0[3];
    union {
        struct {
            uint16_t font_height;
            uint16_t cursor_x, cursor_y;
            uint16_t rows, columns;
        } text_mode_3;
        struct {
            uint16_t width, height;
            uint16_t bytes_per_line;
            uint16_t bits_per_pixel;
            uint32_t lfb_base;      /* low 32 bits */
            uint32_t lfb_size;      /* in 64 KiB units */
            uint8_t  red_pos, red_size;
            uint8_t  green_pos, green_size;
            uint8_t  blue_pos, blue_size;
            uint8_t  rsvd_pos, rsvd_size;
            uint32_t gbl_caps;
            uint16_t mode_attrs;
            uint16_t pad;
            uint32_t ext_lfb_base;  /* high 32 bits */
        } vesa_lfb;
    } u;
};
SABLE_ABI_CHECK(dom0_vga_console_info_size, sizeof(struct dom0_vga_console_info) == 40);

typedef uint8_t xen_domain_handle_t[16];   /* a domain's UUID */

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_XEN_H */
