/*
 * Grant-table calls, typed: our own table (one frame, set up at the start)
 * holds entries we rewrite before each call, mostly granting ourselves our
 * own frames, so that maps, unmaps and copies get past the checks into the
 * pinning, host-mapping and copying code; the rest are junk. Before the
 * entries are written the table frame is mapped over window 0 (a generated
 * call may have put anything there since).
 *
 * What keeps the fuzzer alive: a frame we own is granted writable only if
 * it is an arena or window frame (copies into it, or writable mappings of
 * it, change nothing we check); any other frame of ours (text, read-only
 * pages, page tables) only read-only. Maps go to window addresses (or to
 * a window PTE with GNTMAP_contains_pte), which the window check accepts
 * for frames of ours. Arrays are never shorter than the count, except at
 * an address nothing can be read from.
 */
#include "fuzz.h"
#include "public/grant_table.h"
#include "grant_gen.h"

#define VA(p)       ((uint64_t)(uintptr_t)(p))
#define GNT_REFS    8               /* the entries we fill in */

static uint64_t gnt_mfn;            /* our table's frame, 0 if none */

bool mfn_is_grant_frame(uint64_t mfn)
{
    return gnt_mfn && mfn == gnt_mfn;
}

void grant_init(void)
{
    xen_pfn_t frame = 0;
    struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 1,
                                    .frame_list = guest_handle_from_ptr(&frame) };

    if (hypercall_grant_table_op(GNTTABOP_setup_table, &s, 1) == 0 && s.status == GNTST_okay)
        gnt_mfn = frame;
    printf("FUZZ grant table frame %#lx\n", gnt_mfn);
}

/* Frames an entry or a copy names: scratch, our table, any (mfn_gen). */
static uint64_t frame_gen(void)
{
    switch (rng_below(&rng, 6)) {
    case 0: case 1: case 2: return scratch_mfn_gen();
    case 3:                 return gnt_mfn;
    default:                return mfn_gen();
    }
}

/* Whether frame may be written through a grant or a copy of ours. */
static bool writable_ok(uint64_t mfn)
{
    return mfn_is_scratch(mfn) || !mfn_is_ours(mfn);
}

static void fill_entries(void)
{
    struct grant_entry_v1 *e = (struct grant_entry_v1 *)fuzz_mem.window[0];

    if (!gnt_mfn || hypercall_update_va_mapping(VA(fuzz_mem.window[0]),
                                                (gnt_mfn << 12) | PTE_P | PTE_RW | PTE_A |
                                                PTE_D | PTE_NX, UVMF_INVLPG))
        return;
    for (unsigned int n = (unsigned int)rng_below(&rng, 4); n; n--) {
        struct grant_entry_v1 *g = &e[rng_below(&rng, GNT_REFS)];
        uint64_t mfn = frame_gen();
        uint16_t flags = (uint16_t)(rng_chance(&rng, 80)
                                    ? GTF_permit_access | (rng_chance(&rng, 40) ? GTF_readonly : 0)
                                    : rng_next(&rng));

        if (!writable_ok(mfn))
            flags |= GTF_readonly;
        g->frame = (uint32_t)mfn;
        g->domid = rng_chance(&rng, 80) ? self_id : domid_gen();
        g->flags = flags;
    }
}

static grant_ref_t ref_gen(void)
{
    return rng_chance(&rng, 85) ? (grant_ref_t)rng_below(&rng, GNT_REFS + 1)
                                : (grant_ref_t)rng_interesting(&rng);
}

static domid_t gnt_domid_gen(void)
{
    return rng_chance(&rng, 40) ? DOMID_SELF : rng_chance(&rng, 60) ? self_id : domid_gen();
}

static uint64_t dst_frame_gen(void)
{
    uint64_t mfn = frame_gen();

    return writable_ok(mfn) ? mfn : scratch_mfn_gen();
}

/* A window address, or with GNTMAP_contains_pte a PTE's machine address. */
static uint64_t map_addr_gen(uint32_t *flags)
{
    if (rng_chance(&rng, 25)) {
        *flags |= GNTMAP_contains_pte;
        return pte_maddr_gen();
    }
    return remap_va_gen();
}

static const struct gnt_sources sources = {
    .src_frame = frame_gen, .dst_frame = dst_frame_gen, .ref = ref_gen,
    .domid = gnt_domid_gen, .map_addr = map_addr_gen, .unmap_addr = remap_va_gen,
};

void gen_grant_table_op(struct fuzz_call *c, bool mc)
{
    static const uint32_t cmds[] = {
        GNTTABOP_copy, GNTTABOP_copy, GNTTABOP_map_grant_ref, GNTTABOP_map_grant_ref,
        GNTTABOP_unmap_grant_ref, GNTTABOP_unmap_grant_ref, GNTTABOP_setup_table,
        GNTTABOP_query_size, GNTTABOP_set_version, GNTTABOP_get_version,
    };
    uint32_t cmd = rng_chance(&rng, 85) ? cmds[rng_below(&rng, ARRAY_SIZE(cmds))]
                                        : (uint32_t)rng_cmd(&rng, GNTTABOP_cache_flush);
    size_t size = cmd == GNTTABOP_copy ? sizeof(struct gnttab_copy)
                : cmd == GNTTABOP_map_grant_ref ? sizeof(struct gnttab_map_grant_ref)
                : sizeof(struct gnttab_unmap_grant_ref);
    unsigned int n = !mc && rng_chance(&rng, 3) ? 520 + (unsigned int)rng_below(&rng, 60)
                                                : 1 + (unsigned int)rng_below(&rng, 4);
    uint64_t arr;

    fill_entries();
    c->arg[0] = cmd;
    c->arg[2] = 1;
    switch (cmd) {
    case GNTTABOP_copy:
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
        arr = slot_alloc(n * size);
        if (!arr) {
            n = 1;
            arr = slot_alloc(size);
        }
        for (unsigned int i = 0; arr && i < n; i++) {
            union gnt_op op;

            gnt_op_gen(&rng, &sources, cmd, &op);
            mem_put(arr + i * size, &op, size);
        }
        c->arg[1] = arr ? arr : ptr_gen(size, true);
        c->arg[2] = arr ? n : 1;
        break;
    case GNTTABOP_setup_table: {
        uint64_t list = slot_alloc(8 * sizeof(xen_pfn_t));
        struct gnttab_setup_table op = {
            .dom = gnt_domid_gen(),
            .nr_frames = (uint32_t)(rng_chance(&rng, 80) ? rng_below(&rng, 9)
                                                         : rng_interesting(&rng)),
        };
        op.frame_list = rng_chance(&rng, 80) && list && op.nr_frames <= 8
                        ? list : ptr_gen(64, true);
        c->arg[1] = ptr_gen(sizeof(op), true);
        mem_put(c->arg[1], &op, sizeof(op));
        break;
    }
    case GNTTABOP_query_size:
    case GNTTABOP_get_version: {
        struct gnttab_query_size op = { .dom = gnt_domid_gen() };
        c->arg[1] = ptr_gen(sizeof(op), true);
        mem_put(c->arg[1], &op, sizeof(op));
        break;
    }
    case GNTTABOP_set_version: {
        uint32_t v = (uint32_t)(rng_chance(&rng, 70) ? rng_below(&rng, 4) : rng_interesting(&rng));
        c->arg[1] = ptr_gen(sizeof(v), true);
        mem_put(c->arg[1], &v, sizeof(v));
        break;
    }
    default:
        c->arg[1] = ptr_gen(128, false);
        mem_fill_random(c->arg[1], 128);
        c->arg[2] = rng_chance(&rng, 70) ? rng_below(&rng, 4) : rng_interesting(&rng);
        break;
    }
}
