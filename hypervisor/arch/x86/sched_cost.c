/*
 * What scheduling costs, in TSC cycles, for bench/sched.py: with
 * `sched_cost` on the command line, dispatch.c times every decision
 * (sched_decide) and every switch (registers out and in, the guest's time
 * refreshed, the old vCPU released), per CPU, keeping the last
 * COST_SAMPLES of each; sched_cost_report() prints their order statistics
 * once the boot domains have all shut down:
 *
 *   sched: cost decide n=<n> median_cycles=<c> p90_cycles=<c> min_cycles=<c>
 *   sched: cost switch n=<n> median_cycles=<c> p90_cycles=<c> min_cycles=<c>
 *   sched: decisions=<n> switches=<n> migrations=<n>
 */
#include <sable/cmdline.h>
#include <sable/console.h>
#include <sable/lib.h>
#include <sable/mm.h>
#include <sable/sched.h>
#include <sable/stats.h>
#include <asm/percpu.h>
#include <asm/sched_cost.h>

#define COST_SAMPLES 4096

static bool sched_cost;
boolean_param("sched_cost", sched_cost);

struct cost_ring {
    uint64_t *samples;
    unsigned int next;
    uint64_t count;
};

static struct cost_ring rings[SCHED_COST_KINDS][NR_CPUS];
static const char *const kind_names[SCHED_COST_KINDS] = { "decide", "switch" };

bool sched_cost_on(unsigned int cpu)
{
    return sched_cost && rings[0][cpu].samples;
}

/* Allocate cpu's rings (when asked for on the command line). */
void sched_cost_cpu_init(unsigned int cpu)
{
    if (!sched_cost)
        return;
    for (unsigned int k = 0; k < SCHED_COST_KINDS; k++)
        if (!rings[k][cpu].samples)
            rings[k][cpu].samples = xmalloc_bytes(COST_SAMPLES * sizeof(uint64_t));
    for (unsigned int k = 0; k < SCHED_COST_KINDS; k++)
        if (!rings[k][cpu].samples)
            pr_warn("sched: no memory for cpu%u's cost samples\n", cpu);
}

void sched_cost_record(enum sched_cost_kind kind, unsigned int cpu, uint64_t cycles)
{
    struct cost_ring *r = &rings[kind][cpu];

    if (!r->samples)
        return;
    r->samples[r->next] = cycles;
    r->next = (r->next + 1) % COST_SAMPLES;
    r->count++;
}

/* Every CPU's samples of one kind together, summarised. */
static void report_kind(enum sched_cost_kind kind)
{
    size_t n = 0, total = 0;
    uint64_t *all;
    struct sample_stats st;

    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
        total += MIN(rings[kind][cpu].count, (uint64_t)COST_SAMPLES);
    all = total ? xmalloc_bytes(total * sizeof(uint64_t)) : NULL;
    if (!all)
        return;
    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
        const struct cost_ring *r = &rings[kind][cpu];
        size_t have = MIN(r->count, (uint64_t)COST_SAMPLES);
        memcpy(all + n, r->samples, have * sizeof(*all));
        n += have;
    }
    sample_stats(all, n, &st);
    printk("sched: cost %s n=%lu median_cycles=%lu p90_cycles=%lu min_cycles=%lu\n",
           kind_names[kind], (unsigned long)n, st.median, st.p90, st.min);
    xfree(all);
}

void sched_cost_report(void)
{
    struct sched_stats s;

    if (!sched_cost)
        return;
    for (unsigned int k = 0; k < SCHED_COST_KINDS; k++)
        report_kind(k);
    sched_stats_get(&s);
    printk("sched: decisions=%lu switches=%lu migrations=%lu\n", s.decisions, s.switches,
           s.migrations);
}
