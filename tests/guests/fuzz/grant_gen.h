/*
 * Grant-table operations for the fuzz kernels (the PV one's grant.c and
 * the PVH one in tests/pvh share this header, as rng.h): copies, maps and
 * unmaps with boundary offsets and lengths, built from what each kernel
 * says may be named (struct gnt_sources), so neither names its own state.
 *
 * Header-only, freestanding; the includer has the public grant_table.h.
 */
#ifndef FUZZ_GRANT_GEN_H
#define FUZZ_GRANT_GEN_H

#include "rng.h"

struct gnt_sources {
    uint64_t (*src_frame)(void);        /* a frame a copy may read */
    uint64_t (*dst_frame)(void);        /* a frame a copy may write */
    grant_ref_t (*ref)(void);           /* an entry of ours, mostly */
    domid_t (*domid)(void);             /* the granting domain */
    uint64_t (*map_addr)(uint32_t *flags);  /* where a map goes (may add flags) */
    uint64_t (*unmap_addr)(void);       /* the address an unmap names */
};

#define GNT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline uint16_t gnt_offset_gen(struct fuzz_rng *r)
{
    static const uint16_t offs[] = { 0, 1, 8, 2048, 4088, 4095, 4096, 0xffff };

    return rng_chance(r, 70) ? offs[rng_below(r, GNT_ARRAY_SIZE(offs))]
                             : (uint16_t)rng_below(r, 4096);
}

static inline void gnt_copy_gen(struct fuzz_rng *r, const struct gnt_sources *s,
                                struct gnttab_copy *op)
{
    static const uint16_t lens[] = { 0, 1, 8, 64, 2048, 4095, 4096, 4097, 0xffff };

    *op = (struct gnttab_copy){ 0 };
    op->flags = (uint16_t)(rng_chance(r, 90) ? rng_below(r, 4) : rng_next(r));
    if (op->flags & GNTCOPY_source_gref)
        op->source.u.ref = s->ref();
    else
        op->source.u.gmfn = s->src_frame();
    if (op->flags & GNTCOPY_dest_gref)
        op->dest.u.ref = s->ref();
    else
        op->dest.u.gmfn = s->dst_frame();
    op->source.domid = s->domid();
    op->dest.domid = s->domid();
    op->source.offset = gnt_offset_gen(r);
    op->dest.offset = gnt_offset_gen(r);
    op->len = rng_chance(r, 70) ? lens[rng_below(r, GNT_ARRAY_SIZE(lens))]
                                : (uint16_t)rng_below(r, 4096);
}

static inline void gnt_map_gen(struct fuzz_rng *r, const struct gnt_sources *s,
                               struct gnttab_map_grant_ref *op)
{
    *op = (struct gnttab_map_grant_ref){ 0 };
    op->flags = rng_chance(r, 80) ? GNTMAP_host_map : (uint32_t)rng_interesting(r);
    if (rng_chance(r, 40))
        op->flags |= GNTMAP_readonly;
    if (rng_chance(r, 15))
        op->flags |= GNTMAP_application_map;
    op->host_addr = s->map_addr(&op->flags);
    op->ref = s->ref();
    op->dom = s->domid();
}

static inline void gnt_unmap_gen(struct fuzz_rng *r, const struct gnt_sources *s,
                                 struct gnttab_unmap_grant_ref *op)
{
    *op = (struct gnttab_unmap_grant_ref){ 0 };
    /* Handles are handed out from 0 up, and reused first. */
    op->handle = rng_chance(r, 85) ? (grant_handle_t)rng_below(r, 6)
                                   : (grant_handle_t)rng_interesting(r);
    op->host_addr = rng_chance(r, 50) ? 0 : s->unmap_addr();
    op->dev_bus_addr = rng_chance(r, 90) ? 0 : rng_interesting(r);
}

/* One entry of a GNTTABOP_copy, _map_grant_ref or _unmap_grant_ref batch. */
union gnt_op {
    struct gnttab_copy copy;
    struct gnttab_map_grant_ref map;
    struct gnttab_unmap_grant_ref unmap;
};

static inline void gnt_op_gen(struct fuzz_rng *r, const struct gnt_sources *s, unsigned int cmd,
                              union gnt_op *op)
{
    if (cmd == GNTTABOP_copy)
        gnt_copy_gen(r, s, &op->copy);
    else if (cmd == GNTTABOP_map_grant_ref)
        gnt_map_gen(r, s, &op->map);
    else
        gnt_unmap_gen(r, s, &op->unmap);
}

#endif /* FUZZ_GRANT_GEN_H */
