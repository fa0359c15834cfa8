/*
 * Guest ABI layouts (include/public): the sizes, offsets and numbers that
 * Linux's Xen code has compiled in. The headers assert many of these at
 * compile time; this test repeats them at run time and adds behaviour
 * checks (hypercall list, errno agreement, XenStore error names, ring
 * protocol), so a regression shows up as a named failure on the host.
 * Expected values come from Xen's public headers (x86-64).
 * SOURCES:
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <sable/errno.h>

#include "../../include/public/xen.h"
#include "../../include/public/domctl.h"
#include "../../include/public/event_channel.h"
#include "../../include/public/sched.h"
#include "../../include/public/vcpu.h"
#include "../../include/public/version.h"
#include "../../include/public/memory.h"
#include "../../include/public/callback.h"
#include "../../include/public/hvm_op.h"
#include "../../include/public/hvm_params.h"
#include "../../include/public/hvm_start_info.h"
#include "../../include/public/grant_table.h"
#include "../../include/public/physdev.h"
#include "../../include/public/elfnote.h"
#include "../../include/public/cpuid.h"
#include "../../include/public/errno.h"
#include "../../include/public/io/ring.h"
#include "../../include/public/io/console.h"
#include "../../include/public/io/xs_wire.h"
#include "../../include/public/io/xenbus.h"
#include "../../include/public/io/blkif.h"
#include "../../include/public/io/netif.h"

#define SIZE(type, n)          assert_int_equal(sizeof(type), (n))
#define OFF(type, field, n)    assert_int_equal(offsetof(type, field), (n))

static void test_core_layouts(void **state)
{
    (void)state;
    SIZE(struct vcpu_time_info, 32);
    OFF(struct vcpu_time_info, tsc_timestamp, 8);
    OFF(struct vcpu_time_info, system_time, 16);
    OFF(struct vcpu_time_info, tsc_to_system_mul, 24);
    OFF(struct vcpu_time_info, tsc_shift, 28);
    OFF(struct vcpu_time_info, flags, 29);

    SIZE(struct vcpu_info, 64);
    OFF(struct vcpu_info, evtchn_upcall_mask, 1);
    OFF(struct vcpu_info, evtchn_pending_sel, 8);
    OFF(struct vcpu_info, arch.cr2, 16);
    OFF(struct vcpu_info, time, 32);

    SIZE(struct shared_info, 3136);
    OFF(struct shared_info, vcpu_info[1], 64);
    OFF(struct shared_info, evtchn_pending, 2048);
    OFF(struct shared_info, evtchn_mask, 2560);
    OFF(struct shared_info, wc_version, 3072);
    OFF(struct shared_info, wc_sec, 3076);
    OFF(struct shared_info, wc_nsec, 3080);
    OFF(struct shared_info, wc_sec_hi, 3084);
    OFF(struct shared_info, arch.max_pfn, 3088);
    OFF(struct shared_info, arch.pfn_to_mfn_frame_list_list, 3096);
    OFF(struct shared_info, arch.p2m_generation, 3128);

    SIZE(struct start_info, 1168);
    OFF(struct start_info, nr_pages, 32);
    OFF(struct start_info, shared_info, 40);
    OFF(struct start_info, flags, 48);
    OFF(struct start_info, store_mfn, 56);
    OFF(struct start_info, store_evtchn, 64);
    OFF(struct start_info, console.domU.mfn, 72);
    OFF(struct start_info, console.domU.evtchn, 80);
    OFF(struct start_info, console.dom0.info_size, 76);
    OFF(struct start_info, pt_base, 88);
    OFF(struct start_info, mfn_list, 104);
    OFF(struct start_info, mod_len, 120);
    OFF(struct start_info, cmd_line, 128);
    OFF(struct start_info, first_p2m_pfn, 1152);
    OFF(struct start_info, nr_p2m_frames, 1160);

    SIZE(struct mmu_update, 16);
    SIZE(struct mmuext_op, 24);
    OFF(struct mmuext_op, arg1, 8);
    OFF(struct mmuext_op, arg2, 16);
    SIZE(struct multicall_entry, 64);
    OFF(struct multicall_entry, args, 16);
    SIZE(struct dom0_vga_console_info, 40);
    OFF(struct dom0_vga_console_info, u.vesa_lfb.lfb_base, 12);
    OFF(struct dom0_vga_console_info, u.vesa_lfb.ext_lfb_base, 36);
    SIZE(struct xen_multiboot_mod_list, 16);
}

static void test_arch_layouts(void **state)
{
    (void)state;
    SIZE(struct trap_info, 16);
    OFF(struct trap_info, cs, 2);
    OFF(struct trap_info, address, 8);

    SIZE(struct cpu_user_regs, 200);
    OFF(struct cpu_user_regs, rbp, 32);
    OFF(struct cpu_user_regs, rax, 80);
    OFF(struct cpu_user_regs, rdi, 112);
    OFF(struct cpu_user_regs, error_code, 120);
    OFF(struct cpu_user_regs, entry_vector, 124);
    OFF(struct cpu_user_regs, rip, 128);
    OFF(struct cpu_user_regs, cs, 136);
    OFF(struct cpu_user_regs, saved_upcall_mask, 140);
    OFF(struct cpu_user_regs, rflags, 144);
    OFF(struct cpu_user_regs, rsp, 152);
    OFF(struct cpu_user_regs, ss, 160);
    OFF(struct cpu_user_regs, gs, 192);

    SIZE(struct vcpu_guest_context, 5168);
    OFF(struct vcpu_guest_context, flags, 512);
    OFF(struct vcpu_guest_context, user_regs, 520);
    OFF(struct vcpu_guest_context, trap_ctxt, 720);
    OFF(struct vcpu_guest_context, ldt_base, 4816);
    OFF(struct vcpu_guest_context, gdt_frames, 4832);
    OFF(struct vcpu_guest_context, kernel_ss, 4968);
    OFF(struct vcpu_guest_context, ctrlreg, 4984);
    OFF(struct vcpu_guest_context, debugreg, 5048);
    OFF(struct vcpu_guest_context, event_callback_eip, 5112);
    OFF(struct vcpu_guest_context, syscall_callback_eip, 5128);
    OFF(struct vcpu_guest_context, vm_assist, 5136);
    OFF(struct vcpu_guest_context, gs_base_user, 5160);

    SIZE(struct iret_context, 72);
    OFF(struct iret_context, rip, 32);
    OFF(struct iret_context, ss, 64);

    assert_int_equal(FLAT_KERNEL_CS, 0xe033);
    assert_int_equal(FLAT_KERNEL_SS, 0xe02b);
    assert_int_equal(FLAT_USER_CS32, 0xe023);
    assert_int_equal(FIRST_RESERVED_GDT_ENTRY, 14 * 512);
    assert_true(HYPERVISOR_VIRT_START == 0xffff800000000000ULL);
    assert_true(HYPERVISOR_VIRT_END == 0xffff880000000000ULL);
    assert_true(MACH2PHYS_NR_ENTRIES == (1ULL << 35));
}

static void test_hypercall_numbers(void **state)
{
#define NAME_ENTRY(name) [__HYPERVISOR_##name] = #name,
    static const char *const names[SABLE_NR_HYPERCALLS] = {
        SABLE_HYPERCALLS(NAME_ENTRY)
    };
#undef NAME_ENTRY
#define COUNT(name) + 1
    const int listed = 0 SABLE_HYPERCALLS(COUNT);
#undef COUNT
    int filled = 0;

    (void)state;
    for (int i = 0; i < SABLE_NR_HYPERCALLS; i++)
        filled += names[i] != NULL;
    assert_int_equal(filled, listed);       /* no two names share a number */
    assert_int_equal(listed, 42);
    assert_string_equal(names[1], "mmu_update");
    assert_string_equal(names[12], "memory_op");
    assert_string_equal(names[23], "iret");
    assert_string_equal(names[29], "sched_op");
    assert_string_equal(names[32], "event_channel_op");
    assert_string_equal(names[34], "hvm_op");
    assert_null(names[11]);
    assert_int_equal(__HYPERVISOR_vcpu_op, 24);
    assert_int_equal(__HYPERVISOR_grant_table_op, 20);
    assert_int_equal(__HYPERVISOR_console_io, 18);
    assert_int_equal(__HYPERVISOR_xen_version, 17);
    assert_int_equal(__HYPERVISOR_callback_op, 30);
    assert_int_equal(__HYPERVISOR_physdev_op, 33);
    assert_int_equal(HYPERCALL_STUB_SIZE * HYPERCALL_PAGE_STUBS, 4096);
}

static void test_event_sched_vcpu(void **state)
{
    (void)state;
    SIZE(struct evtchn_alloc_unbound, 8);
    OFF(struct evtchn_alloc_unbound, port, 4);
    SIZE(struct evtchn_bind_interdomain, 12);
    OFF(struct evtchn_bind_interdomain, remote_port, 4);
    OFF(struct evtchn_bind_interdomain, local_port, 8);
    SIZE(struct evtchn_bind_virq, 12);
    OFF(struct evtchn_bind_virq, port, 8);
    SIZE(struct evtchn_bind_ipi, 8);
    SIZE(struct evtchn_status, 24);
    OFF(struct evtchn_status, status, 8);
    OFF(struct evtchn_status, u.interdomain.port, 20);
    SIZE(struct evtchn_op, 28);
    assert_int_equal(EVTCHN_2L_NR_CHANNELS, 64 * 64);
    assert_int_equal(EVTCHNOP_send, 4);
    assert_int_equal(EVTCHNOP_unmask, 9);
    assert_int_equal(VIRQ_TIMER, 0);
    assert_int_equal(VIRQ_DOM_EXC, 3);
    assert_int_equal(NR_VIRQS, 24);

    SIZE(struct sched_poll, 24);
    OFF(struct sched_poll, nr_ports, 8);
    OFF(struct sched_poll, timeout, 16);
    SIZE(struct sched_remote_shutdown, 8);
    OFF(struct sched_remote_shutdown, reason, 4);
    assert_int_equal(SCHEDOP_block, 1);
    assert_int_equal(SCHEDOP_shutdown, 2);
    assert_int_equal(SHUTDOWN_crash, 3);

    SIZE(struct vcpu_runstate_info, 48);
    OFF(struct vcpu_runstate_info, state_entry_time, 8);
    OFF(struct vcpu_runstate_info, time, 16);
    SIZE(struct vcpu_set_singleshot_timer, 16);
    SIZE(struct vcpu_register_vcpu_info, 16);
    OFF(struct vcpu_register_vcpu_info, offset, 8);
    SIZE(struct vcpu_register_runstate_memory_area, 8);
    assert_int_equal(VCPUOP_register_vcpu_info, 10);
    assert_int_equal(VCPUOP_set_singleshot_timer, 8);
    assert_int_equal(VCPUOP_stop_periodic_timer, 7);
}

static void test_memory_version_callback(void **state)
{
    (void)state;
    SIZE(struct xen_memory_reservation, 32);
    OFF(struct xen_memory_reservation, nr_extents, 8);
    OFF(struct xen_memory_reservation, extent_order, 16);
    OFF(struct xen_memory_reservation, mem_flags, 20);
    OFF(struct xen_memory_reservation, domid, 24);
    SIZE(struct xen_memory_exchange, 72);
    OFF(struct xen_memory_exchange, nr_exchanged, 64);
    SIZE(struct xen_add_to_physmap, 24);
    OFF(struct xen_add_to_physmap, size, 2);
    OFF(struct xen_add_to_physmap, space, 4);
    OFF(struct xen_add_to_physmap, idx, 8);
    OFF(struct xen_add_to_physmap, gpfn, 16);
    SIZE(struct xen_add_to_physmap_batch, 32);
    OFF(struct xen_add_to_physmap_batch, errs, 24);
    SIZE(struct xen_remove_from_physmap, 16);
    SIZE(struct xen_memory_map, 16);
    OFF(struct xen_memory_map, buffer, 8);
    SIZE(struct e820_entry, 20);
    OFF(struct e820_entry, type, 16);
    assert_int_equal(XENMEM_add_to_physmap, 7);
    assert_int_equal(XENMEM_memory_map, 9);
    assert_int_equal(XENMAPSPACE_grant_table, 1);

    SIZE(struct xen_feature_info, 8);
    SIZE(struct xen_compile_info, 144);
    assert_int_equal(XENVER_get_features, 6);
    assert_int_equal(XENFEAT_hvm_callback_vector, 8);

    SIZE(struct callback_register, 16);
    OFF(struct callback_register, address, 8);
    assert_int_equal(CALLBACKTYPE_syscall, 2);
    assert_int_equal(CALLBACKTYPE_nmi, 4);
}

static void test_hvm_layouts(void **state)
{
    (void)state;
    SIZE(struct hvm_start_info, 56);
    OFF(struct hvm_start_info, nr_modules, 12);
    OFF(struct hvm_start_info, modlist_paddr, 16);
    OFF(struct hvm_start_info, cmdline_paddr, 24);
    OFF(struct hvm_start_info, rsdp_paddr, 32);
    OFF(struct hvm_start_info, memmap_paddr, 40);
    OFF(struct hvm_start_info, memmap_entries, 48);
    SIZE(struct hvm_modlist_entry, 32);
    OFF(struct hvm_modlist_entry, cmdline_paddr, 16);
    SIZE(struct hvm_memmap_table_entry, 24);
    OFF(struct hvm_memmap_table_entry, type, 16);
    assert_int_equal(XEN_HVM_START_MAGIC_VALUE, 0x336ec578);

    SIZE(struct xen_hvm_param, 16);
    OFF(struct xen_hvm_param, index, 4);
    OFF(struct xen_hvm_param, value, 8);
    SIZE(struct xen_hvm_evtchn_upcall_vector, 8);
    assert_int_equal(HVMOP_set_evtchn_upcall_vector, 23);
    assert_int_equal(HVM_PARAM_STORE_PFN, 1);
    assert_int_equal(HVM_PARAM_CONSOLE_EVTCHN, 18);
    assert_true((HVM_PARAM_CALLBACK_IRQ_TYPE_MASK >> HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) == 0xff);

    assert_int_equal(XEN_ELFNOTE_ENTRY, 1);
    assert_int_equal(XEN_ELFNOTE_HYPERCALL_PAGE, 2);
    assert_int_equal(XEN_ELFNOTE_PHYS32_ENTRY, 18);
    {
        const uint32_t sig[3] = { XEN_CPUID_SIGNATURE_EBX, XEN_CPUID_SIGNATURE_ECX,
                                  XEN_CPUID_SIGNATURE_EDX };
        assert_memory_equal(sig, "XenVMMXenVMM", 12);
    }
}

static void test_grant_physdev(void **state)
{
    (void)state;
    SIZE(struct grant_entry_v1, 8);
    OFF(struct grant_entry_v1, domid, 2);
    OFF(struct grant_entry_v1, frame, 4);
    SIZE(struct gnttab_map_grant_ref, 32);
    OFF(struct gnttab_map_grant_ref, flags, 8);
    OFF(struct gnttab_map_grant_ref, ref, 12);
    OFF(struct gnttab_map_grant_ref, dom, 16);
    OFF(struct gnttab_map_grant_ref, status, 18);
    OFF(struct gnttab_map_grant_ref, handle, 20);
    OFF(struct gnttab_map_grant_ref, dev_bus_addr, 24);
    SIZE(struct gnttab_unmap_grant_ref, 24);
    OFF(struct gnttab_unmap_grant_ref, status, 20);
    SIZE(struct gnttab_setup_table, 24);
    OFF(struct gnttab_setup_table, status, 8);
    OFF(struct gnttab_setup_table, frame_list, 16);
    SIZE(struct gnttab_copy, 40);
    OFF(struct gnttab_copy, source.domid, 8);
    OFF(struct gnttab_copy, dest, 16);
    OFF(struct gnttab_copy, flags, 34);
    OFF(struct gnttab_copy, status, 36);
    SIZE(struct gnttab_query_size, 16);
    OFF(struct gnttab_query_size, status, 12);
    assert_int_equal(GTF_permit_access | GTF_readonly, 0x5);
    assert_int_equal(GNTMAP_host_map | GNTMAP_readonly, 0x6);
    assert_int_equal(GNTST_bad_copy_arg, -10);

    SIZE(struct physdev_set_iobitmap, 16);
    OFF(struct physdev_set_iobitmap, nr_ports, 8);
    assert_int_equal(PHYSDEVOP_set_iopl, 6);
    assert_int_equal(PHYSDEVOP_set_iobitmap, 7);
}

/* domctl: Xen 4.19's numbers and layouts, and Sable's BVT parameters in the union. */
static void test_domctl(void **state)
{
    (void)state;
    assert_int_equal(XEN_DOMCTL_INTERFACE_VERSION, 0x17);
    assert_int_equal(__HYPERVISOR_domctl, 36);
    assert_int_equal(XEN_DOMCTL_setvcpuaffinity, 9);
    assert_int_equal(XEN_DOMCTL_scheduler_op, 16);
    assert_int_equal(XEN_DOMCTL_getvcpuaffinity, 25);
    assert_int_equal(XEN_SCHEDULER_CREDIT, 5);
    assert_int_equal(XEN_SCHEDULER_NULL, 9);
    assert_int_equal(XEN_DOMCTL_SCHEDOP_getvcpuinfo, 3);
    SIZE(struct xen_domctl, 144);
    OFF(struct xen_domctl, interface_version, 4);
    OFF(struct xen_domctl, domain, 8);
    OFF(struct xen_domctl, u, 16);
    SIZE(struct xenctl_bitmap, 16);
    OFF(struct xenctl_bitmap, nr_bits, 8);
    SIZE(struct xen_domctl_vcpuaffinity, 40);
    OFF(struct xen_domctl_vcpuaffinity, cpumap_hard, 8);
    OFF(struct xen_domctl_vcpuaffinity, cpumap_soft, 24);
    OFF(struct xen_domctl_scheduler_op, u, 8);
    OFF(struct xen_domctl_scheduler_op, u.credit.cap, 10);
    OFF(struct xen_domctl_scheduler_op, u.rtds.flags, 16);
    OFF(struct xen_domctl_scheduler_op, u.v.nr_vcpus, 16);
    SIZE(struct xen_domctl_sched_sable_bvt, 32);
    OFF(struct xen_domctl_sched_sable_bvt, warp, 8);
    OFF(struct xen_domctl_sched_sable_bvt, warpu, 24);
}

static void test_errno_agrees(void **state)
{
    (void)state;
    /* The hypervisor's internal numbers are what guests receive. */
    assert_int_equal(EPERM, XEN_EPERM);
    assert_int_equal(ENOENT, XEN_ENOENT);
    assert_int_equal(ESRCH, XEN_ESRCH);
    assert_int_equal(EAGAIN, XEN_EAGAIN);
    assert_int_equal(ENOMEM, XEN_ENOMEM);
    assert_int_equal(EACCES, XEN_EACCES);
    assert_int_equal(EFAULT, XEN_EFAULT);
    assert_int_equal(EBUSY, XEN_EBUSY);
    assert_int_equal(EEXIST, XEN_EEXIST);
    assert_int_equal(EINVAL, XEN_EINVAL);
    assert_int_equal(ENOSPC, XEN_ENOSPC);
    assert_int_equal(ERANGE, XEN_ERANGE);
    assert_int_equal(ENOSYS, XEN_ENOSYS);
    assert_int_equal(ENOTEMPTY, XEN_ENOTEMPTY);
    assert_int_equal(ETIME, XEN_ETIME);
    assert_int_equal(EOPNOTSUPP, XEN_EOPNOTSUPP);
    assert_int_equal(EISCONN, XEN_EISCONN);
    assert_int_equal(XEN_EISDIR, 21);
}

static void test_xenstore_wire(void **state)
{
    (void)state;
    SIZE(struct xsd_sockmsg, 16);
    OFF(struct xsd_sockmsg, len, 12);
    SIZE(struct xenstore_domain_interface, 2080);
    OFF(struct xenstore_domain_interface, rsp, 1024);
    OFF(struct xenstore_domain_interface, req_cons, 2048);
    OFF(struct xenstore_domain_interface, rsp_prod, 2060);
    OFF(struct xenstore_domain_interface, server_features, 2064);
    OFF(struct xenstore_domain_interface, evtchn_port, 2076);
    assert_int_equal(XS_WRITE, 11);
    assert_int_equal(XS_WATCH_EVENT, 15);
    assert_int_equal(XS_ERROR, 16);
    assert_int_equal(XS_RESET_WATCHES, 21);
    assert_int_equal(XS_TYPE_COUNT, 27);
    assert_int_equal(XenbusStateConnected, 4);
    assert_int_equal(XenbusStateClosed, 6);
    assert_int_equal(MASK_XENSTORE_IDX(1030), 6);

    assert_string_equal(xs_error_name(XEN_ENOENT), "ENOENT");
    assert_string_equal(xs_error_name(XEN_E2BIG), "E2BIG");
    assert_string_equal(xs_error_name(12345), "EINVAL");
    assert_int_equal(xs_error_number("EACCES"), XEN_EACCES);
    assert_int_equal(xs_error_number("EPERM"), XEN_EPERM);
    assert_int_equal(xs_error_number("EPERMX"), XEN_EINVAL);
    assert_int_equal(xs_error_number("EPER"), XEN_EINVAL);
    assert_int_equal(xs_error_number(""), XEN_EINVAL);

    SIZE(struct xencons_interface, 3092);
    OFF(struct xencons_interface, out, 1024);
    OFF(struct xencons_interface, in_cons, 3072);
    OFF(struct xencons_interface, out_prod, 3084);
    OFF(struct xencons_interface, connection, 3088);
}

static void test_io_layouts(void **state)
{
    (void)state;
    SIZE(struct blkif_request_segment, 8);
    OFF(struct blkif_request_segment, first_sect, 4);
    SIZE(struct blkif_request, 112);
    OFF(struct blkif_request, nr_segments, 1);
    OFF(struct blkif_request, handle, 2);
    OFF(struct blkif_request, id, 8);
    OFF(struct blkif_request, sector_number, 16);
    OFF(struct blkif_request, seg, 24);
    OFF(struct blkif_request, seg[10], 104);
    SIZE(struct blkif_request_discard, 32);
    OFF(struct blkif_request_discard, nr_sectors, 24);
    SIZE(struct blkif_request_indirect, 64);
    OFF(struct blkif_request_indirect, handle, 24);
    OFF(struct blkif_request_indirect, indirect_grefs, 28);
    SIZE(struct blkif_response, 16);
    OFF(struct blkif_response, operation, 8);
    OFF(struct blkif_response, status, 10);
    SIZE(union blkif_sring_entry, 112);
    OFF(struct blkif_sring, rsp_event, 12);
    OFF(struct blkif_sring, ring, 64);
    assert_int_equal(SABLE_RING_SLOTS(4096, sizeof(union blkif_sring_entry)), 32);
    assert_int_equal(SABLE_RING_SLOTS(4 * 4096, sizeof(union blkif_sring_entry)), 128);

    SIZE(struct netif_tx_request, 12);
    OFF(struct netif_tx_request, offset, 4);
    OFF(struct netif_tx_request, size, 10);
    SIZE(struct netif_extra_info, 8);
    OFF(struct netif_extra_info, u.gso.type, 4);
    OFF(struct netif_extra_info, u.gso.features, 6);
    SIZE(struct netif_tx_response, 4);
    SIZE(struct netif_rx_request, 8);
    OFF(struct netif_rx_request, gref, 4);
    SIZE(struct netif_rx_response, 8);
    OFF(struct netif_rx_response, status, 6);
    assert_int_equal(SABLE_RING_SLOTS(4096, sizeof(union netif_tx_sring_entry)), 256);
    assert_int_equal(SABLE_RING_SLOTS(4096, sizeof(union netif_rx_sring_entry)), 256);
}

/* One shared 4 KiB ring page, 8-byte aligned like a real page. */
static uint64_t ring_page[512];

/*
 * Drive a block ring from both ends: fill it, check the hold-off decisions
 * (notify only when the other side asked), wrap the indexes, and make sure
 * a wild req_prod from the front end cannot make the back end read more
 * than one ring's worth.
 */
static void test_ring_protocol(void **state)
{
    struct blkif_sring *s = (struct blkif_sring *)ring_page;
    struct blkif_front_ring f;
    struct blkif_back_ring b;
    struct blkif_request req;
    uint32_t i;

    (void)state;
    memset(ring_page, 0xa5, sizeof(ring_page));
    blkif_sring_init(s);
    blkif_front_init(&f, s, sizeof(ring_page));
    blkif_back_init(&b, s, sizeof(ring_page));
    assert_int_equal(f.nr_ents, 32);
    assert_int_equal(s->_pad[43], 0);
    assert_int_equal(blkif_front_free(&f), 32);

    /* First request: the back end asked (req_event 1), so notify. */
    blkif_front_next_req(&f)->id = 100;
    assert_true(blkif_front_push(&f));
    /* Back end has not rearmed req_event: no second notification. */
    blkif_front_next_req(&f)->id = 101;
    assert_false(blkif_front_push(&f));

    assert_int_equal(blkif_back_ready(&b), 2);
    blkif_back_take_req(&b, &req);
    assert_int_equal(req.id, 100);
    blkif_back_take_req(&b, &req);
    assert_int_equal(req.id, 101);
    assert_false(blkif_back_final_check(&b));
    assert_int_equal(s->req_event, 3);

    /* Responses: the front end's rsp_event is still 1, so notify once. */
    blkif_back_next_rsp(&b)->id = 100;
    blkif_back_next_rsp(&b)->id = 101;
    assert_true(blkif_back_push(&b));
    assert_int_equal(blkif_front_ready(&f), 2);
    assert_int_equal(blkif_front_next_rsp(&f)->id, 100);
    assert_int_equal(blkif_front_next_rsp(&f)->id, 101);
    assert_false(blkif_front_final_check(&f));

    /* Fill the ring completely across the wrap point. */
    for (i = 0; i < 32; i++)
        blkif_front_next_req(&f)->id = 200 + i;
    assert_int_equal(blkif_front_free(&f), 0);
    assert_true(blkif_front_push(&f));      /* req_event 3 lies in range */
    assert_int_equal(blkif_back_ready(&b), 32);
    for (i = 0; i < 32; i++) {
        blkif_back_take_req(&b, &req);
        assert_int_equal(req.id, 200 + i);
    }

    /* A hostile front end: req_prod far ahead. */
    s->req_prod = b.req_cons + 1000;
    assert_true(blkif_back_overflowed(&b));
    assert_int_equal(blkif_back_ready(&b), 0);  /* no free slot until responses */
    for (i = 0; i < 32; i++)
        blkif_back_next_rsp(&b)->id = 200 + i;
    blkif_back_push(&b);
    assert_int_equal(blkif_back_ready(&b), 32); /* clamped to one ring */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_layouts),
        cmocka_unit_test(test_arch_layouts),
        cmocka_unit_test(test_hypercall_numbers),
        cmocka_unit_test(test_event_sched_vcpu),
        cmocka_unit_test(test_memory_version_callback),
        cmocka_unit_test(test_hvm_layouts),
        cmocka_unit_test(test_grant_physdev),
        cmocka_unit_test(test_domctl),
        cmocka_unit_test(test_errno_agrees),
        cmocka_unit_test(test_xenstore_wire),
        cmocka_unit_test(test_io_layouts),
        cmocka_unit_test(test_ring_protocol),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
