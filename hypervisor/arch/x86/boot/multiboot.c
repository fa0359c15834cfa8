/*
 * Read the Multiboot v1 / Multiboot2 information into struct boot_info.
 * The loader's structures are reached through the boot direct map, which
 * covers the low 4 GiB where loaders put them. Lengths are clamped: a loader
 * is trusted for the layout but not for sizes that would overflow our copy.
 */
#include <sable/bootinfo.h>
#include <sable/lib.h>
#include <sable/multiboot.h>
#include <asm/memlayout.h>

struct boot_info boot_info;

/* A loader's string, copied with a bound. */
static void copy_str(char *dst, size_t size, paddr_t pa)
{
    if (pa)
        strlcpy(dst, maddr_to_virt(pa), size);
}

/* Loaders pass "image-name options..."; keep only the options. */
static void strip_image_name(char *cmdline)
{
    char *p = cmdline;

    while (*p == ' ')
        p++;
    while (*p && *p != ' ')
        p++;
    while (*p == ' ')
        p++;
    memmove(cmdline, p, strlen(p) + 1);
}

static void add_range(uint64_t addr, uint64_t len, uint32_t type)
{
    struct mem_range *r;

    if (boot_info.nr_mmap >= BOOT_MMAP_MAX || !len)
        return;
    r = &boot_info.mmap[boot_info.nr_mmap++];
    r->addr = addr;
    r->len = len;
    r->type = type;
}

static void add_module(paddr_t start, paddr_t end, paddr_t cmdline_pa, const char *cmdline)
{
    struct boot_module *m;

    if (boot_info.nr_modules >= BOOT_MODULES_MAX || end < start)
        return;
    m = &boot_info.modules[boot_info.nr_modules++];
    m->start = start;
    m->end = end;
    if (cmdline)
        strlcpy(m->cmdline, cmdline, sizeof(m->cmdline));
    else
        copy_str(m->cmdline, sizeof(m->cmdline), cmdline_pa);
}

static void parse_mb1(const struct mb1_info *mbi)
{
    boot_info.protocol = 1;
    if (mbi->flags & MB1_INFO_LOADER)
        copy_str(boot_info.loader, sizeof(boot_info.loader), mbi->boot_loader_name);
    if (mbi->flags & MB1_INFO_CMDLINE) {
        copy_str(boot_info.cmdline, sizeof(boot_info.cmdline), mbi->cmdline);
        /* QEMU -kernel passes "image options..."; GRUB 2 only the options. */
        if (strncmp(boot_info.loader, "GRUB 2", 6))
            strip_image_name(boot_info.cmdline);
    }
    if (mbi->flags & MB1_INFO_MMAP) {
        uint64_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
        while (p + sizeof(struct mb1_mmap_entry) <= end) {
            const struct mb1_mmap_entry *e = maddr_to_virt(p);
            add_range(e->addr, e->len, e->type);
            p += e->size + 4;
        }
    } else if (mbi->flags & MB1_INFO_MEM) {
        add_range(0, (uint64_t)mbi->mem_lower << 10, MEM_RAM);
        add_range(0x100000, (uint64_t)mbi->mem_upper << 10, MEM_RAM);
    }
    if (mbi->flags & MB1_INFO_MODS) {
        const struct mb1_module *mod = maddr_to_virt(mbi->mods_addr);
        for (uint32_t i = 0; i < mbi->mods_count && i < BOOT_MODULES_MAX; i++)
            add_module(mod[i].mod_start, mod[i].mod_end, mod[i].string, NULL);
    }
}

static void parse_mb2_tag(const struct mb2_tag *tag)
{
    const struct mb2_tag_mmap *mm;
    const struct mb2_tag_module *mod;
    const struct mb2_tag_acpi *acpi;

    switch (tag->type) {
    case MB2_TAG_CMDLINE:
        strlcpy(boot_info.cmdline, ((const struct mb2_tag_string *)tag)->string,
                sizeof(boot_info.cmdline));
        break;
    case MB2_TAG_LOADER:
        strlcpy(boot_info.loader, ((const struct mb2_tag_string *)tag)->string,
                sizeof(boot_info.loader));
        break;
    case MB2_TAG_MODULE:
        mod = (const void *)tag;
        add_module(mod->mod_start, mod->mod_end, 0, mod->cmdline);
        break;
    case MB2_TAG_MMAP:
        mm = (const void *)tag;
        if (mm->entry_size < sizeof(struct mb2_mmap_entry))
            break;
        for (uint32_t off = 16; off + mm->entry_size <= tag->size; off += mm->entry_size) {
            const struct mb2_mmap_entry *e = (const void *)((const char *)tag + off);
            add_range(e->addr, e->len, e->type);
        }
        break;
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW:
        acpi = (const void *)tag;
        if (!boot_info.rsdp_len || tag->type == MB2_TAG_ACPI_NEW) {
            boot_info.rsdp_len = MIN(tag->size - 8, (uint32_t)sizeof(boot_info.rsdp));
            memcpy(boot_info.rsdp, acpi->rsdp, boot_info.rsdp_len);
        }
        break;
    }
}

static void parse_mb2(paddr_t info_pa)
{
    const struct mb2_info *info = maddr_to_virt(info_pa);
    uint32_t off = 8;

    boot_info.protocol = 2;
    while (off + sizeof(struct mb2_tag) <= info->total_size) {
        const struct mb2_tag *tag = (const void *)((const char *)info + off);
        if (tag->type == MB2_TAG_END || tag->size < 8)
            break;
        parse_mb2_tag(tag);
        off += ALIGN_UP(tag->size, 8);
    }
}

bool bootinfo_parse(uint32_t magic, paddr_t info_pa)
{
    if (magic == MB1_BOOTLOADER_MAGIC)
        parse_mb1(maddr_to_virt(info_pa));
    else if (magic == MB2_BOOTLOADER_MAGIC)
        parse_mb2(info_pa);
    else
        return false;
    return true;
}
