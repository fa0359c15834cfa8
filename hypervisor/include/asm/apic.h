/*
 * Local APIC, in xAPIC (MMIO page) or x2APIC (MSRs) mode. Register offsets
 * are the xAPIC ones (Intel SDM vol. 3, table 11-1); in x2APIC mode
 * register `off` is MSR 0x800 + off / 16.
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <sable/types.h>

#define APIC_ID          0x020
#define APIC_LVR         0x030
#define APIC_TPR         0x080
#define APIC_APR         0x090
#define APIC_PPR         0x0a0
#define APIC_EOI         0x0b0
#define APIC_LDR         0x0d0
#define APIC_DFR         0x0e0          /* xAPIC only */
#define APIC_SVR         0x0f0
#define APIC_ISR         0x100          /* 8 registers, 0x10 apart */
#define APIC_TMR         0x180
#define APIC_IRR         0x200
#define APIC_ESR         0x280
#define APIC_LVT_CMCI    0x2f0
#define APIC_ICR         0x300
#define APIC_ICR2        0x310          /* xAPIC only: destination */
#define APIC_LVT_TIMER   0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PMC     0x340
#define APIC_LVT_LINT0   0x350
#define APIC_LVT_LINT1   0x360
#define APIC_LVT_ERROR   0x370
#define APIC_TMICT       0x380          /* timer initial count */
#define APIC_TMCCT       0x390          /* timer current count */
#define APIC_TDCR        0x3e0          /* timer divide configuration */
#define APIC_SELF_IPI    0x3f0          /* x2APIC only */

#define APIC_SVR_ENABLE      (1u << 8)
#define APIC_LVT_MASKED      (1u << 16)
#define APIC_LVT_NMI         (4u << 8)
#define APIC_TIMER_ONESHOT   (0u << 17)
#define APIC_TIMER_DEADLINE  (2u << 17)
#define APIC_TDCR_DIV1       0xb

#define APIC_ICR_FIXED       (0u << 8)
#define APIC_ICR_NMI         (4u << 8)
#define APIC_ICR_INIT        (5u << 8)
#define APIC_ICR_STARTUP     (6u << 8)
#define APIC_ICR_BUSY        (1u << 12)  /* xAPIC delivery status */
#define APIC_ICR_ASSERT      (1u << 14)
#define APIC_ICR_LEVEL       (1u << 15)
#define APIC_ICR_ALLBUTSELF  (3u << 18)

#define APIC_BASE_BSP    (1ULL << 8)
#define APIC_BASE_EXTD   (1ULL << 10)   /* x2APIC mode */
#define APIC_BASE_EN     (1ULL << 11)
#define APIC_BASE_ADDR   0x000ffffffffff000ULL

/* Boot CPU: choose the mode (x2APIC when the CPU has it, unless x2apic=0),
 * map and enable the APIC, install the error handler. */
void apic_init(void);
/* Each AP: enable its APIC in the boot CPU's mode. */
void apic_init_ap(void);
bool apic_ready(void);
bool apic_is_x2apic(void);
/* Can an IPI reach this APIC id in the current mode? */
bool apic_id_reachable(uint32_t apic_id);

uint32_t apic_read(unsigned int reg);
void apic_write(unsigned int reg, uint32_t v);
uint32_t apic_id(void);
void apic_eoi(void);

/* IPIs: every send waits for the previous one to be accepted (xAPIC). */
void apic_send_ipi(uint32_t dest, unsigned int vector);
void apic_send_ipi_allbutself(unsigned int vector);
void apic_send_init(uint32_t dest);
void apic_send_init_deassert(uint32_t dest);
void apic_send_sipi(uint32_t dest, paddr_t entry);

#endif
