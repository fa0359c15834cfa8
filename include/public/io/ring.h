/*
 * Shared request/response rings: the transport of every split driver
 * (block, network, and the netif control ring). The front end (in the
 * guest using a device) and the back end (in the domain providing it)
 * share one or more granted pages laid out as:
 *
 *   offset 0   req_prod   requests produced by the front end
 *          4   req_event  back end wants an event when req_prod passes this
 *          8   rsp_prod   responses produced by the back end
 *         12   rsp_event  front end wants an event when rsp_prod passes this
 *         16   4 bytes private to the protocol, 44 bytes padding (zero)
 *         64   slots: union of request and response, a power of two of them
 *
 * Indexes run freely (uint32 arithmetic wraps) and are reduced modulo the
 * slot count only to address a slot. Responses reuse the slots of the
 * requests they answer, so a front end never has more than "slots"
 * requests outstanding. An index is written only after the slots it covers
 * (write barrier), and read before the slots (read barrier).
 *
 * Notification hold-off: after publishing, a producer signals the event
 * channel only if the *_event index of the other side lies in the range it
 * just published. A consumer that runs out of work sets its *_event to
 * "next index + 1" and checks once more before sleeping (*_final_check).
 *
 * DEFINE_SABLE_RING(name, req_type, rsp_type) declares, for a protocol:
 *   struct name##_sring            the shared layout above
 *   struct name##_front_ring       front end's private indexes
 *   struct name##_back_ring        back end's private indexes
 * and small inline functions name##_front_* / name##_back_* that apply the
 * rules. The back end treats the shared page as hostile: it copies each
 * request out before looking at it and never trusts req_prod beyond one
 * ring's worth. (Same layout as Xen's io/ring.h; different helpers.)
 */
#ifndef SABLE_PUBLIC_IO_RING_H
#define SABLE_PUBLIC_IO_RING_H

#include "../abi.h"

#define SABLE_RING_HEADER_SIZE  64

#ifndef __ASSEMBLER__

typedef uint32_t ring_idx_t;

/* Largest power of two <= n, for 1 <= n < 65536 (0 for n == 0). */
#define SABLE_RING_POW2_FLOOR(n)                                             \
    ((n) >= 32768 ? 32768u : (n) >= 16384 ? 16384u : (n) >= 8192 ? 8192u :   \
     (n) >= 4096 ? 4096u : (n) >= 2048 ? 2048u : (n) >= 1024 ? 1024u :       \
     (n) >= 512 ? 512u : (n) >= 256 ? 256u : (n) >= 128 ? 128u :             \
     (n) >= 64 ? 64u : (n) >= 32 ? 32u : (n) >= 16 ? 16u : (n) >= 8 ? 8u :  \
     (n) >= 4 ? 4u : (n) >= 2 ? 2u : (n) >= 1 ? 1u : 0u)

/* Slots in a shared area of area_bytes holding entries of entry_bytes. */
#define SABLE_RING_SLOTS(area_bytes, entry_bytes) \
    SABLE_RING_POW2_FLOOR(((area_bytes) - SABLE_RING_HEADER_SIZE) / (entry_bytes))

/*
 * Memory ordering with the other end. x86 keeps stores in order and loads
 * in order, so write and read barriers only stop the compiler; the full
 * barrier (store then load of the other side's index) needs MFENCE. An
 * includer may supply its own before including this header.
 */
#ifndef sable_ring_wmb
#define sable_ring_wmb()        __atomic_thread_fence(__ATOMIC_RELEASE)
#define sable_ring_rmb()        __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define sable_ring_mb()         __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#define sable_ring_load(p)      __atomic_load_n((p), __ATOMIC_RELAXED)
#define sable_ring_store(p, v)  __atomic_store_n((p), (v), __ATOMIC_RELAXED)

#define DEFINE_SABLE_RING(name, req_type, rsp_type)                          \
                                                                             \
union name##_sring_entry {                                                   \
    req_type req;                                                            \
    rsp_type rsp;                                                            \
};                                                                           \
                                                                             \
struct name##_sring {                                                        \
    ring_idx_t req_prod, req_event;                                          \
    ring_idx_t rsp_prod, rsp_event;                                          \
    uint8_t pvt[4];                                                          \
    uint8_t _pad[44];                                                        \
    union name##_sring_entry ring[];                                         \
};                                                                           \
                                                                             \
struct name##_front_ring {                                                   \
    ring_idx_t req_prod_pvt;    /* next request slot to fill */              \
    ring_idx_t rsp_cons;        /* next response to consume */               \
    uint32_t nr_ents;                                                        \
    struct name##_sring *sring;                                              \
};                                                                           \
                                                                             \
struct name##_back_ring {                                                    \
    ring_idx_t rsp_prod_pvt;    /* next response slot to fill */             \
    ring_idx_t req_cons;        /* next request to consume */                \
    uint32_t nr_ents;                                                        \
    struct name##_sring *sring;                                              \
};                                                                           \
                                                                             \
/* Front end, once, before granting the page: empty ring, events wanted. */  \
static inline void name##_sring_init(struct name##_sring *s)                 \
{                                                                            \
    unsigned int i;                                                          \
    s->req_prod = 0;                                                         \
    s->rsp_prod = 0;                                                         \
    s->req_event = 1;                                                        \
    s->rsp_event = 1;                                                        \
    for (i = 0; i < sizeof(s->pvt); i++)                                     \
        s->pvt[i] = 0;                                                       \
    for (i = 0; i < sizeof(s->_pad); i++)                                    \
        s->_pad[i] = 0;                                                      \
}                                                                            \
                                                                             \
static inline void name##_front_init(struct name##_front_ring *f,            \
                                     struct name##_sring *s,                 \
                                     uint32_t area_bytes)                    \
{                                                                            \
    f->req_prod_pvt = 0;                                                     \
    f->rsp_cons = 0;                                                         \
    f->nr_ents = SABLE_RING_SLOTS(area_bytes,                                \
                                  sizeof(union name##_sring_entry));         \
    f->sring = s;                                                            \
}                                                                            \
                                                                             \
/* Request slots the front end may still fill. */                           \
static inline uint32_t name##_front_free(const struct name##_front_ring *f)  \
{                                                                            \
    return f->nr_ents - (f->req_prod_pvt - f->rsp_cons);                     \
}                                                                            \
                                                                             \
/* The next request slot (check _front_free first); fill, then _push. */    \
static inline req_type *name##_front_next_req(struct name##_front_ring *f)   \
{                                                                            \
    ring_idx_t i = f->req_prod_pvt++;                                        \
    return &f->sring->ring[i & (f->nr_ents - 1)].req;                        \
}                                                                            \
                                                                             \
/* Publish filled requests; nonzero if the back end must be notified. */    \
static inline int name##_front_push(struct name##_front_ring *f)             \
{                                                                            \
    ring_idx_t old = sable_ring_load(&f->sring->req_prod);                   \
    ring_idx_t now = f->req_prod_pvt;                                        \
    sable_ring_wmb();                                                        \
    sable_ring_store(&f->sring->req_prod, now);                              \
    sable_ring_mb();                                                         \
    return (ring_idx_t)(now - sable_ring_load(&f->sring->req_event)) <       \
           (ring_idx_t)(now - old);                                          \
}                                                                            \
                                                                             \
/* Responses ready to consume (their slots may be read after this). */      \
static inline uint32_t name##_front_ready(const struct name##_front_ring *f) \
{                                                                            \
    ring_idx_t n = sable_ring_load(&f->sring->rsp_prod) - f->rsp_cons;       \
    sable_ring_rmb();                                                        \
    return n;                                                                \
}                                                                            \
                                                                             \
/* Take the next response (check _front_ready first). */                    \
static inline const rsp_type *name##_front_next_rsp(                         \
    struct name##_front_ring *f)                                             \
{                                                                            \
    ring_idx_t i = f->rsp_cons++;                                            \
    return &f->sring->ring[i & (f->nr_ents - 1)].rsp;                        \
}                                                                            \
                                                                             \
/* Before sleeping: ask for an event on the next response, then recheck. */ \
static inline int name##_front_final_check(struct name##_front_ring *f)      \
{                                                                            \
    if (name##_front_ready(f))                                               \
        return 1;                                                            \
    sable_ring_store(&f->sring->rsp_event, f->rsp_cons + 1);                 \
    sable_ring_mb();                                                         \
    return name##_front_ready(f) != 0;                                       \
}                                                                            \
                                                                             \
static inline void name##_back_init(struct name##_back_ring *b,              \
                                    struct name##_sring *s,                  \
                                    uint32_t area_bytes)                     \
{                                                                            \
    b->rsp_prod_pvt = 0;                                                     \
    b->req_cons = 0;                                                         \
    b->nr_ents = SABLE_RING_SLOTS(area_bytes,                                \
                                  sizeof(union name##_sring_entry));         \
    b->sring = s;                                                            \
}                                                                            \
                                                                             \
/*                                                                           \
 * Requests ready to consume, never more than the free slots allow, so a    \
 * front end that writes a wild req_prod only loses its own requests.       \
 */                                                                          \
static inline uint32_t name##_back_ready(const struct name##_back_ring *b)   \
{                                                                            \
    ring_idx_t reqs = sable_ring_load(&b->sring->req_prod) - b->req_cons;    \
    ring_idx_t room = b->nr_ents - (b->req_cons - b->rsp_prod_pvt);          \
    sable_ring_rmb();                                                        \
    return reqs < room ? reqs : room;                                        \
}                                                                            \
                                                                             \
/* Nonzero if the front end claims more requests than the ring holds. */    \
static inline int name##_back_overflowed(const struct name##_back_ring *b)   \
{                                                                            \
    ring_idx_t prod = sable_ring_load(&b->sring->req_prod);                  \
    return (ring_idx_t)(prod - b->rsp_prod_pvt) > b->nr_ents;                \
}                                                                            \
                                                                             \
/* Copy out the next request (check _back_ready first). */                  \
static inline void name##_back_take_req(struct name##_back_ring *b,          \
                                        req_type *out)                       \
{                                                                            \
    ring_idx_t i = b->req_cons++;                                            \
    const volatile uint8_t *src = (const volatile uint8_t *)                 \
        &b->sring->ring[i & (b->nr_ents - 1)].req;                           \
    uint8_t *dst = (uint8_t *)out;                                           \
    size_t n;                                                                \
    for (n = 0; n < sizeof(*out); n++)                                       \
        dst[n] = src[n];                                                     \
}                                                                            \
                                                                             \
/* The next response slot; fill, then _push. */                             \
static inline rsp_type *name##_back_next_rsp(struct name##_back_ring *b)     \
{                                                                            \
    ring_idx_t i = b->rsp_prod_pvt++;                                        \
    return &b->sring->ring[i & (b->nr_ents - 1)].rsp;                        \
}                                                                            \
                                                                             \
/* Publish filled responses; nonzero if the front end must be notified. */  \
static inline int name##_back_push(struct name##_back_ring *b)               \
{                                                                            \
    ring_idx_t old = sable_ring_load(&b->sring->rsp_prod);                   \
    ring_idx_t now = b->rsp_prod_pvt;                                        \
    sable_ring_wmb();                                                        \
    sable_ring_store(&b->sring->rsp_prod, now);                              \
    sable_ring_mb();                                                         \
    return (ring_idx_t)(now - sable_ring_load(&b->sring->rsp_event)) <       \
           (ring_idx_t)(now - old);                                          \
}                                                                            \
                                                                             \
/* Before sleeping: ask for an event on the next request, then recheck. */  \
static inline int name##_back_final_check(struct name##_back_ring *b)        \
{                                                                            \
    if (name##_back_ready(b))                                                \
        return 1;                                                            \
    sable_ring_store(&b->sring->req_event, b->req_cons + 1);                 \
    sable_ring_mb();                                                         \
    return name##_back_ready(b) != 0;                                        \
}                                                                            \
                                                                             \
SABLE_ABI_CHECK(name##_sring_header,                                         \
                offsetof(struct name##_sring, ring) == SABLE_RING_HEADER_SIZE); \
typedef struct name##_sring name##_sring_t

#endif /* !__ASSEMBLER__ */

#endif /* SABLE_PUBLIC_IO_RING_H */
