/*
 * Paravirtual time for guests (common/vcpu_time.c): each vCPU's
 * vcpu_time_info (pvclock) and each domain's wall clock in shared_info,
 * plus the two arch hooks they are built from.
 *
 * A guest computes system time as
 *     system_time + (((rdtsc() - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32
 * so the hypervisor publishes, for the CPU the vCPU runs on, one TSC value
 * and the system time at exactly that TSC value, with the TSC -> ns scale
 * now_ns() itself uses (sable/time.h). The wall clock is the time of day at
 * system time 0, from the CMOS RTC read once.
 */
#ifndef SABLE_VCPU_TIME_H
#define SABLE_VCPU_TIME_H

#include <sable/time.h>
#include <sable/types.h>

struct vcpu;
struct domain;

/*
 * Refresh v's vcpu_time_info (odd/even version protocol). The scheduler
 * calls it when v is switched in; also called when v's vcpu_info moves.
 */
void update_vcpu_system_time(struct vcpu *v);

/* Write the wall clock into d's shared_info (odd/even wc_version). */
void domain_wallclock_update(struct domain *d);

/* One consistent reading of this CPU's TSC and of system time. */
struct time_sample {
    uint64_t tsc;                   /* this CPU's TSC */
    uint64_t system_ns;             /* system time at exactly that TSC value */
    struct time_scale tsc_to_ns;    /* the scale now_ns() uses */
    bool tsc_stable;                /* invariant and synchronised on every CPU */
};

/* arch: take a sample; false before the TSC is calibrated. */
bool arch_time_sample(struct time_sample *s);

/* The CMOS RTC's registers, raw (BCD or binary, 12 or 24 hour, per status_b). */
struct rtc_regs {
    uint8_t sec, min, hour, day, mon, year;
    uint8_t century;                /* used only if it reads 19..21 (else 0) */
    uint8_t status_b;               /* bit 2: binary, bit 1: 24-hour */
};

/* arch: read the RTC (a stable, not-updating snapshot); false if there is none. */
bool arch_rtc_read(struct rtc_regs *r);

/*
 * Seconds since 1970-01-01 00:00 UTC (the RTC is taken to run in UTC) for
 * the RTC registers r: 0, or -EINVAL for an impossible date or time.
 */
int rtc_to_epoch(const struct rtc_regs *r, uint64_t *sec);

#endif
