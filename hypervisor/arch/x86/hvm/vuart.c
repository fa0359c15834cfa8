/*
 * Virtual 16550A UART (register map and scope in hvm/vuart.h).
 *
 * The model follows QEMU's serial device where Linux's 8250 driver looks:
 * the scratch register, the loopback test (MCR 0x1a must read back as
 * CTS|DCD in MSR), FIFO identification (IIR bits 7:6 = 11 once FCR enables
 * the FIFO, and no 64-byte FIFO, so "16550A"), and THRE re-asserted when
 * IER enables it while the transmitter is idle (else Linux marks the port
 * UART_BUG_THRE).
 */
#include <hvm/vuart.h>
#include <sable/lib.h>

/* Registers. */
enum { RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define IER_RDI     0x01        /* received data available */
#define IER_THRI    0x02        /* transmitter holding register empty */
#define IER_RLSI    0x04        /* receiver line status */
#define IER_MSI     0x08        /* modem status */
#define IER_MASK    0x0f

#define IIR_NO_INT  0x01
#define IIR_MSI     0x00
#define IIR_THRI    0x02
#define IIR_RDI     0x04
#define IIR_RLSI    0x06
#define IIR_FIFO    0xc0        /* FIFOs enabled (16550A) */

#define FCR_ENABLE  0x01
#define FCR_CLEAR_RX 0x02
#define FCR_KEPT    0xc9        /* enable, DMA mode, trigger level */

#define LCR_DLAB    0x80

#define MCR_DTR     0x01
#define MCR_RTS     0x02
#define MCR_OUT1    0x04
#define MCR_OUT2    0x08        /* gates the IRQ line on PCs */
#define MCR_LOOP    0x10
#define MCR_MASK    0x1f

#define LSR_DR      0x01
#define LSR_OE      0x02
#define LSR_THRE    0x20
#define LSR_TEMT    0x40

#define MSR_DCTS    0x01
#define MSR_DDSR    0x02
#define MSR_TERI    0x04
#define MSR_DDCD    0x08
#define MSR_CTS     0x10
#define MSR_DSR     0x20
#define MSR_RI      0x40
#define MSR_DCD     0x80
#define MSR_CONNECTED (MSR_DCD | MSR_DSR | MSR_CTS)

static unsigned int rx_count(const struct vuart *u)
{
    return u->rx_head - u->rx_tail;
}

static bool rx_put(struct vuart *u, uint8_t byte)
{
    if (rx_count(u) == VUART_RX_SIZE)
        return false;
    u->rx[u->rx_head++ % VUART_RX_SIZE] = byte;
    return true;
}

void vuart_init(struct vuart *u, const struct vuart_ops *ops, void *ctx)
{
    memset(u, 0, sizeof(*u));
    u->ops = ops;
    u->ctx = ctx;
    u->dll = 1;                         /* 115200 baud */
    u->msr_last = MSR_CONNECTED;
}

/* Modem status lines: a connected line, or in loopback the MCR outputs. */
static uint8_t modem_lines(const struct vuart *u)
{
    uint8_t m = u->mcr;

    if (!(m & MCR_LOOP))
        return MSR_CONNECTED;
    return ((m & MCR_RTS) ? MSR_CTS : 0) | ((m & MCR_DTR) ? MSR_DSR : 0) |
           ((m & MCR_OUT1) ? MSR_RI : 0) | ((m & MCR_OUT2) ? MSR_DCD : 0);
}

/* Delta bits since the last MSR read (trailing edge for RI). */
static uint8_t modem_deltas(const struct vuart *u)
{
    uint8_t now = modem_lines(u), changed = now ^ u->msr_last;

    return ((changed & MSR_CTS) ? MSR_DCTS : 0) | ((changed & MSR_DSR) ? MSR_DDSR : 0) |
           ((changed & MSR_DCD) ? MSR_DDCD : 0) |
           ((u->msr_last & MSR_RI) && !(now & MSR_RI) ? MSR_TERI : 0);
}

/* The highest-priority pending interrupt (IIR bits 3:0), no side effects. */
static uint8_t iir_id(const struct vuart *u)
{
    if ((u->ier & IER_RLSI) && u->overrun)
        return IIR_RLSI;
    if ((u->ier & IER_RDI) && rx_count(u))
        return IIR_RDI;
    if ((u->ier & IER_THRI) && u->thre_pending)
        return IIR_THRI;
    if ((u->ier & IER_MSI) && modem_deltas(u))
        return IIR_MSI;
    return IIR_NO_INT;
}

bool vuart_irq_level(const struct vuart *u)
{
    return (u->mcr & MCR_OUT2) && iir_id(u) != IIR_NO_INT;
}

static uint8_t read_iir(struct vuart *u)
{
    uint8_t id = iir_id(u);

    if (id == IIR_THRI)
        u->thre_pending = false;        /* reading IIR acknowledges THRE */
    return id | ((u->fcr & FCR_ENABLE) ? IIR_FIFO : 0);
}

static uint8_t read_rbr(struct vuart *u)
{
    return rx_count(u) ? u->rx[u->rx_tail++ % VUART_RX_SIZE] : 0;
}

static uint8_t read_lsr(struct vuart *u)
{
    uint8_t lsr = LSR_THRE | LSR_TEMT | (rx_count(u) ? LSR_DR : 0) | (u->overrun ? LSR_OE : 0);

    u->overrun = false;
    return lsr;
}

static uint8_t read_msr(struct vuart *u)
{
    uint8_t msr = modem_lines(u) | modem_deltas(u);

    u->msr_last = modem_lines(u);
    return msr;
}

uint8_t vuart_read(struct vuart *u, unsigned int offset)
{
    bool dlab = u->lcr & LCR_DLAB;

    switch (offset) {
    case RBR_THR: return dlab ? u->dll : read_rbr(u);
    case IER: return dlab ? u->dlm : u->ier;
    case IIR_FCR: return read_iir(u);
    case LCR: return u->lcr;
    case MCR: return u->mcr;
    case LSR: return read_lsr(u);
    case MSR: return read_msr(u);
    case SCR: return u->scr;
    default: return 0xff;
    }
}

/* A byte to send: out of the UART at once, or back in through loopback. */
static void write_thr(struct vuart *u, uint8_t byte)
{
    if (u->mcr & MCR_LOOP) {
        if (!rx_put(u, byte))
            u->overrun = true;
    } else {
        char c = (char)byte;
        u->ops->output(u->ctx, &c, 1);
    }
    u->thre_pending = true;             /* the holding register is empty again */
}

static void write_ier(struct vuart *u, uint8_t val)
{
    uint8_t enabled = (val & IER_MASK) & ~u->ier;

    u->ier = val & IER_MASK;
    if (enabled & IER_THRI)
        u->thre_pending = true;         /* idle transmitter: THRE asserts */
}

static void write_fcr(struct vuart *u, uint8_t val)
{
    if (val & FCR_CLEAR_RX)
        u->rx_tail = u->rx_head;
    u->fcr = val & FCR_KEPT;
}

void vuart_write(struct vuart *u, unsigned int offset, uint8_t value)
{
    bool dlab = u->lcr & LCR_DLAB;

    switch (offset) {
    case RBR_THR:
        if (dlab)
            u->dll = value;
        else
            write_thr(u, value);
        break;
    case IER:
        if (dlab)
            u->dlm = value;
        else
            write_ier(u, value);
        break;
    case IIR_FCR: write_fcr(u, value); break;
    case LCR: u->lcr = value; break;
    case MCR: u->mcr = value & MCR_MASK; break;
    case SCR: u->scr = value; break;
    default: break;                     /* LSR, MSR: read-only */
    }
}

bool vuart_io(struct vuart *u, uint16_t port, unsigned int size, bool in, uint32_t *value)
{
    if (port < VUART_PORT_BASE || port >= VUART_PORT_BASE + VUART_NR_PORTS)
        return false;
    if (in)
        *value = 0;
    for (unsigned int i = 0; i < size && i < 4; i++) {
        unsigned int off = port - VUART_PORT_BASE + i;
        if (in)
            *value |= (uint32_t)(off < VUART_NR_PORTS ? vuart_read(u, off) : 0xff) << (8 * i);
        else if (off < VUART_NR_PORTS)
            vuart_write(u, off, (uint8_t)(*value >> (8 * i)));
    }
    return true;
}

size_t vuart_receive(struct vuart *u, const char *s, size_t len)
{
    size_t n = 0;

    while (n < len && rx_put(u, (uint8_t)s[n]))
        n++;
    return n;
}
