/*
 * pvhtest's local APIC scenario ("apic"; run it with sable.vcpus=2 for the
 * checks that need a second vCPU). Sable starts every vCPU's APIC in
 * x2APIC mode; the boot vCPU walks the SDM's mode rules, works the xAPIC
 * registers through the MMIO page (each access a nested page fault the
 * hypervisor decodes), sends NMIs to itself (one from inside the NMI
 * handler, which must wait for its IRET), moves the APIC base, starts
 * vCPU 1 with INIT/SIPI and sends it a fixed IPI and NMIs (physical
 * destination and shorthands); vCPU 1 runs its own periodic timer in
 * x2APIC mode. One line per check, then the verdict.
 *
 * "apicbyte" and "apicinsn" make an access the hypervisor refuses (a byte
 * write, an ADD to memory): the domain must be crashed with a report.
 */
#include <sable/lib.h>
#include "pvh.h"

#define MSR_APIC_BASE   0x1b
#define BASE_EXTD       (1ULL << 10)
#define BASE_EN         (1ULL << 11)
#define XAPIC_BASE      0xfee00000ULL
#define MOVED_BASE      0xfed00000ULL   /* unbacked: where the base may move */
#define RAM_BASE        0x1000000ULL    /* guest RAM the kernel does not use */

/* xAPIC register offsets (the x2APIC MSR is 0x800 + offset / 16). */
#define APIC_ID         0x020
#define APIC_LVR        0x030
#define APIC_TPR        0x080
#define APIC_EOI        0x0b0
#define APIC_LDR        0x0d0
#define APIC_DFR        0x0e0
#define APIC_SVR        0x0f0
#define APIC_ISR        0x100
#define APIC_IRR        0x200
#define APIC_ICR        0x300
#define APIC_ICR2       0x310
#define APIC_LVTT       0x320
#define APIC_TMICT      0x380
#define APIC_TMCCT      0x390
#define APIC_TDCR       0x3e0
#define MSR_X2APIC(off) (0x800 + ((off) >> 4))

#define ICR_NMI         (4u << 8)
#define ICR_INIT        (5u << 8)
#define ICR_SIPI        (6u << 8)
#define ICR_ASSERT      (1u << 14)
#define ICR_SELF        (1u << 18)
#define ICR_ALL         (2u << 18)
#define ICR_OTHERS      (3u << 18)
#define LVT_PERIODIC    (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6e0

#define VEC_TIMER       0x40
#define VEC_SELF        0x41
#define VEC_AP_IPI      0x50
#define VEC_AP_TIMER    0x51
#define VEC_SPURIOUS    0xff
#define AP_TRAMP        0x8000          /* SIPI vector 8; head.S links the copy there */

void ap_main(void);
extern char ap_tramp_start[], ap_tramp_end[], ap_stack[], ap_stack_top[];

static uint64_t apic_page = XAPIC_BASE;
static volatile bool x2apic;            /* the boot vCPU's mode: how it EOIs and sends */

/* ---- register access ---- */

static uint32_t mmio_rd(uint32_t off)
{
    return *(volatile uint32_t *)(apic_page + off);
}

static void mmio_wr(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(apic_page + off) = v;
}

/* RDMSR/WRMSR that may fault: false if they took #GP. */
static bool rdmsr_ok(uint32_t msr, uint64_t *v)
{
    unsigned int before = gp_count;
    uint32_t lo, hi;

    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    *v = (uint64_t)hi << 32 | lo;
    return gp_count == before;
}

static bool wrmsr_ok(uint32_t msr, uint64_t v)
{
    unsigned int before = gp_count;

    wrmsr(msr, v);
    return gp_count == before;
}

static void eoi(void)
{
    if (x2apic)
        wrmsr(MSR_X2APIC(APIC_EOI), 0);
    else
        mmio_wr(APIC_EOI, 0);
}

/* Send an IPI from the boot vCPU in its current mode (xAPIC: ICR2, then ICR). */
static void send_ipi(uint32_t dest, uint32_t icr)
{
    if (x2apic) {
        wrmsr(MSR_X2APIC(APIC_ICR), (uint64_t)dest << 32 | icr);
    } else {
        mmio_wr(APIC_ICR2, dest << 24);
        mmio_wr(APIC_ICR, icr);
    }
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/*
 * Wait with interrupts on (pausing, not halting) until *count reaches n,
 * for at most 10 s by the TSC (its rate from Xen's CPUID leaf 0x40000003):
 * a loaded host may hold a vCPU back for a while.
 */
static void wait_for(volatile unsigned int *count, unsigned int n)
{
    uint32_t a, b, khz, d;
    uint64_t end;

    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(khz), "=d"(d) : "a"(0x40000003), "c"(0));
    end = rdtsc() + (uint64_t)(khz ? khz : 3000000) * 10000;
    while (*count < n && rdtsc() < end)
        __asm__ volatile("sti; pause; cli");
}

/* ---- handlers (the IDT is shared: the NMI handler tells the vCPUs apart by stack) ---- */

static volatile unsigned int timer_ticks, self_ipis, spurious;
static volatile unsigned int nmis, nmi_depth, nmi_depth_max, nmis_inside;
static volatile bool nmi_resend;
static volatile uint32_t isr_inside;
static volatile unsigned int ap_ticks, ap_ipis, ap_nmis, ap_ready, ap_done;

static bool on_ap(void)
{
    uint64_t sp;

    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    return sp >= (uint64_t)ap_stack && sp < (uint64_t)ap_stack_top;
}

__attribute__((interrupt))
static void timer_handler(struct frame *f)
{
    timer_ticks++;
    eoi();
}

__attribute__((interrupt))
static void self_ipi_handler(struct frame *f)
{
    isr_inside = x2apic ? 0 : mmio_rd(APIC_ISR + (VEC_SELF / 32) * 0x10);
    self_ipis++;
    eoi();
}

__attribute__((interrupt))
static void spurious_handler(struct frame *f)
{
    spurious++;
}

/*
 * An NMI. On the boot vCPU, with nmi_resend, it sends itself another one
 * and spins: that one must not nest, but come after this handler's IRET.
 */
__attribute__((interrupt))
static void nmi_handler(struct frame *f)
{
    if (on_ap()) {
        ap_nmis++;
        return;
    }
    if (++nmi_depth > nmi_depth_max)
        nmi_depth_max = nmi_depth;
    nmis++;
    if (nmi_resend) {
        nmi_resend = false;
        send_ipi(0, ICR_SELF | ICR_NMI);
        for (volatile int i = 0; i < 200000; i++)
            ;
        nmis_inside = nmis;
    }
    nmi_depth--;
}

__attribute__((interrupt))
static void ap_timer_handler(struct frame *f)
{
    ap_ticks++;
    wrmsr(MSR_X2APIC(APIC_EOI), 0);
}

__attribute__((interrupt))
static void ap_ipi_handler(struct frame *f)
{
    ap_ipis++;
    wrmsr(MSR_X2APIC(APIC_EOI), 0);
}

/* ---- the boot vCPU's checks ---- */

/* SDM 11.12.5: xAPIC -> x2APIC, x2APIC -> disabled -> xAPIC; the rest #GP. */
static void check_mode_switching(void)
{
    uint64_t base, v;

    check(rdmsr_ok(MSR_APIC_BASE, &base) && (base & ~0xfffULL) == XAPIC_BASE &&
          (base & (BASE_EN | BASE_EXTD)) == (BASE_EN | BASE_EXTD),
          "APIC base: 0xfee00000, x2APIC mode");
    check(mmio_rd(APIC_LVR) == 0xffffffff, "x2APIC mode: the xAPIC page reads all ones");
    check(!wrmsr_ok(MSR_APIC_BASE, XAPIC_BASE | BASE_EN), "x2APIC -> xAPIC directly: #GP");
    check(!wrmsr_ok(MSR_APIC_BASE, XAPIC_BASE | BASE_EXTD), "EXTD without EN: #GP");
    check(!wrmsr_ok(MSR_APIC_BASE, base | (1ULL << 9)), "APIC base reserved bit 9: #GP");
    check(wrmsr_ok(MSR_APIC_BASE, XAPIC_BASE) && !rdmsr_ok(MSR_X2APIC(APIC_ID), &v),
          "x2APIC -> disabled; the x2APIC MSRs then #GP");
    check(mmio_rd(APIC_LVR) == 0xffffffff, "disabled: the xAPIC page reads all ones");
    check(!wrmsr_ok(MSR_APIC_BASE, XAPIC_BASE | BASE_EN | BASE_EXTD),
          "disabled -> x2APIC directly: #GP");
    check(wrmsr_ok(MSR_APIC_BASE, XAPIC_BASE | BASE_EN) && rdmsr_ok(MSR_APIC_BASE, &base) &&
          (base & (BASE_EN | BASE_EXTD)) == BASE_EN, "disabled -> xAPIC");
    check(!rdmsr_ok(MSR_X2APIC(APIC_ID), &v), "xAPIC mode: the x2APIC MSRs #GP");
}

static void check_xapic_registers(void)
{
    check(mmio_rd(APIC_ID) == 0, "xAPIC ID (MMIO): vCPU 0 in bits 31:24");
    check(mmio_rd(APIC_LVR) == 0x00050014, "xAPIC version (MMIO): 0x00050014");
    check(mmio_rd(APIC_DFR) == 0xffffffff && mmio_rd(APIC_LDR) == 0,
          "xAPIC DFR flat, LDR 0 (power-on state after disable)");
    mmio_wr(APIC_LDR, 0x01000000);
    check(mmio_rd(APIC_LDR) == 0x01000000, "xAPIC LDR written and read back");
    mmio_wr(APIC_TPR, 0x20);
    check(mmio_rd(APIC_TPR) == 0x20, "TPR written and read back (MMIO)");
    mmio_wr(APIC_TPR, 0);
    check(mmio_rd(APIC_SVR) == 0xff, "SVR 0xff: software-disabled");
    mmio_wr(APIC_SVR, 0x100 | VEC_SPURIOUS);
    check(mmio_rd(APIC_SVR) == 0x1ff, "SVR: software-enabled (MMIO)");
}

static void check_xapic_self_ipi(void)
{
    uint32_t bit = 1u << (VEC_SELF % 32), word = (VEC_SELF / 32) * 0x10;

    __asm__ volatile("cli");
    mmio_wr(APIC_ICR, ICR_SELF | VEC_SELF);
    check((mmio_rd(APIC_IRR + word) & bit) && self_ipis == 0,
          "self-IPI through the xAPIC ICR: pending in IRR while IF=0");
    __asm__ volatile("sti; nop; cli");
    check(self_ipis == 1 && (isr_inside & bit), "self-IPI taken when IF opens, in ISR in its handler");
    check(!(mmio_rd(APIC_ISR + word) & bit), "EOI through MMIO ends it");
    mmio_wr(APIC_TPR, 0x50);
    mmio_wr(APIC_ICR, ICR_SELF | VEC_SELF);
    __asm__ volatile("sti; nop; nop; cli");
    check(self_ipis == 1, "TPR 0x50 holds back vector 0x41");
    mmio_wr(APIC_TPR, 0);
    __asm__ volatile("sti; nop; cli");
    check(self_ipis == 2, "vector 0x41 taken once TPR drops to 0");
}

static void check_xapic_timer(void)
{
    uint32_t current;

    mmio_wr(APIC_TDCR, 0xb);                    /* divide by 1: 1 count = 1 ns */
    mmio_wr(APIC_LVTT, VEC_TIMER);              /* one-shot */
    mmio_wr(APIC_TMICT, 1000000000);            /* 1 s: long enough to watch */
    current = mmio_rd(APIC_TMCCT);
    check(current > 0 && current < 1000000000, "timer (MMIO): the current count runs down");
    mmio_wr(APIC_TMICT, 2000000);               /* restarted: 2 ms */
    for (int i = 0; i < 1000 && !timer_ticks; i++)
        __asm__ volatile("sti; hlt; cli");
    check(timer_ticks == 1 && mmio_rd(APIC_TMCCT) == 0, "one-shot timer (MMIO) fired, HLT woken");
    for (volatile int i = 0; i < 2000000; i++)
        __asm__ volatile("sti; nop; cli");
    check(timer_ticks == 1, "one-shot timer fired once");
}

static void check_nmi_self(void)
{
    __asm__ volatile("cli");
    send_ipi(0, ICR_SELF | ICR_NMI);
    check(nmis == 1, "NMI self-IPI through the xAPIC ICR: taken at once with IF=0");
    nmi_resend = true;
    send_ipi(0, ICR_SELF | ICR_NMI);
    wait_for(&nmis, 3);
    check(nmis == 3 && nmis_inside == 2 && nmi_depth_max == 1,
          "an NMI sent in the NMI handler waits for its IRET (no nesting)");
}

static void check_moved_base(void)
{
    check(wrmsr_ok(MSR_APIC_BASE, MOVED_BASE | BASE_EN), "APIC base moved to 0xfed00000");
    apic_page = MOVED_BASE;
    check(mmio_rd(APIC_LVR) == 0x00050014 && mmio_rd(APIC_SVR) == 0x1ff,
          "the xAPIC page moved with it");
    check(wrmsr_ok(MSR_APIC_BASE, RAM_BASE | BASE_EN), "APIC base moved onto RAM (16 MiB)");
    *(volatile uint32_t *)(RAM_BASE + APIC_LVR) = 0x1234;
    check(*(volatile uint32_t *)(RAM_BASE + APIC_LVR) == 0x1234, "RAM there stays RAM (as on Xen)");
    check(wrmsr_ok(MSR_APIC_BASE, XAPIC_BASE | BASE_EN), "APIC base back at 0xfee00000");
    apic_page = XAPIC_BASE;
}

/* How many vCPUs: CPUID 1 EBX bits 23:16 (the count, rounded up to a power of two). */
static unsigned int nr_vcpus(void)
{
    uint32_t a, b, c, d;

    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return (d & (1u << 28)) ? (b >> 16) & 0xff : 1;
}

static void check_second_vcpu(void)
{
    memcpy((void *)(uintptr_t)AP_TRAMP, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
    send_ipi(1, ICR_INIT | ICR_ASSERT);
    send_ipi(1, ICR_SIPI | (AP_TRAMP >> 12));
    wait_for(&ap_ready, 1);
    check(ap_ready, "vCPU 1 started by INIT/SIPI through the xAPIC ICR");
    send_ipi(1, VEC_AP_IPI);
    send_ipi(1, ICR_NMI);
    wait_for(&ap_done, 1);
    check(ap_done, "vCPU 1 got a fixed IPI and an NMI (xAPIC ICR, destination 1)");
}

/* TSC-deadline mode (CPUID 1 ECX bit 24): MSR 0x6e0 arms, reads 0 once fired. */
static void check_tsc_deadline(void)
{
    unsigned int before = timer_ticks;
    uint64_t deadline, v;
    uint32_t a, b, c, d;

    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    check(c & (1u << 24), "cpuid 1: TSC-deadline timer");
    wrmsr(MSR_X2APIC(APIC_LVTT), LVT_TSC_DEADLINE | VEC_TIMER);
    deadline = rdtsc() + (1ULL << 36);          /* far: long enough to read back */
    wrmsr(MSR_TSC_DEADLINE, deadline);
    check(rdmsr_ok(MSR_TSC_DEADLINE, &v) && v == deadline, "TSC deadline armed (MSR 0x6e0)");
    deadline = rdtsc() + 2000000;               /* moved near */
    wrmsr(MSR_TSC_DEADLINE, deadline);
    for (int i = 0; i < 1000 && timer_ticks == before; i++)
        __asm__ volatile("sti; hlt; cli");
    check(timer_ticks == before + 1 && rdtsc() >= deadline &&
          rdmsr_ok(MSR_TSC_DEADLINE, &v) && v == 0,
          "TSC-deadline timer fired at its deadline; MSR 0x6e0 reads 0");
}

/* Back in x2APIC mode: ICR as one MSR, NMI shorthands. */
static void check_x2apic(bool smp)
{
    uint64_t v;

    check(wrmsr_ok(MSR_APIC_BASE, XAPIC_BASE | BASE_EN | BASE_EXTD) &&
          rdmsr_ok(MSR_X2APIC(APIC_ID), &v) && v == 0, "xAPIC -> x2APIC; x2APIC ID 0");
    x2apic = true;
    check(rdmsr_ok(MSR_X2APIC(APIC_LDR), &v) && v == 1, "x2APIC LDR derived from the ID: 1");
    check(!rdmsr_ok(MSR_X2APIC(APIC_DFR), &v), "x2APIC: no DFR (#GP)");
    check_tsc_deadline();
    __asm__ volatile("cli");
    send_ipi(0, ICR_SELF | ICR_NMI);
    check(nmis == 4, "NMI self-IPI through the x2APIC ICR");
    if (!smp)
        return;
    send_ipi(0, ICR_OTHERS | ICR_NMI);
    wait_for(&ap_nmis, 2);
    check(ap_nmis == 2 && nmis == 4, "NMI to all but self reaches vCPU 1 only");
    send_ipi(0, ICR_ALL | ICR_NMI);
    wait_for(&ap_nmis, 3);
    check(ap_nmis == 3 && nmis == 5, "NMI to all including self reaches both");
}

void run_apic(void)
{
    bool smp = nr_vcpus() >= 2;

    idt_set(2, nmi_handler);
    idt_set(13, gp_handler);
    idt_set(VEC_TIMER, timer_handler);
    idt_set(VEC_SELF, self_ipi_handler);
    idt_set(VEC_AP_IPI, ap_ipi_handler);
    idt_set(VEC_AP_TIMER, ap_timer_handler);
    idt_set(VEC_SPURIOUS, spurious_handler);
    idt_load(256 * 16 - 1);
    check_mode_switching();
    check_xapic_registers();
    check_xapic_self_ipi();
    check_xapic_timer();
    check_nmi_self();
    check_moved_base();
    if (smp)
        check_second_vcpu();
    else
        print("pvhtest: SKIP second vCPU (run with sable.vcpus=2)\n");
    check_x2apic(smp);
    check(spurious == 0, "no spurious interrupts");
    verdict();
}

/* ---- vCPU 1 (head.S's trampoline calls it on its own stack) ---- */

void ap_main(void)
{
    uint64_t v;

    idt_load(256 * 16 - 1);
    check(rdmsr_ok(MSR_X2APIC(APIC_ID), &v) && v == 1, "vCPU 1: x2APIC ID 1");
    wrmsr(MSR_X2APIC(APIC_SVR), 0x100 | VEC_SPURIOUS);
    wrmsr(MSR_X2APIC(APIC_TDCR), 0xb);
    wrmsr(MSR_X2APIC(APIC_LVTT), LVT_PERIODIC | VEC_AP_TIMER);
    wrmsr(MSR_X2APIC(APIC_TMICT), 1000000);     /* every 1 ms */
    for (int i = 0; i < 100000 && ap_ticks < 40; i++)
        __asm__ volatile("sti; hlt; cli");
    wrmsr(MSR_X2APIC(APIC_TMICT), 0);
    check(ap_ticks >= 40, "vCPU 1: its periodic timer ticked 40 times");
    ap_ready = 1;
    for (int i = 0; i < 100000 && (!ap_nmis || !ap_ipis); i++)
        __asm__ volatile("sti; hlt; cli");
    check(ap_ipis == 1, "vCPU 1: fixed IPI from vCPU 0");
    check(ap_nmis == 1, "vCPU 1: NMI from vCPU 0");
    ap_done = 1;
    for (;;)
        __asm__ volatile("cli; hlt");          /* NMIs still wake it */
}

/* ---- accesses the hypervisor refuses: the domain is crashed ---- */

void run_apic_bad(bool byte_write)
{
    wrmsr(MSR_APIC_BASE, XAPIC_BASE);
    wrmsr(MSR_APIC_BASE, XAPIC_BASE | BASE_EN);
    print("pvhtest: %s on the xAPIC page\n", byte_write ? "a byte write" : "an ADD");
    if (byte_write)
        *(volatile uint8_t *)(XAPIC_BASE + APIC_TPR) = 0x10;
    else
        __asm__ volatile("addl $1, (%0)" :: "r"(XAPIC_BASE + APIC_TPR) : "memory");
    print("pvhtest: survived a refused APIC access (should not get here)\n");
    poweroff();
}
