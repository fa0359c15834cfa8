/*
 * The fuzzer's memory (layout in fuzz.h) and the generators of everything
 * address-like: pointers, frames, page-table entries and their machine
 * addresses, virtual addresses to remap, code addresses, ids and ports.
 *
 * The rule that keeps the fuzzer alive: nothing generated here names a
 * frame or an address of ours that holds something we need (code, stack,
 * data, shared_info). Read-only pages (our page tables, the checksummed
 * region) may be named: the hypervisor must not write them.
 */
#include <guest/events.h>
#include "fuzz.h"

struct fuzz_mem fuzz_mem __aligned(PAGE);

#define VA(p)   ((uint64_t)(uintptr_t)(p))

static uint64_t l4_mfn;
static uint64_t pt_mfns[64];
static unsigned int nr_pt_mfns;
static uint64_t window_pte_maddr[WINDOW_PAGES];
static const uint64_t *window_l1;       /* our (read-only) view of the windows' L1 */
static uint64_t free_slot_maddr[32];    /* empty L4 / L2 entries of ours */
static unsigned int nr_free_slots;
static uint64_t b_next;                 /* arena B bump pointer */

static uint64_t va_to_mfn(uint64_t va)
{
    return pfn_to_mfn(virt_to_pfn((const void *)(uintptr_t)va));
}

/* Our mapping of machine frame mfn (a frame of the bootstrap region), or 0. */
static uint64_t mfn_to_va(uint64_t mfn)
{
    const uint64_t *p2m = (const uint64_t *)(uintptr_t)start_info->mfn_list;

    for (uint64_t pfn = 0; pfn < start_info->nr_pages; pfn++)
        if (p2m[pfn] == mfn)
            return VA(pfn_to_virt(pfn));
    return 0;
}

static int pt_index(uint64_t va, unsigned int level)
{
    return (va >> (12 + 9 * (level - 1))) & 511;
}

/* Map one of our pages read-only, or unmap it (pte 0). */
static long remap_own(void *page, bool present)
{
    uint64_t pte = present ? (va_to_mfn(VA(page)) << 12) | PTE_P | PTE_US | PTE_A : 0;

    return hypercall_update_va_mapping(VA(page), pte, UVMF_INVLPG);
}

/*
 * Walk our tables to the L1 of the window pages, noting every empty L4
 * entry (and empty L2 entries of our L2) as a place where mmu_update may
 * try to hang new tables without touching anything we use.
 */
static long mem_find_tables(void)
{
    uint64_t table_va = start_info->pt_base, va = VA(fuzz_mem.window[0]);

    l4_mfn = va_to_mfn(table_va);
    for (uint64_t i = 0; i < start_info->nr_pt_frames && nr_pt_mfns < ARRAY_SIZE(pt_mfns); i++)
        pt_mfns[nr_pt_mfns++] = va_to_mfn(table_va + i * PAGE);
    for (unsigned int level = 4; level >= 2; level--) {
        const uint64_t *t = (const uint64_t *)(uintptr_t)table_va;
        uint64_t e = t[pt_index(va, level)];
        uint64_t maddr = va_to_mfn(table_va) << 12;

        for (unsigned int i = 0; i < 512 && nr_free_slots < ARRAY_SIZE(free_slot_maddr); i += 37)
            if ((level == 4 || level == 2) && !(t[i] & PTE_P))
                free_slot_maddr[nr_free_slots++] = maddr + i * 8;
        if (!(e & PTE_P) || (e & PTE_PS))
            return -XEN_EINVAL;
        table_va = mfn_to_va((e & PTE_ADDR) >> 12);
        if (!table_va)
            return -XEN_EINVAL;
    }
    window_l1 = (const uint64_t *)(uintptr_t)table_va;
    for (unsigned int i = 0; i < WINDOW_PAGES; i++) {
        uint64_t w = VA(fuzz_mem.window[i]);
        if (pt_index(w, 2) != pt_index(va, 2))
            return -XEN_EINVAL;         /* all windows under one L1 */
        window_pte_maddr[i] = (va_to_mfn(table_va) << 12) + pt_index(w, 1) * 8;
    }
    return 0;
}

long mem_init(void)
{
    long rc = 0;

    for (unsigned int p = 0; p < RO_PAGES; p++)
        for (unsigned int i = 0; i < PAGE; i++)
            fuzz_mem.ro[p][i] = (uint8_t)(rng_next(&rng) | 1);  /* never all zero */
    for (unsigned int p = 0; p < RO_PAGES && !rc; p++)
        rc = remap_own(fuzz_mem.ro[p], true);
    if (!rc)
        rc = remap_own(fuzz_mem.guard1, false);
    if (!rc)
        rc = remap_own(fuzz_mem.guard2, false);
    if (!rc)
        rc = mem_find_tables();
    return rc;
}

void mem_new_batch(void)
{
    b_next = VA(fuzz_mem.arena_b);
    mem_fill_random(VA(fuzz_mem.arena_a), sizeof(fuzz_mem.arena_a));
}

/* FNV-1a over the read-only pages, and over our text when asked. */
uint64_t mem_checksum(bool text)
{
    const uint8_t *p = (const uint8_t *)fuzz_mem.ro;
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < sizeof(fuzz_mem.ro); i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    if (text)
        for (const uint8_t *q = (const uint8_t *)_image_start; q < (const uint8_t *)hypercall_page; q++)
            h = (h ^ *q) * 0x100000001b3ULL;
    return h;
}

/* ---- arena memory ---- */

static bool in_range(uint64_t va, size_t len, const void *base, size_t size)
{
    return va >= VA(base) && va - VA(base) <= size && len <= size - (va - VA(base));
}

bool mem_is_arena(uint64_t va, size_t len)
{
    return in_range(va, len, fuzz_mem.arena_a, sizeof(fuzz_mem.arena_a)) ||
           in_range(va, len, fuzz_mem.arena_b, sizeof(fuzz_mem.arena_b));
}

void mem_put(uint64_t va, const void *src, size_t len)
{
    const uint8_t *s = src;

    for (size_t i = 0; i < len; i++)
        if (mem_is_arena(va + i, 1))
            *(volatile uint8_t *)(uintptr_t)(va + i) = s[i];
}

void mem_fill_random(uint64_t va, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w;

        switch (rng_below(&rng, 8)) {
        case 0:
            w = 0;
            break;
        case 1:     /* a pointer into arena A, as a nested handle would be */
            w = VA(fuzz_mem.arena_a) + rng_below(&rng, sizeof(fuzz_mem.arena_a));
            break;
        case 2:
            w = rng_below(&rng, 64);
            break;
        default:
            w = rng_interesting(&rng);
            break;
        }
        mem_put(va + i, &w, len - i < 8 ? len - i : 8);
    }
}

uint64_t slot_alloc(size_t size)
{
    uint64_t end = VA(fuzz_mem.arena_b) + sizeof(fuzz_mem.arena_b);
    uint64_t va = (b_next + 7) & ~7ULL;

    /* Sometimes at the end of a page, so the structure crosses into the next. */
    if (size > 8 && size < PAGE && rng_chance(&rng, 15)) {
        uint64_t cross = ((va + PAGE) & ~(uint64_t)(PAGE - 1)) - (size / 2 & ~7ULL);
        if (cross >= va)
            va = cross;
    }
    if (va + size > end)
        return 0;
    b_next = va + size;
    return va;
}

/*
 * Addresses no guest may use, or that nothing maps: with guards, also our
 * own unmapped guard pages (which must stay unmapped: never remapped).
 */
static uint64_t bad_ptr(size_t size, bool guards)
{
    switch (rng_below(&rng, guards ? 14 : 11)) {
    case 0:  return 0;
    case 1:  return 0x1000 + rng_below(&rng, 0x100000);            /* low, unmapped */
    case 2:  return 0x800000000000ULL - rng_below(&rng, size + 8);  /* runs off the low half */
    case 3:  return 0x8000000000000000ULL + rng_below(&rng, 4) * PAGE;
    case 4:  return HYPERVISOR_VIRT_START + rng_below(&rng, 1ULL << 30);
    case 5:  return 0xffff82d080000000ULL + rng_below(&rng, 1ULL << 22);  /* image */
    case 6:  return 0xffff830000000000ULL + rng_below(&rng, 1ULL << 28);  /* direct map */
    case 7:  return HYPERVISOR_VIRT_END - rng_below(&rng, size + 8);   /* runs into ours */
    case 8:  return HYPERVISOR_VIRT_START - rng_below(&rng, size + 8) + size; /* into Sable's */
    case 9:  return 0xffffc90000000000ULL + rng_below(&rng, 1ULL << 20);  /* kernel half, unmapped */
    case 10: return ~0ULL - rng_below(&rng, size + 8);                  /* wraps */
    case 11: return VA(fuzz_mem.guard1) + rng_below(&rng, PAGE);
    case 12: return VA(fuzz_mem.guard2) - rng_below(&rng, size + 1);    /* B's end, into guard */
    default: return rng_next(&rng);
    }
}

uint64_t ptr_gen(size_t size, bool trusted)
{
    uint64_t va;

    if (trusted) {
        va = rng_chance(&rng, 85) ? slot_alloc(size) : 0;
        return va ? va : bad_ptr(size, true);
    }
    /*
     * Never arena B: the hypervisor may write more than size bytes here
     * (a structure bigger than the caller knows), which must not land in
     * another call's slot.
     */
    switch (rng_below(&rng, 20)) {
    case 8:     /* across the end of arena A into the read-only pages */
        return VA(fuzz_mem.ro) - rng_below(&rng, size + 1);
    case 9:
        return VA(fuzz_mem.ro) + rng_below(&rng, sizeof(fuzz_mem.ro));
    case 10:    /* across the read-only pages' end into the guard page */
        return VA(fuzz_mem.guard1) - rng_below(&rng, size + 1);
    case 11:
        return start_info->pt_base + rng_below(&rng, start_info->nr_pt_frames * PAGE);
    case 16: case 17: case 18: case 19:
        return bad_ptr(size, true);
    default:
        return VA(fuzz_mem.arena_a) +
               rng_below(&rng, sizeof(fuzz_mem.arena_a) - (size < PAGE ? size : 0));
    }
}

/* ---- frames, page-table entries, addresses ---- */

uint64_t window_pte(unsigned int i)
{
    return READ_ONCE(window_l1[pt_index(VA(fuzz_mem.window[i]), 1)]);
}

bool mfn_is_ours(uint64_t mfn)
{
    const uint64_t *p2m = (const uint64_t *)(uintptr_t)start_info->mfn_list;

    for (uint64_t pfn = 0; pfn < start_info->nr_pages; pfn++)
        if (p2m[pfn] == mfn)
            return true;
    return false;
}

bool mfn_is_page_table(uint64_t mfn)
{
    for (unsigned int i = 0; i < nr_pt_mfns; i++)
        if (pt_mfns[i] == mfn)
            return true;
    return false;
}

uint64_t own_l4_mfn(void)
{
    return l4_mfn;
}

uint64_t vinfo_mfn(void)
{
    return va_to_mfn(VA(fuzz_mem.vinfo));
}

uint64_t mfn_gen(void)
{
    uint64_t own = va_to_mfn(VA(fuzz_mem.arena_a));

    switch (rng_below(&rng, 10)) {
    case 0:
        return va_to_mfn(VA(fuzz_mem.arena_a[rng_below(&rng, ARENA_A_PAGES)]));
    case 1:
        return va_to_mfn(VA(fuzz_mem.arena_b[rng_below(&rng, ARENA_B_PAGES)]));
    case 2:     /* the frames under the windows (they may be mapped elsewhere by now) */
        return pfn_to_mfn(virt_to_pfn(fuzz_mem.window[rng_below(&rng, WINDOW_PAGES)]));
    case 3:
        return nr_pt_mfns ? pt_mfns[rng_below(&rng, nr_pt_mfns)] : 0;
    case 4:
        return start_info->shared_info >> 12;
    case 5:     /* near ours: other domains' frames, the hypervisor's */
        return own + rng_below(&rng, 8192) - 4096;
    case 6:
        return rng_below(&rng, 0x100);                  /* low memory, the BIOS */
    case 7:
        return 0xfee00 + rng_below(&rng, 0x200);        /* APICs, MMIO */
    default:
        return rng_interesting(&rng) & ((1ULL << 40) - 1);
    }
}

uint64_t scratch_mfn_gen(void)
{
    switch (rng_below(&rng, 3)) {
    case 0:  return va_to_mfn(VA(fuzz_mem.arena_a[rng_below(&rng, ARENA_A_PAGES)]));
    case 1:  return va_to_mfn(VA(fuzz_mem.arena_b[rng_below(&rng, ARENA_B_PAGES)]));
    default: return pfn_to_mfn(virt_to_pfn(fuzz_mem.window[rng_below(&rng, WINDOW_PAGES)]));
    }
}

bool mfn_is_scratch(uint64_t mfn)
{
    for (unsigned int i = 0; i < ARENA_A_PAGES; i++)
        if (mfn == va_to_mfn(VA(fuzz_mem.arena_a[i])))
            return true;
    for (unsigned int i = 0; i < ARENA_B_PAGES; i++)
        if (mfn == va_to_mfn(VA(fuzz_mem.arena_b[i])))
            return true;
    for (unsigned int i = 0; i < WINDOW_PAGES; i++)
        if (mfn == pfn_to_mfn(virt_to_pfn(fuzz_mem.window[i])))
            return true;
    return false;
}

uint64_t remap_va_gen(void)
{
    switch (rng_below(&rng, 10)) {
    case 0: case 1: case 2: case 3: case 4: case 5:
        return VA(fuzz_mem.window[rng_below(&rng, WINDOW_PAGES)]) +
               (rng_chance(&rng, 20) ? rng_below(&rng, PAGE) : 0);
    case 6:
        return bad_ptr(PAGE, false);
    case 7:
        return rng_below(&rng, 1ULL << 47) & ~(uint64_t)(PAGE - 1);  /* no tables there */
    default:
        return rng_interesting(&rng);
    }
}

uint64_t pte_gen(void)
{
    static const uint64_t flag_bits[] = {
        PTE_P, PTE_RW, PTE_US, 1ULL << 3, 1ULL << 4, PTE_A, PTE_D, PTE_PS, 1ULL << 8,
        0xe00, PTE_NX, 1ULL << 52, 1ULL << 62, 1ULL << 51,
    };
    uint64_t flags = PTE_P;

    if (rng_chance(&rng, 10))
        return rng_chance(&rng, 50) ? 0 : rng_interesting(&rng);
    for (unsigned int i = 0; i < ARRAY_SIZE(flag_bits); i++)
        if (rng_chance(&rng, i < 3 ? 60 : 15))
            flags |= flag_bits[i];
    return (mfn_gen() << 12) | flags;
}

uint64_t pte_maddr_gen(void)
{
    uint64_t m;

    switch (rng_below(&rng, 10)) {
    case 0: case 1: case 2: case 3: case 4:
        m = window_pte_maddr[rng_below(&rng, WINDOW_PAGES)];
        break;
    case 5: case 6:
        m = nr_free_slots ? free_slot_maddr[rng_below(&rng, nr_free_slots)] : 0;
        break;
    case 7:     /* a frame that is no page table at all */
        m = (va_to_mfn(VA(fuzz_mem.arena_b[rng_below(&rng, ARENA_B_PAGES)])) << 12) +
            rng_below(&rng, PAGE);
        break;
    default:
        m = (mfn_gen() << 12) + rng_below(&rng, PAGE);
        break;
    }
    return m;
}

uint64_t hv_addr_gen(void)
{
    static const uint64_t bases[] = {
        0x8000000000000000ULL, 0x800000000000ULL, HYPERVISOR_VIRT_START,
        0xffff82d080000000ULL, 0xffff830000000000ULL, HYPERVISOR_VIRT_END - 1,
    };

    return bases[rng_below(&rng, ARRAY_SIZE(bases))] + rng_below(&rng, 0x10000);
}

uint64_t code_addr_gen(void)
{
    switch (rng_below(&rng, 6)) {
    case 0:
        return 0;
    case 1:
        return VA(park_vcpu);
    case 2:
        return bad_ptr(1, false);
    case 3:
        return VA(fuzz_mem.arena_a) + rng_below(&rng, sizeof(fuzz_mem.arena_a));
    default:
        return rng_interesting(&rng);
    }
}

static domid_t domid_any(void)
{
    static const domid_t specials[] = {
        DOMID_SELF, DOMID_IO, DOMID_XEN, DOMID_COW, DOMID_INVALID, DOMID_ANY,
        DOMID_IDLE, DOMID_FIRST_RESERVED - 1, 0xffff, 0x8000,
    };

    switch (rng_below(&rng, 7)) {
    case 0:
        return self_id;
    case 1: case 2:
        return specials[rng_below(&rng, ARRAY_SIZE(specials))];
    case 3:
        return (domid_t)rng_below(&rng, 8);     /* dom0, the victim, ours, ... */
    case 4:
        return priv_prey();
    default:
        return (domid_t)rng_next(&rng);
    }
}

domid_t domid_gen(void)
{
    return priv_domid(domid_any());
}

uint32_t port_gen(void)
{
    static const uint32_t edges[] = { 0, 63, 64, 65, 127, 128, 1023, 1024, 4095, 4096, 4097 };

    switch (rng_below(&rng, 5)) {
    case 0: case 1:
        return 1 + (uint32_t)rng_below(&rng, 24);   /* likely ours: low ports go first */
    case 2:
        return edges[rng_below(&rng, ARRAY_SIZE(edges))];
    default:
        return (uint32_t)rng_interesting(&rng);
    }
}

uint32_t vcpu_gen(void)
{
    switch (rng_below(&rng, 4)) {
    case 0: case 1:
        return (uint32_t)rng_below(&rng, nr_vcpus);
    case 2:
        return (uint32_t)rng_below(&rng, nr_vcpus + 4);
    default:
        return (uint32_t)rng_interesting(&rng);
    }
}
