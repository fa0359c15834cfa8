/*
 * ACPI table parser against hand-built tables in a fake physical memory:
 * good tables, and corrupt ones (bad checksums, lengths past the end,
 * absurd entry counts, truncated entries, malformed AML) that must be
 * refused without reading out of bounds (ASan watches).
 * SOURCES: hypervisor/common/acpi_tables.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/lib.h>
#include <sable/acpi.h>
#include <sable/errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MEM_SIZE (256 * 1024)
/* Where the test tables live in fake physical memory. */
#define PA_RSDP  0x1000
#define PA_RSDT  0x2000
#define PA_XSDT  0x3000
#define PA_MADT  0x4000
#define PA_FADT  0x6000
#define PA_DSDT  0x7000
#define PA_HPET  0x9000
#define PA_BIG   0xa000

static uint8_t *mem;            /* malloc'ed: ASan catches reads past it */

const void *arch_acpi_map(paddr_t pa, size_t len)
{
    if (pa > MEM_SIZE || len > MEM_SIZE - pa)
        return NULL;
    return mem + pa;
}

static void put16(paddr_t pa, uint16_t v) { memcpy(mem + pa, &v, 2); }
static void put32(paddr_t pa, uint32_t v) { memcpy(mem + pa, &v, 4); }
static void put64(paddr_t pa, uint64_t v) { memcpy(mem + pa, &v, 8); }

static void fix_checksum(paddr_t pa)
{
    uint32_t len;

    memcpy(&len, mem + pa + 4, 4);
    if (len < 10 || len > MEM_SIZE - pa)
        return;                         /* fuzzed length: leave it bad */
    mem[pa + 9] = 0;
    mem[pa + 9] = (uint8_t)-acpi_checksum(mem + pa, len);
}

static void put_header(paddr_t pa, const char *sig, uint32_t len, uint8_t rev)
{
    memset(mem + pa, 0, len);
    memcpy(mem + pa, sig, 4);
    put32(pa + 4, len);
    mem[pa + 8] = rev;
    memcpy(mem + pa + 10, "SABLE ", 6);
}

static void put_rsdp(paddr_t pa, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
    memset(mem + pa, 0, 36);
    memcpy(mem + pa, "RSD PTR ", 8);
    memcpy(mem + pa + 9, "BOCHS ", 6);
    mem[pa + 15] = rev;
    put32(pa + 16, rsdt);
    mem[pa + 8] = (uint8_t)-acpi_checksum(mem + pa, 20);
    if (rev >= 2) {
        put32(pa + 20, 36);
        put64(pa + 24, xsdt);
        mem[pa + 32] = (uint8_t)-acpi_checksum(mem + pa, 36);
    }
}

static void put_root(paddr_t pa, bool xsdt, const paddr_t *tables, unsigned int n)
{
    unsigned int es = xsdt ? 8 : 4;

    put_header(pa, xsdt ? "XSDT" : "RSDT", 36 + n * es, 1);
    for (unsigned int i = 0; i < n; i++) {
        if (xsdt)
            put64(pa + 36 + i * 8, tables[i]);
        else
            put32(pa + 36 + i * 4, (uint32_t)tables[i]);
    }
    fix_checksum(pa);
}

/* MADT: 3 xAPIC CPUs (one disabled), an x2APIC CPU, an I/O APIC, 2 overrides. */
static uint32_t put_madt(paddr_t pa)
{
    uint32_t off = 44;
    const uint8_t lapics[3][8] = { { 0, 8, 0, 0, 1 }, { 0, 8, 1, 1, 1 }, { 0, 8, 2, 2, 0 } };

    put_header(pa, "APIC", 200, 3);
    put32(pa + 36, 0xfee00000);
    put32(pa + 40, 1);
    for (int i = 0; i < 3; i++, off += 8)
        memcpy(mem + pa + off, lapics[i], 8);
    mem[pa + off] = 9; mem[pa + off + 1] = 16;          /* x2APIC */
    put32(pa + off + 4, 300);
    put32(pa + off + 8, 1);
    put32(pa + off + 12, 77);
    off += 16;
    mem[pa + off] = 1; mem[pa + off + 1] = 12;          /* I/O APIC */
    mem[pa + off + 2] = 4;
    put32(pa + off + 4, 0xfec00000);
    put32(pa + off + 8, 0);
    off += 12;
    for (int i = 0; i < 2; i++, off += 10) {            /* overrides */
        mem[pa + off] = 2; mem[pa + off + 1] = 10;
        mem[pa + off + 3] = i ? 9 : 0;
        put32(pa + off + 4, i ? 9 : 2);
        put16(pa + off + 8, i ? 0xd : 0);
    }
    mem[pa + off] = 4; mem[pa + off + 1] = 6;           /* LAPIC NMI: skipped */
    off += 6;
    put32(pa + 4, off);
    fix_checksum(pa);
    return off;
}

/* A DSDT whose AML holds Name(\_S5, Package(4) {5, 0x0105, 0, 0}) after junk. */
static void put_dsdt(paddr_t pa)
{
    const uint8_t aml[] = {
        0x10, 0x05, '_', 'S', '5', '_',                  /* a Scope naming _S5_: skip */
        0x08, '\\', '_', 'S', '5', '_',
        0x12, 0x0a, 0x04, 0x0a, 0x05, 0x0b, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,
    };

    put_header(pa, "DSDT", 36 + sizeof(aml), 2);
    memcpy(mem + pa + 36, aml, sizeof(aml));
    fix_checksum(pa);
}

static void put_fadt(paddr_t pa, uint32_t len)
{
    put_header(pa, "FACP", len, 3);
    put32(pa + 40, PA_DSDT);
    put32(pa + 48, 0xb2);
    mem[pa + 52] = 0xf1;
    put32(pa + 64, 0x604);
    mem[pa + 89] = 2;
    put32(pa + 112, (1u << 10));
    if (len > 128) {
        mem[pa + 116] = ACPI_GAS_IO;
        mem[pa + 117] = 8;
        put64(pa + 120, 0xcf9);
        mem[pa + 128] = 0x06;
    }
    fix_checksum(pa);
}

static void put_hpet(paddr_t pa)
{
    put_header(pa, "HPET", 56, 1);
    put32(pa + 36, 0x8086a201);
    put64(pa + 44, 0xfed00000);
    mem[pa + 52] = 0;
    put16(pa + 53, 128);
    fix_checksum(pa);
}

static const paddr_t all_tables[] = { PA_FADT, PA_MADT, PA_HPET };

static int setup(void **state)
{
    memset(mem, 0, MEM_SIZE);
    put_madt(PA_MADT);
    put_dsdt(PA_DSDT);
    put_fadt(PA_FADT, 244);
    put_hpet(PA_HPET);
    put_root(PA_RSDT, false, all_tables, 3);
    put_root(PA_XSDT, true, all_tables, 3);
    put_rsdp(PA_RSDP, 2, PA_RSDT, PA_XSDT);
    return 0;
}

static struct acpi_info info;

static int parse(void)
{
    return acpi_tables_parse(mem + PA_RSDP, 36, PA_RSDP, &info);
}

static void test_rsdp_validation(void **state)
{
    assert_int_equal(acpi_rsdp_validate(mem + PA_RSDP, 36), 0);
    assert_int_equal(acpi_rsdp_validate(mem + PA_RSDP, 35), -EINVAL);   /* v2 cut short */
    put_rsdp(PA_RSDP, 0, PA_RSDT, 0);
    assert_int_equal(acpi_rsdp_validate(mem + PA_RSDP, 20), 0);
    mem[PA_RSDP + 16] ^= 1;                                            /* checksum */
    assert_int_equal(acpi_rsdp_validate(mem + PA_RSDP, 20), -EINVAL);

    put_rsdp(PA_RSDP, 2, PA_RSDT, PA_XSDT);
    mem[PA_RSDP + 30] = 1;                                 /* extended checksum */
    assert_int_equal(acpi_rsdp_validate(mem + PA_RSDP, 36), -EINVAL);
    put_rsdp(PA_RSDP, 2, PA_RSDT, PA_XSDT);
    put32(PA_RSDP + 20, 0x10000);                          /* length past the copy */
    mem[PA_RSDP + 32] = 0;
    mem[PA_RSDP + 32] = (uint8_t)-acpi_checksum(mem + PA_RSDP, 36);
    assert_int_equal(acpi_rsdp_validate(mem + PA_RSDP, 36), -EINVAL);
    put32(PA_RSDP + 20, 20);                               /* length too small */
    assert_int_equal(acpi_rsdp_validate(mem + PA_RSDP, 36), -EINVAL);
    memcpy(mem + PA_RSDP, "RSD PTX ", 8);
    assert_int_equal(acpi_rsdp_validate(mem + PA_RSDP, 36), -EINVAL);
}

static void test_rsdp_scan(void **state)
{
    uint8_t area[256];

    memset(area, 0xaa, sizeof(area));
    assert_int_equal(acpi_rsdp_scan(area, sizeof(area)), -ENOENT);
    memcpy(area + 0x18, mem + PA_RSDP, 36);                 /* not 16-aligned */
    assert_int_equal(acpi_rsdp_scan(area, sizeof(area)), -ENOENT);
    memcpy(area + 0x60, mem + PA_RSDP, 36);
    assert_int_equal(acpi_rsdp_scan(area, sizeof(area)), 0x60);
    /* Cut off in the middle: never read past len. */
    assert_int_equal(acpi_rsdp_scan(area, 0x60 + 30), -ENOENT);
}

static void test_full_parse(void **state)
{
    assert_int_equal(parse(), 0);
    assert_true(info.root_is_xsdt);
    assert_int_equal(info.root_address, PA_XSDT);
    assert_int_equal(info.revision, 2);
    assert_string_equal(info.oem_id, "BOCHS");
    assert_int_equal(info.nr_tables, 3);

    assert_true(info.have_madt);
    assert_int_equal(info.madt.lapic_address, 0xfee00000);
    assert_int_equal(info.madt.nr_cpus, 4);
    assert_int_equal(info.madt.nr_enabled, 3);
    assert_int_equal(info.madt.cpus[1].apic_id, 1);
    assert_true(info.madt.cpus[1].enabled);
    assert_false(info.madt.cpus[2].enabled);
    assert_int_equal(info.madt.cpus[3].apic_id, 300);
    assert_int_equal(info.madt.cpus[3].uid, 77);
    assert_true(info.madt.cpus[3].from_x2apic_entry);
    assert_int_equal(info.madt.nr_ioapics, 1);
    assert_int_equal(info.madt.ioapics[0].address, 0xfec00000);
    assert_int_equal(info.madt.ioapics[0].id, 4);
    assert_int_equal(info.madt.nr_overrides, 2);
    assert_int_equal(info.madt.overrides[0].gsi, 2);
    assert_int_equal(info.madt.overrides[1].source, 9);
    assert_int_equal(info.madt.overrides[1].flags, 0xd);

    assert_true(info.have_fadt);
    assert_true(info.fadt.reset_supported);
    assert_int_equal(info.fadt.reset_reg.space_id, ACPI_GAS_IO);
    assert_int_equal(info.fadt.reset_reg.address, 0xcf9);
    assert_int_equal(info.fadt.reset_value, 6);
    assert_int_equal(info.fadt.pm1a_cnt.address, 0x604);
    assert_int_equal(info.fadt.pm1a_cnt.space_id, ACPI_GAS_IO);
    assert_int_equal(info.fadt.pm1a_cnt.bit_width, 16);
    assert_int_equal(info.fadt.pm1b_cnt.address, 0);
    assert_int_equal(info.fadt.smi_cmd, 0xb2);
    assert_int_equal(info.fadt.acpi_enable, 0xf1);
    assert_true(info.fadt.s5_from_dsdt);
    assert_int_equal(info.fadt.slp_typ_s5[0], 5);
    assert_int_equal(info.fadt.slp_typ_s5[1], 0x105);

    assert_true(info.have_hpet);
    assert_int_equal(info.hpet.base.address, 0xfed00000);
    assert_int_equal(info.hpet.min_tick, 128);
}

static void test_rsdt_only_and_bad_xsdt(void **state)
{
    put_rsdp(PA_RSDP, 0, PA_RSDT, 0);
    assert_int_equal(acpi_tables_parse(mem + PA_RSDP, 20, PA_RSDP, &info), 0);
    assert_false(info.root_is_xsdt);
    assert_int_equal(info.madt.nr_enabled, 3);

    /* A corrupt XSDT falls back to the RSDT. */
    put_rsdp(PA_RSDP, 2, PA_RSDT, PA_XSDT);
    mem[PA_XSDT + 40] ^= 0x10;
    assert_int_equal(parse(), 0);
    assert_false(info.root_is_xsdt);
    assert_true(info.have_fadt);

    /* Both bad: nothing. */
    mem[PA_RSDT + 40] ^= 0x10;
    assert_int_equal(parse(), -EINVAL);
    assert_false(info.have_madt);
}

static void test_absurd_root(void **state)
{
    /* An XSDT claiming 2000 entries (checksummed, and mappable). */
    put_header(PA_BIG, "XSDT", 36 + 2000 * 8, 1);
    fix_checksum(PA_BIG);
    put_rsdp(PA_RSDP, 2, PA_RSDT, PA_BIG);
    assert_int_equal(parse(), 0);
    assert_false(info.root_is_xsdt);                        /* RSDT used */

    /* A root table running past the end of memory. */
    put_header(MEM_SIZE - 48, "XSDT", 36 + 8, 1);
    put32(MEM_SIZE - 48 + 4, 4096);
    put_rsdp(PA_RSDP, 2, PA_RSDT, MEM_SIZE - 48);
    assert_int_equal(parse(), 0);
    assert_false(info.root_is_xsdt);

    /* Length below the header, and 4 GiB - 1. */
    put32(PA_XSDT + 4, 20);
    put_rsdp(PA_RSDP, 2, PA_RSDT, PA_XSDT);
    assert_null(acpi_table_get(PA_XSDT, "XSDT"));
    put32(PA_XSDT + 4, 0xffffffff);
    assert_null(acpi_table_get(PA_XSDT, "XSDT"));
    assert_null(acpi_table_get(0, NULL));
    assert_null(acpi_table_get(UINT64_MAX - 8, NULL));
    assert_null(acpi_table_get(PA_MADT, "FACP"));           /* wrong signature */
}

static void test_corrupt_madt(void **state)
{
    uint32_t len = put_madt(PA_MADT);

    /* Checksum: skipped as a whole, other tables still used. */
    mem[PA_MADT + 50] ^= 1;
    assert_int_equal(parse(), 0);
    assert_false(info.have_madt);
    assert_true(info.have_fadt);
    assert_int_equal(info.nr_tables, 2);

    /* An entry of length 0 (would loop forever). */
    put_madt(PA_MADT);
    mem[PA_MADT + 44 + 8 + 1] = 0;
    fix_checksum(PA_MADT);
    assert_int_equal(parse(), 0);
    assert_false(info.have_madt);

    /* The last entry runs past the table's end. */
    put_madt(PA_MADT);
    mem[PA_MADT + len - 6 + 1] = 40;
    fix_checksum(PA_MADT);
    assert_int_equal(parse(), 0);
    assert_false(info.have_madt);

    /* An x2APIC entry too short for its fields. */
    put_madt(PA_MADT);
    mem[PA_MADT + 44 + 24 + 1] = 8;
    fix_checksum(PA_MADT);
    assert_int_equal(parse(), 0);
    assert_false(info.have_madt);

    /* A single trailing byte. */
    put_madt(PA_MADT);
    put32(PA_MADT + 4, len + 1);
    fix_checksum(PA_MADT);
    assert_int_equal(parse(), 0);
    assert_false(info.have_madt);
}

static void test_madt_duplicates_and_overflow(void **state)
{
    uint32_t n = 300;

    /* xAPIC entries: ids 5 (i < 10), then i % 255; repeats are dropped. */
    put_header(PA_BIG, "APIC", 44 + n * 8, 3);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = mem + PA_BIG + 44 + i * 8;
        e[0] = 0; e[1] = 8; e[2] = i; e[3] = (i < 10) ? 5 : i % 255;
        e[4] = 1;
    }
    fix_checksum(PA_BIG);
    assert_int_equal(acpi_madt_parse(acpi_table_get(PA_BIG, "APIC"), &info.madt), 0);
    /* stored: 5, 10..254, then 0..4 and 6..9; dropped: 9 + 1 + 35 repeats */
    assert_int_equal(info.madt.nr_cpus, 255);
    assert_int_equal(info.madt.nr_dropped, 45);
    assert_int_equal(info.madt.cpus[0].apic_id, 5);
    assert_int_equal(info.madt.cpus[1].apic_id, 10);

    /* 300 distinct x2APIC CPUs: the first ACPI_MAX_CPUS are kept. */
    put_header(PA_BIG, "APIC", 44 + n * 16, 3);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = mem + PA_BIG + 44 + i * 16;
        e[0] = 9; e[1] = 16;
        memcpy(e + 4, &i, 4);
        e[8] = 1;
    }
    fix_checksum(PA_BIG);
    assert_int_equal(acpi_madt_parse(acpi_table_get(PA_BIG, "APIC"), &info.madt), 0);
    assert_int_equal(info.madt.nr_cpus, ACPI_MAX_CPUS);
    assert_int_equal(info.madt.nr_enabled, ACPI_MAX_CPUS);
    assert_int_equal(info.madt.nr_dropped, n - ACPI_MAX_CPUS);
    assert_int_equal(info.madt.cpus[255].apic_id, 255);
}

static void test_fadt_variants(void **state)
{
    /* ACPI 1.0 size: no reset register, legacy PM1 port. */
    put_fadt(PA_FADT, 116);
    assert_int_equal(parse(), 0);
    assert_true(info.have_fadt);
    assert_false(info.fadt.reset_supported);
    assert_int_equal(info.fadt.pm1a_cnt.address, 0x604);

    /* X_PM1a_CNT_BLK wins over the legacy port, X_DSDT over DSDT. */
    put_fadt(PA_FADT, 276);
    mem[PA_FADT + 172] = ACPI_GAS_IO;
    put64(PA_FADT + 176, 0x1004);
    put64(PA_FADT + 140, PA_DSDT);
    put32(PA_FADT + 40, 0x12345);
    fix_checksum(PA_FADT);
    assert_int_equal(parse(), 0);
    assert_int_equal(info.fadt.pm1a_cnt.address, 0x1004);
    assert_true(info.fadt.s5_from_dsdt);

    /* Too short to hold PM1 and flags: rejected. */
    put_fadt(PA_FADT, 100);
    assert_int_equal(parse(), 0);
    assert_false(info.have_fadt);

    /* A corrupt DSDT: FADT kept, S5 falls back to the default. */
    put_fadt(PA_FADT, 244);
    mem[PA_DSDT + 40] ^= 0xff;
    assert_int_equal(parse(), 0);
    assert_true(info.have_fadt);
    assert_false(info.fadt.s5_from_dsdt);
    assert_int_equal(info.fadt.slp_typ_s5[0], 0);
}

static void test_aml_s5(void **state)
{
    uint16_t a = 99, b = 99;
    const uint8_t qemu[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 };
    const uint8_t one[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x07 };
    const uint8_t longpkg[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x40, 0x01, 0x02,
                                0x01, 0x0c, 3, 0, 0, 0, [16 ... 21] = 0 };
    const uint8_t not_name[] = { 0x14, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 };
    const uint8_t past_end[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x04, 0, 0 };
    const uint8_t cut_int[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0c, 1 };
    const uint8_t method[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x70, 0, 0 };
    const uint8_t empty[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00 };
    const uint8_t tail[] = { 0x08, '_', 'S', '5', '_' };

    assert_int_equal(acpi_aml_find_s5(qemu, sizeof(qemu), &a, &b), 0);
    assert_int_equal(a, 0);
    assert_int_equal(b, 0);
    assert_int_equal(acpi_aml_find_s5(one, sizeof(one), &a, &b), 0);
    assert_int_equal(a, 7);
    assert_int_equal(b, 7);
    /* Two-byte PkgLength (0x40 | 0, then 0x01: 16 bytes). */
    assert_int_equal(acpi_aml_find_s5(longpkg, sizeof(longpkg), &a, &b), 0);
    assert_int_equal(a, 1);
    assert_int_equal(b, 3);

    a = b = 99;
    assert_int_equal(acpi_aml_find_s5(not_name, sizeof(not_name), &a, &b), -ENOENT);
    assert_int_equal(acpi_aml_find_s5(past_end, sizeof(past_end), &a, &b), -ENOENT);
    assert_int_equal(acpi_aml_find_s5(cut_int, sizeof(cut_int), &a, &b), -ENOENT);
    assert_int_equal(acpi_aml_find_s5(method, sizeof(method), &a, &b), -ENOENT);
    assert_int_equal(acpi_aml_find_s5(empty, sizeof(empty), &a, &b), -ENOENT);
    assert_int_equal(acpi_aml_find_s5(tail, sizeof(tail), &a, &b), -ENOENT);
    assert_int_equal(acpi_aml_find_s5(qemu, 0, &a, &b), -ENOENT);
    assert_int_equal(a, 99);
}

static void test_hpet(void **state)
{
    put_header(PA_HPET, "HPET", 50, 1);            /* too short */
    fix_checksum(PA_HPET);
    assert_int_equal(parse(), 0);
    assert_false(info.have_hpet);
    put_hpet(PA_HPET);
    mem[PA_HPET + 40] = ACPI_GAS_IO;               /* HPET must be MMIO */
    fix_checksum(PA_HPET);
    assert_int_equal(parse(), 0);
    assert_false(info.have_hpet);
}

/* Random corruption of every byte of every table: must never crash. */
static void test_fuzz_bytes(void **state)
{
    const paddr_t tables[] = { PA_RSDP, PA_XSDT, PA_MADT, PA_FADT, PA_DSDT, PA_HPET };
    uint64_t rng = 99;
    int saved_stdout;

    /* The parser's warnings are expected here, thousands of them: hide them. */
    fflush(stdout);
    saved_stdout = dup(1);
    dup2(open("/dev/null", O_WRONLY), 1);
    for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
        for (int round = 0; round < 300; round++) {
            paddr_t pa = tables[t];
            setup(NULL);
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            mem[pa + (rng >> 33) % 48] = (uint8_t)(rng >> 20);
            if (pa != PA_RSDP && (rng & 1))
                fix_checksum(pa);
            (void)parse();
        }
    }
    fflush(stdout);
    dup2(saved_stdout, 1);
    close(saved_stdout);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_rsdp_validation, setup),
        cmocka_unit_test_setup(test_rsdp_scan, setup),
        cmocka_unit_test_setup(test_full_parse, setup),
        cmocka_unit_test_setup(test_rsdt_only_and_bad_xsdt, setup),
        cmocka_unit_test_setup(test_absurd_root, setup),
        cmocka_unit_test_setup(test_corrupt_madt, setup),
        cmocka_unit_test_setup(test_madt_duplicates_and_overflow, setup),
        cmocka_unit_test_setup(test_fadt_variants, setup),
        cmocka_unit_test_setup(test_aml_s5, setup),
        cmocka_unit_test_setup(test_hpet, setup),
        cmocka_unit_test_setup(test_fuzz_bytes, setup),
    };
    int rc;

    mem = malloc(MEM_SIZE);
    rc = cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
    free(mem);
    return rc;
}
