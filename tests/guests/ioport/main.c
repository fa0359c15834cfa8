/*
 * ioport: port I/O of a PV kernel (physdev_op set_iopl / set_iobitmap and
 * the hypervisor's emulation of IN/OUT and CLI/STI), as on Xen. Without a
 * virtual IOPL or bitmap every IN/OUT and CLI/STI is a #GP; with one the
 * access completes, but only the privileged domain reaches devices, and
 * nobody reaches the hypervisor's own (its serial port): reads give all
 * ones, writes are dropped. Run it as dom0 (`dom0` on Sable's command line,
 * first module) and as a domU: the same checks, privilege-dependent
 * answers.
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/traps.h>

#define PORT_POST        0x80           /* POST diagnostics: harmless to write */
#define PORT_COM1_LSR    0x3fd          /* Sable's console UART: the hypervisor's */
#define PORT_PCI_ADDR    0xcf8
#define PORT_PCI_DATA    0xcfc
#define HYPERVISOR_DIRECTMAP 0xffff830000000000UL

const char test_title[] = "ioport: PV port I/O, I/O privilege and bitmaps";

static uint8_t iobitmap[8192] __aligned(4096);

static long set_iopl(uint32_t iopl)
{
    struct physdev_set_iopl op = { .iopl = iopl };

    return hypercall_physdev_op(PHYSDEVOP_set_iopl, &op);
}

static long set_iobitmap(uint64_t bitmap, uint32_t nr_ports)
{
    struct physdev_set_iobitmap op = { .bitmap = bitmap, .nr_ports = nr_ports };

    return hypercall_physdev_op(PHYSDEVOP_set_iobitmap, &op);
}

/* Run one I/O instruction (or CLI/STI): the vector it faulted with, or -1. */
#define IO_TRY(insn, ...) ({                                                  \
    trap_reset();                                                             \
    __asm__ volatile(TRY_INSN(insn) __VA_ARGS__);                             \
    trap_last.count ? (int)trap_last.vector : -1;                             \
})

static int outb_80(void) { return IO_TRY("outb %%al, $0x80", :: "a"(0x55) : "memory"); }
static int outb_81(void) { return IO_TRY("outb %%al, $0x81", :: "a"(0x55) : "memory"); }
static int outw_7f(void) { return IO_TRY("outw %%ax, %%dx", :: "a"(0x55), "d"(0x7f) : "memory"); }
static int cli_sti(void)
{
    int v = IO_TRY("cli", ::: "memory");
    return v >= 0 ? v : IO_TRY("sti", ::: "memory");
}

static void check_errors(void)
{
    CHECK_RC("physdev-iopl-too-big", set_iopl(4), -XEN_EINVAL);
    CHECK_RC("physdev-iopl-null", hypercall_physdev_op(PHYSDEVOP_set_iopl, NULL), -XEN_EFAULT);
    CHECK_RC("physdev-iobitmap-hypervisor", set_iobitmap(HYPERVISOR_DIRECTMAP, 16),
             -XEN_EINVAL);
    CHECK_RC("physdev-iobitmap-too-many", set_iobitmap((uintptr_t)iobitmap, 65537),
             -XEN_EINVAL);
    CHECK_RC("physdev-unknown-op", hypercall_physdev_op(999, NULL), -XEN_ENOSYS);
}

static void check_no_privilege(void)
{
    check("io-no-iopl-gp", outb_80() == TRAP_GP, "vector %d (want #GP)", outb_80());
    check("cli-no-iopl-gp", cli_sti() == TRAP_GP, "vector %d (want #GP)", cli_sti());
}

/* With IOPL 1 (the guest kernel's ring): IN/OUT complete, CLI/STI do nothing. */
static void check_iopl(bool privileged)
{
    uint64_t rax;
    uint32_t pci;

    CHECK_RC("physdev-set-iopl", set_iopl(1), 0);
    check("io-iopl-out", outb_80() == -1, "vector %d (want none)", outb_80());
    check("cli-sti-iopl-noop", cli_sti() == -1, "vector %d (want none)", cli_sti());
    /* The hypervisor's UART: all ones for anyone; AL only, the rest of RAX kept. */
    rax = 0x1122334455667700UL;
    trap_reset();
    __asm__ volatile(TRY_INSN("inb %%dx, %%al") : "+a"(rax) : "d"(PORT_COM1_LSR) : "memory");
    check("io-hypervisor-port-all-ones", trap_last.count == 0 && rax == 0x11223344556677ffUL,
          "rax %#lx, %u faults", rax, trap_last.count);
    rax = 0x1122334455667700UL;
    __asm__ volatile("inl %%dx, %%eax" : "+a"(rax) : "d"(PORT_COM1_LSR) : "memory");
    check("io-inl-zero-extends", rax == 0xffffffffUL, "rax %#lx", rax);
    /* PCI configuration space: the host bridge's vendor for dom0, nothing for others. */
    __asm__ volatile("outl %%eax, %%dx" :: "a"(0x80000000U), "d"(PORT_PCI_ADDR) : "memory");
    __asm__ volatile("inl %%dx, %%eax" : "=a"(pci) : "d"(PORT_PCI_DATA) : "memory");
    __asm__ volatile("outl %%eax, %%dx" :: "a"(0), "d"(PORT_PCI_ADDR) : "memory");
    if (privileged)
        check("io-dom0-reaches-pci", (pci & 0xffff) == 0x8086,
              "host bridge id %#x (want vendor 0x8086, QEMU's)", pci);
    else
        check("io-domu-pci-all-ones", pci == 0xffffffffU, "read %#x", pci);
    CHECK_RC("physdev-iopl-off", set_iopl(0), 0);
    check("io-iopl-off-gp", outb_80() == TRAP_GP, "vector %d (want #GP)", outb_80());
}

/* A bitmap allowing port 0x80 alone, covering ports 0..0x3ff. */
static void check_bitmap(void)
{
    memset(iobitmap, 0xff, sizeof(iobitmap));
    iobitmap[PORT_POST / 8] &= ~(1 << (PORT_POST % 8));
    CHECK_RC("physdev-set-iobitmap", set_iobitmap((uintptr_t)iobitmap, 0x400), 0);
    check("iobitmap-allowed", outb_80() == -1, "vector %d (want none)", outb_80());
    check("iobitmap-denied", outb_81() == TRAP_GP, "vector %d (want #GP)", outb_81());
    check("iobitmap-straddle-denied", outw_7f() == TRAP_GP, "vector %d (want #GP)", outw_7f());
    check("iobitmap-not-cli", cli_sti() == TRAP_GP, "vector %d (want #GP)", cli_sti());
    /* Beyond nr_ports nothing is allowed, whatever the bits. */
    CHECK_RC("physdev-iobitmap-short", set_iobitmap((uintptr_t)iobitmap, PORT_POST), 0);
    check("iobitmap-beyond-limit", outb_80() == TRAP_GP, "vector %d (want #GP)", outb_80());
    CHECK_RC("physdev-iobitmap-off", set_iobitmap(0, 0), 0);
}

void test_main(void)
{
    bool privileged = start_info->flags & SIF_PRIVILEGED;

    printf("ioport: running as a%s domain\n", privileged ? " privileged" : "n unprivileged");
    check_errors();
    check_no_privilege();
    check_iopl(privileged);
    check_bitmap();
    check_no_privilege();
}
