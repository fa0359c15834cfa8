/*
 * What an HVM guest sees of the CPU: CPUID (the host's leaves with what is
 * not virtualized hidden, plus Xen's leaves from 0x40000000), the MSRs it
 * may touch (an allow-list; #GP for everything else), and I/O ports
 * (unhandled ports read all-ones and ignore writes, as on an empty bus).
 *
 * Hidden on purpose: XSAVE/AVX and friends (only the x87/SSE state is
 * switched between vCPUs), VMX/SVM, MONITOR/MWAIT, MTRRs and machine
 * checks (their MSRs are not emulated), 5-level paging, PKU, speculation
 * control MSRs. x2APIC is shown: Linux then reaches the local APIC through
 * MSRs, one exit per access, instead of MMIO that would need decoding.
 */
#include <sable/console.h>
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <asm/processor.h>
#include <public/cpuid.h>
#include <public/sched.h>

#define MSR_TSC          0x10
#define MSR_HYPERCALL    0x40000000     /* CPUID base+2 ebx: install the hypercall page */
#define MSR_TSC_AUX      0xc0000103
#define MSR_K7_HWCR      0xc0010015
#define MSR_UCODE_REV    0x8b

/* Bits cleared from the host's leaves. */
#define L1_ECX_HIDE ((1U << 2) | (1U << 3) | (1U << 4) | (1U << 5) | (1U << 6) | (1U << 7) | \
                     (1U << 8) | (1U << 14) | (1U << 15) | (1U << 18) | (1U << 24) |         \
                     (1U << 26) | (1U << 27) | (1U << 28) | (1U << 29))
#define L1_EDX_HIDE ((1U << 7) | (1U << 12) | (1U << 14) | (1U << 18) | (1U << 21) |         \
                     (1U << 22) | (1U << 27) | (1U << 29) | (1U << 31))
/* Leaf 7 ebx: keep FSGSBASE, BMI1, SMEP, BMI2, ERMS, INVPCID, ADX, SMAP, CLFLUSHOPT, CLWB, SHA. */
#define L7_EBX_KEEP ((1U << 0) | (1U << 3) | (1U << 7) | (1U << 8) | (1U << 9) | (1U << 10) | \
                     (1U << 19) | (1U << 20) | (1U << 23) | (1U << 24) | (1U << 29))
/* Leaf 7 ecx: keep UMIP, RDPID. */
#define L7_ECX_KEEP ((1U << 2) | (1U << 22))
/* 0x80000001 ecx: keep LAHF, ABM, SSE4A, MISALIGNSSE, 3DNOWPREFETCH. */
#define E1_ECX_KEEP ((1U << 0) | (1U << 5) | (1U << 6) | (1U << 7) | (1U << 8))

/* Bits needed to number n vCPUs (the APIC id width of a level). */
static unsigned int order_of(unsigned int n)
{
    unsigned int o = 0;

    while ((1U << o) < n)
        o++;
    return o;
}

static void xen_leaves(struct vcpu *v, uint32_t leaf, struct cpuid_regs *r)
{
    memset(r, 0, sizeof(*r));
    switch (leaf - XEN_CPUID_FIRST_LEAF) {
    case 0:
        r->eax = XEN_CPUID_LEAF(4);
        r->ebx = XEN_CPUID_SIGNATURE_EBX;
        r->ecx = XEN_CPUID_SIGNATURE_ECX;
        r->edx = XEN_CPUID_SIGNATURE_EDX;
        break;
    case 1:
        r->eax = (4 << 16) | 19;                /* the Xen interface Sable speaks */
        break;
    case 2:
        r->eax = 1;                             /* one hypercall page */
        r->ebx = MSR_HYPERCALL;
        break;
    case 4:
        r->eax = XEN_HVM_CPUID_X2APIC_VIRT | XEN_HVM_CPUID_VCPU_ID_PRESENT |
                 XEN_HVM_CPUID_DOMID_PRESENT;
        r->ebx = v->vcpu_id;
        r->ecx = v->domain->domain_id;
        break;
    }
}

void hvm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
    unsigned int nv = v->domain->max_vcpus;
    struct cpuid_regs host;

    if (leaf >= XEN_CPUID_FIRST_LEAF && leaf < XEN_CPUID_FIRST_LEAF + 0x10000) {
        xen_leaves(v, leaf, r);
        return;
    }
    cpuid(leaf >= 0x80000000 ? 0x80000000 : 0, &host);
    if (leaf > host.eax || (leaf > 0xd && leaf < 0x80000000) || leaf > 0x80000008) {
        memset(r, 0, sizeof(*r));
        return;
    }
    cpuid_count(leaf, sub, r);
    switch (leaf) {
    case 0:
        r->eax = MIN(r->eax, 0xdU);
        break;
    case 1:
        r->ebx = (r->ebx & 0xffff) | (nv << 16) | (v->vcpu_id << 24);
        r->ecx = (r->ecx & ~L1_ECX_HIDE) | (1U << 21) | (1U << 31);   /* x2APIC, hypervisor */
        r->edx &= ~L1_EDX_HIDE;
        if (nv > 1)
            r->edx |= 1U << 28;                 /* HTT: the count in ebx means something */
        break;
    case 7:
        if (sub == 0) {
            r->eax = 0;
            r->ebx &= L7_EBX_KEEP;
            r->ecx &= L7_ECX_KEEP;
            r->edx = 0;
        } else {
            memset(r, 0, sizeof(*r));
        }
        break;
    case 0xb:                                   /* x2APIC topology: one core per vCPU */
        r->ecx = sub & 0xff;
        r->edx = v->vcpu_id;
        if (sub == 0) {
            r->eax = 0, r->ebx = 1, r->ecx |= 1 << 8;
        } else if (sub == 1) {
            r->eax = order_of(nv), r->ebx = nv, r->ecx |= 2 << 8;
        } else {
            r->eax = r->ebx = 0;
        }
        break;
    case 0x80000000:
        r->eax = MIN(r->eax, 0x80000008U);
        break;
    case 0x80000001:
        r->ecx &= E1_ECX_KEEP;
        break;
    case 0x80000008:
        r->ebx = 0;
        r->ecx = nv - 1;
        break;
    case 2: case 0x80000002: case 0x80000003: case 0x80000004:
    case 0x80000005: case 0x80000006: case 0x80000007:
        break;                                  /* cache and name strings, as the host */
    default:
        memset(r, 0, sizeof(*r));
        break;
    }
}

/* ---- MSRs ---- */

#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_NXE | (1UL << 14) /* FFXSR */)

void hvm_fill_hypercall_page(uint8_t *p);

/* The guest asks for the hypercall page at guest-physical gpa. */
static int install_hypercall_page(struct vcpu *v, uint64_t val)
{
    uint8_t *page;

    if (val & 0xfff)                            /* page index: only page 0 exists */
        return -EINVAL;
    page = hvm_gfn_to_virt(v->domain, val >> 12, true);
    if (!page)
        return -EINVAL;
    hvm_fill_hypercall_page(page);
    hvm_domain(v->domain)->hypercall_page_gfn = val >> 12;
    return 0;
}

int hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    const struct vmcb *vmcb = hvm_vmcb(v);

    switch (msr) {
    case MSR_EFER:
        *val = vmcb->efer & ~EFER_SVME;
        return 0;
    case MSR_APIC_BASE:
        *val = hvm_vcpu(v)->x2apic_base;
        return 0;
    case MSR_PAT:
        *val = vmcb->g_pat;
        return 0;
    case MSR_TSC:
        *val = rdtsc();
        return 0;
    case MSR_TSC_AUX:
        *val = hvm_vcpu(v)->tsc_aux;
        return 0;
    case MSR_UCODE_REV:
    case MSR_K7_HWCR:
        *val = 0;
        return 0;
    default:
        if (msr >= 0x800 && msr < 0x900)
            return hvm_x2apic_read(v, msr, val);
        return -EINVAL;
    }
}

int hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vmcb *vmcb = hvm_vmcb(v);

    switch (msr) {
    case MSR_EFER:
        if (val & ~(EFER_GUEST_BITS | EFER_LMA))
            return -EINVAL;
        vmcb->efer = (val & EFER_GUEST_BITS) | (vmcb->efer & EFER_LMA) | EFER_SVME;
        return 0;
    case MSR_APIC_BASE:
        hvm_vcpu(v)->x2apic_base = (hvm_vcpu(v)->x2apic_base & (1ULL << 8)) |
                                    (val & ((3ULL << 10) | 0xfffff000ULL));
        return 0;
    case MSR_PAT:
        for (unsigned int i = 0; i < 8; i++) {
            uint8_t t = val >> (i * 8);
            if (t == 2 || t == 3 || t > 7)      /* reserved memory types */
                return -EINVAL;
        }
        vmcb->g_pat = val;
        return 0;
    case MSR_TSC:
        return 0;                               /* the TSC is the host's: ignored */
    case MSR_TSC_AUX:
        hvm_vcpu(v)->tsc_aux = (uint32_t)val;
        wrmsr(MSR_TSC_AUX, (uint32_t)val);
        return 0;
    case MSR_HYPERCALL:
        return install_hypercall_page(v, val);
    default:
        if (msr >= 0x800 && msr < 0x900)
            return hvm_x2apic_write(v, msr, val);
        return -EINVAL;
    }
}

/* ---- I/O ports ---- */

#define PORT_RESET_CONTROL 0xcf9
#define PORT_KBD_COMMAND   0x64

bool hvm_io(struct vcpu *v, unsigned int port, unsigned int size, bool in, uint32_t *val)
{
    if (in) {
        *val = 0xffffffff;
        return hvm_vuart_io(v, port, size, in, val);
    }
    if ((port == PORT_RESET_CONTROL && (*val & 0x4)) ||
        (port == PORT_KBD_COMMAND && size == 1 && (*val & 0xff) == 0xfe)) {
        printk("dom%u: reset requested (port %#x)\n", v->domain->domain_id, port);
        domain_shutdown(v->domain, SHUTDOWN_reboot);
        return true;
    }
    return hvm_vuart_io(v, port, size, in, val);
}
