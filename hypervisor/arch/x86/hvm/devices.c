/*
 * The 16550 UART at 0x3f8 of an HVM domain (the model is hvm/vuart.c):
 * what the guest transmits goes to the domain's console line buffer, so it
 * appears tagged (dN) like its other console output. One per domain,
 * behind the domain's UART lock (I/O exits of several vCPUs).
 */
#include <sable/domain.h>
#include <sable/lib.h>
#include <asm/hvm.h>

static void vuart_output(void *ctx, const char *s, size_t len)
{
    guest_console_put(ctx, s, len);
}

static const struct vuart_ops hvm_vuart_ops = { .output = vuart_output };

void hvm_vuart_init(struct domain *d)
{
    struct hvm_domain *h = hvm_domain(d);

    h->uart_lock = (spinlock_t)SPINLOCK_INIT;
    vuart_init(&h->uart, &hvm_vuart_ops, d);
}

bool hvm_vuart_io(struct vcpu *v, unsigned int port, unsigned int size, bool in, uint32_t *val)
{
    struct hvm_domain *h = hvm_domain(v->domain);
    unsigned long flags;
    bool mine;

    if (port < VUART_PORT_BASE || port >= VUART_PORT_BASE + VUART_NR_PORTS)
        return false;
    flags = spin_lock_irqsave(&h->uart_lock);
    mine = vuart_io(&h->uart, (uint16_t)port, size, in, val);
    spin_unlock_irqrestore(&h->uart_lock, flags);
    return mine;
}
