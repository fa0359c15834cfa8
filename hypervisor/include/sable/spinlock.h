/*
 * Ticket spinlocks: fair (FIFO) under contention. The _irqsave forms also
 * disable interrupts, for data shared with interrupt handlers.
 */
#ifndef SABLE_SPINLOCK_H
#define SABLE_SPINLOCK_H

#include <sable/types.h>

typedef struct {
    volatile uint16_t next;    /* ticket handed to the next arrival */
    volatile uint16_t owner;   /* ticket now being served */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

#ifdef SABLE_HYPERVISOR
#include <asm/processor.h>

static inline void spin_lock(spinlock_t *l)
{
    uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}

static inline bool spin_trylock(spinlock_t *l)
{
    uint16_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
    uint16_t expect = owner;
    return __atomic_compare_exchange_n(&l->next, &expect, (uint16_t)(owner + 1),
                                       false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
    return l->next != l->owner;
}

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long flags = irq_save();
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
    irq_restore(flags);
}
#else
/* Host unit tests are single-threaded. */
static inline void spin_lock(spinlock_t *l) { l->next++; }
static inline void spin_unlock(spinlock_t *l) { l->owner++; }
static inline unsigned long spin_lock_irqsave(spinlock_t *l) { spin_lock(l); return 0; }
static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long f) { (void)f; spin_unlock(l); }
#endif

#endif
