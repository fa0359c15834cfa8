/*
 * Virtual local APIC: one per HVM vCPU, the only interrupt controller a
 * PVH guest gets (as on Xen). Portable (arch/x86/hvm/vlapic.c, unit-tested
 * on the host); the SVM side supplies time, a timer and IPI routing through
 * struct vlapic_ops, and turns the error codes below into #GP.
 *
 *   interface        registers                      errors
 *   MSR 0x1b         APIC base: mode transitions,   bad transition, reserved
 *                    the page's address             bits: -EINVAL
 *   MSR 0x800-0x8ff  x2APIC registers (x2APIC mode) not in x2APIC mode, no
 *                                                   such register, read-only/
 *                                                   write-only, reserved bits:
 *                                                   -EINVAL
 *   MMIO page at     xAPIC registers (xAPIC mode)   not in xAPIC mode: -ENODEV
 *   the APIC base
 *                                                   (caller: plain memory
 *                                                   hole); bad offsets/sizes
 *                                                   are ignored, as hardware
 *   MSR 0x6e0        TSC deadline                   never faults
 *
 * Interrupt flow: vlapic_set_irq() puts a vector in IRR (and calls
 * ops->kick); before entering the guest, the SVM side asks
 * vlapic_pending() for the highest vector the guest may take now (above
 * the processor priority), injects it when the guest can take interrupts
 * and calls vlapic_ack() (IRR -> ISR); the guest's EOI clears the highest
 * ISR bit. The priority rules are the SDM's (vol. 3, 11.8.3).
 *
 * Timer: a 1 GHz APIC bus clock (1 tick = 1 ns before the divider, as Xen's
 * vlapic), one-shot, periodic and TSC-deadline modes. The vLAPIC never reads
 * a clock itself: ops->now_ns() gives the time, ops->set_timer() arms the
 * owner's one timer, and the owner calls vlapic_timer_expired() when it
 * fires. TSC-deadline values are turned into ns by ops->tsc_to_ns().
 *
 * IPIs: a write to the ICR is decoded into struct vlapic_ipi. A fixed IPI
 * to self only (shorthand self, or the SELF_IPI register) is delivered
 * locally; everything else goes to ops->send_ipi(), and the owner walks its
 * domain's vCPUs with vlapic_ipi_match() to find the targets: fixed ->
 * vlapic_set_irq() on each (lowest priority: on the first match only), NMI
 * -> inject an NMI, INIT -> reset the target to wait-for-SIPI
 * (vlapic_reset()), SIPI -> start a waiting target at vector << 12.
 *
 * Locking: none inside. A vLAPIC is changed by its own vCPU (exits) and by
 * senders of interrupts (other vCPUs, timers); the owner serialises them
 * (e.g. a per-vCPU lock around every call).
 */
#ifndef HVM_VLAPIC_H
#define HVM_VLAPIC_H

#include <sable/types.h>
#include <asm/apic.h>

/* The TSC-deadline timer is implemented (cpuid.c advertises it from this). */
#define VLAPIC_HAS_TSC_DEADLINE 1

/* Architectural values. */
#define VLAPIC_DEFAULT_BASE     0xfee00000ULL  /* after reset; the guest may move it */
#define VLAPIC_MMIO_SIZE        0x1000
#define VLAPIC_MSR_FIRST        0x800          /* x2APIC register MSRs */
#define VLAPIC_MSR_LAST         0x8ff
#define VLAPIC_VERSION          0x00050014     /* integrated APIC, max LVT 5 */
#define VLAPIC_BUS_NS_PER_TICK  1              /* 1 GHz APIC bus */
#define VLAPIC_NR_LVT           6

/* Which of the three states of SDM 11.12.5 the APIC is in. */
enum vlapic_mode {
    VLAPIC_MODE_DISABLED,       /* APIC base EN = 0: no interrupts, no registers */
    VLAPIC_MODE_XAPIC,          /* EN = 1, EXTD = 0: MMIO registers */
    VLAPIC_MODE_X2APIC,         /* EN = 1, EXTD = 1: MSR registers */
};

/* ICR delivery modes (bits 10:8). */
enum vlapic_delivery {
    VLAPIC_DM_FIXED = 0,
    VLAPIC_DM_LOWEST = 1,
    VLAPIC_DM_SMI = 2,
    VLAPIC_DM_NMI = 4,
    VLAPIC_DM_INIT = 5,
    VLAPIC_DM_SIPI = 6,
};

/* ICR destination shorthands (bits 19:18). */
enum vlapic_shorthand {
    VLAPIC_SH_NONE = 0,         /* use dest and dest_logical */
    VLAPIC_SH_SELF = 1,
    VLAPIC_SH_ALL = 2,          /* all including self */
    VLAPIC_SH_OTHERS = 3,       /* all excluding self */
};

/* A decoded interprocessor interrupt, as sent by vlapic `source`. */
struct vlapic_ipi {
    uint8_t vector;             /* fixed/lowest: the vector; SIPI: start page */
    uint8_t delivery;           /* enum vlapic_delivery */
    uint8_t shorthand;          /* enum vlapic_shorthand */
    bool dest_logical;          /* logical destination mode */
    bool level_trigger;         /* trigger mode level (fixed: sets TMR) */
    uint32_t dest;              /* x2APIC: 32 bits; xAPIC: bits 31:24 of ICR2 */
    uint32_t source_id;         /* APIC id of the sender */
    bool x2apic;                /* sent in x2APIC mode (how dest is read) */
};

struct vlapic;

/* What the owner (the SVM side) provides; every pointer is required. */
struct vlapic_ops {
    /* Current system time in ns (monotonic). */
    uint64_t (*now_ns)(struct vlapic *lapic);
    /*
     * Arm the vLAPIC's one timer to call vlapic_timer_expired() at
     * deadline_ns (possibly already past: fire at once), replacing any
     * earlier deadline; 0 cancels it.
     */
    void (*set_timer)(struct vlapic *lapic, uint64_t deadline_ns);
    /* System time in ns at which the guest's TSC reaches tsc. */
    uint64_t (*tsc_to_ns)(struct vlapic *lapic, uint64_t tsc);
    /* Deliver an IPI that may reach other vCPUs (see the top comment). */
    void (*send_ipi)(struct vlapic *lapic, const struct vlapic_ipi *ipi);
    /* A vector became pending in IRR: wake or interrupt the vCPU. */
    void (*kick)(struct vlapic *lapic);
};

/*
 * State of one vLAPIC. Arrays of 256 bits are 8 words, bit v % 32 of word
 * v / 32 (the register layout). Read through the functions below; the
 * fields are here so the owner can embed the structure.
 */
struct vlapic {
    const struct vlapic_ops *ops;
    void *owner;                /* the owner's (its vCPU), for the callbacks */
    uint32_t id;                /* x2APIC id; xAPIC id is its low 8 bits */
    uint64_t base;              /* MSR_APIC_BASE */
    uint32_t tpr, svr, ldr, dfr, esr, esr_pending;
    uint32_t icr_low, icr_high;
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t lvt[VLAPIC_NR_LVT];    /* timer, thermal, perf, LINT0, LINT1, error */
    uint32_t timer_initial;     /* TMICT */
    uint32_t timer_dcr;         /* TDCR */
    uint64_t timer_start_ns;    /* one-shot/periodic: when the count began */
    uint64_t timer_period_ns;   /* initial count in ns at the running divider */
    uint64_t timer_deadline_ns; /* armed expiry, 0: none */
    uint64_t tsc_deadline;      /* MSR 0x6e0 as written, 0: disarmed */
};

/*
 * Set up lapic for the vCPU with APIC id `id` in its power-on state (xAPIC
 * mode at the default base, software-disabled, LVTs masked). The bootstrap
 * processor has bsp set (APIC base bit 8).
 */
void vlapic_init(struct vlapic *lapic, uint32_t id, bool bsp,
                 const struct vlapic_ops *ops, void *owner);

/* INIT: back to the state after vlapic_init() (mode and base kept, SDM 11.4.7.3). */
void vlapic_reset(struct vlapic *lapic);

enum vlapic_mode vlapic_mode(const struct vlapic *lapic);

/*
 * Is the APIC accepting fixed interrupts: hardware-enabled (APIC base EN)
 * and software-enabled (SVR bit 8)?
 */
bool vlapic_enabled(const struct vlapic *lapic);

/* MSR_APIC_BASE (0x1b). A write is 0 or -EINVAL (#GP), state unchanged. */
uint64_t vlapic_base_read(const struct vlapic *lapic);
int vlapic_base_write(struct vlapic *lapic, uint64_t value);

/*
 * x2APIC MSRs 0x800-0x8ff and MSR_TSC_DEADLINE (0x6e0). 0, or -EINVAL for
 * the guest to get #GP (see the table at the top). Writes with reserved
 * bits set are refused whole.
 */
int vlapic_msr_read(struct vlapic *lapic, uint32_t msr, uint64_t *value);
int vlapic_msr_write(struct vlapic *lapic, uint32_t msr, uint64_t value);

/* Is msr one vlapic_msr_read/write handles? */
bool vlapic_is_msr(uint32_t msr);

/*
 * xAPIC MMIO at offset (0..0xfff) of the APIC page, size 1, 2, 4 or 8
 * bytes. Registers are 32 bits on 16-byte boundaries: reads of part of a
 * register get that part, other bytes read 0; writes other than aligned
 * 32-bit ones are ignored, as are writes to read-only registers. Returns 0,
 * or -ENODEV when the APIC is not in xAPIC mode (nothing is mapped there).
 */
int vlapic_mmio_read(struct vlapic *lapic, uint32_t offset, unsigned int size,
                     uint64_t *value);
int vlapic_mmio_write(struct vlapic *lapic, uint32_t offset, unsigned int size,
                      uint64_t value);

/*
 * Make vector pending (fixed delivery). level sets its TMR bit. Dropped
 * (returns false) when the APIC is not enabled; vectors 0-15 are illegal
 * and raise a receive-illegal-vector error instead. Calls ops->kick when
 * the vector is newly pending.
 */
bool vlapic_set_irq(struct vlapic *lapic, uint8_t vector, bool level);

/*
 * The highest pending vector whose priority class is above the processor
 * priority (PPR), i.e. the one the guest must take next; -1 if none.
 */
int vlapic_pending(const struct vlapic *lapic);

/* The guest takes vector (what vlapic_pending() returned): IRR -> ISR. */
void vlapic_ack(struct vlapic *lapic, uint8_t vector);

/* Processor priority (PPR) and task priority (CR8 is tpr >> 4). */
uint32_t vlapic_ppr(const struct vlapic *lapic);
uint32_t vlapic_tpr(const struct vlapic *lapic);
void vlapic_set_tpr(struct vlapic *lapic, uint32_t tpr);

/*
 * The owner's timer fired: if the armed deadline has passed, raise the LVT
 * timer vector (unless masked) and re-arm a periodic timer. Calls that come
 * early (a stale timer) do nothing.
 */
void vlapic_timer_expired(struct vlapic *lapic);

/*
 * Is `target` a destination of ipi (shorthand, physical or logical
 * destination, broadcast)? Used by the owner to route ops->send_ipi.
 */
bool vlapic_ipi_match(const struct vlapic *target, const struct vlapic_ipi *ipi);

#endif /* HVM_VLAPIC_H */
