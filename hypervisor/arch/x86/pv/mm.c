/*
 * PV page-table updates, first part: update_va_mapping, checked against the
 * frame table, so a guest can map its own frames (and its shared_info page)
 * but never another domain's, the hypervisor's, or one of its own page
 * tables writable. The full direct-paging design (mmu_update, pinning,
 * reference counts, writable page tables) builds on these same rules.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/page.h>
#include <sable/sched.h>
#include <asm/memlayout.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <public/xen.h>

/* Bits a guest L1 entry may carry: everything else is reserved or ours. */
#define L1_ALLOWED_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_PWT | _PAGE_PCD | \
                          _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_PAT | _PAGE_GLOBAL | \
                          0xe00 /* software bits */ | _PAGE_NX)

/*
 * The L1 entry that maps va in d's current kernel page tables, or NULL when
 * a level is missing or a table is not one of d's page-table frames.
 */
static uint64_t *guest_l1e(struct domain *d, paddr_t l4_ma, uint64_t va)
{
    paddr_t table = l4_ma;

    for (unsigned int level = 4; level >= 1; level--) {
        mfn_t mfn = table >> PAGE_SHIFT;
        struct page_info *pg;
        uint64_t *t, e;

        if (!mfn_valid(mfn))
            return NULL;
        pg = mfn_to_page(mfn);
        if (page_owner(pg) != d->domain_id ||
            page_type(pg) != PGT_l1_page_table + level - 1)
            return NULL;
        t = maddr_to_virt(table);
        if (level == 1)
            return &t[pt_index(va, 1)];
        e = t[pt_index(va, level)];
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
            return NULL;
        table = pte_addr(e);
    }
    return NULL;
}

/* May d install this L1 entry value? 0, or Xen's error for a refused one. */
static int check_l1e(struct domain *d, uint64_t val)
{
    mfn_t mfn = pte_addr(val) >> PAGE_SHIFT;
    struct page_info *pg;

    if (!(val & _PAGE_PRESENT))
        return 0;
    if (val & ~(PTE_ADDR_MASK | L1_ALLOWED_FLAGS))
        return -EINVAL;
    if (!mfn_valid(mfn))
        return -EINVAL;
    pg = mfn_to_page(mfn);
    if (d->shared_info && mfn == virt_to_maddr(d->shared_info) >> PAGE_SHIFT)
        return 0;                       /* the domain's own shared_info */
    if (page_owner(pg) != d->domain_id)
        return -EPERM;
    if ((val & _PAGE_RW) && page_type(pg) != PGT_none && page_type(pg) != PGT_writable &&
        page_type_count(pg))
        return -EINVAL;                 /* a live page table, mapped writable */
    return 0;
}

long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags, uint64_t a4,
                          uint64_t a5)
{
    struct vcpu *v = current;
    struct pv_vcpu *pv = pv_vcpu(v);
    uint64_t *l1e;
    int rc;

    va &= PAGE_MASK;
    if (!guest_range_ok(va, PAGE_SIZE))
        return -EINVAL;
    if (flags & ~(UVMF_FLUSHTYPE_MASK | UVMF_ALL))
        return -EINVAL;
    rc = check_l1e(v->domain, val | _PAGE_USER);
    if (rc)
        return rc;
    l1e = guest_l1e(v->domain, pv->guest_table, va);
    if (!l1e)
        return -EINVAL;
    /* A ring-3 guest kernel needs user-accessible mappings. */
    __atomic_store_n(l1e, (val & _PAGE_PRESENT) ? (val | _PAGE_USER) : val,
                     __ATOMIC_SEQ_CST);
    if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_TLB_FLUSH)
        write_cr3(read_cr3());
    else
        invlpg(va);     /* the entry changed: never leave a stale translation */
    return 0;
}
