/*
 * Prints the host's TSC rate in kHz, measured against CLOCK_MONOTONIC_RAW.
 *
 * Under QEMU's software CPU a guest's TSC counts at the host's rate. A guest
 * on the microvm machine has no HPET or ACPI PM timer to calibrate it
 * against, so the native Linux boots (tools/linux_native.py) pass this value
 * as tsc_early_khz=. Median of five 40 ms windows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

#define WINDOWS 5

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double window_khz(void)
{
    const struct timespec nap = { 0, 40 * 1000 * 1000 };
    double t0 = now_s(), t1;
    uint64_t c0 = __rdtsc(), c1;

    nanosleep(&nap, NULL);
    t1 = now_s();
    c1 = __rdtsc();
    return (c1 - c0) / (t1 - t0) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int main(void)
{
    double khz[WINDOWS];

    for (int i = 0; i < WINDOWS; i++)
        khz[i] = window_khz();
    qsort(khz, WINDOWS, sizeof(khz[0]), cmp_double);
    printf("%.0f\n", khz[WINDOWS / 2]);
    return 0;
}
