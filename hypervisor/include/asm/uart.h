/* 16550 UART, polled. */
#ifndef ASM_UART_H
#define ASM_UART_H

#include <sable/types.h>

struct uart_config {
    uint16_t port;      /* I/O base, 0 = no serial console */
    uint32_t baud;      /* 0 = keep what the firmware programmed */
};

void uart_init(const struct uart_config *cfg);
void uart_putc(char c);
/* n bytes, a transmit FIFO at a time. */
void uart_write(const char *s, size_t n);
/* Is there a serial port (console= found one)? Its I/O base (0: none). */
bool uart_present(void);
uint16_t uart_io_base(void);
/* Next received byte, or -1 if none is waiting. */
int uart_getc(void);

#endif
