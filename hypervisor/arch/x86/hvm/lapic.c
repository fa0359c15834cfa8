/*
 * The SVM side of the virtual local APIC (hvm/vlapic.c is the model):
 * its time, its timer, IPI routing between a domain's vCPUs, and starting
 * secondary vCPUs on INIT/SIPI the way Linux brings them up.
 *
 * Every vlapic_* call on a vCPU's APIC holds that vCPU's lapic_lock, with
 * interrupts off (timers and other CPUs' IPIs reach it too). IPI routing
 * takes the target's lock after dropping the sender's: send_ipi runs with
 * the sender's lock held, so it only records the IPI; the register write
 * (MSR or MMIO) delivers it once the lock is dropped. An NMI IPI marks the
 * target's nmi_pending; hvm.c injects it when the target is not blocking
 * NMIs (from one NMI's delivery to the next IRET).
 *
 * Every vCPU's APIC starts enabled in x2APIC mode, as firmware may leave
 * it: Linux then reaches it through MSRs (one exit per access). In xAPIC
 * mode (Linux's `nox2apic`) the registers are the page at the APIC base,
 * which nothing maps in the p2m: each access is a nested page fault whose
 * instruction hvm/emulate.c decodes from guest memory (no decode assists
 * under QEMU) and hvm_lapic_mmio performs.
 *
 * The timer is armed on the CPU the vCPU runs on, and follows it when it
 * moves (hvm_load_vcpu), so that it does not kick the vCPU across CPUs.
 */
#include <sable/console.h>
#include <sable/domain.h>
#include <hvm/emulate.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <sable/time.h>
#include <asm/hvm.h>
#include <asm/processor.h>
#include <asm/percpu.h>

#define MSR_APIC_BASE_EXTD (1ULL << 10)
#define MSR_APIC_BASE_EN   (1ULL << 11)

static struct vcpu *lapic_vcpu(struct vlapic *l) { return l->owner; }

static uint64_t lapic_now(struct vlapic *l) { return now_ns(); }

static void lapic_set_timer(struct vlapic *l, uint64_t deadline)
{
    struct hvm_vcpu *hv = hvm_vcpu(lapic_vcpu(l));

    if (deadline)
        timer_set(&hv->lapic_timer, deadline);
    else
        timer_stop(&hv->lapic_timer);
}

/* The guest's TSC is the host's (no offset): its time scale is the host's. */
static uint64_t lapic_tsc_to_ns(struct vlapic *l, uint64_t tsc)
{
    struct time_params tp;

    if (!time_get_params(&tp) || tsc <= tp.tsc_at_zero)
        return 0;
    return time_scale_apply(tsc - tp.tsc_at_zero, &tp.tsc_to_ns);
}

/* One IPI waiting to be delivered after the sender's lock is dropped. */
struct pending_ipi {
    bool valid;
    struct vlapic_ipi ipi;
};

static void lapic_send_ipi(struct vlapic *l, const struct vlapic_ipi *ipi)
{
    struct pending_ipi *p = hvm_vcpu(lapic_vcpu(l))->ipi_out;

    p->ipi = *ipi;
    p->valid = true;
}

static void lapic_kick(struct vlapic *l)
{
    arch_vcpu_kick(lapic_vcpu(l));
}

static const struct vlapic_ops lapic_ops = {
    .now_ns = lapic_now,
    .set_timer = lapic_set_timer,
    .tsc_to_ns = lapic_tsc_to_ns,
    .send_ipi = lapic_send_ipi,
    .kick = lapic_kick,
};

/*
 * The vCPU's APIC timer is due. It should fire on the CPU the vCPU is on
 * (the timer follows it): count the times it did not, which the domain's
 * report shows.
 */
static void lapic_timer_fired(void *data)
{
    struct vcpu *v = data;
    struct hvm_vcpu *hv = hvm_vcpu(v);
    struct hvm_domain *h = hvm_domain(v->domain);
    unsigned long flags;

    __atomic_fetch_add(&h->lapic_timer_fired, 1, __ATOMIC_RELAXED);
    if (smp_processor_id() != __atomic_load_n(&v->processor, __ATOMIC_RELAXED))
        __atomic_fetch_add(&h->lapic_timer_remote, 1, __ATOMIC_RELAXED);
    flags = spin_lock_irqsave(&hv->lapic_lock);

    vlapic_timer_expired(&hv->lapic);
    spin_unlock_irqrestore(&hv->lapic_lock, flags);
}

/* Where send_ipi writes when no MSR write is collecting (never used). */
static struct pending_ipi ipi_sink;

void hvm_lapic_init(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);

    hv->lapic_lock = (spinlock_t)SPINLOCK_INIT;
    hv->ipi_out = &ipi_sink;
    /* The vCPU's CPU is not chosen yet: the timer moves there when it first runs. */
    timer_init(&hv->lapic_timer, lapic_timer_fired, v, 0);
    vlapic_init(&hv->lapic, v->vcpu_id, v->vcpu_id == 0, &lapic_ops, v);
    vlapic_base_write(&hv->lapic, VLAPIC_DEFAULT_BASE | MSR_APIC_BASE_EN | MSR_APIC_BASE_EXTD |
                                  (v->vcpu_id == 0 ? 1ULL << 8 : 0));
}

/* Before v is freed: no callback of its APIC timer may still be running (timer_kill). */
void hvm_lapic_destroy(struct vcpu *v)
{
    timer_kill(&hvm_vcpu(v)->lapic_timer);
}

void hvm_lapic_follow(struct vcpu *v, unsigned int cpu)
{
    timer_migrate(&hvm_vcpu(v)->lapic_timer, cpu);
}

/*
 * SIPI to a vCPU waiting for one: start it in real mode at vector << 12
 * (CS = vector << 8, IP = 0), as a CPU leaving wait-for-SIPI does.
 */
static void lapic_start_ap(struct vcpu *t, uint8_t vector)
{
    struct hvm_vcpu *hv = hvm_vcpu(t);
    struct vmcb *vmcb = hv->svm.vmcb;

    if (!hv->wait_for_sipi)
        return;
    hv->wait_for_sipi = false;
    vmcb->cs = (struct vmcb_seg){ (uint16_t)(vector << 8), 0x9b, 0xffff, (uint64_t)vector << 12 };
    vmcb->ds = (struct vmcb_seg){ 0, 0x93, 0xffff, 0 };
    vmcb->es = vmcb->ss = vmcb->fs = vmcb->gs = vmcb->ds;
    vmcb->tr = (struct vmcb_seg){ 0, 0x8b, 0xffff, 0 };
    vmcb->ldtr = (struct vmcb_seg){ 0, 0x82, 0xffff, 0 };
    vmcb->gdtr = (struct vmcb_seg){ 0, 0, 0xffff, 0 };
    vmcb->idtr = vmcb->gdtr;
    vmcb->cr0 = 1UL << 4;                       /* ET; real mode, paging off */
    vmcb->cr3 = vmcb->cr4 = 0;
    vmcb->efer = EFER_SVME;
    vmcb->rflags = 0x2;
    vmcb->rip = 0;
    vmcb->rsp = vmcb->rax = 0;
    vmcb->cpl = 0;
    memset(&hv->svm.regs, 0, sizeof(hv->svm.regs));
    hvm_nmi_reset(t);
    t->is_initialised = true;
    printk("dom%u: vCPU %u started by SIPI at %#x\n", t->domain->domain_id, t->vcpu_id,
           vector << 12);
    vcpu_up(t);
}

/* Deliver an IPI of vCPU `from` to every vCPU of its domain it names. */
static void lapic_route(struct vcpu *from, const struct vlapic_ipi *ipi)
{
    struct domain *d = from->domain;
    bool delivered = false;

    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *t = d->vcpu[i];
        struct hvm_vcpu *hv;
        unsigned long flags;
        bool match;

        if (!t)
            continue;
        hv = hvm_vcpu(t);
        flags = spin_lock_irqsave(&hv->lapic_lock);
        match = vlapic_ipi_match(&hv->lapic, ipi);
        if (match && ipi->delivery == VLAPIC_DM_NMI)
            hvm_nmi_raise(t);           /* self included */
        if (match && (ipi->delivery == VLAPIC_DM_FIXED ||
                      (ipi->delivery == VLAPIC_DM_LOWEST && !delivered)))
            delivered |= vlapic_set_irq(&hv->lapic, ipi->vector, ipi->level_trigger);
        else if (match && ipi->delivery == VLAPIC_DM_INIT && t != from)
            vlapic_reset(&hv->lapic);
        spin_unlock_irqrestore(&hv->lapic_lock, flags);
        if (!match || t == from)
            continue;
        if (ipi->delivery == VLAPIC_DM_INIT && (t->pause_flags & VPF_down))
            hv->wait_for_sipi = true;           /* a running vCPU ignores INIT here */
        else if (ipi->delivery == VLAPIC_DM_SIPI)
            lapic_start_ap(t, ipi->vector);
    }
}

bool hvm_lapic_is_msr(uint32_t msr)
{
    return msr == MSR_APIC_BASE || vlapic_is_msr(msr);
}

int hvm_lapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);
    unsigned long flags = spin_lock_irqsave(&hv->lapic_lock);
    int rc;

    if (msr == MSR_APIC_BASE) {
        *val = vlapic_base_read(&hv->lapic);
        rc = 0;
    } else {
        rc = vlapic_msr_read(&hv->lapic, msr, val);
    }
    spin_unlock_irqrestore(&hv->lapic_lock, flags);
    return rc;
}

/* Which register interface a write goes through. */
enum lapic_access { LAPIC_BASE_MSR, LAPIC_X2APIC_MSR, LAPIC_MMIO };

/*
 * Write a register of v's APIC under its lock, then deliver the IPI the
 * write sent (an ICR write), if any, once the lock is dropped.
 */
static int lapic_write(struct vcpu *v, enum lapic_access how, uint32_t reg,
                       unsigned int size, uint64_t val)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);
    struct pending_ipi out = { 0 };
    unsigned long flags = spin_lock_irqsave(&hv->lapic_lock);
    int rc;

    hv->ipi_out = &out;
    if (how == LAPIC_BASE_MSR)
        rc = vlapic_base_write(&hv->lapic, val);
    else if (how == LAPIC_X2APIC_MSR)
        rc = vlapic_msr_write(&hv->lapic, reg, val);
    else
        rc = vlapic_mmio_write(&hv->lapic, reg, size, val);
    hv->ipi_out = &ipi_sink;
    spin_unlock_irqrestore(&hv->lapic_lock, flags);
    if (out.valid)
        lapic_route(v, &out.ipi);
    return rc;
}

int hvm_lapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    return lapic_write(v, msr == MSR_APIC_BASE ? LAPIC_BASE_MSR : LAPIC_X2APIC_MSR, msr, 8, val);
}

/* ---- the xAPIC page ---- */

/* The guest-physical page of v's APIC registers (wherever the base MSR put it). */
static uint64_t lapic_page(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);
    unsigned long flags = spin_lock_irqsave(&hv->lapic_lock);
    uint64_t base = vlapic_base_read(&hv->lapic) & APIC_BASE_ADDR;

    spin_unlock_irqrestore(&hv->lapic_lock, flags);
    return base;
}

/* Registers are 32 bits wide: anything but an aligned 32-bit access is refused. */
static bool lapic_mmio_width_ok(uint64_t gpa, unsigned int size)
{
    return size == 4 && !(gpa & 3);
}

/*
 * MMIO callbacks for hvm_emulate_mmio. Outside xAPIC mode the page is not
 * there (x2APIC or disabled: accesses go to the bus, as on hardware):
 * reads return all ones, writes are dropped.
 */
static int mmio_read(void *ctx, uint64_t gpa, unsigned int size, uint64_t *value)
{
    struct vcpu *v = ctx;
    struct hvm_vcpu *hv = hvm_vcpu(v);
    unsigned long flags;
    int rc;

    if (!lapic_mmio_width_ok(gpa, size))
        return -EOPNOTSUPP;
    flags = spin_lock_irqsave(&hv->lapic_lock);
    rc = vlapic_mmio_read(&hv->lapic, (uint32_t)(gpa & (VLAPIC_MMIO_SIZE - 1)), size, value);
    spin_unlock_irqrestore(&hv->lapic_lock, flags);
    if (rc == -ENODEV)
        *value = ~0ULL;
    return 0;
}

static int mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t value)
{
    if (!lapic_mmio_width_ok(gpa, size))
        return -EOPNOTSUPP;
    lapic_write(ctx, LAPIC_MMIO, (uint32_t)(gpa & (VLAPIC_MMIO_SIZE - 1)), size, value);
    return 0;
}

/*
 * Instruction bytes at linear address rip: as many as can be read, up to
 * len. With decode assists the CPU saved them at the nested page fault
 * (fewer when its fetch stopped at a page it could not read); without
 * them (QEMU), or when they are too few, they are read through the
 * guest's page tables.
 */
static int mmio_fetch(void *ctx, uint64_t rip, uint8_t *buf, unsigned int len)
{
    const struct vmcb *vmcb = hvm_vmcb(ctx);
    unsigned int n = 0;

    if (svm_caps.decode_assists && vmcb->insn_len >= len && len <= sizeof(vmcb->insn_bytes)) {
        memcpy(buf, vmcb->insn_bytes, len);
        return (int)len;
    }
    if (!hvm_copy_from_guest_virt(buf, rip, len))
        return (int)len;
    while (n < len && !hvm_copy_from_guest_virt(buf + n, rip + n, 1))
        n++;                            /* it ends at unreadable memory */
    return (int)n;
}

static uint64_t *gpr_slot(struct vcpu *v, enum x86_gpr reg)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);
    struct svm_gprs *r = &hv->svm.regs;
    uint64_t *slots[X86_NR_GPRS] = {
        [X86_RAX] = &hv->svm.vmcb->rax, [X86_RCX] = &r->rcx, [X86_RDX] = &r->rdx,
        [X86_RBX] = &r->rbx, [X86_RSP] = &hv->svm.vmcb->rsp, [X86_RBP] = &r->rbp,
        [X86_RSI] = &r->rsi, [X86_RDI] = &r->rdi, [X86_R8] = &r->r8, [X86_R9] = &r->r9,
        [X86_R10] = &r->r10, [X86_R11] = &r->r11, [X86_R12] = &r->r12,
        [X86_R13] = &r->r13, [X86_R14] = &r->r14, [X86_R15] = &r->r15,
    };

    return slots[reg];
}

static uint64_t mmio_get_gpr(void *ctx, enum x86_gpr reg) { return *gpr_slot(ctx, reg); }
static void mmio_set_gpr(void *ctx, enum x86_gpr reg, uint64_t val) { *gpr_slot(ctx, reg) = val; }

static const struct hvm_emul_ops lapic_mmio_ops = {
    .fetch = mmio_fetch,
    .mmio_read = mmio_read,
    .mmio_write = mmio_write,
    .get_gpr = mmio_get_gpr,
    .set_gpr = mmio_set_gpr,
};

#define SEG_ATTR_L  (1U << 9)           /* VMCB segment attributes: 64-bit code */
#define SEG_ATTR_DB (1U << 10)          /* 32-bit code */

bool hvm_lapic_mmio(struct vcpu *v, uint64_t gpa)
{
    struct vmcb *vmcb = hvm_vmcb(v);
    struct x86_insn insn;
    enum x86_mode mode;
    uint64_t rip;
    char bytes[64];
    int rc;

    if ((gpa & ~(uint64_t)(VLAPIC_MMIO_SIZE - 1)) != lapic_page(v))
        return false;
    hvm_count_exit(v, HVM_EXIT_APIC);
    if ((vmcb->efer & EFER_LMA) && (vmcb->cs.attrib & SEG_ATTR_L)) {
        mode = X86_MODE_64;
    } else if (vmcb->cs.attrib & SEG_ATTR_DB) {
        mode = X86_MODE_32;
    } else {
        hvm_crash(v, "local APIC access at %#lx from 16-bit code is not emulated", gpa);
        return true;
    }
    rip = vmcb->cs.base + vmcb->rip;
    if (mode == X86_MODE_32)
        rip = (uint32_t)rip;            /* linear addresses wrap at 4 GiB */
    rc = hvm_emulate_mmio(&lapic_mmio_ops, v, mode, rip, gpa, &insn);
    if (rc) {
        x86_insn_format(&insn, bytes, sizeof(bytes));
        hvm_crash(v, "%s on the local APIC page at %#lx (rip %#lx, bytes %s)",
                  rc == -EFAULT ? "instruction fetch failed" :
                  insn.mem_size && !lapic_mmio_width_ok(gpa, insn.mem_size) ?
                  "access that is not an aligned 32-bit one" : "instruction not emulated",
                  gpa, vmcb->rip, bytes[0] ? bytes : "none");
        return true;
    }
    vmcb->rip += insn.len;
    vmcb->int_state &= ~1ULL;           /* an STI/MOV SS shadow ends */
    return true;
}

int hvm_lapic_pending(struct vcpu *v)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);
    unsigned long flags = spin_lock_irqsave(&hv->lapic_lock);
    int vec = vlapic_pending(&hv->lapic);

    spin_unlock_irqrestore(&hv->lapic_lock, flags);
    return vec;
}

void hvm_lapic_ack(struct vcpu *v, uint8_t vector)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);
    unsigned long flags = spin_lock_irqsave(&hv->lapic_lock);

    vlapic_ack(&hv->lapic, vector);
    spin_unlock_irqrestore(&hv->lapic_lock, flags);
}
