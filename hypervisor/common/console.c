/*
 * Console and log. Each printk line is stamped with the system time and
 * the CPU, kept in a ring buffer (the whole log, whatever the level) and
 * written to the serial port and QEMU's debug port when its level is at or
 * below `loglvl=` (default: info).
 *
 * Serial input is polled from a timer on the boot CPU every
 * `serial_rx_poll=` ms (Sable has no IO-APIC driver for the UART's
 * interrupt; a poll is one port read) and goes to console_input_chars().
 */
#include <sable/cmdline.h>
#include <sable/console.h>
#include <sable/errno.h>
#include <sable/guest_console.h>
#include <sable/lib.h>
#include <sable/spinlock.h>
#include <sable/time.h>
#include <sable/timer.h>
#include <asm/io.h>
#include <asm/percpu.h>
#include <asm/uart.h>

#define DEBUGCON_PORT 0xe9

static char log_ring[LOG_RING_SIZE];
static uint64_t log_head;               /* total bytes ever written */
static spinlock_t console_lock = SPINLOCK_INIT;
static volatile bool in_panic;
static bool at_line_start = true;

static uint64_t console_level = LOG_INFO;
integer_param("loglvl", console_level, LOG_ERR, LOG_DEBUG);

static bool debugcon = true;
boolean_param("debugcon", debugcon);

static struct uart_config uart_cfg = { .port = 0x3f8, .baud = 0 };

/* console=com1|com2|none|<port>[,<baud>] */
static int parse_console(const char *val)
{
    char port[16];
    const char *comma = strchr(val, ',');
    size_t len = comma ? (size_t)(comma - val) : strlen(val);
    uint64_t p = 0, baud = 0;

    if (len == 0 || len >= sizeof(port))
        return -EINVAL;
    memcpy(port, val, len);
    port[len] = '\0';
    if (!strcmp(port, "com1"))
        p = 0x3f8;
    else if (!strcmp(port, "com2"))
        p = 0x2f8;
    else if (!strcmp(port, "none"))
        p = 0;
    else if (parse_uint(port, &p, false) || p == 0 || p > 0xfff8)
        return -EINVAL;
    if (comma && (parse_uint(comma + 1, &baud, false) || baud < 50 || baud > 115200 ||
                  115200 % baud))
        return -EINVAL;
    uart_cfg.port = p;
    uart_cfg.baud = baud;
    return 0;
}
custom_param("console", parse_console);

void console_init(void)
{
    uart_init(&uart_cfg);
}

#define RX_POLL_MAX 256                 /* bytes taken per poll */

static uint64_t opt_rx_poll_ms = 20;
integer_param("serial_rx_poll", opt_rx_poll_ms, 0, 1000);
static struct timer rx_timer;

static void console_rx_poll(void *unused)
{
    char buf[RX_POLL_MAX];
    size_t n = 0;
    int c;

    while (n < sizeof(buf) && (c = uart_getc()) >= 0)
        buf[n++] = (char)c;
    if (n)
        console_input_chars(buf, n);
    timer_set(&rx_timer, now_ns() + opt_rx_poll_ms * 1000000ULL);
}

void console_rx_start(void)
{
    if (!uart_present() || !opt_rx_poll_ms || rx_timer.fn)
        return;
    timer_init(&rx_timer, console_rx_poll, NULL, smp_processor_id());
    timer_set(&rx_timer, now_ns() + opt_rx_poll_ms * 1000000ULL);
    console_input_announce();
}

/* Every byte goes to the ring; visible ones also to the devices. */
static void emit_char_to(char c, bool visible)
{
    log_ring[log_head++ % LOG_RING_SIZE] = c;
    if (!visible)
        return;
    if (c == '\n')
        uart_putc('\r');
    uart_putc(c);
    if (debugcon)
        outb(DEBUGCON_PORT, c);
}

static void emit_char(char c)
{
    emit_char_to(c, true);
}

void console_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        emit_char(s[i]);
}

static void console_vprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

void console_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    console_vprintf(fmt, ap);
    va_end(ap);
}

/* Stamp each new line with "[seconds.micros] cpuN " */
static void emit_prefix(bool visible)
{
    uint64_t ns = now_ns();
    char pre[40];
    int n = snprintf(pre, sizeof(pre), "[%5lu.%06lu] ", ns / 1000000000UL,
                     (ns / 1000UL) % 1000000UL);
    for (int i = 0; i < n; i++)
        emit_char_to(pre[i], visible);
}

void printk_level(enum log_level lvl, const char *fmt, ...)
{
    char buf[512];
    unsigned long flags;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    n = MIN((size_t)n, sizeof(buf) - 1);

    if (in_panic)
        flags = irq_save();
    else
        flags = spin_lock_irqsave(&console_lock);
    for (int i = 0; i < n; i++) {
        bool visible = (uint64_t)lvl <= console_level;
        if (at_line_start)
            emit_prefix(visible);
        emit_char_to(buf[i], visible);
        at_line_start = buf[i] == '\n';
    }
    if (in_panic)
        irq_restore(flags);
    else
        spin_unlock_irqrestore(&console_lock, flags);
}

/*
 * From here on the panicking CPU writes without the lock: the lock holder
 * may be the CPU that is dying.
 */
void console_panic_begin(void)
{
    local_irq_disable();
    in_panic = true;
}

size_t log_ring_read(char *buf, size_t len)
{
    uint64_t avail = MIN(log_head, (uint64_t)LOG_RING_SIZE);
    uint64_t start;

    len = MIN(len, avail);
    start = log_head - len;
    for (size_t i = 0; i < len; i++)
        buf[i] = log_ring[(start + i) % LOG_RING_SIZE];
    return len;
}
