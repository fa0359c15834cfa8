/*
 * dom0's console. Output goes through console_io(CONSOLEIO_write), as for
 * every kernel on the runtime; the hypervisor prints it line by line,
 * tagged (d0). Input comes from console_io(CONSOLEIO_read), which gives a
 * privileged domain the serial input routed to it (Xen's dom0 reads its
 * console this way before it has a console driver of its own).
 *
 * dom0 reads when VIRQ_CONSOLE says input arrived, and every
 * CONSOLE_POLL_MS anyway (a hypervisor that does not send the VIRQ still
 * works, a little later); in between it blocks (SCHEDOP_block) with a
 * one-shot timer set, so an idle dom0 costs nothing.
 */
#include <guest/events.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/time.h>

#include "dom0.h"

#define CONSOLE_POLL_MS 20

static volatile bool input_ready;

static void on_console(evtchn_port_t port, void *arg)
{
    input_ready = true;
}

static void on_timer(evtchn_port_t port, void *arg)
{
}

/* Bind virq to handler and unmask it; the port or 0 if the hypervisor refused. */
static evtchn_port_t bind(uint32_t virq, evtchn_handler_t handler)
{
    evtchn_port_t port;
    long rc = evtchn_bind_virq(virq, 0, &port);

    if (rc) {
        printf("dom0: cannot bind VIRQ %u (error %ld)\n", virq, rc);
        return 0;
    }
    evtchn_set_handler(port, handler, NULL);
    evtchn_unmask(port);
    return port;
}

void console_input_init(void)
{
    bind(VIRQ_TIMER, on_timer);
    bind(VIRQ_CONSOLE, on_console);
}

/* Sleep until an event or the poll timer. */
void sleep_a_little(void)
{
    if (dom0_more_work) {
        dom0_more_work = false;
        hypercall_sched_op(SCHEDOP_yield, NULL);
        return;
    }
    if (input_ready)
        return;
    timer_set_singleshot(time_now() + CONSOLE_POLL_MS * NSEC_PER_MSEC, 0);
    hypercall_sched_op(SCHEDOP_block, NULL);
}

/* Up to n bytes of input (0 if none); errors are said once and count as none. */
size_t console_read(char *buf, size_t n)
{
    static bool reported;
    long rc;

    input_ready = false;
    rc = hypercall_console_io(CONSOLEIO_read, (unsigned int)n, buf);
    if (rc >= 0)
        return (size_t)rc;
    if (!reported)
        printf("dom0: console input unavailable (CONSOLEIO_read: error %ld)\n", rc);
    reported = true;
    return 0;
}

/* The next input byte, reading more (and idling) while there is none. */
static char console_getc(void (*idle)(void))
{
    static char in[128];
    static size_t have, next;

    while (next == have) {
        next = 0;
        have = console_read(in, sizeof(in));
        if (!have) {
            idle();
            sleep_a_little();
        }
    }
    return in[next++];
}

void console_readline(char *buf, size_t size, void (*idle)(void))
{
    static bool after_cr;               /* CR LF is one end of line */
    size_t len = 0;

    for (;;) {
        char c = console_getc(idle);

        if (c == '\n' && after_cr) {
            after_cr = false;
            continue;
        }
        after_cr = c == '\r';
        if (c == '\r' || c == '\n')
            break;
        if (c == 0x7f || c == '\b')
            len -= len > 0;
        else if (c == 0x15)             /* ^U: start the line again */
            len = 0;
        else if (c >= 0x20 && c < 0x7f && len + 1 < size)
            buf[len++] = c;
    }
    buf[len] = '\0';
}
