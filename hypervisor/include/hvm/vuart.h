/*
 * Virtual 16550A UART at I/O port 0x3f8 (COM1), one per HVM domain: enough
 * for Linux's early printk (earlyprintk=serial, earlycon=uart8250), its
 * 8250 driver probe (scratch register, loopback test, FIFO identification)
 * and a polled console.
 *
 *   off  read (DLAB=0 / 1)    write (DLAB=0 / 1)
 *   0    RBR / DLL            THR / DLL
 *   1    IER / DLM            IER / DLM
 *   2    IIR                  FCR
 *   3    LCR                  LCR (bit 7: DLAB)
 *   4    MCR                  MCR (bit 4: loopback)
 *   5    LSR: THRE|TEMT always, DR when input is queued, OE after an overrun
 *   6    MSR: CTS|DSR|DCD (a connected line); in loopback the MCR outputs
 *   7    SCR                  SCR
 *
 * Transmission is instant: a THR byte goes straight to ops->output (the
 * owner feeds it to guest_console_put(), the domain's console line buffer,
 * which tags lines "(dN)"), or, in loopback, into the receive queue. Input for the domain
 * (keys routed to it) waits in a 64-byte queue. Interrupts follow the
 * 16550 rules (IER, IIR priorities, THRE cleared by reading IIR or writing
 * THR) and are visible as the IRQ line level (vuart_irq_level); a PVH guest
 * has no PIC or IOAPIC to take IRQ 4, so Linux polls.
 *
 * Portable (arch/x86/hvm/vuart.c), unit-tested; no locking inside (the
 * owner serialises I/O exits and input on the domain).
 */
#ifndef HVM_VUART_H
#define HVM_VUART_H

#include <sable/types.h>

#define VUART_PORT_BASE  0x3f8
#define VUART_NR_PORTS   8
#define VUART_RX_SIZE    64         /* input queue, a power of two */

struct vuart_ops {
    /* Transmitted bytes (usually one at a time). */
    void (*output)(void *ctx, const char *s, size_t len);
};

struct vuart {
    const struct vuart_ops *ops;
    void *ctx;
    uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
    uint8_t msr_last;           /* modem status at the last MSR read (delta bits) */
    bool thre_pending;          /* THRE interrupt not yet acknowledged */
    bool overrun;               /* LSR.OE until LSR is read */
    uint8_t rx[VUART_RX_SIZE];
    unsigned int rx_head, rx_tail;  /* free-running; head - tail bytes queued */
};

/* Power-on state (divisor 1 = 115200 baud, 8N1 not set, FIFOs off). */
void vuart_init(struct vuart *u, const struct vuart_ops *ops, void *ctx);

/* Register access by offset 0-7 from the base port. */
uint8_t vuart_read(struct vuart *u, unsigned int offset);
void vuart_write(struct vuart *u, unsigned int offset, uint8_t value);

/*
 * An I/O exit on port with size 1, 2 or 4: true if the port belongs to the
 * UART (then *value was read, or written). Wider accesses cover
 * consecutive registers, lowest byte first, as on an ISA bus.
 */
bool vuart_io(struct vuart *u, uint16_t port, unsigned int size, bool in, uint32_t *value);

/*
 * Queue input; returns how many bytes fit. The owner keeps the rest and
 * offers it again later (a full queue is not an overrun: the line is held).
 */
size_t vuart_receive(struct vuart *u, const char *s, size_t len);

/* Level of the interrupt output (IRQ 4): an interrupt is pending and OUT2 is set. */
bool vuart_irq_level(const struct vuart *u);

#endif /* HVM_VUART_H */
