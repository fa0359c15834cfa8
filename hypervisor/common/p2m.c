/*
 * Nested page tables (p2m) of HVM domains: see sable/p2m.h. Portable: the
 * table pages come from p2m->ops, so this file is unit-tested on the host.
 *
 * Entries use the x86-64 page-table format. NPT walks are user accesses,
 * so every level has U set; A and D are preset so the CPU never writes
 * them back. An unscrubbed leaf is a leaf without P (the CPU ignores the
 * rest of it) carrying E_SCRUB, and E_BUSY while someone scrubs it.
 */
#include <sable/errno.h>
#include <sable/lib.h>
#include <sable/p2m.h>

#define E_P      0x001ULL
#define E_RW     0x002ULL
#define E_US     0x004ULL
#define E_A      0x020ULL
#define E_D      0x040ULL
#define E_PS     0x080ULL
#define E_SCRUB  0x200ULL             /* software: backed, not scrubbed yet */
#define E_BUSY   0x400ULL             /* software: being scrubbed */
#define E_ADDR   0x000ffffffffff000ULL
#define E_TABLE  (E_P | E_RW | E_US | E_A)
#define ENTRIES  512

static unsigned int idx(uint64_t gfn, unsigned int level)
{
    return (gfn >> (9 * (level - 1))) & (ENTRIES - 1);
}

static uint64_t *table(const struct p2m *p, paddr_t ma)
{
    return p->ops->table_va(ma);
}

static uint64_t leaf(uint64_t mfn, unsigned int access, bool large)
{
    uint64_t e = (mfn << 12) | ((access & P2M_UNSCRUBBED) ? E_SCRUB : E_P) | E_US | E_A | E_D;

    if (access & P2M_WRITE)
        e |= E_RW;
    return large ? e | E_PS : e;
}

int p2m_init(struct p2m *p, const struct p2m_ops *ops)
{
    void *va;

    p->ops = ops;
    p->lock = (spinlock_t)SPINLOCK_INIT;
    p->root = ops->alloc_table(&va);
    p->nr_tables = p->root ? 1 : 0;
    return p->root ? 0 : -ENOMEM;
}

/* Free the table at ma (a table of `level`) and everything below it. */
static void free_tree(struct p2m *p, paddr_t ma, unsigned int level)
{
    uint64_t *t = table(p, ma);

    if (level > 1)
        for (unsigned int i = 0; i < ENTRIES; i++)
            if ((t[i] & E_P) && !(t[i] & E_PS))
                free_tree(p, t[i] & E_ADDR, level - 1);
    p->ops->free_table(ma);
    p->nr_tables--;
}

void p2m_destroy(struct p2m *p)
{
    if (p->root)
        free_tree(p, p->root, 4);
    p->root = 0;
}

/*
 * The entry for gfn at `level` (1 for a 4 KiB leaf, 2 for a 2 MiB one),
 * creating tables on the way; a 2 MiB leaf met above level 1 is split.
 * NULL when a table cannot be allocated.
 */
static uint64_t *walk_create(struct p2m *p, uint64_t gfn, unsigned int level)
{
    uint64_t *t = table(p, p->root);

    for (unsigned int l = 4; l > level; l--) {
        uint64_t *e = &t[idx(gfn, l)];

        if (!(*e & E_P) || (*e & E_PS)) {     /* absent, or a leaf (maybe unscrubbed) */
            void *va;
            paddr_t ma = p->ops->alloc_table(&va);
            uint64_t *nt = va;

            if (!ma)
                return NULL;
            p->nr_tables++;
            if (*e & E_PS) {            /* split a 2 MiB leaf into 512 */
                uint64_t base = *e & E_ADDR;
                uint64_t keep = E_RW | E_P | E_US | E_A | E_D | E_SCRUB;
                for (unsigned int i = 0; i < ENTRIES; i++)
                    nt[i] = (base + ((uint64_t)i << 12)) | (*e & keep);
            }
            *e = ma | E_TABLE;
        }
        t = table(p, *e & E_ADDR);
    }
    return &t[idx(gfn, level)];
}

int p2m_map(struct p2m *p, uint64_t gfn, uint64_t mfn, unsigned int order, unsigned int access)
{
    uint64_t *e;

    if ((order != P2M_ORDER_4K && order != P2M_ORDER_2M) || gfn >> P2M_GFN_BITS ||
        mfn >> 40 || !IS_ALIGNED(gfn, 1ULL << order) || !IS_ALIGNED(mfn, 1ULL << order))
        return -EINVAL;
    e = walk_create(p, gfn, order == P2M_ORDER_2M ? 2 : 1);
    if (!e)
        return -ENOMEM;
    if (order == P2M_ORDER_2M && (*e & E_P) && !(*e & E_PS))
        free_tree(p, *e & E_ADDR, 1);   /* 4 KiB entries it replaces */
    *e = leaf(mfn, access, order == P2M_ORDER_2M);
    return 0;
}

int p2m_unmap(struct p2m *p, uint64_t gfn, uint64_t *old_mfn)
{
    uint64_t *e;

    if (gfn >> P2M_GFN_BITS)
        return -EINVAL;
    if (!p2m_lookup(p, gfn, NULL, NULL, NULL))
        return -ENOENT;
    e = walk_create(p, gfn, 1);         /* present, so this only splits */
    if (!e)
        return -ENOMEM;
    if (old_mfn)
        *old_mfn = (*e & E_ADDR) >> 12;
    *e = 0;
    return 0;
}

bool p2m_lookup(const struct p2m *p, uint64_t gfn, uint64_t *mfn, unsigned int *order,
                unsigned int *access)
{
    const uint64_t *t;

    if (gfn >> P2M_GFN_BITS || !p->root)
        return false;
    t = table(p, p->root);
    for (unsigned int l = 4; l >= 1; l--) {
        uint64_t e = t[idx(gfn, l)];

        if (!(e & (E_P | E_SCRUB)))
            return false;
        if (l == 1 || (e & E_PS)) {
            uint64_t sub = l == 1 ? 0 : gfn & ((1ULL << (9 * (l - 1))) - 1);
            if (mfn)
                *mfn = ((e & E_ADDR) >> 12) + sub;
            if (order)
                *order = 9 * (l - 1);
            if (access)
                *access = P2M_READ | ((e & E_RW) ? P2M_WRITE : 0) |
                          ((e & E_SCRUB) ? P2M_UNSCRUBBED : 0);
            return true;
        }
        t = table(p, e & E_ADDR);
    }
    return false;
}

/* The leaf that maps gfn (level in *level), or NULL when gfn is unbacked. */
static uint64_t *leaf_of(const struct p2m *p, uint64_t gfn, unsigned int *level)
{
    uint64_t *t;

    if (gfn >> P2M_GFN_BITS || !p->root)
        return NULL;
    t = table(p, p->root);
    for (unsigned int l = 4; l >= 1; l--) {
        uint64_t *e = &t[idx(gfn, l)];

        if (!(*e & (E_P | E_SCRUB)))
            return NULL;
        if (l == 1 || (*e & E_PS)) {
            *level = l;
            return e;
        }
        t = table(p, *e & E_ADDR);
    }
    return NULL;
}

int p2m_scrub_claim(struct p2m *p, uint64_t gfn, uint64_t *mfn, unsigned int *order)
{
    unsigned int level;
    uint64_t *e = leaf_of(p, gfn, &level);

    if (!e)
        return -ENOENT;
    if (*e & E_P)
        return 0;
    if (*e & E_BUSY)
        return -EBUSY;
    *e |= E_BUSY;
    *mfn = (*e & E_ADDR) >> 12;
    *order = 9 * (level - 1);
    return 1;
}

void p2m_scrub_done(struct p2m *p, uint64_t gfn)
{
    unsigned int level;
    uint64_t *e = leaf_of(p, gfn, &level);

    if (e && (*e & E_BUSY))
        __atomic_store_n(e, (*e & ~(E_SCRUB | E_BUSY)) | E_P, __ATOMIC_RELEASE);
}
