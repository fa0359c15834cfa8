/*
 * Local APIC driver. One mode for the whole machine, chosen on the boot
 * CPU: x2APIC (registers are MSRs, 32-bit APIC ids, one-write ICR) when the
 * CPU offers it, else xAPIC (a 4 KiB MMIO page, 8-bit ids). `x2apic=0`
 * forces xAPIC. Interrupt numbers are fixed in asm/traps.h.
 */
#include <sable/cmdline.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/traps.h>

#define X2APIC_MSR(reg) (0x800 + ((reg) >> 4))
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_EDX_APIC   (1u << 9)
#define ICR_SPIN_LIMIT    1000000

static bool opt_x2apic = true;
boolean_param("x2apic", opt_x2apic);

static bool x2apic_mode;
static volatile uint8_t *xapic_mmio;
static bool ready;
static unsigned long nr_apic_errors;

/* Register access in whichever mode the boot CPU chose. */
uint32_t apic_read(unsigned int reg)
{
    if (x2apic_mode)
        return (uint32_t)rdmsr(X2APIC_MSR(reg));
    return mmio_read32(xapic_mmio + reg);
}

void apic_write(unsigned int reg, uint32_t v)
{
    if (x2apic_mode)
        wrmsr(X2APIC_MSR(reg), v);
    else
        mmio_write32(xapic_mmio + reg, v);
}

bool apic_ready(void) { return ready; }
bool apic_is_x2apic(void) { return x2apic_mode; }

/* xAPIC destinations are 8 bits, 0xff meaning broadcast. */
bool apic_id_reachable(uint32_t id)
{
    return x2apic_mode ? id != 0xffffffff : id < 0xff;
}

/* This CPU's APIC id: bits 31:24 of the xAPIC register, all 32 in x2APIC. */
uint32_t apic_id(void)
{
    uint32_t id = apic_read(APIC_ID);
    return x2apic_mode ? id : id >> 24;
}

/* End of interrupt: every handler of a non-spurious vector must send it. */
void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

/*
 * Send one ICR command. x2APIC: a single 64-bit MSR write, destination in
 * the high half; WRMSR to it is not ordered after earlier stores, hence the
 * fence, so the target sees what we wrote before the IPI. xAPIC: wait for
 * the previous command, then destination then command; interrupts off so a
 * handler sending its own IPI cannot come between the two writes.
 */
static void apic_icr_write(uint32_t dest, uint32_t cmd)
{
    unsigned long flags = irq_save();

    if (x2apic_mode) {
        mb();
        wrmsr(X2APIC_MSR(APIC_ICR), ((uint64_t)dest << 32) | cmd);
    } else {
        for (int i = 0; i < ICR_SPIN_LIMIT && (apic_read(APIC_ICR) & APIC_ICR_BUSY); i++)
            cpu_relax();
        apic_write(APIC_ICR2, dest << 24);
        apic_write(APIC_ICR, cmd);
    }
    irq_restore(flags);
}

/* A fixed-vector interrupt to one CPU, by APIC id. */
void apic_send_ipi(uint32_t dest, unsigned int vector)
{
    apic_icr_write(dest, APIC_ICR_FIXED | vector);
}

/* The destination shorthand: needs no list of who is there. */
void apic_send_ipi_allbutself(unsigned int vector)
{
    apic_icr_write(0, APIC_ICR_ALLBUTSELF | APIC_ICR_FIXED | vector);
}

/* INIT (level assert) resets the target into wait-for-SIPI. */
void apic_send_init(uint32_t dest)
{
    apic_icr_write(dest, APIC_ICR_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);
}

/* Old (P6-era) xAPICs need it; x2APIC has no level de-assert at all. */
void apic_send_init_deassert(uint32_t dest)
{
    if (!x2apic_mode)
        apic_icr_write(dest, APIC_ICR_INIT | APIC_ICR_LEVEL);
}

/* Start-up IPI: the target begins in real mode at entry (a page below 1 MiB). */
void apic_send_sipi(uint32_t dest, paddr_t entry)
{
    ASSERT(entry < 0x100000 && IS_ALIGNED(entry, PAGE_SIZE));
    apic_icr_write(dest, APIC_ICR_STARTUP | (uint32_t)(entry >> 12));
}

/* ESR must be written before it is read: the write latches the errors. */
static void apic_error_interrupt(struct cpu_regs *regs, unsigned int vector)
{
    uint32_t esr;

    apic_write(APIC_ESR, 0);
    esr = apic_read(APIC_ESR);
    apic_eoi();
    if (nr_apic_errors++ < 10)
        pr_warn("apic: error interrupt, ESR %#x\n", esr);
}

/*
 * Put this CPU's APIC in the chosen mode. Legal transitions only
 * (SDM 11.12.5): disabled -> xAPIC -> x2APIC, and x2APIC -> disabled ->
 * xAPIC when x2APIC is refused but the firmware had turned it on.
 */
static void apic_set_mode(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    if ((base & APIC_BASE_EXTD) && !x2apic_mode) {
        wrmsr(MSR_APIC_BASE, base & ~(APIC_BASE_EN | APIC_BASE_EXTD));
        base &= ~APIC_BASE_EXTD;
    }
    if (!(base & APIC_BASE_EN)) {
        base |= APIC_BASE_EN;
        wrmsr(MSR_APIC_BASE, base);
    }
    if (x2apic_mode && !(base & APIC_BASE_EXTD))
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
}

/*
 * Per-CPU register set-up: accept every priority, route errors to their
 * vector, mask what Sable does not use (LINT0 carries the masked 8259s;
 * LINT1 stays NMI on the boot CPU as firmware wires it), then software-
 * enable with the spurious vector. The timer's LVT is set by time.c.
 */
static void apic_setup_local(bool bsp)
{
    apic_set_mode();
    apic_write(APIC_TPR, 0);
    apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_APIC_TIMER);
    apic_write(APIC_LVT_THERMAL, APIC_LVT_MASKED);
    apic_write(APIC_LVT_PMC, APIC_LVT_MASKED);
    apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
    apic_write(APIC_LVT_LINT1, bsp ? APIC_LVT_NMI : APIC_LVT_MASKED);
    apic_write(APIC_LVT_ERROR, VEC_APIC_ERROR);
    apic_write(APIC_ESR, 0);
    apic_write(APIC_ESR, 0);
    apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
    apic_eoi();                 /* anything the firmware left in service */
}

/*
 * Boot CPU: pick the mode once for all CPUs (x2APIC if CPUID offers it and
 * x2apic=0 is not given), map the xAPIC page uncached, set up this APIC.
 */
void apic_init(void)
{
    struct cpuid_regs r;
    uint64_t base = rdmsr(MSR_APIC_BASE);

    cpuid(1, &r);
    if (!(r.edx & CPUID1_EDX_APIC))
        panic("apic: this CPU has no local APIC; Sable needs one");
    x2apic_mode = (r.ecx & CPUID1_ECX_X2APIC) && opt_x2apic;
    if (!x2apic_mode) {
        xapic_mmio = ioremap(base & APIC_BASE_ADDR, PAGE_SIZE);
        if (!xapic_mmio)
            panic("apic: cannot map the local APIC at %#lx", (unsigned long)(base & APIC_BASE_ADDR));
    }
    irq_register(VEC_APIC_ERROR, apic_error_interrupt);
    apic_setup_local(true);
    ready = true;
    printk("apic: %s mode%s, boot CPU APIC id %u, version %#x\n",
           x2apic_mode ? "x2APIC" : "xAPIC",
           (r.ecx & CPUID1_ECX_X2APIC) && !opt_x2apic ? " (x2apic=0)" : "", apic_id(),
           apic_read(APIC_LVR) & 0xff);
}

/* An AP: the same register set-up, in the mode the boot CPU chose. */
void apic_init_ap(void)
{
    apic_setup_local(false);
}
