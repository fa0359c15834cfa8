/*
 * Guest ACPI tables for HVM domains (what and why in hvm/acpi_build.h).
 *
 * Field offsets and flags come from sable/acpi.h, the definitions the host
 * table parser uses, and every multi-byte field is stored byte by byte
 * (tables are packed and unaligned). The DSDT's AML is emitted by a small
 * writer that can also only count, so each package's length is known
 * before its PkgLength is written.
 */
#include <hvm/acpi_build.h>
#include <sable/acpi.h>
#include <sable/errno.h>
#include <sable/lib.h>

#define HDR_LEN         sizeof(struct acpi_header)
#define XSDT_ENTRIES    2               /* FADT, MADT */
#define TABLE_ALIGN     16
#define GAS_LEN         sizeof(struct acpi_gas)
#define ACPI_ID_PROCESSOR_DEVICE "ACPI0007"

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

/* Offsets of each table in the buffer, and the total. */
struct layout {
    size_t xsdt, fadt, madt, dsdt, dsdt_len, size;
};

/* --- AML --- */

/* An AML writer; buf NULL only counts bytes. */
struct aml {
    uint8_t *buf;
    size_t len;
};

static void aml_bytes(struct aml *a, const void *src, size_t n)
{
    if (a->buf)
        memcpy(a->buf + a->len, src, n);
    a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
    aml_bytes(a, &b, 1);
}

/* PkgLength (20.2.4) for `content` bytes following it; it counts itself. */
static void aml_pkglen(struct aml *a, size_t content)
{
    unsigned int n = content + 1 <= 0x3f ? 1 : content + 2 <= 0xfff ? 2 :
                     content + 3 <= 0xfffff ? 3 : 4;
    size_t total = content + n;

    if (n == 1) {
        aml_byte(a, (uint8_t)total);
        return;
    }
    aml_byte(a, (uint8_t)((n - 1) << 6 | (total & 0xf)));
    for (unsigned int i = 1; i < n; i++)
        aml_byte(a, (uint8_t)(total >> (4 + 8 * (i - 1))));
}

/* The shortest integer encoding (ZeroOp, OneOp, Byte/Word/DWordPrefix). */
static void aml_integer(struct aml *a, uint32_t v)
{
    uint8_t le[4];

    put32(le, v);
    if (v <= 1) {
        aml_byte(a, v ? AML_ONE_OP : AML_ZERO_OP);
    } else if (v <= 0xff) {
        aml_byte(a, AML_BYTE_PREFIX);
        aml_byte(a, (uint8_t)v);
    } else if (v <= 0xffff) {
        aml_byte(a, AML_WORD_PREFIX);
        aml_bytes(a, le, 2);
    } else {
        aml_byte(a, AML_DWORD_PREFIX);
        aml_bytes(a, le, 4);
    }
}

/* Device (Cnnn) { Name (_HID, "ACPI0007") Name (_UID, n) } without its header. */
static void aml_cpu_body(struct aml *a, unsigned int uid)
{
    static const char hex[] = "0123456789ABCDEF";
    char name[4] = { 'C', hex[(uid >> 8) & 0xf], hex[(uid >> 4) & 0xf], hex[uid & 0xf] };

    aml_bytes(a, name, 4);
    aml_byte(a, AML_NAME_OP);
    aml_bytes(a, "_HID", 4);
    aml_byte(a, AML_STRING_PREFIX);
    aml_bytes(a, ACPI_ID_PROCESSOR_DEVICE, sizeof(ACPI_ID_PROCESSOR_DEVICE));
    aml_byte(a, AML_NAME_OP);
    aml_bytes(a, "_UID", 4);
    aml_integer(a, uid);
}

static void aml_cpu_device(struct aml *a, unsigned int uid)
{
    struct aml count = { NULL, 0 };

    aml_cpu_body(&count, uid);
    aml_byte(a, AML_EXT_OP_PREFIX);
    aml_byte(a, AML_EXT_DEVICE_OP);
    aml_pkglen(a, count.len);
    aml_cpu_body(a, uid);
}

/* Scope (\_SB) { the processor devices } */
static void aml_sb_scope(struct aml *a, unsigned int nr_vcpus)
{
    struct aml count = { NULL, 0 };

    count.len = 5;                      /* "\_SB_" */
    for (unsigned int i = 0; i < nr_vcpus; i++)
        aml_cpu_device(&count, i);
    aml_byte(a, AML_SCOPE_OP);
    aml_pkglen(a, count.len);
    aml_byte(a, AML_ROOT_CHAR);
    aml_bytes(a, "_SB_", 4);
    for (unsigned int i = 0; i < nr_vcpus; i++)
        aml_cpu_device(a, i);
}

/* Name (\_S5, Package (4) { 5, 5, 0, 0 }): the sleep type of soft-off. */
static void aml_s5(struct aml *a)
{
    struct aml count = { NULL, 1 };     /* NumElements */

    aml_integer(&count, HVM_ACPI_S5_SLP_TYP);
    aml_integer(&count, HVM_ACPI_S5_SLP_TYP);
    aml_integer(&count, 0);
    aml_integer(&count, 0);
    aml_byte(a, AML_NAME_OP);
    aml_byte(a, AML_ROOT_CHAR);
    aml_bytes(a, "_S5_", 4);
    aml_byte(a, AML_PACKAGE_OP);
    aml_pkglen(a, count.len);
    aml_byte(a, 4);
    aml_integer(a, HVM_ACPI_S5_SLP_TYP);
    aml_integer(a, HVM_ACPI_S5_SLP_TYP);
    aml_integer(a, 0);
    aml_integer(a, 0);
}

static size_t dsdt_aml(uint8_t *buf, unsigned int nr_vcpus)
{
    struct aml a = { buf, 0 };

    aml_sb_scope(&a, nr_vcpus);
    aml_s5(&a);
    return a.len;
}

/* --- tables --- */

static bool config_ok(const struct hvm_acpi_config *cfg)
{
    return cfg->nr_vcpus >= 1 && cfg->nr_vcpus <= HVM_ACPI_MAX_VCPUS;
}

static size_t madt_entry_len(const struct hvm_acpi_config *cfg)
{
    return cfg->x2apic_entries ? ACPI_MADT_X2APIC_LEN : ACPI_MADT_LAPIC_LEN;
}

static void layout_of(const struct hvm_acpi_config *cfg, struct layout *l)
{
    l->xsdt = ALIGN_UP((size_t)ACPI_RSDP_V2_LEN, (size_t)64);
    l->fadt = ALIGN_UP(l->xsdt + HDR_LEN + 8 * XSDT_ENTRIES, (size_t)TABLE_ALIGN);
    l->madt = ALIGN_UP(l->fadt + ACPI_FADT_V6_LEN, (size_t)TABLE_ALIGN);
    l->dsdt = ALIGN_UP(l->madt + ACPI_MADT_ENTRIES + cfg->nr_vcpus * madt_entry_len(cfg),
                       (size_t)TABLE_ALIGN);
    l->dsdt_len = HDR_LEN + dsdt_aml(NULL, cfg->nr_vcpus);
    l->size = l->dsdt + l->dsdt_len;
}

size_t hvm_acpi_size(const struct hvm_acpi_config *cfg)
{
    struct layout l;

    if (!config_ok(cfg))
        return 0;
    layout_of(cfg, &l);
    return l.size;
}

/* Standard header; the checksum is set last (table_finish). */
static void table_header(uint8_t *t, const char *sig, size_t len, uint8_t revision)
{
    memset(t, 0, len);
    memcpy(t, sig, 4);
    put32(t + 4, (uint32_t)len);
    t[8] = revision;
    memcpy(t + 10, "SABLE ", 6);
    memcpy(t + 16, "SABLEHVM", 8);
    put32(t + 24, 1);                   /* OEM revision */
    memcpy(t + 28, "SABL", 4);          /* creator */
    put32(t + 32, 1);
}

static void table_finish(uint8_t *t, size_t len)
{
    t[9] = 0;
    t[9] = (uint8_t)-acpi_checksum(t, len);
}

static void put_gas_io(uint8_t *p, uint16_t port)
{
    p[0] = ACPI_GAS_IO;
    p[1] = 8;                           /* bit width */
    p[2] = 0;                           /* bit offset */
    p[3] = 1;                           /* byte access */
    put64(p + 4, port);
}

static void build_rsdp(uint8_t *r, uint64_t xsdt)
{
    memset(r, 0, ACPI_RSDP_V2_LEN);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "SABLE ", 6);
    r[15] = 2;                          /* revision: ACPI 2.0+, XSDT */
    put32(r + 20, ACPI_RSDP_V2_LEN);
    put64(r + 24, xsdt);
    r[8] = (uint8_t)-acpi_checksum(r, ACPI_RSDP_V1_LEN);
    r[32] = (uint8_t)-acpi_checksum(r, ACPI_RSDP_V2_LEN);
}

static void build_xsdt(uint8_t *t, uint64_t fadt, uint64_t madt)
{
    size_t len = HDR_LEN + 8 * XSDT_ENTRIES;

    table_header(t, "XSDT", len, 1);
    put64(t + HDR_LEN, fadt);
    put64(t + HDR_LEN + 8, madt);
    table_finish(t, len);
}

/* Hardware-reduced FADT: no PM blocks, SCI or FACS; sleep and reset registers. */
static void build_fadt(uint8_t *t, uint64_t dsdt)
{
    table_header(t, "FACP", ACPI_FADT_V6_LEN, 6);
    put32(t + ACPI_FADT_DSDT, (uint32_t)dsdt);
    put16(t + ACPI_FADT_IAPC_BOOT_ARCH,
          ACPI_BOOT_VGA_NOT_PRESENT | ACPI_BOOT_CMOS_RTC_NOT_PRESENT);
    put32(t + ACPI_FADT_FLAGS, ACPI_FADT_F_WBINVD | ACPI_FADT_F_PWR_BUTTON |
                               ACPI_FADT_F_SLP_BUTTON | ACPI_FADT_F_RESET_REG_SUP |
                               ACPI_FADT_F_HW_REDUCED);
    put_gas_io(t + ACPI_FADT_RESET_REG, HVM_ACPI_RESET_PORT);
    t[ACPI_FADT_RESET_VALUE] = HVM_ACPI_RESET_VALUE;
    put64(t + ACPI_FADT_X_DSDT, dsdt);
    put_gas_io(t + ACPI_FADT_SLEEP_CONTROL, HVM_ACPI_SLEEP_CONTROL_PORT);
    put_gas_io(t + ACPI_FADT_SLEEP_STATUS, HVM_ACPI_SLEEP_STATUS_PORT);
    table_finish(t, ACPI_FADT_V6_LEN);
}

/* One enabled entry per vCPU: APIC id = ACPI processor UID = vCPU index. */
static void build_madt(uint8_t *t, const struct hvm_acpi_config *cfg)
{
    size_t elen = madt_entry_len(cfg), len = ACPI_MADT_ENTRIES + cfg->nr_vcpus * elen;

    table_header(t, "APIC", len, 4);
    put32(t + ACPI_MADT_LAPIC_ADDRESS, 0xfee00000);
    put32(t + ACPI_MADT_FLAGS, 0);      /* no 8259 */
    for (unsigned int i = 0; i < cfg->nr_vcpus; i++) {
        uint8_t *e = t + ACPI_MADT_ENTRIES + i * elen;
        e[1] = (uint8_t)elen;
        if (cfg->x2apic_entries) {
            e[0] = ACPI_MADT_X2APIC;
            put32(e + 4, i);
            put32(e + 8, ACPI_MADT_CPU_ENABLED);
            put32(e + 12, i);
        } else {
            e[0] = ACPI_MADT_LAPIC;
            e[2] = (uint8_t)i;
            e[3] = (uint8_t)i;
            put32(e + 4, ACPI_MADT_CPU_ENABLED);
        }
    }
    table_finish(t, len);
}

static void build_dsdt(uint8_t *t, size_t len, unsigned int nr_vcpus)
{
    table_header(t, "DSDT", len, 2);    /* revision 2: 64-bit integers */
    dsdt_aml(t + HDR_LEN, nr_vcpus);
    table_finish(t, len);
}

int hvm_acpi_build(void *buf, size_t buf_size, uint64_t gpa,
                   const struct hvm_acpi_config *cfg, struct hvm_acpi_layout *out)
{
    uint8_t *b = buf;
    struct layout l;

    if (!config_ok(cfg) || !IS_ALIGNED(gpa, (uint64_t)TABLE_ALIGN))
        return -EINVAL;
    layout_of(cfg, &l);
    if (gpa >= (1ULL << 32) || l.size > (1ULL << 32) - gpa)
        return -EINVAL;                 /* the FADT's 32-bit DSDT field must reach */
    if (buf_size < l.size)
        return -ENOSPC;
    memset(b, 0, l.size);
    build_rsdp(b, gpa + l.xsdt);
    build_xsdt(b + l.xsdt, gpa + l.fadt, gpa + l.madt);
    build_fadt(b + l.fadt, gpa + l.dsdt);
    build_madt(b + l.madt, cfg);
    build_dsdt(b + l.dsdt, l.dsdt_len, cfg->nr_vcpus);
    *out = (struct hvm_acpi_layout){ .rsdp = gpa, .xsdt = gpa + l.xsdt, .fadt = gpa + l.fadt,
                                     .dsdt = gpa + l.dsdt, .madt = gpa + l.madt,
                                     .size = l.size };
    return 0;
}

bool hvm_acpi_pm_io(uint16_t port, unsigned int size, bool in, uint32_t *value,
                    enum hvm_acpi_pm_action *action)
{
    uint8_t v = in ? 0 : (uint8_t)*value;

    if (port != HVM_ACPI_SLEEP_CONTROL_PORT && port != HVM_ACPI_SLEEP_STATUS_PORT &&
        port != HVM_ACPI_RESET_PORT)
        return false;
    *action = HVM_ACPI_PM_NONE;
    if (in) {
        *value = 0;                     /* no wake status, nothing to read */
        return true;
    }
    if (port == HVM_ACPI_SLEEP_CONTROL_PORT && (v & HVM_ACPI_SLP_EN) &&
        ((v & HVM_ACPI_SLP_TYP_MASK) >> HVM_ACPI_SLP_TYP_SHIFT) == HVM_ACPI_S5_SLP_TYP)
        *action = HVM_ACPI_PM_POWEROFF;
    else if (port == HVM_ACPI_RESET_PORT && v == HVM_ACPI_RESET_VALUE)
        *action = HVM_ACPI_PM_REBOOT;
    return true;
}
