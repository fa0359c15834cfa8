/*
 * The PV console ring of a test kernel (a domU): the page and event
 * channel start_info.console.domU names, spoken as Linux's hvc_xen does
 * (include/public/io/console.h). The hypervisor serves it until dom0's
 * console back-end exists: what we write appears on its console tagged
 * `(dN)`, and serial input switched to us (Ctrl-A three times) arrives in
 * the in-ring.
 *
 * The port stays masked: waiting is SCHEDOP_poll on it.
 */
#ifndef GUEST_CONSOLE_RING_H
#define GUEST_CONSOLE_RING_H

#include <guest/guest.h>
#include "public/event_channel.h"
#include "public/io/console.h"

/* Find the ring: 0, or -XEN_ENODEV when start_info names none (dom0). */
long console_ring_init(void);

/* The page and port (for tests that misuse them on purpose). */
struct xencons_interface *console_ring_page(void);
evtchn_port_t console_ring_port(void);

/*
 * Write all of buf into the out-ring and signal the port, waiting for room
 * when the ring is full (up to a second in all): len, or -XEN_EAGAIN if the
 * back-end never made room.
 */
long console_ring_write(const char *buf, size_t len);

/* Up to len bytes of input that have arrived (0: none). */
size_t console_ring_read(char *buf, size_t len);

/* Wait until input arrives or timeout_ns passes: true when there is input. */
bool console_ring_wait_input(uint64_t timeout_ns);

/* printf into the ring (one line at most PRINTF_MAX bytes). */
int ring_printf(const char *fmt, ...) __printf(1, 2);

#endif /* GUEST_CONSOLE_RING_H */
