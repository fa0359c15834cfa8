/*
 * Hardware-assisted (HVM) domains and vCPUs: what SVM and the Xen HVM ABI
 * glue share. A PVH guest is an HVM domain without emulated firmware: it is
 * entered at its 32-bit PVH entry point with an hvm_start_info.
 *
 * Guest-physical memory (the p2m, nested paging) belongs to the domain; the
 * vCPU state lives in the VMCB plus struct svm_vcpu. Everything the guest
 * reaches by exits (CPUID, MSRs, I/O ports, hypercalls) is handled in
 * arch/x86/hvm and arch/x86/svm.
 */
#ifndef ASM_HVM_H
#define ASM_HVM_H

#include <sable/domain.h>
#include <sable/p2m.h>
#include <sable/spinlock.h>
#include <sable/timer.h>
#include <asm/svm.h>
#include <hvm/cpuid.h>
#include <hvm/vlapic.h>
#include <hvm/vuart.h>
#include <public/hvm_params.h>

/* Exit statistics, per domain: printed when it ends. */
enum hvm_exit_kind {
    HVM_EXIT_CPUID, HVM_EXIT_MSR, HVM_EXIT_VMMCALL, HVM_EXIT_HLT, HVM_EXIT_IO,
    HVM_EXIT_NPF, HVM_EXIT_APIC, HVM_EXIT_INTR, HVM_EXIT_VINTR, HVM_EXIT_IRET,
    HVM_EXIT_EXCEPTION, HVM_EXIT_OTHER, HVM_EXIT_NR
};

struct hvm_domain {
    struct p2m p2m;
    uint64_t ram_bytes;               /* guest RAM populated (hvm_populate) */
    uint64_t params[HVM_NR_PARAMS];   /* HVMOP_set/get_param */
    uint8_t callback_vector;          /* from HVM_PARAM_CALLBACK_IRQ, 0: none */
    uint64_t p2m_generation;          /* bumped when mappings go away: new ASIDs */
    uint64_t exits[HVM_EXIT_NR];      /* atomically counted */
    uint64_t exit_cycles[HVM_EXIT_NR]; /* TSC cycles from exit to re-entry, per kind (atomic) */
    uint64_t guest_cycles;             /* TSC cycles in the guest, all vCPUs (atomic) */
    uint64_t scrubbed_on_demand;      /* RAM frames scrubbed at first use (atomic) */
    uint64_t lapic_timer_fired;       /* local APIC timer callbacks (atomic) */
    uint64_t lapic_timer_remote;      /* ... run on another CPU than the vCPU's (atomic) */
    uint64_t nmis;                    /* NMIs injected (atomic) */
    uint64_t hypercall_page_gfn;      /* where the guest asked for it, 0: never */
    struct hvm_cpuid_domain cpuid;    /* the CPUID policy's view of the domain */
    spinlock_t uart_lock;             /* guards uart */
    struct vuart uart;                /* COM1 (hvm/devices.c) */
};

struct hvm_vcpu {
    struct svm_vcpu svm;              /* first: entry.S finds it at v->arch */
    void *fpu;                        /* XSAVE (or FXSAVE) image, 64-byte aligned */
    uint64_t xcr0;                    /* the guest's XCR0 (XSETBV) */
    uint64_t p2m_generation;          /* the domain's when its ASID was taken */
    bool wait_for_sipi;               /* an AP after INIT, or never started */
    uint32_t tsc_aux;                 /* MSR_TSC_AUX (RDTSCP reads it directly) */
    spinlock_t lapic_lock;            /* serialises every vlapic_* call */
    struct vlapic lapic;
    struct timer lapic_timer;
    void *ipi_out;                    /* hvm/lapic.c: where an ICR write's IPI goes */
    bool nmi_pending;                 /* an NMI waits (set by any CPU, atomic) */
    bool nmi_masked;                  /* one was delivered; blocked until an IRET (own CPU) */
    /* Exit timing: TSC at the last VMRUN and at the exit after it, its kind. */
    uint64_t run_tsc, exit_tsc;
    enum hvm_exit_kind exit_kind;
};

/* The host's XSAVE support (svm.c): 0 when only FXSAVE is used. */
extern uint64_t hvm_xcr0_mask;        /* components guests may enable */
#define HVM_XCR0_HOST 3ULL            /* x87 | SSE: XCR0 while no HVM vCPU runs */
extern unsigned int hvm_fpu_size;     /* bytes of a vCPU's FPU image */

static inline bool is_hvm_domain(const struct domain *d) { return d->is_hvm; }
static inline bool is_hvm_vcpu(const struct vcpu *v) { return v && v->domain->is_hvm; }
static inline struct hvm_domain *hvm_domain(const struct domain *d) { return d->arch; }
static inline struct hvm_vcpu *hvm_vcpu(const struct vcpu *v) { return v->arch; }
static inline struct vmcb *hvm_vmcb(const struct vcpu *v) { return hvm_vcpu(v)->svm.vmcb; }

/* arch hooks for HVM domains and vCPUs (called from the generic ones). */
int hvm_domain_create(struct domain *d);
void hvm_domain_destroy(struct domain *d);
int hvm_vcpu_create(struct vcpu *v);
void hvm_vcpu_destroy(struct vcpu *v);
void hvm_save_vcpu(struct vcpu *v);
/* Print the domain's exit counts by reason (when it shuts down). */
void hvm_report_exits(struct domain *d);
void hvm_load_vcpu(struct vcpu *v);

/*
 * The scheduler picked HVM vCPU v to run on this CPU (interrupts off):
 * deliver what is pending and enter it. Does not return.
 */
void hvm_exit_to_guest(struct vcpu *v) __noreturn;

/*
 * Give the domain's memory a 2^order block of new frames at gfn (RAM),
 * mapped unscrubbed: scrubbed at first use (hvm.c). 0, -ENOMEM (no memory
 * or over max_pages), -EEXIST (part of the range is mapped already) or
 * -EINVAL (order not 0 or 9, gfn unaligned or out of range).
 */
int hvm_populate(struct domain *d, uint64_t gfn, unsigned int order);
/*
 * Make sure gfn's frames are scrubbed and present (scrubbing them now if
 * need be): 0, or -ENOENT when gfn is unbacked. Every hypervisor use of a
 * guest frame goes through it (hvm_gfn_to_virt, hvm_gfn_to_mfn, the nested
 * page fault).
 */
int hvm_gfn_ready(struct domain *d, uint64_t gfn);
/* The machine frame behind gfn, ready for use: true, or false if unbacked. */
bool hvm_gfn_to_mfn(struct domain *d, uint64_t gfn, uint64_t *mfn);

/*
 * Map guest frame gfn to machine frame mfn, replacing (and freeing, if it
 * was the domain's RAM) what was there: 0, -EINVAL or -ENOMEM.
 */
int hvm_map_frame(struct domain *d, uint64_t gfn, mfn_t mfn);

/* Guest memory through the guest's current page tables (v current) or physically. */
int hvm_copy_from_guest_virt(void *dst, uint64_t gva, size_t len);
int hvm_copy_to_guest_virt(uint64_t gva, const void *src, size_t len);
int hvm_copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src, size_t len);
int hvm_copy_from_guest_phys(struct domain *d, void *dst, uint64_t gpa, size_t len);
/* The hypervisor's view of guest frame gfn if it is backed (writable if asked), or NULL. */
void *hvm_gfn_to_virt(struct domain *d, uint64_t gfn, bool write);

/* The CPUID policy's view of a new domain (hvm/guest_cpu.c). */
void hvm_cpuid_domain_init(struct domain *d);

/* Exits handled in hvm/ (0: done, advance RIP; <0: the domain was crashed). */
void hvm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);
int hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
void hvm_hypercall(struct vcpu *v);
/* A continuation's arguments into the calling vCPU's registers. */
void hvm_hypercall_continuation(unsigned int nargs, const uint64_t *args);
bool hvm_io(struct vcpu *v, unsigned int port, unsigned int size, bool in, uint32_t *val);

/* The local APIC (hvm/lapic.c): set up, MSRs, the interrupt it wants delivered. */
void hvm_lapic_init(struct vcpu *v);
void hvm_lapic_destroy(struct vcpu *v);
int hvm_lapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int hvm_lapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
bool hvm_lapic_is_msr(uint32_t msr);
int hvm_lapic_pending(struct vcpu *v);           /* vector, or -1 */
/* v runs on cpu now: its APIC timer moves there (hvm_load_vcpu). */
void hvm_lapic_follow(struct vcpu *v, unsigned int cpu);
/*
 * A nested page fault at gpa outside RAM: if it is v's APIC page, emulate
 * the instruction (or crash the domain with a report if it cannot be) and
 * return true; false if gpa is not the APIC's.
 */
bool hvm_lapic_mmio(struct vcpu *v, uint64_t gpa);
/* NMIs (hvm.c): make one pending for v and kick it; forget NMI state (INIT). */
void hvm_nmi_raise(struct vcpu *v);
void hvm_nmi_reset(struct vcpu *v);
/* The guest executes an IRET while NMIs are blocked: they open after it. */
void hvm_nmi_iret(struct vcpu *v);
void hvm_lapic_ack(struct vcpu *v, uint8_t vector);
/* The COM1 UART (hvm/devices.c). */
void hvm_vuart_init(struct domain *d);
bool hvm_vuart_io(struct vcpu *v, unsigned int port, unsigned int size, bool in, uint32_t *val);
/* XSETBV from the guest: 0, or -EINVAL for #GP. */
int hvm_xsetbv(struct vcpu *v, uint32_t index, uint64_t value);

/* Crash v's domain with a report of the vCPU's state. */
void hvm_crash(struct vcpu *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Is an event upcall waiting that the vCPU should take? Or any interrupt? */
bool hvm_upcall_pending(struct vcpu *v);
bool hvm_interrupt_pending(struct vcpu *v);
/* Is an NMI waiting for v (it wakes a halted vCPU whatever RFLAGS.IF says)? */
bool hvm_nmi_pending(struct vcpu *v);

/* Exit timing (hvm.c): called first on every exit. */
void hvm_exit_timing_start(struct vcpu *v);

/* Count one exit of this kind for v's domain. */
static inline void hvm_count_exit(struct vcpu *v, enum hvm_exit_kind k)
{
    hvm_vcpu(v)->exit_kind = k;
    __atomic_fetch_add(&hvm_domain(v->domain)->exits[k], 1, __ATOMIC_RELAXED);
}

/*
 * Build a PVH domain from a kernel module (and an initrd module, or NULL)
 * as opts say (hvm/pvh_builder.c): 0 and a reference in *out, or an error
 * reported on the console, before any domain exists for a bad image.
 */
struct boot_module;
struct domain_options;
int pvh_build_domain(const struct boot_module *kernel, const struct boot_module *initrd,
                     const struct domain_options *opts, struct domain **out);

#endif
