/*
 * role=hostile victim=<domid> self=<own domid>: a domain that attacks grant tables, next to
 * a victim (tests/guests/victim) that checksums its memory before and
 * after. Every attack must be refused with Xen's status or error:
 *
 *  - the victim's grants (it has none), its table's size and setup, its
 *    frames named in copies as its own or as ours (every machine frame of
 *    the host is tried: each copy refused, none copied), handles never
 *    given out;
 *  - our own table abused: grants of frames that are not ours (a guessed
 *    frame, our grant-table frame itself), a writable grant of our own
 *    page table, self-grants mapped and copied, revoked by a plain write
 *    while mapped and re-granted, bad flags and addresses, a table past its
 *    maximum, bad counts and pointers.
 *
 * With limits=1 it also runs into its table's and maptrack's limits
 * (sable.grant_frames=2 sable.maptrack_frames=1). Then it tells the victim
 * it is done (the victim's event channel).
 */
#include "grant.h"

#define COPY_BATCH 64

static bool frame_is_ours(uint64_t mfn)
{
    uint64_t pfn = mfn_to_pfn(mfn);

    return pfn < start_info->nr_pages && pfn_to_mfn(pfn) == mfn;
}

static void attack_victim_table(domid_t victim)
{
    static const grant_ref_t refs[] = { 0, 1, 7, 8, 511, 512, 4096, 0x7fffffff, 0xffffffff };
    struct gnttab_query_size q = { .dom = victim };
    struct gnttab_setup_table s = { .dom = victim, .nr_frames = 1 };
    struct gnttab_get_version g = { .dom = victim };
    unsigned int mapped = 0;
    long rc;

    for (unsigned int i = 0; i < ARRAY_SIZE(refs); i++)
        for (uint32_t ro = 0; ro <= GNTMAP_readonly; ro += GNTMAP_readonly)
            mapped += grant_map(victim, refs[i], MAP_VA, ro, NULL) != GNTST_bad_gntref;
    check("hostile-map-victim-refs", mapped == 0, "%u maps not refused as bad_gntref", mapped);
    rc = gnttab(GNTTABOP_query_size, &q, 1);
    check("hostile-query-victim", rc == 0 && q.status == GNTST_bad_domain, "rc %ld status %d",
          rc, q.status);
    rc = gnttab(GNTTABOP_setup_table, &s, 1);
    check("hostile-setup-victim", rc == 0 && s.status == GNTST_bad_domain, "rc %ld status %d",
          rc, s.status);
    CHECK_RC("hostile-version-victim", gnttab(GNTTABOP_get_version, &g, 1), -XEN_EPERM);
    CHECK_EQ("hostile-map-from-xen", grant_map(DOMID_XEN, 8, MAP_VA, GNTMAP_readonly, NULL),
             GNTST_bad_domain);
    CHECK_EQ("hostile-map-from-nobody", grant_map(0x7000, 8, MAP_VA, GNTMAP_readonly, NULL),
             GNTST_bad_domain);
}

/*
 * Every machine frame as a copy source and destination, named as the
 * victim's frame (refused: only grants reach others' memory) or as ours
 * (refused unless it is; our own frames are skipped as destinations).
 */
static void attack_victim_frames(domid_t victim)
{
    static struct gnttab_copy c[COPY_BATCH];
    static uint8_t buf[GUEST_PAGE_SIZE] __attribute__((aligned(4096)));
    uint64_t max = hypercall_memory_op(XENMEM_maximum_ram_page, NULL);
    uint64_t buf_mfn = pfn_to_mfn(virt_to_pfn(buf)), tried = 0, copied = 0, other = 0;

    for (uint64_t base = 0; base < max; base += COPY_BATCH / 4) {
        unsigned int n = 0;
        for (uint64_t mfn = base; mfn < base + COPY_BATCH / 4 && mfn < max; mfn++) {
            bool ours = frame_is_ours(mfn);
            c[n++] = (struct gnttab_copy){ .source = { .u.gmfn = mfn, .domid = victim },
                .dest = { .u.gmfn = buf_mfn, .domid = DOMID_SELF }, .len = 64 };
            c[n++] = (struct gnttab_copy){ .source = { .u.gmfn = buf_mfn, .domid = DOMID_SELF },
                .dest = { .u.gmfn = mfn, .domid = victim }, .len = 64 };
            c[n++] = (struct gnttab_copy){ .source = { .u.gmfn = ours ? buf_mfn : mfn,
                .domid = DOMID_SELF }, .dest = { .u.gmfn = buf_mfn, .domid = DOMID_SELF },
                .len = 64 };
            c[n++] = (struct gnttab_copy){ .source = { .u.gmfn = buf_mfn, .domid = DOMID_SELF },
                .dest = { .u.gmfn = ours ? buf_mfn : mfn, .domid = DOMID_SELF }, .len = 64 };
        }
        if (gnttab(GNTTABOP_copy, c, n))
            other++;
        for (unsigned int i = 0; i < n; i++) {
            bool named_victim = c[i].source.domid == victim || c[i].dest.domid == victim;
            bool own_only = !named_victim && c[i].source.u.gmfn == buf_mfn &&
                            c[i].dest.u.gmfn == buf_mfn;
            tried++;
            if (own_only)
                copied += c[i].status != GNTST_okay;    /* must work: counted as wrong if not */
            else if (named_victim ? c[i].status != GNTST_permission_denied
                                  : c[i].status != GNTST_bad_page)
                other++;
        }
    }
    printf("hostile: %lu copies over %lu frames tried\n", tried, max);
    check("hostile-copy-victim-frames", tried >= 4 * max && copied == 0 && other == 0,
          "%lu tried, %lu own copies failed, %lu not refused as expected", tried, copied, other);
}

static void attack_handles(void)
{
    static const grant_handle_t handles[] = { 0, 1, 127, 128, 4096, 0x7fffffff, 0xffffffff };
    unsigned int wrong = 0;

    for (unsigned int i = 0; i < ARRAY_SIZE(handles); i++)
        wrong += grant_unmap(handles[i], 0) != GNTST_bad_handle;
    check("hostile-unmap-unknown-handles", wrong == 0, "%u not bad_handle", wrong);
}

/* Grants of frames that are not ours to give, and of our own page table. */
static void attack_own_grants(struct grant_entry_v1 *gt, domid_t self, domid_t victim)
{
    uint64_t gt_mfn = pt_lookup(pt_root_mfn, GT_VA, NULL) >> 12 & 0xffffffffffULL;
    uint64_t guess = 0;
    grant_handle_t h;

    while (frame_is_ours(guess) || guess == gt_mfn)
        guess++;
    grant_write(&gt[20], self, guess, false);
    CHECK_EQ("hostile-grant-foreign-frame", grant_map(self, 20, MAP_VA, 0, NULL),
             GNTST_bad_page);
    grant_write(&gt[21], self, gt_mfn, false);
    CHECK_EQ("hostile-grant-own-grant-table", grant_map(self, 21, MAP_VA, 0, NULL),
             GNTST_bad_page);
    grant_write(&gt[22], self, pt_root_mfn, false);
    CHECK_EQ("hostile-grant-page-table-writable", grant_map(self, 22, MAP_VA, 0, NULL),
             GNTST_general_error);
    check("hostile-grant-page-table-released", !(gt[22].flags & (GTF_reading | GTF_writing)),
          "flags %#x", gt[22].flags);
    grant_write(&gt[23], victim, pt_root_mfn, false);
    CHECK_EQ("hostile-map-grant-for-another", grant_map(self, 23, MAP_VA, 0, &h),
             GNTST_permission_denied);
    CHECK_EQ("hostile-map-bad-flags", grant_map(self, 23, MAP_VA, 1U << 8, NULL),
             GNTST_general_error);
    CHECK_EQ("hostile-map-device", grant_map(self, 23, MAP_VA, GNTMAP_device_map, NULL),
             GNTST_general_error);
}

/* A self-grant mapped, written through, copied, revoked by force and re-granted. */
static void attack_self_grant(struct grant_entry_v1 *gt, domid_t self, domid_t victim)
{
    uint64_t pfn = mm_alloc_pfn(), pfn2 = mm_alloc_pfn();
    volatile uint32_t *direct = phys_to_virt(pfn), *mapped = (uint32_t *)(uintptr_t)MAP_VA;
    grant_handle_t h;
    int16_t st;

    grant_write(&gt[30], self, pfn_to_mfn(pfn), false);
    st = grant_map(DOMID_SELF, 30, MAP_VA, 0, &h);
    if (!check("hostile-self-grant-map", st == GNTST_okay, "status %d", st))
        return;
    *mapped = 0x5ab1e;
    check("hostile-self-grant-same-frame", *direct == 0x5ab1e, "read %#x", *direct);
    /* Revoked by a plain write while mapped, and given to the victim. */
    gt[30].flags = 0;
    grant_write(&gt[30], victim, pfn_to_mfn(pfn2), false);
    check("hostile-revoked-still-mapped", *mapped == 0x5ab1e, "read %#x", *mapped);
    CHECK_EQ("hostile-regrant-while-pinned", grant_map(DOMID_SELF, 30, MAP_VA + 4096,
                                                      GNTMAP_readonly, NULL),
             GNTST_permission_denied);
    CHECK_EQ("hostile-unmap-wrong-address", grant_unmap(h, MAP_VA + 4096), GNTST_bad_virt_addr);
    CHECK_EQ("hostile-unmap-revoked", grant_unmap(h, MAP_VA), GNTST_okay);
    check("hostile-unmapped", !(pt_lookup(pt_root_mfn, MAP_VA, NULL) & PTE_P),
          "still mapped");
    check("hostile-regranted-entry-free", !(gt[30].flags & (GTF_reading | GTF_writing)),
          "flags %#x", gt[30].flags);
    gt[30].flags = 0;
}

static void attack_arguments(void)
{
    struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 100000 };
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct gnttab_copy c = { .source = { .u.gmfn = 0, .domid = DOMID_SELF, .offset = 4095 },
                             .dest = { .u.gmfn = 0, .domid = DOMID_SELF }, .len = 2 };
    long rc = gnttab(GNTTABOP_setup_table, &s, 1);

    check("hostile-setup-too-big", rc == 0 && s.status == GNTST_general_error,
          "rc %ld status %d", rc, s.status);
    s.nr_frames = 1;
    s.frame_list = HYPERVISOR_VIRT_START;
    rc = gnttab(GNTTABOP_setup_table, &s, 1);
    check("hostile-setup-bad-list", rc == 0 && s.status == GNTST_bad_virt_addr,
          "rc %ld status %d", rc, s.status);
    CHECK_RC("hostile-bad-pointer", gnttab(GNTTABOP_query_size,
                                           (void *)(uintptr_t)HYPERVISOR_VIRT_START, 1),
             -XEN_EFAULT);
    CHECK_RC("hostile-count-two", gnttab(GNTTABOP_query_size, &q, 2), -XEN_EINVAL);
    CHECK_RC("hostile-count-negative", gnttab(GNTTABOP_copy, &c, 0x80000000U), -XEN_EINVAL);
    CHECK_RC("hostile-unknown-cmd", gnttab(77, &q, 1), -XEN_ENOSYS);
    CHECK_RC("hostile-transfer", gnttab(GNTTABOP_transfer, &q, 1), -XEN_ENOSYS);
    rc = gnttab(GNTTABOP_copy, &c, 1);
    check("hostile-copy-crossing", rc == 0 && c.status == GNTST_bad_copy_arg,
          "rc %ld status %d", rc, c.status);
}

/* A good grant mapped at addresses that are not ours to map. */
static void attack_addresses(struct grant_entry_v1 *gt, domid_t self)
{
    static const uint64_t bad[] = { 0x0000800000000000ULL, HYPERVISOR_VIRT_START,
                                    MAP_VA + 8, 0x1000 };
    unsigned int wrong = 0;
    uint64_t pfn = mm_alloc_pfn();

    grant_write(&gt[31], self, pfn_to_mfn(pfn), true);
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
        wrong += grant_map(DOMID_SELF, 31, bad[i], GNTMAP_readonly, NULL) != GNTST_bad_virt_addr;
    /* contains_pte: the "entry" is a frame that is not one of our page tables. */
    wrong += grant_map(DOMID_SELF, 31, pfn_to_mfn(pfn) << 12, GNTMAP_readonly |
                       GNTMAP_contains_pte, NULL) != GNTST_bad_virt_addr;
    wrong += grant_map(DOMID_SELF, 31, 0x10, GNTMAP_readonly | GNTMAP_contains_pte, NULL) !=
             GNTST_bad_virt_addr;
    check("hostile-map-bad-addresses", wrong == 0, "%u not refused as bad_virt_addr", wrong);
    check("hostile-bad-address-released", gt[31].flags == (GTF_permit_access | GTF_readonly),
          "flags %#x", gt[31].flags);
    gt[31].flags = 0;
}

/*
 * With limits=1 (the domain built with sable.grant_frames=2
 * sable.maptrack_frames=1): the table stops at 2 frames, the maptrack at
 * one frame of handles, and every handle comes back.
 */
static void attack_limits(struct grant_entry_v1 *gt, domid_t self)
{
    static grant_handle_t h[GUEST_PAGE_SIZE / 8];
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 3 };
    unsigned int n = 0, freed = 0;
    long rc = gnttab(GNTTABOP_query_size, &q, 1);
    int16_t st;

    check("hostile-limit-query", rc == 0 && q.max_nr_frames == 2, "rc %ld max %u", rc,
          q.max_nr_frames);
    rc = gnttab(GNTTABOP_setup_table, &s, 1);
    check("hostile-limit-frames", rc == 0 && s.status == GNTST_general_error,
          "rc %ld status %d", rc, s.status);
    grant_write(&gt[32], self, pfn_to_mfn(mm_alloc_pfn()), true);
    while (n < ARRAY_SIZE(h) && (st = grant_map(DOMID_SELF, 32, MAP_VA, GNTMAP_readonly,
                                                 &h[n])) == GNTST_okay)
        n++;
    /* One frame of handles: how many fit is the hypervisor's business, a few dozen. */
    check("hostile-limit-maptrack", n >= 32 && n < ARRAY_SIZE(h) && st == GNTST_no_space,
          "%u handles, then status %d", n, st);
    for (unsigned int i = 0; i < n; i++)
        freed += grant_unmap(h[i], 0) == GNTST_okay;
    check("hostile-limit-handles-back", freed == n && !(gt[32].flags & GTF_reading) &&
          grant_map(DOMID_SELF, 32, MAP_VA, GNTMAP_readonly, &h[0]) == GNTST_okay &&
          grant_unmap(h[0], MAP_VA) == GNTST_okay, "%u of %u unmapped, flags %#x", freed, n,
          gt[32].flags);
    gt[32].flags = 0;
}

void run_hostile(domid_t victim, domid_t self)
{
    struct grant_entry_v1 *gt = grant_table_init();
    evtchn_port_t port = 0;

    if (!gt)
        return;
    if (!check("hostile-map-area", map_own(MAP_VA, pfn_to_mfn(mm_alloc_pfn()), PTE_KERNEL_RW) &&
               map_own(MAP_VA + 4096, pfn_to_mfn(mm_alloc_pfn()), PTE_KERNEL_RW), "no tables"))
        return;
    attack_victim_table(victim);
    attack_victim_frames(victim);
    attack_handles();
    attack_own_grants(gt, self, victim);
    attack_self_grant(gt, self, victim);
    attack_addresses(gt, self);
    attack_arguments();
    if (cmdline_get_ulong("limits", 0))
        attack_limits(gt, self);
    if (CHECK_RC("hostile-bind-victim", bind_peer(victim, &port), 0))
        evtchn_send(port);
}
