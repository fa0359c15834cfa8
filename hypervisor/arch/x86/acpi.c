/*
 * ACPI glue for x86: where the RSDP is, how table memory is reached, and
 * the reset / power-off paths that act on the FADT's registers. Parsing is
 * in common/acpi_tables.c.
 */
#include <sable/bootinfo.h>
#include <sable/console.h>
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/time.h>
#include <asm/acpi.h>
#include <asm/io.h>
#include <asm/memlayout.h>
#include <asm/processor.h>

#define LOW_4G          (1ULL << 32)
#define BDA_EBDA_SEG    0x40e       /* BIOS data area: EBDA segment */
#define BIOS_ROM_START  0xe0000
#define BIOS_ROM_LEN    0x20000
#define EBDA_SCAN_LEN   1024
#define PM1_SCI_EN      (1u << 0)
#define PM1_SLP_TYP(t)  (((t) & 7u) << 10)
#define PM1_SLP_TYP_MASK (7u << 10)
#define PM1_SLP_EN      (1u << 13)
#define KBD_STATUS      0x64
#define KBD_IBF         0x02
#define KBD_CMD_RESET   0xfe
#define PCI_CONF_ADDR   0xcf8
#define PCI_CONF_DATA   0xcfc

struct acpi_info acpi_info;

/*
 * Tables below 4 GiB are in the direct map (which covers the low 4 GiB
 * whatever the memory type); above, RAM is direct-mapped too and anything
 * else gets an uncached mapping.
 */
const void *arch_acpi_map(paddr_t pa, size_t len)
{
    if (!len || pa + len < pa)
        return NULL;
    const void *p;

    if (pa + len <= LOW_4G)
        return maddr_to_virt(pa);
    p = ioremap(pa, len);
    if (!p && pa + len <= DIRECTMAP_SIZE)
        p = maddr_to_virt(pa);          /* RAM (ioremap refuses it) is direct-mapped */
    return p;
}

/* The first valid RSDP on a 16-byte boundary of [pa, pa + len), or 0. */
static paddr_t rsdp_scan(paddr_t pa, size_t len)
{
    long off = acpi_rsdp_scan(maddr_to_virt(pa), len);

    return off < 0 ? 0 : pa + (paddr_t)off;
}

/*
 * The loader's copy (Multiboot2) first; else the BIOS places it in the
 * first KiB of the EBDA or in the ROM area 0xe0000-0xfffff (ACPI 5.2.5.1).
 */
static int rsdp_parse(void)
{
    uint16_t seg = *(volatile uint16_t *)maddr_to_virt(BDA_EBDA_SEG);
    paddr_t ebda = (paddr_t)seg << 4, pa = 0;

    if (boot_info.rsdp_len &&
        !acpi_tables_parse(boot_info.rsdp, MIN(boot_info.rsdp_len, sizeof(boot_info.rsdp)),
                           0, &acpi_info))
        return 0;
    if (ebda >= 0x80000 && ebda < 0xa0000)
        pa = rsdp_scan(ebda, EBDA_SCAN_LEN);
    if (!pa)
        pa = rsdp_scan(BIOS_ROM_START, BIOS_ROM_LEN);
    if (!pa)
        return -ENOENT;
    return acpi_tables_parse(maddr_to_virt(pa), BIOS_ROM_START + BIOS_ROM_LEN - pa, pa,
                             &acpi_info);
}

/* Address space of a register, for the boot report. */
static const char *gas_space(const struct acpi_gas *g)
{
    return g->space_id == ACPI_GAS_IO ? "io" : g->space_id == ACPI_GAS_MEMORY ? "mem" : "pci";
}

/* The `acpi: ...` boot lines: what was found, and what will be used. */
static void acpi_report(void)
{
    const struct acpi_madt_info *m = &acpi_info.madt;
    const struct acpi_fadt_info *f = &acpi_info.fadt;
    char reset[48] = "by the keyboard controller";

    if (acpi_info.rsdp_address)
        printk("acpi: RSDP at %#lx (rev %u, %s), %s at %#lx with %u tables\n",
               acpi_info.rsdp_address, acpi_info.revision, acpi_info.oem_id,
               acpi_info.root_is_xsdt ? "XSDT" : "RSDT", acpi_info.root_address,
               acpi_info.nr_tables);
    else
        printk("acpi: RSDP from the loader (rev %u, %s), %s at %#lx with %u tables\n",
               acpi_info.revision, acpi_info.oem_id, acpi_info.root_is_xsdt ? "XSDT" : "RSDT",
               acpi_info.root_address, acpi_info.nr_tables);
    if (acpi_info.have_madt)
        printk("acpi: %u CPUs in MADT (%u enabled), %u I/O APIC%s, %u overrides, "
               "local APIC at %#lx\n", m->nr_cpus, m->nr_enabled, m->nr_ioapics,
               m->nr_ioapics == 1 ? "" : "s", m->nr_overrides, m->lapic_address);
    else
        pr_warn("acpi: no usable MADT; only the boot CPU will run\n");
    if (m->nr_dropped)
        pr_warn("acpi: %u CPU entries ignored (duplicates, or more than %u)\n",
                m->nr_dropped, ACPI_MAX_CPUS);
    if (acpi_info.have_fadt && f->reset_supported)
        snprintf(reset, sizeof(reset), "%#x to %s %#lx", f->reset_value,
                 gas_space(&f->reset_reg), f->reset_reg.address);
    if (acpi_info.have_fadt)
        printk("acpi: FADT: reset %s; power off via PM1a_CNT %s %#lx, S5 SLP_TYP %u%s\n",
               reset, gas_space(&f->pm1a_cnt), f->pm1a_cnt.address, f->slp_typ_s5[0] & 7,
               f->s5_from_dsdt ? " (from DSDT)" : " (default)");
    if (acpi_info.have_hpet)
        printk("acpi: HPET at %#lx\n", acpi_info.hpet.base.address);
}

/*
 * Boot CPU, before the APIC and time: without usable tables acpi_info stays
 * zero and the machine runs on the boot CPU alone, with legacy reset.
 */
void acpi_init(void)
{
    int rc = rsdp_parse();

    if (rc) {
        memset(&acpi_info, 0, sizeof(acpi_info));
        pr_warn("acpi: %s; only the boot CPU will run\n",
                rc == -ENOENT ? "no RSDP found" : "no valid RSDT/XSDT");
        return;
    }
    acpi_report();
}

/* PCI configuration address of a GAS in space 2 (segment 0, bus 0). */
static uint32_t gas_pci_addr(const struct acpi_gas *g)
{
    uint32_t dev = (g->address >> 32) & 0x1f, fn = (g->address >> 16) & 7;

    return 0x80000000u | dev << 11 | fn << 8 | (g->address & 0xfc);
}

/* Read a register given by a Generic Address (I/O port or MMIO); 0 if neither. */
static uint32_t gas_read(const struct acpi_gas *g, unsigned int bits)
{
    volatile void *p;

    if (g->space_id == ACPI_GAS_IO)
        return bits == 8 ? inb(g->address) : bits == 16 ? inw(g->address) : inl(g->address);
    if (g->space_id == ACPI_GAS_MEMORY && (p = ioremap(g->address, 4)))
        return bits == 8 ? *(volatile uint8_t *)p : bits == 16 ? *(volatile uint16_t *)p
                                                               : mmio_read32(p);
    return 0;
}

/* Write a register given by a Generic Address: I/O, MMIO or PCI config. */
static void gas_write(const struct acpi_gas *g, uint32_t v, unsigned int bits)
{
    volatile void *p;

    if (g->space_id == ACPI_GAS_IO) {
        if (bits == 8)
            outb(g->address, v);
        else if (bits == 16)
            outw(g->address, v);
        else
            outl(g->address, v);
    } else if (g->space_id == ACPI_GAS_MEMORY && (p = ioremap(g->address, 4))) {
        if (bits == 8)
            *(volatile uint8_t *)p = v;
        else if (bits == 16)
            *(volatile uint16_t *)p = v;
        else
            mmio_write32(p, v);
    } else if (g->space_id == ACPI_GAS_PCI) {
        outl(PCI_CONF_ADDR, gas_pci_addr(g));
        outb(PCI_CONF_DATA + (g->address & 3), v);
    }
}

/* Last resort: an exception with an empty IDT shuts the CPU down, i.e. resets. */
static void __noreturn triple_fault(void)
{
    struct { uint16_t limit; uint64_t base; } __packed null_idt = { 0, 0 };

    __asm__ volatile("lidt %0; int3" :: "m"(null_idt));
    for (;;)
        halt();
}

/* Try each reset mechanism in turn, allowing each 50 ms to take effect. */
void machine_restart(void)
{
    const struct acpi_fadt_info *f = &acpi_info.fadt;

    local_irq_disable();
    console_flush();
    smp_stop_others();
    if (acpi_info.have_fadt && f->reset_supported) {
        gas_write(&f->reset_reg, f->reset_value, 8);
        mdelay(50);
    }
    for (int i = 0; i < 10; i++) {
        for (int j = 0; j < 100000 && (inb(KBD_STATUS) & KBD_IBF); j++)
            udelay(1);
        outb(KBD_STATUS, KBD_CMD_RESET);
        mdelay(50);
    }
    triple_fault();
}

/*
 * Firmware that starts in legacy mode ignores PM1 writes until told to
 * switch to ACPI mode through its SMI command port; allow it 300 ms.
 */
static void acpi_enable_mode(const struct acpi_fadt_info *f)
{
    if (gas_read(&f->pm1a_cnt, 16) & PM1_SCI_EN || !f->smi_cmd || !f->acpi_enable)
        return;
    outb(f->smi_cmd, f->acpi_enable);
    for (int i = 0; i < 300 && !(gas_read(&f->pm1a_cnt, 16) & PM1_SCI_EN); i++)
        mdelay(1);
}

/* SLP_TYP into PM1a (and PM1b) first, then SLP_EN, as ACPI 7.4.2 orders. */
void machine_poweroff(void)
{
    const struct acpi_fadt_info *f = &acpi_info.fadt;
    const struct acpi_gas *blk[2] = { &f->pm1a_cnt, &f->pm1b_cnt };
    uint32_t v[2] = { 0, 0 };

    local_irq_disable();
    console_flush();
    smp_stop_others();
    if (acpi_info.have_fadt && f->pm1a_cnt.address) {
        acpi_enable_mode(f);
        for (int i = 0; i < 2; i++) {
            if (!blk[i]->address)
                continue;
            v[i] = (gas_read(blk[i], 16) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN)) |
                   PM1_SLP_TYP(f->slp_typ_s5[i]);
            gas_write(blk[i], v[i], 16);
        }
        for (int i = 0; i < 2; i++)
            if (blk[i]->address)
                gas_write(blk[i], v[i] | PM1_SLP_EN, 16);
        mdelay(100);
    }
    console_printf("acpi: power-off failed; halting\n");
    for (;;)
        halt();
}
