/*
 * Start-of-day checks: what the domain builder promised in Xen's x86-64 PV
 * contract (xen/include/public/xen.h, "start_info"): the bootstrap region
 * holds, in order and page aligned, the kernel, the p2m list, start_info,
 * the page tables (mapped read-only) and the boot stack, mapped 1:1 onto
 * pseudo-physical frames from 0, with at least 512 KiB mapped beyond.
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include "selftest.h"

#define PAGE        GUEST_PAGE_SIZE
#define VA(p)       ((uint64_t)(uintptr_t)(p))
#define ALIGNED(x)  (((x) & (PAGE - 1)) == 0)

#define PTE_P       (1ULL << 0)
#define PTE_RW      (1ULL << 1)
#define PTE_US      (1ULL << 2)
#define PTE_PS      (1ULL << 7)
#define PTE_ADDR    0x000ffffffffff000ULL

static uint64_t region_end(void)
{
    return GUEST_VIRT_BASE + start_info->nr_pages * PAGE;
}

static void boot_check_start_info(void)
{
    const struct start_info *si = start_info;

    check("boot-magic", strnlen(si->magic, sizeof(si->magic)) < sizeof(si->magic) &&
          !strcmp(si->magic, "xen-3.0-x86_64"), "magic \"%.32s\"", si->magic);
    check("boot-nr-pages", si->nr_pages > virt_to_pfn(_image_end) && si->nr_pages < (1ULL << 26),
          "nr_pages %lu, image ends at pfn %lu", si->nr_pages, virt_to_pfn(_image_end));
    check("boot-shared-info-maddr", si->shared_info && ALIGNED(si->shared_info),
          "shared_info %#lx", si->shared_info);
    check("boot-cmdline", strnlen((const char *)si->cmd_line, MAX_GUEST_CMDLINE) < MAX_GUEST_CMDLINE,
          "cmd_line not NUL-terminated");
    printf("start_info: nr_pages %lu flags %#x pt_base %#lx nr_pt_frames %lu mfn_list %#lx "
           "mod_start %#lx mod_len %lu store %#lx/%u console %#lx/%u\n",
           si->nr_pages, si->flags, si->pt_base, si->nr_pt_frames, si->mfn_list, si->mod_start,
           si->mod_len, si->store_mfn, si->store_evtchn, si->console.domU.mfn,
           si->console.domU.evtchn);
}

/* The order of the bootstrap elements, each page aligned. */
static void boot_check_layout(void)
{
    const struct start_info *si = start_info;
    uint64_t p2m_end = si->mfn_list + si->nr_pages * 8;
    uint64_t pt_end = si->pt_base + si->nr_pt_frames * PAGE;

    check("boot-p2m-placement", ALIGNED(si->mfn_list) && si->mfn_list >= VA(_image_end) &&
          p2m_end <= VA(si), "mfn_list %#lx..%#lx, image end %#lx, start_info %p",
          si->mfn_list, p2m_end, VA(_image_end), (void *)si);
    check("boot-start-info-placement", ALIGNED(VA(si)) && VA(si) < si->pt_base,
          "start_info %p, pt_base %#lx", (void *)si, si->pt_base);
    check("boot-pt-placement", ALIGNED(si->pt_base) && si->nr_pt_frames >= 4 &&
          pt_end < boot_rsp, "pt_base %#lx, %lu frames, boot rsp %#lx",
          si->pt_base, si->nr_pt_frames, boot_rsp);
    check("boot-stack", boot_rsp > pt_end && boot_rsp <= region_end() && !(boot_rsp & 7),
          "rsp %#lx, tables end %#lx, region end %#lx", boot_rsp, pt_end, region_end());
}

/* Every p2m entry a plausible machine frame, no frame twice. */
static void boot_check_p2m(void)
{
    const uint64_t *p2m = (const uint64_t *)(uintptr_t)start_info->mfn_list;
    uint64_t n = start_info->nr_pages < 4096 ? start_info->nr_pages : 4096;

    for (uint64_t i = 0; i < n; i++) {
        if (p2m[i] == 0 || p2m[i] >= (1ULL << 40)) {
            check("boot-p2m-entries", false, "pfn %lu -> mfn %#lx", i, p2m[i]);
            return;
        }
        for (uint64_t j = 0; j < i; j++) {
            if (p2m[i] == p2m[j]) {
                check("boot-p2m-entries", false, "pfn %lu and %lu -> mfn %#lx", j, i, p2m[i]);
                return;
            }
        }
    }
    check("boot-p2m-entries", true, "-");
}

/* Machine address of a page-table frame -> where we can read it, or NULL. */
static const uint64_t *table_virt(uint64_t maddr)
{
    uint64_t mfn = maddr >> 12;

    for (uint64_t pfn = 0; pfn < start_info->nr_pages; pfn++)
        if (pfn_to_mfn(pfn) == mfn)
            return pfn_to_virt(pfn);
    return NULL;
}

/* The L1 entry for va in the boot page tables; false with *why on failure. */
static bool pt_lookup(uint64_t va, uint64_t *pte, const char **why)
{
    const uint64_t *table = (const uint64_t *)(uintptr_t)start_info->pt_base;

    for (int level = 4; level > 1; level--) {
        uint64_t e = table[(va >> (12 + 9 * (level - 1))) & 511];

        if (!(e & PTE_P)) {
            *why = "not present above L1";
            return false;
        }
        if (e & PTE_PS) {
            *why = "superpage (a PV guest gets 4 KiB pages)";
            return false;
        }
        table = table_virt(e & PTE_ADDR);
        if (!table) {
            *why = "table frame not one of ours";
            return false;
        }
    }
    *pte = table[(va >> 12) & 511];
    return true;
}

/*
 * Walk the bootstrap region through the page tables the builder made: each
 * page maps its own pfn's frame, user-accessible (the kernel is in ring 3),
 * writable except the page tables themselves, and the mapping continues at
 * least 512 KiB past the boot stack. (Run before anything but the
 * shared_info mapping has changed them.)
 */
static void boot_check_pagetables(void)
{
    uint64_t pt_lo = start_info->pt_base;
    uint64_t pt_hi = pt_lo + start_info->nr_pt_frames * PAGE;
    uint64_t end = ((boot_rsp + PAGE - 1) & ~(uint64_t)(PAGE - 1)) + 512 * 1024;
    uint64_t va, pte = 0;
    const char *why = NULL;

    for (va = GUEST_VIRT_BASE; va < end; va += PAGE) {
        uint64_t pfn = (va - GUEST_VIRT_BASE) / PAGE;
        bool is_pt = va >= pt_lo && va < pt_hi;

        if (va == VA(shared_info))
            continue;           /* remapped onto shared_info by guest_start() */
        if (!pt_lookup(va, &pte, &why))
            break;
        why = !(pte & PTE_P) ? "not present" :
              (pte & PTE_ADDR) >> 12 != pfn_to_mfn(pfn) ? "maps another frame than p2m[pfn]" :
              !(pte & PTE_US) ? "not user-accessible" :
              is_pt && (pte & PTE_RW) ? "page table mapped writable" :
              !is_pt && !(pte & PTE_RW) ? "read-only" : NULL;
        if (why)
            break;
    }
    check("boot-pagetables", !why, "va %#lx pte %#lx: %s", va, pte, why);
}

static void boot_check_registers(void)
{
    check("boot-rsi", boot_rsi == VA(start_info), "rsi %#lx", boot_rsi);
    check("boot-segments", boot_cs == FLAT_KERNEL_CS && boot_ss == FLAT_KERNEL_SS,
          "cs %#x ss %#x (ds %#x es %#x)", boot_cs, boot_ss, boot_ds, boot_es);
    check("boot-rflags", (boot_rflags & 0x200) && !(boot_rflags & 0x3000),
          "rflags %#lx: want IF set (ring 3), IOPL 0", boot_rflags);
    check("boot-events-masked", boot_upcall_mask == 1,
          "vcpu_info.evtchn_upcall_mask %u at entry", boot_upcall_mask);
}

/* Xen's stub bytes (arch/x86/pv/hypercall.c), N = stub number. */
static bool stub_ok(const uint8_t *p, uint32_t n)
{
    static const uint8_t head[] = { 0x51, 0x41, 0x53, 0xb8 };
    static const uint8_t tail[] = { 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
    static const uint8_t iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
    uint32_t nr;

    if (n == __HYPERVISOR_iret)
        return !memcmp(p, iret, sizeof(iret));
    memcpy(&nr, p + 4, 4);
    return !memcmp(p, head, sizeof(head)) && nr == n && !memcmp(p + 8, tail, sizeof(tail));
}

static void boot_check_hypercall_page(void)
{
    for (uint32_t n = 0; n < HYPERCALL_PAGE_STUBS; n++) {
        const uint8_t *p = hypercall_page + n * HYPERCALL_STUB_SIZE;

        if (!stub_ok(p, n)) {
            check("boot-hypercall-page", false, "stub %u: %02x %02x %02x %02x %02x %02x", n,
                  p[0], p[1], p[2], p[3], p[4], p[5]);
            return;
        }
    }
    check("boot-hypercall-page", true, "-");
}

void selftest_boot(void)
{
    boot_check_start_info();
    boot_check_registers();
    boot_check_layout();
    boot_check_p2m();
    boot_check_pagetables();
    boot_check_hypercall_page();
}
