/*
 * Serial input, routed to one place at a time (the input focus), as on Xen:
 * Sable itself (which ignores it for now), or one domain: into its PV
 * console ring (console_ring.c), or, for a privileged domain without a
 * ring, into a small buffer it reads with CONSOLEIO_read after a
 * VIRQ_CONSOLE. Typing the switch character (Ctrl-A, or Ctrl-<c> with
 * conswitch=<c>) three times in a row moves the focus along
 * Sable -> each domain that takes input, in id order -> Sable, and prints
 * where input goes now. The three switch characters are swallowed; fewer
 * than three followed by anything else are passed on, as Xen does.
 *
 * Only the console's RX poller calls console_input_chars(), so the focus
 * needs no lock; the CONSOLEIO_read buffer is shared with the reader.
 */
#include <sable/cmdline.h>
#include <sable/domain.h>
#include <sable/event.h>
#include <sable/guest_console.h>
#include <sable/lib.h>
#include <sable/spinlock.h>

#include "public/xen.h"

#define SWITCH_PRESSES 3
#define READ_BUF_SIZE  256              /* CONSOLEIO_read buffer, power of two */
#define FOCUS_SABLE    (-1)

/* conswitch=<letter>: the switch character is Ctrl-<letter> (Xen's option). */
static char opt_conswitch[4] = "a";
string_param("conswitch", opt_conswitch);

/*
 * console_focus=<domain id>: input starts with that domain, if it takes
 * input when the boot domains are up, instead of with Sable (Xen hands input
 * to dom0 at boot in the same way). `tools/sable run --linux` uses it so the
 * user lands in the guest's shell.
 */
#define NO_FOCUS_OPTION UINT64_MAX
static uint64_t opt_console_focus = NO_FOCUS_OPTION;
integer_param("console_focus", opt_console_focus, 0, DOMID_FIRST_RESERVED - 1);

static int focus = FOCUS_SABLE;         /* a domain id, or FOCUS_SABLE */
static unsigned int switch_presses;

static spinlock_t read_lock = SPINLOCK_INIT;
static char read_buf[READ_BUF_SIZE];
static uint32_t read_prod, read_cons;   /* free-running, guarded by read_lock */

int console_input_focus(void)
{
    return __atomic_load_n(&focus, __ATOMIC_RELAXED);
}

static char switch_char(void)
{
    char c = opt_conswitch[0] | 0x20;   /* lower case */

    return (c >= 'a' && c <= 'z') ? c - 'a' + 1 : 1;
}

/* A domain input can go to: alive, with a ring we serve or CONSOLEIO_read. */
static bool takes_input(struct domain *d)
{
    return d->state < DOMSTATE_shutdown && (console_ring_attached(d) || d->is_privileged);
}

struct focus_search {
    int after;                          /* find the first domain above this id */
    int found;
};

static void find_next(struct domain *d, void *arg)
{
    struct focus_search *s = arg;

    if (s->found == FOCUS_SABLE && (int)d->domain_id > s->after && takes_input(d))
        s->found = d->domain_id;
}

static void focus_announce(void)
{
    char sw = 'a' + switch_char() - 1;

    if (focus == FOCUS_SABLE)
        printk("*** Serial input to Sable (type 'CTRL-%c' three times to switch input)\n", sw);
    else
        printk("*** Serial input to dom%d (type 'CTRL-%c' three times to switch input)\n",
               focus, sw);
}

static void focus_switch(void)
{
    struct focus_search s = { .after = focus, .found = FOCUS_SABLE };

    domain_for_each(find_next, &s);
    focus = s.found;
    focus_announce();
}

/* A privileged domain without a ring: buffer for CONSOLEIO_read, VIRQ_CONSOLE. */
static void input_to_read_buf(struct domain *d, const char *s, size_t n)
{
    unsigned long flags = spin_lock_irqsave(&read_lock);

    for (size_t i = 0; i < n && read_prod - read_cons < READ_BUF_SIZE; i++)
        read_buf[read_prod++ % READ_BUF_SIZE] = s[i];
    spin_unlock_irqrestore(&read_lock, flags);
    send_guest_global_virq(d, VIRQ_CONSOLE);
}

size_t console_input_read(char *buf, size_t n)
{
    unsigned long flags = spin_lock_irqsave(&read_lock);
    size_t k = 0;

    while (k < n && read_cons != read_prod)
        buf[k++] = read_buf[read_cons++ % READ_BUF_SIZE];
    spin_unlock_irqrestore(&read_lock, flags);
    return k;
}

struct input_batch {
    const char *s;
    size_t n;
    bool delivered;
};

static void deliver_to_focus(struct domain *d, void *arg)
{
    struct input_batch *b = arg;

    if ((int)d->domain_id != focus || !takes_input(d))
        return;
    b->delivered = true;
    if (console_ring_attached(d))
        console_ring_input(d, b->s, b->n);
    else
        input_to_read_buf(d, b->s, b->n);
}

/*
 * Hand bytes to the focus; a domain that has gone gives the focus back to
 * Sable. This runs in the poller's timer interrupt, so it takes no domain
 * reference (whose last drop would free a domain here): the domain is
 * used under the domain list lock instead, which keeps it in place.
 */
static void input_deliver(const char *s, size_t n)
{
    struct input_batch b = { .s = s, .n = n };

    if (!n || focus == FOCUS_SABLE)
        return;
    domain_for_each(deliver_to_focus, &b);
    if (!b.delivered) {
        printk("*** dom%d no longer takes input\n", focus);
        focus = FOCUS_SABLE;
        focus_announce();
    }
}

#define OUT_BATCH 64

/* Queue one byte for the focus, handing over a full batch. */
static void out_put(char *out, size_t *len, char c)
{
    out[(*len)++] = c;
    if (*len == OUT_BATCH) {
        input_deliver(out, *len);
        *len = 0;
    }
}

void console_input_chars(const char *s, size_t n)
{
    const char sw = switch_char();
    char out[OUT_BATCH];
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == sw) {
            if (++switch_presses < SWITCH_PRESSES)
                continue;
            switch_presses = 0;
            input_deliver(out, len);
            len = 0;
            focus_switch();
            continue;
        }
        /* Fewer than three: they were meant for the guest after all. */
        for (; switch_presses; switch_presses--)
            out_put(out, &len, sw);
        out_put(out, &len, s[i]);
    }
    input_deliver(out, len);
}

/*
 * Once, when the domains start: give input to the console_focus= domain if
 * there is one, else to the control domain (dom0) if there is one, else it
 * stays with Sable; then say where input goes and how to move it.
 */
void console_input_announce(void)
{
    struct domain *d;

    if (opt_console_focus == NO_FOCUS_OPTION) {
        /* As Xen: with a control domain, input starts there. */
        d = domain_get_by_id(0);
        if (d && d->is_privileged && takes_input(d))
            focus = 0;
        if (d)
            domain_put(d);
    } else {
        d = domain_get_by_id((domid_t)opt_console_focus);
        if (d && takes_input(d))
            focus = d->domain_id;
        else
            printk("*** console_focus=%u: no such domain taking input\n",
                   (unsigned int)opt_console_focus);
        if (d)
            domain_put(d);
    }
    focus_announce();
}
