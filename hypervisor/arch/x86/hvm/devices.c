/*
 * The emulated devices an HVM guest reaches by exits, as far as a PVH
 * Linux needs them before its Xen drivers take over:
 *
 *  - the local APIC in x2APIC mode (MSRs 0x800-0x8ff): a register file with
 *    the read-only identity registers computed from the vCPU id. Timer and
 *    interrupts go through Xen's event channels, so nothing here raises an
 *    interrupt yet; INIT/SIPI for secondary vCPUs comes with SMP.
 *  - a 16550 UART at 0x3f8 that prints what the guest writes on the
 *    domain's console (tagged (dN)) and reports an empty receiver.
 *
 * The portable models under hvm/ (vlapic, vuart) replace these as they land.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <asm/hvm.h>

#define X2APIC_ID     0x802
#define X2APIC_VER    0x803
#define X2APIC_LDR    0x80d
#define X2APIC_EOI    0x80b
#define X2APIC_ICR    0x830

static uint64_t x2apic_computed(struct vcpu *v, uint32_t msr, bool *is_ro)
{
    uint32_t id = v->vcpu_id;

    *is_ro = true;
    switch (msr) {
    case X2APIC_ID:  return id;
    case X2APIC_VER: return 0x50014;                   /* version 0x14, 6 LVT entries */
    case X2APIC_LDR: return ((id >> 4) << 16) | (1U << (id & 0xf));
    default:
        *is_ro = false;
        return 0;
    }
}

static uint64_t *x2apic_reg(struct vcpu *v, uint32_t msr)
{
    return &hvm_vcpu(v)->x2apic_regs[msr & (HVM_X2APIC_REGS - 1)];
}

int hvm_x2apic_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    bool ro;
    uint64_t c = x2apic_computed(v, msr, &ro);

    if (!(hvm_vcpu(v)->x2apic_base & (1ULL << 10)) || msr >= 0x800 + HVM_X2APIC_REGS)
        return -EINVAL;                         /* x2APIC mode is off, or no such register: #GP */
    *val = ro ? c : *x2apic_reg(v, msr);
    if (msr == 0x80f && !ro && *val == 0)
        *val = 0xff;                            /* SVR after reset */
    return 0;
}

int hvm_x2apic_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    bool ro;

    if (!(hvm_vcpu(v)->x2apic_base & (1ULL << 10)) || msr >= 0x800 + HVM_X2APIC_REGS)
        return -EINVAL;
    x2apic_computed(v, msr, &ro);
    if (ro)
        return -EINVAL;
    if (msr != X2APIC_EOI)
        *x2apic_reg(v, msr) = val;
    return 0;
}

/* ---- 16550 UART at 0x3f8 (COM1) ---- */

#define UART_BASE 0x3f8
#define UART_THR  0
#define UART_LSR  5
#define UART_SCR  7

bool hvm_vuart_io(struct vcpu *v, unsigned int port, unsigned int size, bool in, uint32_t *val)
{
    char ch;

    if (port < UART_BASE || port > UART_BASE + 7 || size != 1)
        return false;
    switch (port - UART_BASE) {
    case UART_THR:
        if (in) {
            *val = 0;
        } else {
            ch = (char)*val;
            guest_console_put(v->domain, &ch, 1);
        }
        return true;
    case UART_LSR:
        if (in)
            *val = 0x60;                        /* transmitter empty, nothing received */
        return true;
    case UART_SCR:
        if (in)
            *val = hvm_vcpu(v)->uart_scratch;
        else
            hvm_vcpu(v)->uart_scratch = (uint8_t)*val;
        return true;
    default:
        if (in)
            *val = 0;
        return true;
    }
}
