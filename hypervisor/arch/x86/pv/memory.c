/*
 * memory_op's x86 part (Xen's arch_memory_op and guest_remove_page for PV):
 * a domain's memory map, where the read-only M2P is, and taking a frame
 * back from a PV domain for decrease_reservation.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <sable/sched.h>
#include <asm/memlayout.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>
#include <public/memory.h>

/*
 * Frame gmfn (an mfn: PV guests are not translated) leaves d, under d's
 * page-table lock so that no mapping can take a reference meanwhile, and
 * after every CPU running d has flushed the translations the guest may
 * have left behind (it dropped its mappings, but maybe not their TLB
 * entries), so the frame's next owner is alone with it.
 */
int arch_guest_remove_page(struct domain *d, uint64_t gmfn)
{
    struct page_info *pg;
    int rc;

    if (d->is_hvm)
        return -EOPNOTSUPP;
    if (!mfn_valid(gmfn))
        return -EINVAL;
    pg = mfn_to_page(gmfn);
    pv_mm_lock(d);
    if (page_owner(pg) != d->domain_id)
        rc = -ENXIO;
    else if (page_ref_count(pg) || page_type_count(pg))
        rc = -EBUSY;                    /* still mapped, typed or held */
    else {
        pv_flush_tlb(__atomic_load_n(&pv_domain(d)->dirty_cpus, __ATOMIC_SEQ_CST),
                     FLUSH_VA_ALL);
        rc = domain_free_page(d, pg);
    }
    pv_mm_unlock(d);
    return rc;
}

/* XENMEM_memory_map: the caller's own map, as much as its buffer holds. */
static long memory_map(uint64_t arg)
{
    struct domain *d = current->domain;
    struct pv_domain *pd = pv_domain(d);
    struct e820_entry map[PV_E820_MAX];
    struct xen_memory_map m;
    unsigned int n;

    if (copy_from_guest(&m, arg, sizeof(m)))
        return -EFAULT;
    pv_mm_lock(d);
    n = MIN(m.nr_entries, pd->nr_e820);
    memcpy(map, pd->e820, n * sizeof(map[0]));
    pv_mm_unlock(d);
    if (pd->nr_e820 == 0)
        return -ENOSYS;                 /* no map given (Xen's "backwards compatibility") */
    m.nr_entries = n;
    if (copy_to_guest(m.buffer, map, n * sizeof(map[0])) || copy_to_guest(arg, &m, sizeof(m)))
        return -EFAULT;
    return 0;
}

/* XENMEM_set_memory_map: the privileged domain gives another PV domain its map. */
static long set_memory_map(uint64_t arg)
{
    struct xen_foreign_memory_map f;
    struct e820_entry map[PV_E820_MAX];
    struct domain *d;
    long rc = 0;

    if (copy_from_guest(&f, arg, sizeof(f)))
        return -EFAULT;
    if (f.map.nr_entries > PV_E820_MAX)
        return -EINVAL;
    d = domain_get_by_id(f.domid == DOMID_SELF ? current->domain->domain_id : f.domid);
    if (!d)
        return -ESRCH;
    if (!current->domain->is_privileged)
        rc = -EPERM;
    else if (d->is_hvm)
        rc = -EOPNOTSUPP;
    else if (copy_from_guest(map, f.map.buffer, f.map.nr_entries * sizeof(map[0])))
        rc = -EFAULT;
    if (!rc) {
        pv_mm_lock(d);
        memcpy(pv_domain(d)->e820, map, f.map.nr_entries * sizeof(map[0]));
        pv_domain(d)->nr_e820 = f.map.nr_entries;
        pv_mm_unlock(d);
    }
    domain_put(d);
    return rc;
}

/* XENMEM_machphys_mfn_list: the M2P's frames, one per 2 MiB. */
static long machphys_mfn_list(uint64_t arg)
{
    struct xen_machphys_mfn_list l;
    uint64_t mfns[64];
    unsigned int n;

    if (copy_from_guest(&l, arg, sizeof(l)))
        return -EFAULT;
    n = MIN(m2p_mfn_list(mfns, ARRAY_SIZE(mfns)), MIN(l.max_extents, ARRAY_SIZE(mfns)));
    l.nr_extents = n;
    if (copy_to_guest(l.extent_start, mfns, n * sizeof(mfns[0])) ||
        copy_to_guest(arg, &l, sizeof(l)))
        return -EFAULT;
    return 0;
}

long arch_memory_op(unsigned int op, uint64_t arg)
{
    struct xen_machphys_mapping mapping = {
        .v_start = MACH2PHYS_VIRT_START,
        .v_end = MACH2PHYS_VIRT_END,
        .max_mfn = MACH2PHYS_NR_ENTRIES - 1,
    };

    if (current->domain->is_hvm)
        return -ENOSYS;                 /* HVM: its own map (hvm_start_info) */
    switch (op) {
    case XENMEM_memory_map:
        return memory_map(arg);
    case XENMEM_set_memory_map:
        return set_memory_map(arg);
    case XENMEM_machphys_mapping:
        if (current->domain->is_privileged)
            mapping.max_mfn = frame_table_nr - 1;
        return copy_to_guest(arg, &mapping, sizeof(mapping)) ? -EFAULT : 0;
    case XENMEM_machphys_mfn_list:
        return machphys_mfn_list(arg);
    }
    return -ENOSYS;
}
