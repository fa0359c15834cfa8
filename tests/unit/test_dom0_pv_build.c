/*
 * dom0's PV domain builder (dom0/toolstack/pv_build.c) against a fake
 * hypervisor with fake machine memory (fake_xc.h): the layout Xen gives a
 * PV guest, page tables that map the bootstrap region onto the domain's
 * own frames (the tables read-only), start_info, the kernel's bytes in
 * place, the hypercall page and ports asked for, vCPU 0's context, every
 * foreign mapping gone before the context is set; and refusals.
 * SOURCES: dom0/toolstack/pv_build.c hypervisor/common/pv_image.c hypervisor/common/elf.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0/pte.h>
#include <dom0/pv_build.h>

#include "fake_elf.h"
#include "fake_xc.h"

static struct image im;
static char err[128];
static domid_t dom;

static int setup(void **state)
{
    fx_reset();
    image_make(&im);
    assert_int_equal(xc_domain_create(1, 1023, &dom), 0);
    err[0] = '\0';
    return 0;
}

static int build(uint64_t mem_kib, const char *ramdisk, struct pv_build_result *out)
{
    struct pv_build_request rq = {
        .dom = dom, .kernel = im.b, .kernel_len = im.size,
        .ramdisk = (const uint8_t *)ramdisk, .ramdisk_len = ramdisk ? strlen(ramdisk) : 0,
        .cmdline = "hello world", .mem_kib = mem_kib,
    };

    return pv_build(&rq, out, err, sizeof(err));
}

/* Walk the guest's tables from the root in ctxt0 for va: the L1 entry, or 0. */
static uint64_t walk(uint64_t va)
{
    uint64_t table = fx_dom[dom].ctxt0.ctrlreg[3] >> 12;

    for (int level = 4; level >= 1; level--) {
        uint64_t e = ((uint64_t *)fx_frame(table))[(va >> (12 + 9 * (level - 1))) & 511];

        if (!(e & PTE_PRESENT))
            return 0;
        if (level == 1)
            return e;
        table = (e & 0x000ffffffffff000ULL) >> 12;
        assert_int_equal(fx_owner[table - FX_MFN0], dom);
    }
    return 0;
}

static void test_build_layout(void **state)
{
    struct pv_build_result r;
    struct vcpu_guest_context *c = &fx_dom[dom].ctxt0;
    const struct start_info *si;
    const uint64_t *p2m;
    uint64_t start_info_va, pt_end, v_end;

    assert_int_equal(build(16 * 1024, "RAMDISK", &r), 0);
    assert_int_equal(r.nr_pages, 4096);
    assert_int_equal(r.entry, VIRT_BASE + 0x10);
    assert_string_equal(r.guest_os, "Sable");
    assert_int_equal(fx_dom[dom].info.tot_pages, 4096);
    assert_int_equal(fx_mapped, 0);
    assert_int_equal(fx_dom[dom].mapped_at_setvcpucontext, 0);     /* all unmapped first */

    /* vCPU 0: entry, start_info, stack, root, online. */
    assert_true(fx_dom[dom].has_context[0]);
    assert_int_equal(c->user_regs.rip, VIRT_BASE + 0x10);
    assert_true(c->flags & VGCF_online);
    start_info_va = c->user_regs.rsi;
    si = fx_frame(walk(start_info_va) >> 12);
    assert_string_equal(si->magic, "xen-3.0-x86_64");
    assert_int_equal(si->nr_pages, 4096);
    assert_string_equal((const char *)si->cmd_line, "hello world");
    assert_int_equal(si->store_mfn, r.store_mfn);
    assert_int_equal(si->store_evtchn, r.store_port);
    assert_int_equal(si->console.domU.mfn, r.console_mfn);
    assert_int_equal(si->console.domU.evtchn, r.console_port);
    assert_int_not_equal(r.store_port, r.console_port);

    /* Xen's order: kernel, ramdisk, p2m, start_info, store, console, tables, stack. */
    assert_int_equal(si->mod_start, VIRT_BASE + 0x2000);
    assert_int_equal(si->mod_len, 7);
    assert_memory_equal(fx_frame(walk(si->mod_start) >> 12), "RAMDISK", 7);
    assert_int_equal(si->mfn_list, VIRT_BASE + 0x3000);
    assert_int_equal(start_info_va, si->mfn_list + 4096 * 8);
    assert_int_equal(walk(start_info_va + 0x1000) >> 12, r.store_mfn);
    assert_int_equal(walk(start_info_va + 0x2000) >> 12, r.console_mfn);
    assert_int_equal(si->pt_base, start_info_va + 0x3000);
    pt_end = si->pt_base + si->nr_pt_frames * 4096;
    v_end = pt_end + 4096;
    assert_int_equal(c->user_regs.rsp, v_end);
    assert_int_equal(c->ctrlreg[3] >> 12, walk(si->pt_base) >> 12);  /* the L4 first */

    /* Every page of the region maps the frame the p2m names; tables read-only. */
    p2m = fx_frame(walk(si->mfn_list) >> 12);
    for (uint64_t va = VIRT_BASE; va < v_end + (512 << 10); va += 4096) {
        uint64_t e = walk(va), pfn = (va - VIRT_BASE) >> 12;
        bool is_pt = va >= si->pt_base && va < pt_end;

        assert_int_not_equal(e, 0);
        if (pfn < 512)                  /* the p2m's first page */
            assert_int_equal(e >> 12, p2m[pfn]);
        assert_int_equal(!!(e & PTE_RW), !is_pt);
        assert_true(e & PTE_USER);
    }
    /* The kernel's bytes, and its hypercall page left to the hypervisor. */
    assert_int_equal(((uint8_t *)fx_frame(walk(VIRT_BASE) >> 12))[0x10], 0x90);
    assert_int_equal(fx_dom[dom].hypercall_mfn, walk(VIRT_BASE + 0x1000) >> 12);
}

static void test_refusals(void **state)
{
    struct pv_build_result r;

    assert_int_equal(build(1024, NULL, &r), -1);                 /* 1 MiB: too small */
    assert_string_equal(err, "memory too small for the kernel and its boot data (1 MiB)");
    assert_false(fx_dom[dom].has_context[0]);

    im.b[0] = 'X';
    assert_int_equal(build(16 * 1024, NULL, &r), -1);
    assert_string_equal(err, "not an ELF file");
    image_make(&im);

    fx_free_pages = 0;
    for (int i = 0; i < FX_FRAMES - 100; i++)                    /* the host is nearly full */
        fx_owner[i] = 0;
    assert_int_equal(build(16 * 1024, NULL, &r), -1);
    assert_string_equal(err, "not enough free memory for the domain (100 frames given)");
    assert_false(fx_dom[dom].has_context[0]);
}

static void test_map_failure_leaves_nothing_mapped(void **state)
{
    struct pv_build_result r;

    for (int n = 0; n < 6; n++) {
        assert_int_equal(xc_domain_destroy(dom), 0);
        assert_int_equal(xc_domain_create(1, 1023, &dom), 0);
        fx_fail_map_after = n;
        assert_int_equal(build(16 * 1024, NULL, &r), -1);
        assert_string_equal(err, "cannot map the new domain's memory (error -12)");
        assert_int_equal(fx_mapped, 0);
        assert_false(fx_dom[dom].has_context[0]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_build_layout, setup),
        cmocka_unit_test_setup(test_refusals, setup),
        cmocka_unit_test_setup(test_map_failure_leaves_nothing_mapped, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
