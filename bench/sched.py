#!/usr/bin/python3
"""
Scheduler costs and performance isolation (issue 4; docs/scheduler.md).

Costs, in TSC cycles (QEMU's virtual TSC, real time; medians of medians over
--runs boots, -smp 1), with `sched_cost` on Sable's command line:
  decide        one sched_decide(): the core and BVT choosing what runs next
  switch        registers out and in, the guest's time, the old vCPU released
  yield alone   SCHEDOP_yield with nobody else to run: a hypercall + a decision
  yield pair    two domains yielding to each other on one CPU: a round is two
                decisions and two switches, as the guest sees it

Isolation, as in the Xen paper: a victim domain (cpuhog work=N) does a fixed
amount of work alone on one CPU, then beside a hostile neighbour of equal
weight: a CPU hog; a domain that blocks and wakes 5000 times a second
(waker period 200 us); a domain flooding event channels (flooder). Its fair
share beside one neighbour is half the CPU, so

    share of fair = (time alone / time with the neighbour) / 0.5

and the victim must keep at least 95% of it. These boots run QEMU with
-icount (guest time counts guest instructions, 16 ns each), so the figures
are Sable's and not the host's; one boot each is enough (they repeat
exactly) unless --runs says otherwise.

Prints tables, writes bench/results/sched.json and bench/results/sched.png.
Run through `tools/sable bench sched`, or
    /usr/bin/python3 bench/sched.py [--runs 3] [--work 1000]
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from boot_time import KERNEL, QEMU, RESULTS, ROOT, qemu_version

GUESTS = ROOT / "build" / "guests"
ICOUNT = ["-icount", "shift=4,sleep=off"]
DONE = re.compile(r"boot: all domains have shut down")
COST = re.compile(r"sched: cost (\w+) n=(\d+) median_cycles=(\d+) p90_cycles=(\d+)")
YIELD = re.compile(r"\(d(\d+)\) YIELD iters=(\d+) median_cycles=(\d+)")
VICTIM = re.compile(r"\(d1\) HOG done units=(\d+) elapsed_ns=(\d+) running_ns=(\d+)")
NEIGHBOURS = [
    ("CPU hog", "cpuhog.elf"),
    ("blocks and wakes 5000/s", "waker.elf period_us=200 burst_us=20"),
    ("event-channel flood", "flooder.elf"),
]
SHORT = {"CPU hog": "CPU hog", "blocks and wakes 5000/s": "blocker\n(5000 wakes/s)",
         "event-channel flood": "event\nflooder"}


def boot(modules, append, extra=(), until=DONE, timeout=300):
    """Boot Sable with these modules until `until` appears; the console lines."""
    args = [QEMU, "-accel", "tcg", "-cpu", "max", "-m", "256M", "-smp", "1",
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", *extra,
            "-kernel", str(KERNEL), "-append", f"debug_exit_when_idle {append}",
            "-initrd", ",".join(m.replace(",", ",,") for m in modules)]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    lines, deadline = [], time.monotonic() + timeout
    try:
        for raw in proc.stdout:
            lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
            if until.search(lines[-1]) or "PANIC" in lines[-1]:
                break
            if time.monotonic() > deadline:
                break
    finally:
        proc.kill()
        proc.wait()
    if not until.search("\n".join(lines)):
        sys.exit("sched: boot ended before /%s/:\n%s" % (until.pattern, "\n".join(lines)))
    return lines


def costs(runs):
    """{name: median over runs of the per-boot median}, in cycles."""
    per = {}
    for run in range(runs):
        t0 = time.monotonic()
        pair = boot([f"{GUESTS / 'yielder.elf'} from_ms=800"] * 2, "sched_cost")
        alone = boot([f"{GUESTS / 'yielder.elf'} from_ms=800"], "sched_cost")
        for line in pair:
            if m := COST.search(line):
                per.setdefault(m.group(1), []).append(int(m.group(3)))
            if m := YIELD.search(line):
                per.setdefault("yield pair", []).append(int(m.group(3)))
        for line in alone:
            if m := YIELD.search(line):
                per.setdefault("yield alone", []).append(int(m.group(3)))
        print(f"  costs, boot {run + 1}/{runs} ({time.monotonic() - t0:.1f} s)", flush=True)
    for name in ("decide", "switch", "yield alone", "yield pair"):
        if name not in per:
            sys.exit(f"sched: no '{name}' figure in the cost boots")
    return {name: statistics.median(v) for name, v in per.items()}


def victim_time(neighbour, work, runs):
    """Median over runs of the victim's elapsed guest ns (alone when neighbour is None)."""
    times = []
    for _ in range(runs):
        mods = [f"{GUESTS / 'cpuhog.elf'} work={work} from_ms=1500"]
        if neighbour:
            mods.append(f"{GUESTS / neighbour} to_ms=60000")
        for line in boot(mods, "", ICOUNT, until=VICTIM):
            if m := VICTIM.search(line):
                times.append(int(m.group(2)))
    return statistics.median(times)


def isolation(work, runs):
    t0 = time.monotonic()
    alone = victim_time(None, work, runs)
    print(f"  victim alone: {alone / 1e6:.1f} ms ({time.monotonic() - t0:.1f} s)", flush=True)
    rows = []
    for label, neighbour in NEIGHBOURS:
        t0 = time.monotonic()
        with_n = victim_time(neighbour, work, runs)
        rows.append({"neighbour": label, "kernel": neighbour, "victim_ns": with_n,
                     "of_alone": alone / with_n, "of_fair_share": alone / with_n / 0.5})
        print(f"  beside {label}: {with_n / 1e6:.1f} ms ({time.monotonic() - t0:.1f} s)",
              flush=True)
    return alone, rows


def plot(cost, alone, rows, meta, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.4), dpi=120,
                                   gridspec_kw={"width_ratios": [1, 1.25]})
    names = ["decide", "switch", "yield alone", "yield pair"]
    vals = [cost[n] for n in names]
    ax1.bar(names, vals, color=["#2f6db5", "#2f6db5", "#b0b7c3", "#b0b7c3"])
    for i, v in enumerate(vals):
        ax1.annotate(f"{v:,.0f}", (i, v), textcoords="offset points", xytext=(0, 3),
                     ha="center", fontsize=8)
    ax1.set_ylabel("TSC cycles, median")
    ax1.set_title(f"Scheduling costs (QEMU TCG, {meta['cost_runs']} boots)", fontsize=10)
    ax1.tick_params(axis="x", labelsize=8)
    ax1.spines[["top", "right"]].set_visible(False)

    labels = ["alone"] + [SHORT.get(r["neighbour"], r["neighbour"]) for r in rows]
    shares = [100.0] + [100 * r["of_alone"] for r in rows]
    ax2.bar(range(len(labels)), shares, color=["#b0b7c3"] + ["#2f6db5"] * len(rows))
    ax2.axhline(50, color="black", lw=0.8, ls="--", label="fair share: half the CPU")
    ax2.axhline(47.5, color="#c0392b", lw=0.8, ls=":", label="95% of the fair share")
    ax2.legend(loc="upper right", fontsize=7, frameon=False)
    for i, (v, r) in enumerate(zip(shares, [None] + rows)):
        text = f"{v:.1f}%" + (f"\n({100 * r['of_fair_share']:.0f}% of fair)" if r else "")
        ax2.annotate(text, (i, v), textcoords="offset points", xytext=(0, 3), ha="center",
                     fontsize=7)
    ax2.set_xticks(range(len(labels)))
    ax2.set_xticklabels(labels, fontsize=8)
    ax2.set_ylim(0, 135)
    ax2.set_ylabel("victim throughput, % of alone")
    ax2.set_title(f"Isolation: victim beside one neighbour (equal weights, 1 CPU)",
                  fontsize=10)
    ax2.spines[["top", "right"]].set_visible(False)
    fig.text(0.99, 0.01, meta["qemu"], ha="right", va="bottom", fontsize=7, color="gray")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="boots per cost figure")
    ap.add_argument("--iso-runs", type=int, default=1, help="boots per isolation figure")
    ap.add_argument("--work", type=int, default=1000, help="victim work units (~1.3 ms each)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    a = ap.parse_args()
    for k in ("cpuhog", "waker", "flooder", "yielder"):
        if not (GUESTS / f"{k}.elf").exists() or not KERNEL.exists():
            sys.exit(f"sched: {GUESTS / k}.elf or {KERNEL} missing: run make first")

    print(f"scheduler costs: {a.runs} boots; isolation: {a.iso_runs} boot(s) each, "
          f"victim {a.work} units", flush=True)
    cost = costs(a.runs)
    alone, rows = isolation(a.work, a.iso_runs)
    meta = {
        "benchmark": "sched",
        "costs": "TSC cycles, median over boots of the per-boot median, real time, -smp 1",
        "isolation": "victim's guest time for a fixed workload, -icount shift=4, -smp 1",
        "cost_runs": a.runs, "iso_runs": a.iso_runs, "work": a.work,
        "qemu": qemu_version(),
        "host": {"cpus": os.cpu_count(), "machine": platform.machine()},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }

    print(f"\n{'cost':14} {'cycles':>10}")
    for name in ("decide", "switch", "yield alone", "yield pair"):
        print(f"{name:14} {cost[name]:>10,.0f}")
    print(f"\n{'neighbour':26} {'victim ms':>10} {'of alone':>9} {'of fair share':>14}")
    print(f"{'(none)':26} {alone / 1e6:>10.1f} {'100.0%':>9} {'':>14}")
    for r in rows:
        print(f"{r['neighbour']:26} {r['victim_ns'] / 1e6:>10.1f} {100 * r['of_alone']:>8.1f}% "
              f"{100 * r['of_fair_share']:>13.1f}%")
    ok = all(r["of_fair_share"] >= 0.95 for r in rows)
    print("isolation: the victim keeps %s95%% of its fair share" % ("" if ok else "LESS THAN "))

    a.out.mkdir(parents=True, exist_ok=True)
    data = {"meta": meta, "costs_cycles": cost, "victim_alone_ns": alone, "isolation": rows,
            "isolation_ok": ok}
    (a.out / "sched.json").write_text(json.dumps(data, indent=2) + "\n")
    plot(cost, alone, rows, meta, a.out / "sched.png")
    print(f"wrote {a.out / 'sched.json'} and {a.out / 'sched.png'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
