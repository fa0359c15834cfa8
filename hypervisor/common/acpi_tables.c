/*
 * ACPI static table parser (interface and rules in sable/acpi.h).
 *
 * Every multi-byte field is read through get16/32/64 (little-endian, byte
 * by byte): firmware tables are packed and unaligned, and the same code runs
 * under UBSan on the host. Each structure is bounds-checked against the
 * length that was validated, so a corrupt table is refused, not walked off.
 */
#include <sable/acpi.h>
#include <sable/errno.h>
#include <sable/lib.h>

#define HDR_LEN sizeof(struct acpi_header)

/* HPET description table: block id, base address GAS, number, min tick. */
#define HPET_LEN            56

static uint16_t get16(const uint8_t *p) { return p[0] | (uint16_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

/* Unpack a 12-byte Generic Address Structure. */
static void get_gas(const uint8_t *p, struct acpi_gas *g)
{
    g->space_id = p[0];
    g->bit_width = p[1];
    g->bit_offset = p[2];
    g->access_size = p[3];
    g->address = get64(p + 4);
}

/*
 * ACPI 1.0 RSDPs are 20 bytes under one checksum; revision 2 adds a length
 * (at least 36) and an extended checksum over all of it.
 */
int acpi_rsdp_validate(const void *p, size_t avail)
{
    const uint8_t *b = p;
    uint32_t len;

    if (avail < ACPI_RSDP_V1_LEN || memcmp(b, "RSD PTR ", 8) ||
        acpi_checksum(b, ACPI_RSDP_V1_LEN))
        return -EINVAL;
    if (b[15] < 2)
        return 0;
    if (avail < ACPI_RSDP_V2_LEN)
        return -EINVAL;
    len = get32(b + 20);
    if (len < ACPI_RSDP_V2_LEN || len > avail || acpi_checksum(b, len))
        return -EINVAL;
    return 0;
}

/* The RSDP sits on a 16-byte boundary (ACPI 5.2.5.1); never reads past len. */
long acpi_rsdp_scan(const void *area, size_t len)
{
    const uint8_t *b = area;

    for (size_t off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16)
        if (!acpi_rsdp_validate(b + off, len - off))
            return (long)off;
    return -ENOENT;
}

/* Map the header, check what it claims, then map and checksum the whole. */
const struct acpi_header *acpi_table_get(paddr_t pa, const char *sig)
{
    const uint8_t *h;
    uint32_t len;

    if (!pa || pa + HDR_LEN < pa || !(h = arch_acpi_map(pa, HDR_LEN)))
        return NULL;
    if (sig && memcmp(h, sig, 4))
        return NULL;
    len = get32(h + 4);
    if (len < HDR_LEN || len > ACPI_TABLE_MAX_LEN || pa + len < pa)
        return NULL;
    if (!(h = arch_acpi_map(pa, len)) || acpi_checksum(h, len))
        return NULL;
    return (const struct acpi_header *)h;
}

/* The length of a table acpi_table_get() has already validated. */
static uint32_t table_len(const struct acpi_header *h)
{
    return get32((const uint8_t *)h + 4);
}

/* The smallest valid length of each MADT entry type we read. */
static unsigned int madt_entry_min_len(uint8_t type)
{
    switch (type) {
    case ACPI_MADT_LAPIC: return ACPI_MADT_LAPIC_LEN;
    case ACPI_MADT_IOAPIC: return 12;
    case ACPI_MADT_OVERRIDE: return 10;
    case ACPI_MADT_LAPIC_ADDR: return 12;
    case ACPI_MADT_X2APIC: return ACPI_MADT_X2APIC_LEN;
    default: return 2;
    }
}

/* Record one CPU; duplicates and overflow are counted, not stored. */
static void madt_add_cpu(struct acpi_madt_info *m, uint32_t apic_id, uint32_t uid,
                         uint32_t flags, bool x2apic)
{
    struct acpi_cpu *c;

    for (unsigned int i = 0; i < m->nr_cpus; i++) {
        if (m->cpus[i].apic_id == apic_id) {
            pr_warn("acpi: MADT lists APIC id %u twice; ignoring the second\n", apic_id);
            m->nr_dropped++;
            return;
        }
    }
    if (m->nr_cpus == ACPI_MAX_CPUS) {
        m->nr_dropped++;
        return;
    }
    c = &m->cpus[m->nr_cpus++];
    c->apic_id = apic_id;
    c->uid = uid;
    c->enabled = flags & ACPI_MADT_CPU_ENABLED;
    c->from_x2apic_entry = x2apic;
    if (c->enabled)
        m->nr_enabled++;
}

/* Record one MADT entry whose length was checked against its type. */
static void madt_entry(struct acpi_madt_info *m, const uint8_t *e)
{
    switch (e[0]) {
    case ACPI_MADT_LAPIC:
        if (e[3] != 0xff)               /* 0xff is broadcast, never a CPU */
            madt_add_cpu(m, e[3], e[2], get32(e + 4), false);
        break;
    case ACPI_MADT_X2APIC:
        madt_add_cpu(m, get32(e + 4), get32(e + 12), get32(e + 8), true);
        break;
    case ACPI_MADT_IOAPIC:
        if (m->nr_ioapics < ACPI_MAX_IOAPICS) {
            struct acpi_ioapic *io = &m->ioapics[m->nr_ioapics++];
            io->id = e[2];
            io->address = get32(e + 4);
            io->gsi_base = get32(e + 8);
        }
        break;
    case ACPI_MADT_OVERRIDE:
        if (m->nr_overrides < ACPI_MAX_OVERRIDES) {
            struct acpi_override *o = &m->overrides[m->nr_overrides++];
            o->bus = e[2];
            o->source = e[3];
            o->gsi = get32(e + 4);
            o->flags = get16(e + 8);
        }
        break;
    case ACPI_MADT_LAPIC_ADDR:
        m->lapic_address = get64(e + 4);
        break;
    }
}

/*
 * Two passes: the first only checks that every entry header and body lies
 * inside the table, so a corrupt MADT changes nothing; the second records.
 */
int acpi_madt_parse(const struct acpi_header *h, struct acpi_madt_info *out)
{
    const uint8_t *t = (const uint8_t *)h;
    uint32_t len = table_len(h), off;

    if (len < ACPI_MADT_ENTRIES)
        return -EINVAL;
    for (off = ACPI_MADT_ENTRIES; off < len; off += t[off + 1]) {
        if (len - off < 2 || t[off + 1] < madt_entry_min_len(t[off]) ||
            t[off + 1] > len - off)
            return -EINVAL;
    }
    memset(out, 0, sizeof(*out));
    out->lapic_address = get32(t + ACPI_MADT_LAPIC_ADDRESS);
    out->flags = get32(t + ACPI_MADT_FLAGS);
    for (off = ACPI_MADT_ENTRIES; off < len; off += t[off + 1])
        madt_entry(out, t + off);
    return 0;
}

/* A PM1 control block: the X_ GAS when present, else the legacy port. */
static void fadt_pm1(const uint8_t *t, uint32_t len, unsigned int x_off,
                     unsigned int legacy_off, struct acpi_gas *g)
{
    memset(g, 0, sizeof(*g));
    if (len >= x_off + sizeof(*g))
        get_gas(t + x_off, g);
    if (!g->address && get32(t + legacy_off)) {
        g->space_id = ACPI_GAS_IO;
        g->bit_width = t[ACPI_FADT_PM1_CNT_LEN] * 8;
        g->address = get32(t + legacy_off);
    }
}

/*
 * Fields are read only where the table's length covers them: ACPI 1.0
 * FADTs end at 116 bytes, before the reset register and the X_ fields.
 */
int acpi_fadt_parse(const struct acpi_header *h, struct acpi_fadt_info *out)
{
    const uint8_t *t = (const uint8_t *)h;
    uint32_t len = table_len(h);

    if (len < ACPI_FADT_V1_LEN)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->flags = get32(t + ACPI_FADT_FLAGS);
    out->hw_reduced = out->flags & ACPI_FADT_F_HW_REDUCED;
    out->smi_cmd = get32(t + ACPI_FADT_SMI_CMD);
    out->acpi_enable = t[ACPI_FADT_ACPI_ENABLE];
    out->dsdt = get32(t + ACPI_FADT_DSDT);
    if (len >= ACPI_FADT_X_DSDT + 8 && get64(t + ACPI_FADT_X_DSDT))
        out->dsdt = get64(t + ACPI_FADT_X_DSDT);
    if (len > ACPI_FADT_RESET_VALUE) {
        get_gas(t + ACPI_FADT_RESET_REG, &out->reset_reg);
        out->reset_value = t[ACPI_FADT_RESET_VALUE];
        out->reset_supported = (out->flags & ACPI_FADT_F_RESET_REG_SUP) &&
                               out->reset_reg.address &&
                               out->reset_reg.space_id <= ACPI_GAS_PCI;
    }
    fadt_pm1(t, len, ACPI_FADT_X_PM1A_CNT, ACPI_FADT_PM1A_CNT, &out->pm1a_cnt);
    fadt_pm1(t, len, ACPI_FADT_X_PM1B_CNT, ACPI_FADT_PM1B_CNT, &out->pm1b_cnt);
    out->iapc_boot_arch = get16(t + ACPI_FADT_IAPC_BOOT_ARCH);
    if (len >= ACPI_FADT_SLEEP_STATUS + sizeof(struct acpi_gas)) {
        get_gas(t + ACPI_FADT_SLEEP_CONTROL, &out->sleep_control);
        get_gas(t + ACPI_FADT_SLEEP_STATUS, &out->sleep_status);
    }
    return 0;
}

/* Only a memory-mapped HPET with a base address is usable. */
int acpi_hpet_parse(const struct acpi_header *h, struct acpi_hpet_info *out)
{
    const uint8_t *t = (const uint8_t *)h;

    if (table_len(h) < HPET_LEN)
        return -EINVAL;
    out->block_id = get32(t + 36);
    get_gas(t + 40, &out->base);
    out->number = t[52];
    out->min_tick = get16(t + 53);
    if (!out->base.address || out->base.space_id != ACPI_GAS_MEMORY)
        return -EINVAL;
    return 0;
}

/*
 * One AML integer (ZeroOp, OneOp, Byte/Word/DWordPrefix) at *pos, below
 * end. Advances *pos; -EINVAL for anything else (we do not evaluate AML).
 */
static int aml_integer(const uint8_t *aml, size_t *pos, size_t end, uint32_t *val)
{
    size_t p = *pos, need;

    if (p >= end)
        return -EINVAL;
    switch (aml[p]) {
    case AML_ZERO_OP: *val = 0; need = 0; break;
    case AML_ONE_OP: *val = 1; need = 0; break;
    case AML_BYTE_PREFIX: need = 1; break;
    case AML_WORD_PREFIX: need = 2; break;
    case AML_DWORD_PREFIX: need = 4; break;
    default: return -EINVAL;
    }
    if (end - p - 1 < need)
        return -EINVAL;
    if (need == 1)
        *val = aml[p + 1];
    else if (need == 2)
        *val = get16(aml + p + 1);
    else if (need == 4)
        *val = get32(aml + p + 1);
    *pos = p + 1 + need;
    return 0;
}

/*
 * PkgLength (20.2.4): the top two bits of the lead byte count the bytes that
 * follow; the length counts from the lead byte. Returns the package's end.
 */
static int aml_pkg_end(const uint8_t *aml, size_t pos, size_t len, size_t *end)
{
    unsigned int extra;
    uint32_t pkglen;

    if (pos >= len)
        return -EINVAL;
    extra = aml[pos] >> 6;
    if (len - pos <= extra)
        return -EINVAL;
    if (!extra) {
        pkglen = aml[pos] & 0x3f;
    } else {
        pkglen = aml[pos] & 0x0f;
        for (unsigned int i = 0; i < extra; i++)
            pkglen |= (uint32_t)aml[pos + 1 + i] << (4 + 8 * i);
    }
    if (pkglen > len - pos || pkglen < 1 + extra)
        return -EINVAL;
    *end = pos + pkglen;
    return 0;
}

/* Read the package that should follow the name at pos (just past "_S5_"). */
static int aml_read_s5(const uint8_t *aml, size_t pos, size_t len, uint32_t v[2])
{
    size_t end;
    uint8_t count;

    if (pos >= len || aml[pos] != AML_PACKAGE_OP || aml_pkg_end(aml, pos + 1, len, &end))
        return -EINVAL;
    pos += 1 + 1 + (aml[pos + 1] >> 6);         /* PackageOp, PkgLength */
    if (pos >= end || (count = aml[pos++]) == 0)
        return -EINVAL;
    if (aml_integer(aml, &pos, end, &v[0]))
        return -EINVAL;
    v[1] = v[0];
    if (count > 1 && aml_integer(aml, &pos, end, &v[1]))
        return -EINVAL;
    return 0;
}

/*
 * A byte search for NameOp ["\\"] "_S5_" PackageOp: enough for the tables
 * firmware and QEMU generate, without an AML interpreter. Occurrences that
 * are not such a package (a method, a scope) are skipped.
 */
int acpi_aml_find_s5(const uint8_t *aml, size_t len, uint16_t *typ_a, uint16_t *typ_b)
{
    for (size_t i = 1; i + 4 <= len; i++) {
        uint32_t v[2];
        size_t op = i - 1;

        if (memcmp(aml + i, "_S5_", 4))
            continue;
        if (aml[op] == AML_ROOT_CHAR && op > 0)
            op--;
        if (aml[op] != AML_NAME_OP || aml_read_s5(aml, i + 4, len, v))
            continue;
        *typ_a = (uint16_t)v[0];
        *typ_b = (uint16_t)v[1];
        return 0;
    }
    return -ENOENT;
}

/* The FADT's DSDT gives the S5 sleep type; keep the QEMU default (0) if not. */
static void fadt_find_s5(struct acpi_fadt_info *f)
{
    const struct acpi_header *dsdt = acpi_table_get(f->dsdt, "DSDT");

    if (!dsdt) {
        pr_warn("acpi: DSDT at %#lx missing or corrupt\n", (unsigned long)f->dsdt);
        return;
    }
    if (!acpi_aml_find_s5((const uint8_t *)dsdt + HDR_LEN, table_len(dsdt) - HDR_LEN,
                          &f->slp_typ_s5[0], &f->slp_typ_s5[1]))
        f->s5_from_dsdt = true;
}

/* Use a validated table if it is one we read (the first of each kind). */
static void tables_take(struct acpi_info *info, const struct acpi_header *h)
{
    const char *sig = h->signature;

    if (!memcmp(sig, "APIC", 4) && !info->have_madt) {
        info->have_madt = !acpi_madt_parse(h, &info->madt);
        if (!info->have_madt)
            pr_warn("acpi: MADT is malformed; ignoring it\n");
    } else if (!memcmp(sig, "FACP", 4) && !info->have_fadt) {
        info->have_fadt = !acpi_fadt_parse(h, &info->fadt);
        if (info->have_fadt)
            fadt_find_s5(&info->fadt);
        else
            pr_warn("acpi: FADT is too short; ignoring it\n");
    } else if (!memcmp(sig, "HPET", 4) && !info->have_hpet) {
        info->have_hpet = !acpi_hpet_parse(h, &info->hpet);
    }
}

/* Walk one root table (RSDT: 32-bit entries, XSDT: 64-bit). */
static int root_walk(struct acpi_info *info, paddr_t pa, bool xsdt)
{
    const struct acpi_header *root = acpi_table_get(pa, xsdt ? "XSDT" : "RSDT");
    unsigned int esize = xsdt ? 8 : 4, n, bad = 0;
    const uint8_t *ent;

    if (!root)
        return -EINVAL;
    n = (table_len(root) - HDR_LEN) / esize;
    if (n > ACPI_ROOT_MAX_ENTRIES)
        return -EINVAL;
    info->root_address = pa;
    info->root_is_xsdt = xsdt;
    ent = (const uint8_t *)root + HDR_LEN;
    for (unsigned int i = 0; i < n; i++) {
        paddr_t tpa = xsdt ? get64(ent + i * esize) : get32(ent + i * esize);
        const struct acpi_header *h = acpi_table_get(tpa, NULL);

        if (!h) {
            bad++;
            continue;
        }
        info->nr_tables++;
        tables_take(info, h);
    }
    if (bad)
        pr_warn("acpi: %u of %u tables missing or corrupt; skipped\n", bad, n);
    return 0;
}

int acpi_tables_parse(const void *rsdp, size_t rsdp_len, paddr_t rsdp_pa,
                      struct acpi_info *info)
{
    const uint8_t *r = rsdp;
    int rc = -EINVAL;

    memset(info, 0, sizeof(*info));
    if (acpi_rsdp_validate(r, rsdp_len))
        goto out;
    info->rsdp_address = rsdp_pa;
    info->revision = r[15];
    memcpy(info->oem_id, r + 9, 6);
    for (int i = 5; i >= 0 && (info->oem_id[i] == ' ' || !info->oem_id[i]); i--)
        info->oem_id[i] = '\0';            /* space-padded in the table */
    if (info->revision >= 2 && get64(r + 24)) {
        rc = root_walk(info, get64(r + 24), true);
        if (rc)
            pr_warn("acpi: XSDT is corrupt; trying the RSDT\n");
    }
    if (rc)
        rc = root_walk(info, get32(r + 16), false);
out:
    return rc;
}
