/*
 * 16550 UART driver (polled output). Register offsets and bits follow the
 * National Semiconductor PC16550D data sheet.
 */
#include <sable/lib.h>
#include <asm/io.h>
#include <asm/uart.h>

#define UART_THR 0      /* transmit holding (write) */
#define UART_RBR 0      /* receive buffer (read) */
#define UART_DLL 0      /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1      /* divisor latch high (DLAB=1) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define LSR_DR   0x01   /* data ready */
#define LSR_THRE 0x20   /* transmit holding register empty */
#define LCR_DLAB 0x80
#define UART_CLOCK 115200
#define UART_FIFO  16     /* transmit FIFO of a 16550A */

static uint16_t uart_port;

/* A UART is present when its scratch register holds what we write. */
static bool uart_probe(uint16_t port)
{
    outb(port + UART_SCR, 0x5a);
    if (inb(port + UART_SCR) != 0x5a)
        return false;
    outb(port + UART_SCR, 0xa5);
    return inb(port + UART_SCR) == 0xa5;
}

void uart_init(const struct uart_config *cfg)
{
    uint16_t port = cfg->port;

    uart_port = 0;
    if (!port || !uart_probe(port))
        return;
    outb(port + UART_IER, 0);                       /* polled: no interrupts */
    if (cfg->baud) {
        uint16_t div = UART_CLOCK / cfg->baud;
        outb(port + UART_LCR, LCR_DLAB);
        outb(port + UART_DLL, div & 0xff);
        outb(port + UART_DLM, div >> 8);
    }
    outb(port + UART_LCR, 0x03);                    /* 8N1, DLAB off */
    outb(port + UART_FCR, 0x07);                    /* FIFOs on and cleared */
    outb(port + UART_MCR, 0x03);                    /* DTR, RTS */
    uart_port = port;
}

void uart_putc(char c)
{
    unsigned int spins = 0;

    if (!uart_port)
        return;
    /* Bounded wait: a wedged UART must not hang the hypervisor. */
    while (!(inb(uart_port + UART_LSR) & LSR_THRE) && ++spins < 100000)
        ;
    outb(uart_port + UART_THR, c);
}

/*
 * Up to a FIFO's worth per wait: with the FIFOs on, THRE means the transmit
 * FIFO is empty, so 16 bytes go without looking again.
 */
void uart_write(const char *s, size_t n)
{
    while (uart_port && n) {
        size_t k = MIN(n, (size_t)UART_FIFO);
        unsigned int spins = 0;

        while (!(inb(uart_port + UART_LSR) & LSR_THRE) && ++spins < 100000)
            ;
        for (size_t i = 0; i < k; i++)
            outb(uart_port + UART_THR, s[i]);
        s += k;
        n -= k;
    }
}

bool uart_present(void)
{
    return uart_port != 0;
}

uint16_t uart_io_base(void)
{
    return uart_port;
}

int uart_getc(void)
{
    if (!uart_port || !(inb(uart_port + UART_LSR) & LSR_DR))
        return -1;
    return inb(uart_port + UART_RBR);
}
