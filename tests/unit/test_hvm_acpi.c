/*
 * Guest ACPI tables: built into a fake guest memory, then read back with
 * the hypervisor's own ACPI parser (signatures, lengths, checksums, CPU
 * entries, FADT registers, \_S5 from the DSDT) and walked as AML (one
 * processor device per vCPU); refused configurations; and the power
 * management ports, driven with what the parsed tables tell a guest.
 * SOURCES: hypervisor/arch/x86/hvm/acpi_build.c hypervisor/common/acpi_tables.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/lib.h>
#include <sable/acpi.h>
#include <sable/errno.h>
#include <hvm/acpi_build.h>

#define MEM_SIZE (1024 * 1024)
#define GPA      0xf0000               /* where the tables sit in the fake guest */

static uint8_t *mem;

const void *arch_acpi_map(paddr_t pa, size_t len)
{
    if (pa > MEM_SIZE || len > MEM_SIZE - pa)
        return NULL;
    return mem + pa;
}

static int setup(void **state)
{
    mem = calloc(1, MEM_SIZE);
    return mem ? 0 : -1;
}

static int teardown(void **state)
{
    free(mem);
    return 0;
}

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static void build(unsigned int n, bool x2apic, struct hvm_acpi_layout *l)
{
    struct hvm_acpi_config cfg = { .nr_vcpus = n, .x2apic_entries = x2apic };
    size_t size = hvm_acpi_size(&cfg);

    assert_true(size > 0 && GPA + size <= MEM_SIZE);
    memset(mem, 0xaa, MEM_SIZE);
    assert_int_equal(hvm_acpi_build(mem + GPA, size, GPA, &cfg, l), 0);
    assert_int_equal(l->size, size);
    assert_int_equal(l->rsdp, GPA);
    assert_int_equal(mem[GPA + size], 0xaa);        /* nothing written past it */
}

/* PkgLength at *pos: returns the package end and moves *pos past the encoding. */
static size_t pkg_end(const uint8_t *aml, size_t *pos)
{
    size_t start = *pos, extra = aml[start] >> 6, len;

    if (!extra) {
        len = aml[start] & 0x3f;
    } else {
        len = aml[start] & 0xf;
        for (size_t i = 0; i < extra; i++)
            len |= (size_t)aml[start + 1 + i] << (4 + 8 * i);
    }
    *pos = start + 1 + extra;
    return start + len;
}

/* Walk the DSDT: Scope(\_SB) with Cnnn devices (_HID ACPI0007, _UID n), then \_S5. */
static void check_dsdt_aml(const uint8_t *dsdt, unsigned int n)
{
    size_t len = get32(dsdt + 4), pos = 36, scope_end;
    unsigned int devices = 0;

    assert_int_equal(dsdt[pos++], AML_SCOPE_OP);
    scope_end = pkg_end(dsdt, &pos);
    assert_memory_equal(dsdt + pos, "\\_SB_", 5);
    pos += 5;
    while (pos < scope_end) {
        char name[5];
        size_t dev_end;

        assert_int_equal(dsdt[pos], AML_EXT_OP_PREFIX);
        assert_int_equal(dsdt[pos + 1], AML_EXT_DEVICE_OP);
        pos += 2;
        dev_end = pkg_end(dsdt, &pos);
        snprintf(name, sizeof(name), "C%03X", devices);
        assert_memory_equal(dsdt + pos, name, 4);
        assert_memory_equal(dsdt + pos + 4, "\x08_HID\x0d" "ACPI0007", 15);
        assert_memory_equal(dsdt + pos + 19, "\x08_UID", 5);
        pos += 24;
        if (devices <= 1)
            assert_int_equal(dsdt[pos++], devices);    /* ZeroOp, OneOp */
        else {
            assert_int_equal(dsdt[pos++], AML_BYTE_PREFIX);
            assert_int_equal(dsdt[pos++], devices);
        }
        assert_int_equal(pos, dev_end);
        devices++;
    }
    assert_int_equal(pos, scope_end);
    assert_int_equal(devices, n);
    assert_memory_equal(dsdt + pos, "\x08\\_S5_\x12", 7);
    pos += 7;
    assert_int_equal(pkg_end(dsdt, &pos), len);
    assert_memory_equal(dsdt + pos, "\x04\x0a\x05\x0a\x05\x00\x00", 7);
    assert_int_equal(pos + 7, len);
}

static void check_tables(unsigned int n, bool x2apic)
{
    struct hvm_acpi_layout l;
    struct acpi_info info;
    const struct acpi_fadt_info *f = &info.fadt;

    build(n, x2apic, &l);
    assert_int_equal(acpi_tables_parse(mem + l.rsdp, ACPI_RSDP_V2_LEN, l.rsdp, &info), 0);
    assert_int_equal(info.revision, 2);
    assert_string_equal(info.oem_id, "SABLE");
    assert_true(info.root_is_xsdt);
    assert_int_equal(info.root_address, l.xsdt);
    assert_int_equal(info.nr_tables, 2);
    assert_true(info.have_madt && info.have_fadt);
    assert_false(info.have_hpet);
    /* Lengths, as the parser accepted them (checksums too). */
    assert_int_equal(get32(mem + l.xsdt + 4), 36 + 16);
    assert_int_equal(get32(mem + l.fadt + 4), ACPI_FADT_V6_LEN);
    assert_int_equal(get32(mem + l.madt + 4), 44 + n * (x2apic ? 16 : 8));
    assert_int_equal(acpi_checksum(mem + l.dsdt, get32(mem + l.dsdt + 4)), 0);
    assert_ptr_not_equal(acpi_table_get(l.dsdt, "DSDT"), NULL);
    /* MADT: every vCPU, enabled, APIC id = UID = index; no IOAPIC, no 8259. */
    assert_int_equal(info.madt.lapic_address, 0xfee00000);
    assert_int_equal(info.madt.flags, 0);
    assert_int_equal(info.madt.nr_cpus, n);
    assert_int_equal(info.madt.nr_enabled, n);
    assert_int_equal(info.madt.nr_dropped, 0);
    assert_int_equal(info.madt.nr_ioapics, 0);
    for (unsigned int i = 0; i < n; i++) {
        assert_int_equal(info.madt.cpus[i].apic_id, i);
        assert_int_equal(info.madt.cpus[i].uid, i);
        assert_int_equal(info.madt.cpus[i].from_x2apic_entry, x2apic);
    }
    /* FADT: hardware-reduced, registers in I/O space, DSDT with \_S5. */
    assert_true(f->hw_reduced);
    assert_int_equal(f->dsdt, l.dsdt);
    assert_int_equal(get32(mem + l.fadt + ACPI_FADT_DSDT), l.dsdt);
    assert_int_equal(f->smi_cmd, 0);
    assert_int_equal(f->pm1a_cnt.address, 0);
    assert_true(f->reset_supported);
    assert_int_equal(f->reset_reg.space_id, ACPI_GAS_IO);
    assert_int_equal(f->reset_reg.address, HVM_ACPI_RESET_PORT);
    assert_int_equal(f->reset_value, HVM_ACPI_RESET_VALUE);
    assert_int_equal(f->sleep_control.space_id, ACPI_GAS_IO);
    assert_int_equal(f->sleep_control.bit_width, 8);
    assert_int_equal(f->sleep_control.address, HVM_ACPI_SLEEP_CONTROL_PORT);
    assert_int_equal(f->sleep_status.address, HVM_ACPI_SLEEP_STATUS_PORT);
    assert_int_equal(f->iapc_boot_arch, ACPI_BOOT_VGA_NOT_PRESENT | ACPI_BOOT_CMOS_RTC_NOT_PRESENT);
    assert_true(f->s5_from_dsdt);
    assert_int_equal(f->slp_typ_s5[0], HVM_ACPI_S5_SLP_TYP);
    assert_int_equal(mem[l.fadt + 8], 6);               /* FADT revision */
    check_dsdt_aml(mem + l.dsdt, n);
}

static void test_one_vcpu(void **state) { check_tables(1, false); }
static void test_two_vcpus(void **state) { check_tables(2, false); }
static void test_four_vcpus_x2apic(void **state) { check_tables(4, true); }
static void test_max_vcpus(void **state) { check_tables(HVM_ACPI_MAX_VCPUS, false); }
static void test_max_vcpus_x2apic(void **state) { check_tables(HVM_ACPI_MAX_VCPUS, true); }

static void test_refused(void **state)
{
    struct hvm_acpi_config cfg = { .nr_vcpus = 2 };
    struct hvm_acpi_config none = { .nr_vcpus = 0 }, many = { .nr_vcpus = HVM_ACPI_MAX_VCPUS + 1 };
    struct hvm_acpi_layout l;
    size_t size = hvm_acpi_size(&cfg);

    assert_int_equal(hvm_acpi_size(&none), 0);
    assert_int_equal(hvm_acpi_size(&many), 0);
    assert_int_equal(hvm_acpi_build(mem, MEM_SIZE, GPA, &none, &l), -EINVAL);
    assert_int_equal(hvm_acpi_build(mem, MEM_SIZE, GPA, &many, &l), -EINVAL);
    assert_int_equal(hvm_acpi_build(mem, MEM_SIZE, GPA + 8, &cfg, &l), -EINVAL);
    assert_int_equal(hvm_acpi_build(mem, MEM_SIZE, 1ULL << 32, &cfg, &l), -EINVAL);
    assert_int_equal(hvm_acpi_build(mem, MEM_SIZE, (1ULL << 32) - 256, &cfg, &l), -EINVAL);
    memset(mem, 0xaa, MEM_SIZE);
    assert_int_equal(hvm_acpi_build(mem, size - 1, GPA, &cfg, &l), -ENOSPC);
    assert_int_equal(mem[0], 0xaa);
}

static enum hvm_acpi_pm_action pm_out(uint16_t port, uint32_t v)
{
    enum hvm_acpi_pm_action a = HVM_ACPI_PM_REBOOT;

    assert_true(hvm_acpi_pm_io(port, 1, false, &v, &a));
    return a;
}

static void test_pm_ports(void **state)
{
    struct hvm_acpi_layout l;
    struct acpi_info info;
    enum hvm_acpi_pm_action a;
    uint32_t v = 0x1234;

    /* What ACPICA writes for S5 from the tables: SLP_TYP << 2 | SLP_EN. */
    build(1, false, &l);
    assert_int_equal(acpi_tables_parse(mem + l.rsdp, ACPI_RSDP_V2_LEN, l.rsdp, &info), 0);
    assert_int_equal(pm_out(info.fadt.sleep_status.address, 0x80), HVM_ACPI_PM_NONE);
    assert_int_equal(pm_out(info.fadt.sleep_control.address,
                            (uint32_t)(info.fadt.slp_typ_s5[0] << 2) | 0x20), HVM_ACPI_PM_POWEROFF);
    assert_int_equal(pm_out(info.fadt.reset_reg.address, info.fadt.reset_value), HVM_ACPI_PM_REBOOT);
    /* Other values do nothing. */
    assert_int_equal(pm_out(HVM_ACPI_SLEEP_CONTROL_PORT, 5 << 2), HVM_ACPI_PM_NONE);
    assert_int_equal(pm_out(HVM_ACPI_SLEEP_CONTROL_PORT, (3 << 2) | 0x20), HVM_ACPI_PM_NONE);
    assert_int_equal(pm_out(HVM_ACPI_RESET_PORT, 2), HVM_ACPI_PM_NONE);
    assert_int_equal(pm_out(HVM_ACPI_SLEEP_STATUS_PORT, 0x34), HVM_ACPI_PM_NONE);
    assert_true(hvm_acpi_pm_io(HVM_ACPI_SLEEP_STATUS_PORT, 1, true, &v, &a));
    assert_int_equal(v, 0);
    assert_int_equal(a, HVM_ACPI_PM_NONE);
    v = 0x34;
    assert_false(hvm_acpi_pm_io(0x603, 1, false, &v, &a));
    assert_false(hvm_acpi_pm_io(0x5ff, 1, true, &v, &a));
    assert_int_equal(v, 0x34);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_vcpu),
        cmocka_unit_test(test_two_vcpus),
        cmocka_unit_test(test_four_vcpus_x2apic),
        cmocka_unit_test(test_max_vcpus),
        cmocka_unit_test(test_max_vcpus_x2apic),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_pm_ports),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
