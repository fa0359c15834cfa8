/*
 * Writable page tables and descriptor pages: a store into an L1 table
 * through its read-only mapping is emulated once VMASST_TYPE_writable_
 * pagetables is on (checked as mmu_update would check it; refused stores
 * fault), and a GDT lives in descriptor pages the guest can no longer write.
 */
#include "pvmm.h"

#define STORE(pte, v) __asm__ volatile(TRY_INSN("movq %[x], (%[p])") :: [x] "r"(v), \
                                       [p] "r"(pte) : "memory")

static bool stored_ok(void)
{
    return trap_last.count == 0;
}

static bool store_faulted(void)
{
    return trap_last.count == 1 && trap_last.vector == TRAP_PF &&
           trap_last.error_code == (PFEC_PRESENT | PFEC_WRITE);
}

void pvmm_writable_pagetables(void)
{
    uint64_t data_pfn = mm_alloc_pfn(), data_mfn = pfn_to_mfn(data_pfn), ma, l1_mfn, good;
    volatile uint64_t *pte;
    long rc;

    *(volatile uint64_t *)phys_to_virt(data_pfn) = 0x77ab;
    rc = pt_map(pt_root_mfn, REGION_PTWR, data_mfn, PTE_KERNEL_RO | PTE_NX);
    rc = rc ? rc : mmu_flush();
    if (!CHECK_RC("ptwr-setup", rc, 0))
        return;
    pt_lookup(pt_root_mfn, REGION_PTWR + PAGE, &ma);
    l1_mfn = ma >> 12;
    pte = (volatile uint64_t *)((char *)phys_to_virt(mfn_to_pfn(l1_mfn)) + (ma & (PAGE - 1)));
    good = (data_mfn << 12) | PTE_KERNEL_RW | PTE_NX;

    trap_reset();
    STORE(pte, good);
    check("ptwr-off-faults", store_faulted() && *pte == 0, "%u faults, ec %#lx, pte %#lx",
          trap_last.count, trap_last.error_code, *pte);
    CHECK_RC("ptwr-enable", hypercall_vm_assist(VMASST_CMD_enable,
                                                VMASST_TYPE_writable_pagetables), 0);
    trap_reset();
    STORE(pte, good);
    check("ptwr-store", stored_ok() && pte_mfn(*pte) == data_mfn && (*pte & PTE_US) &&
          (*pte & PTE_RW), "%u faults, pte %#lx", trap_last.count, *pte);
    check("ptwr-mapping-works", *(volatile uint64_t *)(REGION_PTWR + PAGE) == 0x77ab,
          "read %#lx", *(volatile uint64_t *)(REGION_PTWR + PAGE));

    /* What mmu_update refuses, a direct store cannot do either. */
    trap_reset();
    STORE(pte, (1ULL << 12) | PTE_KERNEL_RW);               /* not our frame */
    check("ptwr-foreign-frame", store_faulted() && pte_mfn(*pte) == data_mfn,
          "%u faults, pte %#lx", trap_last.count, *pte);
    trap_reset();
    STORE(pte, (l1_mfn << 12) | PTE_KERNEL_RW);             /* the table itself, writable */
    check("ptwr-table-writable", store_faulted() && pte_mfn(*pte) == data_mfn,
          "%u faults, pte %#lx", trap_last.count, *pte);
    trap_reset();
    STORE(pte, good | PTE_PCD);                             /* cache attributes */
    check("ptwr-bad-flags", store_faulted() && !(*pte & PTE_PCD), "%u faults, pte %#lx",
          trap_last.count, *pte);

    /* A 4-byte store changes half an entry: the flags, here RW off. */
    trap_reset();
    __asm__ volatile(TRY_INSN("movl %[x], (%[p])") :: [x] "r"((uint32_t)(*pte & ~PTE_RW)),
                     [p] "r"(pte) : "memory");
    mmuext(MMUEXT_INVLPG_LOCAL, REGION_PTWR + PAGE, 0);
    check("ptwr-store-32", stored_ok() && !(*pte & PTE_RW) && pte_mfn(*pte) == data_mfn,
          "%u faults, pte %#lx", trap_last.count, *pte);
    trap_touch(REGION_PTWR + PAGE, true);
    check("ptwr-now-read-only", store_faulted() && trap_last.cr2 == REGION_PTWR + PAGE,
          "%u faults, ec %#lx", trap_last.count, trap_last.error_code);
    /* An immediate store clears it. */
    trap_reset();
    __asm__ volatile(TRY_INSN("movq $0, (%[p])") :: [p] "r"(pte) : "memory");
    check("ptwr-store-imm", stored_ok() && *pte == 0, "%u faults, pte %#lx", trap_last.count,
          *pte);

    CHECK_RC("ptwr-disable", hypercall_vm_assist(VMASST_CMD_disable,
                                                 VMASST_TYPE_writable_pagetables), 0);
    trap_reset();
    STORE(pte, good);
    check("ptwr-disabled-faults", store_faulted() && *pte == 0, "%u faults", trap_last.count);
    CHECK_RC("vm-assist-unknown", hypercall_vm_assist(VMASST_CMD_enable, 31), -XEN_EINVAL);
    CHECK_RC("vm-assist-bad-cmd", hypercall_vm_assist(7, VMASST_TYPE_writable_pagetables),
             -XEN_ENOSYS);
}

/* ---- descriptor pages ---- */

#define DESC_DATA_4G    0x00cff2000000ffffULL       /* DPL 3, limit 4 GiB */
#define DESC_DATA_SMALL 0x0041f20000002345ULL       /* DPL 3, limit 0x12345 bytes */
#define DESC_TSS        0x0000890000000067ULL
#define SEL_1           ((1 << 3) | 3)

/* LSL on selector: the limit, or ~0 when the CPU refuses it. */
static uint64_t seg_limit(uint16_t sel)
{
    uint64_t limit = 0;
    uint8_t ok;

    __asm__ volatile("lsl %[s], %[l]; setz %[ok]" : [l] "=r"(limit), [ok] "=q"(ok)
                     : [s] "r"((uint64_t)sel) : "cc");
    return ok ? limit : ~0ULL;
}

void pvmm_descriptors(void)
{
    uint64_t gdt = pt_alloc_table(), ma = gdt << 12, l1_ma, frames[1] = { gdt };
    long rc;

    CHECK_RC("desc-update", hypercall_update_descriptor(ma + 8, DESC_DATA_4G), 0);
    CHECK_RC("gdt-set", hypercall_set_gdt(frames, 16), 0);
    check("gdt-loaded", seg_limit(SEL_1) == 0xffffffffULL, "lsl %#lx", seg_limit(SEL_1));
    CHECK_RC("desc-update-live", hypercall_update_descriptor(ma + 8, DESC_DATA_SMALL), 0);
    check("gdt-updated", seg_limit(SEL_1) == 0x12345, "lsl %#lx", seg_limit(SEL_1));
    CHECK_RC("desc-tss-refused", hypercall_update_descriptor(ma + 16, DESC_TSS), -XEN_EINVAL);
    CHECK_RC("desc-misaligned", hypercall_update_descriptor(ma + 12, DESC_DATA_4G), -XEN_EINVAL);
    pt_lookup(pt_root_mfn, REGION_PTWR, &l1_ma);
    CHECK_RC("desc-in-page-table", hypercall_update_descriptor((l1_ma & ~0xfffULL) + 8,
                                                               DESC_DATA_4G), -XEN_EINVAL);
    CHECK_RC("desc-foreign-frame", hypercall_update_descriptor(1ULL << 12, DESC_DATA_4G),
             -XEN_EINVAL);
    /* In use as a GDT the frame cannot be mapped writable. */
    rc = pt_map(pt_root_mfn, REGION_PTWR + 2 * PAGE, gdt, PTE_KERNEL_RW);
    rc = rc ? rc : mmu_flush();
    CHECK_RC("gdt-not-writable", rc, -XEN_EBUSY);
    frames[0] = l1_ma >> 12;
    CHECK_RC("gdt-page-table-refused", hypercall_set_gdt(frames, 8), -XEN_EINVAL);
    CHECK_RC("gdt-too-big", hypercall_set_gdt(frames, 14 * 512 + 1), -XEN_EINVAL);
    check("gdt-kept", seg_limit(SEL_1) == 0x12345, "lsl %#lx", seg_limit(SEL_1));
    CHECK_RC("gdt-clear", hypercall_set_gdt(frames, 0), 0);
    check("gdt-cleared", seg_limit(SEL_1) == ~0ULL, "lsl %#lx", seg_limit(SEL_1));
    rc = pt_map(pt_root_mfn, REGION_PTWR + 2 * PAGE, gdt, PTE_KERNEL_RW);
    rc = rc ? rc : mmu_flush();
    CHECK_RC("gdt-frame-free-again", rc, 0);
    pt_unmap(pt_root_mfn, REGION_PTWR + 2 * PAGE);
    mmu_flush();
}
