/*
 * physdev_op for PV guests, the I/O-privilege part (set_iopl, set_iobitmap),
 * and the emulation of their port I/O and CLI/STI (asm/pv_io.h). Semantics
 * as Xen's xen/arch/x86/physdev.c and pv/emul-priv-op.c:
 *
 *   - set_iopl / set_iobitmap are accepted from any PV guest (Linux calls
 *     set_iopl(1) in every PV kernel and only logs a failure); they record
 *     what the guest's own kernel allows, not what it gets;
 *   - an IN/OUT the guest's virtual IOPL (>= 1 in guest kernel mode, 3 in
 *     user mode) or bitmap allows is emulated; one it does not allow is the
 *     guest's #GP;
 *   - the device is reached only by the privileged domain, and never for
 *     ports the hypervisor drives itself (its serial console, the PICs,
 *     PIT, CMOS/RTC, ELCR, QEMU's debug ports); otherwise reads return all
 *     ones and writes are dropped;
 *   - CLI and STI with a sufficient virtual IOPL do nothing (Xen's choice:
 *     the event mask is the guest's interrupt flag), else #GP.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <asm/io.h>
#include <asm/pv.h>
#include <asm/pv_io.h>
#include <asm/uart.h>
#include <public/physdev.h>

/* Ports the hypervisor owns, [first, last]: never the guests', dom0 included. */
static const struct { uint16_t first, last; } hypervisor_ports[] = {
    { 0x20, 0x21 }, { 0xa0, 0xa1 },         /* PICs (masked for good) */
    { 0x40, 0x43 },                         /* PIT (calibration) */
    { 0x70, 0x71 },                         /* CMOS / RTC (wall clock) */
    { 0x4d0, 0x4d1 },                       /* ELCR */
    { 0xe9, 0xe9 },                         /* QEMU/Bochs debug console */
    { 0xf4, 0xf7 },                         /* QEMU isa-debug-exit */
};

static bool ranges_overlap(unsigned int a0, unsigned int a1, unsigned int b0, unsigned int b1)
{
    return a0 <= b1 && b0 <= a1;
}

/* May d's access reach the device? (Xen's admin_io_okay.) */
static bool io_admin_ok(const struct domain *d, unsigned int port, unsigned int bytes)
{
    unsigned int last = port + bytes - 1;
    uint16_t uart = uart_io_base();

    if (!d->is_privileged || last > 0xffff)
        return false;
    if (uart && ranges_overlap(port, last, uart, uart + 7))
        return false;
    for (unsigned int i = 0; i < ARRAY_SIZE(hypervisor_ports); i++)
        if (ranges_overlap(port, last, hypervisor_ports[i].first, hypervisor_ports[i].last))
            return false;
    return true;
}

/* The guest's virtual IOPL covers the mode it is in (Xen's iopl_ok). */
static bool io_iopl_ok(const struct pv_vcpu *pv)
{
    return pv->iopl >= (pv->kernel_mode ? 1 : 3);
}

/*
 * Does the guest's own kernel allow this access? Its IOPL, else its I/O
 * bitmap, read from guest memory (through the kernel's page tables, as Xen
 * does; unreadable bytes count as all ones: denied).
 */
static bool io_guest_ok(struct vcpu *v, unsigned int port, unsigned int bytes)
{
    struct pv_vcpu *pv = pv_vcpu(v);
    uint8_t b[2] = { 0xff, 0xff };
    bool user = !pv->kernel_mode;

    if (io_iopl_ok(pv))
        return true;
    if (port + bytes > pv->iobmp_limit)
        return false;
    if (user)
        pv_toggle_mode(v);
    if (copy_from_guest(&b[0], pv->iobmp + port / 8, 1) == 0 &&
        copy_from_guest(&b[1], pv->iobmp + port / 8 + 1, 1) != 0)
        b[1] = 0xff;
    if (user)
        pv_toggle_mode(v);
    return pv_iobitmap_allows(b[0] | (uint16_t)b[1] << 8, port, bytes);
}

static uint32_t io_read(unsigned int port, unsigned int bytes)
{
    switch (bytes) {
    case 1: return inb(port);
    case 2: return inw(port);
    default: return inl(port);
    }
}

static void io_write(unsigned int port, unsigned int bytes, uint32_t value)
{
    switch (bytes) {
    case 1: outb(port, value); break;
    case 2: outw(port, value); break;
    default: outl(port, value); break;
    }
}

/* Complete an allowed IN/OUT: the device for an administrator-allowed port, else ~0 / dropped. */
static void io_emulate(struct vcpu *v, struct cpu_regs *regs, const struct pv_io_insn *io,
                       unsigned int port)
{
    uint64_t mask = io->bytes == 4 ? 0xffffffffUL : (1UL << (io->bytes * 8)) - 1;
    bool real = io_admin_ok(v->domain, port, io->bytes);

    if (io->in) {
        uint32_t value = real ? io_read(port, io->bytes) : 0xffffffffU;
        /* AL / AX keep the rest of RAX; EAX zero-extends, as on the CPU. */
        regs->rax = io->bytes == 4 ? value : (regs->rax & ~mask) | (value & mask);
    } else if (real) {
        io_write(port, io->bytes, regs->rax & mask);
    }
    regs->rip += io->len;
}

bool pv_emulate_privileged(struct vcpu *v, struct cpu_regs *regs)
{
    uint8_t code[IO_INSN_MAX];
    struct pv_io_insn io;
    size_t n = sizeof(code);
    unsigned int port;

    if (regs->error_code != 0)
        return false;
    /* The instruction may end just before an unmapped page: take what reads. */
    while (n && copy_from_guest(code, regs->rip, n))
        n--;
    if (n && (code[0] == 0xfa || code[0] == 0xfb)) {        /* CLI, STI */
        if (!io_iopl_ok(pv_vcpu(v)))
            return false;
        regs->rip += 1;
        return true;
    }
    if (!pv_io_decode(code, n, &io))
        return false;
    port = io.port_in_dx ? (uint16_t)regs->rdx : io.imm_port;
    if (!io_guest_ok(v, port, io.bytes))
        return false;
    io_emulate(v, regs, &io, port);
    return true;
}

/* PHYSDEVOP_set_iopl: the guest kernel's virtual IOPL, 0..3. */
static long physdev_set_iopl(uint64_t arg)
{
    struct physdev_set_iopl op;

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -EFAULT;
    if (op.iopl > 3)
        return -EINVAL;
    pv_vcpu(current)->iopl = op.iopl;
    return 0;
}

/* PHYSDEVOP_set_iobitmap: a bitmap in guest memory for the first nr_ports ports. */
static long physdev_set_iobitmap(uint64_t arg)
{
    struct physdev_set_iobitmap op;
    struct pv_vcpu *pv = pv_vcpu(current);

    if (copy_from_guest(&op, arg, sizeof(op)))
        return -EFAULT;
    /* As Xen: the whole 8 KiB must lie in guest space, whatever nr_ports. */
    if (!guest_range_ok(op.bitmap, IOBMP_BYTES) || op.nr_ports > 65536)
        return -EINVAL;
    pv->iobmp = op.bitmap;
    pv->iobmp_limit = op.nr_ports;
    return 0;
}

long do_physdev_op(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    switch (cmd) {
    case PHYSDEVOP_set_iopl:
        return physdev_set_iopl(arg);
    case PHYSDEVOP_set_iobitmap:
        return physdev_set_iobitmap(arg);
    default:
        return -ENOSYS;         /* interrupts and PCI: dom0's milestone */
    }
}
