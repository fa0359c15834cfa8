/*
 * Paravirtual time: the vcpu_time_info of each vCPU and the wall clock of
 * each domain, both written with Xen's version protocol (odd while being
 * written, even when consistent; a reader retries on odd or changed).
 *
 * vcpu_time_info is refreshed when a vCPU is switched in: from then on the
 * guest extrapolates with the TSC of the CPU it runs on, exactly as Linux's
 * pvclock does. The TSC is not advertised as stable (flags 0) unless the
 * arch says it is invariant and synchronised.
 *
 * The wall clock is the UTC time at system time 0: the CMOS RTC (one-second
 * resolution) read on first use, minus the system time of that reading.
 * Without an RTC it stays 0 (1970), which guests show as a wrong date, not
 * as an error.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/spinlock.h>
#include <sable/vcpu_time.h>

#include "public/xen.h"

#define RTC_STATUS_B_BINARY 0x04
#define RTC_STATUS_B_24H    0x02
#define RTC_HOUR_PM         0x80

static spinlock_t wallclock_lock = SPINLOCK_INIT;
/* Guarded by wallclock_lock; fixed once wallclock_known. */
static bool wallclock_known;
static uint64_t wallclock_sec;      /* UTC at system time 0 */
static uint32_t wallclock_nsec;

/* ---- the RTC ---- */

/* One RTC field as a number: BCD unless binary; -1 for a bad BCD digit. */
static int rtc_field(uint8_t v, bool binary)
{
    if (binary)
        return v;
    if ((v & 0x0f) > 9 || (v >> 4) > 9)
        return -1;
    return (v >> 4) * 10 + (v & 0x0f);
}

static bool is_leap(uint64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned int days_in_month(uint64_t y, unsigned int m)
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return days[m - 1] + (m == 2 && is_leap(y));
}

/* Hour 0..23 from the raw register, or -1 (12-hour mode: 12 AM is 0). */
static int rtc_hour(uint8_t raw, bool binary, bool h24)
{
    int h = rtc_field(h24 ? raw : (uint8_t)(raw & ~RTC_HOUR_PM), binary);

    if (h24)
        return h <= 23 ? h : -1;
    if (h < 1 || h > 12)
        return -1;
    return (h % 12) + ((raw & RTC_HOUR_PM) ? 12 : 0);
}

int rtc_to_epoch(const struct rtc_regs *r, uint64_t *sec)
{
    bool binary = r->status_b & RTC_STATUS_B_BINARY;
    int s = rtc_field(r->sec, binary), mi = rtc_field(r->min, binary);
    int h = rtc_hour(r->hour, binary, r->status_b & RTC_STATUS_B_24H);
    int d = rtc_field(r->day, binary), mo = rtc_field(r->mon, binary);
    int yy = rtc_field(r->year, binary), cc = rtc_field(r->century, binary);
    uint64_t year, days = 0;

    if (s < 0 || s > 59 || mi < 0 || mi > 59 || h < 0 || mo < 1 || mo > 12 || yy < 0 ||
        yy > 99)
        return -EINVAL;
    /*
     * A century register that reads 19..21 is believed; otherwise (none, or
     * a machine without one at 0x32) years 70..99 are 19xx, the rest 20xx.
     */
    if (cc >= 19 && cc <= 21)
        year = (uint64_t)cc * 100 + yy;
    else
        year = (uint64_t)(yy >= 70 ? 1900 : 2000) + yy;
    if (year < 1970 || d < 1 || (unsigned int)d > days_in_month(year, mo))
        return -EINVAL;
    for (uint64_t y = 1970; y < year; y++)
        days += is_leap(y) ? 366 : 365;
    for (int m = 1; m < mo; m++)
        days += days_in_month(year, m);
    days += d - 1;
    *sec = ((days * 24 + h) * 60 + mi) * 60 + s;
    return 0;
}

/* Learn the wall clock at system time 0, once. */
static void wallclock_init(void)
{
    unsigned long flags = spin_lock_irqsave(&wallclock_lock);
    struct rtc_regs r;
    uint64_t sec, now, boot_ns;

    if (!wallclock_known) {
        wallclock_known = true;
        if (arch_rtc_read(&r) && rtc_to_epoch(&r, &sec) == 0) {
            now = now_ns();
            boot_ns = sec * NSEC_PER_SEC > now ? sec * NSEC_PER_SEC - now : 0;
            wallclock_sec = boot_ns / NSEC_PER_SEC;
            wallclock_nsec = boot_ns % NSEC_PER_SEC;
        } else {
            pr_warn("time: no usable RTC, guests' wall clock starts at 1970\n");
        }
    }
    spin_unlock_irqrestore(&wallclock_lock, flags);
}

/* ---- what the guest reads ---- */

/* Begin and end a versioned update of guest-visible fields. */
static uint32_t version_begin(uint32_t *version)
{
    uint32_t v = __atomic_load_n(version, __ATOMIC_RELAXED);

    __atomic_store_n(version, (v + 1) | 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    return (v + 1) | 1;
}

static void version_end(uint32_t *version, uint32_t odd)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(version, odd + 1, __ATOMIC_RELAXED);
}

void domain_wallclock_update(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    uint32_t odd;

    wallclock_init();
    odd = version_begin(&s->wc_version);
    s->wc_sec = (uint32_t)wallclock_sec;
    s->wc_sec_hi = (uint32_t)(wallclock_sec >> 32);
    s->wc_nsec = wallclock_nsec;
    version_end(&s->wc_version, odd);
}

void update_vcpu_system_time(struct vcpu *v)
{
    struct vcpu_time_info *t = &v->vcpu_info->time;
    struct time_sample smp;
    uint32_t odd;

    if (!arch_time_sample(&smp))
        return;
    odd = version_begin(&t->version);
    t->tsc_timestamp = smp.tsc;
    t->system_time = smp.system_ns;
    t->tsc_to_system_mul = smp.tsc_to_ns.mul;
    t->tsc_shift = smp.tsc_to_ns.shift;
    t->flags = smp.tsc_stable ? XEN_PVCLOCK_TSC_STABLE_BIT : 0;
    version_end(&t->version, odd);
}
