/*
 * XenStore ring arithmetic (dom0/include/dom0/xs_ring.h). Indices are
 * read once each: the other side may change them at any moment, and a
 * value read twice could differ between the check and the use.
 */
#include <dom0/libc.h>
#include <dom0/xs_ring.h>

#define ring_mb()   __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define ring_rmb()  __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define ring_wmb()  __atomic_thread_fence(__ATOMIC_RELEASE)

int xs_ring_get(const char *ring, volatile XENSTORE_RING_IDX *cons,
                const volatile XENSTORE_RING_IDX *prod, void *dst, size_t len)
{
    XENSTORE_RING_IDX c = *cons, p = *prod;
    uint32_t avail = p - c, off = MASK_XENSTORE_IDX(c), first;
    size_t n;

    ring_rmb();                         /* the bytes after the index */
    if (avail > XENSTORE_RING_SIZE)
        return XS_RING_BAD;
    n = DOM0_MIN(len, avail);
    first = DOM0_MIN(n, (size_t)(XENSTORE_RING_SIZE - off));
    memcpy(dst, ring + off, first);
    memcpy((char *)dst + first, ring, n - first);
    ring_mb();                          /* done reading before the slot is reused */
    *cons = c + (XENSTORE_RING_IDX)n;
    return (int)n;
}

int xs_ring_put(char *ring, const volatile XENSTORE_RING_IDX *cons,
                volatile XENSTORE_RING_IDX *prod, const void *src, size_t len)
{
    XENSTORE_RING_IDX c = *cons, p = *prod;
    uint32_t used = p - c, off = MASK_XENSTORE_IDX(p), first;
    size_t n;

    ring_mb();                          /* the reader is done with the space */
    if (used > XENSTORE_RING_SIZE)
        return XS_RING_BAD;
    n = DOM0_MIN(len, (size_t)(XENSTORE_RING_SIZE - used));
    first = DOM0_MIN(n, (size_t)(XENSTORE_RING_SIZE - off));
    memcpy(ring + off, src, first);
    memcpy(ring, (const char *)src + first, n - first);
    ring_wmb();                         /* bytes visible before the index */
    *prod = p + (XENSTORE_RING_IDX)n;
    return (int)n;
}
