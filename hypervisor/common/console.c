/*
 * Console and log. Each printk line is stamped with the system time and
 * kept in a ring buffer (the whole log, whatever the level); lines at or
 * below `loglvl=` (default: info) also go to the serial port and QEMU's
 * debug port.
 *
 * Output is asynchronous, like Xen's serial transmit buffer: printk puts its
 * bytes into tx_ring under console_lock (a short copy), and then whichever
 * CPU finds the transmitter free sends the ring to the UART, with the lock
 * released and interrupts as its caller had them. Printing CPUs therefore
 * never queue behind a slow UART with interrupts off: with several domains
 * printing at once on a loaded host, that queue (FIFO ticket handoffs to
 * vCPU threads the host had descheduled) held CPUs for tens of ms per line
 * and made guest timers on them fire hundreds of ms late. One send is
 * bounded (less with interrupts off); what it leaves goes out on the next
 * printk or from tx_timer. When the machine stops, console_flush() sends
 * everything; a panic writes straight to the devices.
 *
 * Guests' output (common/console_io.c) shares the terminal's lines: the
 * console knows whose line is open (line_owner), so a line is ended before
 * someone else's text starts, and every line starts with its timestamp and,
 * for a guest, its `(dN) ` tag.
 *
 * Serial input is polled from a timer on the boot CPU every
 * `serial_rx_poll=` ms (Sable has no IO-APIC driver for the UART's
 * interrupt; a poll is one port read) and goes to console_input_chars();
 * the same timer shows guests' partial lines that have gone quiet
 * (guest_console_tick()).
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

#define TX_RING_SIZE       (256 * 1024) /* power of two */
#define TX_CHUNK           64           /* bytes copied out of the ring at a time */
#define TX_BUDGET_IRQS_ON  (16 * 1024)  /* bytes one send may write, interrupts on */
#define TX_BUDGET_IRQS_OFF 512          /* ... interrupts off (about a millisecond) */
#define TX_RETRY_NS        1000000      /* tx_timer: when to go on with what is left */

#define LINE_START (-1)                 /* line_owner: at the start of a line */
#define LINE_SABLE (-2)                 /* in one of Sable's own lines */

static char log_ring[LOG_RING_SIZE];
static uint64_t log_head;               /* total bytes ever written */
static spinlock_t console_lock = SPINLOCK_INIT;
static volatile bool in_panic;

/* Guarded by console_lock: */
static int line_owner = LINE_START;     /* or the id of the domain whose line is open */
static bool line_visible;               /* the open line goes to the devices */
static uint64_t tx_head;                /* bytes ever queued (read by the sender) */
static uint64_t tx_dropped;             /* bytes that found tx_ring full, not yet reported */

static char tx_ring[TX_RING_SIZE];
static uint64_t tx_tail;                /* bytes ever sent; written by the sender only */
static bool tx_sending;                 /* a CPU is the sender (atomic) */
static bool tx_async;                   /* tx_timer is set up: sends may stop short */
static struct timer tx_timer;

static uint64_t console_level = LOG_INFO;
integer_param("loglvl", console_level, LOG_ERR, LOG_DEBUG);

/*
 * debugcon: also write to port 0xE9 when a debug console answers there (QEMU
 * -debugcon and Bochs' port_e9_hack read back 0xE9; an absent port reads
 * 0xFF). Writing to an absent port would cost QEMU an I/O dispatch a byte.
 */
static bool debugcon = true;
boolean_param("debugcon", debugcon);
static bool debugcon_present;

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
    debugcon_present = debugcon && inb(DEBUGCON_PORT) == DEBUGCON_PORT;
}

/* ---- sending: tx_ring to the devices ---- */

static void tx_write_devices(const char *s, size_t n)
{
    uart_write(s, n);
    if (debugcon_present)
        for (size_t i = 0; i < n; i++)
            outb(DEBUGCON_PORT, s[i]);
}

/*
 * Send from tx_tail towards tx_head, at most *budget bytes (taken off it);
 * true when the ring is empty. The sender only.
 */
static bool tx_send(size_t *budget)
{
    char chunk[TX_CHUNK];
    uint64_t tail = tx_tail;

    for (;;) {
        uint64_t ahead = __atomic_load_n(&tx_head, __ATOMIC_ACQUIRE) - tail;
        size_t n = MIN(MIN(ahead, (uint64_t)TX_CHUNK), (uint64_t)*budget);

        if (!ahead)
            return true;
        if (!n)
            return false;
        for (size_t i = 0; i < n; i++)
            chunk[i] = tx_ring[(tail + i) % TX_RING_SIZE];
        tx_write_devices(chunk, n);
        tail += n;
        *budget -= n;
        __atomic_store_n(&tx_tail, tail, __ATOMIC_RELEASE);
    }
}

static bool tx_empty(void)
{
    return __atomic_load_n(&tx_head, __ATOMIC_SEQ_CST) ==
           __atomic_load_n(&tx_tail, __ATOMIC_SEQ_CST);
}

/*
 * Send what is queued unless another CPU is sending already (it takes our
 * bytes too). A CPU that queued while we were sending and found us busy
 * left its bytes to us, so look again after letting go (the exchanges are
 * full barriers: its queueing and our look cannot both miss). What the
 * budget leaves is for tx_timer.
 */
static void tx_kick(bool irqs_on)
{
    size_t budget = !tx_async ? SIZE_MAX : irqs_on ? TX_BUDGET_IRQS_ON : TX_BUDGET_IRQS_OFF;

    while (!__atomic_exchange_n(&tx_sending, true, __ATOMIC_SEQ_CST)) {
        bool empty = tx_send(&budget);

        (void)__atomic_exchange_n(&tx_sending, false, __ATOMIC_SEQ_CST);
        if (!empty) {
            if (!timer_is_active(&tx_timer))
                timer_set(&tx_timer, now_ns() + TX_RETRY_NS);
            return;
        }
        if (tx_empty())
            return;
    }
}

static void tx_timer_fire(void *unused)
{
    tx_kick(false);
}

/*
 * Send everything now, waiting for a CPU that is sending (at most a
 * second): the machine is about to stop.
 */
void console_flush(void)
{
    uint64_t end = now_ns() + NSEC_PER_SEC;
    size_t budget = SIZE_MAX;

    while (!tx_empty() && now_ns() < end) {
        if (__atomic_exchange_n(&tx_sending, true, __ATOMIC_SEQ_CST)) {
            cpu_relax();
            continue;
        }
        tx_send(&budget);
        (void)__atomic_exchange_n(&tx_sending, false, __ATOMIC_SEQ_CST);
    }
}

/* Queue one byte for the devices (console_lock held); a panic writes it now. */
static void tx_put(char c)
{
    if (in_panic) {
        size_t budget = SIZE_MAX;

        tx_send(&budget);               /* what was queued before, whoever was sending */
        tx_write_devices(&c, 1);
        return;
    }
    if (tx_head - __atomic_load_n(&tx_tail, __ATOMIC_ACQUIRE) >= TX_RING_SIZE) {
        tx_dropped++;
        return;
    }
    tx_ring[tx_head % TX_RING_SIZE] = c;
    __atomic_store_n(&tx_head, tx_head + 1, __ATOMIC_RELEASE);
}

/* ---- the log and the terminal's lines (console_lock held) ---- */

/* Every byte goes to the log; visible ones also to the devices. */
static void emit_char_to(char c, bool visible)
{
    log_ring[log_head++ % LOG_RING_SIZE] = c;
    if (!visible)
        return;
    if (c == '\n')
        tx_put('\r');
    tx_put(c);
}

static void emit_char(char c)
{
    emit_char_to(c, true);
}

static void emit_string(const char *s, bool visible)
{
    while (*s)
        emit_char_to(*s++, visible);
}

/* Stamp each new line with "[seconds.micros] " */
static void emit_prefix(bool visible)
{
    uint64_t ns = now_ns();
    char pre[40];

    snprintf(pre, sizeof(pre), "[%5lu.%06lu] ", ns / 1000000000UL, (ns / 1000UL) % 1000000UL);
    emit_string(pre, visible);
}

/*
 * Begin a line (the terminal is at the start of one): first, on a line of
 * its own, how many bytes a full tx_ring cost, if any.
 */
static void line_begin(bool visible)
{
    char note[80];

    if (tx_dropped && visible) {
        uint64_t n = tx_dropped;

        tx_dropped = 0;
        snprintf(note, sizeof(note), "console: %lu bytes dropped (serial output too slow)\n",
                 (unsigned long)n);
        emit_prefix(true);
        emit_string(note, true);
    }
    emit_prefix(visible);
    line_visible = visible;
}

/* End the open line, whoever it belongs to. */
static void line_end(void)
{
    if (line_owner == LINE_START)
        return;
    emit_char_to('\n', line_visible);
    line_owner = LINE_START;
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

void printk_level(enum log_level lvl, const char *fmt, ...)
{
    bool visible = (uint64_t)lvl <= console_level;
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
    if (line_owner >= 0)
        line_end();                     /* a guest's unfinished line */
    for (int i = 0; i < n; i++) {
        if (line_owner == LINE_START)
            line_begin(visible);
        emit_char_to(buf[i], visible);
        line_owner = buf[i] == '\n' ? LINE_START : LINE_SABLE;
    }
    if (in_panic) {
        irq_restore(flags);
        return;
    }
    spin_unlock_irqrestore(&console_lock, flags);
    tx_kick(flags & X86_EFLAGS_IF);
}

/* ---- guests' lines (common/console_io.c) ---- */

unsigned long console_guest_lock(void)
{
    return spin_lock_irqsave(&console_lock);
}

void console_guest_unlock(unsigned long flags)
{
    spin_unlock_irqrestore(&console_lock, flags);
}

void console_kick(void)
{
    tx_kick(local_irq_enabled());
}

int console_line_owner(void)
{
    return line_owner;
}

static void emit_tag(unsigned int domid)
{
    char tag[16];

    snprintf(tag, sizeof(tag), "(d%u) ", domid);
    emit_string(tag, line_visible);
}

void console_line_open(unsigned int domid)
{
    line_end();
    line_begin(console_level >= LOG_INFO);
    emit_tag(domid);
    line_owner = (int)domid;
}

void console_line_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        emit_char_to(s[i], line_visible);
}

void console_line_return(void)
{
    if (line_owner < 0)
        return;
    emit_char_to('\r', line_visible);
    emit_prefix(line_visible);
    emit_tag((unsigned int)line_owner);
}

void console_line_close(void)
{
    line_end();
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
    guest_console_tick();
    timer_set(&rx_timer, now_ns() + opt_rx_poll_ms * 1000000ULL);
}

void console_rx_start(void)
{
    if (!tx_async) {
        timer_init(&tx_timer, tx_timer_fire, NULL, smp_processor_id());
        tx_async = true;
    }
    if (!uart_present() || !opt_rx_poll_ms || rx_timer.fn)
        return;
    timer_init(&rx_timer, console_rx_poll, NULL, smp_processor_id());
    /* Polls ride on guests' timer interrupts when there are some: no exits of their own. */
    timer_set_slack(&rx_timer, opt_rx_poll_ms * 1000000ULL / 2);
    timer_set(&rx_timer, now_ns() + opt_rx_poll_ms * 1000000ULL);
    console_input_announce();
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
