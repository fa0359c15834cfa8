/*
 * console_io: a guest's debug output on the hypervisor console.
 *
 * Every line a guest writes appears as one console line tagged with its
 * domain, `(d<N>) text`, so the output of several domains can be told
 * apart. Text is buffered per domain until a newline (or GUEST_CONSOLE_LINE
 * bytes), so a line written in several calls stays one line; bytes other
 * than printable ASCII and tab are dropped, so a guest cannot move the
 * cursor or forge the start of a line. A token bucket per domain limits
 * lines: guest_console_burst lines at once, refilled at guest_console_rate
 * lines per second; lines over the limit are counted and the count reported
 * with the next line that gets through.
 *
 * The PV console ring back-end (console_ring.c) prints through here too.
 *
 * Xen lets only privileged domains (or debug builds) write; Sable lets every
 * domain write, since its test kernels report through here. CONSOLEIO_read
 * is for a privileged domain: the serial input routed to it
 * (console_input.c); unprivileged callers get -EPERM, as from Xen.
 */
#include <sable/cmdline.h>
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/guest_console.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <sable/spinlock.h>
#include <sable/time.h>

#include "public/xen.h"

#define CONSOLE_WRITE_MAX (64 * 1024)   /* bytes per call; more is -EINVAL */
#define CONSOLE_CHUNK     128           /* copied from the guest at a time */

static uint64_t opt_console_burst = 1000;
integer_param("guest_console_burst", opt_console_burst, 1, 1000000);
static uint64_t opt_console_rate = 200;
integer_param("guest_console_rate", opt_console_rate, 1, 1000000);

void guest_console_init(struct domain *d)
{
    struct guest_console *c = &d->console;

    c->lock = (spinlock_t)SPINLOCK_INIT;
    c->ring_lock = (spinlock_t)SPINLOCK_INIT;
    c->len = 0;
    c->budget = opt_console_burst;
    c->refill_ns = now_ns();
    c->dropped = 0;
}

/* Add the lines earned since the last refill, up to the burst. */
static void console_refill(struct guest_console *c, uint64_t now)
{
    uint64_t per_line = NSEC_PER_SEC / opt_console_rate;
    uint64_t lines = now > c->refill_ns ? (now - c->refill_ns) / per_line : 0;

    if (lines == 0)
        return;
    if (lines >= opt_console_burst - c->budget) {
        c->budget = opt_console_burst;
        c->refill_ns = now;
    } else {
        c->budget += lines;
        c->refill_ns += lines * per_line;
    }
}

static void console_report_dropped(struct domain *d)
{
    struct guest_console *c = &d->console;

    if (!c->dropped)
        return;
    printk("(d%u) [%lu lines dropped by the console rate limit]\n", d->domain_id,
           (unsigned long)c->dropped);
    c->dropped = 0;
}

/* Print the buffered line (lock held), or count it if over the limit. */
static void console_emit(struct domain *d)
{
    struct guest_console *c = &d->console;

    console_refill(c, now_ns());
    if (c->budget == 0) {
        c->dropped++;
    } else {
        c->budget--;
        console_report_dropped(d);
        printk("(d%u) %.*s\n", d->domain_id, (int)c->len, c->line);
    }
    c->len = 0;
}

static bool console_char_ok(char ch)
{
    return (ch >= 0x20 && ch < 0x7f) || ch == '\t';
}

/* Append guest text to d's line, printing each finished line. */
void guest_console_put(struct domain *d, const char *s, size_t n)
{
    struct guest_console *c = &d->console;
    unsigned long flags = spin_lock_irqsave(&c->lock);

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            console_emit(d);
            continue;
        }
        if (!console_char_ok(s[i]))
            continue;
        c->line[c->len++] = s[i];
        if (c->len == GUEST_CONSOLE_LINE)
            console_emit(d);
    }
    spin_unlock_irqrestore(&c->lock, flags);
}

/* The domain stops: print what it left unfinished, and what was dropped. */
void guest_console_flush(struct domain *d)
{
    struct guest_console *c = &d->console;
    unsigned long flags;

    console_ring_drain(d);          /* written to the ring but never signalled */
    flags = spin_lock_irqsave(&c->lock);

    if (c->len)
        console_emit(d);
    console_report_dropped(d);
    spin_unlock_irqrestore(&c->lock, flags);
}

/*
 * CONSOLEIO_write: the whole buffer is checked before anything is printed,
 * then copied CONSOLE_CHUNK bytes at a time (a page becoming unreadable
 * midway ends the call with -EFAULT after the part before it).
 */
static long console_write(struct domain *d, uint64_t count, uint64_t buffer)
{
    char chunk[CONSOLE_CHUNK];

    if (count > CONSOLE_WRITE_MAX)
        return -EINVAL;
    if (!guest_range_ok(buffer, count))
        return -EFAULT;
    while (count) {
        size_t n = MIN(count, sizeof(chunk));
        if (copy_from_guest(chunk, buffer, n))
            return -EFAULT;
        guest_console_put(d, chunk, n);
        buffer += n;
        count -= n;
    }
    return 0;
}

/* CONSOLEIO_read: up to count bytes of serial input; the number read. */
static long console_read(uint64_t count, uint64_t buffer)
{
    char chunk[CONSOLE_CHUNK];
    uint64_t done = 0;

    if (count > CONSOLE_WRITE_MAX)
        return -EINVAL;
    if (!guest_range_ok(buffer, count))
        return -EFAULT;
    while (done < count) {
        size_t n = console_input_read(chunk, MIN(count - done, sizeof(chunk)));
        if (!n)
            break;
        if (copy_to_guest(buffer + done, chunk, n))
            return -EFAULT;
        done += n;
    }
    return done;
}

long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer, uint64_t a4, uint64_t a5)
{
    struct domain *d = current->domain;

    switch (cmd) {
    case CONSOLEIO_write:
        return console_write(d, count, buffer);
    case CONSOLEIO_read:
        return d->is_privileged ? console_read(count, buffer) : -EPERM;
    default:
        return -ENOSYS;
    }
}
