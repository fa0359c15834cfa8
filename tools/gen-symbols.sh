#!/bin/sh
# Reads `nm -n` output on stdin and writes an assembly file holding the text
# symbols as a sorted table of { address, name offset } plus a string pool,
# in the layout of struct symbol (hypervisor/include/sable/symbols.h).
awk '
$2 ~ /^[tTwW]$/ && $3 !~ /^\./ { addr[n] = $1; name[n] = $3; n++ }
END {
    print "\t.section .symbols, \"a\""
    print "\t.balign 8"
    print "\t.globl sable_symbols, sable_nr_symbols"
    print "sable_nr_symbols:\n\t.quad " n
    print "sable_symbols:"
    for (i = 0; i < n; i++)
        printf "\t.quad 0x%s, .Lname%d\n", addr[i], i
    for (i = 0; i < n; i++)
        printf ".Lname%d:\t.asciz \"%s\"\n", i, name[i]
}'
