/*
 * The SVM side of the virtual local APIC (hvm/vlapic.c is the model):
 * its time, its timer, IPI routing between a domain's vCPUs, and starting
 * secondary vCPUs on INIT/SIPI the way Linux brings them up.
 *
 * Every vlapic_* call on a vCPU's APIC holds that vCPU's lapic_lock, with
 * interrupts off (timers and other CPUs' IPIs reach it too). IPI routing
 * takes the target's lock after dropping the sender's: send_ipi runs with
 * the sender's lock held, so it only records the IPI; hvm_lapic_msr_write
 * delivers it once the lock is dropped.
 *
 * Every vCPU's APIC starts enabled in x2APIC mode, as firmware may leave
 * it: Linux then reaches it through MSRs (one exit per access) and never
 * touches the xAPIC page, which would need instruction decoding.
 */
#include <sable/console.h>
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <sable/time.h>
#include <asm/hvm.h>
#include <asm/processor.h>

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

static void lapic_timer_fired(void *data)
{
    struct vcpu *v = data;
    struct hvm_vcpu *hv = hvm_vcpu(v);
    unsigned long flags = spin_lock_irqsave(&hv->lapic_lock);

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
    /* The vCPU's CPU is not chosen yet: the timer fires on CPU 0 and kicks it. */
    timer_init(&hv->lapic_timer, lapic_timer_fired, v, 0);
    vlapic_init(&hv->lapic, v->vcpu_id, v->vcpu_id == 0, &lapic_ops, v);
    vlapic_base_write(&hv->lapic, VLAPIC_DEFAULT_BASE | MSR_APIC_BASE_EN | MSR_APIC_BASE_EXTD |
                                  (v->vcpu_id == 0 ? 1ULL << 8 : 0));
}

void hvm_lapic_destroy(struct vcpu *v)
{
    timer_stop(&hvm_vcpu(v)->lapic_timer);
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

int hvm_lapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct hvm_vcpu *hv = hvm_vcpu(v);
    struct pending_ipi out = { 0 };
    unsigned long flags = spin_lock_irqsave(&hv->lapic_lock);
    int rc;

    hv->ipi_out = &out;
    if (msr == MSR_APIC_BASE)
        rc = vlapic_base_write(&hv->lapic, val);
    else
        rc = vlapic_msr_write(&hv->lapic, msr, val);
    hv->ipi_out = &ipi_sink;
    spin_unlock_irqrestore(&hv->lapic_lock, flags);
    if (out.valid)
        lapic_route(v, &out.ipi);
    return rc;
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
