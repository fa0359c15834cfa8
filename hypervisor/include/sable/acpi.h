/*
 * ACPI static tables: just what the hypervisor needs to boot the machine —
 * which CPUs exist (MADT), where the I/O APICs and the HPET are, and how to
 * reset and power off (FADT, plus the \_S5 package of the DSDT).
 *
 * Layouts follow the ACPI specification (6.x, chapter 5.2). Firmware tables
 * are input, not truth: every table is checksummed and bounds-checked, and
 * one that is corrupt is rejected whole, never half-used.
 *
 * The parser is portable (common/acpi_tables.c, unit-tested with hand-built
 * tables); it reaches physical memory only through arch_acpi_map().
 */
#ifndef SABLE_ACPI_H
#define SABLE_ACPI_H

#include <sable/types.h>

/* Root System Description Pointer (5.2.5.3). */
struct acpi_rsdp {
    char signature[8];              /* "RSD PTR " */
    uint8_t checksum;               /* of the first 20 bytes */
    char oem_id[6];
    uint8_t revision;               /* 0: ACPI 1.0 (20 bytes); 2: ACPI 2.0+ */
    uint32_t rsdt_address;
    uint32_t length;                /* revision >= 2 from here on */
    uint64_t xsdt_address;
    uint8_t ext_checksum;           /* of all length bytes */
    uint8_t reserved[3];
} __packed;

#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36

/* Common header of every System Description Table (5.2.6). */
struct acpi_header {
    char signature[4];
    uint32_t length;                /* whole table, header included */
    uint8_t revision;
    uint8_t checksum;               /* all bytes sum to 0 */
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __packed;

/* Generic Address Structure (5.2.3.2). */
struct acpi_gas {
    uint8_t space_id;
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;
    uint64_t address;
} __packed;

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO     1
#define ACPI_GAS_PCI    2

/* MADT (5.2.12): header, local APIC address, flags, then entries. */
#define ACPI_MADT_LAPIC_ADDRESS 36
#define ACPI_MADT_FLAGS         40
#define ACPI_MADT_ENTRIES       44
#define ACPI_MADT_LAPIC         0       /* entry types */
#define ACPI_MADT_IOAPIC        1
#define ACPI_MADT_OVERRIDE      2
#define ACPI_MADT_LAPIC_ADDR    5
#define ACPI_MADT_X2APIC        9
#define ACPI_MADT_LAPIC_LEN     8       /* type, len, uid8, id8, flags32 */
#define ACPI_MADT_X2APIC_LEN    16      /* type, len, rsvd16, id32, flags32, uid32 */
#define ACPI_MADT_CPU_ENABLED   (1u << 0)

/* FADT (5.2.9) field offsets, lengths and flags. */
#define ACPI_FADT_FIRMWARE_CTRL 36
#define ACPI_FADT_DSDT          40
#define ACPI_FADT_SMI_CMD       48
#define ACPI_FADT_ACPI_ENABLE   52
#define ACPI_FADT_PM1A_CNT      64
#define ACPI_FADT_PM1B_CNT      68
#define ACPI_FADT_PM1_CNT_LEN   89
#define ACPI_FADT_IAPC_BOOT_ARCH 109
#define ACPI_FADT_FLAGS         112
#define ACPI_FADT_V1_LEN        116     /* ACPI 1.0 ends after the flags */
#define ACPI_FADT_RESET_REG     116
#define ACPI_FADT_RESET_VALUE   128
#define ACPI_FADT_MINOR_VERSION 131
#define ACPI_FADT_X_DSDT        140
#define ACPI_FADT_X_PM1A_CNT    172
#define ACPI_FADT_X_PM1B_CNT    184
#define ACPI_FADT_SLEEP_CONTROL 244     /* ACPI 5.0+ */
#define ACPI_FADT_SLEEP_STATUS  256
#define ACPI_FADT_V6_LEN        276     /* ACPI 6.x, with the hypervisor vendor id */
#define ACPI_FADT_F_WBINVD      (1u << 0)
#define ACPI_FADT_F_PWR_BUTTON  (1u << 4)   /* no fixed power button */
#define ACPI_FADT_F_SLP_BUTTON  (1u << 5)   /* no fixed sleep button */
#define ACPI_FADT_F_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_F_HW_REDUCED  (1u << 20)
#define ACPI_BOOT_VGA_NOT_PRESENT  (1u << 2)  /* IAPC_BOOT_ARCH */
#define ACPI_BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)

/* AML (20.2): the opcodes the \_S5 reader and the guest DSDT builder use. */
#define AML_ZERO_OP      0x00
#define AML_ONE_OP       0x01
#define AML_NAME_OP      0x08
#define AML_BYTE_PREFIX  0x0a
#define AML_WORD_PREFIX  0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_SCOPE_OP     0x10
#define AML_PACKAGE_OP   0x12
#define AML_EXT_OP_PREFIX 0x5b
#define AML_EXT_DEVICE_OP 0x82          /* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR    '\\'

/* Sanity bounds on what firmware may claim. */
#define ACPI_TABLE_MAX_LEN   (16u << 20)    /* a large DSDT is ~1 MiB */
#define ACPI_ROOT_MAX_ENTRIES 1024

/* What the parser keeps (bounded arrays; overflow is counted, not stored). */
#define ACPI_MAX_CPUS      256
#define ACPI_MAX_IOAPICS   8
#define ACPI_MAX_OVERRIDES 16

struct acpi_cpu {
    uint32_t apic_id;
    uint32_t uid;                   /* ACPI processor UID */
    bool enabled;
    bool from_x2apic_entry;
};

struct acpi_ioapic {
    uint32_t id;
    uint32_t address;
    uint32_t gsi_base;
};

/* An ISA IRQ that is not identity-mapped to a GSI, or not edge/high. */
struct acpi_override {
    uint8_t bus;
    uint8_t source;                 /* ISA IRQ */
    uint32_t gsi;
    uint16_t flags;                 /* polarity bits 0-1, trigger bits 2-3 */
};

struct acpi_madt_info {
    paddr_t lapic_address;
    uint32_t flags;                 /* bit 0: PC-AT dual 8259 present */
    unsigned int nr_cpus;           /* entries in cpus[] */
    unsigned int nr_enabled;        /* of which enabled */
    unsigned int nr_dropped;        /* CPU entries beyond ACPI_MAX_CPUS or duplicates */
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    unsigned int nr_ioapics;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    unsigned int nr_overrides;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];
};

struct acpi_fadt_info {
    uint32_t flags;
    bool hw_reduced;
    bool reset_supported;           /* reset_reg usable */
    struct acpi_gas reset_reg;
    uint8_t reset_value;
    uint32_t smi_cmd;               /* port, 0 if no legacy mode switch */
    uint8_t acpi_enable;
    struct acpi_gas pm1a_cnt, pm1b_cnt;   /* address 0: absent */
    paddr_t dsdt;
    uint16_t slp_typ_s5[2];         /* for PM1a and PM1b */
    bool s5_from_dsdt;              /* false: the QEMU/Bochs default (0) */
    uint16_t iapc_boot_arch;        /* ACPI_BOOT_* */
    struct acpi_gas sleep_control, sleep_status;    /* hardware-reduced; 0: absent */
};

struct acpi_hpet_info {
    struct acpi_gas base;
    uint32_t block_id;
    uint8_t number;
    uint16_t min_tick;
};

struct acpi_info {
    paddr_t rsdp_address;
    uint8_t revision;
    char oem_id[7];
    paddr_t root_address;
    bool root_is_xsdt;
    unsigned int nr_tables;
    bool have_madt, have_fadt, have_hpet;
    struct acpi_madt_info madt;
    struct acpi_fadt_info fadt;
    struct acpi_hpet_info hpet;
};

/*
 * Sum of len bytes, mod 256: 0 for a valid table. Inline: the guest table
 * builder (hvm/acpi_build.c) is also built into dom0, without the parser.
 */
static inline uint8_t acpi_checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return sum;
}

/* Validate an RSDP of avail readable bytes: 0 or -EINVAL. */
int acpi_rsdp_validate(const void *p, size_t avail);

/* Offset of the first valid RSDP on a 16-byte boundary of area, or -ENOENT. */
long acpi_rsdp_scan(const void *area, size_t len);

/*
 * Map and validate the table at pa: signature (if sig is not NULL), length
 * within [header, ACPI_TABLE_MAX_LEN] and mappable, checksum. NULL if bad.
 */
const struct acpi_header *acpi_table_get(paddr_t pa, const char *sig);

/* Table parsers: 0, or -EINVAL with *out unspecified. */
int acpi_madt_parse(const struct acpi_header *h, struct acpi_madt_info *out);
int acpi_fadt_parse(const struct acpi_header *h, struct acpi_fadt_info *out);
int acpi_hpet_parse(const struct acpi_header *h, struct acpi_hpet_info *out);

/*
 * Find `Name(_S5, Package() { a, b, ... })` in AML bytecode and return the
 * first two integers: 0, or -ENOENT if there is no such well-formed package.
 */
int acpi_aml_find_s5(const uint8_t *aml, size_t len, uint16_t *typ_a, uint16_t *typ_b);

/*
 * Check the RSDP (rsdp_len readable bytes at rsdp, found at rsdp_pa), walk
 * the XSDT (or the RSDT if the XSDT is absent or bad) and fill info from
 * every table that validates. Returns 0, or -EINVAL if no root table is good.
 */
int acpi_tables_parse(const void *rsdp, size_t rsdp_len, paddr_t rsdp_pa,
                      struct acpi_info *info);

/* arch: map len bytes of physical memory for reading; NULL if impossible. */
const void *arch_acpi_map(paddr_t pa, size_t len);

#endif
