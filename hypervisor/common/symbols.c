/* Address-to-name lookup over the generated, sorted symbol table. */
#include <sable/symbols.h>

extern char _stext[], _etext[];

const char *symbol_lookup(uint64_t addr, uint64_t *offset)
{
    unsigned long lo = 0, hi = sable_nr_symbols;

    if (addr < (uint64_t)_stext || addr >= (uint64_t)_etext || !hi)
        return NULL;
    /* Find the last symbol at or below addr. */
    while (hi - lo > 1) {
        unsigned long mid = lo + (hi - lo) / 2;
        if (sable_symbols[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (sable_symbols[lo].addr > addr)
        return NULL;
    *offset = addr - sable_symbols[lo].addr;
    return sable_symbols[lo].name;
}
