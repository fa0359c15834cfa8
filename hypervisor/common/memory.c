/*
 * memory_op: a domain's memory as the guest sees it (Xen's
 * xen/common/memory.c, do_memory_op).
 *
 *   increase_reservation   new frames for the domain; their mfns are
 *                          written to extent_start (PV), M2P left invalid
 *   populate_physmap       the same for the gpfns listed in extent_start,
 *                          which get the mfns back; the M2P names the gpfn.
 *                          For an HVM (translated) domain the list holds
 *                          gfns, left as they are, each extent 4 KiB or
 *                          2 MiB (order 0 or 9, aligned) and only where
 *                          nothing is mapped yet, as the toolstack builds
 *                          a PVH guest's memory
 *   decrease_reservation   give back the frames listed (mfns for PV)
 *   maximum_ram_page       the highest machine frame + 1
 *   current_reservation,   frames the domain has / may have (domid_t arg;
 *   maximum_reservation    another domain's only for the privileged one)
 *   add_to_physmap         HVM guests (arch/x86/hvm)
 *   anything else          the architecture's (arch_memory_op), or -ENOSYS
 *
 * The three reservation calls return how many extents they did, never an
 * error: a bad argument, a refused domain, an exhausted reservation or an
 * extent that fails simply end the count there (Xen returns start_extent
 * for the argument errors). Long lists are continued: the extent to start
 * from rides in cmd above MEMOP_EXTENT_SHIFT, as on Xen. Extents are of
 * order 0 for increase and populate (Sable allocates frame by frame); a
 * decrease of a larger extent frees its frames one by one. A frame still
 * mapped or typed is not freed (Xen would free it when its last reference
 * goes): the count ends before it.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <sable/sched.h>

#include "public/memory.h"
#include "public/xen.h"

/* arch/x86/hvm/hypercall.c: add_to_physmap for an HVM domain. */
long hvm_add_to_physmap(struct domain *d, const struct xen_add_to_physmap *xatp);
/*
 * arch/x86/hvm/hvm.c: new RAM for an HVM domain at gfn, 2^order frames
 * (order 0 or 9, gfn aligned to it), where nothing is mapped yet: 0,
 * -EEXIST (something is), -ENOMEM (no memory, or over max_pages), -EINVAL.
 */
int hvm_populate(struct domain *d, uint64_t gfn, unsigned int order);

#define MEMOP_EXTENT_SHIFT 6        /* cmd = op | start_extent << 6 */
#define MEMOP_CMD_MASK     ((1U << MEMOP_EXTENT_SHIFT) - 1)
#define DOMU_MAX_ORDER     9        /* Xen's CONFIG_DOMU_MAX_ORDER on x86 */
#define CTLDOM_MAX_ORDER   12

static long memory_add_to_physmap(uint64_t arg)
{
    struct domain *d = current->domain;
    struct xen_add_to_physmap xatp;

    if (copy_from_guest(&xatp, arg, sizeof(xatp)))
        return -EFAULT;
    if (xatp.domid != DOMID_SELF && xatp.domid != d->domain_id)
        return -EPERM;          /* foreign maps are the toolstack's, later */
    if (!d->is_hvm)
        return -EOPNOTSUPP;     /* PV guests see machine frames: nothing to place */
    return hvm_add_to_physmap(d, &xatp);
}

/*
 * The domain a memory_op names (DOMID_SELF, our own id, or for the
 * privileged domain any other), with a reference; NULL if there is none or
 * the caller may not act on it (*why: -ESRCH / -EPERM).
 */
static struct domain *memop_domain(domid_t id, long *why)
{
    struct domain *self = current->domain, *d;

    if (id == DOMID_SELF || id == self->domain_id) {
        domain_get(self);
        return self;
    }
    d = domain_get_by_id(id);
    *why = d ? -EPERM : -ESRCH;
    if (d && !self->is_privileged) {
        domain_put(d);
        d = NULL;
    }
    return d;
}

struct memop_args {
    struct domain *d;
    uint64_t list;                  /* guest array of xen_pfn_t (may be 0 for increase) */
    uint64_t nr, done;              /* extents asked for, and done so far */
    unsigned int order;
};

/* A new frame of d, its M2P entry gpfn; its mfn written back to the list. */
static bool alloc_extent(struct memop_args *a, uint64_t gpfn, bool write_back)
{
    struct page_info *pg = domain_alloc_page(a->d);
    xen_pfn_t mfn;

    if (!pg)
        return false;           /* reservation exhausted, or no memory */
    mfn = page_to_mfn(pg);
    set_gpfn_from_mfn(mfn, gpfn);
    if (write_back && copy_to_guest(a->list + a->done * sizeof(mfn), &mfn, sizeof(mfn)))
        return false;           /* the frame stays the domain's, as on Xen */
    return true;
}

static bool do_extent(unsigned int op, struct memop_args *a)
{
    xen_pfn_t frame = 0;

    if (op != XENMEM_increase_reservation &&
        copy_from_guest(&frame, a->list + a->done * sizeof(frame), sizeof(frame)))
        return false;
    switch (op) {
    case XENMEM_increase_reservation:
        return a->order == 0 && alloc_extent(a, INVALID_M2P_ENTRY, a->list != 0);
    case XENMEM_populate_physmap:
        if (a->d->is_hvm)
            return (a->order == 0 || a->order == 9) && hvm_populate(a->d, frame, a->order) == 0;
        return a->order == 0 && alloc_extent(a, frame, true);
    default:
        for (uint64_t j = 0; j < (1ULL << a->order); j++)
            if (arch_guest_remove_page(a->d, frame + j))
                return false;
        return true;
    }
}

/*
 * mem_flags Sable can honour: NUMA hints (one node here) and an address
 * limit that every frame meets anyway. XENMEMF_populate_on_demand and a
 * real limit (frames below 4 GiB, say) are refused.
 */
static bool mem_flags_ok(uint32_t flags)
{
    unsigned int bits = XENMEMF_get_address_bits(flags), need = PAGE_SHIFT;

    while (need < 64 && (1ULL << (need - PAGE_SHIFT)) < frame_table_nr)
        need++;
    if (flags & ~(0xffU | (0xffU << 8) | XENMEMF_exact_node_request | XENMEMF_vnode))
        return false;
    return bits == 0 || bits >= need;
}

/* increase_reservation, decrease_reservation, populate_physmap. */
static long memory_reservation(unsigned int op, uint64_t start, uint64_t arg)
{
    struct xen_memory_reservation r;
    struct memop_args a = { .done = start };
    long why;

    if (copy_from_guest(&r, arg, sizeof(r)) || r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) ||
        start >= r.nr_extents)
        return start;
    a.d = memop_domain(r.domid, &why);
    if (!a.d)
        return start;
    if (a.d->is_hvm && op != XENMEM_populate_physmap)
        goto out;               /* translated guests: only populate, so far */
    a.list = r.extent_start;
    a.nr = r.nr_extents;
    a.order = r.extent_order;
    if (a.order > (current->domain->is_privileged ? CTLDOM_MAX_ORDER : DOMU_MAX_ORDER) ||
        !mem_flags_ok(r.mem_flags) ||
        (a.list && !guest_range_ok(a.list, a.nr * sizeof(xen_pfn_t))) ||
        (op != XENMEM_increase_reservation && !a.list))
        goto out;
    while (a.done < a.nr) {
        if (a.done > start && !((a.done - start) % HYPERCALL_PREEMPT_BATCH)) {
            uint64_t args[2] = { op | (a.done << MEMOP_EXTENT_SHIFT), arg };
            domain_put(a.d);
            return hypercall_create_continuation(__HYPERVISOR_memory_op, 2, args);
        }
        if (!do_extent(op, &a))
            break;
        a.done++;
    }
out:
    domain_put(a.d);
    return a.done;
}

/* current_reservation, maximum_reservation: frames the domain has / may have. */
static long memory_reservation_query(unsigned int op, uint64_t arg)
{
    domid_t id;
    struct domain *d;
    long rc;

    if (copy_from_guest(&id, arg, sizeof(id)))
        return -EFAULT;
    d = memop_domain(id, &rc);
    if (!d)
        return rc;
    rc = op == XENMEM_current_reservation ? (long)d->tot_pages : (long)d->max_pages;
    domain_put(d);
    return rc;
}

long do_memory_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    unsigned int op = cmd & MEMOP_CMD_MASK;
    uint64_t start = cmd >> MEMOP_EXTENT_SHIFT;

    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return memory_reservation(op, start, arg);
    case XENMEM_maximum_ram_page:
        return start ? -EINVAL : (long)frame_table_nr;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        return start ? -EINVAL : memory_reservation_query(op, arg);
    case XENMEM_add_to_physmap:
        return start ? -EDOM : memory_add_to_physmap(arg);
    default:
        return start ? -ENOSYS : arch_memory_op(op, arg);
    }
}
