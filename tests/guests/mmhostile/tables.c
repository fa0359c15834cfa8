/*
 * Our own page tables: never writable, no forbidden flags at any level,
 * linear entries only read-only and not nested, pins of the right level
 * only, roots that are L4 tables, and the hypervisor's slots untouchable
 * (also through a direct store with writable page tables on).
 */
#include "mmhostile.h"

#define SELF_SLOT   300ULL      /* a free slot of our root */

/* A table entry of ours: its machine address and value, read through the physmap. */
static uint64_t entry_at(uint64_t ma)
{
    return *(volatile uint64_t *)((char *)mfn_to_virt(ma >> 12) + (ma & (PAGE - 1)));
}

/* Every level's entry on the way to va: ma[4] for L4 .. ma[1] for L1. */
static void walk(uint64_t va, uint64_t ma[5])
{
    uint64_t t = pt_root_mfn;

    for (unsigned int level = 4; level >= 1; level--) {
        ma[level] = t * PAGE + pt_idx(va, level) * 8;
        t = pte_mfn(entry_at(ma[level]));
    }
}

static void tables_writable(const uint64_t ma[5])
{
    uint64_t l1 = ma[1] >> 12, l4 = pt_root_mfn;

    CHECK_RC("pt-map-l4-writable", hypercall_update_va_mapping(VA(scratch), (l4 << 12) | RW_PTE,
                                                               UVMF_INVLPG), -XEN_EBUSY);
    CHECK_RC("pt-map-l1-writable", hypercall_update_va_mapping(VA(scratch), (l1 << 12) | RW_PTE,
                                                               UVMF_INVLPG), -XEN_EBUSY);
    CHECK_RC("pt-update-to-l2-writable", mmu1(ma[1], ((ma[2] >> 12) << 12) | RW_PTE), -XEN_EBUSY);
    /* Read-only, a page table may be mapped (and then the mapping put back). */
    CHECK_RC("pt-map-l1-read-only", hypercall_update_va_mapping(VA(scratch), (l1 << 12) | PTE_P,
                                                                UVMF_INVLPG), 0);
    CHECK_RC("pt-map-restored", hypercall_update_va_mapping(VA(scratch),
             (pfn_to_mfn(virt_to_pfn(scratch)) << 12) | RW_PTE, UVMF_INVLPG), 0);
}

/* Each forbidden bit at each level: -EINVAL, the entry as it was. */
static void tables_bad_flags(const uint64_t ma[5])
{
    static const struct { const char *name; unsigned int level; uint64_t bit; long rc; } bad[] = {
        { "pt-l1-pcd", 1, PTE_PCD, -XEN_EINVAL }, { "pt-l1-pwt", 1, PTE_PWT, -XEN_EINVAL },
        { "pt-l1-pat", 1, PTE_PSE, -XEN_EINVAL }, { "pt-l1-huge-frame", 1, 1ULL << 50, -XEN_EPERM },
        { "pt-l2-pse", 2, PTE_PSE, -XEN_EINVAL }, { "pt-l2-global", 2, PTE_G, -XEN_EINVAL },
        { "pt-l2-pcd", 2, PTE_PCD, -XEN_EINVAL }, { "pt-l3-pse", 3, PTE_PSE, -XEN_EINVAL },
        { "pt-l3-pwt", 3, PTE_PWT, -XEN_EINVAL }, { "pt-l4-global", 4, PTE_G, -XEN_EINVAL },
        { "pt-l4-pse", 4, PTE_PSE, -XEN_EINVAL }, { "pt-l2-huge-frame", 2, 1ULL << 50, -XEN_EINVAL },
    };

    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t ma_e = ma[bad[i].level], old = entry_at(ma_e);
        long rc = mmu1(ma_e, old | bad[i].bit);
        check(bad[i].name, rc == bad[i].rc && entry_at(ma_e) == old, "rc %ld (%s), entry %#lx",
              rc, xen_errno_name(rc), entry_at(ma_e));
    }
}

/* Linear tables: read-only to a validated table of the same level, no nesting. */
static void tables_linear(const uint64_t ma[5])
{
    uint64_t root_ma = pt_root_mfn * PAGE + SELF_SLOT * 8, l3 = ma[3] >> 12, other_l3 = physmap_l3_mfn;
    uint64_t self_va = 0xffff000000000000ULL | (SELF_SLOT << 39) | (SELF_SLOT << 30) |
                       (SELF_SLOT << 21) | ((uint64_t)SELF_SLOT << 12);
    uint64_t l3_free = l3 * PAGE + 17 * 8;

    CHECK_RC("linear-l4-self-writable", mmu1(root_ma, (pt_root_mfn << 12) | RW_PTE), -XEN_EINVAL);
    CHECK_RC("linear-l4-self-read-only", mmu1(root_ma, (pt_root_mfn << 12) | PTE_P | PTE_A), 0);
    check("linear-l4-reads-itself", *(volatile uint64_t *)(self_va + 511 * 8) ==
          entry_at(pt_root_mfn * PAGE + 511 * 8), "read %#lx",
          *(volatile uint64_t *)(self_va + 511 * 8));
    trap_reset();
    __asm__ volatile(TRY_INSN("movq $0, (%[a])") :: [a] "r"(self_va + 511 * 8) : "memory");
    check("linear-l4-not-writable", trap_last.count == 1 && trap_last.vector == TRAP_PF,
          "%u faults", trap_last.count);
    CHECK_RC("linear-l4-removed", mmu1(root_ma, 0), 0);
    CHECK_RC("linear-l3-other-writable", mmu1(l3_free, (other_l3 << 12) | RW_PTE), -XEN_EINVAL);
    CHECK_RC("linear-l3-other-read-only", mmu1(l3_free, (other_l3 << 12) | PTE_P | PTE_A), 0);
    /* other_l3 is used linearly: it may not have linear entries of its own ... */
    CHECK_RC("linear-nested-used", mmu1(other_l3 * PAGE + 200 * 8, (l3 << 12) | PTE_P), -XEN_EINVAL);
    CHECK_RC("linear-l3-removed", mmu1(l3_free, 0), 0);
    /* A table may map itself read-only, and stop again. */
    CHECK_RC("linear-l2-self", mmu1((ma[2] >> 12) * PAGE + 300 * 8, (ma[2] & ~0xfffULL) | PTE_P), 0);
    CHECK_RC("linear-l2-self-removed", mmu1((ma[2] >> 12) * PAGE + 300 * 8, 0), 0);
}

static void tables_pins_and_roots(const uint64_t ma[5])
{
    uint64_t l1 = ma[1] >> 12, bad = pt_alloc_table(), root = pt_root_mfn;
    uint64_t scratch_mfn = pfn_to_mfn(virt_to_pfn(scratch));

    CHECK_RC("pin-l1-as-l2", mmuext(MMUEXT_PIN_L2_TABLE, l1, 0), -XEN_EINVAL);
    CHECK_RC("pin-writable-page", mmuext(MMUEXT_PIN_L1_TABLE, scratch_mfn, 0), -XEN_EINVAL);
    CHECK_RC("pin-root-twice", mmuext(MMUEXT_PIN_L4_TABLE, root, 0), -XEN_EINVAL);
    CHECK_RC("unpin-not-pinned", mmuext(MMUEXT_UNPIN_TABLE, l1, 0), -XEN_EINVAL);
    /* A table whose entry names a frame not ours fails validation as a whole. */
    mmu1(bad * PAGE + 5 * 8, (1ULL << 12) | PTE_P);
    CHECK_RC("pin-table-with-foreign-entry", mmuext(MMUEXT_PIN_L1_TABLE, bad, 0), -XEN_EBUSY);
    CHECK_RC("pin-table-as-l2-foreign", mmuext(MMUEXT_PIN_L2_TABLE, bad, 0), -XEN_EINVAL);
    CHECK_RC("baseptr-l1", mmuext(MMUEXT_NEW_BASEPTR, l1, 0), -XEN_EINVAL);
    CHECK_RC("baseptr-data-page", mmuext(MMUEXT_NEW_BASEPTR, scratch_mfn, 0), -XEN_EINVAL);
    CHECK_RC("baseptr-foreign", mmuext(MMUEXT_NEW_BASEPTR, 1, 0), -XEN_EINVAL);
    CHECK_RC("user-baseptr-foreign", mmuext(MMUEXT_NEW_USER_BASEPTR, 1, 0), -XEN_EINVAL);
    CHECK_RC("user-baseptr-l1", mmuext(MMUEXT_NEW_USER_BASEPTR, l1, 0), -XEN_EINVAL);
    /* As on Xen, the live root may be unpinned: the base pointer keeps it a table. */
    CHECK_RC("unpin-live-root", mmuext(MMUEXT_UNPIN_TABLE, root, 0), 0);
    CHECK_RC("live-root-still-l4", hypercall_update_va_mapping(VA(scratch), (root << 12) | RW_PTE,
                                                               UVMF_INVLPG), -XEN_EBUSY);
    CHECK_RC("repin-live-root", mmuext(MMUEXT_PIN_L4_TABLE, root, 0), 0);
}

static void tables_hypervisor_slots(void)
{
    uint64_t l4 = pt_root_mfn * PAGE, before[16], changed = 0;

    for (unsigned int i = 0; i < 16; i++)
        before[i] = entry_at(l4 + (256 + i) * 8);
    CHECK_RC("xen-slot-256-clear", mmu1(l4 + 256 * 8, 0), -XEN_EINVAL);
    CHECK_RC("xen-slot-262-replace", mmu1(l4 + 262 * 8, entry_at(l4 + 511 * 8)), -XEN_EINVAL);
    CHECK_RC("xen-slot-271-self", mmu1(l4 + 271 * 8, (pt_root_mfn << 12) | PTE_P), -XEN_EINVAL);
    CHECK_RC("uvm-hypervisor-va", hypercall_update_va_mapping(0xffff830000000000ULL,
             (pfn_to_mfn(virt_to_pfn(scratch)) << 12) | RW_PTE, UVMF_INVLPG), -XEN_EINVAL);
    hypercall_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
    trap_reset();
    __asm__ volatile(TRY_INSN("movq $0, (%[a])") :: [a] "r"((char *)mfn_to_virt(pt_root_mfn) + 256 * 8)
                     : "memory");
    check("xen-slot-store-faults", trap_last.count == 1 && trap_last.vector == TRAP_PF,
          "%u faults", trap_last.count);
    hypercall_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables);
    for (unsigned int i = 0; i < 16; i++)
        changed += entry_at(l4 + (256 + i) * 8) != before[i];
    check("xen-slots-unchanged", changed == 0, "%lu slots changed", changed);
    /* Hypervisor memory through them: not reachable from the guest. */
    trap_reset();
    __asm__ volatile(TRY_INSN("movb (%[a]), %%al") :: [a] "r"(0xffff830000001000ULL)
                     : "rax", "memory");
    check("xen-directmap-unreadable", trap_last.count == 1 && trap_last.vector == TRAP_PF,
          "%u faults", trap_last.count);
}

/* Writable page tables only emulate checked stores into L1 tables. */
static void tables_ptwr(const uint64_t ma[5])
{
    volatile uint64_t *l1e = (volatile uint64_t *)((char *)mfn_to_virt(ma[1] >> 12) +
                                                   (ma[1] & (PAGE - 1)));
    volatile uint64_t *l2e = (volatile uint64_t *)((char *)mfn_to_virt(ma[2] >> 12) +
                                                   (ma[2] & (PAGE - 1)));
    uint64_t old1 = *l1e, old2 = *l2e;

    hypercall_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
    trap_reset();
    __asm__ volatile(TRY_INSN("movq %[v], (%[a])") :: [v] "r"((1ULL << 12) | RW_PTE),
                     [a] "r"(l1e) : "memory");
    check("ptwr-foreign-frame", trap_last.count == 1 && *l1e == old1, "%u faults", trap_last.count);
    trap_reset();
    __asm__ volatile(TRY_INSN("movq %[v], (%[a])") :: [v] "r"(old2 | PTE_PSE), [a] "r"(l2e)
                     : "memory");
    check("ptwr-l2-not-emulated", trap_last.count == 1 && *l2e == old2, "%u faults",
          trap_last.count);
    hypercall_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables);
}

void attack_tables(void)
{
    uint64_t ma[5];

    walk(VA(scratch), ma);
    tables_writable(ma);
    tables_bad_flags(ma);
    tables_linear(ma);
    tables_pins_and_roots(ma);
    tables_hypervisor_slots();
    tables_ptwr(ma);
}
