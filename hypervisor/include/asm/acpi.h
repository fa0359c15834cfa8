/*
 * ACPI on x86: finding the RSDP, the parsed tables (sable/acpi.h), and the
 * machine-level reset and power-off built on the FADT.
 */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <sable/acpi.h>

/* Everything acpi_init() learnt; zeroes (have_* false) without ACPI. */
extern struct acpi_info acpi_info;

/* Boot CPU, early: find and parse the tables, report what they say. */
void acpi_init(void);

/*
 * Reset the machine: FADT reset register, then the keyboard controller,
 * then a triple fault. Other CPUs are stopped first.
 */
void machine_restart(void) __noreturn;

/* Power off through PM1a/b SLP_TYP(S5) | SLP_EN; halts if that fails. */
void machine_poweroff(void) __noreturn;

#endif
