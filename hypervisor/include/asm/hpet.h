/*
 * HPET main counter, used as the reference clock for calibrating the TSC
 * and the local APIC timer (IA-PC HPET specification 1.0a, section 2.3).
 */
#ifndef ASM_HPET_H
#define ASM_HPET_H

#include <sable/types.h>

/* Map and start the HPET at pa. 0, or -ENODEV if it is absent or unusable. */
int hpet_init(paddr_t pa);
/* Main counter frequency in Hz; 0 before hpet_init succeeds. */
uint64_t hpet_hz(void);
/* Main counter, extended to 64 bits when the HPET only has 32. */
uint64_t hpet_read(void);

#endif
