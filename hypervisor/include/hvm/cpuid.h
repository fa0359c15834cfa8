/*
 * CPUID for HVM guests: a pure function of the host's leaves, the domain's
 * configuration and a little vCPU state (arch/x86/hvm/cpuid.c, unit-tested
 * rule by rule). The SVM side calls it on every CPUID exit.
 *
 * Feature bits pass through only if they are on an allow-list of things
 * that work unchanged under SVM with nested paging; everything else,
 * including bits that do not exist yet, reads 0. Hidden in particular: SVM
 * and VMX (no nested virtualization), MONITOR/MWAIT, performance counters
 * (leaf 0xa, PDCM, the AMD counter extensions), machine check (MCE/MCA:
 * no vMCE), thermal and power leaves (5, 6, invariant TSC in 0x80000007),
 * debug store, speculation-control MSR features, TSC_ADJUST, MPX, SGX, PT,
 * LA57, XSAVES, the extended APIC space, AMD topology extensions. MTRR and
 * RDTSCP/RDPID appear only when the domain's flags say the SVM side
 * handles their MSRs.
 *
 * Set or computed:
 *   1      ECX: hypervisor (31), x2APIC (21, the vLAPIC has it), TSC-deadline
 *          (24, if VLAPIC_HAS_TSC_DEADLINE), OSXSAVE = CR4.OSXSAVE;
 *          EDX: APIC = APIC base EN, HTT when more than one vCPU;
 *          EBX: initial APIC id = vCPU id, logical processor count
 *   7      ECX: OSPKE = CR4.PKE
 *   0xb    x2APIC topology: one package, one thread per core, a core per vCPU
 *   0xd    XSAVE areas limited to the allowed components; EBX from XCR0
 *   0x80000001 ECX: CmpLegacy when more than one vCPU
 *   0x80000008 ECX: core count and APIC id size for the same topology
 *
 * Hypervisor leaves at 0x40000000 as Xen 4.19 reports them to an HVM guest
 * (public/cpuid.h; Xen xen/arch/x86/cpuid.c, cpuid_hypervisor_leaves):
 *   +0  max leaf 0x40000005, "XenVMMXenVMM"
 *   +1  version 4.19 (the one xen_version reports)
 *   +2  one hypercall page, installed through MSR 0x40000000; no features
 *   +3  TSC: sub-leaf 0 flags, mode 0, guest kHz; 1 offset 0 and the
 *       TSC->ns scale; 2 host kHz
 *   +4  X2APIC_VIRT, VCPU_ID_PRESENT (EBX = vCPU id), DOMID_PRESENT
 *       (ECX = domain id); UPCALL_VECTOR only if the domain's flags say so
 *       (Linux then uses per-vCPU upcall vectors)
 *   +5  0 (PV-only leaf)
 * Leaves above a range's maximum, and all others, read 0.
 */
#ifndef HVM_CPUID_H
#define HVM_CPUID_H

#include <sable/types.h>
#include <sable/time.h>
#include <asm/processor.h>

#define HVM_CPUID_MAX_BASIC     0xd
#define HVM_CPUID_MAX_EXTENDED  0x80000008

/* hvm_cpuid_domain.flags: what the SVM side implements beyond the minimum. */
#define HVM_CPUID_MTRR          (1u << 0)   /* MTRR MSRs emulated */
#define HVM_CPUID_TSC_AUX       (1u << 1)   /* MSR_TSC_AUX kept per vCPU: RDTSCP, RDPID */
#define HVM_CPUID_UPCALL_VECTOR (1u << 2)   /* HVMOP_set_evtchn_upcall_vector works */
#define HVM_CPUID_TSC_RELIABLE  (1u << 3)   /* host TSC invariant and synchronised */

/* Per domain, fixed once it is built. */
struct hvm_cpuid_domain {
    /* The host's CPUID (raw, for leaf/subleaf). */
    void (*host_cpuid)(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out);
    unsigned int nr_vcpus;      /* 1.. */
    uint16_t domid;
    uint32_t flags;             /* HVM_CPUID_* */
    uint32_t tsc_khz;           /* the guest's TSC rate (the host's) */
    struct time_scale tsc_to_ns;    /* for Xen leaf 3 */
};

/* Per vCPU, read at the time of the CPUID. */
struct hvm_cpuid_vcpu {
    uint32_t vcpu_id;           /* also its APIC id */
    uint64_t cr4;               /* guest CR4 (OSXSAVE, PKE) */
    uint64_t xcr0;              /* guest XCR0 (XSAVE area size) */
    bool apic_enabled;          /* MSR_APIC_BASE.EN */
};

/* The guest's CPUID(leaf, subleaf). */
void hvm_cpuid_policy(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                      uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out);

#endif /* HVM_CPUID_H */
