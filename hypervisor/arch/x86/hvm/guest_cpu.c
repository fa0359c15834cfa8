/*
 * What an HVM guest sees of the CPU: CPUID (hvm/cpuid.c's policy), the MSRs
 * it may touch (an allow-list; #GP for everything else), XCR0, and I/O
 * ports (unhandled ports read all-ones and ignore writes, as on an empty
 * bus).
 */
#include <sable/console.h>
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <sable/time.h>
#include <asm/hvm.h>
#include <asm/processor.h>
#include <hvm/acpi_build.h>
#include <public/cpuid.h>
#include <public/sched.h>

#define MSR_TSC          0x10
#define MSR_HYPERCALL    0x40000000     /* CPUID base+2 ebx: install the hypercall page */
#define MSR_TSC_AUX      0xc0000103
#define MSR_K7_HWCR      0xc0010015
#define MSR_K8_INT_PENDING_MSG 0xc0010055   /* C1E: Linux reads it unguarded */
#define MSR_UCODE_REV    0x8b

static void host_cpuid(uint32_t leaf, uint32_t sub, struct cpuid_regs *out)
{
    cpuid_count(leaf, sub, out);
}

/* The policy's fixed view of domain d (set up once, when d is created). */
void hvm_cpuid_domain_init(struct domain *d)
{
    struct hvm_cpuid_domain *c = &hvm_domain(d)->cpuid;
    struct time_params tp;

    c->host_cpuid = host_cpuid;
    c->nr_vcpus = d->max_vcpus;
    c->domid = d->domain_id;
    c->flags = HVM_CPUID_TSC_AUX;
    if (time_get_params(&tp)) {
        c->tsc_khz = tp.tsc_hz / 1000;
        c->tsc_to_ns = tp.tsc_to_ns;
    }
}

void hvm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
    struct hvm_cpuid_vcpu cv = {
        .vcpu_id = v->vcpu_id,
        .cr4 = hvm_vmcb(v)->cr4,
        .xcr0 = hvm_xcr0_mask ? xgetbv(0) : 1,     /* the running vCPU's */
        .apic_enabled = vlapic_base_read(&hvm_vcpu(v)->lapic) & (1ULL << 11),
    };

    hvm_cpuid_policy(&hvm_domain(v->domain)->cpuid, &cv, leaf, sub, r);
}

/* ---- XCR0 ---- */

int hvm_xsetbv(struct vcpu *v, uint32_t index, uint64_t value)
{
    struct cpuid_regs r;

    hvm_cpuid(v, 0xd, 0, &r);                  /* what the guest was told it may enable */
    if (index != 0 || !hvm_xcr0_mask || !(value & 1) || (value & ~hvm_xcr0_mask) ||
        (value & ~(((uint64_t)r.edx << 32) | r.eax)) ||
        ((value & 4) && !(value & 2)) ||                        /* AVX needs SSE */
        ((value & 0xe0) && (value & 0xe0) != 0xe0) ||           /* AVX-512: all three */
        ((value & 0xe0) && !(value & 4)))                       /* ... and AVX */
        return -EINVAL;
    hvm_vcpu(v)->xcr0 = value;
    xsetbv(0, value);
    return 0;
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

    if (hvm_lapic_is_msr(msr))
        return hvm_lapic_msr_read(v, msr, val);
    switch (msr) {
    case MSR_EFER:
        *val = vmcb->efer & ~EFER_SVME;
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
    case MSR_K8_INT_PENDING_MSG:
        *val = 0;
        return 0;
    default:
        return -EINVAL;
    }
}

int hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vmcb *vmcb = hvm_vmcb(v);

    if (hvm_lapic_is_msr(msr))
        return hvm_lapic_msr_write(v, msr, val);
    switch (msr) {
    case MSR_EFER:
        if (val & ~(EFER_GUEST_BITS | EFER_LMA))
            return -EINVAL;
        vmcb->efer = (val & EFER_GUEST_BITS) | (vmcb->efer & EFER_LMA) | EFER_SVME;
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
        return -EINVAL;
    }
}

/* ---- I/O ports ---- */

#define PORT_RESET_CONTROL 0xcf9
#define PORT_KBD_COMMAND   0x64
#define PORT_PIT_FIRST     0x40
#define PORT_PIT_LAST      0x43

/* The ACPI sleep and reset registers (hvm/acpi_build.c): power off or reset. */
static bool acpi_pm_io(struct vcpu *v, unsigned int port, unsigned int size, bool in,
                       uint32_t *val)
{
    enum hvm_acpi_pm_action action = HVM_ACPI_PM_NONE;

    if (!hvm_acpi_pm_io((uint16_t)port, size, in, val, &action))
        return false;
    if (action == HVM_ACPI_PM_POWEROFF) {
        printk("dom%u: ACPI power off\n", v->domain->domain_id);
        domain_shutdown(v->domain, SHUTDOWN_poweroff);
    } else if (action == HVM_ACPI_PM_REBOOT) {
        printk("dom%u: ACPI reset\n", v->domain->domain_id);
        domain_shutdown(v->domain, SHUTDOWN_reboot);
    }
    return true;
}

bool hvm_io(struct vcpu *v, unsigned int port, unsigned int size, bool in, uint32_t *val)
{
    if (acpi_pm_io(v, port, size, in, val))
        return true;
    if (in) {
        /*
         * No PIT: its counters read 0, not all-ones. Linux's quick PIT
         * calibration then gives up after two reads instead of 100000
         * (it waits for the counter's high byte to leave 0xff).
         */
        *val = port >= PORT_PIT_FIRST && port <= PORT_PIT_LAST ? 0 : 0xffffffff;
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
