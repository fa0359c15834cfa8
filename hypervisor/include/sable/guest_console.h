/*
 * Guests' consoles as the hypervisor serves them until dom0's console
 * back-end takes over:
 *
 *   output  console_io writes and the PV console ring both end in
 *           guest_console_put(): lines tagged `(dN)`, a rate limit per
 *           domain (common/console_io.c);
 *   ring    the PV console page (include/public/io/console.h) of each
 *           domain, read when the guest signals its port, written with
 *           serial input (common/console_ring.c);
 *   input   serial input goes to one domain at a time: Ctrl-A three times
 *           moves it along Sable -> each domain -> Sable
 *           (common/console_input.c).
 */
#ifndef SABLE_GUEST_CONSOLE_H
#define SABLE_GUEST_CONSOLE_H

#include <sable/domain.h>

/* guest_console_put() (sable/domain.h) prints guest text as d's lines. */
/*
 * Show the partial lines of domains that have been quiet for a while
 * (the serial poller calls it every serial_rx_poll= ms).
 */
void guest_console_tick(void);

/*
 * Serve d's console ring in frame mfn, which d must own (not a page table):
 * allocates d's console port (unbound, for dom0 to take over later) and
 * returns it, or -EINVAL (bad frame, already attached), -EBUSY, -ENOSPC,
 * -ENOMEM. The PV domain builder puts the pair in start_info.console.domU;
 * for HVM guests it goes into HVM_PARAM_CONSOLE_PFN / _EVTCHN.
 */
int console_ring_attach(struct domain *d, mfn_t mfn);
/* Stop serving d's ring and drop the frame reference (domain release). */
void console_ring_detach(struct domain *d);
/* Print what d has written to its ring so far (also on its port's events). */
void console_ring_drain(struct domain *d);
/*
 * Put input bytes into d's ring and signal its port; returns how many fit
 * (the rest is dropped and counted). -ENODEV when d has no ring served by us.
 */
long console_ring_input(struct domain *d, const char *s, size_t n);
/* True while d has a ring the hypervisor serves. */
bool console_ring_attached(struct domain *d);

/*
 * Bytes from the serial port (console RX poller): Ctrl-A (or conswitch=)
 * three times switches the input focus; everything else goes to the
 * focused domain's ring or, for a privileged domain without one, to its
 * CONSOLEIO_read buffer (with VIRQ_CONSOLE).
 */
void console_input_chars(const char *s, size_t n);
/* The domain serial input goes to (its output is interactive), or -1. */
int console_input_focus(void);
/* CONSOLEIO_read for the privileged domain: up to n buffered input bytes. */
size_t console_input_read(char *buf, size_t n);
/* Print where serial input goes and how to switch (when domains start). */
void console_input_announce(void);

#endif
