/* Per-CPU areas and stack blocks (layout in asm/percpu.h). */
#include <sable/lib.h>
#include <sable/console.h>
#include <asm/percpu.h>

struct percpu percpu[NR_CPUS];
unsigned int nr_cpus_online;

uint64_t percpu_stack_init(void *block, unsigned int cpu)
{
    struct cpu_info *ci = (struct cpu_info *)((char *)block + STACK_SIZE - CPU_INFO_SIZE);

    BUILD_BUG_ON(sizeof(struct cpu_info) != CPU_INFO_SIZE);
    memset(ci, 0, sizeof(*ci));
    ci->cpu = cpu;
    ci->pcpu = &percpu[cpu];
    percpu[cpu].cpu = cpu;
    percpu[cpu].stack = block;
    return (uint64_t)ci;
}

/* Replaced by the SMP code once application processors exist. */
void __attribute__((weak)) smp_stop_others(void)
{
}
