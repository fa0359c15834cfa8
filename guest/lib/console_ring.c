/*
 * PV console ring client (guest/include/guest/console_ring.h). Indexes run
 * freely and are masked to address a byte; the producer index is published
 * after the bytes (a store barrier, which x86 gives for free between normal
 * stores; the compiler barrier keeps the order), the consumer's read before
 * the bytes are looked at.
 */
#include <guest/console_ring.h>
#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/time.h>

#define WRITE_WAIT  NSEC_PER_SEC

static struct xencons_interface *ring;
static evtchn_port_t ring_port;

/* The bootstrap-region address of machine frame mfn (the p2m list, searched). */
static void *mfn_to_virt(uint64_t mfn)
{
    for (uint64_t pfn = 0; pfn < start_info->nr_pages; pfn++)
        if (pfn_to_mfn(pfn) == mfn)
            return pfn_to_virt(pfn);
    return NULL;
}

long console_ring_init(void)
{
    if ((start_info->flags & SIF_INITDOMAIN) || !start_info->console.domU.mfn)
        return -XEN_ENODEV;
    ring = mfn_to_virt(start_info->console.domU.mfn);
    ring_port = start_info->console.domU.evtchn;
    return ring ? 0 : -XEN_ENODEV;
}

struct xencons_interface *console_ring_page(void)
{
    return ring;
}

evtchn_port_t console_ring_port(void)
{
    return ring_port;
}

/* Block (SCHEDOP_poll) until the port is pending or the deadline; clear it. */
static void ring_poll(uint64_t deadline)
{
    evtchn_port_t ports[1] = { ring_port };
    struct sched_poll poll = { .ports = guest_handle_from_ptr(ports), .nr_ports = 1,
                               .timeout = deadline };

    if (!evtchn_is_pending(ring_port))
        hypercall_sched_op(SCHEDOP_poll, &poll);
    evtchn_clear(ring_port);
}

long console_ring_write(const char *buf, size_t len)
{
    uint64_t give_up = time_now() + WRITE_WAIT;
    size_t done = 0;

    if (!ring)
        return -XEN_ENODEV;
    while (done < len) {
        XENCONS_RING_IDX cons = READ_ONCE(ring->out_cons), prod = ring->out_prod;
        size_t room = XENCONS_OUT_SIZE - (prod - cons), n = len - done;

        if (room == 0) {
            evtchn_send(ring_port);
            if (time_now() > give_up)
                return -XEN_EAGAIN;
            ring_poll(time_now() + WRITE_WAIT / 10);
            continue;
        }
        n = n < room ? n : room;
        for (size_t i = 0; i < n; i++)
            ring->out[MASK_XENCONS_IDX(prod + i, ring->out)] = buf[done + i];
        barrier();
        WRITE_ONCE(ring->out_prod, prod + n);
        done += n;
    }
    evtchn_send(ring_port);
    return len;
}

/* Input bytes waiting; 0 also when the indices make no sense (more than a ring). */
static XENCONS_RING_IDX ring_in_avail(void)
{
    XENCONS_RING_IDX avail = READ_ONCE(ring->in_prod) - ring->in_cons;

    return avail <= XENCONS_IN_SIZE ? avail : 0;
}

size_t console_ring_read(char *buf, size_t len)
{
    XENCONS_RING_IDX cons, prod;
    size_t n = 0;

    if (!ring || !ring_in_avail())
        return 0;
    cons = ring->in_cons;
    prod = READ_ONCE(ring->in_prod);
    barrier();
    while (n < len && cons != prod)
        buf[n++] = ring->in[MASK_XENCONS_IDX(cons++, ring->in)];
    barrier();
    WRITE_ONCE(ring->in_cons, cons);
    return n;
}

bool console_ring_wait_input(uint64_t timeout_ns)
{
    uint64_t deadline = time_now() + timeout_ns;

    while (ring && !ring_in_avail()) {
        if (time_now() >= deadline)
            return false;
        ring_poll(deadline);
    }
    return ring != NULL;
}

int ring_printf(const char *fmt, ...)
{
    char buf[PRINTF_MAX];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;
    if (n > 0)
        console_ring_write(buf, n);
    return n;
}
