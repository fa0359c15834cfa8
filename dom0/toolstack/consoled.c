/*
 * dom0's console back-end (dom0/include/dom0/consoled.h).
 */
#include <dom0/consoled.h>
#include <dom0/libc.h>
#include "public/errno.h"
#include "public/io/console.h"

struct backend {
    bool used;
    domid_t dom;
    struct xencons_interface *ring;     /* the guest's page, mapped */
    uint32_t port;                      /* dom0's end of its console channel */
    uint32_t out_cons, in_prod;         /* ours: never read back from the page */
    uint64_t bad;
    char log[CONSOLED_LOG];
    uint64_t logged;                    /* bytes ever logged (log[logged % size] next) */
};

static struct backend backends[CONSOLED_DOMAINS];

/* Who is attached where: the serial console's shell and the host's channel. */
static struct viewer {
    domid_t dom;
    void (*print)(const char *buf, size_t len);
} viewers[CONSOLED_VIEWERS] = { [0 ... CONSOLED_VIEWERS - 1] = { .dom = DOMID_INVALID } };

static struct backend *find(domid_t dom)
{
    for (unsigned int i = 0; i < CONSOLED_DOMAINS; i++)
        if (backends[i].used && backends[i].dom == dom)
            return &backends[i];
    return NULL;
}

int consoled_attach(domid_t dom, xen_pfn_t mfn, uint32_t remote_port)
{
    struct backend *b = NULL;
    void *page;
    int rc, port;

    for (unsigned int i = 0; i < CONSOLED_DOMAINS && !b; i++)
        b = backends[i].used ? NULL : &backends[i];
    if (!b || find(dom))
        return -XEN_ENOSPC;
    rc = xc_map_foreign(dom, mfn, &page);
    if (rc)
        return rc;
    port = xc_evtchn_bind_interdomain(dom, remote_port);
    if (port < 0) {
        xc_unmap_foreign(page);
        return port;
    }
    memset(b, 0, sizeof(*b));
    b->used = true;
    b->dom = dom;
    b->ring = page;
    b->port = (uint32_t)port;
    b->out_cons = READ_ONCE(b->ring->out_cons);   /* start where the page says */
    b->in_prod = READ_ONCE(b->ring->in_prod);
    return 0;
}

void consoled_detach(domid_t dom)
{
    struct backend *b = find(dom);

    if (!b)
        return;
    for (unsigned int v = 0; v < CONSOLED_VIEWERS; v++)
        if (viewers[v].dom == dom)
            consoled_connect(v, DOMID_INVALID, NULL);
    xc_evtchn_close(b->port);
    xc_unmap_foreign(b->ring);
    b->used = false;
}

static void log_put(struct backend *b, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b->log[b->logged++ % CONSOLED_LOG] = buf[i];
    for (unsigned int v = 0; v < CONSOLED_VIEWERS; v++)
        if (viewers[v].dom == b->dom && viewers[v].print)
            viewers[v].print(buf, n);
}

/* Take what the guest wrote (at most one ring's worth); resync on nonsense. */
static void drain(struct backend *b)
{
    uint32_t prod = __atomic_load_n(&b->ring->out_prod, __ATOMIC_ACQUIRE);
    char buf[256];
    bool took = false;

    if (prod - b->out_cons > XENCONS_OUT_SIZE) {
        b->bad++;
        b->out_cons = prod;
    }
    while (b->out_cons != prod) {
        size_t n = 0;

        while (b->out_cons != prod && n < sizeof(buf))
            buf[n++] = b->ring->out[MASK_XENCONS_IDX(b->out_cons++, b->ring->out)];
        log_put(b, buf, n);
        took = true;
    }
    __atomic_store_n(&b->ring->out_cons, b->out_cons, __ATOMIC_RELEASE);
    if (took)
        xc_evtchn_notify(b->port);      /* room again */
}

void consoled_poll(void)
{
    for (unsigned int i = 0; i < CONSOLED_DOMAINS; i++)
        if (backends[i].used)
            drain(&backends[i]);
}

long consoled_input(domid_t dom, const char *buf, size_t len)
{
    struct backend *b = find(dom);
    uint32_t used;
    size_t n;

    if (!b)
        return -1;
    used = b->in_prod - __atomic_load_n(&b->ring->in_cons, __ATOMIC_ACQUIRE);
    if (used > XENCONS_IN_SIZE) {       /* a consumer ahead of us: call the ring empty */
        b->bad++;
        used = 0;
        b->in_prod = __atomic_load_n(&b->ring->in_cons, __ATOMIC_RELAXED);
    }
    n = DOM0_MIN(len, (size_t)(XENCONS_IN_SIZE - used));
    for (size_t i = 0; i < n; i++)
        b->ring->in[MASK_XENCONS_IDX(b->in_prod + i, b->ring->in)] = buf[i];
    b->in_prod += (uint32_t)n;
    __atomic_store_n(&b->ring->in_prod, b->in_prod, __ATOMIC_RELEASE);
    if (n)
        xc_evtchn_notify(b->port);
    return (long)n;
}

bool consoled_connect(unsigned int viewer, domid_t dom,
                      void (*print)(const char *buf, size_t len))
{
    struct backend *b = find(dom);
    uint64_t from;

    if (viewer >= CONSOLED_VIEWERS)
        return false;
    if (!print) {
        viewers[viewer].dom = DOMID_INVALID;
        viewers[viewer].print = NULL;
        return true;
    }
    if (!b)
        return false;
    from = b->logged > CONSOLED_LOG ? b->logged - CONSOLED_LOG : 0;
    for (uint64_t i = from; i < b->logged; i++)
        print(&b->log[i % CONSOLED_LOG], 1);
    viewers[viewer].dom = dom;
    viewers[viewer].print = print;
    return true;
}

bool consoled_served(domid_t dom)
{
    return find(dom) != NULL;
}

uint64_t consoled_bad_updates(domid_t dom)
{
    struct backend *b = find(dom);

    return b ? b->bad : 0;
}
