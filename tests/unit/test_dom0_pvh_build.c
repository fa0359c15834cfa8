/*
 * dom0's PVH domain builder (dom0/toolstack/pvh_build.c) against a fake
 * hypervisor that translates guest frames (fake_xc.h with fx_hvm): RAM
 * populated in 2 MiB extents where aligned plus the XenStore and console
 * pages, the kernel and boot data in place by guest-physical address, the
 * ports named in HVM params, vCPU 0's records (HEADER, CPU at the PVH
 * entry, END) set with no foreign mapping left; and refusals.
 * SOURCES: dom0/toolstack/pvh_build.c dom0/toolstack/pv_build.c hypervisor/common/pvh_layout.c hypervisor/arch/x86/hvm/acpi_build.c hypervisor/common/pv_image.c hypervisor/common/elf.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0/pvh_build.h>
#include <sable/pvh_layout.h>
#include "public/hvm_params.h"
#include "public/hvm_save.h"

#include "fake_elf.h"
#include "fake_xc.h"

#define MEM_MIB 20
#define ENTRY   (PVH_KERNEL_AT + 0x40)

static struct image im;
static char err[128];
static domid_t dom;

static int setup(void **state)
{
    fx_reset();
    fx_hvm = true;
    pvh_image_make(&im, ENTRY);
    assert_int_equal(xc_domain_create_hvm(2, 1023, &dom), 0);
    err[0] = '\0';
    return 0;
}

static int build(uint64_t mem_mib, const char *ramdisk, struct pv_build_result *out)
{
    struct pv_build_request rq = {
        .dom = dom, .kernel = im.b, .kernel_len = im.size,
        .ramdisk = (const uint8_t *)ramdisk, .ramdisk_len = ramdisk ? strlen(ramdisk) : 0,
        .cmdline = "console=hvc0", .mem_kib = mem_mib * 1024, .vcpus = 2,
    };

    return pvh_build(&rq, out, err, sizeof(err));
}

/* What the guest sees at guest-physical gpa. */
static void *gpa(uint64_t addr)
{
    uint32_t f = fx_p2m[addr >> 12];

    assert_true(f != 0);
    return (uint8_t *)fx_frame(FX_MFN0 + f - 1) + (addr & 4095);
}

static void test_builds_a_pvh_guest(void **state)
{
    struct pv_build_result out;
    struct hvm_start_info si;
    const struct hvm_save_descriptor *d = (const void *)fx_hvm_ctx;
    const struct hvm_hw_cpu *cpu;

    assert_int_equal(build(MEM_MIB, "initrd!", &out), 0);
    /* RAM in 2 MiB extents (the first too: gfn 0 is aligned), then the two special pages. */
    assert_non_null(strstr(fx_log, "populate 10/10 order 9;populate 1/1 order 0;"
                                   "populate 1/1 order 0;"));
    assert_int_equal(fx_dom[dom].info.tot_pages, MEM_MIB * 256 + 2);
    assert_int_equal(fx_mapped, 0);
    /* Kernel and boot data where the layout says. */
    assert_int_equal(*(uint8_t *)gpa(PVH_KERNEL_AT + 0xff), 0xab);
    memcpy(&si, gpa(PVH_START_INFO_GPA), sizeof(si));
    assert_int_equal(si.magic, XEN_HVM_START_MAGIC_VALUE);
    assert_int_equal(si.nr_modules, 1);
    assert_string_equal((char *)gpa(si.cmdline_paddr), "console=hvc0");
    assert_memory_equal(gpa(si.rsdp_paddr), "RSD PTR ", 8);
    assert_memory_equal(gpa((MEM_MIB << 20) - 4096), "initrd!", 7);
    /* Rings: guest frames and ports, in the result and in the params. */
    assert_int_equal(out.store_mfn, PVH_STORE_GFN);
    assert_int_equal(out.console_mfn, PVH_CONSOLE_GFN);
    assert_int_equal(fx_params[HVM_PARAM_STORE_PFN], PVH_STORE_GFN);
    assert_int_equal(fx_params[HVM_PARAM_CONSOLE_PFN], PVH_CONSOLE_GFN);
    assert_int_equal(fx_params[HVM_PARAM_STORE_EVTCHN], out.store_port);
    assert_int_equal(fx_params[HVM_PARAM_CONSOLE_EVTCHN], out.console_port);
    assert_true(out.store_port != out.console_port);
    /* vCPU 0: HEADER, CPU (the PVH entry state), END. */
    assert_int_equal(fx_hvm_ctx_size, 3 * sizeof(*d) + sizeof(struct hvm_save_header) +
                                      sizeof(struct hvm_hw_cpu));
    assert_int_equal(d->typecode, HVM_SAVE_CODE_HEADER);
    assert_int_equal(((const struct hvm_save_header *)(d + 1))->magic, HVM_FILE_MAGIC);
    d = (const void *)((const uint8_t *)(d + 1) + d->length);
    assert_int_equal(d->typecode, HVM_SAVE_CODE_CPU);
    assert_int_equal(d->instance, 0);
    cpu = (const void *)(d + 1);
    assert_int_equal(cpu->rip, ENTRY);
    assert_int_equal(cpu->rbx, PVH_START_INFO_GPA);
    assert_int_equal(cpu->cr0, 0x11);
    assert_int_equal(cpu->cs_arbytes, 0xc9b);
    d = (const void *)((const uint8_t *)(d + 1) + d->length);
    assert_int_equal(d->typecode, HVM_SAVE_CODE_END);
    assert_int_equal(out.entry, ENTRY);
}

static void test_refusals(void **state)
{
    struct pv_build_result out;

    pvh_image_make(&im, 0);
    assert_int_equal(build(MEM_MIB, NULL, &out), -1);
    assert_string_equal(err, "no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel");
    pvh_image_make(&im, ENTRY);
    assert_int_equal(build(8, NULL, &out), -1);             /* the image does not fit */
    assert_string_equal(err, "kernel segments outside the guest's low RAM (more memory?)");
    assert_int_equal(fx_dom[dom].info.tot_pages, 0);        /* nothing given yet */
    assert_int_equal(build(40, NULL, &out), -1);            /* more than the fake host has */
    assert_string_equal(err, "not enough free memory for the domain (-12)");
    assert_int_equal(fx_mapped, 0);
}

static void test_mapping_failure(void **state)
{
    struct pv_build_result out;

    fx_fail_map_after = 3;
    assert_int_equal(build(MEM_MIB, NULL, &out), -1);
    assert_string_equal(err, "cannot map the new domain's memory (error -12)");
    assert_int_equal(fx_mapped, 0);
    assert_int_equal(fx_hvm_ctx_size, 0);                   /* vCPU never set */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_builds_a_pvh_guest, setup),
        cmocka_unit_test_setup(test_refusals, setup),
        cmocka_unit_test_setup(test_mapping_failure, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
