/*
 * start_sable: the boot CPU's path from the 64-bit entry to the idle loop.
 * Order matters: the console first (so every later step can report), then
 * the command line, then the CPU tables, memory, time and the other CPUs.
 */
#include <sable/bootinfo.h>
#include <sable/cmdline.h>
#include <sable/console.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/timer.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/io.h>
#include <asm/memlayout.h>
#include <asm/native_bench.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/smap.h>
#include <asm/smp.h>
#include <asm/user_space.h>
#include <asm/svm.h>

#define SABLE_VERSION "0.1"

char boot_cmdline[CMDLINE_MAX];
extern char cpu0_stack[];

/* debug_crash=<pf|ud|de|gp|panic|assert|smap|smep>: fault on purpose once booted (tests). */
static char debug_crash[16];
string_param("debug_crash", debug_crash);
/* debug_shutdown: exit QEMU with success once boot has completed (tests). */
static bool debug_shutdown;
boolean_param("debug_shutdown", debug_shutdown);

static void report_cmdline_problem(const char *msg)
{
    pr_warn("cmdline: %s\n", msg);
}

void cmdline_apply_boot(void)
{
    cmdline_parse(boot_cmdline, __param_start, __param_end - __param_start,
                  report_cmdline_problem);
}

/*
 * debug_crash=smap|smep: read (SMAP) or execute (SMEP) a user page from
 * the hypervisor, which must fault; if it does not, say so and go on.
 */
static void touch_user_page(const char *how)
{
    bool exec = !strcmp(how, "smep");
    struct user_space s;
    unsigned long flags;
    uint64_t cr3, value = 0;

    if (user_space_build(&s, 0)) {
        pr_warn("debug_crash=%s: out of memory\n", how);
        return;
    }
    ((uint8_t *)s.code)[0] = 0xc3;                      /* ret */
    flags = irq_save();
    cr3 = user_space_enter(&s);
    if (exec)
        ((void (*)(void))USER_SPACE_CODE)();
    else
        value = *(volatile uint64_t *)USER_SPACE_DATA;
    write_cr3(cr3);
    irq_restore(flags);
    user_space_free(&s);
    pr_warn("debug_crash=%s: the %s of a user page succeeded (%#lx): %s is off\n", how,
            exec ? "execution" : "read", value, exec ? "SMEP" : "SMAP");
}

static void __attribute__((noinline)) crash_on_purpose(const char *how)
{
    volatile uint64_t zero = 0;

    pr_info("debug_crash=%s: faulting on purpose\n", how);
    if (!strcmp(how, "pf"))
        *(volatile uint64_t *)0x00007ead00000000UL = 1;    /* never mapped */
    else if (!strcmp(how, "ud"))
        __asm__ volatile("ud2");
    else if (!strcmp(how, "de"))
        pr_info("%lu\n", (zero + 7) / zero);    /* gcc makes 1/x into x == 1 */
    else if (!strcmp(how, "gp"))
        *(volatile uint64_t *)0x8000000000000000UL = 1;
    else if (!strcmp(how, "panic"))
        panic("debug_crash=panic requested");
    else if (!strcmp(how, "assert"))
        ASSERT(zero == 1);
    else if (!strcmp(how, "smap") || !strcmp(how, "smep"))
        touch_user_page(how);
    else
        pr_warn("debug_crash: unknown kind '%s' (pf, ud, de, gp, panic, assert, smap, "
                "smep)\n", how);
}

/*
 * The legacy 8259 PICs: the BIOS leaves them raising IRQ 0-7 on vectors 8-15,
 * which collide with exceptions. Move them to 0x20-0x2f and mask every line;
 * Sable takes interrupts through the local APIC only.
 */
static void pic_disable(void)
{
    outb(0x20, 0x11); outb(0xa0, 0x11);         /* ICW1: init, ICW4 follows */
    outb(0x21, 0x20); outb(0xa1, 0x28);         /* ICW2: vector bases */
    outb(0x21, 0x04); outb(0xa1, 0x02);         /* ICW3: cascade on IRQ2 */
    outb(0x21, 0x01); outb(0xa1, 0x01);         /* ICW4: 8086 mode */
    outb(0x21, 0xff); outb(0xa1, 0xff);         /* mask all */
}

static void print_memory_map(void)
{
    for (unsigned int i = 0; i < boot_info.nr_mmap; i++) {
        const struct mem_range *r = &boot_info.mmap[i];
        pr_debug(" %016lx - %016lx type %u\n", r->addr, r->addr + r->len, r->type);
    }
}

static void __attribute__((noreturn)) idle_loop(void)
{
    for (;;)
        safe_halt();
}

void boot_domains_start(void);
void start_sable(uint32_t magic, paddr_t info_pa);
void start_sable(uint32_t magic, paddr_t info_pa)
{
    bool known_loader;

    percpu_stack_init(cpu0_stack, 0);
    known_loader = bootinfo_parse(magic, info_pa);
    strlcpy(boot_cmdline, boot_info.cmdline, sizeof(boot_cmdline));
    console_init();          /* defaults, so that cmdline errors can be seen */
    cmdline_apply_boot();
    console_init();          /* again, with console= applied */

    printk("Sable hypervisor %s\n", SABLE_VERSION);
    if (!known_loader)
        panic("unknown boot loader magic %#x: boot through Multiboot or Multiboot2", magic);
    printk("loader: %s (Multiboot%s)\n", boot_info.loader[0] ? boot_info.loader : "unknown",
           boot_info.protocol == 2 ? "2" : "");
    printk("cmdline: '%s'\n", boot_cmdline);
    print_memory_map();

    pic_disable();
    idt_init();
    desc_init_cpu(&percpu[0]);
    mm_init();
    smap_init();             /* before the APs start: they copy CR4 */
    percpu[0].online = true;
    nr_cpus_online = 1;
    acpi_init();             /* CPUs, HPET, reset/power-off registers */
    apic_init();
    time_init();             /* TSC and APIC timer calibration */
    timer_cpu_init();
    svm_cpu_init();          /* hardware-assisted guests, if the CPU can */
    smp_boot();              /* the other CPUs: `smp: N CPUs online` */

    printk("boot complete: %u CPU%s online, idle\n", nr_cpus_online,
           nr_cpus_online == 1 ? "" : "s");
    native_bench_run();      /* debug_native_bench= only */
    if (debug_crash[0])
        crash_on_purpose(debug_crash);
    if (debug_shutdown) {
        printk("debug_shutdown: stopping\n");
        machine_stop_ok();
    }
    boot_domains_start();    /* returns only when there is no domain to run */
    idle_loop();
}
