/*
 * The hypervisor's back-end for guests' PV console rings (Xen's
 * struct xencons_interface, include/public/io/console.h), serving every
 * domain's ring until dom0's console back-end takes over.
 *
 * The guest writes bytes into out[] and advances out_prod, then signals its
 * console port; that calls console_ring_event() here (the port is unbound
 * for dom0, served by the hypervisor meanwhile: evtchn_alloc_xen_port),
 * which prints the bytes through guest_console_put() (tagged `(dN)`,
 * rate-limited, the same path as console_io) and advances out_cons. Serial
 * input (common/console_input.c) goes into in[] and advances in_prod, with
 * an event.
 *
 * The page is shared with a hostile guest. The indices we own (out_cons,
 * in_prod) are kept here and only ever written to the page; the guest's
 * (out_prod, in_cons) are read once per use and checked: a producer more
 * than a ring ahead of us, or a consumer ahead of what we produced, is
 * impossible, so the update is ignored (counted, reported) and we
 * resynchronise to the guest's index. Every byte address is masked into its
 * array, and one drain reads at most one ring's worth: a guest can make us
 * print only what it could have printed with console_io, under the same
 * rate limit.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/event.h>
#include <sable/guest_console.h>
#include <sable/lib.h>
#include <sable/page.h>
#include <sable/spinlock.h>

#include "public/io/console.h"

#define DRAIN_CHUNK 256                 /* bytes printed at a time */

static void console_ring_event(struct domain *d, unsigned int port);

/*
 * Report an impossible update: the 1st, 2nd, 4th, 8th... of a domain, so a
 * guest doing it in a loop costs a line per doubling, not per event.
 */
static void ring_bad_update(struct domain *d, const char *what, uint32_t theirs,
                            uint32_t ours)
{
    uint64_t n = ++d->console.ring_bad;

    if ((n & (n - 1)) == 0)
        printk("dom%u: console ring: impossible %s %#x (ours %#x): ignored (%lu so far)\n",
               d->domain_id, what, theirs, ours, (unsigned long)n);
}

/*
 * Do we still serve d's ring? Not once d has closed the port or its remote
 * domain has bound it (dom0's back-end took over: the indices are its now).
 */
bool console_ring_attached(struct domain *d)
{
    return __atomic_load_n(&d->console.ring, __ATOMIC_ACQUIRE) &&
           evtchn_is_xen_port(d, d->console.ring_port, console_ring_event);
}

int console_ring_attach(struct domain *d, mfn_t mfn)
{
    struct guest_console *c = &d->console;
    struct xencons_interface *ring;
    unsigned long flags;
    int port;

    if (page_get_writable(mfn, d->domain_id))
        return -EINVAL;
    port = evtchn_alloc_xen_port(d, 0 /* dom0's console back-end */, console_ring_event);
    if (port < 0) {
        page_put_writable(mfn);
        return port;
    }
    ring = page_to_virt(mfn_to_page(mfn));
    flags = spin_lock_irqsave(&c->ring_lock);
    if (c->ring) {
        spin_unlock_irqrestore(&c->ring_lock, flags);
        evtchn_close(d, port);
        page_put_writable(mfn);
        return -EINVAL;
    }
    /* Start from what the page says (a new page: all zero). */
    c->ring_out_cons = __atomic_load_n(&ring->out_cons, __ATOMIC_RELAXED);
    c->ring_in_prod = __atomic_load_n(&ring->in_prod, __ATOMIC_RELAXED);
    c->ring_port = port;
    __atomic_store_n(&c->ring, ring, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&c->ring_lock, flags);
    return port;
}

void console_ring_detach(struct domain *d)
{
    struct guest_console *c = &d->console;
    unsigned long flags = spin_lock_irqsave(&c->ring_lock);
    struct xencons_interface *ring = c->ring;

    __atomic_store_n(&c->ring, NULL, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&c->ring_lock, flags);
    if (!ring)
        return;
    /*
     * The port is left alone: d may have closed it and reused the number;
     * its remaining ports are closed when the domain goes.
     */
    page_put_writable(virt_to_mfn(ring));
    if (c->ring_bad || c->ring_in_dropped)
        printk("dom%u: console ring: %lu impossible updates ignored, %lu input bytes "
               "dropped (ring full)\n", d->domain_id, (unsigned long)c->ring_bad,
               (unsigned long)c->ring_in_dropped);
}

/*
 * Take up to len output bytes that lie between our out_cons and end (the
 * guest's out_prod as read at the start of this drain) into buf, and
 * advance out_cons past them. 0 when there is nothing (left) to take.
 */
static size_t ring_take(struct domain *d, uint32_t end, char *buf, size_t len)
{
    struct guest_console *c = &d->console;
    unsigned long flags = spin_lock_irqsave(&c->ring_lock);
    struct xencons_interface *ring = c->ring;
    uint32_t cons = c->ring_out_cons, ahead = end - cons;
    size_t n = 0;

    /* A concurrent drain may have gone past end already: ahead wraps, > size. */
    if (ring && ahead <= XENCONS_OUT_SIZE) {
        n = MIN((size_t)ahead, len);
        for (size_t i = 0; i < n; i++)
            buf[i] = __atomic_load_n(&ring->out[MASK_XENCONS_IDX(cons + i, ring->out)],
                                     __ATOMIC_RELAXED);
        c->ring_out_cons = cons + n;
        __atomic_store_n(&ring->out_cons, c->ring_out_cons, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&c->ring_lock, flags);
    return n;
}

/* The guest's out_prod, checked against our out_cons; resync on nonsense. */
static bool ring_out_end(struct domain *d, uint32_t *end)
{
    struct guest_console *c = &d->console;
    unsigned long flags = spin_lock_irqsave(&c->ring_lock);
    struct xencons_interface *ring = c->ring;
    bool ok = ring != NULL;

    if (ok) {
        *end = __atomic_load_n(&ring->out_prod, __ATOMIC_ACQUIRE);
        if (*end - c->ring_out_cons > XENCONS_OUT_SIZE) {
            ring_bad_update(d, "out_prod", *end, c->ring_out_cons);
            c->ring_out_cons = *end;
            __atomic_store_n(&ring->out_cons, *end, __ATOMIC_RELEASE);
        }
    }
    spin_unlock_irqrestore(&c->ring_lock, flags);
    return ok;
}

/*
 * Print what the guest wrote. A guest that found the ring (nearly) full
 * waits for room: it is signalled when a drain takes at least half a ring.
 * Not after every drain, as xenconsoled does: each signal is an interrupt
 * and a console poll in the guest, for every line it writes (Linux's hvc
 * driver writes 16 bytes at a time and does not wait for it anyway).
 */
void console_ring_drain(struct domain *d)
{
    char buf[DRAIN_CHUNK];
    uint32_t end, took = 0;
    size_t n;

    if (!console_ring_attached(d) || !ring_out_end(d, &end))
        return;
    while ((n = ring_take(d, end, buf, sizeof(buf)))) {
        guest_console_put(d, buf, n);
        took += n;
    }
    if (took >= XENCONS_OUT_SIZE / 2)
        evtchn_notify_from_xen(d, d->console.ring_port, console_ring_event);
}

/* The guest signalled its console port: print what it wrote. */
static void console_ring_event(struct domain *d, unsigned int port)
{
    if (port == d->console.ring_port)
        console_ring_drain(d);
}

long console_ring_input(struct domain *d, const char *s, size_t n)
{
    struct guest_console *c = &d->console;
    unsigned long flags;
    struct xencons_interface *ring;
    uint32_t prod, used, space;
    size_t k;

    if (!console_ring_attached(d))
        return -ENODEV;
    flags = spin_lock_irqsave(&c->ring_lock);
    ring = c->ring;
    prod = c->ring_in_prod;
    if (!ring) {
        spin_unlock_irqrestore(&c->ring_lock, flags);
        return -ENODEV;
    }
    used = prod - __atomic_load_n(&ring->in_cons, __ATOMIC_ACQUIRE);
    if (used > XENCONS_IN_SIZE) {
        /* A consumer ahead of us: the guest says the ring is empty, let it be. */
        ring_bad_update(d, "in_cons", prod - used, prod);
        prod -= used;
        used = 0;
    }
    space = XENCONS_IN_SIZE - used;
    k = MIN(n, (size_t)space);
    for (size_t i = 0; i < k; i++)
        __atomic_store_n(&ring->in[MASK_XENCONS_IDX(prod + i, ring->in)], s[i],
                         __ATOMIC_RELAXED);
    c->ring_in_prod = prod + k;
    __atomic_store_n(&ring->in_prod, c->ring_in_prod, __ATOMIC_RELEASE);
    c->ring_in_dropped += n - k;
    spin_unlock_irqrestore(&c->ring_lock, flags);
    if (k)
        evtchn_notify_from_xen(d, c->ring_port, console_ring_event);
    return k;
}
