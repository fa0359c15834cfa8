/* Page-table management for PV test kernels (guest/include/guest/mm.h). */
#include <guest/hypercall.h>
#include <guest/mm.h>

#define MAX_PFNS        (1UL << 18)             /* 1 GiB of guest memory at most */
#define FREE_STACK      8192

uint64_t pt_root_mfn;
uint64_t physmap_l3_mfn;
unsigned int mmu_batch_limit = MMU_BATCH_MAX;
uint64_t mmu_calls, mmu_entries;

static uint64_t nr_pfns, pool_next;             /* the pool: [pool_next, nr_pfns) */
static uint64_t free_stack[FREE_STACK];
static unsigned int free_top;
static uint64_t table_map[MAX_PFNS / 64];       /* pfns in use as page tables */
static bool physmap_ready;

static struct mmu_update queue[MMU_BATCH_MAX];
static unsigned int queued;
static long queue_error;                        /* first error of a flush from mmu_queue */

/* ---- frames ---- */

static void table_mark(uint64_t pfn)
{
    table_map[pfn / 64] |= 1ULL << (pfn % 64);
}

bool mm_pfn_is_table(uint64_t pfn)
{
    return pfn < MAX_PFNS && (table_map[pfn / 64] & (1ULL << (pfn % 64)));
}

/* Where a table frame can be read: the physmap, or before it the boot region. */
static const uint64_t *table_ptr(uint64_t mfn)
{
    uint64_t pfn = mfn_to_pfn(mfn);

    return physmap_ready ? phys_to_virt(pfn) : pfn_to_virt(pfn);
}

uint64_t pt_lookup(uint64_t root, uint64_t va, uint64_t *ma)
{
    uint64_t t = root, e = 0;

    for (unsigned int level = 4; level >= 1; level--) {
        if (ma)
            *ma = t * GUEST_PAGE_SIZE + pt_idx(va, level) * 8;
        e = table_ptr(t)[pt_idx(va, level)];
        if (level == 1 || !(e & PTE_P))
            break;
        t = pte_mfn(e);
    }
    return e;
}

/*
 * The pool starts at the first frame past the boot stack that the boot
 * tables leave unmapped: mapped frames would keep a writable mapping and
 * could never become page tables.
 */
void mm_init(void)
{
    uint64_t pt_pfn = virt_to_pfn((void *)(uintptr_t)start_info->pt_base);

    nr_pfns = start_info->nr_pages < MAX_PFNS ? start_info->nr_pages : MAX_PFNS;
    pt_root_mfn = pfn_to_mfn(pt_pfn);
    for (uint64_t i = 0; i < start_info->nr_pt_frames; i++)
        table_mark(pt_pfn + i);
    pool_next = virt_to_pfn((void *)(uintptr_t)boot_rsp);
    while (pool_next < nr_pfns &&
           (pt_lookup(pt_root_mfn, (uint64_t)(uintptr_t)pfn_to_virt(pool_next), NULL) & PTE_P))
        pool_next++;
}

uint64_t mm_alloc_pfn(void)
{
    if (free_top)
        return free_stack[--free_top];
    return pool_next < nr_pfns ? pool_next++ : 0;
}

void mm_free_pfn(uint64_t pfn)
{
    if (free_top < FREE_STACK)
        free_stack[free_top++] = pfn;
}

uint64_t mm_free_pfns(void)
{
    return nr_pfns - pool_next + free_top;
}

/* ---- batches ---- */

long mmu_flush(void)
{
    unsigned int done = 0;
    long rc = 0;

    if (queued) {
        rc = hypercall_mmu_update(queue, queued, &done, DOMID_SELF);
        mmu_calls++;
        mmu_entries += done;
        queued = 0;
    }
    if (!rc && queue_error)
        rc = queue_error;
    queue_error = 0;
    return rc;
}

void mmu_queue(uint64_t ptr_ma, uint64_t val)
{
    if (queued >= mmu_batch_limit) {
        long rc = mmu_flush();
        if (rc && !queue_error)
            queue_error = rc;
    }
    queue[queued].ptr = ptr_ma;
    queue[queued].val = val;
    queued++;
}

long mmuext(unsigned int cmd, uint64_t arg1, uint64_t arg2)
{
    struct mmuext_op op = { .cmd = cmd };

    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2;
    return hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* ---- tables ---- */

uint64_t pt_alloc_table(void)
{
    uint64_t pfn = mm_alloc_pfn(), mfn, ma;

    if (!pfn)
        return 0;
    mfn = pfn_to_mfn(pfn);
    table_mark(pfn);
    if (physmap_ready) {
        /* No writable mapping may remain: its physmap entry goes read-only. */
        pt_lookup(pt_root_mfn, (uint64_t)(uintptr_t)phys_to_virt(pfn), &ma);
        mmu_queue(ma, (mfn << 12) | PTE_KERNEL_RO | PTE_NX);
        if (mmu_flush())
            return 0;
    }
    return mmuext(MMUEXT_CLEAR_PAGE, mfn, 0) ? 0 : mfn;
}

long pt_map(uint64_t root, uint64_t va, uint64_t mfn, uint64_t flags)
{
    uint64_t t = root;

    for (unsigned int level = 4; level > 1; level--) {
        uint64_t e = table_ptr(t)[pt_idx(va, level)];
        if (!(e & PTE_P)) {
            uint64_t table = pt_alloc_table();
            long rc;
            if (!table)
                return -XEN_ENOMEM;
            mmu_queue(t * GUEST_PAGE_SIZE + pt_idx(va, level) * 8, (table << 12) | PTE_TABLE);
            rc = mmu_flush();
            if (rc)
                return rc;
            e = table << 12;
        }
        t = pte_mfn(e);
    }
    mmu_queue(t * GUEST_PAGE_SIZE + pt_idx(va, 1) * 8, (mfn << 12) | flags);
    return 0;
}

long pt_unmap(uint64_t root, uint64_t va)
{
    uint64_t ma, t = root;

    for (unsigned int level = 4; level > 1; level--) {
        uint64_t e = table_ptr(t)[pt_idx(va, level)];
        if (!(e & PTE_P))
            return -XEN_ENOENT;
        t = pte_mfn(e);
    }
    ma = t * GUEST_PAGE_SIZE + pt_idx(va, 1) * 8;
    mmu_queue(ma, 0);
    return 0;
}

/* ---- the physmap ---- */

/* A zeroed frame of the pool, counted as a page table. Its mfn, or 0. */
static uint64_t physmap_table(void)
{
    uint64_t pfn = mm_alloc_pfn();

    if (!pfn)
        return 0;
    table_mark(pfn);
    return mmuext(MMUEXT_CLEAR_PAGE, pfn_to_mfn(pfn), 0) ? 0 : pfn_to_mfn(pfn);
}

/*
 * Its tables (one L3, one L2, an L1 per 512 frames: MAX_PFNS keeps it to
 * one L2) are taken from the pool first, so that they are known to be
 * tables and mapped read-only like every other table. They are filled
 * while they are still ordinary frames (mmu_update writes those as plain
 * memory, as on Xen), and made live by one update of our root's L4 slot,
 * which has the hypervisor validate the lot.
 */
long mm_physmap_init(void)
{
    static uint64_t l1[512];
    uint64_t nl1 = (nr_pfns + 511) / 512, l3 = physmap_table(), l2 = physmap_table();
    long rc;

    if (!l3 || !l2)
        return -XEN_ENOMEM;
    for (uint64_t i = 0; i < nl1; i++)
        if (!(l1[i] = physmap_table()))
            return -XEN_ENOMEM;
    mmu_queue(l3 * GUEST_PAGE_SIZE, (l2 << 12) | PTE_TABLE);
    for (uint64_t i = 0; i < nl1; i++)
        mmu_queue(l2 * GUEST_PAGE_SIZE + i * 8, (l1[i] << 12) | PTE_TABLE);
    for (uint64_t pfn = 0; pfn < nr_pfns; pfn++)
        mmu_queue(l1[pfn / 512] * GUEST_PAGE_SIZE + (pfn % 512) * 8,
                  (pfn_to_mfn(pfn) << 12) | PTE_NX |
                  (mm_pfn_is_table(pfn) ? PTE_KERNEL_RO : PTE_KERNEL_RW));
    mmu_queue(pt_root_mfn * GUEST_PAGE_SIZE + pt_idx(PHYSMAP_BASE, 4) * 8,
              (l3 << 12) | PTE_TABLE);
    rc = mmu_flush();
    if (!rc) {
        physmap_l3_mfn = l3;
        physmap_ready = true;
    }
    return rc;
}
