/*
 * Memory set-up on x86-64: from the loader's memory map to the frame table,
 * the page allocator and the hypervisor's final page tables; and ioremap().
 *
 * Order of mm_init(), and why:
 *  1. sanitize the map into usable RAM ranges;
 *  2. place the frame table in RAM below 4 GiB, the only RAM the boot page
 *     tables map (head.S: 0..4 GiB at DIRECTMAP_VIRT_START);
 *  3. give the allocator the free RAM below 4 GiB, so that the page-table
 *     pages it hands out are reachable while the tables are being built;
 *  4. build the final tables and load them;
 *  5. give the allocator the RAM above 4 GiB, now direct-mapped.
 *
 * Never handed out: the low 1 MiB (BIOS data, the AP start-up trampoline),
 * the image, every Multiboot module, the frame table and all non-RAM.
 *
 * The final tables have nothing below L4 slot 256 (no identity map: the lower
 * half belongs to guests) and an L3 table in every slot Sable reserves
 * (256..271), so L4 entries never change after boot and guests' copies of
 * them stay valid.
 */
#include <sable/bootinfo.h>
#include <sable/buddy.h>
#include <sable/cmdline.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/memmap.h>
#include <sable/mm.h>
#include <sable/page.h>
#include <sable/spinlock.h>
#include <asm/memlayout.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/pv_mm.h>
#include <public/arch-x86_64.h>

#define GiB(x)              ((uint64_t)(x) << 30)
#define LOW_RESERVED_END    0x100000            /* the low 1 MiB stays out */
#define BOOT_DIRECTMAP_END  GiB(4)              /* what head.S maps */

#define PT_TABLE_FLAGS  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED)
#define PT_LEAF_BASE    (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_GLOBAL)

extern char _image_start[], __rodata_start[], __rodata_end[], _end[];

paddr_t idle_pg_table_pa;
static pgentry_t *idle_l4;

static struct ram_range ram[MEMMAP_MAX];
static unsigned int nr_ram;
/* RAM minus everything never handed out (room for every module's hole). */
static struct ram_range avail[MEMMAP_MAX + BOOT_MODULES_MAX + 4];
static unsigned int nr_avail;
static uint64_t frame_table_bytes;

static bool cpu_has_nx, cpu_has_page1gb;

static spinlock_t ioremap_lock = SPINLOCK_INIT;
static vaddr_t ioremap_next = IOREMAP_VIRT_START;      /* guarded by ioremap_lock */

/* debug_mm_selftest: exercise the allocator and heap once mm_init() is done. */
static bool debug_mm_selftest;
boolean_param("debug_mm_selftest", debug_mm_selftest);

/* NX and 1 GiB pages, from CPUID 0x80000001 EDX bits 20 and 26. */
static void mm_probe_cpu(void)
{
    struct cpuid_regs r;

    cpuid(0x80000000, &r);
    if (r.eax < 0x80000001)
        return;
    cpuid(0x80000001, &r);
    cpu_has_nx = r.edx & (1U << 20);
    cpu_has_page1gb = r.edx & (1U << 26);
    if (cpu_has_nx)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);    /* head.S did; be sure */
}

/* The NX bit where the CPU has it; elsewhere bit 63 is reserved and must stay 0. */
static uint64_t nx_flag(void)
{
    return cpu_has_nx ? _PAGE_NX : 0;
}

/* The loader's map as usable RAM ranges, cut to what the direct map can hold. */
static void mm_read_map(void)
{
    int n = memmap_sanitize(boot_info.mmap, boot_info.nr_mmap, ram, MEMMAP_MAX);

    if (n <= 0)
        panic("memory map: no usable RAM (%d, %u loader entries)", n, boot_info.nr_mmap);
    nr_ram = n;
    if (ram[nr_ram - 1].end > DIRECTMAP_SIZE) {
        pr_warn("mem: RAM above %lu GiB ignored (beyond the direct map)\n", DIRECTMAP_SIZE >> 30);
        while (nr_ram > 1 && ram[nr_ram - 1].start >= DIRECTMAP_SIZE)
            nr_ram--;
        ram[nr_ram - 1].end = MIN(ram[nr_ram - 1].end, DIRECTMAP_SIZE);
    }
    pr_debug("mem: usable RAM:\n");
    for (unsigned int i = 0; i < nr_ram; i++)
        pr_debug(" %016lx - %016lx (%lu KiB)\n", ram[i].start, ram[i].end,
                 (ram[i].end - ram[i].start) >> 10);
}

/* Keep [start, end) away from the allocator; boot cannot continue otherwise. */
static void avail_cut(paddr_t start, paddr_t end, const char *what)
{
    if (memmap_subtract(avail, &nr_avail, ARRAY_SIZE(avail), start, end))
        panic("mem: no room to reserve %s [%#lx, %#lx)", what, start, end);
}

/*
 * Frame table for frames 0 .. highest RAM frame, in the highest free RAM
 * below 4 GiB; everything that must never be allocated is cut from avail.
 */
static void mm_setup_frame_table(void)
{
    mfn_t nr = ram[nr_ram - 1].end >> PAGE_SHIFT;
    paddr_t pa;

    memcpy(avail, ram, nr_ram * sizeof(ram[0]));
    nr_avail = nr_ram;
    avail_cut(0, LOW_RESERVED_END, "the low 1 MiB");
    avail_cut(virt_to_maddr(_image_start), virt_to_maddr(_end), "the image");
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        pr_debug("mem: module %u at [%#lx, %#lx) kept\n", i, m->start, m->end);
        avail_cut(m->start, m->end, "a module");
    }

    frame_table_bytes = ALIGN_UP(nr * sizeof(struct page_info), PAGE_SIZE);
    if (memmap_find_top(avail, nr_avail, frame_table_bytes, BOOT_DIRECTMAP_END, &pa))
        panic("mem: no room below 4 GiB for a %lu KiB frame table", frame_table_bytes >> 10);
    avail_cut(pa, pa + frame_table_bytes, "the frame table");
    frame_table_setup(maddr_to_virt(pa), nr, maddr_to_virt(0));
    for (unsigned int i = 0; i < nr_ram; i++)
        frame_table_mark_ram(ram[i].start >> PAGE_SHIFT, ram[i].end >> PAGE_SHIFT);
    pr_debug("mem: frame table at %#lx, %lu frames\n", pa, nr);
}

/* Hand the available RAM within [lo, hi) to the page allocator. */
static void mm_give_ram(paddr_t lo, paddr_t hi)
{
    for (unsigned int i = 0; i < nr_avail; i++) {
        paddr_t s = MAX(avail[i].start, lo), e = MIN(avail[i].end, hi);
        if (s < e && buddy_add_range(s >> PAGE_SHIFT, e >> PAGE_SHIFT))
            panic("mem: cannot add [%#lx, %#lx) to the allocator", s, e);
    }
}

/* A zeroed page-table page (direct-mapped), or NULL. */
static pgentry_t *pt_alloc(void)
{
    pgentry_t *t = alloc_xenheap_pages(0);

    if (t)
        memset(t, 0, PAGE_SIZE);
    return t;
}

/*
 * The next-level table under table[idx], created if absent. NULL when out
 * of memory or when a large page already maps that range.
 */
static pgentry_t *pt_next(pgentry_t *table, unsigned int idx)
{
    pgentry_t e = table[idx], *next;

    if (e & _PAGE_PRESENT)
        return (e & _PAGE_PSE) ? NULL : maddr_to_virt(pte_addr(e));
    next = pt_alloc();
    if (next)
        table[idx] = virt_to_maddr(next) | PT_TABLE_FLAGS;
    return next;
}

/* One leaf at level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB); the slot must be empty. */
static int pt_map_one(vaddr_t va, paddr_t pa, unsigned int level, uint64_t flags)
{
    pgentry_t *t = idle_l4;

    for (unsigned int l = 4; l > level; l--) {
        pgentry_t e = t[pt_index(va, l)];
        if ((e & _PAGE_PRESENT) && (e & _PAGE_PSE))
            return -EEXIST;                     /* a large page is in the way */
        if (!(t = pt_next(t, pt_index(va, l))))
            return -ENOMEM;
    }
    if (t[pt_index(va, level)] & _PAGE_PRESENT)
        return -EEXIST;
    t[pt_index(va, level)] = pa | flags | (level > 1 ? _PAGE_PSE : 0);
    return 0;
}

/*
 * Map [va, va + len) to pa with the largest pages up to max_level that the
 * alignment of both addresses and the remaining length allow.
 */
static int pt_map(vaddr_t va, paddr_t pa, uint64_t len, uint64_t flags, unsigned int max_level)
{
    while (len) {
        unsigned int level = max_level;
        while (level > 1 && (!IS_ALIGNED(va | pa, pt_entry_size(level)) ||
                             len < pt_entry_size(level)))
            level--;
        int rc = pt_map_one(va, pa, level, flags);
        if (rc)
            return rc;
        va += pt_entry_size(level);
        pa += pt_entry_size(level);
        len -= pt_entry_size(level);
    }
    return 0;
}

/* pt_map() for boot mappings, which must not fail. */
static void pt_map_boot(vaddr_t va, paddr_t pa, uint64_t len, uint64_t flags,
                        unsigned int max_level, const char *what)
{
    int rc = pt_map(va, pa, len, flags, max_level);

    if (rc)
        panic("mem: mapping %s [%#lx, +%#lx) failed (%d)", what, pa, len, rc);
}

/* All of 0..4 GiB (MMIO, ACPI, BIOS included) and every RAM range above. */
static void mm_map_direct(void)
{
    uint64_t flags = PT_LEAF_BASE | _PAGE_RW | _PAGE_DIRTY | nx_flag();
    unsigned int level = cpu_has_page1gb ? 3 : 2;
    paddr_t done = BOOT_DIRECTMAP_END;

    pt_map_boot(DIRECTMAP_VIRT_START, 0, BOOT_DIRECTMAP_END, flags, level, "the low 4 GiB");
    for (unsigned int i = 0; i < nr_ram; i++) {
        /* whole 2 MiB pages; ranges sharing one are mapped once */
        paddr_t s = MAX(ALIGN_DOWN(ram[i].start, L2_PAGE_SIZE), done);
        paddr_t e = MIN(ALIGN_UP(ram[i].end, L2_PAGE_SIZE), DIRECTMAP_SIZE);
        if (s >= e)
            continue;
        pt_map_boot(DIRECTMAP_VIRT_START + s, s, e - s, flags, level, "RAM");
        done = e;
    }
}

/* The image in 4 KiB pages: text RX, rodata R+NX, data and bss RW+NX. */
static void mm_map_image(void)
{
    vaddr_t text = (vaddr_t)_image_start, ro = (vaddr_t)__rodata_start;
    vaddr_t rw = (vaddr_t)__rodata_end, end = ALIGN_UP((vaddr_t)_end, PAGE_SIZE);

    BUILD_BUG_ON(IOREMAP_VIRT_START - SABLE_VIRT_START != L3_PAGE_SIZE);
    ASSERT(IS_ALIGNED(ro, PAGE_SIZE) && IS_ALIGNED(rw, PAGE_SIZE));
    pt_map_boot(text, virt_to_maddr(_image_start), ro - text, PT_LEAF_BASE, 1, "text");
    pt_map_boot(ro, virt_to_maddr(__rodata_start), rw - ro, PT_LEAF_BASE | nx_flag(), 1,
                "rodata");
    pt_map_boot(rw, virt_to_maddr(__rodata_end), end - rw,
                PT_LEAF_BASE | _PAGE_RW | _PAGE_DIRTY | nx_flag(), 1, "data");
}

/*
 * An L3 table in every Sable L4 slot, and the ioremap window's L2 table, so
 * that later mappings only ever add entries below existing tables.
 */
static void mm_prepare_shared_tables(void)
{
    pgentry_t *l3;

    for (unsigned int slot = HV_L4_SLOT_FIRST; slot <= HV_L4_SLOT_LAST; slot++)
        if (!pt_next(idle_l4, slot))
            panic("mem: out of memory for page tables");
    l3 = pt_next(idle_l4, pt_index(IOREMAP_VIRT_START, 4));
    if (!l3 || !pt_next(l3, pt_index(IOREMAP_VIRT_START, 3)))
        panic("mem: out of memory for page tables");
}

/* Load the new tables; toggling CR4.PGE flushes global entries too. */
static void mm_switch_tables(void)
{
    uint64_t cr4 = read_cr4();

    for (unsigned int slot = 0; slot < HV_L4_SLOT_FIRST; slot++)
        ASSERT(!idle_l4[slot]);                 /* guests own the lower half */
    idle_pg_table_pa = virt_to_maddr(idle_l4);
    write_cr3(idle_pg_table_pa);
    write_cr4(cr4 & ~X86_CR4_PGE);
    write_cr4(cr4 | X86_CR4_PGE);
}

/* Build idle_pg_table from allocator pages and switch to it. */
static void mm_build_tables(void)
{
    idle_l4 = pt_alloc();
    if (!idle_l4)
        panic("mem: out of memory for page tables");
    mm_prepare_shared_tables();
    mm_map_direct();
    mm_map_image();
    mm_switch_tables();
}

/* The leaf entry that maps va in the live tables (0 if none) and its page size. */
static pgentry_t pt_lookup(vaddr_t va, uint64_t *size)
{
    const pgentry_t *t = idle_l4;

    for (unsigned int l = 4; l >= 1; l--) {
        pgentry_t e = t[pt_index(va, l)];
        if (!(e & _PAGE_PRESENT))
            return 0;
        if (l == 1 || (e & _PAGE_PSE)) {
            *size = pt_entry_size(l);
            return e;
        }
        t = maddr_to_virt(pte_addr(e));
    }
    return 0;
}

/* Does va have a mapping with all of `set` and none of `clear`? */
static bool pt_check(const char *what, const void *va, uint64_t set, uint64_t clear)
{
    uint64_t size = 0;
    pgentry_t e = pt_lookup((vaddr_t)va, &size);

    if ((e & set) == set && !(e & clear) && (e & _PAGE_PRESENT))
        return true;
    pr_err("mm selftest: %s at %p: entry %#lx (page size %#lx)\n", what, va, e, size);
    return false;
}

/*
 * The page tables mm_init() promised: empty lower half, W^X image, NX data,
 * direct map of all RAM, and an uncached ioremap() of the local APIC that
 * reads the same version register as the direct map does.
 */
static int mm_selftest_tables(void)
{
    uint64_t nx = nx_flag(), w = _PAGE_RW, uc = _PAGE_PCD | _PAGE_PWT;
    const struct ram_range *top = &ram[nr_ram - 1];
    struct cpuid_regs r;
    bool ok = true;

    for (unsigned int slot = 0; slot < HV_L4_SLOT_FIRST; slot++)
        ok &= !idle_l4[slot];
    ok &= pt_check("text", (void *)mm_init, 0, w | nx);
    ok &= pt_check("rodata", __rodata_start, nx, w);
    ok &= pt_check("data", &idle_pg_table_pa, w | nx, 0);
    ok &= pt_check("direct map", maddr_to_virt(0), w | nx | _PAGE_PSE, 0);
    ok &= pt_check("top of RAM", maddr_to_virt(top->end - PAGE_SIZE), w | nx, uc);
    ok &= ioremap(0x1000, 0) == NULL;
    cpuid(1, &r);
    if (r.edx & (1U << 9)) {
        paddr_t apic = (rdmsr(MSR_APIC_BASE) & PTE_ADDR_MASK) + 0x30;
        volatile uint32_t *v = ioremap(apic, 4);
        uint64_t size = 0;
        ok &= v && ((vaddr_t)v & ~PAGE_MASK) == 0x30;
        ok &= v && pt_check("ioremap", (void *)v, w | nx | uc, _PAGE_PSE);
        ok &= v && pte_addr(pt_lookup((vaddr_t)v, &size)) == ALIGN_DOWN(apic, PAGE_SIZE);
        ok &= v && !pt_lookup((vaddr_t)v + PAGE_SIZE, &size);       /* guard page */
        ok &= v && *v == *(volatile uint32_t *)maddr_to_virt(apic);
    }
    if (!ok)
        pr_err("mm selftest: page tables are not as built\n");
    return ok ? 0 : -EIO;
}

/* debug_mm_selftest: the tables, then the allocator and heap (common code). */
static void mm_run_selftest(void)
{
    if (mm_selftest_tables() || mm_selftest())
        panic("mm selftest failed (details above)");
    printk("mm selftest: ok\n");
}

/* ---- the machine-to-physical table ---- */

static uint64_t *m2p;                   /* frame_table_nr entries, direct-mapped */

void set_gpfn_from_mfn(mfn_t mfn, uint64_t gpfn)
{
    if (m2p && mfn < frame_table_nr)
        __atomic_store_n(&m2p[mfn], gpfn, __ATOMIC_RELAXED);
}

uint64_t get_gpfn_from_mfn(mfn_t mfn)
{
    return m2p && mfn < frame_table_nr ? __atomic_load_n(&m2p[mfn], __ATOMIC_RELAXED)
                                       : INVALID_M2P_ENTRY;
}

/* The M2P's frames, one per 2 MiB of it (XENMEM_machphys_mfn_list): how many there are. */
unsigned int m2p_mfn_list(uint64_t *out, unsigned int max)
{
    uint64_t chunks = (frame_table_nr * sizeof(*m2p) + L2_PAGE_SIZE - 1) / L2_PAGE_SIZE;

    for (unsigned int i = 0; i < chunks && i < max; i++)
        out[i] = virt_to_mfn(m2p) + i * (L2_PAGE_SIZE / PAGE_SIZE);
    return chunks;
}

/* Let ring 3 walk through every table entry on the way to [va, va + len). */
static void pt_make_user_path(vaddr_t va, uint64_t len)
{
    for (vaddr_t a = va; a < va + len; a += L2_PAGE_SIZE) {
        pgentry_t *t = idle_l4;
        for (unsigned int l = 4; l > 1; l--) {
            pgentry_t *e = &t[pt_index(a, l)];
            if (!(*e & _PAGE_PRESENT) || (*e & _PAGE_PSE))
                break;
            *e |= _PAGE_USER;
            t = maddr_to_virt(pte_addr(*e));
        }
    }
}

/*
 * One 8-byte entry per frame, all INVALID, mapped read-only and readable
 * from ring 3 at RO_MPT_VIRT_START: L4 slot 256, which every PV root
 * copies (pv/pagetable.c), so PV guests find it where Xen puts it. Also
 * hands the PV page-table code the hypervisor's L4 slots and the NX bit.
 */
static void mm_setup_m2p(void)
{
    uint64_t bytes = ALIGN_UP(frame_table_nr * sizeof(*m2p), PAGE_SIZE);
    unsigned int order = 0;
    struct page_info *pg;

    while ((PAGE_SIZE << order) < bytes)
        order++;
    BUILD_BUG_ON(RO_MPT_VIRT_START != MACH2PHYS_VIRT_START);
    if (bytes > RO_MPT_VIRT_END - RO_MPT_VIRT_START || !(pg = alloc_pages(order)))
        panic("mem: no room for a %lu KiB machine-to-physical table", bytes >> 10);
    m2p = page_to_virt(pg);
    memset(m2p, 0xff, bytes);
    pt_map_boot(RO_MPT_VIRT_START, page_to_maddr(pg), bytes,
                PT_LEAF_BASE | _PAGE_USER | nx_flag(), 2, "the M2P");
    pt_make_user_path(RO_MPT_VIRT_START, bytes);
    memcpy(pt_hypervisor_l4e, &idle_l4[HV_L4_SLOT_FIRST], sizeof(pt_hypervisor_l4e));
    pt_nx_mask = nx_flag();
    write_cr3(read_cr3());
}

/* See the top of this file for the order of the steps. */
void mm_init(void)
{
    mm_probe_cpu();
    mm_read_map();
    mm_setup_frame_table();
    mm_give_ram(0, BOOT_DIRECTMAP_END);
    mm_build_tables();
    mm_give_ram(BOOT_DIRECTMAP_END, DIRECTMAP_SIZE);
    mm_setup_m2p();
    pr_debug("mem: NX %s, 1 GiB pages %s, page tables at %#lx\n", cpu_has_nx ? "on" : "off",
             cpu_has_page1gb ? "on" : "off", idle_pg_table_pa);
    printk("mem: %lu MiB RAM, %lu MiB free, frame table %lu KiB\n",
           memmap_total(ram, nr_ram) >> 20, buddy_free_frames() >> (20 - PAGE_SHIFT),
           frame_table_bytes >> 10);
    if (debug_mm_selftest)
        mm_run_selftest();
}

const struct ram_range *mm_ram_ranges(unsigned int *nr)
{
    *nr = nr_ram;
    return ram;
}

/* Does [s, e) touch usable RAM (which the direct map already maps cached)? */
static bool range_has_ram(paddr_t s, paddr_t e)
{
    for (unsigned int i = 0; i < nr_ram; i++)
        if (ram[i].start < e && ram[i].end > s)
            return true;
    return false;
}

/*
 * Uncached (PCD|PWT: PAT entry 3, UC) 4 KiB mappings in the ioremap window,
 * each followed by an unmapped guard page. RAM is refused: mapping it
 * uncached beside its cached direct-map alias would mix memory types.
 * The window is never reused (there is no iounmap).
 */
void *ioremap(paddr_t pa, size_t len)
{
    uint64_t flags = PT_LEAF_BASE | _PAGE_RW | _PAGE_DIRTY | _PAGE_PCD | _PAGE_PWT | nx_flag();
    paddr_t base = ALIGN_DOWN(pa, PAGE_SIZE), end;
    vaddr_t va = 0;
    unsigned long irq;

    if (!len || !idle_l4 || len > MEMMAP_PADDR_LIMIT || pa > MEMMAP_PADDR_LIMIT - len)
        return NULL;
    end = ALIGN_UP(pa + len, PAGE_SIZE);
    if (range_has_ram(base, end)) {
        pr_warn("ioremap: [%#lx, %#lx) is RAM, refused\n", pa, pa + len);
        return NULL;
    }
    irq = spin_lock_irqsave(&ioremap_lock);
    if (end - base + PAGE_SIZE <= IOREMAP_VIRT_END - ioremap_next) {
        va = ioremap_next;
        ioremap_next += end - base + PAGE_SIZE;     /* even on failure: never remap a VA */
        if (pt_map(va, base, end - base, flags, 1))
            va = 0;
    }
    spin_unlock_irqrestore(&ioremap_lock, irq);
    return va ? (void *)(va + (pa - base)) : NULL;
}
