/*
 * Grant tables v1: the per-domain state and its rules (sable/grant_table.h
 * has the model). Portable: frames are reached through the direct map and
 * host mappings through arch hooks, so the host unit tests run this file
 * as it is. The hypercall side is common/grant_table_op.c.
 *
 * Semantics follow Xen's xen/common/grant_table.c for version 1: an entry
 * is pinned by a compare-and-swap on its flags and domid together, which
 * sets GTF_reading (and GTF_writing for a writable pin); the bits are
 * cleared again when the last pin of their kind goes. Departures: every
 * pin re-checks the shared entry (Xen skips that for a further read-only
 * pin of an entry already pinned), and an entry pinned for one domain
 * cannot be pinned for another until it is released.
 */
#include <sable/cmdline.h>
#include <sable/console.h>
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/grant_table.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>

uint64_t opt_gnttab_max_frames = GNTTAB_DEFAULT_MAX_FRAMES;
uint64_t opt_gnttab_max_maptrack_frames = GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES;
integer_param("gnttab_max_frames", opt_gnttab_max_frames, 1, GNTTAB_LIMIT_FRAMES);
integer_param("gnttab_max_maptrack_frames", opt_gnttab_max_maptrack_frames, 1,
              GNTTAB_LIMIT_FRAMES);

#define MAPTRACK_END      (~0U)
/* A hostile granter flipping its entry could make a CAS loop forever. */
#define PIN_CAS_RETRIES   4

static struct grant_table *gt_of(struct domain *d)
{
    return d->grant_table;
}

/* ---- creation and teardown ---- */

static unsigned int limit_or_default(unsigned int want, uint64_t dflt)
{
    uint64_t v = want ? want : dflt;

    return v > GNTTAB_LIMIT_FRAMES ? GNTTAB_LIMIT_FRAMES : (unsigned int)v;
}

int gnttab_domain_create(struct domain *d, unsigned int max_frames,
                         unsigned int max_maptrack_frames)
{
    struct grant_table *gt = xzalloc(struct grant_table);

    if (!gt)
        return -ENOMEM;
    gt->max_frames = limit_or_default(max_frames, opt_gnttab_max_frames);
    gt->max_maptrack_frames = limit_or_default(max_maptrack_frames,
                                               opt_gnttab_max_maptrack_frames);
    gt->shared = xzalloc_bytes(gt->max_frames * sizeof(*gt->shared));
    gt->active = xzalloc_bytes(gt->max_frames * sizeof(*gt->active));
    gt->maptrack = xzalloc_bytes(gt->max_maptrack_frames * sizeof(*gt->maptrack));
    gt->maptrack_free = MAPTRACK_END;
    d->grant_table = gt;
    if (!gt->shared || !gt->active || !gt->maptrack) {
        gnttab_domain_destroy(d);
        return -ENOMEM;
    }
    return 0;
}

void gnttab_domain_destroy(struct domain *d)
{
    struct grant_table *gt = gt_of(d);

    if (!gt)
        return;
    ASSERT(!gt->maptrack_used);
    for (unsigned int i = 0; gt->shared && i < gt->nr_frames; i++) {
        struct page_info *pg = virt_to_page(gt->shared[i]);
        if (page_ref_count(pg) || page_type_count(pg))
            pr_warn("dom%u: grant frame %u still mapped at release, leaked\n",
                    d->domain_id, i);
        else
            free_xenheap_pages(gt->shared[i], 0);
        xfree(gt->active[i]);
    }
    for (unsigned int i = 0; gt->maptrack && i < gt->maptrack_frames; i++)
        xfree(gt->maptrack[i]);
    xfree(gt->shared);
    xfree(gt->active);
    xfree(gt->maptrack);
    xfree(gt);
    d->grant_table = NULL;
}

/* ---- shared frames ---- */

/* One more shared frame with its active entries (under gt->lock). */
static int grow_one(struct grant_table *gt)
{
    unsigned int i = gt->nr_frames;
    struct grant_entry_v1 *f;
    struct active_grant *a;

    if (i >= gt->max_frames)
        return -EINVAL;
    f = alloc_xenheap_pages(0);
    a = xzalloc_bytes(GNTTAB_ENTRIES_PER_FRAME * sizeof(*a));
    if (!f || !a) {
        if (f)
            free_xenheap_pages(f, 0);
        xfree(a);
        return -ENOMEM;
    }
    memset(f, 0, PAGE_SIZE);
    gt->shared[i] = f;
    gt->active[i] = a;
    /* Readers without the lock (gnttab_is_shared_frame) see the frame first. */
    __atomic_store_n(&gt->nr_frames, i + 1, __ATOMIC_RELEASE);
    return 0;
}

static int grow_to(struct grant_table *gt, unsigned int nr)
{
    int rc = 0;

    if (nr > gt->max_frames)
        return -EINVAL;
    spin_lock(&gt->lock);
    while (!rc && gt->nr_frames < nr)
        rc = grow_one(gt);
    spin_unlock(&gt->lock);
    return rc;
}

int gnttab_grow(struct domain *d, unsigned int nr)
{
    int rc = grow_to(gt_of(d), nr);

    return rc == -ENOMEM ? GNTST_no_space : rc ? GNTST_general_error : GNTST_okay;
}

int gnttab_shared_frame(struct domain *d, unsigned int idx, mfn_t *mfn)
{
    struct grant_table *gt = gt_of(d);
    int rc;

    if (idx >= gt->max_frames)
        return -EINVAL;
    rc = grow_to(gt, idx + 1);
    if (!rc)
        *mfn = virt_to_mfn(gt->shared[idx]);
    return rc;
}

bool gnttab_is_shared_frame(struct domain *d, mfn_t mfn)
{
    struct grant_table *gt = gt_of(d);
    unsigned int n;

    if (!gt)
        return false;
    n = __atomic_load_n(&gt->nr_frames, __ATOMIC_ACQUIRE);
    for (unsigned int i = 0; i < n; i++)
        if (virt_to_mfn(gt->shared[i]) == mfn)
            return true;
    return false;
}

/* ---- pinning entries ---- */

static struct grant_entry_v1 *shared_entry(struct grant_table *gt, grant_ref_t ref)
{
    return &gt->shared[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

static struct active_grant *active_entry(struct grant_table *gt, grant_ref_t ref)
{
    return &gt->active[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

/*
 * Check the shared entry for a pin by mapper and set the in-use bits, with
 * one compare-and-swap over flags and domid so neither can change between
 * the check and the update. GNTST_okay or the reason it is refused.
 */
static int entry_set_in_use(struct grant_entry_v1 *e, domid_t mapper, bool writable)
{
    uint32_t *word = (uint32_t *)e;
    uint32_t cur = __atomic_load_n(word, __ATOMIC_ACQUIRE);

    for (unsigned int tries = 0; tries < PIN_CAS_RETRIES; tries++) {
        uint16_t flags = (uint16_t)cur;
        uint32_t want = cur | GTF_reading | (writable ? GTF_writing : 0);

        if ((flags & GTF_type_mask) != GTF_permit_access || (domid_t)(cur >> 16) != mapper)
            return GNTST_permission_denied;
        if (writable && (flags & GTF_readonly))
            return GNTST_permission_denied;
        if (__atomic_compare_exchange_n(word, &cur, want, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return GNTST_okay;
    }
    return GNTST_general_error;         /* the granter keeps changing it */
}

/* Clear in-use bits of the shared entry (whatever the granter wrote since). */
static void entry_clear(struct grant_entry_v1 *e, uint16_t bits)
{
    __atomic_fetch_and(&e->flags, (uint16_t)~bits, __ATOMIC_RELEASE);
}

/*
 * The frame a pin of rd's entry uses: rd's own RAM (never a hypervisor
 * page, another domain's or I/O memory), with a general reference, and
 * a writable type reference when asked (refused for page tables).
 */
static int frame_get(struct domain *rd, uint64_t frame, bool writable, mfn_t *out)
{
    uint64_t mfn = arch_guest_frame_to_mfn(rd, frame);
    struct page_info *pg;

    if (!mfn_valid(mfn))
        return GNTST_bad_page;
    pg = mfn_to_page(mfn);
    if (page_owner(pg) != rd->domain_id || page_get_ref(pg))
        return GNTST_bad_page;
    if (page_owner(pg) != rd->domain_id) {
        page_put_ref(pg);
        return GNTST_bad_page;
    }
    if (writable && page_get_type(pg, PGT_writable)) {
        page_put_ref(pg);
        return GNTST_general_error;     /* a page table or descriptor page */
    }
    *out = mfn;
    return GNTST_okay;
}

static bool ref_valid(struct grant_table *gt, grant_ref_t ref)
{
    return ref < gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME;
}

/* Take the pin's frame references: the first pin a general one, the first writer a type one. */
static int act_get(struct domain *rd, struct active_grant *act, uint32_t frame, bool writable)
{
    int rc;

    if (!act->readers && !act->writers) {
        rc = frame_get(rd, frame, writable, &act->mfn);
        return rc;
    }
    if (writable && !act->writers && page_get_type(mfn_to_page(act->mfn), PGT_writable))
        return GNTST_general_error;
    return GNTST_okay;
}

int gnttab_pin(struct domain *rd, grant_ref_t ref, struct domain *ld, bool writable,
               mfn_t *mfn)
{
    struct grant_table *gt = gt_of(rd);
    struct active_grant *act;
    struct grant_entry_v1 *e;
    bool pinned;
    int rc;

    spin_lock(&gt->lock);
    rc = GNTST_bad_gntref;
    if (!ref_valid(gt, ref))
        goto out;
    act = active_entry(gt, ref);
    e = shared_entry(gt, ref);
    pinned = act->readers || act->writers;
    rc = GNTST_general_error;
    if (pinned && act->domid != ld->domain_id)
        goto out;                       /* still held by its previous grantee */
    if ((writable ? act->writers : act->readers) == UINT16_MAX)
        goto out;
    rc = entry_set_in_use(e, ld->domain_id, writable);
    if (rc)
        goto out;
    rc = act_get(rd, act, __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE), writable);
    if (rc) {
        /* Leave the bits as the pins still held need them. */
        if (!act->writers)
            entry_clear(e, GTF_writing);
        if (!pinned)
            entry_clear(e, GTF_reading);
        goto out;
    }
    act->domid = ld->domain_id;
    if (writable)
        act->writers++;
    else
        act->readers++;
    *mfn = act->mfn;
out:
    spin_unlock(&gt->lock);
    return rc;
}

void gnttab_unpin(struct domain *rd, grant_ref_t ref, bool writable)
{
    struct grant_table *gt = gt_of(rd);
    struct active_grant *act;
    struct page_info *pg;

    spin_lock(&gt->lock);
    ASSERT(ref_valid(gt, ref));
    act = active_entry(gt, ref);
    pg = mfn_to_page(act->mfn);
    if (writable) {
        ASSERT(act->writers);
        if (!--act->writers) {
            page_put_type(pg);
            entry_clear(shared_entry(gt, ref), GTF_writing);
        }
    } else {
        ASSERT(act->readers);
        act->readers--;
    }
    if (!act->readers && !act->writers) {
        page_put_ref(pg);
        entry_clear(shared_entry(gt, ref), GTF_reading | GTF_writing);
    }
    spin_unlock(&gt->lock);
}

/* ---- maptrack ---- */

static struct grant_mapping *maptrack_entry(struct grant_table *gt, uint32_t h)
{
    return &gt->maptrack[h / GNTTAB_MAPTRACK_PER_FRAME][h % GNTTAB_MAPTRACK_PER_FRAME];
}

/* One more frame of handles onto the free list (under maptrack_lock). */
static bool maptrack_grow(struct grant_table *gt)
{
    unsigned int f = gt->maptrack_frames;
    struct grant_mapping *m;

    if (f >= gt->max_maptrack_frames)
        return false;
    m = xzalloc_bytes(GNTTAB_MAPTRACK_PER_FRAME * sizeof(*m));
    if (!m)
        return false;
    gt->maptrack[f] = m;
    gt->maptrack_frames = f + 1;
    for (uint32_t i = GNTTAB_MAPTRACK_PER_FRAME; i-- > 0;) {
        m[i].next_free = gt->maptrack_free;
        gt->maptrack_free = f * GNTTAB_MAPTRACK_PER_FRAME + i;
    }
    return true;
}

/* A free handle marked busy (being set up), or MAPTRACK_END. */
static uint32_t maptrack_get(struct grant_table *gt)
{
    uint32_t h = MAPTRACK_END;

    spin_lock(&gt->maptrack_lock);
    if (gt->releasing)
        goto out;
    if (gt->maptrack_free == MAPTRACK_END && !maptrack_grow(gt))
        goto out;
    h = gt->maptrack_free;
    gt->maptrack_free = maptrack_entry(gt, h)->next_free;
    maptrack_entry(gt, h)->state = MAPTRACK_BUSY;
    gt->maptrack_used++;
out:
    spin_unlock(&gt->maptrack_lock);
    return h;
}

static void maptrack_put(struct grant_table *gt, uint32_t h)
{
    struct grant_mapping *m;

    spin_lock(&gt->maptrack_lock);
    m = maptrack_entry(gt, h);
    m->state = MAPTRACK_FREE;
    m->granter = NULL;
    m->next_free = gt->maptrack_free;
    gt->maptrack_free = h;
    gt->maptrack_used--;
    spin_unlock(&gt->maptrack_lock);
}

/* Handle h in use, turned busy so nobody else unmaps it meanwhile; NULL if not. */
static struct grant_mapping *maptrack_claim(struct grant_table *gt, uint32_t h)
{
    struct grant_mapping *m = NULL;

    spin_lock(&gt->maptrack_lock);
    if (h < gt->maptrack_frames * GNTTAB_MAPTRACK_PER_FRAME &&
        maptrack_entry(gt, h)->state == MAPTRACK_INUSE) {
        m = maptrack_entry(gt, h);
        m->state = MAPTRACK_BUSY;
    }
    spin_unlock(&gt->maptrack_lock);
    return m;
}

/*
 * Make a busy handle usable again. false (left busy) for a new mapping once
 * the domain is being released: the release may have passed this handle
 * already, so the caller undoes the mapping itself.
 */
static bool maptrack_publish(struct grant_table *gt, struct grant_mapping *m, bool is_new)
{
    bool ok;

    spin_lock(&gt->maptrack_lock);
    ok = !(is_new && gt->releasing);
    if (ok)
        m->state = MAPTRACK_INUSE;
    spin_unlock(&gt->maptrack_lock);
    return ok;
}

/* ---- map and unmap ---- */

/*
 * The granting domain an op names, with a reference: DOMID_SELF or an id
 * of a live domain. NULL for anything else (reserved ids, dying domains).
 */
static struct domain *granter_get(struct domain *ld, domid_t id)
{
    if (id == DOMID_SELF || id == ld->domain_id)
        return domain_get(ld) ? ld : NULL;
    if (id >= DOMID_FIRST_RESERVED)
        return NULL;
    return domain_get_by_id(id);
}

#define GNTMAP_KNOWN (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly | \
                      GNTMAP_application_map | GNTMAP_contains_pte | GNTMAP_guest_avail_mask)

static int map_check_flags(uint32_t flags)
{
    if (flags & ~GNTMAP_KNOWN)
        return GNTST_general_error;
    if (!(flags & GNTMAP_host_map) || (flags & GNTMAP_device_map))
        return GNTST_general_error;     /* only host mappings (no device_map) */
    return GNTST_okay;
}

void gnttab_map_one(struct domain *ld, struct gnttab_map_grant_ref *op)
{
    struct grant_table *lgt = gt_of(ld);
    bool ro = op->flags & GNTMAP_readonly;
    struct grant_mapping *m;
    struct domain *rd;
    uint32_t h;
    mfn_t mfn;
    int rc;

    op->handle = ~0U;
    rc = map_check_flags(op->flags);
    if (rc)
        goto out;
    rc = GNTST_bad_domain;
    rd = granter_get(ld, op->dom);
    if (!rd)
        goto out;
    rc = GNTST_no_space;
    h = maptrack_get(lgt);
    if (h == MAPTRACK_END)
        goto out_put;
    rc = gnttab_pin(rd, op->ref, ld, !ro, &mfn);
    if (rc)
        goto out_handle;
    m = maptrack_entry(lgt, h);
    rc = arch_gnttab_host_map(ld, rd, op->host_addr, op->flags, mfn, &m->host);
    if (rc)
        goto out_unpin;
    m->readonly = ro;
    m->granter_id = rd->domain_id;
    m->granter = rd;                    /* keeps our reference */
    m->ref = op->ref;
    m->mfn = mfn;
    if (!maptrack_publish(lgt, m, true)) {
        arch_gnttab_host_unmap(ld, &m->host, mfn);
        rc = GNTST_general_error;       /* the domain is dying under us */
        goto out_unpin;
    }
    op->handle = h;
    op->dev_bus_addr = 0;
    op->status = GNTST_okay;
    return;
out_unpin:
    gnttab_unpin(rd, op->ref, !ro);
out_handle:
    maptrack_put(lgt, h);
out_put:
    domain_put(rd);
out:
    op->status = rc;
}

/* Undo mapping m of handle h: its host entry, its pin, the granter's reference. */
static void unmap_mapping(struct domain *ld, uint32_t h, struct grant_mapping *m)
{
    struct domain *rd = m->granter;

    arch_gnttab_host_unmap(ld, &m->host, m->mfn);
    gnttab_unpin(rd, m->ref, !m->readonly);
    maptrack_put(gt_of(ld), h);
    domain_put(rd);
}

void gnttab_unmap_one(struct domain *ld, struct gnttab_unmap_grant_ref *op)
{
    struct grant_table *lgt = gt_of(ld);
    struct grant_mapping *m = maptrack_claim(lgt, op->handle);

    if (!m) {
        op->status = GNTST_bad_handle;
        return;
    }
    if (op->host_addr && op->host_addr != m->host.va) {
        maptrack_publish(lgt, m, false);
        op->status = GNTST_bad_virt_addr;
        return;
    }
    if (op->dev_bus_addr) {
        maptrack_publish(lgt, m, false);
        op->status = GNTST_bad_dev_addr;    /* nothing is device-mapped */
        return;
    }
    unmap_mapping(ld, op->handle, m);
    op->status = GNTST_okay;
}

void gnttab_release_mappings(struct domain *d)
{
    struct grant_table *gt = gt_of(d);
    unsigned int n, undone = 0;

    if (!gt)
        return;
    spin_lock(&gt->maptrack_lock);
    gt->releasing = true;
    n = gt->maptrack_frames * GNTTAB_MAPTRACK_PER_FRAME;
    spin_unlock(&gt->maptrack_lock);
    for (uint32_t h = 0; h < n; h++) {
        struct grant_mapping *m = maptrack_claim(gt, h);
        if (m) {
            unmap_mapping(d, h, m);
            undone++;
        }
    }
    if (undone)
        printk("dom%u: %u grant mapping%s undone at destroy\n", d->domain_id, undone,
               undone == 1 ? "" : "s");
}

/* ---- copy ---- */

/* One side of a copy, resolved to a frame with the references it needs. */
struct copy_side {
    struct domain *rd;          /* granter (counted), or NULL for our own frame */
    grant_ref_t ref;
    mfn_t mfn;
    bool writable;
};

static int copy_side_get(struct domain *ld, const struct gnttab_copy_ptr *p, bool by_ref,
                         bool writable, struct copy_side *s)
{
    int rc;

    s->writable = writable;
    s->rd = NULL;
    if (!by_ref) {
        if (p->domid != DOMID_SELF && p->domid != ld->domain_id)
            return GNTST_permission_denied; /* others' frames only through grants */
        return frame_get(ld, p->u.gmfn, writable, &s->mfn);
    }
    s->rd = granter_get(ld, p->domid);
    if (!s->rd)
        return GNTST_bad_domain;
    s->ref = p->u.ref;
    rc = gnttab_pin(s->rd, s->ref, ld, writable, &s->mfn);
    if (rc) {
        domain_put(s->rd);
        s->rd = NULL;
    }
    return rc;
}

static void copy_side_put(struct copy_side *s)
{
    struct page_info *pg = mfn_to_page(s->mfn);

    if (s->rd) {
        gnttab_unpin(s->rd, s->ref, s->writable);
        domain_put(s->rd);
        return;
    }
    if (s->writable)
        page_put_type(pg);
    page_put_ref(pg);
}

void gnttab_copy_one(struct domain *ld, struct gnttab_copy *op)
{
    struct copy_side src, dst;
    int rc;

    if (op->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref)) {
        op->status = GNTST_bad_copy_arg;
        return;
    }
    if ((uint32_t)op->source.offset + op->len > PAGE_SIZE ||
        (uint32_t)op->dest.offset + op->len > PAGE_SIZE) {
        op->status = GNTST_bad_copy_arg;
        return;
    }
    rc = copy_side_get(ld, &op->source, op->flags & GNTCOPY_source_gref, false, &src);
    if (rc) {
        op->status = rc;
        return;
    }
    rc = copy_side_get(ld, &op->dest, op->flags & GNTCOPY_dest_gref, true, &dst);
    if (!rc) {
        memmove((char *)page_to_virt(mfn_to_page(dst.mfn)) + op->dest.offset,
                (char *)page_to_virt(mfn_to_page(src.mfn)) + op->source.offset, op->len);
        copy_side_put(&dst);
    }
    copy_side_put(&src);
    op->status = rc;
}
