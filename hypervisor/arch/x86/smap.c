/*
 * SMEP and SMAP (Intel SDM vol. 3, 4.6; AMD APM vol. 2, 5.6): with them on,
 * the hypervisor can neither execute nor touch user-accessible pages, which
 * is every page a PV guest maps for itself, except where it says so. Its
 * only deliberate accesses to guest virtual addresses are raw_copy_user()
 * (pv/entry.S), which opens the window with STAC and closes it with CLAC;
 * every entry from a guest clears RFLAGS.AC (a PV guest may set it with
 * POPF), SYSCALL through SFMASK and the exception stubs with CLAC. Other
 * guest memory is reached through the direct map, as supervisor pages.
 *
 * On by default where the CPU has them (QEMU's -cpu max does); `smep=0` /
 * `smap=0` leave them off, as Xen's options of the same names.
 */
#include <sable/cmdline.h>
#include <sable/lib.h>
#include <asm/processor.h>
#include <asm/smap.h>

static bool opt_smep = true, opt_smap = true;
boolean_param("smep", opt_smep);
boolean_param("smap", opt_smap);

/* Read by the assembly (entry.S, pv/entry.S): execute STAC/CLAC at all? */
uint8_t smap_active;

void smap_init(void)
{
    struct cpuid_regs r = { 0 };
    bool smep = false, smap = false;

    cpuid(0, &r);
    if (r.eax >= 7) {
        cpuid_count(7, 0, &r);
        smep = r.ebx & (1U << 7);
        smap = r.ebx & (1U << 20);
    }
    if (smep && opt_smep)
        write_cr4(read_cr4() | X86_CR4_SMEP);
    if (smap && opt_smap) {
        __asm__ volatile("clac" ::: "memory");  /* AC clear before it means anything */
        write_cr4(read_cr4() | X86_CR4_SMAP);
        smap_active = 1;
    }
    printk("cpu: SMEP %s, SMAP %s\n",
           !smep ? "not supported" : opt_smep ? "on" : "off (smep=0)",
           !smap ? "not supported" : opt_smap ? "on" : "off (smap=0)");
}
