/*
 * HVM domains and vCPUs: creation and tear-down, guest memory (the p2m),
 * context switching, entering the guest with pending events injected, and
 * access to guest memory through the guest's own page tables.
 */
#include <sable/console.h>
#include <sable/event.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <hvm/hvm_context.h>
#include <sable/domctl.h>
#include <asm/memlayout.h>
#include <asm/processor.h>
#include <asm/percpu.h>
#include <public/xen.h>

#define MSR_TSC_AUX 0xc0000103

/* ---- the p2m's table pages: hypervisor-owned frames ---- */

static paddr_t p2m_alloc_table(void **va)
{
    void *p = alloc_xenheap_pages(0);

    if (!p)
        return 0;
    memset(p, 0, PAGE_SIZE);
    *va = p;
    return virt_to_maddr(p);
}

static void p2m_free_table(paddr_t ma) { free_xenheap_pages(maddr_to_virt(ma), 0); }
static void *p2m_table_va(paddr_t ma) { return maddr_to_virt(ma); }

static const struct p2m_ops hvm_p2m_ops = { p2m_alloc_table, p2m_free_table, p2m_table_va };

/* ---- domains and vCPUs ---- */

int hvm_domain_create(struct domain *d)
{
    struct hvm_domain *h;

    if (!svm_caps.present)
        return -ENODEV;
    h = xzalloc(struct hvm_domain);
    if (!h)
        return -ENOMEM;
    if (p2m_init(&h->p2m, &hvm_p2m_ops)) {
        xfree(h);
        return -ENOMEM;
    }
    h->p2m_generation = 1;
    d->arch = h;
    hvm_cpuid_domain_init(d);
    hvm_vuart_init(d);
    return 0;
}

static const char *const exit_names[HVM_EXIT_NR] = {
    [HVM_EXIT_CPUID] = "cpuid", [HVM_EXIT_MSR] = "msr", [HVM_EXIT_VMMCALL] = "vmmcall",
    [HVM_EXIT_HLT] = "hlt", [HVM_EXIT_IO] = "io", [HVM_EXIT_NPF] = "npf",
    [HVM_EXIT_APIC] = "apic", [HVM_EXIT_INTR] = "intr", [HVM_EXIT_VINTR] = "vintr",
    [HVM_EXIT_IRET] = "iret",
    [HVM_EXIT_EXCEPTION] = "exception", [HVM_EXIT_OTHER] = "other",
};

/* One line with the exit counts by reason: exits are what a guest costs. */
void hvm_report_exits(struct domain *d)
{
    struct hvm_domain *h = hvm_domain(d);
    char line[256];
    size_t n = 0;
    uint64_t total = 0;
    struct time_params tp;

    for (unsigned int i = 0; i < HVM_EXIT_NR; i++) {
        total += h->exits[i];
        if (h->exits[i])
            n += snprintf(line + n, sizeof(line) - n, " %s %lu", exit_names[i],
                          (unsigned long)h->exits[i]);
        if (n >= sizeof(line))
            break;
    }
    printk("dom%u: %lu exits:%s\n", d->domain_id, (unsigned long)total, line);
    if (time_get_params(&tp)) {
        uint64_t busy = 0;

        n = 0;
        for (unsigned int i = 0; i < HVM_EXIT_NR && n < sizeof(line); i++) {
            if (!h->exits[i])
                continue;
            n += snprintf(line + n, sizeof(line) - n, " %s %lu", exit_names[i],
                          (unsigned long)(time_scale_apply(h->exit_cycles[i], &tp.tsc_to_ns) /
                                          h->exits[i] / 1000));
            if (i != HVM_EXIT_HLT)
                busy += h->exit_cycles[i];
        }
        printk("dom%u: us per exit:%s; guest ran %lu ms, exits other than hlt took %lu ms\n",
               d->domain_id, line,
               (unsigned long)(time_scale_apply(h->guest_cycles, &tp.tsc_to_ns) / 1000000),
               (unsigned long)(time_scale_apply(busy, &tp.tsc_to_ns) / 1000000));
    }
    printk("dom%u: local APIC timer fired %lu times, %lu on another CPU than its vCPU's; "
           "%lu NMIs\n", d->domain_id,
           (unsigned long)__atomic_load_n(&h->lapic_timer_fired, __ATOMIC_RELAXED),
           (unsigned long)__atomic_load_n(&h->lapic_timer_remote, __ATOMIC_RELAXED),
           (unsigned long)__atomic_load_n(&h->nmis, __ATOMIC_RELAXED));
    printk("dom%u: %lu of %lu MiB of RAM scrubbed at first use\n", d->domain_id,
           (unsigned long)(__atomic_load_n(&h->scrubbed_on_demand, __ATOMIC_RELAXED) >> 8),
           (unsigned long)(h->ram_bytes >> 20));
}

void hvm_domain_destroy(struct domain *d)
{
    struct hvm_domain *h = hvm_domain(d);

    if (!h)
        return;
    p2m_destroy(&h->p2m);
    xfree(h);
    d->arch = NULL;
}

static unsigned int fpu_order(void)
{
    return hvm_fpu_size > PAGE_SIZE ? 1 : 0;
}

int hvm_vcpu_create(struct vcpu *v)
{
    struct hvm_vcpu *hv = xzalloc(struct hvm_vcpu);
    uint8_t *fx;
    int rc;

    if (!hv)
        return -ENOMEM;
    fx = alloc_xenheap_pages(fpu_order());
    rc = fx ? svm_vcpu_create(&hv->svm, hvm_domain(v->domain)->p2m.root) : -ENOMEM;
    if (rc) {
        if (fx)
            free_xenheap_pages(fx, fpu_order());
        xfree(hv);
        return rc;
    }
    /*
     * The FPU as after reset: FCW 0x37f, MXCSR 0x1f80; an XSAVE header of
     * zeros means every other component is in its initial state.
     */
    memset(fx, 0, PAGE_SIZE << fpu_order());
    fx[0] = 0x7f;
    fx[1] = 0x03;
    fx[24] = 0x80;
    fx[25] = 0x1f;
    hv->fpu = fx;
    hv->xcr0 = 1;                               /* x87 only, as after reset */
    hv->wait_for_sipi = v->vcpu_id != 0;
    v->arch = hv;
    hvm_lapic_init(v);
    /* HVM guests mask events with RFLAGS.IF; the PV mask bit means nothing. */
    v->vcpu_info->evtchn_upcall_mask = 0;
    return 0;
}

void hvm_vcpu_destroy(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);

    if (!hv)
        return;
    hvm_lapic_destroy(v);
    svm_vcpu_destroy(&hv->svm);
    free_xenheap_pages(hv->fpu, fpu_order());
    xfree(hv);
    v->arch = NULL;
}

/*
 * Context switch: the FPU/SSE/AVX state (with XSAVE, under the guest's own
 * XCR0, which stays loaded while the vCPU runs) and TSC_AUX live outside
 * the VMCB. Sable itself never touches the FPU.
 */
void hvm_save_vcpu(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);

    clts();
    if (hvm_xcr0_mask) {
        /*
         * The guest's XCR0 as it is now: XSETBV exits are asked for, but
         * QEMU's software CPU does not deliver them, so the guest may have
         * set it directly.
         */
        hv->xcr0 = xgetbv(0);
        __asm__ volatile("xsave64 (%0)" :: "r"(hv->fpu), "a"(~0U), "d"(~0U) : "memory");
        xsetbv(0, HVM_XCR0_HOST);
    } else {
        __asm__ volatile("fxsave64 (%0)" :: "r"(hv->fpu) : "memory");
    }
}

void hvm_load_vcpu(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);

    clts();
    if (hvm_xcr0_mask) {
        xsetbv(0, hv->xcr0);
        __asm__ volatile("xrstor64 (%0)" :: "r"(hv->fpu), "a"(~0U), "d"(~0U) : "memory");
    } else {
        __asm__ volatile("fxrstor64 (%0)" :: "r"(hv->fpu) : "memory");
    }
    wrmsr(MSR_TSC_AUX, hvm_vcpu(v)->tsc_aux);
    hvm_lapic_follow(v, smp_processor_id());
}

/* ---- memory ---- */

/*
 * Guest RAM is scrubbed when first used, not when the domain is built: its
 * frames are allocated (and charged) at once but mapped unscrubbed, not
 * present to the guest. The first touch, by the guest (a nested page fault)
 * or by the hypervisor on its behalf (hvm_gfn_to_virt and friends), scrubs
 * the whole entry (2 MiB or 4 KiB) and makes it present. Memory the guest
 * never uses is never touched: under QEMU that is most of a fresh guest's
 * RAM, whose first read alone costs about 1 ms per MiB. No guest can see
 * what its frames held before, as nothing maps them until they are clean.
 */
int hvm_populate(struct domain *d, uint64_t gfn, unsigned int order)
{
    struct hvm_domain *h = hvm_domain(d);
    struct page_info *pg;
    int rc;

    if ((order != P2M_ORDER_4K && order != P2M_ORDER_2M) || gfn >> P2M_GFN_BITS ||
        !IS_ALIGNED(gfn, 1ULL << order))
        return -EINVAL;
    pg = domain_alloc_pages_unscrubbed(d, order);
    if (!pg)
        return -ENOMEM;
    spin_lock(&h->p2m.lock);
    rc = 0;
    /* Never over a mapping: its frame would be lost (the toolstack may ask twice). */
    for (uint64_t i = 0; i < (1ULL << order) && !rc; i++)
        if (p2m_lookup(&h->p2m, gfn + i, NULL, NULL, NULL))
            rc = -EEXIST;
    if (!rc)
        rc = p2m_map(&h->p2m, gfn, page_to_mfn(pg), order, P2M_RW | P2M_UNSCRUBBED);
    if (!rc)
        h->ram_bytes += PAGE_SIZE << order;
    spin_unlock(&h->p2m.lock);
    if (rc)
        for (unsigned int i = 0; i < (1U << order); i++)
            domain_free_page(d, &pg[i]);
    return rc;
}

/*
 * gfn's frames scrubbed and present: 0 (scrubbing them here if nobody has,
 * without the p2m lock; waiting while another CPU does), -ENOENT when gfn
 * is unbacked. Not from interrupt context.
 */
int hvm_gfn_ready(struct domain *d, uint64_t gfn)
{
    struct hvm_domain *h = hvm_domain(d);
    unsigned int order, access;
    uint64_t mfn;
    int rc;

    /* Lock-free first look: an entry only ever goes from unscrubbed to present. */
    if (!p2m_lookup(&h->p2m, gfn, NULL, NULL, &access))
        return -ENOENT;
    if (!(access & P2M_UNSCRUBBED))
        return 0;
    for (;;) {
        spin_lock(&h->p2m.lock);
        rc = p2m_scrub_claim(&h->p2m, gfn, &mfn, &order);
        spin_unlock(&h->p2m.lock);
        if (rc != -EBUSY)
            break;
        cpu_relax();
    }
    if (rc <= 0)
        return rc;
    arch_scrub_pages(maddr_to_virt(mfn << PAGE_SHIFT), PAGE_SIZE << order);
    spin_lock(&h->p2m.lock);
    p2m_scrub_done(&h->p2m, gfn);
    spin_unlock(&h->p2m.lock);
    __atomic_fetch_add(&h->scrubbed_on_demand, 1ULL << order, __ATOMIC_RELAXED);
    return 0;
}

bool hvm_gfn_to_mfn(struct domain *d, uint64_t gfn, uint64_t *mfn)
{
    return hvm_gfn_ready(d, gfn) == 0 && p2m_lookup(&hvm_domain(d)->p2m, gfn, mfn, NULL, NULL);
}

void *hvm_gfn_to_virt(struct domain *d, uint64_t gfn, bool write)
{
    uint64_t mfn;
    unsigned int access;

    if (hvm_gfn_ready(d, gfn) ||
        !p2m_lookup(&hvm_domain(d)->p2m, gfn, &mfn, NULL, &access))
        return NULL;
    if (write && !(access & P2M_WRITE))
        return NULL;
    return maddr_to_virt(mfn << PAGE_SHIFT);
}

/* Copy to (to_guest) or from guest-physical memory, page by page. */
static int copy_phys(struct domain *d, uint64_t gpa, void *buf, size_t len, bool to_guest)
{
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
        char *p = hvm_gfn_to_virt(d, gpa >> PAGE_SHIFT, to_guest);

        if (!p)
            return -EFAULT;
        p += gpa & (PAGE_SIZE - 1);
        if (to_guest)
            copy_page_bulk(p, buf, chunk);
        else
            memcpy(buf, p, chunk);
        gpa += chunk;
        buf = (char *)buf + chunk;
        len -= chunk;
    }
    return 0;
}

int hvm_copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
    return copy_phys(d, gpa, (void *)src, len, true);
}

int hvm_copy_from_guest_phys(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
    return copy_phys(d, gpa, dst, len, false);
}

#define PTE_P   0x1ULL
#define PTE_RW  0x2ULL
#define PTE_A   0x20ULL
#define PTE_D   0x40ULL
#define PTE_PS  0x80ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define X86_CR4_LA57 (1UL << 12)

/* Canonical for `levels` levels of paging: bits 63..47 (or 56) all equal. */
static bool gva_canonical(uint64_t gva, unsigned int levels)
{
    unsigned int bits = 12 + 9 * levels;       /* 48 or 57 */
    uint64_t top = gva >> (bits - 1);

    return top == 0 || top == (~0ULL >> (bits - 1));
}

/*
 * Guest-virtual to guest-physical through the guest's page tables, as the
 * CPU would for a supervisor access: paging off means identity; long mode
 * walks 4 or 5 levels (A and D set on the way, as the CPU does). -EFAULT
 * when not mapped (or not writable for a write), or not canonical (the
 * CPU's #GP: the walk alone would use an alias of it), -EOPNOTSUPP for
 * legacy 32-bit paging, which PVH guests never use in a hypercall.
 */
static int gva_to_gpa(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    const struct vmcb *vmcb = hvm_vmcb(v);
    unsigned int levels = (vmcb->cr4 & X86_CR4_LA57) ? 5 : 4;
    uint64_t table = vmcb->cr3 & PTE_ADDR;

    if (!(vmcb->cr0 & X86_CR0_PG)) {
        *gpa = gva;
        return 0;
    }
    if (!(vmcb->efer & EFER_LMA))
        return -EOPNOTSUPP;
    if (!gva_canonical(gva, levels))
        return -EFAULT;
    for (unsigned int l = levels; l >= 1; l--) {
        unsigned int shift = 12 + 9 * (l - 1);
        uint64_t *t = hvm_gfn_to_virt(v->domain, table >> PAGE_SHIFT, false);
        uint64_t *e, val;

        if (!t)
            return -EFAULT;
        e = &t[(gva >> shift) & 511];
        val = __atomic_load_n(e, __ATOMIC_RELAXED);
        if (!(val & PTE_P) || (write && !(val & PTE_RW)))
            return -EFAULT;
        if (l == 1 || (l <= 3 && (val & PTE_PS))) {
            uint64_t flags = PTE_A | (write ? PTE_D : 0);
            if ((val & flags) != flags && hvm_gfn_to_virt(v->domain, table >> PAGE_SHIFT, true))
                __atomic_fetch_or(e, flags, __ATOMIC_RELAXED);
            *gpa = ((val & PTE_ADDR) & ~((1ULL << shift) - 1)) | (gva & ((1ULL << shift) - 1));
            return 0;
        }
        if (!(val & PTE_A) && hvm_gfn_to_virt(v->domain, table >> PAGE_SHIFT, true))
            __atomic_fetch_or(e, PTE_A, __ATOMIC_RELAXED);
        table = val & PTE_ADDR;
    }
    return -EFAULT;
}

static int copy_virt(uint64_t gva, void *buf, size_t len, bool to_guest)
{
    struct vcpu *v = current;

    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
        uint64_t gpa;

        if (gva_to_gpa(v, gva, to_guest, &gpa) ||
            copy_phys(v->domain, gpa, buf, chunk, to_guest))
            return -EFAULT;
        gva += chunk;
        buf = (char *)buf + chunk;
        len -= chunk;
    }
    return 0;
}

int hvm_copy_from_guest_virt(void *dst, uint64_t gva, size_t len)
{
    return copy_virt(gva, dst, len, false);
}

int hvm_copy_to_guest_virt(uint64_t gva, const void *src, size_t len)
{
    return copy_virt(gva, (void *)src, len, true);
}

/* ---- crashes ---- */

void hvm_crash(struct vcpu *v, const char *fmt, ...)
{
    const struct vmcb *vmcb = hvm_vmcb(v);
    char why[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    printk("dom%u vcpu%u: rip %016lx rsp %016lx rflags %08lx cs %04x cpl %u\n",
           v->domain->domain_id, v->vcpu_id, vmcb->rip, vmcb->rsp, vmcb->rflags,
           vmcb->cs.sel, vmcb->cpl);
    printk("dom%u vcpu%u: cr0 %08lx cr3 %016lx cr4 %08lx efer %lx\n",
           v->domain->domain_id, v->vcpu_id, vmcb->cr0, vmcb->cr3, vmcb->cr4,
           vmcb->efer & ~EFER_SVME);
    domain_crash(v->domain, why);
}

/* ---- entering the guest ---- */

/*
 * Exit timing, for the report when the domain ends: TSC cycles from an
 * exit to the vCPU's next VMRUN, by the exit's kind (what the hypervisor
 * spent on it; a halted vCPU's sleep counts to its HLT, time it waited for
 * the CPU to the exit that preceded), and cycles in the guest. The cost
 * QEMU adds to each switch is in neither (its TLB is flushed both ways).
 */
void hvm_exit_timing_start(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);

    hv->exit_tsc = rdtsc();
    if (hv->run_tsc)
        __atomic_fetch_add(&hvm_domain(v->domain)->guest_cycles, hv->exit_tsc - hv->run_tsc,
                           __ATOMIC_RELAXED);
    hv->exit_kind = HVM_EXIT_OTHER;
}

static void hvm_exit_timing_end(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);

    hv->run_tsc = rdtsc();
    if (hv->exit_tsc)
        __atomic_fetch_add(&hvm_domain(v->domain)->exit_cycles[hv->exit_kind],
                           hv->run_tsc - hv->exit_tsc, __ATOMIC_RELAXED);
    hv->exit_tsc = 0;
}

bool hvm_upcall_pending(struct vcpu *v)
{
    return hvm_domain(v->domain)->callback_vector &&
           __atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_RELAXED);
}

bool hvm_interrupt_pending(struct vcpu *v)
{
    return hvm_upcall_pending(v) || hvm_lapic_pending(v) >= 0;
}

bool hvm_nmi_pending(struct vcpu *v)
{
    return __atomic_load_n(&hvm_vcpu(v)->nmi_pending, __ATOMIC_ACQUIRE);
}

void hvm_nmi_raise(struct vcpu *v)
{
    __atomic_store_n(&hvm_vcpu(v)->nmi_pending, true, __ATOMIC_RELEASE);
    arch_vcpu_kick(v);
}

/* INIT: no NMI pending or blocked (the vCPU is not running). */
void hvm_nmi_reset(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);

    __atomic_store_n(&hv->nmi_pending, false, __ATOMIC_RELEASE);
    hv->nmi_masked = false;
    hv->svm.vmcb->intercept_misc1 &= ~SVM_INTERCEPT1_IRET;
}

/*
 * The IRET intercept comes before the instruction runs: NMIs are open
 * from now on, but one that is pending must wait until the IRET is done
 * (its frame still belongs to the handler). An interrupt shadow holds off
 * the virtual-interrupt window that hvm_inject_nmi asks for until then.
 */
void hvm_nmi_iret(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);

    hv->nmi_masked = false;
    hv->svm.vmcb->intercept_misc1 &= ~SVM_INTERCEPT1_IRET;
    hv->svm.vmcb->int_state |= 1;
}

/*
 * A pending NMI goes in first, whatever RFLAGS.IF says, unless the vCPU
 * is blocking NMIs: from the delivery of one until the next IRET, which is
 * intercepted to learn when. True if it still waits for a window (right
 * after that IRET, or behind an event being re-injected).
 */
static bool hvm_inject_nmi(struct vcpu *v, struct vmcb *vmcb)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);

    if (!hvm_nmi_pending(v) || hv->nmi_masked)
        return false;
    if ((vmcb->eventinj & SVM_EVT_VALID) || (vmcb->int_state & 1))
        return true;
    __atomic_store_n(&hv->nmi_pending, false, __ATOMIC_RELEASE);
    hv->nmi_masked = true;
    vmcb->intercept_misc1 |= SVM_INTERCEPT1_IRET;
    svm_inject(vmcb, 2, SVM_EVT_TYPE_NMI, false, 0);
    __atomic_fetch_add(&hvm_domain(v->domain)->nmis, 1, __ATOMIC_RELAXED);
    return false;
}

/*
 * An interrupt is due while the guest is in an STI (or MOV SS) shadow, as
 * after an exit for a host interrupt between "sti" and "hlt", the idiom
 * that sleeps without missing an event. The CPU holds the interrupt for
 * one instruction, but QEMU 7.2 does not load the shadow at VMRUN and
 * delivers it at once: the event is taken before the HLT, which then
 * sleeps for ever. So a HLT in the shadow is completed here, as the CPU
 * would: a HLT with an interrupt due ends at once, the interrupt is taken
 * after it. True when it did (RIP moved past it, the shadow over).
 */
static bool hvm_hlt_in_shadow_done(struct vcpu *v, struct vmcb *vmcb)
{
    bool long_mode = (vmcb->efer & EFER_LMA) && (vmcb->cs.attrib & (1U << 9));
    uint64_t ip = long_mode ? vmcb->rip : (uint32_t)(vmcb->cs.base + vmcb->rip);
    uint8_t insn;

    if (hvm_copy_from_guest_virt(&insn, ip, 1) || insn != 0xf4)
        return false;
    vmcb->rip = long_mode ? vmcb->rip + 1 : (uint32_t)(vmcb->rip + 1);
    vmcb->int_state &= ~1ULL;
    return true;
}

/*
 * Inject what is pending when the guest can take an interrupt now: the
 * event upcall (the callback vector, straight into the vCPU: no local
 * APIC, no EOI) first, else the local APIC's highest vector. Otherwise the
 * upcall waits as a virtual interrupt (V_IRQ with its vector), which the
 * CPU delivers itself when IF opens, without an exit; a local APIC vector
 * must be acknowledged as it is delivered, so for it a VINTR exit is asked
 * for at that moment instead.
 */
static void hvm_inject_pending(struct vcpu *v)
{
    struct vmcb *vmcb = hvm_vmcb(v);
    uint64_t virq = SVM_VINTR_V_IRQ | SVM_VINTR_IGN_TPR | (0xfULL << SVM_VINTR_PRIO_SHIFT);
    int vector;

    vmcb->intercept_misc1 &= ~SVM_INTERCEPT1_VINTR;
    vmcb->vintr &= ~(virq | (0xffULL << SVM_VINTR_VECTOR_SHIFT));
    if (hvm_inject_nmi(v, vmcb)) {
        /* An exit as soon as the guest can take an interrupt, to try again. */
        vmcb->vintr |= virq;
        vmcb->intercept_misc1 |= SVM_INTERCEPT1_VINTR;
        return;
    }
    if (!hvm_interrupt_pending(v))
        return;
    if (!(vmcb->eventinj & SVM_EVT_VALID) && (vmcb->rflags & X86_EFLAGS_IF) &&
        (!(vmcb->int_state & 1) || hvm_hlt_in_shadow_done(v, vmcb))) {
        if (hvm_upcall_pending(v)) {
            vector = hvm_domain(v->domain)->callback_vector;
        } else {
            vector = hvm_lapic_pending(v);
            if (vector < 0)
                return;
            hvm_lapic_ack(v, (uint8_t)vector);
        }
        svm_inject(vmcb, (uint64_t)vector, SVM_EVT_TYPE_INTR, false, 0);
        return;
    }
    if (hvm_upcall_pending(v)) {
        vmcb->vintr |= virq | ((uint64_t)hvm_domain(v->domain)->callback_vector
                               << SVM_VINTR_VECTOR_SHIFT);
        return;
    }
    /* A virtual interrupt request only to learn when IF opens; never taken. */
    vmcb->vintr |= virq;
    vmcb->intercept_misc1 |= SVM_INTERCEPT1_VINTR;
}

void hvm_exit_to_guest(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);
    uint64_t gen = hvm_domain(v->domain)->p2m_generation;

    if (hv->p2m_generation != gen) {
        hv->svm.asid = 0;                       /* mappings went away: new ASID */
        hv->p2m_generation = gen;
    }
    svm_asid_assign(&hv->svm);
    hvm_inject_pending(v);
    hvm_exit_timing_end(v);
    svm_vmrun(&hv->svm);
}

/* ---- XEN_DOMCTL_sethvmcontext ---- */

static void seg_load(struct vmcb_seg *s, uint32_t sel, uint32_t attr, uint32_t limit,
                     uint64_t base)
{
    s->sel = (uint16_t)sel;
    s->attrib = (uint16_t)attr;
    s->limit = limit;
    s->base = base;
}

/* A vCPU loads a context once, before it ever ran (as setvcpucontext). */
static int context_vcpu_check(void *ctx, unsigned int id, const struct hvm_hw_cpu *c)
{
    struct vcpu *v = domain_vcpu(ctx, id);

    if (!v)
        return -EINVAL;
    return v->is_initialised || !(v->pause_flags & VPF_down) ? -EEXIST : 0;
}

/* The registers into the VMCB; the vCPU comes up, as Xen's hvm_load_cpu_ctxt does. */
static int context_vcpu_apply(void *ctx, unsigned int id, const struct hvm_hw_cpu *c)
{
    struct vcpu *v = domain_vcpu(ctx, id);
    struct hvm_vcpu *hv = hvm_vcpu(v);
    struct vmcb *vmcb = hv->svm.vmcb;
    struct svm_gprs *r = &hv->svm.regs;

    vmcb->rax = c->rax;
    r->rbx = c->rbx; r->rcx = c->rcx; r->rdx = c->rdx; r->rsi = c->rsi; r->rdi = c->rdi;
    r->rbp = c->rbp; r->r8 = c->r8; r->r9 = c->r9; r->r10 = c->r10; r->r11 = c->r11;
    r->r12 = c->r12; r->r13 = c->r13; r->r14 = c->r14; r->r15 = c->r15;
    vmcb->rsp = c->rsp;
    vmcb->rip = c->rip;
    vmcb->rflags = c->rflags;
    vmcb->cr0 = c->cr0;
    vmcb->cr2 = c->cr2;
    vmcb->cr3 = c->cr3;
    vmcb->cr4 = c->cr4;
    vmcb->efer = c->msr_efer | EFER_SVME;
    vmcb->dr6 = c->dr6 ? c->dr6 : vmcb->dr6;
    vmcb->dr7 = c->dr7 ? c->dr7 : vmcb->dr7;
    seg_load(&vmcb->cs, c->cs_sel, c->cs_arbytes, c->cs_limit, c->cs_base);
    seg_load(&vmcb->ds, c->ds_sel, c->ds_arbytes, c->ds_limit, c->ds_base);
    seg_load(&vmcb->es, c->es_sel, c->es_arbytes, c->es_limit, c->es_base);
    seg_load(&vmcb->fs, c->fs_sel, c->fs_arbytes, c->fs_limit, c->fs_base);
    seg_load(&vmcb->gs, c->gs_sel, c->gs_arbytes, c->gs_limit, c->gs_base);
    seg_load(&vmcb->ss, c->ss_sel, c->ss_arbytes, c->ss_limit, c->ss_base);
    seg_load(&vmcb->tr, c->tr_sel, c->tr_arbytes, c->tr_limit, c->tr_base);
    seg_load(&vmcb->ldtr, c->ldtr_sel, c->ldtr_arbytes, c->ldtr_limit, c->ldtr_base);
    seg_load(&vmcb->gdtr, 0, 0, c->gdtr_limit, c->gdtr_base);
    seg_load(&vmcb->idtr, 0, 0, c->idtr_limit, c->idtr_base);
    vmcb->cpl = (uint8_t)((c->ss_arbytes >> 5) & 3);      /* SS.DPL */
    vmcb->sysenter_cs = c->sysenter_cs;
    vmcb->sysenter_esp = c->sysenter_esp;
    vmcb->sysenter_eip = c->sysenter_eip;
    vmcb->kernel_gs_base = c->shadow_gs;
    vmcb->star = c->msr_star;
    vmcb->lstar = c->msr_lstar;
    vmcb->cstar = c->msr_cstar;
    vmcb->sfmask = c->msr_syscall_mask;
    hv->tsc_aux = (uint32_t)c->msr_tsc_aux;
    hv->wait_for_sipi = false;
    hvm_nmi_reset(v);                   /* a fresh CPU state: no NMI pending or blocked */
    v->is_initialised = true;
    vcpu_up(v);
    return 0;
}

int arch_hvm_load_context(struct domain *d, const void *buf, size_t size)
{
    if (!is_hvm_domain(d))
        return -EINVAL;
    return hvm_context_load(buf, size, d->max_vcpus, context_vcpu_check, context_vcpu_apply, d);
}
