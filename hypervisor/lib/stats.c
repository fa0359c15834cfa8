/* Order statistics of benchmark samples (sable/stats.h). */
#include <sable/stats.h>

/* Move v[i] down the max-heap v[0..n) until both children are smaller. */
static void sift_down(uint64_t *v, size_t i, size_t n)
{
    for (;;) {
        size_t big = i, l = 2 * i + 1, r = l + 1;
        uint64_t t;

        if (l < n && v[l] > v[big])
            big = l;
        if (r < n && v[r] > v[big])
            big = r;
        if (big == i)
            return;
        t = v[i];
        v[i] = v[big];
        v[big] = t;
        i = big;
    }
}

void sort_u64(uint64_t *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (size_t end = n; end > 1; end--) {
        uint64_t t = v[0];

        v[0] = v[end - 1];
        v[end - 1] = t;
        sift_down(v, 0, end - 1);
    }
}

void sample_stats(uint64_t *samples, size_t n, struct sample_stats *out)
{
    uint64_t sum = 0;

    *out = (struct sample_stats){ .n = n };
    if (n == 0)
        return;
    sort_u64(samples, n);
    for (size_t i = 0; i < n; i++)
        sum += samples[i];
    out->min = samples[0];
    out->median = samples[n / 2];
    out->p90 = samples[(n * 9) / 10];
    out->max = samples[n - 1];
    out->mean = sum / n;
}
