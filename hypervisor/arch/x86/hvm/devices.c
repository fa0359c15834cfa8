/*
 * A 16550 UART at 0x3f8 for an HVM guest's early output: what the guest
 * writes appears on the domain's console (tagged (dN)); the receiver is
 * always empty. A stand-in until the portable model (hvm/vuart.c) lands.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <asm/hvm.h>

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
