/*
 * pvhfuzz: the fuzz kernel for hardware-assisted (SVM) guests, booted
 * through PVH like pvhtest (same head.S). From a seeded generator (the PV
 * fuzzer's, tests/guests/fuzz/rng.h) each batch is one of
 *
 *   - a hypercall by VMMCALL (or Intel's VMCALL, taken through #UD) with
 *     any number, sub-command and argument: pointers into its own arena,
 *     into guest-physical holes, above what its page tables map, into a
 *     region whose page tables it fills with garbage itself, non-canonical;
 *     grant-table calls typed, over entries of its own table (mapped at
 *     GNT_GFN) that it rewrites, mostly granting itself its own frames;
 *   - RDMSR or WRMSR of an index around every range the policy has: the
 *     answer must be a value or #GP;
 *   - IN or OUT of any size on any port;
 *   - CPUID of any leaf and sub-leaf.
 *
 * Writes that would end or wedge it are filtered (SCHEDOP_shutdown with a
 * valid reason, the ACPI sleep and reset registers, 0xcf9, the keyboard
 * controller's reset, x2APIC ICR writes that could INIT or SIPI itself,
 * EFER and APIC-base changes); guest frames a call may take (shared_info's
 * place, a vcpu_info, the hypercall page) are only ever its window pages.
 * Interrupts stay off during a batch; the event callback vector is put
 * back after each.
 *
 * After every batch: the sealed pages (never named by anything generated)
 * and its text are unchanged, and the Xen CPUID leaves still answer; every
 * 16 batches, its timer still raises an event. Output: "pvhfuzz: FUZZ ..."
 * lines as the PV fuzzer's, then the verdict and power off. end=mmio or
 * end=stringio then ends with a deliberate access the hypervisor must
 * crash it for (a hole; string I/O), printing the reason.
 *
 * Command line: seed=<n> iters=<n> progress=<n> end=mmio|stringio,
 * trace=<n> to print every hypercall from the n-th batch on, focus=<n> to
 * make half the hypercalls number n (20: grant_table_op).
 */
#include <stdarg.h>
#include <sable/lib.h>
#include <public/cpuid.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/hvm_op.h>
#include <public/hvm_params.h>
#include <public/hvm_start_info.h>
#include <public/memory.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/version.h>
#include <public/xen.h>
#include "../guests/fuzz/rng.h"
#include "../guests/fuzz/grant_gen.h"

void pvh_main(uint32_t start_info_pa);
void ap_main(void);

/* head.S's entry for other vCPUs (pvhtest's apic.c); the fuzzer never starts one. */
void ap_main(void)
{
}

#define PAGE            4096ULL
#define RAM_TOP_MIN     0x01000000ULL   /* the test gives 32 MiB; 16 is plenty */
#define UNBACKED        0xc0000000ULL   /* below 4 GiB, above RAM: a hole */
#define SHINFO_GFN      0x800           /* where shared_info goes (8 MiB) */
#define CALLBACK_VECTOR 0xf3
#define FUZZ_VA         0x8000000000ULL /* L4[1]: page tables we fill with garbage */
#define GNT_GFN         0xd0000ULL      /* our grant frame 0 (a hole until mapped there) */
#define GNT_REFS        8               /* the entries we fill in */

static struct fuzz_rng rng;

/* ---- hypercalls, console, CPU ---- */

static long hypercall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                      uint64_t a5, bool vmcall)
{
    register uint64_t r10 __asm__("r10") = a4;
    register uint64_t r8 __asm__("r8") = a5;
    long rc;

    if (vmcall)     /* Intel's form: #UD on AMD, taken as a hypercall as Xen does */
        __asm__ volatile(".byte 0x0f, 0x01, 0xc1"
                         : "=a"(rc), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                         : "a"(nr) : "memory");
    else
        __asm__ volatile("vmmcall"
                         : "=a"(rc), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                         : "a"(nr) : "memory");
    return rc;
}

static long hcall2(uint64_t nr, uint64_t a1, uint64_t a2)
{
    return hypercall(nr, a1, a2, 0, 0, 0, false);
}

static void print(const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, (uint64_t)MIN(n, 199), (uint64_t)buf,
              0, 0, false);
}

static void __attribute__((noreturn)) poweroff(unsigned int reason)
{
    struct sched_shutdown s = { .reason = reason };

    hcall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uint64_t)&s);
    for (;;)
        __asm__ volatile("cli; hlt");
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* ---- interrupts: #GP skips RDMSR/WRMSR, everything else is counted ---- */

struct idt_entry {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
};
struct frame {
    uint64_t rip, cs, rflags, rsp, ss;
};

static struct idt_entry idt[256] __attribute__((aligned(16)));
static volatile unsigned long gp_count, irq_count, upcalls, unexpected;
static volatile uint64_t unexpected_rip;
static struct shared_info *shinfo;
static struct vcpu_info *vinfo;         /* vCPU 0's: in shinfo, or where a call moved it */

__attribute__((interrupt)) static void gp_handler(struct frame *f, uint64_t error)
{
    gp_count++;
    f->rip += 2;                        /* RDMSR and WRMSR are two bytes */
}

/*
 * sti_hlt(): "sti; hlt", the idiom that sleeps without missing an event:
 * STI holds interrupts off until after the next instruction, so an event
 * always finds the HLT done and wakes it. One taken at the HLT itself
 * (counted here) was consumed before it, and the HLT sleeps on regardless.
 */
extern const char sti_hlt_at_hlt[];
static volatile unsigned long upcalls_before_hlt;

static __attribute__((noinline)) void sti_hlt(void)
{
    __asm__ volatile("sti\n.globl sti_hlt_at_hlt\nsti_hlt_at_hlt: hlt\ncli" ::: "memory");
}

/* Events: count, and clear everything pending (only the timer's matter to us). */
__attribute__((interrupt)) static void callback_handler(struct frame *f)
{
    upcalls++;
    upcalls_before_hlt += f->rip == (uint64_t)sti_hlt_at_hlt;
    vinfo->evtchn_upcall_pending = 0;
    __atomic_store_n(&vinfo->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    for (unsigned int w = 0; w < 64; w++)
        __atomic_store_n(&shinfo->evtchn_pending[w], 0, __ATOMIC_SEQ_CST);
}

/* Local APIC vectors a generated x2APIC write may have armed: EOI and go on. */
__attribute__((interrupt)) static void irq_handler(struct frame *f)
{
    irq_count++;
    __asm__ volatile("wrmsr" :: "c"(0x80b), "a"(0), "d"(0));
}

__attribute__((interrupt)) static void bad_trap(struct frame *f)
{
    unexpected++;
    unexpected_rip = f->rip;
    print("pvhfuzz: FUZZ FAIL unexpected exception at %#lx\n", f->rip);
    poweroff(SHUTDOWN_crash);
}

__attribute__((interrupt)) static void bad_trap_code(struct frame *f, uint64_t error)
{
    unexpected++;
    unexpected_rip = f->rip;
    print("pvhfuzz: FUZZ FAIL unexpected exception at %#lx (error %#lx)\n", f->rip, error);
    poweroff(SHUTDOWN_crash);
}

static void idt_set(unsigned int vec, void *handler)
{
    uint64_t a = (uint64_t)handler;

    idt[vec] = (struct idt_entry){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16),
                                   (uint32_t)(a >> 32), 0 };
}

static void idt_init(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) d = {
        sizeof(idt) - 1, (uint64_t)idt };

    for (unsigned int v = 0; v < 32; v++)
        idt_set(v, v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
                   ? (void *)bad_trap_code : (void *)bad_trap);
    for (unsigned int v = 32; v < 256; v++)
        idt_set(v, irq_handler);
    idt_set(13, gp_handler);
    idt_set(CALLBACK_VECTOR, callback_handler);
    __asm__ volatile("lidt %0" :: "m"(d));
}

/* ---- memory ---- */

static struct {
    uint8_t arena[4][PAGE];     /* random contents; random pointers land here */
    uint8_t slots[8][PAGE];     /* a structure per generated call, as built */
    uint8_t window[4][PAGE];    /* frames a call may take over (window[3]: vcpu_info) */
    uint8_t tables[4][PAGE];    /* page tables below FUZZ_VA, garbage */
    uint8_t data[2][PAGE];      /* what they may map */
    uint8_t sealed[2][PAGE];    /* never named: checksummed */
} mem __attribute__((aligned(4096)));
static uint64_t slot_next, ram_top;
extern const char pvh_start[], _pvh_text_end[], _end[];   /* head.S, pvh.lds */

#define VA(p)   ((uint64_t)(uintptr_t)(p))

static bool in(uint64_t va, size_t len, const void *base, size_t size)
{
    return va >= VA(base) && va - VA(base) <= size && len <= size - (va - VA(base));
}

static bool writable_by_us(uint64_t va, size_t len)
{
    return in(va, len, mem.arena, sizeof(mem.arena)) || in(va, len, mem.slots, sizeof(mem.slots));
}

static void put(uint64_t va, const void *src, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (writable_by_us(va + i, 1))
            *(volatile uint8_t *)(uintptr_t)(va + i) = ((const uint8_t *)src)[i];
}

static uint64_t slot(size_t size)
{
    uint64_t va = (slot_next + 7) & ~7ULL;

    if (va + size > VA(mem.slots) + sizeof(mem.slots))
        return 0;
    slot_next = va + size;
    return va;
}

/* Guest-physical frames nothing of ours lives in: a window, or no RAM at all. */
static uint64_t gfn_gen(void)
{
    switch (rng_below(&rng, 6)) {
    case 0: case 1: case 2:
        return VA(mem.window[rng_below(&rng, 3)]) >> 12;
    case 3:
        return (UNBACKED >> 12) + rng_below(&rng, 0x1000);
    case 4:
        return (ram_top >> 12) + rng_below(&rng, 16);
    default:
        return rng_interesting(&rng) | (1ULL << 40);
    }
}

/*
 * A pointer no RAM of ours (but the arena) is behind. With unreadable,
 * only ones nothing can be read through (for structures whose contents
 * must be ours: a zero read from free RAM is a SHUTDOWN_poweroff).
 */
static uint64_t bad_ptr(size_t size, bool unreadable)
{
    switch (rng_below(&rng, 10)) {
    case 0:  return rng_below(&rng, 0x100000);                     /* low 2 MiB: unmapped */
    case 1:  return UNBACKED + rng_below(&rng, 1 << 20);           /* a hole */
    case 2:  return unreadable ? UNBACKED : ram_top - rng_below(&rng, size + 1); /* into the hole */
    case 3:  return 0xfee00000ULL + rng_below(&rng, PAGE);          /* the local APIC */
    case 4:  return 0x100000000ULL + rng_below(&rng, 1ULL << 30);   /* not in our page tables */
    case 5:  return 0x8000000000000000ULL + rng_below(&rng, PAGE);  /* non-canonical */
    case 6:  return 0xffff800000000000ULL + rng_below(&rng, 1ULL << 30);
    case 7:  return ~0ULL - rng_below(&rng, size + 8);
    case 8:  return unreadable ? 0 : FUZZ_VA + rng_below(&rng, 1ULL << 30); /* garbage tables */
    default: return unreadable ? 0x8000000000000000ULL : rng_next(&rng);
    }
}

static uint64_t ptr_gen(size_t size, bool trusted)
{
    uint64_t va;

    if (trusted) {
        va = rng_chance(&rng, 85) ? slot(size) : 0;
        return va ? va : bad_ptr(size, true);
    }
    if (rng_chance(&rng, 55))
        return VA(mem.arena) + rng_below(&rng, sizeof(mem.arena) - MIN(size, PAGE));
    return bad_ptr(size, false);
}

static void fill_random(uint64_t va, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = rng_chance(&rng, 30) ? 0 : rng_chance(&rng, 20)
                     ? VA(mem.arena) + rng_below(&rng, sizeof(mem.arena)) : rng_interesting(&rng);
        put(va + i, &w, MIN(len - i, 8));
    }
}

static uint64_t any_struct(size_t size)
{
    uint64_t p = ptr_gen(size, false);

    fill_random(p, size);
    return p;
}

static uint64_t put_struct(const void *s, size_t size)
{
    uint64_t p = ptr_gen(size, true);

    put(p, s, size);
    return p;
}

/*
 * The tables under FUZZ_VA: entries to our garbage tables (in any order,
 * itself included), to the data pages, to holes, or junk with reserved
 * bits. Large pages only ever map holes: a 2 MiB or 1 GiB page around our
 * data would map our code too. The hypervisor's walker sets A/D bits here.
 */
static void tables_scramble(void)
{
    for (unsigned int t = 0; t < 4; t++) {
        uint64_t *e = (uint64_t *)mem.tables[t];
        for (unsigned int i = 0; i < 512; i++) {
            uint64_t flags = (rng_next(&rng) & 0x7e7) | 1;     /* present, random others */
            switch (rng_below(&rng, 6)) {
            case 0: case 1:
                e[i] = (VA(mem.tables[rng_below(&rng, 4)]) | flags) & ~0x80ULL;
                break;
            case 2:
                e[i] = (VA(mem.data[rng_below(&rng, 2)]) | flags) & ~0x80ULL;
                break;
            case 3:     /* a large page: a hole only */
                e[i] = (UNBACKED | (rng_below(&rng, 4) << 30)) | flags | 0x80;
                break;
            case 4:
                e[i] = 0;
                break;
            default:    /* a hole, reserved bits, beyond any RAM */
                e[i] = ((UNBACKED + rng_below(&rng, 1 << 20) * PAGE) | flags |
                        (rng_chance(&rng, 30) ? 1ULL << (52 + rng_below(&rng, 11)) : 0)) &
                       ~0x80ULL;
                break;
            }
        }
    }
}

/*
 * Hang the garbage tables at FUZZ_VA, and unmap the first 2 MiB (start of
 * day data, read by now): NULL and low addresses are then holes in our
 * page tables, as in any kernel, rather than free RAM full of zeros.
 */
static void tables_install(void)
{
    uint64_t cr3, *l4, *l3;

    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    l4 = (uint64_t *)(cr3 & ~0xfffULL);
    l4[FUZZ_VA >> 39] = VA(mem.tables[0]) | 3;
    l3 = (uint64_t *)(l4[0] & 0x000ffffffffff000ULL);
    ((uint64_t *)(l3[0] & 0x000ffffffffff000ULL))[0] = 0;
    __asm__ volatile("mov %0, %%cr3" :: "r"(cr3) : "memory");
}

static uint64_t checksum(const void *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++)
        h = (h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ULL;
    return h;
}

/* ---- hypercall generators ---- */

struct call {
    uint64_t nr, arg[5];
    bool vmcall, restores, blocks;
};

static uint64_t vcpu_gen(void)
{
    return rng_chance(&rng, 70) ? rng_below(&rng, 3) : (uint32_t)rng_interesting(&rng);
}

static domid_t domid_gen(void)
{
    static const domid_t ids[] = { DOMID_SELF, DOMID_IO, DOMID_XEN, DOMID_INVALID, 0, 1, 2, 0x7fef };

    return rng_chance(&rng, 70) ? ids[rng_below(&rng, ARRAY_SIZE(ids))] : (domid_t)rng_next(&rng);
}

static void gen_memory_op(struct call *c)
{
    uint64_t cmd = rng_cmd(&rng, XENMEM_acquire_resource);

    c->arg[0] = rng_chance(&rng, 85) ? cmd : cmd | (rng_interesting(&rng) << 6);
    if (cmd == XENMEM_add_to_physmap) {
        struct xen_add_to_physmap a = {
            .domid = rng_chance(&rng, 70) ? DOMID_SELF : domid_gen(),
            .space = (uint32_t)rng_cmd(&rng, 5),
            .idx = rng_chance(&rng, 60) ? rng_below(&rng, 3) : rng_interesting(&rng),
            .gpfn = gfn_gen(),
        };
        c->arg[1] = put_struct(&a, sizeof(a));
    } else if (cmd <= XENMEM_populate_physmap || cmd == XENMEM_claim_pages) {
        uint64_t list = slot(4 * 8);
        struct xen_memory_reservation r = {
            .extent_start = list ? list : bad_ptr(32, true),
            .nr_extents = rng_chance(&rng, 70) ? rng_below(&rng, 5) : rng_interesting(&rng),
            .extent_order = (uint32_t)(rng_chance(&rng, 70) ? rng_below(&rng, 10) : rng_next(&rng)),
            .domid = rng_chance(&rng, 70) ? DOMID_SELF : domid_gen(),
        };
        for (unsigned int i = 0; i < 4 && list; i++) {
            uint64_t g = gfn_gen();
            put(list + i * 8, &g, 8);
        }
        c->arg[1] = put_struct(&r, sizeof(r));
    } else {
        c->arg[1] = any_struct(64);
    }
}

static void gen_sched_op(struct call *c, bool may_block)
{
    uint64_t cmd = rng_cmd(&rng, SCHEDOP_pin_override);

    c->arg[0] = cmd;
    switch (cmd) {
    case SCHEDOP_block:
        if (may_block)
            c->blocks = true;
        else
            c->arg[0] = SCHEDOP_yield;
        break;
    case SCHEDOP_shutdown:
    case SCHEDOP_shutdown_code: {
        struct sched_shutdown s = { .reason = (uint32_t)rng_interesting(&rng) };
        if (s.reason <= SHUTDOWN_MAX)
            s.reason = cmd == SCHEDOP_shutdown_code && rng_chance(&rng, 50) ? SHUTDOWN_poweroff
                                                                            : SHUTDOWN_MAX + 1;
        c->arg[1] = put_struct(&s, sizeof(s));
        break;
    }
    case SCHEDOP_poll: {
        struct sched_poll p = {
            .ports = ptr_gen(16, false),
            .nr_ports = (uint32_t)(rng_chance(&rng, 80) ? rng_below(&rng, 5) : rng_interesting(&rng)),
            .timeout = 1 + rng_below(&rng, 1000),       /* long past: returns at once */
        };
        c->arg[1] = put_struct(&p, sizeof(p));
        break;
    }
    case SCHEDOP_watchdog: {
        struct sched_watchdog w = { .id = (uint32_t)rng_interesting(&rng), .timeout = 0 };
        c->arg[1] = put_struct(&w, sizeof(w));
        break;
    }
    default:
        c->arg[1] = any_struct(16);
        break;
    }
}

static void gen_vcpu_op(struct call *c)
{
    uint64_t cmd = rng_cmd(&rng, VCPUOP_register_vcpu_time_phys_area);

    c->arg[0] = cmd;
    c->arg[1] = vcpu_gen();
    if (cmd == VCPUOP_down && c->arg[1] == 0)
        c->arg[1] = 1;                          /* vCPU 0 is the fuzzer */
    if (cmd == VCPUOP_register_vcpu_info) {
        struct vcpu_register_vcpu_info r = {
            /* vCPU 0's only ever in window[3], where we follow it (others may go anywhere). */
            .mfn = rng_chance(&rng, 60) ? VA(mem.window[3]) >> 12
                 : c->arg[1] != 0 ? gfn_gen()
                 : rng_chance(&rng, 50) ? (UNBACKED >> 12) + rng_below(&rng, 0x1000)
                 : rng_interesting(&rng) | (1ULL << 40),
            .offset = (uint32_t)(rng_chance(&rng, 80) ? rng_below(&rng, (PAGE / 2 - 64) / 8 + 1) * 8
                                                      : rng_interesting(&rng)),
            .rsvd = (uint32_t)(rng_chance(&rng, 80) ? 0 : rng_interesting(&rng)),
        };
        if (r.mfn == VA(mem.window[3]) >> 12 && c->arg[1] != 0 && r.offset < PAGE / 2)
            r.offset += PAGE / 2;               /* other vCPUs: the second half */
        c->arg[2] = put_struct(&r, sizeof(r));
    } else if (cmd == VCPUOP_register_runstate_memory_area) {
        struct vcpu_register_runstate_memory_area a = { .addr.h = ptr_gen(48, false) };
        c->arg[2] = put_struct(&a, sizeof(a));
    } else {
        c->arg[2] = any_struct(sizeof(struct vcpu_guest_context));
    }
}

static void gen_event_channel_op(struct call *c)
{
    uint32_t w[6];

    for (unsigned int i = 0; i < 6; i++)
        w[i] = rng_chance(&rng, 50) ? (uint32_t)rng_below(&rng, 70)
                                    : rng_chance(&rng, 50) ? DOMID_SELF : (uint32_t)rng_interesting(&rng);
    c->arg[0] = rng_cmd(&rng, EVTCHNOP_set_priority);
    c->arg[1] = ptr_gen(sizeof(w), false);
    put(c->arg[1], w, sizeof(w));
}

static void gen_hvm_op(struct call *c)
{
    struct xen_hvm_param p = {
        .domid = rng_chance(&rng, 70) ? DOMID_SELF : domid_gen(),
        .index = (uint32_t)rng_cmd(&rng, HVM_NR_PARAMS),
        .value = rng_chance(&rng, 30) ? (2ULL << 56) | rng_below(&rng, 256) : rng_interesting(&rng),
    };

    c->arg[0] = rng_cmd(&rng, HVMOP_altp2m);
    c->arg[1] = ptr_gen(sizeof(p), false);
    put(c->arg[1], &p, sizeof(p));
    c->restores = true;                         /* the callback vector may have changed */
}

static const uint64_t hvm_allowed[] = {
    __HYPERVISOR_memory_op, __HYPERVISOR_set_timer_op, __HYPERVISOR_xen_version,
    __HYPERVISOR_console_io, __HYPERVISOR_grant_table_op, __HYPERVISOR_vm_assist,
    __HYPERVISOR_vcpu_op, __HYPERVISOR_sched_op, __HYPERVISOR_event_channel_op,
    __HYPERVISOR_hvm_op,
};

/* ---- grant tables: our own entries, granted to ourselves (or not) ---- */

static domid_t self_domid = DOMID_INVALID;   /* found by grant_init() */
static bool gnt_mapped;

static struct grant_entry_v1 *gnt_entries(void)
{
    return (struct grant_entry_v1 *)(uintptr_t)(GNT_GFN << 12);
}

/* Frame 0 of our table at GNT_GFN (again: a generated call may have moved things). */
static bool gnt_map(void)
{
    struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                       .idx = 0, .gpfn = GNT_GFN };

    return hcall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&xatp) == 0;
}

/*
 * Frames an entry or a copy may name: ours that hold nothing we check
 * (the arena, the data pages, windows, RAM we never touched), frames of
 * the hypervisor's in our space (grant table, shared_info), holes, junk.
 */
static uint64_t gnt_frame_gen(void)
{
    switch (rng_below(&rng, 8)) {
    case 0: case 1: return VA(mem.arena[rng_below(&rng, 4)]) >> 12;
    case 2:         return VA(mem.data[rng_below(&rng, 2)]) >> 12;
    case 3:         return VA(mem.window[rng_below(&rng, 3)]) >> 12;
    case 4:         return rng_chance(&rng, 50) ? GNT_GFN : SHINFO_GFN;
    case 5:         return (ram_top >> 12) - 1 - rng_below(&rng, 64);
    case 6:         return gfn_gen();
    default:        return rng_interesting(&rng);
    }
}

static grant_ref_t gnt_ref_gen(void)
{
    return rng_chance(&rng, 85) ? (grant_ref_t)rng_below(&rng, GNT_REFS + 1)
                                : (grant_ref_t)rng_interesting(&rng);
}

static domid_t gnt_domid_gen(void)
{
    return rng_chance(&rng, 40) ? DOMID_SELF : rng_chance(&rng, 60) ? self_domid : domid_gen();
}

/*
 * Whether a copy may write frame gfn: not one of our image (text, data,
 * page tables, stack, the sealed pages) unless it is the arena, the data
 * pages or a window, which hold nothing we check.
 */
static bool gnt_writable_ok(uint64_t gfn)
{
    uint64_t va = gfn << 12;

    return gfn < VA(pvh_start) >> 12 || gfn > (VA(_end) - 1) >> 12 ||
           in(va, PAGE, mem.arena, sizeof(mem.arena)) || in(va, PAGE, mem.data, sizeof(mem.data)) ||
           in(va, PAGE, mem.window, sizeof(mem.window));
}

static uint64_t gnt_dst_frame_gen(void)
{
    uint64_t gfn = gnt_frame_gen();

    return gnt_writable_ok(gfn) ? gfn : VA(mem.arena[0]) >> 12;
}

/* Rewrite a few of our entries: mostly access for ourselves, to frames as above. */
static void gnt_fill(void)
{
    struct grant_entry_v1 *e = gnt_entries();

    if (!gnt_mapped || !gnt_map())
        return;
    for (unsigned int n = (unsigned int)rng_below(&rng, 4); n; n--) {
        struct grant_entry_v1 *g = &e[rng_below(&rng, GNT_REFS)];
        uint64_t gfn = gnt_frame_gen();
        uint16_t flags = (uint16_t)(rng_chance(&rng, 80)
                                    ? GTF_permit_access | (rng_chance(&rng, 40) ? GTF_readonly : 0)
                                    : rng_next(&rng));

        g->frame = (uint32_t)gfn;
        g->domid = rng_chance(&rng, 80) ? self_domid : domid_gen();
        g->flags = gnt_writable_ok(gfn) ? flags : flags | GTF_readonly;
    }
}

static uint64_t gnt_map_addr_gen(uint32_t *flags)
{
    return rng_chance(&rng, 70) ? gfn_gen() << 12 : rng_interesting(&rng);
}

static uint64_t gnt_unmap_addr_gen(void)
{
    return gfn_gen() << 12;
}

static const struct gnt_sources gnt_sources = {
    .src_frame = gnt_frame_gen, .dst_frame = gnt_dst_frame_gen, .ref = gnt_ref_gen,
    .domid = gnt_domid_gen, .map_addr = gnt_map_addr_gen, .unmap_addr = gnt_unmap_addr_gen,
};

/*
 * Typed grant-table calls: arrays of copies (past the continuation batch
 * now and then), maps (an HVM caller gets none, after the pin), unmaps,
 * and the table's size and version; the count never runs past what was
 * built unless the array is somewhere nothing can be read.
 */
static void gen_grant_table_op(struct call *c)
{
    static const uint64_t cmds[] = {
        GNTTABOP_copy, GNTTABOP_copy, GNTTABOP_copy, GNTTABOP_map_grant_ref,
        GNTTABOP_unmap_grant_ref, GNTTABOP_setup_table, GNTTABOP_query_size,
        GNTTABOP_set_version, GNTTABOP_get_version,
    };
    uint64_t cmd = rng_chance(&rng, 85) ? cmds[rng_below(&rng, ARRAY_SIZE(cmds))]
                                        : rng_cmd(&rng, GNTTABOP_cache_flush);
    size_t size = cmd == GNTTABOP_copy ? sizeof(struct gnttab_copy)
                : cmd == GNTTABOP_map_grant_ref ? sizeof(struct gnttab_map_grant_ref)
                : sizeof(struct gnttab_unmap_grant_ref);
    unsigned int n = rng_chance(&rng, 5) ? 500 + (unsigned int)rng_below(&rng, 100)
                                         : 1 + (unsigned int)rng_below(&rng, 4);
    uint64_t arr;

    gnt_fill();
    c->arg[0] = cmd;
    c->arg[2] = 1;
    switch (cmd) {
    case GNTTABOP_copy:
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
        arr = slot(n * size);
        if (!arr)
            n = 1, arr = slot(size);
        for (unsigned int i = 0; i < n; i++) {
            union gnt_op op;

            gnt_op_gen(&rng, &gnt_sources, cmd, &op);
            put(arr + i * size, &op, size);
        }
        c->arg[1] = arr;
        c->arg[2] = n;
        break;
    case GNTTABOP_setup_table: {
        uint64_t list = slot(8 * 8);
        struct gnttab_setup_table op = {
            .dom = gnt_domid_gen(),
            .nr_frames = (uint32_t)(rng_chance(&rng, 80) ? rng_below(&rng, 9) : rng_interesting(&rng)),
            .frame_list = rng_chance(&rng, 80) && list ? list : ptr_gen(64, false),
        };
        if (op.nr_frames > 8 && in(op.frame_list, 8, mem.slots, sizeof(mem.slots)))
            op.frame_list = bad_ptr(64, true);  /* never written past what we gave */
        c->arg[1] = put_struct(&op, sizeof(op));
        break;
    }
    case GNTTABOP_query_size:
    case GNTTABOP_get_version: {
        struct gnttab_query_size op = { .dom = gnt_domid_gen() };
        c->arg[1] = put_struct(&op, sizeof(op));
        break;
    }
    case GNTTABOP_set_version: {
        uint32_t v = (uint32_t)(rng_chance(&rng, 70) ? rng_below(&rng, 4) : rng_interesting(&rng));
        c->arg[1] = put_struct(&v, sizeof(v));
        break;
    }
    default:
        c->arg[1] = any_struct(128);
        c->arg[2] = rng_chance(&rng, 70) ? rng_below(&rng, 4) : rng_interesting(&rng);
        break;
    }
    if (rng_chance(&rng, 5)) {                  /* a count past the array, unreadable */
        c->arg[1] = bad_ptr(64, true);
        c->arg[2] = rng_interesting(&rng);
    }
}

/*
 * Map our grant frame 0 and find our domain id: the one id for which an
 * entry granting us a page lets us copy from it.
 */
static void grant_init(void)
{
    struct gnttab_copy op;

    if (!gnt_map())
        return;
    gnt_mapped = true;
    for (domid_t id = 0; id < 64; id++) {
        gnt_entries()[0] = (struct grant_entry_v1){ GTF_permit_access, id,
                                                    (uint32_t)(VA(mem.data[0]) >> 12) };
        op = (struct gnttab_copy){ .source = { .u.ref = 0, .domid = DOMID_SELF },
                                   .dest = { .u.gmfn = VA(mem.data[1]) >> 12,
                                             .domid = DOMID_SELF },
                                   .len = 8, .flags = GNTCOPY_source_gref };
        if (!hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_copy, (uint64_t)&op, 1, 0, 0,
                       false) && op.status == GNTST_okay) {
            self_domid = id;
            break;
        }
    }
    gnt_entries()[0].flags = 0;
    print("pvhfuzz: FUZZ grant table at %#lx, we are domain %u\n", GNT_GFN << 12, self_domid);
}

static unsigned long focus = ~0UL;     /* focus=<n>: half the calls are hypercall n */

static void gen_hypercall(struct call *c)
{
    memset(c, 0, sizeof(*c));
    c->vmcall = rng_chance(&rng, 10);
    c->nr = focus != ~0UL && rng_chance(&rng, 50) ? focus
          : rng_chance(&rng, 70) ? hvm_allowed[rng_below(&rng, ARRAY_SIZE(hvm_allowed))]
          : rng_chance(&rng, 80) ? rng_below(&rng, 128) : rng_interesting(&rng);
    for (unsigned int i = 0; i < 5; i++)
        c->arg[i] = rng_chance(&rng, 40) ? ptr_gen(64, false) : rng_interesting(&rng);
    switch (c->nr) {
    case __HYPERVISOR_memory_op:     gen_memory_op(c); break;
    case __HYPERVISOR_sched_op:      gen_sched_op(c, !c->vmcall); break;
    case __HYPERVISOR_vcpu_op:       gen_vcpu_op(c); break;
    case __HYPERVISOR_event_channel_op: gen_event_channel_op(c); break;
    case __HYPERVISOR_hvm_op:        gen_hvm_op(c); break;
    case __HYPERVISOR_set_timer_op:  c->arg[0] = rng_interesting(&rng); break;
    case __HYPERVISOR_xen_version:
        c->arg[0] = rng_cmd(&rng, XENVER_commandline2);
        c->arg[1] = any_struct(16);
        break;
    case __HYPERVISOR_console_io:
        c->arg[0] = rng_cmd(&rng, CONSOLEIO_read);
        c->arg[1] = rng_chance(&rng, 80) ? rng_below(&rng, 64) : rng_interesting(&rng);
        c->arg[2] = ptr_gen(64, false);
        if (c->arg[1] > 64 && c->arg[1] <= 0x10000 && in(c->arg[2], 1, mem.arena, sizeof(mem.arena)))
            c->arg[1] = 64;                     /* readable bytes get printed: a few */
        break;
    case __HYPERVISOR_grant_table_op: gen_grant_table_op(c); break;
    case __HYPERVISOR_sched_op_compat:          /* the reason itself, not a pointer */
        if (c->arg[0] == SCHEDOP_shutdown && c->arg[1] <= SHUTDOWN_MAX)
            c->arg[1] = SHUTDOWN_MAX + 1;
        if (c->arg[0] == SCHEDOP_block)
            c->arg[0] = SCHEDOP_yield;
        break;
    default:
        break;
    }
}

/* ---- MSRs, ports, CPUID ---- */

static uint32_t msr_gen(void)
{
    static const uint32_t bases[] = {
        0x0, 0x10, 0x1b, 0x3a, 0x48, 0x8b, 0xfe, 0x174, 0x1d9, 0x200, 0x277, 0x2ff, 0x6e0,
        0x800, 0x830, 0xc0000080, 0xc0000100, 0xc0010000, 0xc0010100, 0xc0011000,
        0x40000000, 0x40000100, 0x4b564d00,
    };

    if (rng_chance(&rng, 15))
        return (uint32_t)rng_interesting(&rng);
    return bases[rng_below(&rng, ARRAY_SIZE(bases))] + (uint32_t)rng_below(&rng, 0x100);
}

static bool msr_read(uint32_t msr, uint64_t *v)
{
    unsigned long before = gp_count;
    uint32_t lo = 0, hi = 0;

    __asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
    *v = (uint64_t)hi << 32 | lo;
    return gp_count == before;
}

static void msr_write(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/*
 * What may be written where: not EFER or the APIC base (we would lose long
 * mode or the APIC), not the ICR (an INIT to ourselves), the hypercall
 * page only over a window; PAT is put back afterwards.
 */
static void fuzz_msr(void)
{
    uint32_t msr = msr_gen();
    uint64_t v, old;

    if (rng_chance(&rng, 60) || msr == 0xc0000080 || msr == 0x1b || msr == 0x830 ||
        msr == 0x80f) {
        msr_read(msr, &v);
        return;
    }
    v = rng_chance(&rng, 30) ? rng_below(&rng, 0x10000) : rng_interesting(&rng);
    /* Local APIC vectors below 32 would arrive through our exception entries. */
    if ((msr >= 0x832 && msr <= 0x837) || msr == 0x83f)
        v = (v & ~0xffULL) | (0x20 + (v & 0xff) % 0xe0);
    if (msr == 0x40000000)                      /* the hypercall page, page index in 11:0 */
        v = (gfn_gen() << 12) | (rng_chance(&rng, 80) ? 0 : rng_below(&rng, 4096));
    if (msr == 0x277 && msr_read(0x277, &old)) {
        msr_write(msr, v);
        msr_write(0x277, old);
        return;
    }
    msr_write(msr, v);
}

static bool port_write_ok(uint16_t port, unsigned int size, uint32_t v)
{
    if (port <= 0x602 && port + size > 0x600)
        return false;                           /* ACPI sleep and reset registers */
    if (port <= 0xcf9 && port + size > 0xcf9)
        return false;                           /* reset control */
    if (port == 0x64)
        return false;                           /* the keyboard controller's reset */
    if (port <= 0x3f8 && port + size > 0x3f8)
        return false;                           /* COM1's THR: output, enough of it */
    return true;
}

static void fuzz_port(void)
{
    static const uint16_t ports[] = {
        0x0, 0x20, 0x40, 0x60, 0x70, 0x80, 0xa0, 0xe9, 0xf0, 0x3f8, 0x3fd, 0x510, 0x600,
        0xcf8, 0xcfc, 0xf4,
    };
    uint16_t port = rng_chance(&rng, 70) ? (uint16_t)(ports[rng_below(&rng, ARRAY_SIZE(ports))] +
                                                      rng_below(&rng, 8))
                                         : (uint16_t)rng_next(&rng);
    unsigned int size = 1U << rng_below(&rng, 3);
    uint32_t v = (uint32_t)rng_interesting(&rng);

    if (rng_chance(&rng, 50) || !port_write_ok(port, size, v)) {
        if (size == 1)
            __asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
        else if (size == 2)
            __asm__ volatile("inw %w1, %w0" : "=a"(v) : "Nd"(port));
        else
            __asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
        return;
    }
    if (size == 1)
        __asm__ volatile("outb %b0, %w1" :: "a"(v), "Nd"(port));
    else if (size == 2)
        __asm__ volatile("outw %w0, %w1" :: "a"(v), "Nd"(port));
    else
        __asm__ volatile("outl %0, %w1" :: "a"(v), "Nd"(port));
}

static void fuzz_cpuid(void)
{
    static const uint32_t bases[] = { 0, 0x40000000, 0x80000000, 0x8fffffff, 0xc0000000 };
    uint32_t r[4];
    uint32_t leaf = rng_chance(&rng, 80) ? bases[rng_below(&rng, ARRAY_SIZE(bases))] +
                                           (uint32_t)rng_below(&rng, 0x30)
                                         : (uint32_t)rng_next(&rng);

    cpuid(leaf, (uint32_t)(rng_chance(&rng, 70) ? rng_below(&rng, 4) : rng_next(&rng)), r);
}

/* ---- time and events ---- */

static uint64_t system_time(void)
{
    volatile struct vcpu_time_info *t = &vinfo->time;
    uint32_t ver, mul;
    uint64_t st, ts, delta;
    int8_t shift;

    do {
        ver = t->version;
        __asm__ volatile("" ::: "memory");
        st = t->system_time;
        ts = t->tsc_timestamp;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        delta = rdtsc() - ts;
        __asm__ volatile("" ::: "memory");
    } while ((ver & 1) || ver != t->version);
    delta = shift >= 0 ? delta << shift : delta >> -shift;
    return st + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

static bool vinfo_moved;

/* A generated register_vcpu_info for vCPU 0 moved it into window[3]: follow. */
static void vinfo_follow(void)
{
    for (unsigned int off = 0; off + 64 <= PAGE / 2 && !vinfo_moved; off += 8) {
        struct vcpu_info *vi = (struct vcpu_info *)(mem.window[3] + off);
        if (vi->evtchn_pending_sel == ~0ULL) {
            vinfo = vi;
            vinfo_moved = true;
            print("pvhfuzz: FUZZ vcpu_info moved to offset %u of window 3\n", off);
        }
    }
}

static void callback_restore(void)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
                               .value = (2ULL << 56) | CALLBACK_VECTOR };

    hcall2(__HYPERVISOR_hvm_op, HVMOP_set_param, (uint64_t)&p);
}

/* VIRQ_TIMER on vCPU 0 bound to a port, unmasked: the port, or 0. */
static uint32_t timer_port(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    struct evtchn_status st;
    long rc = hcall2(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (uint64_t)&bv);
    uint32_t port = bv.port;

    if (rc == -XEN_EEXIST) {
        for (port = 1; port < 4096; port++) {
            st = (struct evtchn_status){ .dom = DOMID_SELF, .port = port };
            if (hcall2(__HYPERVISOR_event_channel_op, EVTCHNOP_status, (uint64_t)&st))
                return 0;
            if (st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER && st.vcpu == 0)
                break;
        }
    } else if (rc) {
        return 0;
    }
    if (port >= 4096)
        return 0;
    __atomic_fetch_and(&shinfo->evtchn_mask[port / 64], ~(1ULL << (port % 64)), __ATOMIC_SEQ_CST);
    return port;
}

/* The one-shot timer raises an event within a second (HLT with interrupts on). */
static bool timer_works(void)
{
    unsigned long before = upcalls;
    uint64_t give_up = system_time() + 1000000000ULL;
    struct vcpu_set_singleshot_timer t = { .flags = 0 };

    callback_restore();
    if (!timer_port())
        return false;
    while (upcalls == before && system_time() < give_up) {
        t.timeout_abs_ns = system_time() + 100000;
        hypercall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)&t, 0, 0, false);
        sti_hlt();
    }
    return upcalls != before;
}

/* ---- batches ---- */

static uint64_t sealed_sum, text_sum;
static unsigned long calls, accepted, trace_from = ~0UL;

static uint64_t text_checksum(void)
{
    return checksum(pvh_start, (size_t)(_pvh_text_end - pvh_start));
}

static bool batch(unsigned long i)
{
    struct call c;
    long rc;

    slot_next = VA(mem.slots);
    fill_random(VA(mem.arena), sizeof(mem.arena));
    if (!vinfo_moved)
        memset(mem.window[3], 0, PAGE / 2);
    if (i % 64 == 0)
        tables_scramble();
    switch (rng_below(&rng, 10)) {
    case 0: case 1:
        fuzz_msr();
        break;
    case 2:
        fuzz_port();
        break;
    case 3:
        fuzz_cpuid();
        break;
    default:
        gen_hypercall(&c);
        if (c.blocks) {
            struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = system_time() + 200000 };
            callback_restore();
            if (timer_port())
                hypercall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)&t,
                          0, 0, false);
        }
        if (i >= trace_from)
            print("pvhfuzz: FUZZ trace %lu: hypercall %lu %#lx %#lx %#lx %#lx %#lx%s\n", i, c.nr,
                  c.arg[0], c.arg[1], c.arg[2], c.arg[3], c.arg[4], c.vmcall ? " (vmcall)" : "");
        rc = hypercall(c.nr, c.arg[0], c.arg[1], c.arg[2], c.arg[3], c.arg[4], c.vmcall);
        if (i >= trace_from)
            print("pvhfuzz: FUZZ trace %lu: -> %ld\n", i, rc);
        calls++;
        accepted += rc >= 0;
        if (c.nr == __HYPERVISOR_console_io && c.arg[0] == CONSOLEIO_write && rc == 0)
            print("\n");                        /* end its partial line before ours */
        if (c.restores)
            callback_restore();
        vinfo_follow();
        break;
    }
    return true;
}

static bool sanity(unsigned long i, bool full)
{
    uint32_t r[4];

    cpuid(XEN_CPUID_FIRST_LEAF, 0, r);
    if (r[1] != XEN_CPUID_SIGNATURE_EBX || r[2] != XEN_CPUID_SIGNATURE_ECX ||
        r[3] != XEN_CPUID_SIGNATURE_EDX) {
        print("pvhfuzz: FUZZ FAIL iter=%lu: CPUID 0x40000000 no longer says Xen\n", i);
        return false;
    }
    if (checksum(mem.sealed, sizeof(mem.sealed)) != sealed_sum) {
        print("pvhfuzz: FUZZ FAIL iter=%lu: a sealed page changed\n", i);
        return false;
    }
    if (full && text_checksum() != text_sum) {
        print("pvhfuzz: FUZZ FAIL iter=%lu: our text changed\n", i);
        return false;
    }
    if (full && !timer_works()) {
        print("pvhfuzz: FUZZ FAIL iter=%lu: no timer event within a second\n", i);
        return false;
    }
    return true;
}

static void map_shared_info(void)
{
    struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
                                       .idx = 0, .gpfn = SHINFO_GFN };

    if (hcall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&xatp)) {
        print("pvhfuzz: FUZZ FAIL cannot map shared_info\n");
        poweroff(SHUTDOWN_crash);
    }
    shinfo = (struct shared_info *)((uint64_t)SHINFO_GFN << 12);
    vinfo = &shinfo->vcpu_info[0];
    for (unsigned int w = 0; w < 64; w++)
        shinfo->evtchn_mask[w] = ~0ULL;
}

/* The deliberate ends: the hypervisor must crash this domain, and say why. */
static void end_with(const char *how)
{
    if (!strcmp(how, "mmio")) {
        print("pvhfuzz: FUZZ end: reading the hole at %#lx\n", UNBACKED + 0x100000);
        print("pvhfuzz: read %#x (should not get here)\n",
              *(volatile uint32_t *)(uintptr_t)(UNBACKED + 0x100000));
    } else if (!strcmp(how, "stringio")) {
        uint8_t buf[4];
        print("pvhfuzz: FUZZ end: string I/O (rep insb) on port 0x80\n");
        __asm__ volatile("rep insb" : "+D"(buf), "+c"((uint64_t){ 4 }) : "d"(0x80) : "memory");
        print("pvhfuzz: string I/O done (should not get here)\n");
    }
}

/* ---- regression checks for what the fuzzer found (CHECK lines, as the PV kernels') ---- */

static unsigned int checks_failed;

static void check(const char *name, bool ok, long got)
{
    checks_failed += !ok;
    if (ok)
        print("pvhfuzz: CHECK %s PASS\n", name);
    else
        print("pvhfuzz: CHECK %s FAIL got %ld\n", name, got);
}

/*
 * Found by the fuzzer: a non-canonical hypercall pointer was walked through
 * the guest's page tables as its canonical alias (a SCHEDOP_shutdown
 * reason read from page 0 powered the domain off). The CPU would raise
 * #GP: it must be -EFAULT, nothing read or written.
 */
static void regress_noncanonical(void)
{
    static char buf[16] = "untouched";
    static struct xen_feature_info fi = { .submap_idx = 0, .submap = 0x5a5a };
    uint64_t alias = 0x8000000000000000ULL;
    long rc;

    rc = hcall2(__HYPERVISOR_xen_version, XENVER_extraversion, alias | VA(buf));
    check("regress-noncanonical-write", rc == -XEN_EFAULT && !strcmp(buf, "untouched"), rc);
    rc = hcall2(__HYPERVISOR_xen_version, XENVER_get_features, alias | VA(&fi));
    check("regress-noncanonical-read", rc == -XEN_EFAULT && fi.submap == 0x5a5a, rc);
    rc = hcall2(__HYPERVISOR_xen_version, XENVER_extraversion, 0xffff000000000000ULL | VA(buf));
    check("regress-noncanonical-high", rc == -XEN_EFAULT && !strcmp(buf, "untouched"), rc);
}

/*
 * The event that comes as the guest executes "sti; hlt" (found by the
 * fuzzer: its timer check slept for ever): a timer due 20 us on, then a
 * spin to 40-140 us past that (under QEMU its host interrupt comes 60-300
 * us late) before the STI, so that the interrupt lands between STI and HLT
 * in some rounds (without the fix, about half the runs catch one). No
 * event may be taken at the HLT; a periodic timer wakes one that would
 * otherwise sleep for ever.
 */
static void regress_sti_hlt(void)
{
    struct vcpu_set_periodic_timer per = { .period_ns = 2000000 };
    struct vcpu_set_singleshot_timer t = { .flags = 0 };
    unsigned long rounds = 0, woken = 0;

    callback_restore();
    if (!timer_port()) {
        check("regress-sti-hlt", false, -1);
        return;
    }
    upcalls_before_hlt = 0;
    hypercall(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, (uint64_t)&per, 0, 0, false);
    for (unsigned int r = 0; r < 10; r++) {
        for (unsigned int off = 0; off < 200; off++, rounds++) {
            unsigned long before = upcalls;
            uint64_t due = system_time() + 20000;

            t.timeout_abs_ns = due;
            hypercall(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)&t, 0, 0, false);
            while (system_time() < due + 40000 + off * 500)  /* 40 to 140 us late */
                ;
            sti_hlt();
            woken += upcalls != before;
        }
    }
    hypercall(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0, 0, 0, false);
    if (upcalls_before_hlt)
        print("pvhfuzz: FUZZ %lu of %lu events taken between STI and HLT\n",
              upcalls_before_hlt, rounds);
    check("regress-sti-hlt", upcalls_before_hlt == 0 && woken == rounds, (long)upcalls_before_hlt);
}

/*
 * A batch longer than the hypervisor does at once (512) is continued: the
 * guest re-issues the call for the rest (found by the fuzzer: an HVM
 * caller got the hypercall number back as the result, and the batch was
 * cut at 512). 600 copies of 8 bytes, from one page to another.
 */
static void regress_continuation(void)
{
    struct gnttab_copy *ops = (struct gnttab_copy *)mem.slots;
    unsigned int n = 600, bad = 0;
    long rc;

    for (unsigned int k = 0; k < PAGE; k++) {
        mem.data[0][k] = (uint8_t)rng_next(&rng);
        mem.data[1][k] = 0;
    }
    for (unsigned int i = 0; i < n; i++)
        ops[i] = (struct gnttab_copy){
            .source = { .u.gmfn = VA(mem.data[0]) >> 12, .domid = DOMID_SELF,
                        .offset = (uint16_t)(i * 8 % PAGE) },
            .dest = { .u.gmfn = VA(mem.data[1]) >> 12, .domid = DOMID_SELF,
                      .offset = (uint16_t)(i * 8 % PAGE) },
            .len = 8, .status = 1 };
    rc = hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_copy, VA(ops), n, 0, 0, false);
    for (unsigned int i = 0; i < n; i++)
        bad += ops[i].status != GNTST_okay;
    check("regress-continuation", rc == 0 && !bad && !memcmp(mem.data[0], mem.data[1], PAGE),
          rc ? rc : bad);
}

static const char *cmdline_value(const char *cmdline, const char *key, char *buf, size_t size)
{
    size_t n = strlen(key);

    for (const char *p = cmdline; *p; p++) {
        if ((p == cmdline || p[-1] == ' ') && !strncmp(p, key, n) && p[n] == '=') {
            size_t len = 0;
            for (p += n + 1; *p && *p != ' ' && len + 1 < size; p++)
                buf[len++] = *p;
            buf[len] = 0;
            return buf;
        }
    }
    return NULL;
}

static unsigned long cmdline_ulong(const char *cmdline, const char *key, unsigned long dflt)
{
    char buf[24];
    unsigned long v = 0;

    if (!cmdline_value(cmdline, key, buf, sizeof(buf)) || !buf[0])
        return dflt;
    for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (unsigned long)(*p - '0');
    return v;
}

void pvh_main(uint32_t start_info_pa)
{
    const struct hvm_start_info *si = (const void *)(uint64_t)start_info_pa;
    const char *cmdline = si->cmdline_paddr ? (const char *)si->cmdline_paddr : "";
    const struct hvm_memmap_table_entry *m = (const void *)si->memmap_paddr;
    uint64_t seed = cmdline_ulong(cmdline, "seed", 1);
    unsigned long iters = cmdline_ulong(cmdline, "iters", 1000);
    unsigned long progress = cmdline_ulong(cmdline, "progress", 250);

    char end[16] = "";
    unsigned long i;

    trace_from = cmdline_ulong(cmdline, "trace", ~0UL);
    focus = cmdline_ulong(cmdline, "focus", ~0UL);
    cmdline_value(cmdline, "end", end, sizeof(end));   /* before low memory is unmapped */

    print("pvhfuzz: FUZZ seed=%lu iterations=%lu\n", seed, iters);
    for (uint32_t k = 0; k < si->memmap_entries; k++)
        if (m[k].type == XEN_HVM_MEMMAP_TYPE_RAM && m[k].addr < 0x100000000ULL &&
            m[k].addr + m[k].size > ram_top)
            ram_top = m[k].addr + m[k].size;
    if (ram_top < RAM_TOP_MIN || ram_top > UNBACKED) {
        print("pvhfuzz: FUZZ FAIL RAM ends at %#lx: give it 16 MiB to 3 GiB\n", ram_top);
        poweroff(SHUTDOWN_crash);
    }
    rng_seed(&rng, seed);
    idt_init();
    regress_noncanonical();
    map_shared_info();
    grant_init();
    regress_continuation();
    tables_install();
    for (unsigned int p = 0; p < 2; p++)
        for (unsigned int k = 0; k < PAGE; k++)
            mem.sealed[p][k] = (uint8_t)rng_next(&rng);
    sealed_sum = checksum(mem.sealed, sizeof(mem.sealed));
    text_sum = text_checksum();
    if (!timer_works()) {
        print("pvhfuzz: FUZZ FAIL no timer event before fuzzing\n");
        poweroff(SHUTDOWN_crash);
    }
    regress_sti_hlt();
    for (i = 0; i < iters; i++) {
        batch(i);
        if (!sanity(i, (i % 16) == 15 || (i + 1) % progress == 0)) {
            print("pvhfuzz: VERDICT FAILURE (seed %lu)\n", seed);
            poweroff(SHUTDOWN_poweroff);
        }
        if ((i + 1) % progress == 0)
            print("pvhfuzz: FUZZ iter=%lu ok\n", i + 1);
    }
    print("pvhfuzz: FUZZ done iterations=%lu seed=%lu\n", i, seed);
    print("pvhfuzz: FUZZ stats hypercalls=%lu accepted=%lu gp=%lu irqs=%lu\n", calls, accepted,
          gp_count, irq_count);
    print("pvhfuzz: VERDICT %s\n", checks_failed ? "FAILURE" : "SUCCESS");
    if (end[0])
        end_with(end);
    poweroff(SHUTDOWN_poweroff);
}
