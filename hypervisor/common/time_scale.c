/*
 * Fixed-point rate conversion (see sable/time.h). Portable: used for the
 * TSC -> ns scale of system time (and of PV guests' vcpu_time_info), and for
 * ns -> TSC / APIC-timer ticks when programming timer deadlines.
 */
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/time.h>

#define RATE_MAX (1ULL << 62)

/*
 * Find shift so that from_hz * 2^shift lies in (to_hz, 2 * to_hz]; then
 * mul = 2^32 * to_hz / (from_hz * 2^shift) is in [2^31, 2^32). The division
 * is done on 32-bit operands (both rates shifted down together), which keeps
 * it a plain 64/64 divide with no libgcc helper and loses under 1e-9.
 */
int time_scale_init(struct time_scale *s, uint64_t from_hz, uint64_t to_hz)
{
    uint64_t f = from_hz, t = to_hz, mul;
    int shift = 0;

    if (!f || !t || f > RATE_MAX || t > RATE_MAX)
        return -EINVAL;
    while (f > 2 * t) {
        f >>= 1;
        shift--;
    }
    while (f <= t) {
        f <<= 1;
        shift++;
    }
    if (shift < -31 || shift > 31)
        return -EINVAL;
    while (f > UINT32_MAX) {
        f >>= 1;
        t >>= 1;
    }
    mul = (t << 32) / f;
    s->mul = mul > UINT32_MAX ? UINT32_MAX : (uint32_t)mul;
    s->shift = (int8_t)shift;
    return 0;
}
