/*
 * Native counterparts of the PV benchmarks (bench/pv_ops.py), measured by
 * the hypervisor itself at boot when `debug_native_bench=<iterations>` is
 * given: what the same operations cost without a guest in between.
 */
#ifndef ASM_NATIVE_BENCH_H
#define ASM_NATIVE_BENCH_H

/* Run the micro-benchmarks (boot CPU, before any domain) and print them. */
void native_bench_run(void);

#endif
