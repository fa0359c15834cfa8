/*
 * The host management channel: dom0 drives the machine's second serial
 * port (COM2, a 16550 at 0x2f8, the hypervisor keeps COM1) with the I/O
 * privilege a control domain has (physdev_op set_iopl), and runs what the
 * host's `sable list`, `sable create FILE`, ... send there through the same
 * shell commands as the console (docs/dom0.md has the protocol):
 *
 *   host -> dom0   one command a line (LF or CR LF), at most SHELL_LINE_MAX;
 *                  "create-inline NAME", then the configuration's lines,
 *                  then a line "." (a file from the host, not a boot file)
 *   dom0 -> host   the command's output, then "sable-status N" (0: done)
 *
 * Polled from dom0's idle loop: the UART's interrupt is not routed to dom0.
 * Bytes are read only while the receiver says one is there; a line that is
 * too long is answered with an error when it ends, not run.
 */
#include <guest/hypercall.h>
#include <guest/lib.h>

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
#define TX_SPINS        100000
#define INLINE_MAX      4096        /* bytes of an inline configuration */

static bool present;
static struct shell mgmt_sh;
static char line[SHELL_LINE_MAX + 2];
static size_t len;
static bool too_long;
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

static void mgmt_write(void *priv, const char *text)
{
    for (; *text; text++) {
        for (int spins = 0; !(inb(COM2 + UART_LSR) & LSR_THRE) && spins < TX_SPINS; spins++)
            ;
        outb(COM2 + UART_RBR, (uint8_t)*text);
    }
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
    outb(COM2 + UART_FCR, 0x07);        /* FIFOs on, cleared */
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
            }
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
    printf("dom0> (host) %s\n", line);
    mgmt_running = true;
    rc = shell_exec(&mgmt_sh, line);
    mgmt_running = false;
    reply_status(rc);
}

void mgmt_poll(void)
{
    while (present && !mgmt_running && (inb(COM2 + UART_LSR) & LSR_DR)) {
        char c = (char)inb(COM2 + UART_RBR);

        if (c == '\r')
            continue;
        if (c != '\n') {
            if (len < SHELL_LINE_MAX)
                line[len++] = c;
            else
                too_long = true;
            continue;
        }
        line[len] = '\0';
        if (too_long) {
            shell_printf(&mgmt_sh, "line too long (at most %d characters)\n", SHELL_LINE_MAX);
            reply_status(1);
        } else {
            mgmt_line();
        }
        len = 0;
        too_long = false;
    }
}
