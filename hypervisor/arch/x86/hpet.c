/*
 * Minimal HPET driver: enough to read the main counter as a reference clock.
 * No comparators are used; the counter is started if the firmware left it
 * stopped and left running afterwards.
 */
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <asm/hpet.h>
#include <asm/io.h>

#define HPET_CAP         0x000      /* general capabilities and id */
#define HPET_CFG         0x010      /* general configuration */
#define HPET_COUNTER     0x0f0      /* main counter value */
#define HPET_MMIO_LEN    0x400
#define HPET_CAP_64BIT   (1u << 13)
#define HPET_CFG_ENABLE  (1u << 0)
#define FS_PER_SEC       1000000000000000ULL
#define HPET_MAX_PERIOD  100000000u /* femtoseconds: the spec's 100 ns bound */

static volatile uint8_t *hpet;
static uint64_t hz;
static bool wide;
static uint32_t last_low, high;

/*
 * Map the registers, sanity-check the period (an absent device reads all
 * ones), and start the main counter.
 */
int hpet_init(paddr_t pa)
{
    uint64_t cap;
    uint32_t period;
    int rc = -ENODEV;

    hpet = ioremap(pa, HPET_MMIO_LEN);
    if (!hpet)
        goto out;
    cap = mmio_read64(hpet + HPET_CAP);
    period = (uint32_t)(cap >> 32);
    if (cap == ~0ULL || period == 0 || period > HPET_MAX_PERIOD) {
        hpet = NULL;
        goto out;
    }
    wide = cap & HPET_CAP_64BIT;
    mmio_write64(hpet + HPET_CFG, mmio_read64(hpet + HPET_CFG) | HPET_CFG_ENABLE);
    hz = FS_PER_SEC / period;
    rc = 0;
out:
    return rc;
}

/* Main counter rate, from the period in femtoseconds. */
uint64_t hpet_hz(void)
{
    return hz;
}

/*
 * A 32-bit counter at 14-100 MHz wraps every 40-300 s; the calibration
 * reads it far more often than that, so counting wraps here is enough.
 */
uint64_t hpet_read(void)
{
    uint32_t low;

    if (wide)
        return mmio_read64(hpet + HPET_COUNTER);
    low = mmio_read32(hpet + HPET_COUNTER);
    if (low < last_low)
        high++;
    last_low = low;
    return ((uint64_t)high << 32) | low;
}
