/* The image's own function symbols, for symbolic backtraces. */
#ifndef SABLE_SYMBOLS_H
#define SABLE_SYMBOLS_H

#include <sable/types.h>

struct symbol {
    uint64_t addr;
    const char *name;
};

/* Sorted by address; generated at link time by tools/gen-symbols.sh. */
extern const struct symbol sable_symbols[];
extern const unsigned long sable_nr_symbols;

/*
 * Name of the function containing addr, and the offset into it; NULL when
 * addr is outside the image's text.
 */
const char *symbol_lookup(uint64_t addr, uint64_t *offset);

#endif
