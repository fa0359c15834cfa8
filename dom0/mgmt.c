/*
 * The host management channel: dom0 drives the machine's second serial
 * port (COM2, a 16550 at 0x2f8, the hypervisor keeps COM1) with the I/O
 * privilege a control domain has (physdev_op set_iopl), and runs what the
 * host's `sable list`, `sable create FILE`, ... send there through the same
 * shell commands as the console (docs/dom0.md has the protocol):
 *
 *   host -> dom0   one command a line (LF or CR LF), at most SHELL_LINE_MAX
 *                  printable ASCII characters; "create-inline NAME", then the
 *                  configuration's lines, then a line "." (a file from the
 *                  host, not a boot file); "sync TOKEN" (answered
 *                  "sable-sync TOKEN": everything before it is stale)
 *   dom0 -> host   the command's output, then "sable-status N" (0: done)
 *
 * "console NAME" streams instead: "sable-attached DOMID", then the guest's
 * output with STREAM_ESC doubled, ended by STREAM_ESC 'e' (detached) or
 * STREAM_ESC 'c' (the console closed: the domain went); what the host
 * sends meanwhile is the guest's input, except DETACH_KEY, which ends the
 * stream. In command mode DETACH_KEY throws away a partial line (and an
 * inline configuration): a client starts with it, so a channel left
 * streaming or half-way by a client that died is back in command mode.
 *
 * Polled from dom0's idle loop: the UART's interrupt is not routed to dom0.
 * Bytes are read only while the receiver says one is there; a line that is
 * too long or has other bytes is answered with an error when it
 * ends, not run. A host that stops reading costs one wait of TX_STALL_NS:
 * output is then dropped until the UART can take it again.
 */
#include <guest/hypercall.h>
#include <guest/lib.h>
#include <guest/time.h>

#include <dom0/consoled.h>
#include <dom0/libc.h>
#include <dom0/toolstack.h>

#include "dom0.h"

#define COM2            0x2f8
#define UART_RBR        0           /* receive buffer (read) / transmit (write) */
#define UART_IER        1
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define UART_SCR        7
#define LSR_DR          0x01        /* data ready */
#define LSR_THRE        0x20        /* transmit holding register empty */
#define TX_STALL_NS     (2 * NSEC_PER_SEC)  /* a host not reading for this long: drop */
#define INLINE_MAX      4096        /* bytes of an inline configuration */
#define DETACH_KEY      0x1d        /* Ctrl-], as xl console */
#define STREAM_ESC      0x10        /* DLE: escapes the stream's own markers */

static bool present;
static struct shell mgmt_sh;
static char line[SHELL_LINE_MAX + 2];
static size_t len;
static bool too_long, garbled;     /* the line so far: refused when it ends */
static bool tx_stalled;             /* the host does not read: drop output */
static domid_t streaming = DOMID_INVALID;   /* console NAME: whose input we take */
static uint64_t input_dropped;      /* input the guest's ring had no room for */
static char *inline_cfg;            /* collecting a create-inline, else NULL */
static size_t inline_len;
static char inline_name[CONFIG_PATH_MAX + 1];
bool mgmt_running;                  /* a command from the host is running */

static uint8_t inb(uint16_t port)
{
    uint8_t v;

    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port));
}

/* Wait (bounded) until the UART takes a byte; false when the host stopped reading. */
static bool tx_ready(void)
{
    if (tx_stalled && !(inb(COM2 + UART_LSR) & LSR_THRE))
        return false;
    tx_stalled = false;
    if (inb(COM2 + UART_LSR) & LSR_THRE)
        return true;
    /* QEMU drains the UART from its I/O thread: give a loaded host time. */
    for (uint64_t give_up = time_now() + TX_STALL_NS; !(inb(COM2 + UART_LSR) & LSR_THRE);)
        if (time_now() > give_up) {
            tx_stalled = true;
            return false;
        }
    return true;
}

static void send_bytes(const char *buf, size_t n)
{
    for (size_t i = 0; i < n && tx_ready(); i++)
        outb(COM2 + UART_RBR, (uint8_t)buf[i]);
}

static void mgmt_write(void *priv, const char *text)
{
    send_bytes(text, strlen(text));
}

/* The attached guest's output, framed: STREAM_ESC doubled. */
static void stream_print(const char *buf, size_t n)
{
    static const char esc[2] = { STREAM_ESC, STREAM_ESC };
    size_t from = 0;

    for (size_t i = 0; i < n; i++)
        if (buf[i] == STREAM_ESC) {
            send_bytes(buf + from, i - from);
            send_bytes(esc, 2);
            from = i + 1;
        }
    send_bytes(buf + from, n - from);
}

/* Leave streaming: the marker says why ('e' detached, 'c' closed). */
static void stream_end(char why)
{
    char end[2] = { STREAM_ESC, why };

    consoled_connect(CONSOLED_HOST, DOMID_INVALID, NULL);
    send_bytes(end, 2);
    printf("dom0: (host) %s domain %u's console\n", why == 'e' ? "detached from" : "closed",
           streaming);
    streaming = DOMID_INVALID;
}

/* console NAME from the host: start streaming, or answer with the error. */
static int stream_start(const char *name)
{
    domid_t dom;

    if (toolstack_resolve(&mgmt_sh, name, &dom))
        return 1;
    if (!consoled_served(dom)) {
        shell_printf(&mgmt_sh, "console %s: dom0 serves no console for it (not made by "
                     "'create')\n", name);
        return 1;
    }
    shell_printf(&mgmt_sh, "sable-attached %u\n", dom);
    streaming = dom;
    consoled_connect(CONSOLED_HOST, dom, stream_print);   /* the log first */
    return 0;
}

/* What the host sends while streaming: input, until DETACH_KEY. */
static void stream_input(void)
{
    char in[64];
    size_t n = 0;

    while (streaming != DOMID_INVALID && (inb(COM2 + UART_LSR) & LSR_DR)) {
        char c = (char)inb(COM2 + UART_RBR);

        if (c == DETACH_KEY) {
            if (n && consoled_input(streaming, in, n) < (long)n)
                input_dropped++;
            n = 0;
            stream_end('e');
            break;
        }
        in[n++] = c;
        if (n == sizeof(in)) {
            if (consoled_input(streaming, in, n) < (long)n)
                input_dropped++;        /* a guest that reads nothing: never wait */
            n = 0;
        }
    }
    if (n && consoled_input(streaming, in, n) < (long)n)
        input_dropped++;
}

void mgmt_init(const struct shell *console_sh)
{
    struct physdev_set_iopl iopl = { .iopl = 1 };

    if (hypercall_physdev_op(PHYSDEVOP_set_iopl, &iopl)) {
        printf("dom0: no I/O privilege: no management channel\n");
        return;
    }
    outb(COM2 + UART_SCR, 0x5a);        /* a UART keeps what is put in its scratch */
    if (inb(COM2 + UART_SCR) != 0x5a) {
        printf("dom0: no second serial port: no management channel\n");
        return;
    }
    outb(COM2 + UART_IER, 0);           /* polled */
    outb(COM2 + UART_LCR, 0x80);        /* divisor 1: 115200 baud */
    outb(COM2 + 0, 1);
    outb(COM2 + 1, 0);
    outb(COM2 + UART_LCR, 0x03);        /* 8N1 */
    /*
     * FIFOs on, cleared, receive trigger at 14 bytes: QEMU hands the UART
     * at most trigger-level bytes at a time, and dom0 polls every 20 ms.
     */
    outb(COM2 + UART_FCR, 0xc7);
    outb(COM2 + UART_MCR, 0x03);
    shell_init(&mgmt_sh, console_sh->xs, mgmt_write, NULL, console_sh->extra[0],
               console_sh->nextra[0]);
    for (unsigned int t = 1; t < console_sh->ntables; t++)
        shell_add_commands(&mgmt_sh, console_sh->extra[t], console_sh->nextra[t]);
    present = true;
    printf("dom0: management channel on COM2 (the host's `sable list`, ...)\n");
}

static void reply_status(int rc)
{
    shell_printf(&mgmt_sh, "sable-status %d\n", rc);
}

/* One line from the host: a command, or part of an inline configuration. */
static void mgmt_line(void)
{
    int rc;

    if (inline_cfg) {
        if (strcmp(line, ".")) {
            size_t n = strlen(line);
            if (inline_len + n + 1 < INLINE_MAX) {
                memcpy(inline_cfg + inline_len, line, n);
                inline_len += n;
                inline_cfg[inline_len++] = '\n';
            } else {
                inline_len = INLINE_MAX;        /* too long: refused at the end */
            }
            return;
        }
        if (inline_len == INLINE_MAX) {
            free(inline_cfg);
            inline_cfg = NULL;
            shell_printf(&mgmt_sh, "%s: more than %d bytes\n", inline_name, INLINE_MAX - 1);
            reply_status(1);
            return;
        }
        printf("dom0> (host) create %s\n", inline_name);
        mgmt_running = true;
        rc = toolstack_create_text(&mgmt_sh, inline_name, inline_cfg, inline_len);
        mgmt_running = false;
        free(inline_cfg);
        inline_cfg = NULL;
        reply_status(rc);
        return;
    }
    if (!strncmp(line, "create-inline ", 14)) {
        inline_cfg = malloc(INLINE_MAX);
        inline_len = 0;
        snprintf(inline_name, sizeof(inline_name), "%s", line + 14);
        if (!inline_cfg)
            reply_status(1);
        return;
    }
    if (!strncmp(line, "sync ", 5)) {
        shell_printf(&mgmt_sh, "sable-sync %s\n", line + 5);
        return;
    }
    printf("dom0> (host) %s\n", line);
    if (!strncmp(line, "console ", 8) && !strchr(line + 8, ' ')) {
        if (stream_start(line + 8))
            reply_status(1);
        return;
    }
    mgmt_running = true;
    rc = shell_exec(&mgmt_sh, line);
    mgmt_running = false;
    reply_status(rc);
}

void mgmt_poll(void)
{
    if (!present || mgmt_running)
        return;
    if (streaming != DOMID_INVALID) {
        if (!consoled_served(streaming)) {
            stream_end('c');            /* the domain went */
            return;
        }
        stream_input();
        return;
    }
    while (streaming == DOMID_INVALID && (inb(COM2 + UART_LSR) & LSR_DR)) {
        char c = (char)inb(COM2 + UART_RBR);

        if (c == DETACH_KEY) {          /* a client (re)starting: forget the partial */
            len = 0;
            too_long = garbled = false;
            free(inline_cfg);
            inline_cfg = NULL;
            continue;
        }
        if (c == '\r')
            continue;
        if (c != '\n') {
            if (((unsigned char)c < 0x20 && c != '\t') || (unsigned char)c >= 0x7f)
                garbled = true;
            else if (len < SHELL_LINE_MAX)
                line[len++] = c;
            else
                too_long = true;
            continue;
        }
        line[len] = '\0';
        if (too_long) {
            shell_printf(&mgmt_sh, "line too long (at most %d characters)\n", SHELL_LINE_MAX);
            reply_status(1);
        } else if (garbled) {
            shell_printf(&mgmt_sh, "line with bytes that are not printable ASCII: not run\n");
            reply_status(1);
        } else if (len) {
            mgmt_line();
        }
        len = 0;
        too_long = garbled = false;
    }
}
