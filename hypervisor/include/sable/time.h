/*
 * System time: nanoseconds since boot, monotonic, the same on every CPU.
 *
 * It is derived from the TSC with the fixed-point scaling that Xen's
 * vcpu_time_info gives PV guests (tsc_to_system_mul, tsc_shift):
 *
 *     ns = ((tsc_delta << shift) * mul) >> 32      (shift < 0: right shift)
 *
 * so that a guest reading the TSC itself computes exactly the hypervisor's
 * time. The scaling code is portable (common/time_scale.c) and unit-tested;
 * reading the TSC and calibrating it is arch code (arch/x86/time.c).
 */
#ifndef SABLE_TIME_H
#define SABLE_TIME_H

#include <sable/types.h>

typedef int64_t s_time_t;

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC  1000000000ULL
#define S_TIME_MAX    INT64_MAX

/*
 * A rate conversion: out = ((in << shift) * mul) >> 32, with
 * 2^31 <= mul < 2^32 so that mul keeps 31 significant bits.
 * Layout-compatible in meaning with vcpu_time_info's pair.
 */
struct time_scale {
    uint32_t mul;
    int8_t shift;
};

/*
 * Make s convert counts of a from_hz clock into counts of a to_hz clock.
 * Both rates must be non-zero, at most 2^62, and within a factor 2^31 of
 * each other. Returns 0 or -EINVAL (s unchanged).
 */
int time_scale_init(struct time_scale *s, uint64_t from_hz, uint64_t to_hz);

/* Apply s to delta, in the same order of operations as a Xen PV guest. */
static inline uint64_t time_scale_apply(uint64_t delta, const struct time_scale *s)
{
    if (s->shift < 0)
        delta >>= -s->shift;
    else
        delta <<= s->shift;
    return (uint64_t)(((unsigned __int128)delta * s->mul) >> 32);
}

/* 0 until the TSC is calibrated (time_init). */
uint64_t now_ns(void);

#ifdef SABLE_HYPERVISOR
/*
 * What a PV guest's vcpu_time_info needs: the TSC rate, the TSC -> ns scale,
 * and the boot CPU's TSC value at system time 0.
 */
struct time_params {
    uint64_t tsc_hz;
    struct time_scale tsc_to_ns;
    uint64_t tsc_at_zero;
};
/* Copy of the calibrated parameters; false before time_init(). */
bool time_get_params(struct time_params *out);

/* arch: calibrate TSC and local APIC timer (boot CPU, after apic_init). */
void time_init(void);
/* arch: measure an AP's TSC against the boot CPU (both sides call it). */
void time_sync_bsp(unsigned int cpu);
void time_sync_ap(unsigned int cpu);

/* Busy-wait, from the calibrated TSC. */
void udelay(uint64_t usecs);
void mdelay(uint64_t msecs);
#endif

#endif
