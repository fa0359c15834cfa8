/*
 * debug_domain_churn=N: before the boot domains start, build a PV domain
 * from the first boot module and destroy it again, N times, then check
 * that memory came back exactly: the number of free frames, and for every
 * frame its owner, type and type count, general reference count and M2P
 * entry, compared with a snapshot taken after one warm-up round (which
 * allocates what stays for good, such as the domain table's first leaf).
 *
 *   churn: 100/1000 domains built and destroyed
 *   churn: 1000 domains built and destroyed, free frames 61234 -> 61234, frame table identical
 */
#include <sable/bootinfo.h>
#include <sable/buddy.h>
#include <sable/cmdline.h>
#include <sable/domain.h>
#include <sable/domain_options.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <asm/pv.h>

static uint64_t churn_rounds;
integer_param("debug_domain_churn", churn_rounds, 0, 1000000);

/* What must come back, per frame. */
struct frame_state {
    uint64_t m2p;
    uint32_t type_info, count_info;
    domid_t owner;
};

static void frame_state_read(struct frame_state *s, mfn_t mfn)
{
    const struct page_info *pg = mfn_to_page(mfn);

    s->m2p = get_gpfn_from_mfn(mfn);
    s->type_info = pg->type_info;
    s->count_info = pg->count_info;
    s->owner = pg->owner;
}

static int churn_once(const struct boot_module *mod)
{
    static struct domain_options opts;     /* boot is single-threaded */
    char err[160];
    struct domain *d;
    int rc = domain_options_parse(mod->cmdline, 1, DOMAIN_MAX_VCPUS, &opts, err, sizeof(err));

    if (rc) {
        pr_err("churn: %s\n", err);
        return rc;
    }
    pv_build_quiet = true;
    rc = pv_build_domain(mod, &opts, false, NULL, &d);
    pv_build_quiet = false;
    if (rc)
        return rc;
    domain_destroy(d);
    domain_put(d);                      /* the last reference: released now */
    return 0;
}

/* Frames whose state differs from the snapshot (the first few printed). */
static unsigned long churn_compare(const struct frame_state *snap)
{
    unsigned long differ = 0;

    for (mfn_t m = 0; m < frame_table_nr; m++) {
        struct frame_state now;
        frame_state_read(&now, m);
        if (now.m2p == snap[m].m2p && now.type_info == snap[m].type_info &&
            now.count_info == snap[m].count_info && now.owner == snap[m].owner)
            continue;
        if (differ++ < 8)
            pr_err("churn: frame %#lx: owner %#x type_info %#x count %u m2p %#lx, was "
                   "owner %#x type_info %#x count %u m2p %#lx\n", m, now.owner,
                   now.type_info, now.count_info, now.m2p, snap[m].owner,
                   snap[m].type_info, snap[m].count_info, snap[m].m2p);
    }
    return differ;
}

void boot_domains_churn(void)
{
    uint64_t bytes = frame_table_nr * sizeof(struct frame_state);
    unsigned int order = 0;
    struct frame_state *snap;
    unsigned long free_before, free_after, differ;
    int rc;

    if (!churn_rounds || !boot_info.nr_modules)
        return;
    while ((PAGE_SIZE << order) < bytes)
        order++;
    snap = alloc_xenheap_pages(order);
    rc = snap ? churn_once(&boot_info.modules[0]) : -ENOMEM;
    if (rc) {
        pr_err("churn: cannot start (%d)\n", rc);
        goto out;
    }
    free_before = buddy_free_frames();
    for (mfn_t m = 0; m < frame_table_nr; m++)
        frame_state_read(&snap[m], m);
    for (uint64_t i = 1; i <= churn_rounds; i++) {
        rc = churn_once(&boot_info.modules[0]);
        if (rc) {
            pr_err("churn: round %lu failed (%d)\n", i, rc);
            goto out;
        }
        if (i % (churn_rounds >= 10 ? churn_rounds / 10 : 1) == 0)
            printk("churn: %lu/%lu domains built and destroyed\n", i, churn_rounds);
    }
    free_after = buddy_free_frames();
    differ = churn_compare(snap);
    printk("churn: %lu domains built and destroyed, free frames %lu -> %lu, %s\n",
           churn_rounds, free_before, free_after,
           differ ? "frame table CHANGED" : "frame table identical");
    if (differ)
        pr_err("churn: %lu frames differ from before\n", differ);
out:
    if (snap)
        free_xenheap_pages(snap, order);
}
