/*
 * The ACPI tables an HVM (PVH) guest finds through hvm_start_info.rsdp_paddr:
 * its CPUs, and how it powers off and resets. Built into one buffer that
 * the caller copies to guest-physical `gpa` (mark the range ACPI in the
 * memory map):
 *
 *   gpa + 0     RSDP  revision 2, XSDT only (no RSDT)
 *   gpa + 64    XSDT  -> FADT, MADT
 *   ...         FADT  revision 6, HW_REDUCED_ACPI: no PM1/GPE blocks, no
 *                     SCI, no FACS; sleep control/status and reset
 *                     registers in I/O space (below); IAPC_BOOT_ARCH says no
 *                     VGA and no CMOS RTC; DSDT and X_DSDT point to:
 *   ...         DSDT  \_SB with one processor device (ACPI0007, _UID = vCPU
 *                     index) per vCPU, and \_S5 (sleep type 5)
 *   ...         MADT  local APIC address 0xfee00000, no 8259 (flags 0), one
 *                     enabled Processor Local APIC (type 0) or x2APIC (type 9)
 *                     entry per vCPU: APIC id = ACPI UID = vCPU index
 *
 * No IOAPIC: as on Xen, a PVH guest has only local APICs; its devices
 * interrupt through event channels. The layouts are the ACPI 6.x ones in
 * sable/acpi.h, shared with the host table parser (which the unit test
 * runs over the result).
 *
 * Power management: Linux powers off by writing SLP_TYP << 2 | SLP_EN to
 * the sleep control register and resets by writing the reset value to the
 * reset register; hvm_acpi_pm_io() recognises both on the I/O exit path.
 */
#ifndef HVM_ACPI_BUILD_H
#define HVM_ACPI_BUILD_H

#include <sable/types.h>

#define HVM_ACPI_MAX_VCPUS          128

/* I/O ports of the hardware-reduced power management registers. */
#define HVM_ACPI_SLEEP_CONTROL_PORT 0x600   /* write: SLP_TYP << 2 | SLP_EN */
#define HVM_ACPI_SLEEP_STATUS_PORT  0x601   /* reads 0; writes ignored */
#define HVM_ACPI_RESET_PORT         0x602   /* write HVM_ACPI_RESET_VALUE */
#define HVM_ACPI_RESET_VALUE        0x01
#define HVM_ACPI_S5_SLP_TYP         5       /* \_S5 in the DSDT */
#define HVM_ACPI_SLP_TYP_SHIFT      2       /* sleep control register (ACPI 4.8.3.7) */
#define HVM_ACPI_SLP_TYP_MASK       0x1c
#define HVM_ACPI_SLP_EN             0x20

struct hvm_acpi_config {
    unsigned int nr_vcpus;      /* 1..HVM_ACPI_MAX_VCPUS */
    bool x2apic_entries;        /* MADT type 9 entries instead of type 0 */
};

/* Where each table landed (guest-physical) and the bytes used. */
struct hvm_acpi_layout {
    uint64_t rsdp, xsdt, fadt, dsdt, madt;
    size_t size;
};

/* Bytes hvm_acpi_build() needs for cfg; 0 if cfg is invalid. */
size_t hvm_acpi_size(const struct hvm_acpi_config *cfg);

/*
 * Build the tables into buf (buf_size bytes) as they will sit at
 * guest-physical gpa (16-byte aligned). 0 with *out filled in, or -EINVAL
 * (bad cfg, misaligned gpa) or -ENOSPC (buf too small); buf is then
 * unspecified. Bytes of buf past out->size are left alone.
 */
int hvm_acpi_build(void *buf, size_t buf_size, uint64_t gpa,
                   const struct hvm_acpi_config *cfg, struct hvm_acpi_layout *out);

/* What a guest's write to the power management ports asks for. */
enum hvm_acpi_pm_action {
    HVM_ACPI_PM_NONE,
    HVM_ACPI_PM_POWEROFF,       /* S5 entered */
    HVM_ACPI_PM_REBOOT,         /* reset register written */
};

/*
 * An I/O exit: true if port is one of the registers above (then a read
 * filled *value, and *action says what the write asked for), false if it
 * is not ours.
 */
bool hvm_acpi_pm_io(uint16_t port, unsigned int size, bool in, uint32_t *value,
                    enum hvm_acpi_pm_action *action);

#endif /* HVM_ACPI_BUILD_H */
