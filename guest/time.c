/*
 * Paravirtual time, guest side. The hypervisor publishes, per vCPU, the TSC
 * and system time of its last update and the TSC-to-ns scale; the guest
 * extrapolates with RDTSC. Same arithmetic as Linux (pvclock.h), so these
 * kernels check what Linux will compute.
 */
#include <guest/hypercall.h>
#include <guest/time.h>

uint64_t pvclock_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/*
 * The writer makes version odd, updates, makes it even: retry while it was
 * odd (bit 0 dropped, so it cannot match again) or changed under us.
 */
uint64_t pvclock_read(const volatile struct vcpu_time_info *t)
{
    uint32_t version;
    uint64_t ns;

    do {
        version = t->version & ~1U;
        barrier();
        ns = t->system_time +
             pvclock_scale_delta(rdtsc_ordered() - t->tsc_timestamp,
                                 t->tsc_to_system_mul, t->tsc_shift);
        barrier();
    } while (version != t->version);
    return ns;
}

uint64_t time_now(void)
{
    return pvclock_read(&this_vcpu_info()->time);
}

void wallclock_read(uint64_t *sec, uint32_t *nsec)
{
    const volatile struct shared_info *s = shared_info;
    uint32_t version;

    do {
        version = s->wc_version & ~1U;
        barrier();
        *sec = ((uint64_t)s->wc_sec_hi << 32) | s->wc_sec;
        *nsec = s->wc_nsec;
        barrier();
    } while (version != s->wc_version);
}

long timer_set_singleshot(uint64_t deadline_ns, uint32_t flags)
{
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline_ns, .flags = flags };

    return hypercall_vcpu_op(VCPUOP_set_singleshot_timer, smp_vcpu_id(), &t);
}
