/*
 * Zeroing and copying whole pages in bulk (domain memory scrubbed before a
 * domain gets it, guest images loaded into it). Plain 8-byte moves, 64
 * bytes per iteration: under QEMU's software CPU every iteration of a REP
 * string instruction is its own trip through the translator, while a loop
 * of ordinary moves is one translated block, so scrubbing a 512 MiB guest
 * takes a fraction of the time. The loops must not become memset/memcpy
 * calls again (no tree-loop-distribute-patterns).
 */
#include <sable/domain.h>
#include <sable/lib.h>

/*
 * Scrub: a 64-byte line is written only when it is not zero already. The
 * result is the same (every byte zero afterwards, whatever the frames held),
 * but memory that is zero costs only the reads: under QEMU the first write
 * to a page of guest RAM costs the host a page fault and a dirty-tracking
 * slow path (about 5 ms per MiB, 2.5 s for a 512 MiB domain), a read of it
 * a fraction of that, and a rewrite of memory already present 0.2 ms per
 * MiB.
 */
__attribute__((optimize("no-tree-loop-distribute-patterns")))
void arch_scrub_pages(void *va, size_t len)
{
    uint64_t *p = va;

    ASSERT(IS_ALIGNED((uintptr_t)va, 8) && IS_ALIGNED(len, 64));
    for (size_t words = len / 8; words; words -= 8, p += 8) {
        if (!(p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7]))
            continue;
        p[0] = 0; p[1] = 0; p[2] = 0; p[3] = 0;
        p[4] = 0; p[5] = 0; p[6] = 0; p[7] = 0;
    }
}

__attribute__((optimize("no-tree-loop-distribute-patterns")))
void copy_page_bulk(void *dst, const void *src, size_t len)
{
    uint64_t *d = dst;
    const uint64_t *s = src;

    if (((uintptr_t)dst | (uintptr_t)src | len) & 63) {
        memcpy(dst, src, len);
        return;
    }
    for (size_t words = len / 8; words; words -= 8, d += 8, s += 8) {
        uint64_t a = s[0], b = s[1], c = s[2], e = s[3];
        uint64_t f = s[4], g = s[5], h = s[6], i = s[7];
        d[0] = a; d[1] = b; d[2] = c; d[3] = e;
        d[4] = f; d[5] = g; d[6] = h; d[7] = i;
    }
}
