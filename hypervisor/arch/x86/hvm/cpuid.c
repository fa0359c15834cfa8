/*
 * HVM CPUID policy (rules and reasons in hvm/cpuid.h).
 *
 * Each leaf is computed from the host's with allow-lists: a feature bit
 * reaches the guest only if it is listed here as working unchanged under
 * SVM with nested paging, so a new CPU's new features stay hidden until
 * someone decides otherwise. Topology is synthesised: one package whose
 * cores are the vCPUs, one thread each, APIC id = vCPU id.
 */
#include <hvm/cpuid.h>
#include <hvm/vlapic.h>
#include <sable/hypercall.h>
#include <sable/lib.h>

#include "public/cpuid.h"

#define BIT(n) (1u << (n))

/* Leaf 1 ECX: passed through. */
#define L1C_ALLOW (BIT(0) /* SSE3 */ | BIT(1) /* PCLMULQDQ */ | BIT(9) /* SSSE3 */ | \
                   BIT(12) /* FMA */ | BIT(13) /* CX16 */ | BIT(17) /* PCID */ |       \
                   BIT(19) /* SSE4.1 */ | BIT(20) /* SSE4.2 */ | BIT(22) /* MOVBE */ |  \
                   BIT(23) /* POPCNT */ | BIT(25) /* AES */ | BIT(26) /* XSAVE */ |     \
                   BIT(28) /* AVX */ | BIT(29) /* F16C */ | BIT(30) /* RDRAND */)
#define L1C_X2APIC       BIT(21)
#define L1C_TSC_DEADLINE BIT(24)
#define L1C_XSAVE        BIT(26)
#define L1C_OSXSAVE      BIT(27)
#define L1C_AVX          BIT(28)
#define L1C_HYPERVISOR   BIT(31)

/* Leaf 1 EDX: passed through (APIC, MTRR, HTT are decided below). */
#define L1D_ALLOW (BIT(0) /* FPU */ | BIT(1) /* VME */ | BIT(2) /* DE */ | BIT(3) /* PSE */ | \
                   BIT(4) /* TSC */ | BIT(5) /* MSR */ | BIT(6) /* PAE */ | BIT(8) /* CX8 */ | \
                   BIT(11) /* SEP */ | BIT(13) /* PGE */ | BIT(15) /* CMOV */ |             \
                   BIT(16) /* PAT */ | BIT(17) /* PSE36 */ | BIT(19) /* CLFSH */ |          \
                   BIT(23) /* MMX */ | BIT(24) /* FXSR */ | BIT(25) /* SSE */ |             \
                   BIT(26) /* SSE2 */ | BIT(27) /* SS */)
#define L1D_APIC BIT(9)
#define L1D_MTRR BIT(12)
#define L1D_HTT  BIT(28)

/* Leaf 7 sub-leaf 0. */
#define L7B_ALLOW (BIT(0) /* FSGSBASE */ | BIT(3) /* BMI1 */ | BIT(4) /* HLE */ |           \
                   BIT(5) /* AVX2 */ | BIT(6) /* FDP_EXCPTN_ONLY */ | BIT(7) /* SMEP */ |  \
                   BIT(8) /* BMI2 */ | BIT(9) /* ERMS */ | BIT(10) /* INVPCID */ |          \
                   BIT(11) /* RTM */ | BIT(13) /* FPU CS/DS deprecated */ |                \
                   BIT(16) /* AVX512F */ | BIT(17) /* AVX512DQ */ | BIT(18) /* RDSEED */ |  \
                   BIT(19) /* ADX */ | BIT(20) /* SMAP */ | BIT(21) /* AVX512IFMA */ |      \
                   BIT(23) /* CLFLUSHOPT */ | BIT(24) /* CLWB */ | BIT(26) /* AVX512PF */ | \
                   BIT(27) /* AVX512ER */ | BIT(28) /* AVX512CD */ | BIT(29) /* SHA */ |    \
                   BIT(30) /* AVX512BW */ | BIT(31) /* AVX512VL */)
#define L7B_AVX512F BIT(16)
#define L7C_ALLOW (BIT(0) /* PREFETCHWT1 */ | BIT(1) /* AVX512VBMI */ | BIT(2) /* UMIP */ |   \
                   BIT(3) /* PKU */ | BIT(6) /* AVX512VBMI2 */ | BIT(8) /* GFNI */ |         \
                   BIT(9) /* VAES */ | BIT(10) /* VPCLMULQDQ */ | BIT(11) /* AVX512VNNI */ | \
                   BIT(12) /* AVX512BITALG */ | BIT(14) /* AVX512VPOPCNTDQ */ |            \
                   BIT(25) /* CLDEMOTE */ | BIT(27) /* MOVDIRI */ | BIT(28) /* MOVDIR64B */)
#define L7C_PKU   BIT(3)
#define L7C_OSPKE BIT(4)
#define L7C_RDPID BIT(22)
#define L7D_ALLOW (BIT(2) /* AVX512_4VNNIW */ | BIT(3) /* AVX512_4FMAPS */ | BIT(4) /* FSRM */ | \
                   BIT(8) /* AVX512_VP2INTERSECT */ | BIT(10) /* MD_CLEAR */ |                \
                   BIT(14) /* SERIALIZE */ | BIT(23) /* AVX512_FP16 */)
#define L7_1A_ALLOW (BIT(4) /* AVX-VNNI */ | BIT(5) /* AVX512_BF16 */)

/* Leaf 0xd. */
#define XSTATE_X87      BIT(0)
#define XSTATE_SSE      BIT(1)
#define XSTATE_YMM      BIT(2)
#define XSTATE_AVX512   (BIT(5) | BIT(6) | BIT(7))      /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XSTATE_PKRU     BIT(9)
#define XSAVE_LEGACY_SIZE 576                           /* legacy area + header */
#define XD1A_ALLOW (BIT(0) /* XSAVEOPT */ | BIT(1) /* XSAVEC */ | BIT(2) /* XGETBV1 */)
#define XD1A_XSAVEC BIT(1)

/* Leaf 0x80000001. */
#define E1C_ALLOW (BIT(0) /* LAHF_LM */ | BIT(4) /* AltMovCr8 */ | BIT(5) /* ABM */ |        \
                   BIT(6) /* SSE4A */ | BIT(7) /* MisAlignSse */ | BIT(8) /* 3DNowPrefetch */ | \
                   BIT(11) /* XOP */ | BIT(16) /* FMA4 */ | BIT(21) /* TBM */)
#define E1C_CMP_LEGACY BIT(1)
#define E1D_MIRRORED 0x0183f3ffu        /* AMD repeats leaf 1 EDX bits 0-9, 12-17, 23-24 */
#define E1D_ALLOW ((L1D_ALLOW & E1D_MIRRORED) | BIT(11) /* SYSCALL */ | BIT(20) /* NX */ |  \
                   BIT(22) /* MMXEXT */ | BIT(26) /* Page1GB */ | BIT(29) /* LM */ |        \
                   BIT(30) /* 3DNowExt */ | BIT(31) /* 3DNow */)
#define E1D_RDTSCP BIT(27)

/* Leaf 0x80000008. */
#define E8A_ADDR_SIZES  0xffffu         /* physical, linear; guest-physical hidden */
#define E8B_ALLOW (BIT(0) /* CLZERO */ | BIT(2) /* RstrFpErrPtrs */ | BIT(9) /* WBNOINVD */)

#define HV_LEAF_LAST    XEN_CPUID_LEAF(XEN_CPUID_MAX_NUM_LEAVES)

/* Bits needed to number n things (n >= 1): ceil(log2(n)). */
static unsigned int order_bits(unsigned int n)
{
    unsigned int bits = 0;

    while ((1u << bits) < n)
        bits++;
    return bits;
}

static void host(const struct hvm_cpuid_domain *d, uint32_t leaf, uint32_t sub,
                 struct cpuid_regs *r)
{
    d->host_cpuid(leaf, sub, r);
}

static bool visible(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                    uint32_t leaf, uint32_t sub, unsigned int reg, uint32_t bit);

/* Leaf 1: features, APIC id, logical processor count. */
static void leaf_1(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                   struct cpuid_regs *r)
{
    unsigned int core_bits = order_bits(d->nr_vcpus);

    host(d, 1, 0, r);
    r->ebx = (r->ebx & 0xffff) | (1u << core_bits) << 16 | (v->vcpu_id & 0xff) << 24;
    r->ecx = (r->ecx & L1C_ALLOW) | L1C_X2APIC | L1C_HYPERVISOR;
    if (VLAPIC_HAS_TSC_DEADLINE)
        r->ecx |= L1C_TSC_DEADLINE;
    if ((r->ecx & L1C_XSAVE) && (v->cr4 & X86_CR4_OSXSAVE))
        r->ecx |= L1C_OSXSAVE;
    r->edx = (r->edx & (L1D_ALLOW | ((d->flags & HVM_CPUID_MTRR) ? L1D_MTRR : 0))) |
             (v->apic_enabled ? L1D_APIC : 0) | (d->nr_vcpus > 1 ? L1D_HTT : 0);
}

/* Leaf 4 (Intel cache parameters): cores per package from our topology. */
static void leaf_4(const struct hvm_cpuid_domain *d, uint32_t sub, struct cpuid_regs *r)
{
    host(d, 4, sub, r);
    if (!(r->eax & 0x1f)) {             /* no more caches */
        *r = (struct cpuid_regs){ 0 };
        return;
    }
    r->eax = (r->eax & 0x3fff) | ((1u << order_bits(d->nr_vcpus)) - 1) << 26;
}

static void leaf_7(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                   uint32_t sub, struct cpuid_regs *r)
{
    host(d, 7, sub, r);
    if (sub == 0) {
        r->eax = MIN(r->eax, 1u);
        r->ebx &= L7B_ALLOW;
        r->ecx &= L7C_ALLOW | ((d->flags & HVM_CPUID_TSC_AUX) ? L7C_RDPID : 0);
        if ((r->ecx & L7C_PKU) && (v->cr4 & X86_CR4_PKE))
            r->ecx |= L7C_OSPKE;
        r->edx &= L7D_ALLOW;
    } else if (sub == 1) {
        *r = (struct cpuid_regs){ .eax = r->eax & L7_1A_ALLOW };
    } else {
        *r = (struct cpuid_regs){ 0 };
    }
}

/* x2APIC topology: level 0 SMT (1 thread), level 1 core (the vCPUs). */
static void leaf_b(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                   uint32_t sub, struct cpuid_regs *r)
{
    *r = (struct cpuid_regs){ .ecx = sub & 0xff, .edx = v->vcpu_id };
    if (sub == 0) {
        r->ebx = 1;
        r->ecx |= 1u << 8;
    } else if (sub == 1) {
        r->eax = order_bits(d->nr_vcpus);
        r->ebx = d->nr_vcpus;
        r->ecx |= 2u << 8;
    }
}

/* The XSAVE components the guest may enable (XCR0 bits). */
static uint64_t xstate_allowed(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v)
{
    struct cpuid_regs r;
    uint64_t mask = XSTATE_X87 | XSTATE_SSE;

    if (visible(d, v, 1, 0, 2, L1C_AVX))
        mask |= XSTATE_YMM;
    if (visible(d, v, 7, 0, 1, L7B_AVX512F))
        mask |= XSTATE_AVX512;
    if (visible(d, v, 7, 0, 2, L7C_PKU))
        mask |= XSTATE_PKRU;
    host(d, 0xd, 0, &r);
    return mask & (r.eax | (uint64_t)r.edx << 32);
}

/* Size of an XSAVE area holding components xcr0: standard or compacted layout. */
static uint32_t xsave_size(const struct hvm_cpuid_domain *d, uint64_t xcr0, bool compacted)
{
    uint32_t size = XSAVE_LEGACY_SIZE;

    for (unsigned int i = 2; i < 63; i++) {
        struct cpuid_regs c;

        if (!(xcr0 & (1ULL << i)))
            continue;
        host(d, 0xd, i, &c);
        if (!compacted) {
            size = MAX(size, c.ebx + c.eax);
            continue;
        }
        if (c.ecx & BIT(1))             /* 64-byte aligned in the compacted form */
            size = ALIGN_UP(size, 64u);
        size += c.eax;
    }
    return size;
}

static void leaf_d(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                   uint32_t sub, struct cpuid_regs *r)
{
    uint64_t allowed = xstate_allowed(d, v);
    uint64_t enabled = (v->xcr0 | XSTATE_X87) & allowed;

    *r = (struct cpuid_regs){ 0 };
    if (!visible(d, v, 1, 0, 2, L1C_XSAVE))
        return;
    if (sub == 0) {
        r->eax = (uint32_t)allowed;
        r->edx = (uint32_t)(allowed >> 32);
        r->ebx = xsave_size(d, enabled, false);
        r->ecx = xsave_size(d, allowed, false);
    } else if (sub == 1) {
        host(d, 0xd, 1, r);
        r->eax &= XD1A_ALLOW;
        r->ebx = (r->eax & XD1A_XSAVEC) ? xsave_size(d, enabled, true) : 0;
        r->ecx = r->edx = 0;            /* no supervisor states (XSAVES hidden) */
    } else if (sub < 63 && (allowed & (1ULL << sub))) {
        host(d, 0xd, sub, r);
    }
}

static void leaf_basic(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                       uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
    struct cpuid_regs l0;

    host(d, 0, 0, &l0);
    *r = (struct cpuid_regs){ 0 };
    if (leaf > MIN(l0.eax, (uint32_t)HVM_CPUID_MAX_BASIC))
        return;
    switch (leaf) {
    case 0:
        *r = l0;
        r->eax = MIN(l0.eax, (uint32_t)HVM_CPUID_MAX_BASIC);
        break;
    case 1: leaf_1(d, v, r); break;
    case 2: host(d, 2, 0, r); break;    /* cache descriptors */
    case 4: leaf_4(d, sub, r); break;
    case 7: leaf_7(d, v, sub, r); break;
    case 0xb: leaf_b(d, v, sub, r); break;
    case 0xd: leaf_d(d, v, sub, r); break;
    default: break;                     /* 3 PSN, 5 MONITOR, 6 power, 0xa PMU, ... */
    }
}

static void leaf_extended(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                          uint32_t leaf, struct cpuid_regs *r)
{
    struct cpuid_regs e0;
    unsigned int core_bits = order_bits(d->nr_vcpus);

    host(d, 0x80000000, 0, &e0);
    *r = (struct cpuid_regs){ 0 };
    if ((e0.eax & 0xffff0000) != 0x80000000 || leaf > MIN(e0.eax, HVM_CPUID_MAX_EXTENDED))
        return;
    host(d, leaf, 0, r);
    switch (leaf) {
    case 0x80000000:
        r->eax = MIN(e0.eax, HVM_CPUID_MAX_EXTENDED);
        break;
    case 0x80000001:
        r->ecx = (r->ecx & E1C_ALLOW) | (d->nr_vcpus > 1 ? E1C_CMP_LEGACY : 0);
        r->edx &= E1D_ALLOW | ((d->flags & HVM_CPUID_MTRR) ? L1D_MTRR : 0) |
                  ((d->flags & HVM_CPUID_TSC_AUX) ? E1D_RDTSCP : 0) |
                  (v->apic_enabled ? L1D_APIC : 0);
        break;
    case 0x80000002: case 0x80000003: case 0x80000004:     /* brand string */
    case 0x80000005: case 0x80000006:                       /* caches */
        break;
    case 0x80000008:
        r->eax &= E8A_ADDR_SIZES;
        r->ebx &= E8B_ALLOW;
        r->ecx = core_bits << 12 | (d->nr_vcpus - 1);
        r->edx = 0;
        break;
    default:                            /* 0x80000007: power, invariant TSC */
        *r = (struct cpuid_regs){ 0 };
        break;
    }
}

/* Xen leaf 3: TSC information (Xen reports no emulated TSC, mode default). */
static void xen_leaf_tsc(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                         uint32_t sub, struct cpuid_regs *r)
{
    switch (sub) {
    case 0:
        r->eax = ((d->flags & HVM_CPUID_TSC_RELIABLE) ? XEN_CPUID_HOST_TSC_RELIABLE : 0) |
                 (visible(d, v, 0x80000001, 0, 3, E1D_RDTSCP) ? XEN_CPUID_RDTSCP_INSTR_AVAIL : 0);
        r->ebx = XEN_CPUID_TSC_MODE_DEFAULT;
        r->ecx = d->tsc_khz;
        break;
    case 1:                             /* offset 0: guest time is Sable's */
        r->ecx = d->tsc_to_ns.mul;
        r->edx = (uint32_t)(int32_t)d->tsc_to_ns.shift;
        break;
    case 2:
        r->eax = d->tsc_khz;
        break;
    }
}

static void leaf_xen(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                     uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
    *r = (struct cpuid_regs){ 0 };
    switch (leaf - XEN_CPUID_FIRST_LEAF) {
    case 0:
        r->eax = HV_LEAF_LAST;
        r->ebx = XEN_CPUID_SIGNATURE_EBX;
        r->ecx = XEN_CPUID_SIGNATURE_ECX;
        r->edx = XEN_CPUID_SIGNATURE_EDX;
        break;
    case 1:
        r->eax = SABLE_XEN_MAJOR << 16 | SABLE_XEN_MINOR;
        break;
    case 2:
        r->eax = 1;                     /* hypercall pages */
        r->ebx = XEN_CPUID_FIRST_LEAF;  /* the MSR that installs one */
        break;
    case 3:
        xen_leaf_tsc(d, v, sub, r);
        break;
    case 4:
        if (sub)
            break;
        r->eax = XEN_HVM_CPUID_X2APIC_VIRT | XEN_HVM_CPUID_VCPU_ID_PRESENT |
                 XEN_HVM_CPUID_DOMID_PRESENT;
        if (d->flags & HVM_CPUID_UPCALL_VECTOR)
            r->eax |= XEN_HVM_CPUID_UPCALL_VECTOR;
        r->ebx = v->vcpu_id;
        r->ecx = d->domid;
        break;
    default:                            /* 5: PV only */
        break;
    }
}

void hvm_cpuid_policy(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                      uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
    if (leaf <= HVM_CPUID_MAX_BASIC)
        leaf_basic(d, v, leaf, subleaf, out);
    else if (leaf >= XEN_CPUID_FIRST_LEAF && leaf <= HV_LEAF_LAST)
        leaf_xen(d, v, leaf, subleaf, out);
    else if (leaf >= 0x80000000 && leaf <= HVM_CPUID_MAX_EXTENDED)
        leaf_extended(d, v, leaf, out);
    else
        *out = (struct cpuid_regs){ 0 };
}

/* Does the guest see bit in register reg (0 eax .. 3 edx) of leaf/sub? */
static bool visible(const struct hvm_cpuid_domain *d, const struct hvm_cpuid_vcpu *v,
                    uint32_t leaf, uint32_t sub, unsigned int reg, uint32_t bit)
{
    struct cpuid_regs r;
    uint32_t words[4];

    hvm_cpuid_policy(d, v, leaf, sub, &r);
    words[0] = r.eax;
    words[1] = r.ebx;
    words[2] = r.ecx;
    words[3] = r.edx;
    return words[reg] & bit;
}
