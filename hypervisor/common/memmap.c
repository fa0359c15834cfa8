/*
 * Memory-map sanitizing and range arithmetic (see sable/memmap.h).
 *
 * Firmware maps are small (tens of entries), so the algorithms here are the
 * plain quadratic ones: easy to check, and no allocation needed.
 */
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/memmap.h>

/* [*s, *e) of a loader entry, clipped to what x86 can address; false if empty. */
static bool entry_bounds(const struct mem_range *m, paddr_t *s, paddr_t *e)
{
    if (!m->len || m->addr >= MEMMAP_PADDR_LIMIT)
        return false;
    *s = m->addr;
    *e = (m->len > MEMMAP_PADDR_LIMIT - m->addr) ? MEMMAP_PADDR_LIMIT : m->addr + m->len;
    return true;
}

/*
 * Every address where some entry starts or ends, sorted and without
 * duplicates: between two neighbours the set of covering entries is constant.
 */
static unsigned int collect_bounds(const struct mem_range *in, unsigned int nr_in, paddr_t *pts)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < nr_in; i++) {
        paddr_t s, e;
        if (!entry_bounds(&in[i], &s, &e))
            continue;
        pts[n++] = s;
        pts[n++] = e;
    }
    for (unsigned int i = 1; i < n; i++) {          /* insertion sort */
        paddr_t v = pts[i];
        unsigned int j = i;
        for (; j > 0 && pts[j - 1] > v; j--)
            pts[j] = pts[j - 1];
        pts[j] = v;
    }
    unsigned int out = 0;
    for (unsigned int i = 0; i < n; i++)
        if (!out || pts[out - 1] != pts[i])
            pts[out++] = pts[i];
    return out;
}

/* Is [s, e) covered by RAM and by nothing else? */
static bool span_usable(const struct mem_range *in, unsigned int nr_in, paddr_t s, paddr_t e)
{
    bool ram = false;

    for (unsigned int i = 0; i < nr_in; i++) {
        paddr_t es, ee;
        if (!entry_bounds(&in[i], &es, &ee) || ee <= s || es >= e)
            continue;
        if (in[i].type != MEM_RAM)
            return false;
        ram = true;
    }
    return ram;
}

/* Append [s, e) shrunk to whole pages, if anything is left of it. */
static int emit(struct ram_range *out, unsigned int *n, unsigned int max, paddr_t s, paddr_t e)
{
    s = ALIGN_UP(s, PAGE_SIZE);
    e = ALIGN_DOWN(e, PAGE_SIZE);
    if (s >= e)
        return 0;
    if (*n >= max)
        return -ENOSPC;
    out[*n].start = s;
    out[*n].end = e;
    (*n)++;
    return 0;
}

/*
 * Walk the elementary spans between boundaries in address order, growing a
 * run while spans are usable RAM and emitting it when one is not. Alignment
 * happens per run, so two RAM entries meeting inside a page still give it.
 */
int memmap_sanitize(const struct mem_range *in, unsigned int nr_in,
                    struct ram_range *out, unsigned int max_out)
{
    paddr_t pts[2 * BOOT_MMAP_MAX];
    paddr_t run_start = 0, run_end = 0;
    unsigned int npts, n = 0;
    bool in_run = false;
    int rc = 0;

    if (nr_in > BOOT_MMAP_MAX)
        return -E2BIG;
    npts = collect_bounds(in, nr_in, pts);
    for (unsigned int i = 0; i + 1 < npts && !rc; i++) {
        bool usable = span_usable(in, nr_in, pts[i], pts[i + 1]);
        if (usable && in_run && run_end == pts[i]) {
            run_end = pts[i + 1];
            continue;
        }
        if (in_run)
            rc = emit(out, &n, max_out, run_start, run_end);
        in_run = usable;
        run_start = pts[i];
        run_end = pts[i + 1];
    }
    if (!rc && in_run)
        rc = emit(out, &n, max_out, run_start, run_end);
    return rc ? rc : (int)n;
}

int memmap_subtract(struct ram_range *r, unsigned int *nr, unsigned int max,
                    paddr_t start, paddr_t end)
{
    if (start > end)
        return -EINVAL;
    start = ALIGN_DOWN(start, PAGE_SIZE);
    end = ALIGN_UP(end, PAGE_SIZE);
    if (start == end)
        return 0;
    /* At most one range can strictly contain the hole: check room first. */
    for (unsigned int i = 0; i < *nr; i++)
        if (r[i].start < start && r[i].end > end && *nr >= max)
            return -ENOSPC;

    for (unsigned int i = 0; i < *nr;) {
        struct ram_range *x = &r[i];
        if (x->end <= start || x->start >= end) {
            i++;
        } else if (x->start < start && x->end > end) {
            memmove(&r[i + 2], &r[i + 1], (*nr - i - 1) * sizeof(*r));
            r[i + 1].start = end;
            r[i + 1].end = x->end;
            x->end = start;
            (*nr)++;
            i += 2;
        } else if (x->start < start) {
            x->end = start;
            i++;
        } else if (x->end > end) {
            x->start = end;
            i++;
        } else {
            memmove(&r[i], &r[i + 1], (*nr - i - 1) * sizeof(*r));
            (*nr)--;
        }
    }
    return 0;
}

int memmap_find_top(const struct ram_range *r, unsigned int nr, uint64_t size,
                    paddr_t limit, paddr_t *out)
{
    size = ALIGN_UP(size, PAGE_SIZE);
    limit = ALIGN_DOWN(limit, PAGE_SIZE);
    for (unsigned int i = nr; i-- > 0;) {
        paddr_t top = MIN(r[i].end, limit);
        if (top > r[i].start && top - r[i].start >= size) {
            *out = top - size;
            return 0;
        }
    }
    return -ENOMEM;
}

uint64_t memmap_total(const struct ram_range *r, unsigned int nr)
{
    uint64_t sum = 0;

    for (unsigned int i = 0; i < nr; i++)
        sum += r[i].end - r[i].start;
    return sum;
}
