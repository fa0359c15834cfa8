#!/usr/bin/python3
"""
Boot time: wall-clock seconds from starting QEMU until Sable prints
`smp: N CPUs online`, for -smp 1 and -smp 4, several runs each.

Each run also notes when the banner (`Sable hypervisor ...`) appeared, which
splits the total into QEMU + firmware + loader (before the banner) and Sable's
own boot (banner to the smp line).

Prints the medians, writes bench/results/boot_time.json and a bar plot
bench/results/boot_time.png. Run through `tools/sable bench`, or
    /usr/bin/python3 bench/boot_time.py [--runs 5] [--smp 1 4]
"""
import argparse
import datetime
import json
import os
import platform
import re
import selectors
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
KERNEL = ROOT / "build" / "sable.mb"
QEMU = "qemu-system-x86_64"
BANNER = re.compile(r"Sable hypervisor ")


def process_cpu_seconds(pid):
    """CPU seconds (user + system) a running process has used so far, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def console_lines(args, timeout, cpu=False):
    """
    Start QEMU (args: everything after the program name) and yield
    (seconds since the start, line) for each line of its serial output, until
    it exits or `timeout` seconds have passed; with cpu=True, (seconds, line,
    QEMU's CPU seconds so far). QEMU is killed when the loop ends or the
    caller leaves it early.
    """
    t0 = time.monotonic()
    proc = subprocess.Popen([QEMU] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    pending = b""
    try:
        while time.monotonic() - t0 < timeout:
            if not sel.select(timeout=0.5):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            now = time.monotonic() - t0
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            used = process_cpu_seconds(proc.pid) if cpu and lines else None
            for raw in lines:
                text = raw.decode("utf-8", "replace").rstrip("\r")
                yield (now, text, used) if cpu else (now, text)
        if pending:
            text = pending.decode("utf-8", "replace")
            yield (time.monotonic() - t0, text, None) if cpu else (time.monotonic() - t0, text)
    finally:
        proc.kill()
        proc.wait()


def boot_once(smp, mem, line_re, timeout):
    """One boot: (seconds to the banner, seconds to the target line)."""
    args = ["-accel", "tcg", "-cpu", "max", "-m", mem, "-smp", str(smp),
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-kernel", str(KERNEL), "-append", "debug_shutdown"]
    out, banner = [], None
    for now, text in console_lines(args, timeout):
        out.append(text)
        if banner is None and BANNER.search(text):
            banner = now
        if line_re.search(text):
            return banner if banner is not None else now, now
    log = "\n".join(out)
    sys.exit(f"boot_time: no /{line_re.pattern}/ within {timeout}s with -smp {smp}; "
             f"console:\n{log}")


def measure(smp_list, runs, mem, line, timeout):
    """Runs every configuration; a list of per-configuration dicts."""
    results = []
    for smp in smp_list:
        line_re = re.compile(line.format(n=smp))
        boot_once(smp, mem, line_re, timeout)          # warm the page cache
        banner, total = [], []
        for _ in range(runs):
            b, t = boot_once(smp, mem, line_re, timeout)
            banner.append(b)
            total.append(t)
        results.append({
            "smp": smp,
            "total_s": total,
            "banner_s": banner,
            "median_total_s": statistics.median(total),
            "median_banner_s": statistics.median(banner),
            "median_sable_s": statistics.median(t - b for b, t in zip(banner, total)),
        })
    return results


def qemu_version():
    out = subprocess.run([QEMU, "--version"], stdout=subprocess.PIPE, text=True).stdout
    return out.splitlines()[0] if out else "unknown"


def plot(results, meta, path):
    """Stacked bars per -smp: before the banner, then Sable's own boot."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"-smp {r['smp']}" for r in results]
    # The bar's height is the median total; its grey part the median time to
    # the banner (a sum of two medians would not be the median of the sums).
    pre = [r["median_banner_s"] * 1000 for r in results]
    own = [(r["median_total_s"] - r["median_banner_s"]) * 1000 for r in results]
    line = meta["line"].replace("{n}", "N").replace("s?", "s")
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    ax.bar(labels, pre, width=0.55, color="#b0b7c3", label="QEMU start to banner")
    ax.bar(labels, own, width=0.55, bottom=pre, color="#2f6db5",
           label="Sable: banner to \"%s\"" % line)
    for i, r in enumerate(results):
        runs = [t * 1000 for t in r["total_s"]]
        ax.scatter([i] * len(runs), runs, s=14, color="black", zorder=3,
                   label="each run" if i == 0 else None)
        ax.annotate(f"{r['median_total_s'] * 1000:.0f} ms", (i, max(runs)),
                    textcoords="offset points", xytext=(0, 6), ha="center")
    ax.set_ylabel("milliseconds (median of %d runs)" % meta["runs"])
    ax.set_title("Sable boot time under QEMU TCG (-cpu max, -m %s)" % meta["mem"])
    ax.set_ylim(0, max(max(r["total_s"]) for r in results) * 1000 * 1.25)
    save_plot(fig, ax, meta["qemu"], path)


def save_plot(fig, ax, qemu, path):
    """The benchmarks' common finish: legend, plain axes, QEMU version in a corner, PNG."""
    import matplotlib.pyplot as plt

    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.99, 0.01, qemu, ha="right", va="bottom", fontsize=7, color="gray")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per configuration")
    ap.add_argument("--smp", type=int, nargs="+", default=[1, 4], help="CPU counts")
    ap.add_argument("--mem", default="512M", help="QEMU -m")
    ap.add_argument("--line", default=r"smp: {n} CPUs? online",
                    help="regex of the line that ends the boot ({n}: CPU count)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per boot")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    a = ap.parse_args()
    if not KERNEL.exists():
        sys.exit(f"boot_time: {KERNEL} missing: run make first")

    results = measure(a.smp, a.runs, a.mem, a.line, a.timeout)
    meta = {
        "benchmark": "boot_time",
        "what": "wall-clock seconds from starting QEMU to the line /%s/" % a.line,
        "line": a.line,
        "runs": a.runs,
        "mem": a.mem,
        "qemu": qemu_version(),
        "host": {"cpus": os.cpu_count(), "machine": platform.machine()},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    print(f"boot time, QEMU start to /{a.line}/ ({a.runs} runs each, medians):")
    for r in results:
        print(f"  -smp {r['smp']}: {r['median_total_s'] * 1000:7.1f} ms"
              f"  (QEMU to banner {r['median_banner_s'] * 1000:.1f} ms,"
              f" Sable {r['median_sable_s'] * 1000:.1f} ms;"
              f" runs {min(r['total_s']) * 1000:.1f}-{max(r['total_s']) * 1000:.1f} ms)")

    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "boot_time.json").write_text(json.dumps({**meta, "results": results}, indent=2)
                                          + "\n")
    plot(results, meta, a.out / "boot_time.png")
    print(f"wrote {a.out / 'boot_time.json'} and {a.out / 'boot_time.png'}")


if __name__ == "__main__":
    main()
