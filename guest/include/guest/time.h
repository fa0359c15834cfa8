/*
 * Paravirtual time: system time in ns from vcpu_time_info and RDTSC,
 * computed exactly as Linux's pvclock does, the wall clock from
 * shared_info, and the vCPU's one-shot timer (VIRQ_TIMER).
 */
#ifndef GUEST_TIME_H
#define GUEST_TIME_H

#include <guest/guest.h>

#define NSEC_PER_USEC   1000UL
#define NSEC_PER_MSEC   1000000UL
#define NSEC_PER_SEC    1000000000UL

static inline uint64_t rdtsc_ordered(void)
{
    uint32_t lo, hi;

    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return ((uint64_t)hi << 32) | lo;
}

/*
 * (delta << shift) * mul >> 32 with a 128-bit product, shift negative
 * meaning a right shift: how ticks become ns (Linux pvclock_scale_delta).
 */
uint64_t pvclock_scale_delta(uint64_t delta, uint32_t mul, int8_t shift);

/* Read a vcpu_time_info consistently (version protocol) and return ns. */
uint64_t pvclock_read(const volatile struct vcpu_time_info *t);

/* This vCPU's system time: ns since the hypervisor booted. */
uint64_t time_now(void);

/* Wall clock at system time 0 (seconds since the epoch, ns). */
void wallclock_read(uint64_t *sec, uint32_t *nsec);

/* VCPUOP_set_singleshot_timer(deadline, flags) on this vCPU. */
long timer_set_singleshot(uint64_t deadline_ns, uint32_t flags);

#endif /* GUEST_TIME_H */
