/*
 * xen_version: who the hypervisor is and what it offers.
 *
 * Sable reports itself as Xen 4.19, the Xen release whose interface level
 * (0x00041300, SABLE_XEN_INTERFACE_VERSION) include/public reproduces, so
 * a guest's version checks see the ABI they get; extraversion ".0-sable"
 * says what it really is. Feature bits are only those Sable honours for a
 * PV guest: XENFEAT_dom0 for the privileged domain. In particular no
 * writable_page_tables / writable_descriptor_tables (direct paging,
 * validated updates), no auto_translated_physmap (PV sees machine frames),
 * no supervisor_mode_kernel (the guest kernel runs in ring 3), and none of
 * the *_phys_area / vnode / preserve_ad extensions (not implemented).
 * XENVER_commandline gives dom0 the hypervisor's command line and other
 * domains "<denied>", as Xen's xen_deny() does; the build id and the
 * variable-length *2 forms are not provided (-ENOSYS).
 */
#include <sable/cmdline.h>
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>

#include "public/version.h"
#include "public/xen.h"

#ifdef SABLE_HYPERVISOR
#define VERSION_CMDLINE boot_cmdline
#else
#define VERSION_CMDLINE ""              /* host unit tests have no boot */
#endif

/* Copy a string into a fixed-size guest field, zero-filled after it. */
static long version_copy_string(uint64_t arg, const char *s, size_t field)
{
    static const char zeros[sizeof(xen_capabilities_info_t)];
    size_t len = strnlen(s, field - 1) + 1;

    ASSERT(field <= sizeof(zeros) && len <= field);
    if (copy_to_guest(arg, zeros, field) || copy_to_guest(arg, s, len - 1))
        return -EFAULT;
    return 0;
}

static long version_compile_info(uint64_t arg)
{
    struct xen_compile_info info;

    memset(&info, 0, sizeof(info));
    strlcpy(info.compiler, "gcc " __VERSION__, sizeof(info.compiler));
    strlcpy(info.compile_by, "sable", sizeof(info.compile_by));
    strlcpy(info.compile_domain, "sable", sizeof(info.compile_domain));
    return copy_to_guest(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

/* XENFEAT_* word submap_idx for domain d; -EINVAL past the last word. */
static long version_get_features(struct domain *d, uint64_t arg)
{
    struct xen_feature_info fi;

    if (copy_from_guest(&fi, arg, sizeof(fi)))
        return -EFAULT;
    if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
        return -EINVAL;
    if (d->is_hvm)      /* translated, callback vector, pvclock safe to use */
        fi.submap = (1U << XENFEAT_writable_page_tables) |
                    (1U << XENFEAT_auto_translated_physmap) |
                    (1U << XENFEAT_hvm_callback_vector) | (1U << XENFEAT_hvm_safe_pvclock) |
                    (1U << XENFEAT_not_direct_mapped);
    else
        fi.submap = d->is_privileged ? 1U << XENFEAT_dom0 : 0;
    return copy_to_guest(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
}

long do_xen_version(uint64_t cmd, uint64_t arg, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct xen_platform_parameters pp = { .virt_start = HYPERVISOR_VIRT_START };
    static const xen_domain_handle_t no_handle;

    switch (cmd) {
    case XENVER_version:
        return (SABLE_XEN_MAJOR << 16) | SABLE_XEN_MINOR;
    case XENVER_extraversion:
        return version_copy_string(arg, ".0-sable", sizeof(xen_extraversion_t));
    case XENVER_compile_info:
        return version_compile_info(arg);
    case XENVER_capabilities:
        return version_copy_string(arg, "xen-3.0-x86_64", sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return version_copy_string(arg, "unavailable", sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters:
        return copy_to_guest(arg, &pp, sizeof(pp)) ? -EFAULT : 0;
    case XENVER_get_features:
        return version_get_features(current->domain, arg);
    case XENVER_pagesize:
        return PAGE_SIZE;
    case XENVER_guest_handle:   /* boot-built domains have the all-zero handle */
        return copy_to_guest(arg, no_handle, sizeof(no_handle)) ? -EFAULT : 0;
    case XENVER_commandline:
        return version_copy_string(arg, current->domain->is_privileged ? VERSION_CMDLINE
                                                                       : "<denied>",
                                   sizeof(xen_commandline_t));
    default:
        return -ENOSYS;
    }
}
