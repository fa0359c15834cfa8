/*
 * System time and timer hardware.
 *
 * now_ns() is the boot CPU's TSC since time_init, scaled to nanoseconds
 * with the mul/shift pair PV guests will get in vcpu_time_info. Each AP
 * measures its TSC against the boot CPU's once, at bring-up, and adds the
 * difference, so every CPU reads the same clock (under QEMU TCG all TSCs
 * are one host counter and the measured offset is 0).
 *
 * The TSC and the local APIC timer are calibrated together over windows of
 * the HPET main counter, or of PIT channel 2 when there is no HPET; a TSC
 * rate that CPUID leaf 0x15 states wins over the measured one.
 *
 * Timer queues (common/timer.c) are driven by the local APIC timer, in
 * TSC-deadline mode when the CPU has it (and tsc_deadline=0 is not given),
 * else one-shot mode counting at the calibrated APIC rate.
 */
#include <sable/cmdline.h>
#include <sable/lib.h>
#include <sable/time.h>
#include <sable/vcpu_time.h>
#include <sable/timer.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/hpet.h>
#include <asm/io.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/smp.h>
#include <asm/traps.h>

#define PIT_HZ          1193182
#define PIT_CH2_DATA    0x42
#define PIT_MODE        0x43
#define PIT_CH2_GATE    0x61        /* bit 0 gate, bit 1 speaker, bit 5 OUT2 */
#define CALIBRATE_MS    10
#define CALIBRATE_RUNS  5
#define TSC_HZ_MIN      100000000ULL
#define TSC_HZ_MAX      100000000000ULL
#define SYNC_ROUNDS     5
#define SYNC_TIMEOUT_NS (50 * NSEC_PER_MSEC)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_8007_EDX_INVARIANT_TSC (1u << 8)

static bool opt_tsc_deadline = true;
boolean_param("tsc_deadline", opt_tsc_deadline);

static struct time_params params;
static struct time_scale ns_to_tsc, ns_to_apic;
static uint64_t apic_hz;
static bool calibrated, use_deadline;
/* Added to a CPU's TSC to give the boot CPU's; written once, at bring-up. */
static int64_t tsc_offset[NR_CPUS];
static struct timer_queue queues[NR_CPUS];
static volatile bool timer_ready[NR_CPUS];

/*
 * This CPU's TSC, corrected to the boot CPU's, minus the TSC at system time
 * 0, scaled exactly as a PV guest scales it.
 */
static uint64_t ns_at_tsc(uint64_t raw);

uint64_t now_ns(void)
{
    if (!calibrated)
        return 0;
    return ns_at_tsc(rdtsc());
}

/* System time at a given raw TSC reading of this CPU (interrupts off). */
static uint64_t ns_at_tsc(uint64_t raw)
{
    uint64_t tsc = raw + (uint64_t)tsc_offset[smp_processor_id()];

    return tsc > params.tsc_at_zero ? time_scale_apply(tsc - params.tsc_at_zero,
                                                       &params.tsc_to_ns) : 0;
}

/*
 * For vcpu_time_info: this CPU's TSC and the system time at exactly that
 * TSC, so a guest extrapolating from it with the same scale agrees with us.
 */
bool arch_time_sample(struct time_sample *s)
{
    unsigned long flags;

    if (!calibrated)
        return false;
    flags = irq_save();
    s->tsc = rdtsc();
    s->system_ns = ns_at_tsc(s->tsc);
    irq_restore(flags);
    s->tsc_to_ns = params.tsc_to_ns;
    s->tsc_stable = false;      /* TCG cannot promise an invariant TSC */
    return true;
}

/* For vcpu_time_info: a copy, so callers cannot disturb the clock. */
bool time_get_params(struct time_params *out)
{
    if (calibrated)
        *out = params;
    return calibrated;
}

/* Before calibration, port 0x80 reads (about 1 us each on a PC) stand in. */
void udelay(uint64_t usecs)
{
    uint64_t end;

    if (!calibrated) {
        for (uint64_t i = 0; i < usecs; i++)
            inb(0x80);
        return;
    }
    end = rdtsc() + time_scale_apply(usecs * NSEC_PER_USEC, &ns_to_tsc);
    while (rdtsc() < end)
        cpu_relax();
}

/* Busy-wait msecs milliseconds (boot-time delays such as the INIT wait). */
void mdelay(uint64_t msecs)
{
    udelay(msecs * 1000);
}

/* What one calibration window measured. */
struct calib {
    uint64_t tsc;               /* TSC ticks */
    uint64_t apic;              /* APIC timer ticks (divide by 1) */
    uint64_t ref_ns;            /* the window's length by the reference */
};

/* Count TSC and APIC ticks while the HPET advances CALIBRATE_MS. */
static void window_hpet(struct calib *c)
{
    uint64_t ticks = hpet_hz() * CALIBRATE_MS / 1000, h0, h1, t0;
    uint32_t a0;

    h0 = hpet_read();
    t0 = rdtsc();
    a0 = apic_read(APIC_TMCCT);
    do {
        h1 = hpet_read();
    } while (h1 - h0 < ticks);
    c->tsc = rdtsc() - t0;
    c->apic = a0 - apic_read(APIC_TMCCT);
    c->ref_ns = (h1 - h0) * NSEC_PER_SEC / hpet_hz();
}

/*
 * PIT channel 2 in mode 0 (interrupt on terminal count) with the gate
 * raised and the speaker off: OUT2, visible in port 0x61, rises when the
 * count runs out. A missing PIT is caught by a bound on the wait.
 */
static void window_pit(struct calib *c)
{
    const uint16_t count = PIT_HZ * CALIBRATE_MS / 1000;
    uint64_t t0;
    uint32_t a0;

    outb(PIT_CH2_GATE, (inb(PIT_CH2_GATE) & ~0x02) | 0x01);
    outb(PIT_MODE, 0xb0);                   /* channel 2, lo/hi byte, mode 0 */
    outb(PIT_CH2_DATA, count & 0xff);
    outb(PIT_CH2_DATA, count >> 8);
    t0 = rdtsc();
    a0 = apic_read(APIC_TMCCT);
    while (!(inb(PIT_CH2_GATE) & 0x20) && rdtsc() - t0 < (1ULL << 36))
        cpu_relax();
    c->tsc = rdtsc() - t0;
    c->apic = a0 - apic_read(APIC_TMCCT);
    c->ref_ns = (uint64_t)count * NSEC_PER_SEC / PIT_HZ;
}

/*
 * The TSC rate the CPU states (CPUID 0x15: TSC/crystal ratio and crystal
 * Hz; when the crystal is not given, 0x16's base MHz stands for the TSC
 * rate, as Linux does). 0 when the CPU does not say.
 */
static uint64_t cpuid_tsc_hz(void)
{
    struct cpuid_regs r, r16;
    uint32_t max_leaf;

    cpuid(0, &r);
    max_leaf = r.eax;
    if (max_leaf < 0x15)
        return 0;
    cpuid(0x15, &r);
    if (!r.eax || !r.ebx)
        return 0;
    if (r.ecx)
        return (uint64_t)r.ecx * r.ebx / r.eax;
    if (max_leaf < 0x16)
        return 0;
    cpuid(0x16, &r16);
    return (uint64_t)(r16.eax & 0xffff) * 1000000;
}

/*
 * The APIC timer and the wake-up IPI (another CPU armed an earlier timer
 * here): either way, run this CPU's due timers and program the next.
 */
static void timer_interrupt(struct cpu_regs *regs, unsigned int vector)
{
    apic_eoi();
    timer_queue_run(&queues[smp_processor_id()], (s_time_t)now_ns());
}

/* "2993.456": no floating point in the hypervisor. */
static void print_mhz(char *buf, size_t len, uint64_t hz)
{
    snprintf(buf, len, "%lu.%03lu", hz / 1000000, (hz / 1000) % 1000);
}

/* Middle value of the runs (sorts v in place; five elements). */
static uint64_t median(uint64_t v[CALIBRATE_RUNS])
{
    for (unsigned int i = 1; i < CALIBRATE_RUNS; i++)
        for (unsigned int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[CALIBRATE_RUNS / 2];
}

/*
 * Measure both rates over several short windows and keep the medians: a
 * virtual CPU can be descheduled by its host for milliseconds, and if that
 * falls between reading the TSC and the APIC timer it spoils one window.
 * The APIC timer counts down from ~0 meanwhile, masked.
 */
static const char *calibrate(uint64_t *tsc_hz, uint64_t *lapic_hz)
{
    uint64_t tsc[CALIBRATE_RUNS], lapic[CALIBRATE_RUNS];
    bool use_hpet = acpi_info.have_hpet && !hpet_init(acpi_info.hpet.base.address);

    apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_APIC_TIMER);
    apic_write(APIC_TDCR, APIC_TDCR_DIV1);
    for (unsigned int i = 0; i < CALIBRATE_RUNS; i++) {
        struct calib c;

        apic_write(APIC_TMICT, 0xffffffff);
        if (use_hpet)
            window_hpet(&c);
        else
            window_pit(&c);
        tsc[i] = c.tsc * NSEC_PER_SEC / c.ref_ns;
        lapic[i] = c.apic * NSEC_PER_SEC / c.ref_ns;
    }
    apic_write(APIC_TMICT, 0);
    *tsc_hz = median(tsc);
    *lapic_hz = median(lapic);
    return use_hpet ? "HPET" : "PIT";
}

/*
 * Boot CPU, after apic_init: calibrate, derive the scales, choose the APIC
 * timer mode, install the timer vectors, and start system time.
 */
void time_init(void)
{
    struct cpuid_regs r;
    char how[48], tsc_mhz[24], apic_mhz[24];
    const char *ref;
    uint64_t stated;

    params.tsc_at_zero = rdtsc();
    ref = calibrate(&params.tsc_hz, &apic_hz);
    snprintf(how, sizeof(how), "calibrated against %s", ref);
    stated = cpuid_tsc_hz();
    if (stated >= TSC_HZ_MIN && stated <= TSC_HZ_MAX) {
        params.tsc_hz = stated;
        snprintf(how, sizeof(how), "from CPUID, %s measured", ref);
    }
    if (params.tsc_hz < TSC_HZ_MIN || params.tsc_hz > TSC_HZ_MAX ||
        time_scale_init(&params.tsc_to_ns, params.tsc_hz, NSEC_PER_SEC) ||
        time_scale_init(&ns_to_tsc, NSEC_PER_SEC, params.tsc_hz))
        panic("time: TSC calibration against %s failed (%lu Hz)", ref, params.tsc_hz);
    cpuid(1, &r);
    use_deadline = opt_tsc_deadline && (r.ecx & CPUID1_ECX_TSC_DEADLINE);
    if (time_scale_init(&ns_to_apic, NSEC_PER_SEC, apic_hz) && !use_deadline)
        panic("time: APIC timer calibration failed (%lu Hz)", apic_hz);
    for (unsigned int i = 0; i < NR_CPUS; i++)
        timer_queue_init(&queues[i], i);
    irq_register(VEC_APIC_TIMER, timer_interrupt);
    irq_register(VEC_IPI_WAKE, timer_interrupt);
    barrier();
    calibrated = true;

    print_mhz(tsc_mhz, sizeof(tsc_mhz), params.tsc_hz);
    print_mhz(apic_mhz, sizeof(apic_mhz), apic_hz);
    cpuid(0x80000007, &r);
    printk("time: TSC %s MHz (%s%s), APIC timer %s MHz, %s mode\n", tsc_mhz, how,
           (r.edx & CPUID_8007_EDX_INVARIANT_TSC) ? "" : ", not invariant", apic_mhz,
           use_deadline ? "TSC-deadline" : "one-shot");
}

/* Load the APIC timer for deadline on this CPU (S_TIME_MAX: stop it). */
static void lapic_timer_program(s_time_t deadline)
{
    uint64_t ticks;

    if (use_deadline) {
        ticks = 0;
        if (deadline != S_TIME_MAX)
            ticks = params.tsc_at_zero - (uint64_t)tsc_offset[smp_processor_id()] +
                    time_scale_apply(deadline > 0 ? deadline : 0, &ns_to_tsc) + 1;
        wrmsr(MSR_TSC_DEADLINE, ticks);
        return;
    }
    if (deadline == S_TIME_MAX) {
        apic_write(APIC_TMICT, 0);
        return;
    }
    deadline -= (s_time_t)now_ns();
    ticks = deadline > 0 ? time_scale_apply(deadline, &ns_to_apic) + 1 : 1;
    apic_write(APIC_TMICT, ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks);
}

/* The per-CPU queues live here, beside the hardware that drives them. */
struct timer_queue *arch_timer_queue(unsigned int cpu)
{
    return cpu < NR_CPUS ? &queues[cpu] : NULL;
}

/*
 * Another CPU's queue got an earlier head: wake that CPU, whose handler
 * runs its queue. A CPU whose timer is not set up yet needs nothing: it
 * runs its queue once when it is (timer_cpu_init).
 */
void arch_timer_program(struct timer_queue *q, s_time_t deadline)
{
    if (q->cpu == smp_processor_id())
        lapic_timer_program(deadline);
    else if (deadline != S_TIME_MAX && timer_ready[q->cpu])
        apic_send_ipi(percpu[q->cpu].apic_id, VEC_IPI_WAKE);
}

/*
 * This CPU's APIC timer in its final mode; then run the queue once, for
 * timers armed here before the CPU could take the wake-up IPI.
 */
void timer_cpu_init(void)
{
    unsigned int cpu = smp_processor_id();

    apic_write(APIC_TDCR, APIC_TDCR_DIV1);
    apic_write(APIC_LVT_TIMER, VEC_APIC_TIMER |
               (use_deadline ? APIC_TIMER_DEADLINE : APIC_TIMER_ONESHOT));
    mb();                       /* LVT mode before any TSC_DEADLINE write */
    timer_ready[cpu] = true;
    mb();
    timer_queue_run(&queues[cpu], (s_time_t)now_ns());
}

/*
 * TSC offset measurement, boot CPU <-> one AP, interrupts off on both.
 * Each round the AP reads its TSC (a), hands over, the boot CPU reads its
 * own (b) and hands back, the AP reads again (c): b happened between a and
 * c, so offset = b - (a + c) / 2 within (c - a) / 2. The tightest round
 * counts; an offset inside its own error is taken as zero.
 */
static volatile unsigned int sync_cpu = NR_CPUS, sync_step;
static volatile uint64_t sync_bsp_tsc;

/* Wait for the other side's step; false after SYNC_TIMEOUT_NS. */
static bool sync_wait(unsigned int step)
{
    uint64_t end = now_ns() + SYNC_TIMEOUT_NS;

    while (__atomic_load_n(&sync_step, __ATOMIC_ACQUIRE) != step)
        if (now_ns() > end)
            return false;
    return true;
}

/* Boot CPU side: open the exchange for cpu, answer each round. */
void time_sync_bsp(unsigned int cpu)
{
    unsigned long flags = irq_save();

    sync_step = 0;
    __atomic_store_n(&sync_cpu, cpu, __ATOMIC_RELEASE);
    for (unsigned int r = 0; r < SYNC_ROUNDS; r++) {
        if (!sync_wait(2 * r + 1))
            break;
        sync_bsp_tsc = rdtsc();
        __atomic_store_n(&sync_step, 2 * r + 2, __ATOMIC_RELEASE);
    }
    sync_wait(2 * SYNC_ROUNDS + 1);         /* the AP has read the last value */
    sync_cpu = NR_CPUS;
    irq_restore(flags);
}

/* AP side: run the rounds, keep the tightest, store the offset. */
void time_sync_ap(unsigned int cpu)
{
    uint64_t best_rtt = UINT64_MAX, end = now_ns() + SYNC_TIMEOUT_NS;
    int64_t best = 0;
    unsigned long flags = irq_save();

    while (__atomic_load_n(&sync_cpu, __ATOMIC_ACQUIRE) != cpu)
        if (now_ns() > end)
            goto out;
    for (unsigned int r = 0; r < SYNC_ROUNDS; r++) {
        uint64_t a = rdtsc(), b, c;

        __atomic_store_n(&sync_step, 2 * r + 1, __ATOMIC_RELEASE);
        if (!sync_wait(2 * r + 2))
            break;
        c = rdtsc();
        b = sync_bsp_tsc;
        if (c - a < best_rtt) {
            best_rtt = c - a;
            best = (int64_t)(b - (a + (c - a) / 2));
        }
    }
    __atomic_store_n(&sync_step, 2 * SYNC_ROUNDS + 1, __ATOMIC_RELEASE);
    pr_debug("cpu%u: TSC %ld ticks from the boot CPU's (within %lu)\n", cpu, (long)best,
             (unsigned long)(best_rtt / 2));
    if ((uint64_t)(best < 0 ? -best : best) <= best_rtt / 2)
        best = 0;
    tsc_offset[cpu] = best;
out:
    irq_restore(flags);
}

/*
 * debug_timers: every online CPU arms one-shot timers 10, 20 and 50 ms
 * ahead and notes when each fires; the boot CPU then prints every measured
 * delay. Passing means all fired, none early and none more than 50 ms late
 * (generous: QEMU TCG can deschedule a virtual CPU for milliseconds).
 * Nothing is printed from the callbacks themselves: eight CPUs queueing on
 * the console lock at once on a small host would measure the lock.
 */
static bool debug_timers;
boolean_param("debug_timers", debug_timers);

#define PROBES           3
#define PROBE_SLACK_NS   (50 * (s_time_t)NSEC_PER_MSEC)
#define PROBE_POLL_NS    (2 * (s_time_t)NSEC_PER_MSEC)
static const unsigned int probe_ms[PROBES] = { 10, 20, 50 };

struct probe {
    struct timer timer;
    s_time_t armed_at;
    volatile s_time_t fired_at;
    unsigned int ms;
};
static struct probe probes[NR_CPUS][PROBES];
static unsigned int probes_fired;
static struct timer probe_poll;

/* Timer callback: note the time; the boot CPU reports later. */
static void probe_fire(void *data)
{
    struct probe *p = data;

    p->fired_at = (s_time_t)now_ns();
    __atomic_add_fetch(&probes_fired, 1, __ATOMIC_RELEASE);
}

/* Runs on every CPU (smp_call_function_all): arm its three probes. */
static void probe_arm(void *unused)
{
    unsigned int cpu = smp_processor_id();

    for (unsigned int i = 0; i < PROBES; i++) {
        struct probe *p = &probes[cpu][i];

        timer_init(&p->timer, probe_fire, p, cpu);
        p->ms = probe_ms[i];
        p->fired_at = 0;
        p->armed_at = (s_time_t)now_ns();
        timer_set(&p->timer, p->armed_at + p->ms * (s_time_t)NSEC_PER_MSEC);
    }
}

/* Wakes the waiting boot CPU now and then: other CPUs' probes do not. */
static void probe_poll_fire(void *unused)
{
    timer_set(&probe_poll, (s_time_t)now_ns() + PROBE_POLL_NS);
}

/* Print each probe; count the CPUs whose probes were all in time. */
static unsigned int probes_report(void)
{
    unsigned int good = 0;

    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
        bool ok = percpu[cpu].online;

        for (unsigned int i = 0; percpu[cpu].online && i < PROBES; i++) {
            const struct probe *p = &probes[cpu][i];
            s_time_t delay = p->fired_at - p->armed_at;
            s_time_t late = delay - p->ms * (s_time_t)NSEC_PER_MSEC;
            uint64_t us = (uint64_t)delay / NSEC_PER_USEC;

            if (!p->fired_at) {
                pr_err("timers: FAILED on cpu%u: %u ms timer never fired\n", cpu, p->ms);
                ok = false;
                continue;
            }
            printk("timers: cpu%u: %u ms timer fired after %lu.%03lu ms%s\n", cpu, p->ms,
                   (unsigned long)(us / 1000), (unsigned long)(us % 1000),
                   late < 0 ? " (EARLY)" : late > PROBE_SLACK_NS ? " (LATE)" : "");
            ok = ok && late >= 0 && late <= PROBE_SLACK_NS;
        }
        good += ok;
    }
    return good;
}

/* Halt between checks (sti;hlt cannot miss the wake-up), up to a second. */
static void probes_wait(unsigned int expected)
{
    uint64_t end = now_ns() + NSEC_PER_SEC;

    timer_init(&probe_poll, probe_poll_fire, NULL, smp_processor_id());
    timer_set(&probe_poll, (s_time_t)now_ns() + PROBE_POLL_NS);
    for (;;) {
        local_irq_disable();
        if (__atomic_load_n(&probes_fired, __ATOMIC_ACQUIRE) >= expected || now_ns() > end)
            break;
        safe_halt();
    }
    local_irq_enable();
    timer_stop(&probe_poll);
}

/* debug_timers: arm, wait for, and judge the probes; `timers: ok on N CPUs`. */
void timer_selftest(void)
{
    bool irqs_were_on = local_irq_enabled();
    unsigned int good;

    if (!debug_timers)
        return;
    local_irq_enable();
    probes_fired = 0;
    smp_call_function_all(probe_arm, NULL);
    probes_wait(nr_cpus_online * PROBES);
    if (!irqs_were_on)
        local_irq_disable();
    good = probes_report();
    if (good == nr_cpus_online)
        printk("timers: ok on %u CPU%s\n", good, good == 1 ? "" : "s");
    else
        pr_err("timers: FAILED: %u of %u CPUs in time\n", good, nr_cpus_online);
}
