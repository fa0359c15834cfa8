/*
 * Virtual local APIC (interface, rules and locking in hvm/vlapic.h).
 *
 * One register file serves both interfaces: reg_read()/reg_write() take
 * the xAPIC offset, and the x2APIC MSR path maps MSR 0x800 + n to offset
 * n << 4 after its own stricter checks (no such register, read-only,
 * write-only, reserved bits: #GP). The xAPIC MMIO path never faults: it
 * masks reserved bits and ignores what hardware ignores.
 */
#include <hvm/vlapic.h>
#include <asm/processor.h>
#include <sable/errno.h>
#include <sable/lib.h>

/* Register bits (SDM vol. 3, chapter 11). */
#define LVT_VECTOR          0x000000ffu
#define LVT_DELIVERY_STATUS (1u << 12)      /* read-only, always idle here */
#define LVT_REMOTE_IRR      (1u << 14)      /* read-only */
#define LVT_MASKED          APIC_LVT_MASKED
#define LVT_TIMER_MODE      (3u << 17)
#define TIMER_ONESHOT       (0u << 17)
#define TIMER_PERIODIC      (1u << 17)
#define TIMER_TSC_DEADLINE  APIC_TIMER_DEADLINE
#define TIMER_MODE_RESERVED (3u << 17)

#define SVR_WRITABLE        0x000003ffu     /* vector, enable, focus check */
#define TPR_WRITABLE        0x000000ffu
#define TDCR_WRITABLE       0x0000000bu
#define ICR_WRITABLE        0x000ccfffu     /* vector, mode, dest mode, level, trigger, shorthand */
#define ICR_LEVEL_ASSERT    APIC_ICR_ASSERT
#define ICR_LEVEL_TRIGGER   APIC_ICR_LEVEL
#define ICR2_WRITABLE       0xff000000u
#define LDR_WRITABLE        0xff000000u
#define DFR_WRITABLE        0xf0000000u
#define DFR_RESERVED_ONES   0x0fffffffu
#define DFR_FLAT            0xf0000000u

#define ESR_SEND_ILLEGAL    (1u << 5)
#define ESR_RECV_ILLEGAL    (1u << 6)
#define ESR_ILLEGAL_REG     (1u << 7)

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

/* Writable and read-only bits of each LVT entry; the rest are reserved. */
static const uint32_t lvt_writable[VLAPIC_NR_LVT] = {
    [LVT_TIMER] = LVT_VECTOR | LVT_MASKED | LVT_TIMER_MODE,
    [LVT_THERMAL] = 0x000107ffu,
    [LVT_PERF] = 0x000107ffu,
    [LVT_LINT0] = 0x0001a7ffu,          /* + polarity 13, trigger 15 */
    [LVT_LINT1] = 0x0001a7ffu,
    [LVT_ERROR] = LVT_VECTOR | LVT_MASKED,
};
static const uint32_t lvt_readonly[VLAPIC_NR_LVT] = {
    [LVT_TIMER] = LVT_DELIVERY_STATUS,
    [LVT_THERMAL] = LVT_DELIVERY_STATUS,
    [LVT_PERF] = LVT_DELIVERY_STATUS,
    [LVT_LINT0] = LVT_DELIVERY_STATUS | LVT_REMOTE_IRR,
    [LVT_LINT1] = LVT_DELIVERY_STATUS | LVT_REMOTE_IRR,
    [LVT_ERROR] = LVT_DELIVERY_STATUS,
};

#define APIC_BASE_RESERVED  (0xfff00000000002ffULL)     /* bits 0-7, 9, 52-63 */

/* --- 256-bit vector sets (IRR, ISR, TMR) --- */

static bool vec_test(const uint32_t *set, unsigned int v)
{
    return set[v / 32] & (1u << (v % 32));
}

static void vec_set(uint32_t *set, unsigned int v) { set[v / 32] |= 1u << (v % 32); }
static void vec_clear(uint32_t *set, unsigned int v) { set[v / 32] &= ~(1u << (v % 32)); }

/* Highest vector in the set, or -1. */
static int vec_highest(const uint32_t *set)
{
    for (int w = 7; w >= 0; w--)
        if (set[w])
            return w * 32 + 31 - __builtin_clz(set[w]);
    return -1;
}

/* --- state --- */

enum vlapic_mode vlapic_mode(const struct vlapic *lapic)
{
    if (!(lapic->base & APIC_BASE_EN))
        return VLAPIC_MODE_DISABLED;
    return (lapic->base & APIC_BASE_EXTD) ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
}

static bool is_x2apic(const struct vlapic *lapic)
{
    return vlapic_mode(lapic) == VLAPIC_MODE_X2APIC;
}

bool vlapic_enabled(const struct vlapic *lapic)
{
    return vlapic_mode(lapic) != VLAPIC_MODE_DISABLED && (lapic->svr & APIC_SVR_ENABLE);
}

/* The x2APIC logical id: cluster id << 16 | one bit for the position in it. */
static uint32_t x2apic_ldr(uint32_t id)
{
    return (id >> 4) << 16 | 1u << (id & 0xf);
}

static void timer_cancel(struct vlapic *lapic)
{
    lapic->timer_deadline_ns = 0;
    lapic->timer_initial = 0;
    lapic->tsc_deadline = 0;
    lapic->ops->set_timer(lapic, 0);
}

void vlapic_reset(struct vlapic *lapic)
{
    timer_cancel(lapic);
    memset(lapic->irr, 0, sizeof(lapic->irr));
    memset(lapic->isr, 0, sizeof(lapic->isr));
    memset(lapic->tmr, 0, sizeof(lapic->tmr));
    for (unsigned int i = 0; i < VLAPIC_NR_LVT; i++)
        lapic->lvt[i] = LVT_MASKED;
    lapic->tpr = 0;
    lapic->svr = 0xff;
    lapic->ldr = 0;
    lapic->dfr = DFR_FLAT | DFR_RESERVED_ONES;
    lapic->esr = lapic->esr_pending = 0;
    lapic->icr_low = lapic->icr_high = 0;
    lapic->timer_dcr = 0;
    lapic->timer_start_ns = lapic->timer_period_ns = 0;
}

void vlapic_init(struct vlapic *lapic, uint32_t id, bool bsp,
                 const struct vlapic_ops *ops, void *owner)
{
    memset(lapic, 0, sizeof(*lapic));
    lapic->ops = ops;
    lapic->owner = owner;
    lapic->id = id;
    lapic->base = VLAPIC_DEFAULT_BASE | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
    vlapic_reset(lapic);
}

/* --- priorities and delivery --- */

uint32_t vlapic_tpr(const struct vlapic *lapic) { return lapic->tpr; }

void vlapic_set_tpr(struct vlapic *lapic, uint32_t tpr)
{
    lapic->tpr = tpr & TPR_WRITABLE;
}

uint32_t vlapic_ppr(const struct vlapic *lapic)
{
    int isrv = vec_highest(lapic->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

    return (lapic->tpr & 0xf0) >= isr_class ? lapic->tpr : isr_class;
}

int vlapic_pending(const struct vlapic *lapic)
{
    int irrv = vec_highest(lapic->irr);

    if (irrv < 0 || !vlapic_enabled(lapic))
        return -1;
    return ((uint32_t)irrv & 0xf0) > (vlapic_ppr(lapic) & 0xf0) ? irrv : -1;
}

void vlapic_ack(struct vlapic *lapic, uint8_t vector)
{
    vec_clear(lapic->irr, vector);
    vec_set(lapic->isr, vector);
}

/* EOI: the highest in-service vector is done (TMR too: no IOAPIC to tell). */
static void vlapic_eoi(struct vlapic *lapic)
{
    int v = vec_highest(lapic->isr);

    if (v < 0)
        return;
    vec_clear(lapic->isr, v);
    vec_clear(lapic->tmr, v);
}

/* Record an error; the error LVT interrupts if it is unmasked. */
static void vlapic_error(struct vlapic *lapic, uint32_t esr_bit)
{
    uint32_t lvt = lapic->lvt[LVT_ERROR];

    if (lapic->esr_pending & esr_bit)
        return;
    lapic->esr_pending |= esr_bit;
    if (!(lvt & LVT_MASKED) && (lvt & LVT_VECTOR) >= 16)
        vlapic_set_irq(lapic, lvt & LVT_VECTOR, false);
}

bool vlapic_set_irq(struct vlapic *lapic, uint8_t vector, bool level)
{
    if (!vlapic_enabled(lapic))
        return false;
    if (vector < 16) {
        vlapic_error(lapic, ESR_RECV_ILLEGAL);
        return false;
    }
    if (level)
        vec_set(lapic->tmr, vector);
    else
        vec_clear(lapic->tmr, vector);
    if (vec_test(lapic->irr, vector))
        return true;
    vec_set(lapic->irr, vector);
    lapic->ops->kick(lapic);
    return true;
}

/* --- timer --- */

static uint32_t timer_mode(const struct vlapic *lapic)
{
    return lapic->lvt[LVT_TIMER] & LVT_TIMER_MODE;
}

/* TDCR bits 3,1,0: 000 -> 2, 001 -> 4, ..., 110 -> 128, 111 -> 1. */
static uint64_t timer_divisor(uint32_t dcr)
{
    uint32_t v = ((dcr & 8) >> 1) | (dcr & 3);

    return v == 7 ? 1 : 2u << v;
}

static uint64_t ns_per_count(const struct vlapic *lapic)
{
    return timer_divisor(lapic->timer_dcr) * VLAPIC_BUS_NS_PER_TICK;
}

static void timer_arm(struct vlapic *lapic, uint64_t deadline_ns)
{
    lapic->timer_deadline_ns = deadline_ns ? deadline_ns : 1;
    lapic->ops->set_timer(lapic, lapic->timer_deadline_ns);
}

/* TMICT write: (re)start counting down, or stop with 0. */
static void timer_start(struct vlapic *lapic, uint32_t count)
{
    uint64_t now = lapic->ops->now_ns(lapic);

    if (timer_mode(lapic) == TIMER_TSC_DEADLINE)
        return;                         /* TMICT is ignored in this mode */
    timer_cancel(lapic);
    lapic->timer_initial = count;
    if (!count)
        return;
    lapic->timer_start_ns = now;
    lapic->timer_period_ns = count * ns_per_count(lapic);
    timer_arm(lapic, now + lapic->timer_period_ns);
}

/* TMCCT: what is left of the current period, in counts. */
static uint32_t timer_current(struct vlapic *lapic)
{
    uint64_t now = lapic->ops->now_ns(lapic), left;

    if (timer_mode(lapic) == TIMER_TSC_DEADLINE || !lapic->timer_deadline_ns ||
        !lapic->timer_period_ns)
        return 0;
    if (timer_mode(lapic) == TIMER_PERIODIC)
        left = lapic->timer_period_ns -
               (now - lapic->timer_start_ns) % lapic->timer_period_ns;
    else
        left = now < lapic->timer_deadline_ns ? lapic->timer_deadline_ns - now : 0;
    return (uint32_t)(left / ns_per_count(lapic));
}

void vlapic_timer_expired(struct vlapic *lapic)
{
    uint64_t now = lapic->ops->now_ns(lapic), deadline = lapic->timer_deadline_ns;
    uint32_t lvt = lapic->lvt[LVT_TIMER];

    if (!deadline || now < deadline)
        return;                         /* cancelled or re-armed since */
    lapic->timer_deadline_ns = 0;
    if (!(lvt & LVT_MASKED))
        vlapic_set_irq(lapic, lvt & LVT_VECTOR, false);
    if (timer_mode(lapic) == TIMER_TSC_DEADLINE) {
        lapic->tsc_deadline = 0;
    } else if (timer_mode(lapic) == TIMER_PERIODIC && lapic->timer_period_ns) {
        /* Next period boundary after now: missed periods give one interrupt. */
        uint64_t p = lapic->timer_period_ns;
        timer_arm(lapic, now + p - (now - deadline) % p);
    }
}

static void tsc_deadline_write(struct vlapic *lapic, uint64_t tsc)
{
    if (timer_mode(lapic) != TIMER_TSC_DEADLINE)
        return;                         /* ignored outside TSC-deadline mode */
    lapic->tsc_deadline = tsc;
    if (!tsc) {
        lapic->timer_deadline_ns = 0;
        lapic->ops->set_timer(lapic, 0);
        return;
    }
    timer_arm(lapic, lapic->ops->tsc_to_ns(lapic, tsc));
}

/* --- IPIs --- */

static void ipi_decode(const struct vlapic *lapic, struct vlapic_ipi *ipi)
{
    uint32_t icr = lapic->icr_low;

    ipi->vector = icr & 0xff;
    ipi->delivery = (icr >> 8) & 7;
    ipi->dest_logical = icr & (1u << 11);
    ipi->level_trigger = icr & ICR_LEVEL_TRIGGER;
    ipi->shorthand = (icr >> 18) & 3;
    ipi->x2apic = is_x2apic(lapic);
    ipi->dest = ipi->x2apic ? lapic->icr_high : lapic->icr_high >> 24;
    ipi->source_id = lapic->id;
}

/* An ICR write sends: locally for a fixed IPI to self, else through the owner. */
static void ipi_send(struct vlapic *lapic)
{
    struct vlapic_ipi ipi;

    ipi_decode(lapic, &ipi);
    switch (ipi.delivery) {
    case VLAPIC_DM_FIXED:
    case VLAPIC_DM_LOWEST:
        if (ipi.vector < 16) {
            vlapic_error(lapic, ESR_SEND_ILLEGAL);
            return;
        }
        if (ipi.shorthand == VLAPIC_SH_SELF) {
            vlapic_set_irq(lapic, ipi.vector, ipi.level_trigger);
            return;
        }
        break;
    case VLAPIC_DM_INIT:
        /* INIT level de-assert (legacy, sent after INIT by Linux): no effect. */
        if (ipi.level_trigger && !(lapic->icr_low & ICR_LEVEL_ASSERT))
            return;
        break;
    case VLAPIC_DM_NMI:
    case VLAPIC_DM_SIPI:
        break;
    default:                            /* SMI (no SMM) and reserved modes */
        return;
    }
    lapic->ops->send_ipi(lapic, &ipi);
}

/* Logical destination in xAPIC mode: flat (8 CPUs, one bit each) or cluster. */
static bool xapic_logical_match(const struct vlapic *target, uint8_t dest)
{
    uint8_t ldr = target->ldr >> 24;

    if ((target->dfr & DFR_FLAT) == DFR_FLAT)
        return ldr & dest;
    return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

bool vlapic_ipi_match(const struct vlapic *target, const struct vlapic_ipi *ipi)
{
    uint32_t broadcast = ipi->x2apic ? 0xffffffffu : 0xffu;

    if (vlapic_mode(target) == VLAPIC_MODE_DISABLED)
        return false;
    switch (ipi->shorthand) {
    case VLAPIC_SH_SELF: return target->id == ipi->source_id;
    case VLAPIC_SH_ALL: return true;
    case VLAPIC_SH_OTHERS: return target->id != ipi->source_id;
    }
    if (ipi->dest == broadcast)
        return true;
    if (!ipi->dest_logical)
        return ipi->x2apic ? target->id == ipi->dest : (target->id & 0xff) == ipi->dest;
    if (ipi->x2apic) {
        uint32_t ldr = x2apic_ldr(target->id);
        return (ldr >> 16) == (ipi->dest >> 16) && (ldr & ipi->dest & 0xffff);
    }
    return xapic_logical_match(target, (uint8_t)ipi->dest);
}

/* --- the register file --- */

static bool is_lvt(uint32_t off)
{
    return off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR;
}

static unsigned int lvt_index(uint32_t off)
{
    return (off - APIC_LVT_TIMER) >> 4;
}

/* Read register off (16-byte aligned): 0, or -EINVAL if there is none. */
static int reg_read(struct vlapic *lapic, uint32_t off, uint32_t *val)
{
    bool x2 = is_x2apic(lapic);

    if (off >= APIC_ISR && off < APIC_ISR + 0x80) {
        *val = lapic->isr[(off - APIC_ISR) >> 4];
    } else if (off >= APIC_TMR && off < APIC_TMR + 0x80) {
        *val = lapic->tmr[(off - APIC_TMR) >> 4];
    } else if (off >= APIC_IRR && off < APIC_IRR + 0x80) {
        *val = lapic->irr[(off - APIC_IRR) >> 4];
    } else if (is_lvt(off)) {
        *val = lapic->lvt[lvt_index(off)];
    } else {
        switch (off) {
        case APIC_ID: *val = x2 ? lapic->id : lapic->id << 24; break;
        case APIC_LVR: *val = VLAPIC_VERSION; break;
        case APIC_TPR: *val = lapic->tpr; break;
        case APIC_PPR: *val = vlapic_ppr(lapic); break;
        case APIC_LDR: *val = x2 ? x2apic_ldr(lapic->id) : lapic->ldr; break;
        case APIC_SVR: *val = lapic->svr; break;
        case APIC_ESR: *val = lapic->esr; break;
        case APIC_ICR: *val = lapic->icr_low; break;
        case APIC_TMICT: *val = lapic->timer_initial; break;
        case APIC_TMCCT: *val = timer_current(lapic); break;
        case APIC_TDCR: *val = lapic->timer_dcr; break;
        case APIC_APR: case APIC_EOI:   /* xAPIC only; read as 0 */
            if (x2)
                return -EINVAL;
            *val = 0;
            break;
        case APIC_DFR: case APIC_ICR2:
            if (x2)
                return -EINVAL;
            *val = off == APIC_DFR ? lapic->dfr : lapic->icr_high;
            break;
        default:
            return -EINVAL;
        }
    }
    return 0;
}

static void svr_write(struct vlapic *lapic, uint32_t val)
{
    lapic->svr = val;
    if (!(val & APIC_SVR_ENABLE))       /* software disable masks every LVT */
        for (unsigned int i = 0; i < VLAPIC_NR_LVT; i++)
            lapic->lvt[i] |= LVT_MASKED;
}

static void lvt_write(struct vlapic *lapic, unsigned int i, uint32_t val)
{
    uint32_t old = lapic->lvt[i];

    val &= lvt_writable[i];
    if (i == LVT_TIMER && (val & LVT_TIMER_MODE) == TIMER_MODE_RESERVED)
        val &= ~LVT_TIMER_MODE;
    if (i == LVT_TIMER && !VLAPIC_HAS_TSC_DEADLINE && (val & LVT_TIMER_MODE) == TIMER_TSC_DEADLINE)
        val &= ~LVT_TIMER_MODE;
    if (!(lapic->svr & APIC_SVR_ENABLE))
        val |= LVT_MASKED;
    lapic->lvt[i] = val;
    if (i == LVT_TIMER && (old & LVT_TIMER_MODE) != (val & LVT_TIMER_MODE))
        timer_cancel(lapic);            /* a mode change disarms the timer */
}

/*
 * Write register off with val (reserved bits already checked or masked by
 * the caller's rules): 0, or -EINVAL if off is not writable in this mode.
 */
static int reg_write(struct vlapic *lapic, uint32_t off, uint32_t val)
{
    bool x2 = is_x2apic(lapic);

    if (is_lvt(off)) {
        lvt_write(lapic, lvt_index(off), val);
        return 0;
    }
    switch (off) {
    case APIC_TPR: lapic->tpr = val & TPR_WRITABLE; break;
    case APIC_EOI: vlapic_eoi(lapic); break;
    case APIC_SVR: svr_write(lapic, val & SVR_WRITABLE); break;
    case APIC_ESR:
        lapic->esr = lapic->esr_pending;
        lapic->esr_pending = 0;
        break;
    case APIC_ICR:
        lapic->icr_low = val & ICR_WRITABLE;
        ipi_send(lapic);
        break;
    case APIC_TMICT: timer_start(lapic, val); break;
    case APIC_TDCR: lapic->timer_dcr = val & TDCR_WRITABLE; break;
    case APIC_LDR: case APIC_DFR: case APIC_ICR2:
        if (x2)
            return -EINVAL;
        if (off == APIC_LDR)
            lapic->ldr = val & LDR_WRITABLE;
        else if (off == APIC_DFR)
            lapic->dfr = (val & DFR_WRITABLE) | DFR_RESERVED_ONES;
        else
            lapic->icr_high = val & ICR2_WRITABLE;
        break;
    case APIC_SELF_IPI:
        if (!x2)
            return -EINVAL;
        vlapic_set_irq(lapic, val & 0xff, false);
        break;
    default:
        return -EINVAL;
    }
    return 0;
}

/* --- xAPIC MMIO --- */

/* Byte `byte` (0-15) of the 16-byte slot of register off; reserved bytes are 0. */
static uint8_t mmio_byte(struct vlapic *lapic, uint32_t off, unsigned int byte)
{
    uint32_t val;

    if (byte >= 4 || reg_read(lapic, off, &val))
        return 0;
    return (uint8_t)(val >> (8 * byte));
}

int vlapic_mmio_read(struct vlapic *lapic, uint32_t offset, unsigned int size,
                     uint64_t *value)
{
    *value = 0;
    if (vlapic_mode(lapic) != VLAPIC_MODE_XAPIC)
        return -ENODEV;
    for (unsigned int i = 0; i < size && i < 8; i++) {
        uint32_t b = (offset + i) & (VLAPIC_MMIO_SIZE - 1);
        *value |= (uint64_t)mmio_byte(lapic, b & ~0xfu, b & 0xf) << (8 * i);
    }
    return 0;
}

/* Registers whose writes xAPIC hardware ignores. */
static bool xapic_readonly(uint32_t off)
{
    switch (off) {
    case APIC_ID: case APIC_LVR: case APIC_APR: case APIC_PPR: case APIC_TMCCT:
        return true;
    default:
        return off >= APIC_ISR && off < APIC_ESR;   /* ISR, TMR, IRR */
    }
}

int vlapic_mmio_write(struct vlapic *lapic, uint32_t offset, unsigned int size,
                      uint64_t value)
{
    uint32_t off = offset & (VLAPIC_MMIO_SIZE - 1);

    if (vlapic_mode(lapic) != VLAPIC_MODE_XAPIC)
        return -ENODEV;
    if ((size != 4 && size != 8) || (off & 0xf))
        return 0;                       /* hardware ignores these */
    if (xapic_readonly(off))
        return 0;
    if (reg_write(lapic, off, (uint32_t)value))
        vlapic_error(lapic, ESR_ILLEGAL_REG);   /* no register there */
    return 0;
}

/* --- x2APIC MSRs and the APIC base --- */

bool vlapic_is_msr(uint32_t msr)
{
    return (msr >= VLAPIC_MSR_FIRST && msr <= VLAPIC_MSR_LAST) || msr == MSR_TSC_DEADLINE;
}

int vlapic_msr_read(struct vlapic *lapic, uint32_t msr, uint64_t *value)
{
    uint32_t off = (msr - VLAPIC_MSR_FIRST) << 4, val;

    if (msr == MSR_TSC_DEADLINE) {
        *value = timer_mode(lapic) == TIMER_TSC_DEADLINE ? lapic->tsc_deadline : 0;
        return 0;
    }
    if (!is_x2apic(lapic) || !vlapic_is_msr(msr))
        return -EINVAL;
    if (off == APIC_ICR) {
        *value = (uint64_t)lapic->icr_high << 32 | lapic->icr_low;
        return 0;
    }
    if (off == APIC_EOI || off == APIC_SELF_IPI || reg_read(lapic, off, &val))
        return -EINVAL;
    *value = val;
    return 0;
}

/* Reserved bits of x2APIC register off (a write setting any is #GP). */
static uint32_t x2apic_reserved(uint32_t off)
{
    if (is_lvt(off))
        return ~(lvt_writable[lvt_index(off)] | lvt_readonly[lvt_index(off)]);
    switch (off) {
    case APIC_TPR: return ~TPR_WRITABLE;
    case APIC_SVR: return ~SVR_WRITABLE;
    case APIC_TDCR: return ~TDCR_WRITABLE;
    case APIC_SELF_IPI: return ~0xffu;
    case APIC_EOI: case APIC_ESR: return ~0u;   /* must write 0 */
    case APIC_ICR: return ~(ICR_WRITABLE | APIC_ICR_BUSY);
    default: return 0;
    }
}

static bool x2apic_writable(uint32_t off)
{
    switch (off) {
    case APIC_TPR: case APIC_EOI: case APIC_SVR: case APIC_ESR: case APIC_ICR:
    case APIC_TMICT: case APIC_TDCR: case APIC_SELF_IPI:
        return true;
    default:
        return is_lvt(off);
    }
}

int vlapic_msr_write(struct vlapic *lapic, uint32_t msr, uint64_t value)
{
    uint32_t off = (msr - VLAPIC_MSR_FIRST) << 4;

    if (msr == MSR_TSC_DEADLINE) {
        tsc_deadline_write(lapic, value);
        return 0;
    }
    if (!is_x2apic(lapic) || !vlapic_is_msr(msr) || !x2apic_writable(off))
        return -EINVAL;
    if ((off != APIC_ICR && (value >> 32)) || ((uint32_t)value & x2apic_reserved(off)))
        return -EINVAL;
    if (off == APIC_LVT_TIMER && ((uint32_t)value & LVT_TIMER_MODE) == TIMER_MODE_RESERVED)
        return -EINVAL;
    if (off == APIC_ICR)
        lapic->icr_high = (uint32_t)(value >> 32);
    return reg_write(lapic, off, (uint32_t)value);
}

uint64_t vlapic_base_read(const struct vlapic *lapic)
{
    return lapic->base;
}

/* Which mode a base value asks for; -1 for EN = 0 with EXTD = 1 (invalid). */
static int base_mode(uint64_t base)
{
    if (!(base & APIC_BASE_EN))
        return (base & APIC_BASE_EXTD) ? -1 : VLAPIC_MODE_DISABLED;
    return (base & APIC_BASE_EXTD) ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
}

/*
 * SDM 11.12.5: disabled -> xAPIC -> x2APIC -> disabled, and xAPIC ->
 * disabled; x2APIC -> xAPIC and disabled -> x2APIC are refused. The BSP bit
 * is the vLAPIC's own. The base may move to any page (the xAPIC page
 * follows it; the owner decides what is reachable there).
 */
int vlapic_base_write(struct vlapic *lapic, uint64_t value)
{
    enum vlapic_mode from = vlapic_mode(lapic);
    int to = base_mode(value);

    if ((value & APIC_BASE_RESERVED) || to < 0)
        return -EINVAL;
    if ((from == VLAPIC_MODE_X2APIC && to == VLAPIC_MODE_XAPIC) ||
        (from == VLAPIC_MODE_DISABLED && to == VLAPIC_MODE_X2APIC))
        return -EINVAL;
    lapic->base = (value & ~APIC_BASE_BSP) | (lapic->base & APIC_BASE_BSP);
    if (to == VLAPIC_MODE_DISABLED && from != VLAPIC_MODE_DISABLED)
        vlapic_reset(lapic);            /* back to power-on state when re-enabled */
    if (to == VLAPIC_MODE_X2APIC && from == VLAPIC_MODE_XAPIC)
        lapic->icr_high = 0;            /* the destination field changes meaning */
    return 0;
}
