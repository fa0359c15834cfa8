/*
 * Guessing frame numbers: every machine frame that is not ours (another
 * domain's, the hypervisor's, the M2P's, I/O memory, past the end of RAM)
 * is refused as a mapping (-EBUSY for RAM, -EPERM for the rest), as a page
 * table to update, as an M2P entry, a table to pin, a page to clear or to
 * give back. The scan covers every frame up to maximum_ram_page, so the
 * victim's are among them.
 */
#include "mmhostile.h"

struct tally {
    unsigned long tried, ok, ebusy, eperm, other;
};

static void tally(struct tally *t, long rc)
{
    t->tried++;
    if (rc == 0) t->ok++;
    else if (rc == -XEN_EBUSY) t->ebusy++;
    else if (rc == -XEN_EPERM) t->eperm++;
    else t->other++;
}

static long give_back(uint64_t mfn)
{
    struct xen_memory_reservation r = { .extent_start = VA(&mfn), .nr_extents = 1,
                                        .domid = DOMID_SELF };

    return hypercall_memory_op(XENMEM_decrease_reservation, &r);
}

void attack_frames(void)
{
    long max = hypercall_memory_op(XENMEM_maximum_ram_page, NULL);
    uint64_t ma, before = pt_lookup(pt_root_mfn, VA(scratch), &ma), m2p[4];
    struct xen_machphys_mfn_list l = { .max_extents = 4, .extent_start = VA(m2p) };
    struct tally map = { 0 }, upd = { 0 }, m2p_upd = { 0 }, pin = { 0 }, clr = { 0 };
    unsigned long given = 0;

    check("frames-max-ram-page", max > 0, "%ld", max);
    for (uint64_t mfn = 0; mfn < (uint64_t)max + 64; mfn++) {
        if (own_mfn(mfn))
            continue;
        long rc = hypercall_update_va_mapping(VA(scratch), (mfn << 12) | RW_PTE, UVMF_INVLPG);
        tally(&map, rc);
        if (rc == 0)                    /* a hole: put our own frame back */
            hypercall_update_va_mapping(VA(scratch), before, UVMF_INVLPG);
        tally(&upd, mmu1(mfn << 12, 0) == -XEN_EINVAL ? -XEN_EBUSY : -1);
        if (mfn % 8)
            continue;
        tally(&m2p_upd, mmu1((mfn << 12) | MMU_MACHPHYS_UPDATE, 1) == -XEN_EINVAL ?
                        -XEN_EBUSY : -1);
        tally(&pin, mmuext(MMUEXT_PIN_L1_TABLE, mfn, 0) == -XEN_EINVAL ? -XEN_EBUSY : -1);
        tally(&clr, mmuext(MMUEXT_CLEAR_PAGE, mfn, 0) == -XEN_EINVAL ? -XEN_EBUSY : -1);
        given += give_back(mfn);
    }
    printf("frames: %lu guessed frames: %lu -EBUSY (RAM not ours), %lu -EPERM (not RAM), "
           "%lu mapped, %lu other\n", map.tried, map.ebusy, map.eperm, map.ok, map.other);
    check("frames-map-refused", map.ok == 0 && map.other == 0 && map.ebusy > 1000 && map.eperm > 0,
          "%lu mapped, %lu other errors", map.ok, map.other);
    check("frames-update-refused", upd.ebusy == upd.tried, "%lu of %lu not -EINVAL",
          upd.tried - upd.ebusy, upd.tried);
    check("frames-m2p-refused", m2p_upd.ebusy == m2p_upd.tried, "%lu not -EINVAL",
          m2p_upd.tried - m2p_upd.ebusy);
    check("frames-pin-refused", pin.ebusy == pin.tried, "%lu not -EINVAL", pin.tried - pin.ebusy);
    check("frames-clear-refused", clr.ebusy == clr.tried, "%lu not -EINVAL", clr.tried - clr.ebusy);
    check("frames-give-back-refused", given == 0, "%lu frames given back", given);
    check("frames-own-mapping-intact", pt_lookup(pt_root_mfn, VA(scratch), NULL) == before,
          "scratch pte changed");

    /* The hypervisor's own: the M2P's frames, the low megabyte, its image. */
    CHECK_RC("frames-m2p-list", hypercall_memory_op(XENMEM_machphys_mfn_list, &l), 0);
    CHECK_RC("frames-map-m2p-frame", hypercall_update_va_mapping(VA(scratch),
             (m2p[0] << 12) | RW_PTE, UVMF_INVLPG), -XEN_EBUSY);
    CHECK_RC("frames-map-m2p-read-only", hypercall_update_va_mapping(VA(scratch),
             (m2p[0] << 12) | PTE_P, UVMF_INVLPG), -XEN_EBUSY);
    CHECK_RC("frames-map-hypervisor-image", hypercall_update_va_mapping(VA(scratch),
             (0x200ULL << 12) | PTE_P, UVMF_INVLPG), -XEN_EBUSY);
    CHECK_RC("frames-map-vga", hypercall_update_va_mapping(VA(scratch), (0xb8ULL << 12) | RW_PTE,
             UVMF_INVLPG), -XEN_EPERM);
    CHECK_RC("frames-map-lapic", hypercall_update_va_mapping(VA(scratch),
             (0xfee00ULL << 12) | RW_PTE, UVMF_INVLPG), -XEN_EPERM);
}
