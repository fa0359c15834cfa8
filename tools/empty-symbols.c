/* First-pass placeholder for the generated symbol table (see Makefile). */
#include <sable/symbols.h>
const struct symbol sable_symbols[1] __attribute__((section(".symbols")));
const unsigned long sable_nr_symbols __attribute__((section(".symbols")));
