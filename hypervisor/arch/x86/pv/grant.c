/*
 * Grant host mappings for PV domains (the arch hooks of common/grant_table.c;
 * Xen's create_grant_host_mapping / replace_grant_host_mapping for PV).
 *
 * The mapping is an ordinary L1 entry of the mapper's, written as a foreign
 * mapping of the granter's frame (pt_mod_l1e_foreign): it holds its own
 * general reference on the frame (and a writable one when writable) like
 * any L1 entry, independent of the grant's pin, so the page-table rules stay
 * whole whatever the mapper later does to that entry. Where it went is
 * remembered (L1 frame and slot), so the unmap clears exactly that entry,
 * if it still maps the granted frame, whatever address space is current.
 *
 * host_addr is a virtual address in the vCPU's kernel page tables, or with
 * GNTMAP_contains_pte the machine address of the L1 entry itself. Mappings
 * are kernel-only unless GNTMAP_application_map. HVM mappers have no host
 * mappings here (GNTST_general_error).
 */
#include <sable/domain.h>
#include <sable/grant_table.h>
#include <sable/guest_access.h>
#include <sable/lib.h>
#include <sable/page.h>
#include <sable/sched.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>

/* The L1 table and slot host_addr names, under d's mm_lock; NULL if none. */
static struct page_info *grant_l1(struct domain *d, uint64_t host_addr, uint32_t flags,
                                  unsigned int *slot)
{
    struct page_info *pg;

    if (!(flags & GNTMAP_contains_pte)) {
        if (!guest_range_ok(host_addr, 1) || (host_addr & (PAGE_SIZE - 1)))
            return NULL;
        *slot = pt_index(host_addr, 1);
        return pv_guest_l1_of(d, pv_vcpu(current)->guest_table, host_addr);
    }
    if ((host_addr & 7) || !mfn_valid(host_addr >> PAGE_SHIFT))
        return NULL;
    pg = mfn_to_page(host_addr >> PAGE_SHIFT);
    if (page_owner(pg) != d->domain_id || page_type(pg) != PGT_l1_page_table ||
        !page_type_validated(pg) || !page_type_count(pg))
        return NULL;
    *slot = (host_addr & (PAGE_SIZE - 1)) / sizeof(pgentry_t);
    return pg;
}

static pgentry_t grant_pte(mfn_t mfn, uint32_t flags)
{
    pgentry_t e = ((pgentry_t)mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | pt_nx_mask;

    if (!(flags & GNTMAP_readonly))
        e |= _PAGE_RW | _PAGE_DIRTY;
    if (flags & GNTMAP_application_map)
        e |= _PAGE_USER;
    return e;
}

int arch_gnttab_host_map(struct domain *d, struct domain *owner, uint64_t host_addr,
                         uint32_t flags, mfn_t mfn, struct grant_host_map *where)
{
    struct page_info *l1;
    unsigned int slot = 0;
    int rc = GNTST_bad_virt_addr;

    if (d->is_hvm || current->domain != d)
        return GNTST_general_error;
    pv_mm_lock(d);
    l1 = grant_l1(d, host_addr, flags, &slot);
    if (l1 && pt_mod_l1e_foreign(d, owner, l1, slot, grant_pte(mfn, flags)) == 0) {
        where->l1_mfn = page_to_mfn(l1);
        where->slot = slot;
        where->va = host_addr;
        rc = GNTST_okay;
    } else if (l1)
        rc = GNTST_general_error;
    pv_mm_unlock(d);
    return rc;
}

void arch_gnttab_host_unmap(struct domain *d, const struct grant_host_map *where, mfn_t mfn)
{
    struct page_info *l1;
    pgentry_t e;

    if (d->is_hvm || !mfn_valid(where->l1_mfn))
        return;
    pv_mm_lock(d);
    l1 = mfn_to_page(where->l1_mfn);
    if (page_owner(l1) == d->domain_id && page_type(l1) == PGT_l1_page_table &&
        page_type_validated(l1) && page_type_count(l1)) {
        e = ((const pgentry_t *)page_to_virt(l1))[where->slot];
        if ((e & _PAGE_PRESENT) && pte_addr(e) >> PAGE_SHIFT == mfn)
            pt_mod_entry(d, l1, where->slot, 0, false);
    }
    pv_mm_unlock(d);
    /* No CPU may keep the translation once the pin is gone. */
    pv_flush_tlb(__atomic_load_n(&pv_domain(d)->dirty_cpus, __ATOMIC_SEQ_CST), FLUSH_VA_ALL);
}
