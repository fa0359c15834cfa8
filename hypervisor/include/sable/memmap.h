/*
 * Physical memory maps as lists of usable RAM ranges.
 *
 * The loader's map (boot_info.mmap) may be unsorted, may overlap and may mix
 * types; memmap_sanitize() turns it into the one form the rest of the memory
 * code uses: sorted, non-overlapping, page-aligned [start, end) ranges of
 * usable RAM. The other helpers carve reserved ranges out of such a list and
 * find room in it. All portable (unit-tested on the host).
 */
#ifndef SABLE_MEMMAP_H
#define SABLE_MEMMAP_H

#include <sable/bootinfo.h>
#include <sable/types.h>

/* Physical addresses at or above this are ignored (x86 MAXPHYADDR limit). */
#define MEMMAP_PADDR_LIMIT (1ULL << 52)

/* Room for any sanitized map of BOOT_MMAP_MAX entries (each cut adds one). */
#define MEMMAP_MAX (2 * BOOT_MMAP_MAX)

struct ram_range {
    paddr_t start, end;             /* [start, end), both page-aligned */
};

/*
 * Usable RAM from a loader map: MEM_RAM only, anything else covering the same
 * bytes wins, ranges merged and shrunk inward to whole pages. Returns the
 * number of ranges written to out, -E2BIG if nr_in > BOOT_MMAP_MAX, or
 * -ENOSPC if out is too small.
 */
int memmap_sanitize(const struct mem_range *in, unsigned int nr_in,
                    struct ram_range *out, unsigned int max_out);

/*
 * Remove [start, end), widened to whole pages, from the sorted list r of *nr
 * ranges (capacity max). 0, or -ENOSPC (list unchanged) when cutting a hole
 * would need a slot that is not there, -EINVAL when start > end.
 */
int memmap_subtract(struct ram_range *r, unsigned int *nr, unsigned int max,
                    paddr_t start, paddr_t end);

/*
 * The highest page-aligned place for size bytes lying inside one range and
 * below limit: 0 with *out set, or -ENOMEM.
 */
int memmap_find_top(const struct ram_range *r, unsigned int nr, uint64_t size,
                    paddr_t limit, paddr_t *out);

/* Total bytes in the list. */
uint64_t memmap_total(const struct ram_range *r, unsigned int nr);

#endif /* SABLE_MEMMAP_H */
