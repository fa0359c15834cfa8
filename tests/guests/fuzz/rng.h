/*
 * The fuzzers' random numbers (the PV fuzz kernel and the PVH one in
 * tests/pvh share this header): splitmix64, seeded from the command line
 * so that a failing run can be replayed exactly, and "interesting" values,
 * the boundaries where argument checks go wrong (0, -1, sign bits, 32-bit
 * edges, page edges, the canonical-address edge, the guest/hypervisor
 * split) mixed with plain random numbers.
 *
 * Header-only, freestanding: stdint and stdbool only.
 */
#ifndef FUZZ_RNG_H
#define FUZZ_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct fuzz_rng {
    uint64_t state;
};

static inline void rng_seed(struct fuzz_rng *r, uint64_t seed)
{
    r->state = seed;
}

/* splitmix64 (Steele, Lea, Flood): every seed gives a full-period stream. */
static inline uint64_t rng_next(struct fuzz_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) (n = 0 gives 0); the modulo bias is irrelevant here. */
static inline uint64_t rng_below(struct fuzz_rng *r, uint64_t n)
{
    return n ? rng_next(r) % n : 0;
}

/* True with probability percent / 100. */
static inline bool rng_chance(struct fuzz_rng *r, unsigned int percent)
{
    return rng_below(r, 100) < percent;
}

/* Boundary values of 64-bit arguments. */
static const uint64_t fuzz_boundaries[] = {
    0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256,
    0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x1001, 0xffff, 0x10000,
    0x7fff, 0x8000, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
    0x7fffffffffffULL, 0x800000000000ULL, 0xffff800000000000ULL,
    0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xfffffffffffff000ULL,
    0xfffffffffffffffeULL, 0xffffffffffffffffULL,
    0xffff800000000000ULL, 0xffff82d080000000ULL, 0xffff830000000000ULL,
    0xffff87ffffffffffULL, 0xffff880000000000ULL,
};

/*
 * A value for any 64-bit argument: a boundary, a boundary nudged by a
 * little, one bit, a small number, or anything at all.
 */
static inline uint64_t rng_interesting(struct fuzz_rng *r)
{
    uint64_t n = sizeof(fuzz_boundaries) / sizeof(fuzz_boundaries[0]);

    switch (rng_below(r, 6)) {
    case 0:
    case 1:
        return fuzz_boundaries[rng_below(r, n)];
    case 2:
        return fuzz_boundaries[rng_below(r, n)] + rng_below(r, 9) - 4;
    case 3:
        return 1ULL << rng_below(r, 64);
    case 4:
        return rng_below(r, 64);
    default:
        return rng_next(r);
    }
}

/*
 * A sub-command or index where `last` is the highest known one: mostly
 * 0 .. last + 3 (every valid one and a few past the end), sometimes an
 * interesting value.
 */
static inline uint64_t rng_cmd(struct fuzz_rng *r, uint64_t last)
{
    return rng_chance(r, 85) ? rng_below(r, last + 4) : rng_interesting(r);
}

#endif /* FUZZ_RNG_H */
