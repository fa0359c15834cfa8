/*
 * Domains: the table of domains, creation with complete unwinding,
 * reference counting, pause/unpause, shutdown and crash, destruction, and
 * per-domain memory accounting.
 *
 * The table finds a domain by id in O(1) for every one of the
 * DOMID_FIRST_RESERVED ids without a large fixed array: a top level of
 * DOMTAB_LEAVES pointers to leaves of DOMTAB_LEAF slots, each leaf allocated
 * the first time an id in its range is handed out (a host with a handful of
 * domains spends one 2 KiB leaf) and kept afterwards. A bitmap of used ids
 * finds the lowest free id with one word test per 64 ids.
 *
 * Lifetime: the table holds one reference from creation to domain_destroy(),
 * domain_create() hands its caller another, and every other holder takes
 * one with domain_get()/domain_get_by_id(). When the count reaches zero
 * (only possible after domain_destroy) the domain is released: event
 * channels closed, vCPUs and arch state freed, its frames returned to the
 * allocator, shared_info freed, and only then is the id freed for reuse —
 * frames record their owner by id, so an id must not come back while a
 * frame may still name it.
 *
 * Locks: domlist_lock guards the table, the id bitmap and nr_domains;
 * d->lock guards d->state, d->page_list and d->tot_pages. Order: domlist_lock
 * before d->lock. Pause flags change with atomic operations (the arch clears
 * VPF_blocked from interrupt context).
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/grant_table.h>
#include <sable/event.h>
#include <sable/guest_console.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <sable/sched.h>
#include <sable/spinlock.h>
#include <sable/vcpu_time.h>

#include "public/sched.h"
#include "public/vcpu.h"
#include "public/xen.h"

#define DOMTAB_LEAF_SHIFT 8
#define DOMTAB_LEAF       (1U << DOMTAB_LEAF_SHIFT)
#define DOMTAB_LEAVES     ((DOMID_FIRST_RESERVED + DOMTAB_LEAF - 1) / DOMTAB_LEAF)
#define DOMID_WORDS       ((DOMID_FIRST_RESERVED + 63) / 64)

static spinlock_t domlist_lock = SPINLOCK_INIT;
/*
 * Guarded by domlist_lock. The first leaf (ids 0..255) is static, so the
 * heap holds nothing of the table until an id above those is used: with
 * every domain gone the free-frame count is back at its boot figure.
 */
static struct domain *domtab_leaf0[DOMTAB_LEAF];
static struct domain **domtab[DOMTAB_LEAVES] = { domtab_leaf0 };
static uint64_t domid_used[DOMID_WORDS];
static unsigned int nr_domains;

BUILD_BUG_ON(DOMAIN_MAX_VCPUS > XEN_LEGACY_MAX_VCPUS);
BUILD_BUG_ON(DOMAIN_MAX_VCPUS > 64);            /* poll_mask has a bit per vCPU */

static const char *const state_names[] = {
    [DOMSTATE_created] = "created",   [DOMSTATE_running] = "running",
    [DOMSTATE_paused] = "paused",     [DOMSTATE_shutdown] = "shutdown",
    [DOMSTATE_dying] = "dying",       [DOMSTATE_dead] = "dead",
};

static const char *const shutdown_names[] = {
    [SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
    [SHUTDOWN_suspend] = "suspend",   [SHUTDOWN_crash] = "crash",
    [SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
};

const char *domain_state_name(enum domain_state s)
{
    return (unsigned int)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

/* The name of a SHUTDOWN_* code, for the console. */
static const char *shutdown_name(unsigned int reason)
{
    return reason < ARRAY_SIZE(shutdown_names) ? shutdown_names[reason] : "unknown";
}

/* ---- the id table ---- */

/* The slot for id, or NULL when its leaf was never allocated. */
static struct domain **domtab_slot(domid_t id)
{
    struct domain **leaf = domtab[id >> DOMTAB_LEAF_SHIFT];

    return leaf ? &leaf[id & (DOMTAB_LEAF - 1)] : NULL;
}

static bool domid_is_used(domid_t id)
{
    return domid_used[id / 64] & (1ULL << (id % 64));
}

/* The lowest unused id >= first, or DOMID_FIRST_RESERVED when none is. */
static domid_t domid_find_free(domid_t first)
{
    for (unsigned int w = first / 64; w < DOMID_WORDS; w++) {
        uint64_t free = ~domid_used[w];

        if (w == first / 64)
            free &= ~0ULL << (first % 64);
        if (free) {
            unsigned int id = w * 64 + __builtin_ctzll(free);
            return id < DOMID_FIRST_RESERVED ? (domid_t)id : DOMID_FIRST_RESERVED;
        }
    }
    return DOMID_FIRST_RESERVED;
}

/*
 * Claim an id for d (0 only when want_dom0, else want if nonzero, else the
 * lowest free) and make sure its leaf exists; d becomes visible to lookups
 * only in domtab_publish(). -EEXIST when the id wanted is taken, -ENOSPC
 * when every id is, -ENOMEM for the leaf.
 */
static int domid_claim(struct domain *d, bool want_dom0, domid_t want)
{
    unsigned long flags = spin_lock_irqsave(&domlist_lock);
    domid_t id = want_dom0 ? 0 : want ? want : domid_find_free(1);
    int rc = 0;

    if ((want_dom0 || want) && domid_is_used(id))
        rc = -EEXIST;
    else if (id >= DOMID_FIRST_RESERVED)
        rc = -ENOSPC;
    else if (!domtab[id >> DOMTAB_LEAF_SHIFT] &&
             !(domtab[id >> DOMTAB_LEAF_SHIFT] = xzalloc_bytes(DOMTAB_LEAF * sizeof(void *))))
        rc = -ENOMEM;
    if (!rc) {
        domid_used[id / 64] |= 1ULL << (id % 64);
        d->domain_id = id;
    }
    spin_unlock_irqrestore(&domlist_lock, flags);
    return rc;
}

/* Give back an id that was claimed (its slot, if published, is cleared). */
static void domid_release(domid_t id)
{
    unsigned long flags = spin_lock_irqsave(&domlist_lock);
    struct domain **slot = domtab_slot(id);

    if (slot && *slot) {
        *slot = NULL;
        nr_domains--;
    }
    domid_used[id / 64] &= ~(1ULL << (id % 64));
    spin_unlock_irqrestore(&domlist_lock, flags);
}

static void domtab_publish(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&domlist_lock);

    *domtab_slot(d->domain_id) = d;
    nr_domains++;
    spin_unlock_irqrestore(&domlist_lock, flags);
}

/*
 * The domain published under id, with a reference too when take_ref (and
 * then only while it is not dying); NULL for reserved and unused ids.
 */
static struct domain *domtab_find(domid_t id, bool take_ref)
{
    struct domain *d = NULL, **slot;
    unsigned long flags;

    if (id >= DOMID_FIRST_RESERVED)
        return NULL;
    flags = spin_lock_irqsave(&domlist_lock);
    slot = domtab_slot(id);
    if (slot && *slot && (!take_ref || ((*slot)->state < DOMSTATE_dying && domain_get(*slot))))
        d = *slot;
    spin_unlock_irqrestore(&domlist_lock, flags);
    return d;
}

struct domain *page_owner_domain(const struct page_info *pg)
{
    return domtab_find(page_owner(pg), false);
}

unsigned int domain_count(void)
{
    return __atomic_load_n(&nr_domains, __ATOMIC_RELAXED);
}

/*
 * fn(d, arg) for every domain in the table (dying ones included), in id
 * order, with domlist_lock held: fn must not block, create or release.
 */
void domain_for_each(void (*fn)(struct domain *d, void *arg), void *arg)
{
    unsigned long flags = spin_lock_irqsave(&domlist_lock);

    for (unsigned int l = 0; l < DOMTAB_LEAVES; l++) {
        if (!domtab[l])
            continue;
        for (unsigned int i = 0; i < DOMTAB_LEAF; i++)
            if (domtab[l][i])
                fn(domtab[l][i], arg);
    }
    spin_unlock_irqrestore(&domlist_lock, flags);
}

/* ---- references ---- */

/*
 * Take a reference unless the count already reached zero (the domain is
 * being released and must not be revived).
 */
bool domain_get(struct domain *d)
{
    uint32_t old = __atomic_load_n(&d->refcnt, __ATOMIC_RELAXED);

    do {
        if (old == 0 || old == UINT32_MAX)
            return false;
    } while (!__atomic_compare_exchange_n(&d->refcnt, &old, old + 1, false,
                                          __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
    return true;
}

/*
 * A reference to the domain with this id; NULL for reserved ids, unused
 * ids and domains being destroyed. Safe against a concurrent last put:
 * the domain leaves the table (under domlist_lock) before it is freed.
 */
struct domain *domain_get_by_id(domid_t id)
{
    return domtab_find(id, true);
}

static void domain_release(struct domain *d);

void domain_put(struct domain *d)
{
    uint32_t left = __atomic_sub_fetch(&d->refcnt, 1, __ATOMIC_ACQ_REL);

    ASSERT(left != UINT32_MAX);
    if (left == 0)
        domain_release(d);
}

/* ---- vCPUs ---- */

/* Undo vcpu_create(); v must not be running anywhere. */
static void vcpu_destroy(struct vcpu *v)
{
    vcpu_guest_destroy(v);
    sched_destroy_vcpu(v);
    arch_vcpu_destroy(v);
    v->domain->vcpu[v->vcpu_id] = NULL;
    xfree(v);
}

/*
 * Make vCPU id of d: down and paused, its vcpu_info the legacy slot in
 * shared_info, known to the arch and the scheduler.
 */
static int vcpu_create(struct domain *d, const struct domain_config *cfg, unsigned int id)
{
    struct vcpu *v = xzalloc(struct vcpu);
    int rc = -ENOMEM;

    if (!v)
        goto out;
    v->vcpu_id = id;
    v->domain = d;
    v->pause_flags = VPF_down | VPF_paused;
    v->vcpu_info = &d->shared_info->vcpu_info[id];
    v->runstate = RUNSTATE_offline;
    v->hard_affinity = cfg->hard_affinity ? cfg->hard_affinity : ~0ULL;
    v->soft_affinity = cfg->soft_affinity ? cfg->soft_affinity : ~0ULL;
    rc = arch_vcpu_create(v);
    if (rc)
        goto out_free;
    rc = sched_init_vcpu(v, 0);
    if (rc)
        goto out_arch;
    vcpu_guest_init(v);
    d->vcpu[id] = v;
    if (id > 0)
        d->vcpu[id - 1]->next_in_domain = v;
    return 0;

out_arch:
    arch_vcpu_destroy(v);
out_free:
    xfree(v);
out:
    return rc;
}

/* ---- creation ---- */

static int domain_config_check(const struct domain_config *cfg)
{
    if (!cfg || cfg->max_vcpus == 0 || cfg->max_vcpus > DOMAIN_MAX_VCPUS ||
        cfg->domid >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    return 0;
}

/* A zeroed shared_info with every vCPU's event upcall masked. */
static struct shared_info *shared_info_alloc(void)
{
    struct shared_info *s = alloc_xenheap_pages(0);

    if (!s)
        return NULL;
    memset(s, 0, PAGE_SIZE);
    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        s->vcpu_info[i].evtchn_upcall_mask = 1;
    return s;
}

int domain_create(const struct domain_config *cfg, bool want_dom0, struct domain **out)
{
    struct domain *d;
    unsigned int nv = 0;
    int rc = domain_config_check(cfg);

    if (rc)
        return rc;
    d = xzalloc(struct domain);
    if (!d)
        return -ENOMEM;
    strlcpy(d->name, cfg->name ? cfg->name : "", sizeof(d->name));
    d->is_privileged = cfg->privileged;
    d->is_hvm = cfg->hvm;
    d->max_vcpus = cfg->max_vcpus;
    d->max_pages = cfg->max_pages;
    d->state = DOMSTATE_created;
    d->shutdown_code = DOMAIN_SHUTDOWN_CODE_NONE;
    d->lock = (spinlock_t)SPINLOCK_INIT;
    d->evtchn_lock = (spinlock_t)SPINLOCK_INIT;
    guest_console_init(d);

    rc = domid_claim(d, want_dom0, cfg->domid);
    if (rc)
        goto out_free;
    rc = -ENOMEM;
    d->shared_info = shared_info_alloc();
    if (!d->shared_info)
        goto out_id;
    domain_wallclock_update(d);
    rc = evtchn_domain_init(d, cfg->max_evtchns ? cfg->max_evtchns : EVTCHN_2L_NR_CHANNELS);
    if (rc)
        goto out_shared;
    rc = gnttab_domain_create(d, cfg->max_grant_frames, cfg->max_maptrack_frames);
    if (rc)
        goto out_evtchn;
    rc = arch_domain_create(d);
    if (rc)
        goto out_gnttab;
    rc = sched_init_domain(d, cfg->sched.weight ? &cfg->sched : &SCHED_PARAMS_DEFAULT);
    if (rc)
        goto out_arch;
    for (nv = 0; nv < d->max_vcpus; nv++) {
        rc = vcpu_create(d, cfg, nv);
        if (rc)
            goto out_vcpus;
    }

    d->refcnt = 2;                  /* the table's and the caller's */
    domtab_publish(d);
    *out = d;
    pr_debug("dom%u: created ('%s', %u vCPUs, at most %lu pages)\n", d->domain_id,
             d->name, d->max_vcpus, (unsigned long)d->max_pages);
    return 0;

out_vcpus:
    while (nv--)
        vcpu_destroy(d->vcpu[nv]);
    sched_destroy_domain(d);
out_arch:
    arch_domain_destroy(d);
out_gnttab:
    gnttab_domain_destroy(d);
out_evtchn:
    evtchn_domain_destroy(d);
out_shared:
    free_xenheap_pages(d->shared_info, 0);
out_id:
    domid_release(d->domain_id);
out_free:
    xfree(d);
    return rc;
}

/* ---- memory ---- */

struct page_info *domain_alloc_pages_unscrubbed(struct domain *d, unsigned int order)
{
    struct page_info *pg = NULL;
    uint64_t n = 1ULL << order;

    spin_lock(&d->lock);
    if (d->tot_pages + n <= d->max_pages && d->state < DOMSTATE_dying) {
        pg = alloc_pages(order);
        if (pg) {
            for (uint64_t i = 0; i < n; i++) {
                page_set_owner(&pg[i], d->domain_id);
                page_list_add_tail(&pg[i], &d->page_list);
            }
            d->tot_pages += n;
        }
    }
    spin_unlock(&d->lock);
    return pg;
}

struct page_info *domain_alloc_pages(struct domain *d, unsigned int order)
{
    struct page_info *pg = domain_alloc_pages_unscrubbed(d, order);

    /* Scrubbed: the frames may hold another domain's or the hypervisor's data. */
    if (pg)
        arch_scrub_pages(page_to_virt(pg), PAGE_SIZE << order);
    return pg;
}

struct page_info *domain_alloc_page(struct domain *d)
{
    return domain_alloc_pages(d, 0);
}

/* Detach pg from d if nothing references it; the caller frees it. */
static int domain_unlink_page(struct domain *d, struct page_info *pg)
{
    if (page_owner(pg) != d->domain_id)
        return -EINVAL;
    if (page_ref_count(pg) || page_type_count(pg))
        return -EBUSY;
    page_list_del(pg, &d->page_list);
    page_set_owner(pg, DOMID_XEN);
    set_gpfn_from_mfn(page_to_mfn(pg), INVALID_M2P_ENTRY);
    d->tot_pages--;
    return 0;
}

int domain_free_page(struct domain *d, struct page_info *pg)
{
    int rc;

    spin_lock(&d->lock);
    rc = domain_unlink_page(d, pg);
    spin_unlock(&d->lock);
    if (!rc)
        free_pages(pg, 0);
    return rc;
}

/*
 * Give every frame of a released domain back. A frame somebody still
 * references (dom0 maps it) cannot be freed yet: it becomes an orphan,
 * never handed out again while in use, freed with its last reference.
 */
static void domain_relinquish_memory(struct domain *d)
{
    struct page_info *pg;
    unsigned long kept = 0;

    while ((pg = page_list_first(&d->page_list))) {
        if (domain_unlink_page(d, pg) == 0) {
            free_pages(pg, 0);
            continue;
        }
        page_list_del(pg, &d->page_list);
        set_gpfn_from_mfn(page_to_mfn(pg), INVALID_M2P_ENTRY);
        d->tot_pages--;
        page_orphan(pg);
        kept++;
    }
    if (kept)
        pr_warn("dom%u: %lu frames still referenced at release, freed when they are not\n",
                d->domain_id, kept);
}

/* ---- state changes ---- */

static void vcpu_flag_set(struct vcpu *v, uint32_t flag)
{
    __atomic_fetch_or(&v->pause_flags, flag, __ATOMIC_SEQ_CST);
}

static void vcpu_flag_clear(struct vcpu *v, uint32_t flag)
{
    __atomic_fetch_and(&v->pause_flags, ~flag, __ATOMIC_SEQ_CST);
}

/* Stop every vCPU of d (VPF_paused plus flag), telling the scheduler. */
static void domain_stop_vcpus(struct domain *d, uint32_t flag)
{
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        if (!d->vcpu[i])
            continue;
        vcpu_flag_set(d->vcpu[i], VPF_paused | flag);
        vcpu_sleep(d->vcpu[i]);
    }
}

/* No more guest timers or polls for d's vCPUs. */
static void domain_quiesce_vcpus(struct domain *d)
{
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            vcpu_guest_quiesce(d->vcpu[i]);
}

/*
 * Stop a running domain's vCPUs until domain_unpause(). Pausing a paused
 * or never-started domain changes nothing; a shut down or dying domain
 * gives -EINVAL.
 */
int domain_pause(struct domain *d)
{
    bool stop = false;
    int rc = 0;

    spin_lock(&d->lock);
    if (d->state >= DOMSTATE_shutdown)
        rc = -EINVAL;
    else if (d->state == DOMSTATE_running) {
        d->state = DOMSTATE_paused;
        stop = true;
    }
    spin_unlock(&d->lock);
    if (stop)
        domain_stop_vcpus(d, 0);
    return rc;
}

/*
 * Let a created or paused domain run: its vCPUs that are up (and not
 * blocked) become runnable. -EINVAL once it is shut down or dying.
 */
int domain_unpause(struct domain *d)
{
    int rc = 0;

    spin_lock(&d->lock);
    if (d->state >= DOMSTATE_shutdown)
        rc = -EINVAL;
    else
        d->state = DOMSTATE_running;
    spin_unlock(&d->lock);
    if (rc)
        return rc;
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        if (!d->vcpu[i])
            continue;
        vcpu_flag_clear(d->vcpu[i], VPF_paused);
        vcpu_wake(d->vcpu[i]);
    }
    return 0;
}

/* Tell dom0 (if there is one) that some domain shut down or crashed. */
static void domain_notify_dom0(void)
{
    struct domain *dom0 = domain_get_by_id(0);

    if (!dom0)
        return;
    send_guest_global_virq(dom0, VIRQ_DOM_EXC);
    domain_put(dom0);
}

/*
 * Enter the shutdown state, at most once: record why (a code set earlier
 * with SCHEDOP_shutdown_code takes precedence, as in Xen), stop every vCPU,
 * report it on the console and to dom0. Returns false when d was already
 * shut down or dying (nothing changed).
 */
static bool domain_enter_shutdown(struct domain *d, unsigned int reason, uint32_t flag)
{
    bool changed = false;

    spin_lock(&d->lock);
    if (d->state < DOMSTATE_shutdown) {
        if (d->shutdown_code == DOMAIN_SHUTDOWN_CODE_NONE)
            d->shutdown_code = reason;
        d->state = DOMSTATE_shutdown;
        changed = true;
    }
    spin_unlock(&d->lock);
    if (!changed)
        return false;
    domain_stop_vcpus(d, flag);
    guest_console_flush(d);
    printk("dom%u: shut down (%s)\n", d->domain_id, shutdown_name(d->shutdown_code));
    arch_domain_shutdown(d);
    domain_notify_dom0();
    return true;
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    domain_enter_shutdown(d, reason, 0);
}

/*
 * A guest error the guest cannot be trusted to handle: report it, stop the
 * domain with SHUTDOWN_crash. Other domains are not affected. The caller
 * (often the crashing vCPU's own trap path) must not resume the guest.
 */
void domain_crash(struct domain *d, const char *why)
{
    bool live;

    spin_lock(&d->lock);
    live = d->state < DOMSTATE_shutdown;
    spin_unlock(&d->lock);
    if (live)
        printk("dom%u: crashed: %s\n", d->domain_id, why ? why : "(no reason)");
    domain_enter_shutdown(d, SHUTDOWN_crash, VPF_crashed);
}

/*
 * Start tearing d down: it becomes dying (lookups by id stop finding it,
 * it gets no new memory or ports), its vCPUs stop, and the table's
 * reference is dropped. Its resources go when the last reference does.
 * The caller must hold a reference of its own. -EINVAL if already dying.
 */
int domain_destroy(struct domain *d)
{
    bool was_live;

    spin_lock(&d->lock);
    was_live = d->state < DOMSTATE_dying;
    if (was_live)
        d->state = DOMSTATE_dying;
    spin_unlock(&d->lock);
    if (!was_live)
        return -EINVAL;
    domain_stop_vcpus(d, 0);
    domain_quiesce_vcpus(d);
    gnttab_release_mappings(d);     /* now: mapping cycles must not keep domains alive */
    guest_console_flush(d);
    domain_put(d);
    return 0;
}

/*
 * The last reference is gone: free everything, in the reverse order of
 * creation, ports first so no other domain can signal a freed vCPU. The
 * scheduler must have descheduled every vCPU (they are all paused since
 * domain_destroy()).
 */
static void domain_release(struct domain *d)
{
    ASSERT(d->state == DOMSTATE_dying);
    domain_quiesce_vcpus(d);
    console_ring_detach(d);         /* its frame reference, before the memory goes */
    evtchn_domain_destroy(d);
    for (unsigned int i = d->max_vcpus; i-- > 0;)
        if (d->vcpu[i])
            vcpu_destroy(d->vcpu[i]);
    sched_destroy_domain(d);
    arch_domain_destroy(d);
    domain_relinquish_memory(d);
    gnttab_domain_destroy(d);       /* its frames are unmapped by now */
    free_xenheap_pages(d->shared_info, 0);
    d->shared_info = NULL;
    d->state = DOMSTATE_dead;
    pr_debug("dom%u: released\n", d->domain_id);
    domid_release(d->domain_id);
    xfree(d);
}
