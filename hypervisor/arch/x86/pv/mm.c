/*
 * PV memory hypercalls: mmu_update, mmuext_op, update_va_mapping and
 * vm_assist, the page-table roots of each vCPU, TLB flushes across the
 * CPUs a domain runs on, and the teardown of a domain's page tables.
 *
 * The rules for what a table may contain are in pagetable.c (asm/pv_mm.h);
 * this file is the glue: guest arguments, the domain's mm_lock, batches
 * with Xen's partial-completion semantics (the count of done entries goes
 * to the guest's `done` word, the first failing entry's error is the
 * result), continuations of long batches, and flushes. Semantics and error
 * codes follow xen/arch/x86/mm.c (do_mmu_update, do_mmuext_op,
 * __do_update_va_mapping, new_guest_cr3).
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <sable/sched.h>
#include <asm/hvm.h>
#include <asm/memlayout.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/pv_mm.h>
#include <asm/smp.h>
#include <public/xen.h>

/* Set in count by a continuation: `done` already holds the work before it. */
#define MMU_UPDATE_PREEMPTED    (1U << 31)

static void mm_lock(struct domain *d) { pv_mm_lock(d); }
static void mm_unlock(struct domain *d) { pv_mm_unlock(d); }

/* ---- TLB flushes ---- */

static void flush_here(void *arg)
{
    uint64_t va = *(const uint64_t *)arg;

    if (va == FLUSH_VA_ALL)
        write_cr3(read_cr3());          /* guest mappings are never global */
    else
        invlpg(va);
}

/*
 * A CPU is in a domain's dirty_cpus from before it loads one of the
 * domain's roots until after it has loaded another (context.c), so a CPU
 * outside the mask cannot hold the domain's translations. Remote CPUs are
 * interrupted one by one; each flushes in its IPI handler.
 */
void pv_flush_tlb(uint64_t cpus, uint64_t va)
{
    unsigned int self = smp_processor_id();

    for (unsigned int cpu = 0; cpus && cpu < NR_CPUS; cpu++, cpus >>= 1) {
        if (!(cpus & 1))
            continue;
        if (cpu == self)
            flush_here(&va);
        else
            smp_call_function(cpu, flush_here, &va);
    }
}

static uint64_t dirty_cpus(struct domain *d)
{
    return __atomic_load_n(&pv_domain(d)->dirty_cpus, __ATOMIC_SEQ_CST);
}

/*
 * page_type.c: frame pg is about to change type. Translations of it (if
 * it was writable) or through it (if it was a table) may still be cached
 * where its owner runs; none may survive, or a guest could write a live
 * page table.
 */
void arch_page_type_change(struct page_info *pg, unsigned int old_type)
{
    struct domain *d = page_owner_domain(pg);

    if (d && d->arch && !d->is_hvm)
        pv_flush_tlb(dirty_cpus(d), FLUSH_VA_ALL);
}

/*
 * The CPUs running the vCPUs named in the guest's bitmap at va (64 bits a
 * word, as many words as the domain has vCPUs). -EFAULT if unreadable.
 */
static int vcpumask_to_cpus(struct domain *d, uint64_t va, uint64_t *cpus)
{
    *cpus = 0;
    for (unsigned int base = 0; base < d->max_vcpus; base += 64) {
        uint64_t word;
        if (copy_from_guest(&word, va + base / 8, sizeof(word))) {
            *cpus = 0;
            return -EFAULT;
        }
        for (unsigned int i = 0; i < 64 && base + i < d->max_vcpus; i++) {
            struct vcpu *v = d->vcpu[base + i];
            if ((word & (1ULL << i)) && v && __atomic_load_n(&v->is_running, __ATOMIC_SEQ_CST))
                *cpus |= 1ULL << v->processor;
        }
    }
    return 0;
}

/* ---- foreign domains ---- */

/*
 * The page owner named by mmu_update's and mmuext_op's foreigndom. Only
 * DOMID_SELF is served: mapping other domains' memory (Xen's privileged
 * foreign mappings) comes with the toolstack. -ESRCH for our own id, a
 * domain that does not exist and DOMID_XEN; -EPERM for one that exists
 * (and for DOMID_IO), as Xen's default XSM policy answers a domU.
 */
static int check_foreign(struct domain *d, domid_t id)
{
    struct domain *f;

    if (id == DOMID_XEN)
        return -ESRCH;
    if (id == DOMID_IO)
        return -EPERM;
    f = domain_get_by_id(id);
    if (!f)
        return -ESRCH;
    domain_put(f);
    return -EPERM;
}

static int check_pg_owner(struct domain *d, uint32_t foreigndom)
{
    domid_t id = (domid_t)foreigndom;

    if (id == DOMID_SELF)
        return 0;
    if (id == d->domain_id)
        return -ESRCH;                  /* "cannot specify itself as foreign" */
    return check_foreign(d, id);
}

/* mmu_update's page-table owner, foreigndom >> 16 (0: ourselves, else id + 1). */
static int check_pt_owner(struct domain *d, uint32_t foreigndom)
{
    uint32_t pt_dom = foreigndom >> 16;

    if (pt_dom == 0 || pt_dom - 1 == d->domain_id)
        return 0;
    return check_foreign(d, (domid_t)(pt_dom - 1));
}

/* ---- page-table roots ---- */

/* The L4 at mfn becomes v's kernel root: type reference taken, CR3 loaded. */
int pv_new_guest_cr3(struct vcpu *v, mfn_t mfn)
{
    struct pv_vcpu *pv = pv_vcpu(v);
    mfn_t old = pv->guest_table >> PAGE_SHIFT;
    int rc;

    if (old == mfn) {
        write_cr3(pv->guest_table);     /* as Xen: reloading flushes */
        return 0;
    }
    rc = pt_get_page_and_type(v->domain, mfn, PGT_l4_page_table);
    if (rc)
        return rc;
    pv->guest_table = mfn << PAGE_SHIFT;
    if (pv->kernel_mode && v == current)
        write_cr3(pv->guest_table);
    if (old)
        pt_put_page_and_type(mfn_to_page(old));
    return 0;
}

/* MMUEXT_NEW_USER_BASEPTR: the root loaded in guest user mode (0: none). */
static int new_user_baseptr(struct vcpu *v, mfn_t mfn)
{
    struct pv_vcpu *pv = pv_vcpu(v);
    mfn_t old = pv->guest_table_user >> PAGE_SHIFT;
    int rc;

    if (old == mfn)
        return 0;
    if (mfn) {
        rc = pt_get_page_and_type(v->domain, mfn, PGT_l4_page_table);
        if (rc)
            return rc;
    }
    pv->guest_table_user = mfn << PAGE_SHIFT;
    if (old)
        pt_put_page_and_type(mfn_to_page(old));
    return 0;
}

void pv_vcpu_release_tables(struct vcpu *v)
{
    struct pv_vcpu *pv = pv_vcpu(v);
    struct domain *d = v->domain;

    ASSERT(!v->is_running);
    mm_lock(d);
    pv_destroy_gdt(v);
    if (pv->guest_table)
        pt_put_page_and_type(mfn_to_page(pv->guest_table >> PAGE_SHIFT));
    if (pv->guest_table_user)
        pt_put_page_and_type(mfn_to_page(pv->guest_table_user >> PAGE_SHIFT));
    pv->guest_table = pv->guest_table_user = 0;
    mm_unlock(d);
}

void pv_domain_relinquish(struct domain *d)
{
    mm_lock(d);
    pt_relinquish(d);
    mm_unlock(d);
}

/* ---- update_va_mapping ---- */

/* The walk reads only d's validated tables (every present entry of one points at d's frames). */
struct page_info *pv_guest_l1_of(struct domain *d, paddr_t root_ma, uint64_t va)
{
    mfn_t mfn = root_ma >> PAGE_SHIFT;
    struct page_info *pg;

    for (unsigned int level = 4; level > 1; level--) {
        pgentry_t e = ((const pgentry_t *)maddr_to_virt(mfn << PAGE_SHIFT))[pt_index(va, level)];
        if (!(e & _PAGE_PRESENT))
            return NULL;
        mfn = pte_addr(e) >> PAGE_SHIFT;
        if (!mfn_valid(mfn))
            return NULL;
    }
    pg = mfn_to_page(mfn);
    if (page_owner(pg) != d->domain_id || page_type(pg) != PGT_l1_page_table ||
        !page_type_validated(pg) || !page_type_count(pg))
        return NULL;
    return pg;
}

/*
 * The flush update_va_mapping asks for: none, the whole TLB or one page,
 * on this vCPU (UVMF_LOCAL), all of the domain's (UVMF_ALL) or those in a
 * guest bitmap (any other value is its address).
 */
static long uvm_flush(struct domain *d, uint64_t va, uint64_t flags)
{
    uint64_t target = flags & ~(uint64_t)UVMF_FLUSHTYPE_MASK, cpus = 0;
    uint64_t what = (flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG ? va : FLUSH_VA_ALL;
    long rc = 0;

    switch (flags & UVMF_FLUSHTYPE_MASK) {
    case UVMF_TLB_FLUSH:
    case UVMF_INVLPG:
        break;
    default:
        return 0;
    }
    if (target == UVMF_LOCAL)
        cpus = 1ULL << smp_processor_id();
    else if (target == UVMF_ALL)
        cpus = dirty_cpus(d);
    else
        rc = vcpumask_to_cpus(d, target, &cpus);
    pv_flush_tlb(cpus, what);
    return rc;
}

/*
 * update_va_mapping(va, pte, flags): write the L1 entry that maps va in
 * the current kernel page tables, as one MMU_NORMAL_PT_UPDATE would, then
 * flush as asked. -EINVAL when va is outside guest space or has no L1.
 */
static long update_va_mapping(uint64_t va, uint64_t val, uint64_t flags,
                              struct domain *pg_owner)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    struct page_info *l1;
    long rc = -EINVAL;

    if (!guest_range_ok(va, 1))
        return -EINVAL;
    mm_lock(d);
    l1 = pv_guest_l1_of(d, pv_vcpu(v)->guest_table, va);
    if (l1)
        rc = pg_owner == d ? pt_mod_entry(d, l1, pt_index(va, 1), val, false)
                           : pt_mod_l1e_foreign(d, pg_owner, l1, pt_index(va, 1), val);
    mm_unlock(d);
    if (rc)
        return rc;              /* nothing changed: nothing to flush */
    return uvm_flush(d, va, flags);
}

long do_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags, uint64_t a4, uint64_t a5)
{
    return update_va_mapping(va, val, flags, current->domain);
}

/*
 * As Xen does for a translated (HVM) foreign domain, the frame the entry
 * names is one of its guest frames: replaced by the machine frame behind
 * it (scrubbed first if it never was). -EINVAL when nothing backs it.
 */
static long foreign_translate(struct domain *pg_owner, uint64_t *val)
{
    uint64_t mfn;

    if (!pg_owner->is_hvm || !(*val & _PAGE_PRESENT))
        return 0;
    if (!hvm_gfn_to_mfn(pg_owner, pte_addr(*val) >> PAGE_SHIFT, &mfn))
        return -EINVAL;
    *val = (*val & ~PTE_ADDR_MASK) | (mfn << PAGE_SHIFT);
    return 0;
}

/*
 * update_va_mapping_otherdomain(va, pte, flags, domid): the same, the new
 * entry mapping a frame of domain domid's: how the privileged domain maps
 * the memory of a domain it builds or serves (Xen's privileged foreign
 * mapping; for an HVM domain the entry names a guest frame). As on Xen,
 * -ESRCH when domid may not be named: itself, one
 * that does not exist or is dying, DOMID_* ids, or any other domain for an
 * unprivileged caller.
 */
long do_update_va_mapping_otherdomain(uint64_t va, uint64_t val, uint64_t flags,
                                      uint64_t domid, uint64_t a5)
{
    struct domain *self = current->domain, *pg_owner;
    long rc;

    if ((domid_t)domid == DOMID_SELF)
        return update_va_mapping(va, val, flags, self);
    if ((domid_t)domid == self->domain_id || !self->is_privileged)
        return -ESRCH;
    pg_owner = domain_get_by_id((domid_t)domid);
    if (!pg_owner)
        return -ESRCH;
    rc = foreign_translate(pg_owner, &val);
    if (!rc)
        rc = update_va_mapping(va, val, flags, pg_owner);
    domain_put(pg_owner);
    return rc;
}

/* ---- mmu_update ---- */

/*
 * MMU_NORMAL_PT_UPDATE at machine address ptr: through the table's rules
 * if the frame is a page table in use, as a plain write if it is not (a
 * frame that can be writable), refused for a descriptor page in use.
 */
static int mmu_normal_update(struct domain *d, uint64_t ptr, uint64_t val, bool preserve_ad,
                             bool *flush)
{
    struct page_info *pg = (ptr & 7) ? NULL : pt_get_page(d, ptr >> PAGE_SHIFT);
    unsigned int type;
    int rc = -EINVAL;

    if (!pg)
        return -EINVAL;
    type = page_type(pg);
    if (pgt_is_page_table(type) && page_type_count(pg) && page_type_validated(pg)) {
        rc = pt_mod_entry(d, pg, (ptr & ~PAGE_MASK) / 8, val, preserve_ad);
        *flush |= !rc && type != PGT_l1_page_table;
    } else if (page_get_type(pg, PGT_writable) == 0) {
        __atomic_store_n((uint64_t *)((char *)page_to_virt(pg) + (ptr & ~PAGE_MASK)), val,
                         __ATOMIC_RELAXED);
        page_put_type(pg);
        rc = 0;
    }
    page_put_ref(pg);
    return rc;
}

/* MMU_MACHPHYS_UPDATE: the guest names the pseudo-physical frame of its own mfn. */
static int machphys_update(struct domain *d, mfn_t mfn, uint64_t gpfn)
{
    struct page_info *pg = pt_get_page(d, mfn);

    if (!pg)
        return -EINVAL;
    set_gpfn_from_mfn(mfn, gpfn);
    page_put_ref(pg);
    return 0;
}

static int mmu_update_one(struct domain *d, const struct mmu_update *req, bool *flush)
{
    unsigned int cmd = req->ptr & 3;

    switch (cmd) {
    case MMU_NORMAL_PT_UPDATE:
    case MMU_PT_UPDATE_PRESERVE_AD:
    case MMU_PT_UPDATE_NO_TRANSLATE:
        return mmu_normal_update(d, req->ptr - cmd, req->val,
                                 cmd == MMU_PT_UPDATE_PRESERVE_AD, flush);
    case MMU_MACHPHYS_UPDATE:
        return machphys_update(d, req->ptr >> PAGE_SHIFT, req->val);
    }
    return -ENOSYS;
}

/*
 * The guest's count argument: the entries left, possibly flagged as a
 * continuation, in which case `done` already counts the earlier ones.
 */
static uint32_t batch_start(uint64_t count_arg, uint64_t pdone, uint32_t *done)
{
    uint32_t count = (uint32_t)count_arg;

    *done = 0;
    if (count & MMU_UPDATE_PREEMPTED) {
        count &= ~MMU_UPDATE_PREEMPTED;
        if (pdone && copy_from_guest(done, pdone, sizeof(*done)))
            *done = 0;
    }
    return count;
}

/* Report the entries done, then continue the rest later if we stopped early. */
static long batch_end(unsigned int op, uint64_t list, size_t entry_size, uint32_t count,
                      uint32_t i, uint64_t pdone, uint32_t done, uint64_t foreigndom,
                      bool preempted, long rc)
{
    done += i;
    if (pdone)
        copy_to_guest(pdone, &done, sizeof(done));
    if (preempted) {
        uint64_t args[4] = { list + (uint64_t)i * entry_size,
                             (count - i) | MMU_UPDATE_PREEMPTED, pdone, foreigndom };
        return hypercall_create_continuation(op, 4, args);
    }
    return rc;
}

/*
 * mmu_update(reqs, count, done, foreigndom): apply count updates in order;
 * stop at the first one that fails and return its error, the ones before
 * it staying applied and counted in *done (Xen's semantics). Changing
 * upper-level entries flushes the domain's TLBs, as on Xen.
 */
long do_mmu_update(uint64_t reqs, uint64_t count_arg, uint64_t pdone, uint64_t foreigndom,
                   uint64_t a5)
{
    struct domain *d = current->domain;
    uint32_t done, count = batch_start(count_arg, pdone, &done), i;
    bool flush = false, preempted = false;
    long rc;

    if (!guest_range_ok(reqs, (uint64_t)count * sizeof(struct mmu_update)))
        return -EFAULT;
    rc = check_pt_owner(d, (uint32_t)foreigndom);
    if (!rc)
        rc = check_pg_owner(d, (uint32_t)foreigndom);
    if (rc)
        return rc;
    mm_lock(d);
    for (i = 0; i < count; i++) {
        struct mmu_update req;
        if (i && !(i % HYPERCALL_PREEMPT_BATCH)) {
            preempted = true;
            break;
        }
        if (copy_from_guest(&req, reqs + (uint64_t)i * sizeof(req), sizeof(req))) {
            rc = -EFAULT;
            break;
        }
        rc = mmu_update_one(d, &req, &flush);
        if (rc)
            break;
    }
    mm_unlock(d);
    if (flush)
        pv_flush_tlb(dirty_cpus(d), FLUSH_VA_ALL);
    return batch_end(__HYPERVISOR_mmu_update, reqs, sizeof(struct mmu_update), count, i, pdone,
                     done, foreigndom, preempted, rc);
}

/* ---- mmuext_op ---- */

static int clear_page_op(struct domain *d, mfn_t mfn)
{
    struct page_info *pg = pt_get_page(d, mfn);

    if (!pg)
        return -EINVAL;
    if (page_get_type(pg, PGT_writable)) {
        page_put_ref(pg);
        return -EINVAL;
    }
    memset(page_to_virt(pg), 0, PAGE_SIZE);
    pt_put_page_and_type(pg);
    return 0;
}

static int copy_page_op(struct domain *d, mfn_t dst_mfn, mfn_t src_mfn)
{
    struct page_info *src = pt_get_page(d, src_mfn), *dst;

    if (!src)
        return -EINVAL;
    dst = pt_get_page(d, dst_mfn);
    if (!dst || page_get_type(dst, PGT_writable)) {
        if (dst)
            page_put_ref(dst);
        page_put_ref(src);
        return -EINVAL;
    }
    memcpy(page_to_virt(dst), page_to_virt(src), PAGE_SIZE);
    pt_put_page_and_type(dst);
    page_put_ref(src);
    return 0;
}

static void wbinvd_here(void *arg)
{
    __asm__ volatile("wbinvd" ::: "memory");
}

/* The flushes of mmuext_op: this vCPU, a vCPU bitmap, or the whole domain. */
static int mmuext_flush(struct domain *d, const struct mmuext_op *op)
{
    uint64_t la = op->arg1.linear_addr, cpus = 0;
    bool one = op->cmd == MMUEXT_INVLPG_LOCAL || op->cmd == MMUEXT_INVLPG_MULTI ||
               op->cmd == MMUEXT_INVLPG_ALL;

    if (op->cmd == MMUEXT_TLB_FLUSH_LOCAL || op->cmd == MMUEXT_INVLPG_LOCAL)
        cpus = 1ULL << smp_processor_id();
    else if (op->cmd == MMUEXT_TLB_FLUSH_ALL || op->cmd == MMUEXT_INVLPG_ALL)
        cpus = dirty_cpus(d);
    else if (vcpumask_to_cpus(d, op->arg2.vcpumask, &cpus))
        return -EINVAL;
    if (one && !guest_range_ok(la, 1))
        return 0;                       /* nothing of the guest's there: no-op, as Xen */
    pv_flush_tlb(cpus, one ? la : FLUSH_VA_ALL);
    return 0;
}

/*
 * MMUEXT_SET_LDT: Sable loads no guest LDT yet; an empty one (what a
 * 64-bit Linux sets) is accepted, a real one refused.
 */
static int set_ldt_op(const struct mmuext_op *op)
{
    uint32_t ents = op->arg2.nr_ents;
    uint64_t base = op->arg1.linear_addr;

    if (ents > 8192 || (ents && ((base & ~PAGE_MASK) || !guest_range_ok(base, ents * 8ULL))))
        return -EINVAL;
    return ents ? -EOPNOTSUPP : 0;
}

static int mmuext_one(struct vcpu *v, const struct mmuext_op *op)
{
    struct domain *d = v->domain;

    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:
        return pt_pin(d, op->arg1.mfn, PGT_l1_page_table + op->cmd - MMUEXT_PIN_L1_TABLE);
    case MMUEXT_UNPIN_TABLE:
        return pt_unpin(d, op->arg1.mfn);
    case MMUEXT_NEW_BASEPTR:
        return pv_new_guest_cr3(v, op->arg1.mfn);
    case MMUEXT_NEW_USER_BASEPTR:
        return new_user_baseptr(v, op->arg1.mfn);
    case MMUEXT_TLB_FLUSH_LOCAL: case MMUEXT_INVLPG_LOCAL:
    case MMUEXT_TLB_FLUSH_MULTI: case MMUEXT_INVLPG_MULTI:
    case MMUEXT_TLB_FLUSH_ALL: case MMUEXT_INVLPG_ALL:
        return mmuext_flush(d, op);
    case MMUEXT_FLUSH_CACHE:
    case MMUEXT_FLUSH_CACHE_GLOBAL:
        if (!d->is_privileged)
            return -EACCES;
        smp_call_function_all(wbinvd_here, NULL);
        return 0;
    case MMUEXT_SET_LDT:
        return set_ldt_op(op);
    case MMUEXT_CLEAR_PAGE:
        return clear_page_op(d, op->arg1.mfn);
    case MMUEXT_COPY_PAGE:
        return copy_page_op(d, op->arg1.mfn, op->arg2.src_mfn);
    case MMUEXT_MARK_SUPER:
    case MMUEXT_UNMARK_SUPER:
        return -EOPNOTSUPP;
    }
    return -ENOSYS;
}

/*
 * mmuext_op(ops, count, done, foreigndom): as mmu_update, for the extended
 * operations (pinning, base pointers, flushes, page clearing and copying).
 */
long do_mmuext_op(uint64_t ops, uint64_t count_arg, uint64_t pdone, uint64_t foreigndom,
                  uint64_t a5)
{
    struct vcpu *v = current;
    struct domain *d = v->domain;
    uint32_t done, count = batch_start(count_arg, pdone, &done), i;
    bool preempted = false;
    long rc;

    if (!guest_range_ok(ops, (uint64_t)count * sizeof(struct mmuext_op)))
        return -EFAULT;
    rc = check_pg_owner(d, (uint32_t)foreigndom);
    if (rc)
        return rc;
    mm_lock(d);
    for (i = 0; i < count; i++) {
        struct mmuext_op op;
        if (i && !(i % HYPERCALL_PREEMPT_BATCH)) {
            preempted = true;
            break;
        }
        if (copy_from_guest(&op, ops + (uint64_t)i * sizeof(op), sizeof(op))) {
            rc = -EFAULT;
            break;
        }
        rc = mmuext_one(v, &op);
        if (rc)
            break;
    }
    mm_unlock(d);
    return batch_end(__HYPERVISOR_mmuext_op, ops, sizeof(struct mmuext_op), count, i, pdone,
                     done, foreigndom, preempted, rc);
}

/* ---- vm_assist ---- */

/*
 * vm_assist(cmd, type): the assists a 64-bit PV guest may switch. The
 * 4 GiB-segment ones change nothing for 64-bit code (Xen accepts them too);
 * writable_pagetables turns on the emulation of writes to read-only
 * mapped L1 tables (ptwr.c). Others: -EINVAL; unknown commands -ENOSYS.
 */
#define VM_ASSIST_VALID ((1ULL << VMASST_TYPE_4gb_segments) |            \
                         (1ULL << VMASST_TYPE_4gb_segments_notify) |     \
                         (1ULL << VMASST_TYPE_writable_pagetables))

long do_vm_assist(uint64_t cmd, uint64_t type, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct pv_domain *pd = pv_domain(current->domain);

    if (type >= 64 || !(VM_ASSIST_VALID & (1ULL << type)))
        return -EINVAL;
    switch (cmd) {
    case VMASST_CMD_enable:
        __atomic_fetch_or(&pd->vm_assist, 1ULL << type, __ATOMIC_RELAXED);
        return 0;
    case VMASST_CMD_disable:
        __atomic_fetch_and(&pd->vm_assist, ~(1ULL << type), __ATOMIC_RELAXED);
        return 0;
    }
    return -ENOSYS;
}
