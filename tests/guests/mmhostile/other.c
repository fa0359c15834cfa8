/*
 * Batches with a bad entry, other domains named as owners, the
 * reservation, descriptor pages and the remaining mmuext commands.
 */
#include "mmhostile.h"

static struct mmu_update reqs[600];

/* Requests for n entries of the L1 table mapping scratch, each to itself. */
static uint64_t same_entries(unsigned int n)
{
    uint64_t ma;

    pt_lookup(pt_root_mfn, VA(scratch), &ma);
    for (unsigned int i = 0; i < n; i++) {
        reqs[i].ptr = ma;
        reqs[i].val = (pfn_to_mfn(virt_to_pfn(scratch)) << 12) | RW_PTE;
    }
    return ma;
}

static void attack_batches(void)
{
    unsigned int done = 99;
    long rc;

    same_entries(600);
    reqs[3].val = (1ULL << 12) | RW_PTE;            /* a frame not ours */
    rc = hypercall_mmu_update(reqs, 5, &done, DOMID_SELF);
    check("batch-stops-at-bad-entry", rc == -XEN_EBUSY && done == 3, "rc %ld (%s), done %u", rc,
          xen_errno_name(rc), done);
    same_entries(600);
    reqs[550].ptr |= 4;                             /* misaligned: an entry's middle */
    done = 0;
    rc = hypercall_mmu_update(reqs, 600, &done, DOMID_SELF);
    check("batch-continued-then-bad", rc == -XEN_EINVAL && done == 550, "rc %ld, done %u", rc,
          done);
    done = 7;
    CHECK_RC("batch-empty", hypercall_mmu_update(reqs, 0, &done, DOMID_SELF), 0);
    check("batch-empty-done", done == 0, "done %u", done);
    CHECK_RC("batch-bad-pointer", hypercall_mmu_update((void *)0x10, 10, NULL, DOMID_SELF),
             -XEN_EFAULT);
    CHECK_RC("batch-huge-count", hypercall_mmu_update(reqs, 0x7fffffff, NULL, DOMID_SELF),
             -XEN_EFAULT);
    CHECK_RC("batch-done-in-hypervisor", hypercall_mmu_update(reqs, 1,
             (unsigned int *)0xffff830000000000ULL, DOMID_SELF), 0);
    CHECK_RC("mmuext-bad-pointer", hypercall_mmuext_op((void *)0xffff830000000000ULL, 1, NULL,
                                                       DOMID_SELF), -XEN_EFAULT);
}

static void attack_foreign(void)
{
    /* Naming ourselves by number is an error too (self= from the command line). */
    domid_t self = (domid_t)cmdline_get_ulong("self", 0);
    struct xen_memory_reservation r = { .nr_extents = 1 };

    same_entries(1);
    if (victim != DOMID_INVALID) {
        CHECK_RC("foreign-pg-owner", hypercall_mmu_update(reqs, 1, NULL, victim), -XEN_EPERM);
        CHECK_RC("foreign-pt-owner", hypercall_raw(__HYPERVISOR_mmu_update, VA(reqs), 1, 0,
                 ((uint32_t)victim + 1) << 16 | DOMID_SELF, 0), -XEN_EPERM);
        CHECK_RC("foreign-mmuext", hypercall_mmuext_op(&(struct mmuext_op){
                 .cmd = MMUEXT_TLB_FLUSH_LOCAL }, 1, NULL, victim), -XEN_EPERM);
        CHECK_RC("foreign-reservation-query", hypercall_memory_op(XENMEM_current_reservation,
                 &(domid_t){ victim }), -XEN_EPERM);
        r.domid = victim;
        CHECK_RC("foreign-increase", hypercall_memory_op(XENMEM_increase_reservation, &r), 0);
        CHECK_RC("foreign-decrease", hypercall_memory_op(XENMEM_decrease_reservation, &r), 0);
    }
    if (self)
        CHECK_RC("foreign-self-by-id", hypercall_mmu_update(reqs, 1, NULL, self), -XEN_ESRCH);
    CHECK_RC("foreign-xen", hypercall_mmu_update(reqs, 1, NULL, DOMID_XEN), -XEN_ESRCH);
    CHECK_RC("foreign-io", hypercall_mmu_update(reqs, 1, NULL, DOMID_IO), -XEN_EPERM);
    CHECK_RC("foreign-missing", hypercall_mmu_update(reqs, 1, NULL, 0x7000), -XEN_ESRCH);
}

void attack_batches_and_foreign(void)
{
    attack_batches();
    attack_foreign();
}

static long reserve(unsigned int op, unsigned int order, uint32_t flags)
{
    uint64_t frame = pfn_to_mfn(virt_to_pfn(scratch));
    struct xen_memory_reservation r = { .extent_start = VA(&frame), .nr_extents = 1,
                                        .extent_order = order, .mem_flags = flags,
                                        .domid = DOMID_SELF };

    return hypercall_memory_op(op, &r);
}

void attack_memory_op(void)
{
    long have = hypercall_memory_op(XENMEM_current_reservation, &(domid_t){ DOMID_SELF });

    CHECK_EQ("reservation-full", have, hypercall_memory_op(XENMEM_maximum_reservation,
                                                           &(domid_t){ DOMID_SELF }));
    CHECK_EQ("reservation-exceeded", reserve(XENMEM_increase_reservation, 0, 0), 0);
    CHECK_EQ("reservation-populate-exceeded", reserve(XENMEM_populate_physmap, 0, 0), 0);
    CHECK_EQ("reservation-order-too-big", reserve(XENMEM_decrease_reservation, 20, 0), 0);
    CHECK_EQ("reservation-mapped-frame", reserve(XENMEM_decrease_reservation, 0, 0), 0);
    CHECK_EQ("reservation-address-bits", reserve(XENMEM_increase_reservation, 0, 20), 0);
    CHECK_EQ("reservation-pod", reserve(XENMEM_populate_physmap, 0, XENMEMF_populate_on_demand), 0);
    CHECK_RC("reservation-query-xen", hypercall_memory_op(XENMEM_maximum_reservation,
                                                          &(domid_t){ DOMID_XEN }), -XEN_ESRCH);
    CHECK_RC("set-memory-map-unprivileged", hypercall_memory_op(XENMEM_set_memory_map,
             &(struct xen_foreign_memory_map){ .domid = DOMID_SELF }), -XEN_EPERM);
    CHECK_EQ("reservation-unchanged", hypercall_memory_op(XENMEM_current_reservation,
                                                          &(domid_t){ DOMID_SELF }), have);
}

void attack_descriptors_and_misc(void)
{
    uint64_t ma, gdt = pt_alloc_table(), frames[1];
    struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };

    pt_lookup(pt_root_mfn, VA(scratch), &ma);
    frames[0] = 1;
    CHECK_RC("gdt-foreign", hypercall_set_gdt(frames, 8), -XEN_EINVAL);
    frames[0] = ma >> 12;
    CHECK_RC("gdt-page-table", hypercall_set_gdt(frames, 8), -XEN_EINVAL);
    CHECK_RC("gdt-too-many", hypercall_set_gdt(frames, 14 * 512 + 1), -XEN_EINVAL);
    CHECK_RC("gdt-bad-list", hypercall_set_gdt((void *)0x10, 8), -XEN_EFAULT);
    CHECK_RC("desc-call-gate", hypercall_update_descriptor(gdt * PAGE + 8, 0x0000ec0000080000ULL),
             -XEN_EINVAL);
    CHECK_RC("desc-foreign", hypercall_update_descriptor(1ULL << 12, 0), -XEN_EINVAL);
    CHECK_RC("desc-page-table", hypercall_update_descriptor(ma & ~0xfffULL, 0), -XEN_EINVAL);
    frames[0] = gdt;
    CHECK_RC("gdt-own", hypercall_set_gdt(frames, 8), 0);
    CHECK_RC("gdt-map-writable", hypercall_update_va_mapping(VA(scratch), (gdt << 12) | RW_PTE,
                                                             UVMF_INVLPG), -XEN_EBUSY);
    CHECK_RC("gdt-released", hypercall_set_gdt(frames, 0), 0);

    CHECK_RC("mmuext-unknown", mmuext(99, 0, 0), -XEN_ENOSYS);
    CHECK_RC("mmuext-mark-super", mmuext(MMUEXT_MARK_SUPER, 0, 0), -XEN_EOPNOTSUPP);
    CHECK_RC("mmuext-flush-cache", mmuext(MMUEXT_FLUSH_CACHE, 0, 0), -XEN_EACCES);
    CHECK_RC("mmuext-copy-foreign", mmuext(MMUEXT_COPY_PAGE, pfn_to_mfn(virt_to_pfn(scratch)), 1),
             -XEN_EINVAL);
    CHECK_RC("mmuext-clear-page-table", mmuext(MMUEXT_CLEAR_PAGE, ma >> 12, 0), -XEN_EINVAL);
    op.arg2.nr_ents = 9000;
    CHECK_RC("ldt-too-big", hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    op.arg2.nr_ents = 8;
    op.arg1.linear_addr = VA(scratch) + 8;
    CHECK_RC("ldt-misaligned", hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    CHECK_RC("vm-assist-bad-type", hypercall_vm_assist(VMASST_CMD_enable, 64), -XEN_EINVAL);
    CHECK_RC("uvm-bad-vcpu-mask", hypercall_update_va_mapping(VA(scratch),
             (pfn_to_mfn(virt_to_pfn(scratch)) << 12) | RW_PTE, UVMF_INVLPG | 0x10), -XEN_EFAULT);
}
