/*
 * Event channels, guest side: the upcall that scans the 2-level bitmaps and
 * runs per-port handlers, event masking, and event_channel_op wrappers.
 */
#include <guest/events.h>
#include <guest/hypercall.h>

#define WORD_BITS   64
#define NR_WORDS    (EVTCHN_2L_NR_CHANNELS / WORD_BITS)

/*
 * Per port: its handler, and the vCPU it is bound to (the one whose
 * selector the hypervisor sets), so that a vCPU scanning a shared bitmap
 * word leaves other vCPUs' ports to them.
 */
static struct {
    evtchn_handler_t fn;
    void *arg;
    uint8_t vcpu;
} handlers[EVTCHN_2L_NR_CHANNELS];

volatile unsigned long evtchn_upcalls, evtchn_stray;

void evtchn_init(void)
{
    for (unsigned int w = 0; w < NR_WORDS; w++)
        __atomic_store_n(&shared_info->evtchn_mask[w], ~0ULL, __ATOMIC_SEQ_CST);
}

int evtchn_set_handler(evtchn_port_t port, evtchn_handler_t handler, void *arg)
{
    if (port >= EVTCHN_2L_NR_CHANNELS)
        return -XEN_EINVAL;
    handlers[port].arg = arg;
    barrier();
    handlers[port].fn = handler;
    return 0;
}

bool events_disable(void)
{
    struct vcpu_info *vi = this_vcpu_info();
    bool was_enabled = !vi->evtchn_upcall_mask;

    WRITE_ONCE(vi->evtchn_upcall_mask, 1);
    barrier();
    return was_enabled;
}

void events_enable(void)
{
    struct vcpu_info *vi = this_vcpu_info();

    WRITE_ONCE(vi->evtchn_upcall_mask, 0);
    barrier();
    /* Pending while masked: any hypercall's return path delivers it. */
    if (READ_ONCE(vi->evtchn_upcall_pending))
        hypercall_xen_version(XENVER_version, NULL);
}

static void evtchn_dispatch(evtchn_port_t port)
{
    evtchn_handler_t fn = handlers[port].fn;

    if (fn)
        fn(port, handlers[port].arg);
    else
        evtchn_stray++;
}

/*
 * Runs with events masked (the callback is entered with upcall_mask set).
 * Clear upcall_pending before taking the selector, so an event that arrives
 * while we scan sets it again and we go round once more; within a word,
 * clear each pending bit before running its handler (edge semantics).
 */
void evtchn_do_upcall(void)
{
    struct vcpu_info *vi = this_vcpu_info();
    unsigned int me = smp_vcpu_id();

    evtchn_upcalls++;
    do {
        uint64_t sel;

        WRITE_ONCE(vi->evtchn_upcall_pending, 0);
        sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned int w = __builtin_ctzll(sel);
            uint64_t bits;

            sel &= sel - 1;
            bits = READ_ONCE(shared_info->evtchn_pending[w]) &
                   ~READ_ONCE(shared_info->evtchn_mask[w]);
            while (bits) {
                evtchn_port_t port = w * WORD_BITS + __builtin_ctzll(bits);

                bits &= bits - 1;
                if (READ_ONCE(handlers[port].vcpu) != me)
                    continue;
                evtchn_clear(port);
                evtchn_dispatch(port);
            }
        }
    } while (READ_ONCE(vi->evtchn_upcall_pending));
}

/* Port is now delivered to vcpu (bind_virq, bind_ipi, bind_vcpu). */
static void evtchn_note_vcpu(evtchn_port_t port, uint32_t vcpu)
{
    if (port < EVTCHN_2L_NR_CHANNELS && vcpu < GUEST_MAX_VCPUS)
        WRITE_ONCE(handlers[port].vcpu, (uint8_t)vcpu);
}

long evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu op = { .port = port, .vcpu = vcpu };
    long rc = hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &op);

    if (rc == 0)
        evtchn_note_vcpu(port, vcpu);
    return rc;
}

long evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_unmask op = { .port = port };

    return hypercall_event_channel_op(EVTCHNOP_unmask, &op);
}

long evtchn_send(evtchn_port_t port)
{
    struct evtchn_send op = { .port = port };

    return hypercall_event_channel_op(EVTCHNOP_send, &op);
}

long evtchn_close(evtchn_port_t port)
{
    struct evtchn_close op = { .port = port };
    long rc = hypercall_event_channel_op(EVTCHNOP_close, &op);

    if (rc == 0 && port < EVTCHN_2L_NR_CHANNELS)
        handlers[port].vcpu = 0;
    return rc;
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
    long rc = hypercall_event_channel_op(EVTCHNOP_bind_virq, &op);

    *port = op.port;
    if (rc == 0)
        evtchn_note_vcpu(op.port, vcpu);
    return rc;
}

long evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi op = { .vcpu = vcpu };
    long rc = hypercall_event_channel_op(EVTCHNOP_bind_ipi, &op);

    *port = op.port;
    if (rc == 0)
        evtchn_note_vcpu(op.port, vcpu);
    return rc;
}

long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };
    long rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op);

    *port = op.port;
    return rc;
}

long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port)
{
    struct evtchn_bind_interdomain op = { .remote_dom = remote, .remote_port = remote_port };
    long rc = hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &op);

    *port = op.local_port;
    return rc;
}

long evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
    memset(st, 0, sizeof(*st));
    st->dom = DOMID_SELF;
    st->port = port;
    return hypercall_event_channel_op(EVTCHNOP_status, st);
}
