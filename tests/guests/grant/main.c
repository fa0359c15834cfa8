/*
 * grant: grant tables v1 between PV domains, as split drivers use them.
 *
 *   role=granter peer=<mapper> [rounds=20] [hold=1]
 *   role=mapper  peer=<granter> [rounds=20] [hold=1]
 *   role=hostile victim=<victim's domid> self=<own domid>   (hostile.c)
 *
 * The granter sets up its table (setup_table gives the frame's mfn, which
 * it maps itself), grants three pages to the mapper (REF_RING writable,
 * REF_SRC read-only, REF_DST writable) and offers an event channel. The
 * mapper binds to it, maps REF_RING, and the two ping-pong `rounds`
 * messages through that page, one event each way per message. While it is
 * mapped the granter's entry shows GTF_reading|GTF_writing and a revoke by
 * the protocol's compare-and-swap fails. Then the mapper copies REF_SRC
 * into a page of its own and a page of its own into REF_DST (GNTTABOP_copy
 * both ways), unmaps, and the granter revokes successfully. hold=1 (both
 * sides): the mapper ends with the page still mapped, the granter without
 * revoking, so destroying the domains has mappings to undo.
 */
#include "grant.h"

#define ROUNDS_MAX   1000
#define WAIT         (10 * NSEC_PER_SEC)

const char test_title[] = "grant: grant tables between domains (map, copy, revoke)";

long gnttab(unsigned int cmd, void *op, unsigned int count)
{
    return hypercall_grant_table_op(cmd, op, count);
}

bool map_own(uint64_t va, uint64_t mfn, uint64_t flags)
{
    return pt_map(pt_root_mfn, va, mfn, flags) == 0 && mmu_flush() == 0;
}

struct grant_entry_v1 *grant_table_init(void)
{
    xen_pfn_t frame = 0;
    struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 1,
                                    .frame_list = guest_handle_from_ptr(&frame) };
    long rc = gnttab(GNTTABOP_setup_table, &s, 1);

    if (!check("grant-setup-table", rc == 0 && s.status == GNTST_okay && frame,
               "rc %ld status %d frame %#lx", rc, s.status, frame))
        return NULL;
    /* The frame is the hypervisor's, shared with us: we map it ourselves. */
    if (!check("grant-table-mapped", map_own(GT_VA, frame, PTE_KERNEL_RW | PTE_NX),
               "mapping mfn %#lx refused", frame))
        return NULL;
    return (struct grant_entry_v1 *)(uintptr_t)GT_VA;
}

void grant_write(struct grant_entry_v1 *e, domid_t domid, uint64_t mfn, bool ro)
{
    e->domid = domid;
    e->frame = (uint32_t)mfn;
    barrier();
    e->flags = GTF_permit_access | (ro ? GTF_readonly : 0);
}

int16_t grant_map(domid_t dom, grant_ref_t ref, uint64_t va, uint32_t flags, grant_handle_t *h)
{
    struct gnttab_map_grant_ref m = { .host_addr = va, .flags = GNTMAP_host_map | flags,
                                      .ref = ref, .dom = dom };
    long rc = gnttab(GNTTABOP_map_grant_ref, &m, 1);

    if (rc)
        return GNTST_general_error - 100;   /* the call itself failed: never a status */
    if (h)
        *h = m.handle;
    return m.status;
}

int16_t grant_unmap(grant_handle_t h, uint64_t va)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = va, .handle = h };
    long rc = gnttab(GNTTABOP_unmap_grant_ref, &u, 1);

    return rc ? GNTST_general_error - 100 : u.status;
}

long bind_peer(domid_t peer, evtchn_port_t *port)
{
    uint64_t give_up = time_now() + 5 * NSEC_PER_SEC;
    long rc;

    do {
        for (evtchn_port_t p = 1; p <= 16; p++) {
            rc = evtchn_bind_interdomain(peer, p, port);
            if (rc != -XEN_EINVAL)
                return rc;
        }
        hypercall_sched_op(SCHEDOP_yield, NULL);
    } while (time_now() < give_up);
    return rc;
}

/* Block until port is pending or deadline (events masked: SCHEDOP_poll). */
static void poll_port(evtchn_port_t port, uint64_t deadline)
{
    evtchn_port_t ports[1] = { port };
    struct sched_poll poll = { .ports = guest_handle_from_ptr(ports), .nr_ports = 1,
                               .timeout = deadline };

    if (!evtchn_is_pending(port))
        hypercall_sched_op(SCHEDOP_poll, &poll);
}

/*
 * Wait until cond holds, WAIT at most, woken by events on port: the
 * event is cleared before cond is looked at, so a wake-up is never lost
 * and events sent close together cannot hide one another.
 */
#define WAIT_UNTIL(port, cond) ({                                             \
    uint64_t deadline_ = time_now() + WAIT;                                  \
    bool ok_;                                                                \
    for (;;) {                                                               \
        evtchn_clear(port);                                                  \
        barrier();                                                           \
        if ((ok_ = (cond)) || time_now() >= deadline_)                       \
            break;                                                           \
        poll_port((port), deadline_);                                        \
    }                                                                        \
    ok_;                                                                     \
})

/* A zeroed page of ours: its mfn, with its physmap address in *va. */
static uint64_t page_alloc(void **va)
{
    uint64_t pfn = mm_alloc_pfn();

    if (!pfn)
        test_error("out of frames");
    *va = phys_to_virt(pfn);
    memset(*va, 0, GUEST_PAGE_SIZE);
    return pfn_to_mfn(pfn);
}

static void check_sizes_and_versions(void)
{
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct gnttab_get_version g = { .dom = DOMID_SELF };
    struct gnttab_set_version s = { .version = 2 };
    long rc = gnttab(GNTTABOP_query_size, &q, 1);

    check("grant-query-size", rc == 0 && q.status == GNTST_okay && q.nr_frames == 1 &&
          q.max_nr_frames >= 1, "rc %ld status %d frames %u of %u", rc, q.status, q.nr_frames,
          q.max_nr_frames);
    rc = gnttab(GNTTABOP_get_version, &g, 1);
    check("grant-get-version", rc == 0 && g.version == 1, "rc %ld version %u", rc, g.version);
    rc = gnttab(GNTTABOP_set_version, &s, 1);
    check("grant-set-version-2-refused", rc == -XEN_ENOSYS && s.version == 1,
          "rc %s version %u", xen_errno_name(rc), s.version);
    s.version = 1;
    CHECK_RC("grant-set-version-1", gnttab(GNTTABOP_set_version, &s, 1), 0);
}

/* Revoke as Linux does: clear flags only if neither reading nor writing is set. */
static bool revoke(struct grant_entry_v1 *e)
{
    uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

    do {
        if (flags & (GTF_reading | GTF_writing))
            return false;
    } while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    return true;
}

static void run_granter(domid_t peer, unsigned int rounds, bool hold)
{
    struct grant_entry_v1 *gt = grant_table_init();
    struct ring_page *ring;
    uint8_t *src, *dst;
    uint64_t ring_mfn, src_mfn, dst_mfn;
    evtchn_port_t port = 0;
    unsigned int answered = 0, bad_dst = 0;

    if (!gt)
        return;
    check_sizes_and_versions();
    ring_mfn = page_alloc((void **)&ring);
    src_mfn = page_alloc((void **)&src);
    dst_mfn = page_alloc((void **)&dst);
    for (unsigned int i = 0; i < GUEST_PAGE_SIZE; i++)
        src[i] = (uint8_t)(i * 7 + 3);
    grant_write(&gt[REF_RING], peer, ring_mfn, false);
    grant_write(&gt[REF_SRC], peer, src_mfn, true);
    grant_write(&gt[REF_DST], peer, dst_mfn, false);
    if (!CHECK_RC("grant-offer-port", evtchn_alloc_unbound(peer, &port), 0))
        return;
    printf("grant: granter offers port %u and refs %u %u %u to domain %u\n", port, REF_RING,
           REF_SRC, REF_DST, peer);
    events_disable();
    if (!check("grant-peer-mapped", WAIT_UNTIL(port, ring->state == RING_MAPPED),
               "state %u", ring->state))
        return;
    check("grant-entry-in-use", (gt[REF_RING].flags & (GTF_reading | GTF_writing)) ==
          (GTF_reading | GTF_writing), "flags %#x", gt[REF_RING].flags);
    check("grant-revoke-refused-while-mapped", !revoke(&gt[REF_RING]),
          "a mapped grant was revoked");
    for (unsigned int i = 1; i <= rounds; i++) {
        char want[64];
        snprintf(ring->msg, sizeof(ring->msg), "ping %u", i);
        barrier();
        ring->seq = 2 * i - 1;
        evtchn_send(port);
        if (!WAIT_UNTIL(port, ring->seq == 2 * i))
            break;
        snprintf(want, sizeof(want), "pong %u", i);
        if (strcmp(ring->msg, want))
            break;
        answered++;
    }
    check("grant-pingpong", answered == rounds, "%u of %u answered (last '%s')", answered,
          rounds, ring->msg);
    if (!check("grant-peer-copied", WAIT_UNTIL(port, ring->state == RING_COPIED),
               "state %u", ring->state))
        return;
    for (unsigned int i = 0; i < GUEST_PAGE_SIZE; i++)
        bad_dst += dst[i] != (i >= 100 && i < 300 ? 0xc3 : 0);
    check("grant-copy-into-granter", bad_dst == 0, "%u bytes wrong", bad_dst);
    check("grant-src-untouched", src[0] == 3 && src[4095] == (uint8_t)(4095 * 7 + 3),
          "src changed");
    if (hold) {
        printf("grant: granter ends with its grant mapped\n");
        return;
    }
    ring->state = RING_GO_UNMAP;
    evtchn_send(port);
    check("grant-entry-released",
          WAIT_UNTIL(port, ring->state == RING_UNMAPPING &&
                           !(gt[REF_RING].flags & (GTF_reading | GTF_writing))),
          "state %u flags %#x", ring->state, gt[REF_RING].flags);
    check("grant-revoke-after-unmap", revoke(&gt[REF_RING]) && gt[REF_RING].flags == 0,
          "flags %#x", gt[REF_RING].flags);
    check("grant-copy-entries-released",
          !(gt[REF_SRC].flags & GTF_reading) && !(gt[REF_DST].flags & (GTF_reading | GTF_writing)),
          "src %#x dst %#x", gt[REF_SRC].flags, gt[REF_DST].flags);
}

/* The mapper's copies: REF_SRC into a page of ours, a page of ours into REF_DST. */
static void mapper_copies(domid_t peer)
{
    uint8_t *mine, *got;
    uint64_t mine_mfn = page_alloc((void **)&mine), got_mfn = page_alloc((void **)&got);
    struct gnttab_copy c[2] = {
        { .source = { .u.ref = REF_SRC, .domid = peer },
          .dest = { .u.gmfn = got_mfn, .domid = DOMID_SELF },
          .len = GUEST_PAGE_SIZE, .flags = GNTCOPY_source_gref },
        { .source = { .u.gmfn = mine_mfn, .domid = DOMID_SELF, .offset = 8 },
          .dest = { .u.ref = REF_DST, .domid = peer, .offset = 100 },
          .len = 200, .flags = GNTCOPY_dest_gref },
    };
    unsigned int bad = 0;
    long rc;

    memset(mine, 0xc3, GUEST_PAGE_SIZE);
    rc = gnttab(GNTTABOP_copy, c, 2);
    check("grant-copy-batch", rc == 0 && c[0].status == GNTST_okay && c[1].status == GNTST_okay,
          "rc %ld status %d %d", rc, c[0].status, c[1].status);
    for (unsigned int i = 0; i < GUEST_PAGE_SIZE; i++)
        bad += got[i] != (uint8_t)(i * 7 + 3);
    check("grant-copy-from-granter", bad == 0, "%u bytes wrong", bad);
    /* Writing through the read-only grant, or crossing the page, is refused. */
    c[0] = (struct gnttab_copy){ .source = { .u.gmfn = mine_mfn, .domid = DOMID_SELF },
                                 .dest = { .u.ref = REF_SRC, .domid = peer }, .len = 8,
                                 .flags = GNTCOPY_dest_gref };
    c[1] = (struct gnttab_copy){ .source = { .u.ref = REF_SRC, .domid = peer, .offset = 4000 },
                                 .dest = { .u.gmfn = got_mfn, .domid = DOMID_SELF },
                                 .len = 97, .flags = GNTCOPY_source_gref };
    rc = gnttab(GNTTABOP_copy, c, 2);
    check("grant-copy-refused", rc == 0 && c[0].status == GNTST_permission_denied &&
          c[1].status == GNTST_bad_copy_arg, "rc %ld status %d %d", rc, c[0].status, c[1].status);
}

static void run_mapper(domid_t peer, unsigned int rounds, bool hold)
{
    struct ring_page *ring = (struct ring_page *)(uintptr_t)MAP_VA;
    const volatile uint8_t *ro = (const uint8_t *)(uintptr_t)(MAP_VA + GUEST_PAGE_SIZE);
    evtchn_port_t port = 0;
    grant_handle_t h = 0, hro = 0;
    unsigned int served = 0;
    void *scratch;
    uint64_t ma;
    int16_t st;

    /* Tables for MAP_VA first: a page of ours there, replaced by the grant. */
    if (!check("grant-map-area", map_own(MAP_VA, page_alloc(&scratch), PTE_KERNEL_RW) &&
               map_own(MAP_VA + GUEST_PAGE_SIZE, page_alloc(&scratch), PTE_KERNEL_RW),
               "no tables"))
        return;
    if (!CHECK_RC("grant-bind", bind_peer(peer, &port), 0))
        return;
    events_disable();
    evtchn_clear(port);
    st = grant_map(peer, REF_SRC, MAP_VA + GUEST_PAGE_SIZE, 0, NULL);
    check("grant-map-ro-as-rw-refused", st == GNTST_permission_denied, "status %d", st);
    st = grant_map(peer, REF_SRC, MAP_VA + GUEST_PAGE_SIZE, GNTMAP_readonly, &hro);
    check("grant-map-readonly", st == GNTST_okay && ro[0] == 3 && ro[100] == (uint8_t)703,
          "status %d", st);
    CHECK_EQ("grant-unmap-readonly", grant_unmap(hro, MAP_VA + GUEST_PAGE_SIZE), GNTST_okay);
    st = grant_map(peer, REF_RING, MAP_VA, 0, &h);
    if (!check("grant-map", st == GNTST_okay, "status %d", st))
        return;
    ring->state = RING_MAPPED;
    evtchn_send(port);
    for (unsigned int i = 1; i <= rounds; i++) {
        char want[64];
        if (!WAIT_UNTIL(port, ring->seq == 2 * i - 1))
            break;
        snprintf(want, sizeof(want), "ping %u", i);
        if (strcmp(ring->msg, want))
            break;
        snprintf(ring->msg, sizeof(ring->msg), "pong %u", i);
        barrier();
        ring->seq = 2 * i;
        evtchn_send(port);
        served++;
    }
    check("grant-pingpong", served == rounds, "%u of %u served", served, rounds);
    mapper_copies(peer);
    ring->state = RING_COPIED;
    evtchn_send(port);
    if (hold) {
        printf("grant: mapper ends with the grant mapped\n");
        return;
    }
    if (!check("grant-go-unmap", WAIT_UNTIL(port, ring->state == RING_GO_UNMAP),
               "state %u", ring->state))
        return;
    ring->state = RING_UNMAPPING;
    CHECK_EQ("grant-unmap", grant_unmap(h, MAP_VA), GNTST_okay);
    check("grant-unmapped-entry-clear", !(pt_lookup(pt_root_mfn, MAP_VA, &ma) & PTE_P),
          "the L1 entry still maps something");
    CHECK_EQ("grant-unmap-twice", grant_unmap(h, MAP_VA), GNTST_bad_handle);
    evtchn_send(port);
}

void test_main(void)
{
    char role[8] = "";
    unsigned long peer = cmdline_get_ulong("peer", DOMID_INVALID);
    unsigned long victim = cmdline_get_ulong("victim", DOMID_INVALID);
    unsigned long self = cmdline_get_ulong("self", DOMID_INVALID);
    unsigned long rounds = cmdline_get_ulong("rounds", 20);
    bool hold = cmdline_get_ulong("hold", 0);

    cmdline_get("role", role, sizeof(role));
    mm_init();
    if (!CHECK_RC("grant-physmap", mm_physmap_init(), 0))
        return;
    if (!strcmp(role, "hostile") && victim < DOMID_FIRST_RESERVED && self < DOMID_FIRST_RESERVED)
        run_hostile((domid_t)victim, (domid_t)self);
    else if (peer >= DOMID_FIRST_RESERVED || rounds == 0 || rounds > ROUNDS_MAX)
        test_skip("usage: role=granter|mapper peer=<domid> [rounds=1..%d] [hold=1] | "
                  "role=hostile victim=<domid> self=<domid>", ROUNDS_MAX);
    else if (!strcmp(role, "granter"))
        run_granter((domid_t)peer, rounds, hold);
    else if (!strcmp(role, "mapper"))
        run_mapper((domid_t)peer, rounds, hold);
    else
        test_skip("unknown role '%s'", role);
}
