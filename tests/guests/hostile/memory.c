/*
 * Memory the guest must not reach: mappings of frames it does not own or
 * of its own live page tables writable (update_va_mapping must refuse
 * them), and the hypervisor's own range, which faults when touched.
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/traps.h>
#include "hostile.h"

#define PTE_FLAGS   0x67ULL     /* present, rw, user, accessed, dirty */

static uint8_t scratch[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

static uint64_t scratch_va(void)
{
    return (uint64_t)(uintptr_t)scratch;
}

/* Put the scratch page's own frame back (after a mapping that should have failed). */
static void scratch_restore(void)
{
    uint64_t mfn = pfn_to_mfn(virt_to_pfn(scratch));

    hypercall_update_va_mapping(scratch_va(), (mfn << 12) | PTE_FLAGS, UVMF_INVLPG);
}

static void refuse_mapping(const char *name, uint64_t va, uint64_t pte)
{
    long rc = hypercall_update_va_mapping(va, pte, UVMF_INVLPG);

    check(name, rc < 0, "update_va_mapping(%#lx, %#lx) = %ld, want an error", va, pte, rc);
    if (rc == 0)
        scratch_restore();
}

static void memory_check_mappings(void)
{
    uint64_t pt_mfn = pfn_to_mfn(virt_to_pfn((void *)(uintptr_t)start_info->pt_base));

    refuse_mapping("uvm-frame-0", scratch_va(), PTE_FLAGS);
    refuse_mapping("uvm-frame-vga", scratch_va(), (0xb8ULL << 12) | PTE_FLAGS);
    refuse_mapping("uvm-frame-lapic", scratch_va(), (0xfee00ULL << 12) | PTE_FLAGS);
    refuse_mapping("uvm-frame-beyond-ram", scratch_va(), (0xffffffffULL << 12) | PTE_FLAGS);
    refuse_mapping("uvm-pagetable-writable", scratch_va(), (pt_mfn << 12) | PTE_FLAGS);
    refuse_mapping("uvm-hypervisor-va", 0xffff830000000000ULL,
                   (pfn_to_mfn(virt_to_pfn(scratch)) << 12) | PTE_FLAGS);
    refuse_mapping("uvm-noncanonical-va", 0x8000000000000000ULL,
                   (pfn_to_mfn(virt_to_pfn(scratch)) << 12) | PTE_FLAGS);
}

static void expect_pf(const char *name, uint64_t va, bool write)
{
    trap_touch(va, write);
    check(name, trap_last.count == 1 && trap_last.vector == TRAP_PF && trap_last.cr2 == va &&
          !(trap_last.error_code & PFEC_USER), "%u faults, vector %u, ec %#lx, cr2 %#lx",
          trap_last.count, trap_last.vector, trap_last.error_code, trap_last.cr2);
}

static void memory_check_hypervisor_range(void)
{
    expect_pf("hv-read-image", 0xffff82d080000000ULL, false);
    expect_pf("hv-write-image", 0xffff82d080000000ULL, true);
    expect_pf("hv-read-directmap", 0xffff830000001000ULL, false);
    expect_pf("hv-write-directmap", 0xffff830000001000ULL, true);
    expect_pf("hv-write-kernel-half", HYPERVISOR_VIRT_START, true);

    /* Xen maps its M2P table read-only here for PV guests: a read may work. */
    trap_touch(HYPERVISOR_VIRT_START, false);
    check("hv-read-kernel-half", trap_last.count == 0 ||
          (trap_last.vector == TRAP_PF && trap_last.cr2 == HYPERVISOR_VIRT_START),
          "%u faults, vector %u, cr2 %#lx", trap_last.count, trap_last.vector, trap_last.cr2);

    trap_touch(0x8000000000000000ULL, false);
    check("read-noncanonical", trap_last.count == 1 && trap_last.vector == TRAP_GP &&
          trap_last.error_code == 0, "%u faults, vector %u, ec %#lx", trap_last.count,
          trap_last.vector, trap_last.error_code);
}

void hostile_memory(void)
{
    memory_check_mappings();
    memory_check_hypervisor_range();
}
