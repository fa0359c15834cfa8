/*
 * What the PVH test kernel's files share (main.c has the console, the
 * checks, the IDT and the #GP handler; apic.c the local APIC scenario).
 */
#ifndef PVH_H
#define PVH_H

#include <sable/types.h>

/* The frame an __attribute__((interrupt)) handler gets. */
struct frame {
    uint64_t rip, cs, rflags, rsp, ss;
};

/* A line on the hypervisor console (console_io). */
void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One check: "pvhtest: PASS what" or "pvhtest: FAIL what". */
void check(bool ok, const char *what);
/* "pvhtest: SUCCESS: all N checks passed" or FAILURE, then power off. */
void verdict(void) __attribute__((noreturn));
void poweroff(void) __attribute__((noreturn));

void wrmsr(uint32_t msr, uint64_t v);

/* #GP: counted in gp_count, and the faulting instruction (gp_skip bytes) skipped. */
extern volatile unsigned int gp_count, gp_skip;
void gp_handler(struct frame *f, uint64_t error);

/* The one IDT (both vCPUs load it). */
void idt_set(unsigned int vec, void *handler);
void idt_load(uint16_t limit);

/* apic.c */
void run_apic(void) __attribute__((noreturn));
void run_apic_bad(bool byte_write) __attribute__((noreturn));

#endif
