/*
 * The hypervisor console: every line goes to the log ring and, if its level
 * is at or below the console level (loglvl=), to the serial port and QEMU's
 * debug port 0xE9.
 */
#ifndef SABLE_CONSOLE_H
#define SABLE_CONSOLE_H

#include <sable/types.h>
#include <asm/regs.h>

#define LOG_RING_SIZE (64 * 1024)

void console_init(void);
/* Start polling the serial port for input (serial_rx_poll=; boot CPU). */
void console_rx_start(void);
/* Unconditional output, used by the panic path (no level, no timestamp). */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t len);
/* Send all queued output now (the machine is about to stop). */
void console_flush(void);
/* Stop other output from interleaving with a panic report. */
void console_panic_begin(void);
/*
 * Guests' text (common/console_io.c) on the terminal's lines, between
 * console_guest_lock() and console_guest_unlock(); console_kick() then
 * sends it (outside any lock of the caller's, so that it may send more):
 *   console_line_owner()   the domain whose line the terminal is in the
 *                          middle of, or negative (a line start, or one of
 *                          Sable's own lines);
 *   console_line_open(id)  end any open line; start "[time] (dN) " for id;
 *   console_line_write()   bytes onto the open line, as they are (no '\n');
 *   console_line_return()  carriage return, and the open line's stamp and
 *                          tag again (the guest redraws its line);
 *   console_line_close()   end the open line.
 * Guest lines are shown at level info.
 */
unsigned long console_guest_lock(void);
void console_guest_unlock(unsigned long flags);
int console_line_owner(void);
void console_line_open(unsigned int domid);
void console_line_write(const char *s, size_t n);
void console_line_return(void);
void console_line_close(void);
void console_kick(void);
/* Copy up to len bytes of the newest log text into buf; returns the count. */
size_t log_ring_read(char *buf, size_t len);

/* arch: register dump, frame-pointer backtrace, stopping the machine. */
void dump_registers(const struct cpu_regs *regs);
void backtrace_from(uint64_t rbp, uint64_t rip);
void machine_stop_failed(void) __attribute__((noreturn));
void machine_stop_ok(void) __attribute__((noreturn));
/* smp: halt every other CPU (the panic path). */
void smp_stop_others(void);

#endif
