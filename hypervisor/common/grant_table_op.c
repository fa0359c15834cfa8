/*
 * grant_table_op(cmd, uop, count): the hypercall side of grant tables
 * (Xen's do_grant_table_op). uop is an array of count structs of cmd's
 * type; each gets its own status and the call returns 0, or a negative
 * errno when the arguments themselves are bad (-EFAULT, -EINVAL, -ENOSYS
 * for an unknown or unsupported command).
 *
 *   setup_table     size own table (count 1); PV: the frames' mfns to map
 *   query_size      current and maximum frames (count 1)
 *   get_version     always 1 (count 1)
 *   set_version     1 accepted; 2 -ENOSYS (Xen's answer when v2 is off),
 *                   anything else -EINVAL; the version is written back
 *   map_grant_ref   host mappings (PV mappers; HVM: GNTST_general_error)
 *   unmap_grant_ref
 *   copy            between grant references and the caller's own frames
 *   the rest        -ENOSYS (transfer, dump_table, unmap_and_replace,
 *                   swap_grant_ref, the v2 and Arm-only ones)
 *
 * Long map/unmap/copy batches continue (HYPERCALL_PREEMPT_BATCH): the
 * guest re-issues the call for the rest of the array.
 */
#include <sable/domain.h>
#include <sable/errno.h>
#include <sable/grant_table.h>
#include <sable/guest_access.h>
#include <sable/hypercall.h>
#include <sable/lib.h>
#include <sable/sched.h>

#include <public/grant_table.h>
#include <public/xen.h>

/*
 * The domain a size/version query names: ourselves, or for the privileged
 * domain any live one; with a reference. NULL and *rc otherwise.
 */
static struct domain *query_domain(domid_t id, int *rc)
{
    struct domain *self = current->domain, *d;

    if (id == DOMID_SELF || id == self->domain_id)
        return domain_get(self) ? self : NULL;
    d = id < DOMID_FIRST_RESERVED ? domain_get_by_id(id) : NULL;
    *rc = d ? -EPERM : -ESRCH;
    if (d && !self->is_privileged) {
        domain_put(d);
        d = NULL;
    }
    return d;
}

/* The frame number setup_table gives for shared frame i: an mfn for PV. */
static xen_pfn_t setup_frame(struct domain *d, unsigned int i)
{
    return d->is_hvm ? ~0ULL : virt_to_mfn(d->grant_table->shared[i]);
}

static int16_t setup_table(struct domain *d, void *arg)
{
    struct gnttab_setup_table *op = arg;
    int16_t status = gnttab_grow(d, op->nr_frames);

    for (unsigned int i = 0; status == GNTST_okay && i < op->nr_frames; i++) {
        xen_pfn_t f = setup_frame(d, i);
        if (copy_to_guest(op->frame_list + i * sizeof(f), &f, sizeof(f)))
            status = GNTST_bad_virt_addr;
    }
    return status;
}

static int16_t query_size(struct domain *d, void *arg)
{
    struct gnttab_query_size *op = arg;

    op->nr_frames = d->grant_table->nr_frames;
    op->max_nr_frames = d->grant_table->max_frames;
    return GNTST_okay;
}

/*
 * A single-struct op naming a domain in *dom (inside op): read op, run fn
 * on that domain (GNTST_bad_domain when it may not be named) for *status,
 * write op back.
 */
static long op_on_domain(uint64_t uop, void *op, size_t size, const domid_t *dom,
                         int16_t *status, int16_t (*fn)(struct domain *d, void *op))
{
    struct domain *d;
    int rc;

    if (copy_from_guest(op, uop, size))
        return -EFAULT;
    d = query_domain(*dom, &rc);
    *status = d ? fn(d, op) : GNTST_bad_domain;
    if (d)
        domain_put(d);
    return copy_to_guest(uop, op, size) ? -EFAULT : 0;
}

static long op_setup_table(uint64_t uop)
{
    struct gnttab_setup_table op;

    return op_on_domain(uop, &op, sizeof(op), &op.dom, &op.status, setup_table);
}

static long op_query_size(uint64_t uop)
{
    struct gnttab_query_size op;

    return op_on_domain(uop, &op, sizeof(op), &op.dom, &op.status, query_size);
}

static long op_get_version(uint64_t uop)
{
    struct gnttab_get_version op;
    struct domain *d;
    int rc = 0;

    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    d = query_domain(op.dom, &rc);
    if (!d)
        return rc;
    domain_put(d);
    op.version = 1;
    return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : 0;
}

static long op_set_version(uint64_t uop)
{
    struct gnttab_set_version op;
    long rc = 0;

    if (copy_from_guest(&op, uop, sizeof(op)))
        return -EFAULT;
    if (op.version == 2)
        rc = -ENOSYS;               /* version 2 is not offered */
    else if (op.version != 1)
        rc = -EINVAL;
    op.version = 1;
    if (copy_to_guest(uop, &op, sizeof(op)))
        return -EFAULT;
    return rc;
}

/* ---- batches ---- */

struct batch_op {
    size_t size;                                    /* of one struct */
    void (*one)(struct domain *d, void *op);
};

static void map_one(struct domain *d, void *op) { gnttab_map_one(d, op); }
static void unmap_one(struct domain *d, void *op) { gnttab_unmap_one(d, op); }
static void copy_one(struct domain *d, void *op) { gnttab_copy_one(d, op); }

static const struct batch_op batch_ops[] = {
    [GNTTABOP_map_grant_ref] = { sizeof(struct gnttab_map_grant_ref), map_one },
    [GNTTABOP_unmap_grant_ref] = { sizeof(struct gnttab_unmap_grant_ref), unmap_one },
    [GNTTABOP_copy] = { sizeof(struct gnttab_copy), copy_one },
};

/* Every struct of the array in turn; a continuation after each batch. */
static long run_batch(unsigned int cmd, const struct batch_op *b, uint64_t uop, uint32_t count)
{
    struct domain *d = current->domain;
    union {
        struct gnttab_map_grant_ref map;
        struct gnttab_unmap_grant_ref unmap;
        struct gnttab_copy copy;
    } op;

    for (uint32_t i = 0; i < count; i++) {
        uint64_t at = uop + (uint64_t)i * b->size;
        if (i && !(i % HYPERCALL_PREEMPT_BATCH)) {
            uint64_t args[3] = { cmd, at, count - i };
            return hypercall_create_continuation(__HYPERVISOR_grant_table_op, 3, args);
        }
        if (copy_from_guest(&op, at, b->size))
            return -EFAULT;
        b->one(d, &op);
        if (copy_to_guest(at, &op, b->size))
            return -EFAULT;
    }
    return 0;
}

long do_grant_table_op(uint64_t cmd, uint64_t uop, uint64_t count, uint64_t a4, uint64_t a5)
{
    if ((int32_t)count < 0 || count > UINT32_MAX)
        return -EINVAL;
    if (!current->domain->grant_table)
        return -ENOSYS;
    switch (cmd) {
    case GNTTABOP_setup_table:
    case GNTTABOP_query_size:
    case GNTTABOP_get_version:
    case GNTTABOP_set_version:
        if (count != 1)
            return -EINVAL;
        break;
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_copy:
        return run_batch(cmd, &batch_ops[cmd], uop, (uint32_t)count);
    default:
        return -ENOSYS;
    }
    switch (cmd) {
    case GNTTABOP_setup_table:
        return op_setup_table(uop);
    case GNTTABOP_query_size:
        return op_query_size(uop);
    case GNTTABOP_get_version:
        return op_get_version(uop);
    default:
        return op_set_version(uop);
    }
}
