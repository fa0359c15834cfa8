/*
 * TEMPORARY: weak stand-ins for three arch hooks the PV common code calls
 * (vcpu_op.c, vcpu_time.c) and nobody defines yet. A strong definition
 * anywhere replaces them; delete this file once all three exist in
 * arch/x86. Hypervisor-only (never built for the host tests).
 *
 *  - arch_vcpu_initialise: VCPUOP_initialise answers -ENOSYS until the PV
 *    code loads a vcpu_guest_context.
 *  - arch_time_sample: exact on the boot CPU and on any CPU whose TSC
 *    matches it; the real one belongs in arch/x86/time.c, which knows each
 *    CPU's TSC offset.
 *  - arch_rtc_read: CMOS RTC registers 0x00-0x09, century at 0x32 (QEMU,
 *    most PCs), status B; waits out an update and reads until two
 *    snapshots agree. Belongs in arch/x86 next to the other device code.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/time.h>
#include <sable/vcpu_time.h>
#include <asm/io.h>
#include <asm/processor.h>

#define CMOS_INDEX      0x70
#define CMOS_DATA       0x71
#define RTC_STATUS_A    0x0a
#define RTC_STATUS_B    0x0b
#define RTC_CENTURY     0x32
#define RTC_UIP         0x80

int __attribute__((weak)) arch_vcpu_initialise(struct vcpu *v, uint64_t guest_ctxt_va)
{
    return -ENOSYS;
}

bool __attribute__((weak)) arch_time_sample(struct time_sample *s)
{
    struct time_params p;

    if (!time_get_params(&p))
        return false;
    s->tsc = rdtsc();
    s->system_ns = s->tsc > p.tsc_at_zero ? time_scale_apply(s->tsc - p.tsc_at_zero,
                                                             &p.tsc_to_ns) : 0;
    s->tsc_to_ns = p.tsc_to_ns;
    s->tsc_stable = false;
    return true;
}

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

/* One snapshot, taken outside an update cycle; false if UIP never clears. */
static bool rtc_snapshot(struct rtc_regs *r)
{
    unsigned int tries = 0;

    while (cmos_read(RTC_STATUS_A) & RTC_UIP)
        if (++tries > 1000000)
            return false;
    r->sec = cmos_read(0x00);
    r->min = cmos_read(0x02);
    r->hour = cmos_read(0x04);
    r->day = cmos_read(0x07);
    r->mon = cmos_read(0x08);
    r->year = cmos_read(0x09);
    r->century = cmos_read(RTC_CENTURY);
    r->status_b = cmos_read(RTC_STATUS_B);
    return true;
}

bool __attribute__((weak)) arch_rtc_read(struct rtc_regs *r)
{
    struct rtc_regs again;
    unsigned long flags = irq_save();
    bool ok = false;

    for (unsigned int i = 0; i < 5 && !ok; i++)
        ok = rtc_snapshot(r) && rtc_snapshot(&again) && !memcmp(r, &again, sizeof(again));
    irq_restore(flags);
    return ok;
}
