/*
 * console_io: a guest's output on the hypervisor console.
 *
 * Guest text appears on the console's lines tagged with its domain,
 * `(d<N>) text`, so the output of several domains can be told apart. How
 * it gets there depends on whether the domain has the serial input focus
 * (console_input.c), that is, whether the user is typing to it:
 *
 *  - the focused domain is interactive: its bytes go out at once, partial
 *    lines included (a shell's prompt, the echo of each key typed), and
 *    terminal control passes through as it would to a terminal of its own
 *    (escape sequences, such as busybox asking where the cursor is with
 *    ESC [ 6 n, which the terminal answers as input; backspace; bell; a
 *    carriage return redraws the line after its tag);
 *  - other domains are buffered a line at a time, so that lines of several
 *    domains do not break into pieces; a partial line is shown once the
 *    guest has been quiet for CONSOLE_QUIET_NS (guest_console_tick(), from
 *    the serial poller). Their escape sequences are removed whole (ECMA-48:
 *    CSI, OSC and other strings, two- and three-byte escapes), and every
 *    other control character and byte outside printable ASCII is dropped,
 *    so an unfocused guest can neither move the cursor nor forge the start
 *    of a line.
 *
 * The console keeps whose line is open on the terminal: when something else
 * is printed in the middle of a domain's line, the line is ended there, and
 * when the domain goes on, its line is started again with the text shown so
 * far, so every line reads whole. A token bucket per domain limits lines:
 * guest_console_burst at once, refilled at guest_console_rate per second;
 * lines over the limit are counted and the count reported before the next
 * line that gets through.
 *
 * The PV console ring back-end (console_ring.c) and the emulated UART print
 * through here too. The state is guarded by the console lock.
 *
 * Xen lets only privileged domains (or debug builds) write; Sable lets every
 * domain write, since its test kernels report through here. CONSOLEIO_read
 * is for a privileged domain: the serial input routed to it
 * (console_input.c); unprivileged callers get -EPERM, as from Xen.
 */
#include <sable/cmdline.h>
#include <sable/console.h>
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/guest_console.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>
#include <sable/time.h>

#include "public/xen.h"

#define CONSOLE_WRITE_MAX (64 * 1024)   /* bytes per call; more is -EINVAL */
#define CONSOLE_CHUNK     128           /* copied from the guest at a time */
#define ESC_MAX           256           /* longer escape sequences are cut off */
#define CONSOLE_QUIET_NS  (20 * NSEC_PER_MSEC) /* an unfocused partial line shows after this */

/* Where the filter is in an escape sequence (struct guest_console.esc). */
enum {
    ESC_NONE,
    ESC_START,                          /* after ESC */
    ESC_CSI,                            /* ESC [ parameters and intermediates */
    ESC_INTER,                          /* ESC and intermediate bytes */
    ESC_STRING,                         /* OSC, DCS, SOS, PM, APC: up to BEL or ST */
    ESC_STRING_ESC,                     /* ESC inside a string: ST's first byte */
};

static uint64_t opt_console_burst = 1000;
integer_param("guest_console_burst", opt_console_burst, 1, 1000000);
static uint64_t opt_console_rate = 200;
integer_param("guest_console_rate", opt_console_rate, 1, 1000000);

static bool partial_pending;            /* some domain may hold text not shown yet */

void guest_console_init(struct domain *d)
{
    struct guest_console *c = &d->console;

    c->ring_lock = (spinlock_t)SPINLOCK_INIT;
    c->len = c->shown = 0;
    c->esc = ESC_NONE;
    c->esc_len = 0;
    c->cr = c->dropping = false;
    c->last_ns = 0;
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

/* ---- lines on the terminal (console lock held) ---- */

static bool line_is_open(struct domain *d)
{
    return console_line_owner() == (int)d->domain_id;
}

static void report_dropped(struct domain *d)
{
    struct guest_console *c = &d->console;
    char note[64];
    int n;

    if (!c->dropped)
        return;
    n = snprintf(note, sizeof(note), "[%lu lines dropped by the console rate limit]",
                 (unsigned long)c->dropped);
    console_line_open(d->domain_id);
    console_line_write(note, (size_t)n);
    console_line_close();
    c->dropped = 0;
}

/*
 * Make the terminal's open line d's: false if d's line is being dropped. A
 * new line costs a token (none left: dropped up to its newline); a line
 * something else interrupted starts again with what it had shown.
 */
static bool line_claim(struct domain *d)
{
    struct guest_console *c = &d->console;

    if (c->dropping)
        return false;
    if (line_is_open(d))
        return true;
    if (c->shown == 0) {
        console_refill(c, now_ns());
        if (c->budget == 0) {
            c->dropping = true;
            return false;
        }
        c->budget--;
        report_dropped(d);
    }
    console_line_open(d->domain_id);
    console_line_write(c->line, c->shown);
    return true;
}

/* Show what d's line holds that the terminal has not had yet. */
static void line_show(struct domain *d)
{
    struct guest_console *c = &d->console;

    if (c->shown < c->len && line_claim(d)) {
        console_line_write(c->line + c->shown, c->len - c->shown);
        c->shown = c->len;
    }
}

/*
 * d's line is finished: show the rest and end it. An empty line is shown
 * empty; a line that was all shown before something interrupted it needs
 * nothing more (the interruption ended it).
 */
static void line_end(struct domain *d)
{
    struct guest_console *c = &d->console;

    if ((c->shown < c->len || (c->len == 0 && !line_is_open(d))) && line_claim(d))
        console_line_write(c->line + c->shown, c->len - c->shown);
    if (c->dropping)
        c->dropped++;
    else if (line_is_open(d))
        console_line_close();
    c->len = c->shown = 0;
    c->dropping = false;
}

/* A byte of terminal control from the focused domain, as it is. */
static void line_control(struct domain *d, char ch)
{
    if (line_claim(d))
        console_line_write(&ch, 1);
}

/* ---- the filter ---- */

static void esc_end(struct guest_console *c)
{
    c->esc = ESC_NONE;
    c->esc_len = 0;
}

/*
 * Feed u to the escape-sequence parser (ECMA-48): true if it belongs to a
 * sequence. A control character that cannot be part of one ends the
 * sequence unfinished and is handled as itself (false); ESC starts a new one.
 */
static bool esc_step(struct guest_console *c, unsigned char u)
{
    if (u == 0x1b && c->esc != ESC_STRING) {
        c->esc = ESC_START;
        c->esc_len = 1;
        return true;
    }
    if (u < 0x20 && u != 0x07 && c->esc != ESC_STRING) {
        esc_end(c);
        return false;
    }
    if (++c->esc_len > ESC_MAX) {
        esc_end(c);
        return true;
    }
    switch (c->esc) {
    case ESC_START:
        if (u == '[')
            c->esc = ESC_CSI;
        else if (u == ']' || u == 'P' || u == 'X' || u == '^' || u == '_')
            c->esc = ESC_STRING;
        else if (u >= 0x20 && u <= 0x2f)
            c->esc = ESC_INTER;
        else
            esc_end(c);                 /* a final byte (or nonsense): done */
        return true;
    case ESC_CSI:
        if (u < 0x20 || u > 0x3f)
            esc_end(c);                 /* the final byte (or nonsense) */
        return true;
    case ESC_INTER:
        if (u < 0x20 || u > 0x2f)
            esc_end(c);
        return true;
    case ESC_STRING:
        if (u == 0x07)
            esc_end(c);                 /* BEL ends a string */
        else if (u == 0x1b)
            c->esc = ESC_STRING_ESC;
        return true;
    default:                            /* ESC_STRING_ESC: ST is ESC '\' */
        esc_end(c);
        return true;
    }
}

static bool text_char(unsigned char u, bool focused)
{
    return (u >= 0x20 && u < 0x7f) || u == '\t' || (focused && u >= 0x80);
}

/*
 * A carriage return not followed by a newline: the focused domain goes
 * back to the start of its line (after the tag) to redraw it; for others a
 * line overwritten in place is a finished line in a log.
 */
static void carriage_return(struct domain *d, bool focused)
{
    struct guest_console *c = &d->console;

    if (!focused) {
        if (c->len)
            line_end(d);
        return;
    }
    if (line_is_open(d) && !c->dropping)
        console_line_return();
    c->len = c->shown = 0;
}

static void put_byte(struct domain *d, char ch, bool focused)
{
    struct guest_console *c = &d->console;
    unsigned char u = (unsigned char)ch;

    if ((c->esc != ESC_NONE || u == 0x1b) && esc_step(c, u)) {
        if (focused)
            line_control(d, ch);
        return;
    }
    if (c->cr) {
        c->cr = false;
        if (u != '\n')
            carriage_return(d, focused);
    }
    if (u == '\n') {
        line_end(d);
    } else if (u == '\r') {
        c->cr = true;
    } else if (text_char(u, focused)) {
        c->line[c->len++] = ch;
        if (focused)
            line_show(d);
        if (c->len == GUEST_CONSOLE_LINE)
            line_end(d);
    } else if (focused && (u == '\b' || u == 0x07)) {
        line_control(d, ch);
        if (u == '\b' && c->len) {
            c->len--;
            c->shown = MIN(c->shown, c->len);
        }
    }
    /* Any other byte is dropped. */
}

/* Guest text for d's console: see the top of the file. */
void guest_console_put(struct domain *d, const char *s, size_t n)
{
    struct guest_console *c = &d->console;
    bool focused = console_input_focus() == (int)d->domain_id;
    unsigned long flags = console_guest_lock();

    for (size_t i = 0; i < n; i++)
        put_byte(d, s[i], focused);
    if (c->shown < c->len) {
        c->last_ns = now_ns();
        __atomic_store_n(&partial_pending, true, __ATOMIC_RELEASE);
    }
    console_guest_unlock(flags);
    console_kick();
}

static void show_if_quiet(struct domain *d, void *arg)
{
    struct guest_console *c = &d->console;
    uint64_t now = *(const uint64_t *)arg;
    unsigned long flags = console_guest_lock();

    if (c->shown < c->len) {
        if (now - c->last_ns >= CONSOLE_QUIET_NS)
            line_show(d);
        else
            __atomic_store_n(&partial_pending, true, __ATOMIC_RELEASE);
    }
    console_guest_unlock(flags);
}

void guest_console_tick(void)
{
    uint64_t now = now_ns();

    if (!__atomic_exchange_n(&partial_pending, false, __ATOMIC_ACQ_REL))
        return;
    domain_for_each(show_if_quiet, &now);
    console_kick();
}

/* The domain stops: print what it left unfinished, and what was dropped. */
void guest_console_flush(struct domain *d)
{
    struct guest_console *c = &d->console;
    unsigned long flags;

    console_ring_drain(d);          /* written to the ring but never signalled */
    flags = console_guest_lock();
    if (c->len || line_is_open(d) || c->dropping)
        line_end(d);
    report_dropped(d);
    esc_end(c);
    c->cr = false;
    console_guest_unlock(flags);
    console_kick();
}

/*
 * CONSOLEIO_write: the whole buffer is checked before anything is printed,
 * then copied CONSOLE_CHUNK bytes at a time (a page becoming unreadable
 * midway ends the call with -EFAULT after the part before it).
 */
static long consoleio_write(struct domain *d, uint64_t count, uint64_t buffer)
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
static long consoleio_read(uint64_t count, uint64_t buffer)
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
        return consoleio_write(d, count, buffer);
    case CONSOLEIO_read:
        return d->is_privileged ? consoleio_read(count, buffer) : -EPERM;
    default:
        return -ENOSYS;
    }
}
