/*
 * Summaries of timing samples (benchmarks): sort the samples and pick the
 * order statistics. Portable: built into the hypervisor, the PV test
 * kernels (guest/, which include this file by path) and the host unit
 * tests; hence only the compiler's own headers.
 */
#ifndef SABLE_STATS_H
#define SABLE_STATS_H

#include <stddef.h>
#include <stdint.h>

struct sample_stats {
    uint64_t n;
    uint64_t min, median, p90, max;
    uint64_t mean;                  /* rounded down */
};

/* Sort samples[0..n) ascending, in place (heap sort: no recursion, no allocation). */
void sort_u64(uint64_t *v, size_t n);

/* Sort the samples and fill *out; with n == 0 every figure is 0. */
void sample_stats(uint64_t *samples, size_t n, struct sample_stats *out);

#endif
