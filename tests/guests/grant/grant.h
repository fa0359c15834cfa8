/*
 * grant: grant tables between PV domains, as split drivers use them.
 * Roles (main.c): a granter and a mapper sharing a page through a grant
 * and an event channel; hostile.c: a domain attacking grant tables.
 */
#ifndef GRANT_GUEST_H
#define GRANT_GUEST_H

#include <guest/events.h>
#include <guest/hypercall.h>
#include <guest/mm.h>
#include <guest/test.h>
#include <guest/time.h>

#include "public/grant_table.h"

/* Where things are mapped: away from the kernel and the physmap. */
#define GT_VA        0xffffc90000000000ULL     /* our own grant-table frame */
#define MAP_VA       0xffffc90000200000ULL     /* others' granted frames */

/* The refs the granter offers (the first 8 are the toolstack's). */
#define REF_RING     8      /* a page both write: the ping-pong messages */
#define REF_SRC      9      /* read-only: a pattern to copy from */
#define REF_DST      10     /* writable: copied into */

/* The page granted as REF_RING. */
struct ring_page {
    volatile uint32_t state;        /* RING_* */
    volatile uint32_t seq;          /* odd: a ping waits, even: answered */
    char msg[64];
};
#define RING_MAPPED     1
#define RING_COPIED     2
#define RING_GO_UNMAP   3       /* written by the granter */
#define RING_UNMAPPING  4

/* Grow our table to one frame and map it at GT_VA: the entries, or NULL. */
struct grant_entry_v1 *grant_table_init(void);
/* Map a frame of ours at va (creating the tables), flushing at once. */
bool map_own(uint64_t va, uint64_t mfn, uint64_t flags);
/* Write a grant entry as the protocol says: frame and domid, then flags. */
void grant_write(struct grant_entry_v1 *e, domid_t domid, uint64_t mfn, bool ro);
long gnttab(unsigned int cmd, void *op, unsigned int count);
/* One map_grant_ref: status, and the handle in *h. */
int16_t grant_map(domid_t dom, grant_ref_t ref, uint64_t va, uint32_t flags, grant_handle_t *h);
int16_t grant_unmap(grant_handle_t h, uint64_t va);
/* Bind to the first of peer's ports 1..16 offered to us, retrying 5 s. */
long bind_peer(domid_t peer, evtchn_port_t *port);

void run_hostile(domid_t victim, domid_t self);

#endif
