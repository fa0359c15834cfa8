/*
 * Grant tables v1 through the hypercall (do_grant_table_op with arguments
 * in fake guest memory): setup/query/version, entry checks and the
 * GTF_reading/GTF_writing transitions, references on the granted frame,
 * maptrack handles and limits, copies both ways, hostile granters and
 * mappers, and domain destruction with mappings outstanding both ways.
 * SOURCES: hypervisor/common/grant_table.c hypervisor/common/grant_table_op.c hypervisor/common/hypercall.c hypervisor/common/domain.c hypervisor/common/event_channel.c hypervisor/common/console_io.c hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#include "fake_pv.h"

#include <public/grant_table.h>

static struct domain *dA, *dB, *dC;

static int setup(void **state)
{
    fake_reset_with_table();
    dA = fake_domain_new(1, 16, false);
    dB = fake_domain_new(1, 16, false);
    dC = fake_domain_new(1, 16, false);
    fake_current = dA->vcpu[0];
    return 0;
}

static void destroy_if(struct domain **d)
{
    if (*d)
        fake_domain_destroy(*d);
    *d = NULL;
}

static int teardown(void **state)
{
    destroy_if(&dA);
    destroy_if(&dB);
    destroy_if(&dC);
    fake_check_all_returned();
    return 0;
}

/* Run grant_table_op cmd as d with count structs (size bytes each) in guest memory. */
static long op_as(struct domain *d, unsigned int cmd, void *arg, size_t size, unsigned int count)
{
    long rc;

    fake_current = d->vcpu[0];
    memcpy(gptr(0x100), arg, size * count);
    rc = do_grant_table_op(cmd, gva(0x100), count, 0, 0);
    memcpy(arg, gptr(0x100), size * count);
    return rc;
}
#define OP(d, cmd, s) op_as((d), GNTTABOP_##cmd, &(s), sizeof(s), 1)

static int16_t setup_table(struct domain *d, domid_t dom, uint32_t nr)
{
    struct gnttab_setup_table s = { .dom = dom, .nr_frames = nr, .frame_list = gva(0x800) };

    assert_int_equal(OP(d, setup_table, s), 0);
    return s.status;
}

/* A frame of d's with a recognisable pattern. */
static mfn_t own_frame(struct domain *d, uint8_t fill)
{
    struct page_info *pg = domain_alloc_page(d);

    assert_non_null(pg);
    memset(page_to_virt(pg), fill, PAGE_SIZE);
    return page_to_mfn(pg);
}

static struct grant_entry_v1 *entry(struct domain *d, grant_ref_t ref)
{
    return &d->grant_table->shared[ref / 512][ref % 512];
}

/* d grants frame to grantee as entry ref (the guest's protocol: flags last). */
static void grant(struct domain *d, grant_ref_t ref, domid_t grantee, mfn_t frame, bool ro)
{
    entry(d, ref)->domid = grantee;
    entry(d, ref)->frame = (uint32_t)frame;
    entry(d, ref)->flags = GTF_permit_access | (ro ? GTF_readonly : 0);
}

static struct gnttab_map_grant_ref map(struct domain *d, domid_t dom, grant_ref_t ref, bool ro)
{
    struct gnttab_map_grant_ref m = {
        .host_addr = 0x40000000, .flags = GNTMAP_host_map | (ro ? GNTMAP_readonly : 0),
        .ref = ref, .dom = dom,
    };

    assert_int_equal(OP(d, map_grant_ref, m), 0);
    return m;
}

static int16_t unmap(struct domain *d, grant_handle_t h)
{
    struct gnttab_unmap_grant_ref u = { .handle = h };

    assert_int_equal(OP(d, unmap_grant_ref, u), 0);
    return u.status;
}

/* ---- sizes and versions ---- */

static void test_setup_and_query(void **state)
{
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    xen_pfn_t frames[2];

    assert_int_equal(setup_table(dA, DOMID_SELF, 2), GNTST_okay);
    memcpy(frames, gptr(0x800), sizeof(frames));
    assert_int_equal(frames[0], virt_to_mfn(dA->grant_table->shared[0]));
    assert_int_equal(frames[1], virt_to_mfn(dA->grant_table->shared[1]));
    assert_int_equal(page_owner(mfn_to_page(frames[0])), DOMID_XEN);
    assert_true(gnttab_is_shared_frame(dA, frames[1]));
    assert_false(gnttab_is_shared_frame(dB, frames[1]));
    assert_int_equal(OP(dA, query_size, q), 0);
    assert_int_equal(q.status, GNTST_okay);
    assert_int_equal(q.nr_frames, 2);
    assert_int_equal(q.max_nr_frames, GNTTAB_DEFAULT_MAX_FRAMES);
    /* Never shrinks; beyond the maximum is refused. */
    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    assert_int_equal(dA->grant_table->nr_frames, 2);
    assert_int_equal(setup_table(dA, DOMID_SELF, GNTTAB_DEFAULT_MAX_FRAMES + 1),
                     GNTST_general_error);
    /* Others' tables: not for an unprivileged domain; no such domain. */
    assert_int_equal(setup_table(dA, dB->domain_id, 1), GNTST_bad_domain);
    assert_int_equal(setup_table(dA, 999, 1), GNTST_bad_domain);
    q.dom = dB->domain_id;
    assert_int_equal(OP(dA, query_size, q), 0);
    assert_int_equal(q.status, GNTST_bad_domain);
    /* Single-struct ops with count != 1; an unknown or unsupported command. */
    struct gnttab_query_size two[2] = { q, q };
    assert_int_equal(op_as(dA, GNTTABOP_query_size, two, sizeof(q), 2), -EINVAL);
    assert_int_equal(op_as(dA, GNTTABOP_transfer, &q, sizeof(q), 1), -ENOSYS);
    assert_int_equal(op_as(dA, 99, &q, sizeof(q), 1), -ENOSYS);
    assert_int_equal(do_grant_table_op(GNTTABOP_copy, gva(0x100), ~0ULL, 0, 0), -EINVAL);
}

static void test_versions(void **state)
{
    struct gnttab_set_version s = { .version = 1 };
    struct gnttab_get_version g = { .dom = DOMID_SELF };

    assert_int_equal(OP(dA, set_version, s), 0);
    assert_int_equal(s.version, 1);
    s.version = 2;
    assert_int_equal(OP(dA, set_version, s), -ENOSYS);
    assert_int_equal(s.version, 1);
    s.version = 3;
    assert_int_equal(OP(dA, set_version, s), -EINVAL);
    assert_int_equal(OP(dA, get_version, g), 0);
    assert_int_equal(g.version, 1);
    g.dom = dB->domain_id;
    assert_int_equal(OP(dA, get_version, g), -EPERM);
    g.dom = 999;
    assert_int_equal(OP(dA, get_version, g), -ESRCH);
}

/* ---- map and unmap ---- */

static void test_map_unmap(void **state)
{
    mfn_t f = own_frame(dA, 0x11);
    struct page_info *pg = mfn_to_page(f);
    struct gnttab_map_grant_ref m;

    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 8, dB->domain_id, f, false);
    m = map(dB, dA->domain_id, 8, false);
    assert_int_equal(m.status, GNTST_okay);
    assert_int_equal(entry(dA, 8)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(page_ref_count(pg), 1);
    assert_int_equal(page_type(pg), PGT_writable);
    assert_int_equal(page_type_count(pg), 1);
    assert_int_equal(fake_gnt_host_maps, 1);
    /* A second, read-only mapping shares the pin. */
    struct gnttab_map_grant_ref m2 = map(dB, dA->domain_id, 8, true);
    assert_int_equal(m2.status, GNTST_okay);
    assert_int_not_equal(m2.handle, m.handle);
    assert_int_equal(page_ref_count(pg), 1);
    /* The granter cannot free a frame in use. */
    assert_int_equal(domain_free_page(dA, pg), -EBUSY);
    /* The writer goes: GTF_writing and the type go, reading stays. */
    assert_int_equal(unmap(dB, m.handle), GNTST_okay);
    assert_int_equal(fake_gnt_last_unmap_mfn, f);
    assert_int_equal(entry(dA, 8)->flags, GTF_permit_access | GTF_reading);
    assert_int_equal(page_type_count(pg), 0);
    assert_int_equal(unmap(dB, m.handle), GNTST_bad_handle);       /* twice */
    assert_int_equal(unmap(dA, m2.handle), GNTST_bad_handle);      /* not A's handle */
    assert_int_equal(unmap(dB, 0x7fffffff), GNTST_bad_handle);
    assert_int_equal(unmap(dB, m2.handle), GNTST_okay);
    assert_int_equal(entry(dA, 8)->flags, GTF_permit_access);
    assert_int_equal(page_ref_count(pg), 0);
    assert_int_equal(fake_gnt_host_maps, 0);
    assert_int_equal(dB->grant_table->maptrack_used, 0);
}

static void test_map_refused(void **state)
{
    mfn_t f = own_frame(dA, 0x22), bf = own_frame(dB, 0x33);
    struct gnttab_map_grant_ref m;

    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 1, dB->domain_id, f, true);
    grant(dA, 2, dC->domain_id, f, false);              /* for someone else */
    grant(dA, 3, dB->domain_id, bf, false);             /* B's own frame */
    grant(dA, 4, dB->domain_id, 0xfffffff, false);      /* no such frame */
    grant(dA, 5, dB->domain_id, virt_to_mfn(dA->grant_table->shared[0]), false);
    grant(dA, 6, dB->domain_id, f, false);
    entry(dA, 6)->flags = GTF_accept_transfer;          /* not an access grant */
    assert_int_equal(map(dB, dA->domain_id, 1, false).status, GNTST_permission_denied);
    assert_int_equal(map(dB, dA->domain_id, 2, false).status, GNTST_permission_denied);
    assert_int_equal(map(dB, dA->domain_id, 3, false).status, GNTST_bad_page);
    assert_int_equal(map(dB, dA->domain_id, 4, false).status, GNTST_bad_page);
    assert_int_equal(map(dB, dA->domain_id, 5, false).status, GNTST_bad_page);
    assert_int_equal(map(dB, dA->domain_id, 6, false).status, GNTST_permission_denied);
    assert_int_equal(map(dB, dA->domain_id, 512, false).status, GNTST_bad_gntref);
    assert_int_equal(map(dB, dA->domain_id, 0xffffffff, false).status, GNTST_bad_gntref);
    assert_int_equal(map(dB, 999, 1, true).status, GNTST_bad_domain);
    assert_int_equal(map(dB, DOMID_XEN, 1, true).status, GNTST_bad_domain);
    /* Flags: no host_map, device_map, unknown bits. */
    m = (struct gnttab_map_grant_ref){ .flags = GNTMAP_readonly, .ref = 1, .dom = dA->domain_id };
    assert_int_equal(OP(dB, map_grant_ref, m), 0);
    assert_int_equal(m.status, GNTST_general_error);
    m.flags = GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly;
    assert_int_equal(OP(dB, map_grant_ref, m), 0);
    assert_int_equal(m.status, GNTST_general_error);
    /* The arch refusing the address undoes the pin. */
    fake_gnt_map_fail = GNTST_bad_virt_addr;
    assert_int_equal(map(dB, dA->domain_id, 1, true).status, GNTST_bad_virt_addr);
    /* Nothing left behind by any of it. */
    for (grant_ref_t r = 1; r <= 5; r++)
        assert_int_equal(entry(dA, r)->flags & (GTF_reading | GTF_writing), 0);
    assert_int_equal(page_ref_count(mfn_to_page(f)), 0);
    assert_int_equal(page_ref_count(mfn_to_page(bf)), 0);
    assert_int_equal(dB->grant_table->maptrack_used, 0);
    assert_int_equal(dA->refcnt, 2);                    /* the table's and the test's */
}

/*
 * A granter that revokes by clearing its entry while mapped: the mapping
 * keeps its frame, the entry cannot be pinned for anyone else until the
 * last unmap, and the unmap still cleans up.
 */
static void test_revoke_while_mapped(void **state)
{
    mfn_t f = own_frame(dA, 0x44), g = own_frame(dA, 0x55);
    struct gnttab_map_grant_ref m;

    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 9, dB->domain_id, f, false);
    m = map(dB, dA->domain_id, 9, false);
    assert_int_equal(m.status, GNTST_okay);
    entry(dA, 9)->flags = 0;                            /* hostile: no CAS */
    grant(dA, 9, dC->domain_id, g, false);              /* and given to C */
    assert_int_equal(map(dC, dA->domain_id, 9, false).status, GNTST_general_error);
    assert_int_equal(map(dB, dA->domain_id, 9, false).status, GNTST_permission_denied);
    assert_int_equal(page_ref_count(mfn_to_page(f)), 1);        /* still B's to use */
    assert_int_equal(unmap(dB, m.handle), GNTST_okay);
    assert_int_equal(page_ref_count(mfn_to_page(f)), 0);
    m = map(dC, dA->domain_id, 9, false);
    assert_int_equal(m.status, GNTST_okay);
    assert_int_equal(page_ref_count(mfn_to_page(g)), 1);
    assert_int_equal(unmap(dC, m.handle), GNTST_okay);
}

static void test_maptrack_limit(void **state)
{
    struct domain_config c = { .name = "small", .max_vcpus = 1, .max_pages = 4,
                               .max_maptrack_frames = 1 };
    struct domain *dS;
    mfn_t f = own_frame(dA, 0x66);
    unsigned int n = GNTTAB_MAPTRACK_PER_FRAME;
    grant_handle_t first = 0;

    assert_int_equal(domain_create(&c, false, &dS), 0);
    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 10, dS->domain_id, f, true);
    for (unsigned int i = 0; i < n; i++) {
        struct gnttab_map_grant_ref m = map(dS, dA->domain_id, 10, true);
        assert_int_equal(m.status, GNTST_okay);
        if (!i)
            first = m.handle;
    }
    assert_int_equal(map(dS, dA->domain_id, 10, true).status, GNTST_no_space);
    assert_int_equal(unmap(dS, first), GNTST_okay);
    assert_int_equal(map(dS, dA->domain_id, 10, true).status, GNTST_okay);
    assert_int_equal(dA->grant_table->active[0][10].readers, n);
    /* Its destruction releases every one of them. */
    fake_domain_destroy(dS);
    assert_int_equal(dA->grant_table->active[0][10].readers, 0);
    assert_int_equal(entry(dA, 10)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(page_ref_count(mfn_to_page(f)), 0);
}

/* ---- copy ---- */

static int16_t copy(struct domain *d, struct gnttab_copy *c)
{
    assert_int_equal(op_as(d, GNTTABOP_copy, c, sizeof(*c), 1), 0);
    return c->status;
}

static void test_copy(void **state)
{
    mfn_t ga = own_frame(dA, 0xa1), gr = own_frame(dA, 0xa2), bf = own_frame(dB, 0xb0);
    uint8_t *a = page_to_virt(mfn_to_page(ga)), *b = page_to_virt(mfn_to_page(bf));
    struct gnttab_copy c;

    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 11, dB->domain_id, ga, false);
    grant(dA, 12, dB->domain_id, gr, true);
    /* Into A's granted frame from B's own. */
    c = (struct gnttab_copy){ .source = { .u.gmfn = bf, .domid = DOMID_SELF, .offset = 16 },
                              .dest = { .u.ref = 11, .domid = dA->domain_id, .offset = 100 },
                              .len = 32, .flags = GNTCOPY_dest_gref };
    assert_int_equal(copy(dB, &c), GNTST_okay);
    assert_int_equal(a[99], 0xa1);
    assert_int_equal(a[100], 0xb0);
    assert_int_equal(a[131], 0xb0);
    assert_int_equal(a[132], 0xa1);
    /* From A's read-only grant into B's frame. */
    c = (struct gnttab_copy){ .source = { .u.ref = 12, .domid = dA->domain_id },
                              .dest = { .u.gmfn = bf, .domid = dB->domain_id, .offset = 4000 },
                              .len = 96, .flags = GNTCOPY_source_gref };
    assert_int_equal(copy(dB, &c), GNTST_okay);
    assert_int_equal(b[3999], 0xb0);
    assert_int_equal(b[4000], 0xa2);
    assert_int_equal(b[4095], 0xa2);
    /* Refused: crossing a page, writing a read-only grant, another's frame, bad flags. */
    c.len = 97;
    assert_int_equal(copy(dB, &c), GNTST_bad_copy_arg);
    c = (struct gnttab_copy){ .source = { .u.gmfn = bf, .domid = DOMID_SELF },
                              .dest = { .u.ref = 12, .domid = dA->domain_id },
                              .len = 8, .flags = GNTCOPY_dest_gref };
    assert_int_equal(copy(dB, &c), GNTST_permission_denied);
    c.dest = (struct gnttab_copy_ptr){ .u.gmfn = ga, .domid = dA->domain_id };
    c.flags = 0;
    assert_int_equal(copy(dB, &c), GNTST_permission_denied);
    c.dest = (struct gnttab_copy_ptr){ .u.gmfn = ga, .domid = DOMID_SELF };
    assert_int_equal(copy(dB, &c), GNTST_bad_page);     /* A's frame named as B's own */
    c.flags = 0x80;
    assert_int_equal(copy(dB, &c), GNTST_bad_copy_arg);
    /* A copy leaves no pin behind. */
    assert_int_equal(entry(dA, 11)->flags, GTF_permit_access);
    assert_int_equal(entry(dA, 12)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(page_ref_count(mfn_to_page(ga)), 0);
    assert_int_equal(page_ref_count(mfn_to_page(bf)), 0);
    assert_int_equal(page_type_count(mfn_to_page(bf)), 0);
}

/* A batch: each entry its own status, the call itself 0. */
static void test_copy_batch(void **state)
{
    mfn_t ga = own_frame(dA, 0xc1), bf = own_frame(dB, 0xc2);
    struct gnttab_copy c[3];

    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 13, dB->domain_id, ga, false);
    for (int i = 0; i < 3; i++)
        c[i] = (struct gnttab_copy){ .source = { .u.gmfn = bf, .domid = DOMID_SELF },
                                     .dest = { .u.ref = 13, .domid = dA->domain_id,
                                               .offset = i * 8 },
                                     .len = 8, .flags = GNTCOPY_dest_gref };
    c[1].dest.u.ref = 14;                               /* not granted */
    assert_int_equal(op_as(dB, GNTTABOP_copy, c, sizeof(c[0]), 3), 0);
    assert_int_equal(c[0].status, GNTST_okay);
    assert_int_equal(c[1].status, GNTST_permission_denied);
    assert_int_equal(c[2].status, GNTST_okay);
    assert_int_equal(((uint8_t *)page_to_virt(mfn_to_page(ga)))[9], 0xc1);
    assert_int_equal(((uint8_t *)page_to_virt(mfn_to_page(ga)))[17], 0xc2);
}

/* ---- destruction ---- */

/* The mapper dies: its mappings are undone at once. */
static void test_destroy_mapper(void **state)
{
    mfn_t f = own_frame(dA, 0x77);

    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 20, dB->domain_id, f, false);
    assert_int_equal(map(dB, dA->domain_id, 20, false).status, GNTST_okay);
    assert_int_equal(dA->refcnt, 3);                    /* + the mapping's */
    destroy_if(&dB);
    assert_int_equal(dA->refcnt, 2);
    assert_int_equal(entry(dA, 20)->flags, GTF_permit_access);
    assert_int_equal(page_ref_count(mfn_to_page(f)), 0);
    assert_int_equal(fake_gnt_host_maps, 0);
}

/* The granter dies first: its frame lives on until the mapper lets go. */
static void test_destroy_granter(void **state)
{
    mfn_t f = own_frame(dA, 0x88);
    struct domain *a = dA;
    struct gnttab_map_grant_ref m;

    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 21, dB->domain_id, f, false);
    m = map(dB, dA->domain_id, 21, false);
    assert_int_equal(m.status, GNTST_okay);
    domain_get(a);
    destroy_if(&dA);
    assert_int_equal(a->state, DOMSTATE_dying);
    assert_null(domain_get_by_id(a->domain_id));
    assert_int_equal(map(dB, a->domain_id, 21, false).status, GNTST_bad_domain);
    assert_int_equal(page_owner(mfn_to_page(f)), a->domain_id);    /* not freed */
    domain_put(a);                                      /* only the mapping holds it */
    assert_int_equal(unmap(dB, m.handle), GNTST_okay);  /* releases it */
}

/* Two domains mapping each other's grants, destroyed: no cycle keeps them. */
static void test_destroy_cycle(void **state)
{
    mfn_t fa = own_frame(dA, 0x99), fb = own_frame(dB, 0x9a);

    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    assert_int_equal(setup_table(dB, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 30, dB->domain_id, fa, false);
    grant(dB, 30, dA->domain_id, fb, false);
    assert_int_equal(map(dB, dA->domain_id, 30, false).status, GNTST_okay);
    assert_int_equal(map(dA, dB->domain_id, 30, false).status, GNTST_okay);
    /* And a self-grant, mapped by its own granter. */
    grant(dA, 31, dA->domain_id, fa, true);
    assert_int_equal(map(dA, DOMID_SELF, 31, true).status, GNTST_okay);
    destroy_if(&dA);
    destroy_if(&dB);
    /* teardown checks that every frame and object came back */
}

/* A dying domain maps nothing more. */
static void test_no_map_after_release(void **state)
{
    mfn_t f = own_frame(dA, 0xab);

    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 40, dB->domain_id, f, false);
    gnttab_release_mappings(dB);
    assert_int_equal(map(dB, dA->domain_id, 40, false).status, GNTST_no_space);
    assert_int_equal(page_ref_count(mfn_to_page(f)), 0);
}

/* The mapper's destruction starts while a map is half done (another vCPU). */
static void release_now(struct domain *d)
{
    gnttab_release_mappings(d);
}

static void test_map_racing_release(void **state)
{
    mfn_t f = own_frame(dA, 0xac);

    assert_int_equal(setup_table(dA, DOMID_SELF, 1), GNTST_okay);
    grant(dA, 41, dB->domain_id, f, false);
    fake_gnt_map_hook = release_now;
    assert_int_equal(map(dB, dA->domain_id, 41, false).status, GNTST_general_error);
    assert_int_equal(fake_gnt_host_maps, 0);
    assert_int_equal(entry(dA, 41)->flags, GTF_permit_access);
    assert_int_equal(page_ref_count(mfn_to_page(f)), 0);
    assert_int_equal(dB->grant_table->maptrack_used, 0);
    assert_int_equal(dA->refcnt, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_setup_and_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_unmap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_while_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maptrack_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_mapper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_granter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_map_after_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_racing_release, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
