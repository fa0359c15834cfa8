/*
 * pvhtest: Sable's small HVM test kernel, booted through PVH under SVM.
 * It prints one line per check on the hypervisor console (console_io) and
 * ends with a verdict, then powers off. The guest command line picks the
 * scenario:
 *
 *   basic   (default) CPUID leaves, hypercalls by VMMCALL and through the
 *           hypercall page, MSR and I/O port policy, shared_info, the
 *           callback vector with a one-shot timer, HLT wake-up, shutdown
 *   npf     read guest-physical memory that is not backed: crashed
 *   triple  triple fault: crashed
 *   spin    print a line every 100 ms for about 2 s, then power off
 *   acpioff power off through the ACPI sleep control register
 *   zero    RAM it never wrote reads zero, through a hypercall and directly
 *           (run with debug_poison_free=: its frames held old data)
 *   apic    the local APIC (apic.c): mode switching, xAPIC registers through
 *           MMIO, timer, IPIs, NMIs; with a second vCPU, IPIs and NMIs to
 *           it and its own timer
 *   apicbyte, apicinsn   a byte write / an ADD on the xAPIC page: crashed
 */
#include <stdarg.h>
#include <sable/lib.h>
#include <public/cpuid.h>
#include <public/event_channel.h>
#include <public/features.h>
#include <public/hvm_op.h>
#include <public/hvm_params.h>
#include <public/hvm_start_info.h>
#include <public/memory.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/version.h>
#include <public/xen.h>
#include "pvh.h"

void pvh_main(uint32_t start_info_pa);

/* ---- hypercalls ---- */

static long hypercall3(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    long rc;

    __asm__ volatile("vmmcall"
                     : "=a"(rc), "+D"(a1), "+S"(a2), "+d"(a3)
                     : "a"(nr) : "memory");
    return rc;
}

static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

static long page_call2(uint64_t nr, uint64_t a1, uint64_t a2)
{
    long rc;
    void *stub = hypercall_page + nr * 32;

    __asm__ volatile("call *%[stub]"
                     : "=a"(rc), "+D"(a1), "+S"(a2)
                     : [stub] "r"(stub) : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory");
    return rc;
}

/* ---- console and checks ---- */

void print(const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, (uint64_t)MIN(n, 199), (uint64_t)buf);
}

static unsigned int checks, failures;

void check(bool ok, const char *what)
{
    checks++;
    if (!ok)
        failures++;
    print("pvhtest: %s %s\n", ok ? "PASS" : "FAIL", what);
}

void poweroff(void)
{
    struct sched_shutdown s = { .reason = SHUTDOWN_poweroff };

    hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uint64_t)&s, 0);
    print("pvhtest: FAIL still running after shutdown\n");
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* ---- CPU helpers ---- */

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(0));
}

void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* ---- interrupts: #GP (skips the 2-byte RDMSR) and the event callback ---- */

struct idt_entry {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
};
static struct idt_entry idt[256] __attribute__((aligned(16)));

volatile unsigned int gp_count, gp_skip = 2;
static volatile unsigned int upcalls;
static struct shared_info *shinfo;

__attribute__((interrupt))
void gp_handler(struct frame *f, uint64_t error)
{
    gp_count++;
    f->rip += gp_skip;
}

__attribute__((interrupt))
static void callback_handler(struct frame *f)
{
    upcalls++;
    shinfo->vcpu_info[0].evtchn_upcall_pending = 0;
}

void idt_set(unsigned int vec, void *handler)
{
    uint64_t a = (uint64_t)handler;

    idt[vec] = (struct idt_entry){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16),
                                   (uint32_t)(a >> 32), 0 };
}

void idt_load(uint16_t limit)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) d = { limit, (uint64_t)idt };

    __asm__ volatile("lidt %0" :: "m"(d));
}

/* ---- the checks ---- */

static void check_cpuid(void)
{
    uint32_t r[4];

    cpuid(XEN_CPUID_FIRST_LEAF, r);
    check(r[1] == XEN_CPUID_SIGNATURE_EBX && r[2] == XEN_CPUID_SIGNATURE_ECX &&
          r[3] == XEN_CPUID_SIGNATURE_EDX && r[0] >= XEN_CPUID_LEAF(2),
          "cpuid 0x40000000 says XenVMMXenVMM");
    cpuid(XEN_CPUID_LEAF(2), r);
    check(r[0] == 1 && r[1] == 0x40000000, "cpuid 0x40000002: one hypercall page, MSR 0x40000000");
    cpuid(XEN_CPUID_LEAF(4), r);
    check((r[0] & XEN_HVM_CPUID_VCPU_ID_PRESENT) && r[1] == 0 &&
          (r[0] & XEN_HVM_CPUID_DOMID_PRESENT) && r[2] >= 1,
          "cpuid 0x40000004: vCPU id 0 and a domain id");
    cpuid(1, r);
    check((r[2] & (1U << 31)) && !(r[2] & (1U << 5)) && (r[2] & (1U << 21)),
          "cpuid 1: hypervisor bit and x2APIC, no VMX");
    cpuid(0x80000001, r);
    check(!(r[2] & (1U << 2)), "cpuid 0x80000001: SVM hidden");
}

static void check_hypercalls(void)
{
    struct xen_feature_info fi = { .submap_idx = 0 };
    long v = hypercall3(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    long rc;

    check(v == ((4 << 16) | 19), "vmmcall xen_version: 4.19");
    rc = hypercall3(__HYPERVISOR_xen_version, XENVER_get_features, (uint64_t)&fi, 0);
    check(rc == 0 && (fi.submap & (1U << XENFEAT_auto_translated_physmap)) &&
          (fi.submap & (1U << XENFEAT_hvm_callback_vector)) &&
          (fi.submap & (1U << XENFEAT_hvm_safe_pvclock)),
          "features: auto-translated, callback vector, safe pvclock");
    check(hypercall3(60, 0, 0, 0) == -38, "unknown hypercall: -ENOSYS");
    check(hypercall3(__HYPERVISOR_set_trap_table, 0, 0, 0) == -38,
          "PV-only hypercall (set_trap_table): -ENOSYS");
    check(hypercall3(__HYPERVISOR_xen_version, XENVER_get_features, 0x7ff00000000ULL, 0) == -14,
          "unmapped guest pointer: -EFAULT");
    rc = hypercall3(__HYPERVISOR_event_channel_op, EVTCHNOP_init_control, 0, 0);
    check(rc == -38, "FIFO event channels: -ENOSYS");

    wrmsr(0x40000000, (uint64_t)hypercall_page);
    check(page_call2(__HYPERVISOR_xen_version, XENVER_version, 0) == v,
          "hypercall page (installed by MSR): xen_version");
}

static void check_msr_and_io(void)
{
    uint32_t lo, hi, val;
    uint8_t b;

    gp_count = 0;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0011234));
    check(gp_count == 1, "rdmsr of an unknown MSR: #GP");
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080));
    check(gp_count == 1 && (lo & 0x500) == 0x500 && !(lo & (1U << 12)),
          "EFER reads LME|LMA, SVME hidden");
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b));
    check(gp_count == 1 && (lo & 0xc00) == 0xc00 && (lo & 0x100),
          "APIC base: enabled, x2APIC mode, boot processor");
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x802));
    check(gp_count == 1 && lo == 0, "x2APIC id (MSR 0x802) is the vCPU id");
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x8ff));
    check(gp_count == 2, "x2APIC: a register that does not exist gives #GP");
    __asm__ volatile("inb %1, %0" : "=a"(b) : "Nd"((uint16_t)0x80));
    __asm__ volatile("inl %1, %0" : "=a"(val) : "Nd"((uint16_t)0x510));
    check(b == 0xff && val == 0xffffffff, "unhandled I/O ports read all-ones");
    /* COM1: scratch register round trip, then a line through THR. */
    __asm__ volatile("outb %0, %1" :: "a"((uint8_t)0x5a), "Nd"((uint16_t)0x3ff));
    __asm__ volatile("inb %1, %0" : "=a"(b) : "Nd"((uint16_t)0x3ff));
    check(b == 0x5a, "COM1 scratch register keeps a byte");
    for (const char *s = "pvhtest: hello through COM1\n"; *s; s++) {
        __asm__ volatile("inb %1, %0" : "=a"(b) : "Nd"((uint16_t)0x3fd));
        if (b & 0x20)
            __asm__ volatile("outb %0, %1" :: "a"((uint8_t)*s), "Nd"((uint16_t)0x3f8));
    }
}

#define SHINFO_GFN 0x800        /* 8 MiB: RAM the image does not use */
#define CALLBACK_VECTOR 0xf3

static uint64_t system_time(void)
{
    volatile struct vcpu_time_info *t = &shinfo->vcpu_info[0].time;
    uint32_t ver, lo, hi;
    uint64_t st, ts, delta;
    uint32_t mul;
    int8_t shift;

    do {
        ver = t->version;
        __asm__ volatile("" ::: "memory");
        st = t->system_time;
        ts = t->tsc_timestamp;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        __asm__ volatile("" ::: "memory");
    } while ((ver & 1) || ver != t->version);
    delta = (((uint64_t)hi << 32) | lo) - ts;
    delta = shift >= 0 ? delta << shift : delta >> -shift;
    return st + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

static void check_events(void)
{
    struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
                                       .idx = 0, .gpfn = SHINFO_GFN };
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
                               .value = (2ULL << 56) | CALLBACK_VECTOR };
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    struct vcpu_set_singleshot_timer st;
    static struct vcpu_runstate_info runstate;
    uint64_t t0, t1, rs_addr = (uint64_t)&runstate;
    long rc;

    rc = hypercall3(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&xatp, 0);
    check(rc == 0, "add_to_physmap(shared_info)");
    shinfo = (struct shared_info *)(SHINFO_GFN << 12);
    t0 = system_time();
    for (volatile int i = 0; i < 100000; i++)
        ;
    t1 = system_time();
    check(t0 > 0 && t1 > t0, "pvclock in shared_info advances");
    check(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0,
                     (uint64_t)&rs_addr) == 0, "runstate area registered");

    rc = hypercall3(__HYPERVISOR_hvm_op, HVMOP_set_param, (uint64_t)&p, 0);
    check(rc == 0, "callback vector 0xf3 set");
    p.index = HVM_PARAM_STORE_PFN;
    p.value = 99;
    check(hypercall3(__HYPERVISOR_hvm_op, HVMOP_set_param, (uint64_t)&p, 0) == -1,
          "the guest may not set HVM_PARAM_STORE_PFN: -EPERM");
    rc = hypercall3(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (uint64_t)&bv, 0);
    check(rc == 0 && bv.port > 0, "VIRQ_TIMER bound");
    shinfo->evtchn_mask[0] = 0;

    upcalls = 0;
    st.timeout_abs_ns = system_time() + 2000000;       /* 2 ms */
    st.flags = 0;
    rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)&st);
    check(rc == 0, "one-shot timer set");
    for (int i = 0; i < 1000 && !upcalls; i++)
        __asm__ volatile("sti; hlt; cli");
    check(upcalls >= 1 && (shinfo->evtchn_pending[0] & (1ULL << bv.port)),
          "timer event delivered by the callback vector, HLT woken");
    check(system_time() >= st.timeout_abs_ns, "not before its deadline");
    check(runstate.state == RUNSTATE_running && runstate.time[RUNSTATE_running] > 0,
          "runstate area filled in");
}

/* XSETBV under the CPUID policy: x87|SSE is fine, no x87 is #GP. */
static void check_xsetbv(void)
{
    uint32_t r[4];
    uint64_t cr4;

    cpuid(1, r);
    if (!(r[2] & (1U << 26))) {
        print("pvhtest: SKIP xsetbv (no XSAVE)\n");
        return;
    }
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" :: "r"(cr4 | (1UL << 18)));
    cpuid(1, r);
    check(r[2] & (1U << 27), "cpuid 1: OSXSAVE follows CR4");
    gp_count = 0;
    gp_skip = 3;
    __asm__ volatile("xsetbv" :: "c"(0), "a"(3), "d"(0));
    check(gp_count == 0, "xsetbv x87|SSE accepted");
    __asm__ volatile("xsetbv" :: "c"(0), "a"(2), "d"(0));
    check(gp_count == 1, "xsetbv without x87: #GP");
    __asm__ volatile("xsetbv" :: "c"(1), "a"(3), "d"(0));
    check(gp_count == 2, "xsetbv of XCR1: #GP");
    gp_skip = 2;
}

static const struct hvm_start_info *start_info;

/* The boot data: a memory map with the legacy hole reserved, ACPI tables. */
static void check_start_info(void)
{
    const struct hvm_memmap_table_entry *m = (const void *)start_info->memmap_paddr;
    bool hole_reserved = false;

    for (uint32_t i = 0; i < start_info->memmap_entries; i++)
        if (m[i].addr == 0xa0000 && m[i].type == XEN_HVM_MEMMAP_TYPE_RESERVED)
            hole_reserved = true;
    check(hole_reserved && m[0].addr == 0 && m[0].type == XEN_HVM_MEMMAP_TYPE_RAM,
          "memory map: low RAM, legacy hole reserved");
    check(start_info->rsdp_paddr && !memcmp((const void *)start_info->rsdp_paddr, "RSD PTR ", 8),
          "ACPI RSDP where start_info says");
}

/* Bad arguments to the HVM hypercalls get Xen's error codes. */
static void check_bad_arguments(void)
{
    struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
                                       .idx = 0, .gpfn = 1ULL << 40 };
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = 1000 };

    check(hypercall3(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&xatp, 0) == -22,
          "add_to_physmap beyond guest-physical space: -EINVAL");
    xatp.gpfn = SHINFO_GFN;
    xatp.idx = 1;
    check(hypercall3(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&xatp, 0) == -22,
          "add_to_physmap of shared_info index 1: -EINVAL");
    xatp.idx = 0;
    xatp.domid = 5;
    check(hypercall3(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)&xatp, 0) == -1,
          "add_to_physmap into another domain: -EPERM");
    check(hypercall3(__HYPERVISOR_hvm_op, HVMOP_get_param, (uint64_t)&p, 0) == -22,
          "get_param of a parameter that does not exist: -EINVAL");
    p.index = HVM_PARAM_CALLBACK_IRQ;
    p.value = 5;                                /* GSI 5: not offered */
    check(hypercall3(__HYPERVISOR_hvm_op, HVMOP_set_param, (uint64_t)&p, 0) == -22,
          "callback by GSI: -EINVAL");
    p.domid = 7;
    check(hypercall3(__HYPERVISOR_hvm_op, HVMOP_get_param, (uint64_t)&p, 0) == -1,
          "get_param of another domain: -EPERM");
    check(hypercall3(__HYPERVISOR_hvm_op, 99, 0, 0) == -38, "unknown hvm_op: -ENOSYS");
}

static void run_basic(void)
{
    idt_set(13, gp_handler);
    idt_set(CALLBACK_VECTOR, callback_handler);
    idt_load(sizeof(idt) - 1);
    check_start_info();
    check_cpuid();
    check_hypercalls();
    check_msr_and_io();
    check_xsetbv();
    check_bad_arguments();
    check_events();
    verdict();
}

void verdict(void)
{
    if (failures)
        print("pvhtest: FAILURE: %u of %u checks failed\n", failures, checks);
    else
        print("pvhtest: SUCCESS: all %u checks passed\n", checks);
    poweroff();
}

static void run_spin(void)
{
    uint64_t tsc_start, now;
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    tsc_start = ((uint64_t)hi << 32) | lo;
    for (unsigned int i = 0; i < 20; i++) {
        for (volatile uint64_t n = 0; n < 2000000; n++)
            ;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        now = ((uint64_t)hi << 32) | lo;
        print("pvhtest: spin %u (tsc +%lu)\n", i, now - tsc_start);
    }
    print("pvhtest: SUCCESS: spun to the end\n");
    poweroff();
}

/* The end of RAM below 4 GiB, from the memory map. */
static uint64_t low_ram_top(void)
{
    const struct hvm_memmap_table_entry *m = (const void *)start_info->memmap_paddr;
    uint64_t top = 0;

    for (unsigned int i = 0; i < start_info->memmap_entries; i++)
        if (m[i].type == XEN_HVM_MEMMAP_TYPE_RAM && m[i].addr + m[i].size <= (1ULL << 32))
            top = MAX(top, m[i].addr + m[i].size);
    return top;
}

/* The first byte in [lo, hi) that is not zero, or 0. */
static uint64_t first_nonzero(uint64_t lo, uint64_t hi)
{
    for (uint64_t a = lo; a < hi; a += 8)
        if (*(volatile const uint64_t *)a)
            return a;
    return 0;
}

/*
 * The hypervisor filled free memory with 'Z' before building us, so our
 * RAM's frames held that: everything we have not written must read zero.
 * First a console write from a page never touched (the hypervisor reads it
 * for us: a leak would print Zs), then every byte directly.
 */
static void run_zero(void)
{
    extern char _end[];
    uint64_t top = low_ram_top(), start = ALIGN_UP((uint64_t)_end, 4096), bad;

    hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, 64, top - 4096);
    print("pvhtest: after the write from untouched memory\n");
    bad = first_nonzero(0x100000, 0x200000);
    if (!bad)
        bad = first_nonzero(start, top);
    if (bad)
        print("pvhtest: FAIL old data at %#lx: %#lx\n", bad, *(volatile uint64_t *)bad);
    else
        print("pvhtest: SUCCESS: %lu KiB of RAM read zero\n", (top - start + 0x100000) >> 10);
    poweroff();
}

static bool cmdline_has(const char *cmdline, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = cmdline; *p; p++)
        if ((p == cmdline || p[-1] == ' ') && !strncmp(p, word, n) && (p[n] == ' ' || !p[n]))
            return true;
    return false;
}

void pvh_main(uint32_t start_info_pa)
{
    const struct hvm_start_info *si = (const void *)(uint64_t)start_info_pa;
    const char *cmdline = si->cmdline_paddr ? (const char *)si->cmdline_paddr : "";

    print("pvhtest: started, start_info magic %#x, cmdline '%s'\n", si->magic, cmdline);
    if (si->magic != XEN_HVM_START_MAGIC_VALUE || si->version < 1 || !si->memmap_entries) {
        print("pvhtest: FAILURE: bad hvm_start_info\n");
        poweroff();
    }
    start_info = si;
    if (cmdline_has(cmdline, "npf")) {
        print("pvhtest: reading unbacked memory at 3 GiB + 1 MiB\n");
        print("pvhtest: read %#x (should not get here)\n", *(volatile uint32_t *)0xc0100000UL);
    } else if (cmdline_has(cmdline, "triple")) {
        print("pvhtest: triple fault (empty IDT, int3)\n");
        idt_load(0);
        __asm__ volatile("int3");
        print("pvhtest: survived a triple fault (should not get here)\n");
    } else if (cmdline_has(cmdline, "acpioff")) {
        print("pvhtest: ACPI power off (S5 through the sleep control register)\n");
        __asm__ volatile("outb %0, %1" :: "a"((uint8_t)((5 << 2) | 0x20)), "Nd"((uint16_t)0x600));
        print("pvhtest: still running after ACPI power off (should not get here)\n");
    } else if (cmdline_has(cmdline, "apic")) {
        run_apic();
    } else if (cmdline_has(cmdline, "apicbyte") || cmdline_has(cmdline, "apicinsn")) {
        run_apic_bad(cmdline_has(cmdline, "apicbyte"));
    } else if (cmdline_has(cmdline, "zero")) {
        run_zero();
    } else if (cmdline_has(cmdline, "spin")) {
        run_spin();
    } else {
        run_basic();
    }
    poweroff();
}
