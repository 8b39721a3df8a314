#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's report: the guest's "# bench ..." lines -> medians, spreads,
ratios ours/reference, a table (stdout), JSON and an SVG plot (gnuplot).

A figure passed if it was measured for both drivers in every round (module
size: on the host); one that could not be measured failed.  The verdict of
a figure whose spread (max - min over the rounds, the larger of the two
drivers') is not smaller than the difference of the medians is "noise",
never a win.  No timing is asserted.
"""
import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

# id, title, key, unit, higher is better, target (ratio ours/reference)
FIGURES = [
    ("a_fastack", "a small call (0-byte echo), fast-ack host", "calls_s", "calls/s", True, ">= 1.3x, <= 2 exits"),
    ("a_nofastack", "a small call, host without fast ack (0x1)", "calls_s", "calls/s", True, ""),
    ("b_4k", "b echo 4 KiB in/out", "mb_s", "MB/s", True, ""),
    ("b_64k", "b echo 64 KiB in/out", "mb_s", "MB/s", True, ""),
    ("b_1m", "b echo 1 MiB in/out", "mb_s", "MB/s", True, ">= 2.5x, 0 copied"),
    ("b_16m", "b echo 16 MiB in/out", "mb_s", "MB/s", True, ""),
    ("c_1thread", "c small calls, 1 thread (-smp 2)", "calls_s", "calls/s", True, ""),
    ("c_4threads", "c small calls, 4 threads", "calls_s", "calls/s", True, ""),
    ("c_16threads", "c small calls, 16 threads", "calls_s", "calls/s", True, ">= 1.5x"),
    ("c_16threads_delay", "c 16 threads, host completes after 1-4 ms", "calls_s", "calls/s", True, ""),
    ("d_hosttime", "d raw request (GetHostTime)", "req_s", "req/s", True, ">= 1.0x"),
    ("e_inflate", "e balloon inflate 128 MiB", "mib_s", "MiB/s", True, ">= 1.0x"),
    ("e_deflate", "e balloon deflate 128 MiB", "mib_s", "MiB/s", True, ">= 1.0x"),
    ("f_probe", "f probe: insmod to both nodes", "ms", "ms", False, ""),
    ("f_size", "f module size (no debug, no BTF)", "bytes", "bytes", False, "< 100 kB"),
    ("g_delay100us", "g small call, host completes after 100 us", "calls_s", "calls/s", True, ""),
    ("g_inline", "g small call, host completes at once", "calls_s", "calls/s", True, ""),
    ("h_sf_write", "h vboxsf sequential write", "mb_s", "MB/s", True, ""),
    ("h_sf_read", "h vboxsf sequential read", "mb_s", "MB/s", True, ">= 1.5x"),
    ("h_sf_small", "h vboxsf small file create..unlink", "ops_s", "ops/s", True, ""),
    ("h_sf_readdir", "h vboxsf readdir of 5,000 entries", "dirs_s", "dirs/s", True, ""),
]
# Figure h's buffer parameters by kind (HGCM parameter types 10, 11, 12,
# 13 and 4-6).
PARM_KINDS = ["pagelist", "embedded", "contig", "nodata", "linear"]
# Per-operation counters shown beside the figures (medians).
COUNTERS = ["exits", "port_writes", "port_reads", "bar1_reads", "irqs",
            "ack_requests", "fast_acks", "wakeups", "sleeps", "cpu_us", "net_cpu_us",
            "copied_bytes", "user_pages", "host_pages", "text", "data", "requests",
            "hgcm_calls", "moved_bytes"] + ["parms_" + k for k in PARM_KINDS]
SHOWN = COUNTERS[:11]
DRIVERS = ("reference", "ours")
# Not figures of the issue: the loaded driver doing nothing (host CPU per
# second, for net_cpu_us; the reference's heartbeats show here).
IDLE = [
    ("idle_fastack", "idle host CPU, fast-ack load", "cpu_us_s", "us/s", False, ""),
    ("idle_nofastack", "idle host CPU, load without fast ack", "cpu_us_s", "us/s", False, ""),
]


def parse(console):
    """{fig: {drv: [ {key: value} per sample ]}}, failures, config."""
    data, fails, config = {}, [], {}
    pat = re.compile(r"^\s+# bench (\d+) (reference|ours) (\S+) (.*)$")
    fpat = re.compile(r"^\s+# bench-fail (\d+) (reference|ours) (\S+) (.*)$")
    cpat = re.compile(r"^\s+# bench-config (.*)$")
    with open(console, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = pat.match(line)
            if m:
                kv = dict(w.split("=", 1) for w in m.group(4).split() if "=" in w)
                vals = {k: float(v) for k, v in kv.items()}
                if "port_writes" in vals:
                    # The driver's port I/O exits per operation (trapped
                    # BAR1 reads apart: the rig's INTx end-of-interrupt).
                    vals["exits"] = vals["port_writes"] + vals["port_reads"]
                vals["round"] = int(m.group(1))
                data.setdefault(m.group(3), {}).setdefault(m.group(2), []).append(vals)
                continue
            m = fpat.match(line)
            if m:
                fails.append((m.group(3), m.group(2), int(m.group(1)), m.group(4)))
                continue
            m = cpat.match(line)
            if m:
                config = {k: int(v) for k, v in
                          (w.split("=", 1) for w in m.group(1).split())}
    return data, fails, config


def net_cpu(data):
    """net_cpu_us: a sample's host CPU per operation less what the same load
    costs idle (timer ticks, heartbeats) over the same time."""
    for fid, per in data.items():
        idle_fig = "idle_nofastack" if fid == "a_nofastack" else "idle_fastack"
        for drv, samples in per.items():
            idle = {s["round"]: s["cpu_us_s"]
                    for s in data.get(idle_fig, {}).get(drv, []) if "cpu_us_s" in s}
            for s in samples:
                if {"cpu_us", "calls", "secs"} <= s.keys() and s["round"] in idle:
                    s["net_cpu_us"] = (s["cpu_us"] - idle[s["round"]] * s["secs"] /
                                       s["calls"])


def sign_p(pairs):
    """Two-sided sign test over the rounds' pairs (ours - reference): the
    chance of so lopsided a split if neither driver were faster."""
    pos = sum(d > 0 for d in pairs)
    neg = sum(d < 0 for d in pairs)
    n = pos + neg
    if not n:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(max(pos, neg), n + 1))
    return min(1.0, 2 * tail / 2 ** n)


def verdict(r, o, higher, pairs):
    """Noise unless the difference of the medians exceeds the larger
    interquartile range and the pairs of the same rounds agree (sign test,
    p <= 0.1: 5 of 5, 8 of 9 rounds)."""
    diff = o["median"] - r["median"]
    if diff == 0:
        return "equal"
    if abs(diff) <= max(r["spread"], o["spread"]) or sign_p(pairs) > 0.1:
        return "noise"
    return "ours better" if (diff > 0) == higher else "ours worse"


def pairs(data, fid, key):
    """(reference, ours) values of the same round, in the order measured
    (loads side by side; a probe has two a round)."""
    per = data.get(fid, {})
    out = []
    for rnd in sorted({x["round"] for x in per.get("reference", [])}):
        side = [[x[key] for x in per.get(drv, []) if x["round"] == rnd and key in x]
                for drv in DRIVERS]
        out += list(zip(side[0], side[1]))
    return out


def pair_diffs(data, fid, key):
    """ours - reference of each pair."""
    return [o - r for r, o in pairs(data, fid, key)]


def stats(values):
    """Median, range and spread: the interquartile range (robust to one
    round that the machine's load hit alone)."""
    if not values:
        return None
    q = (statistics.quantiles(values, n=4, method="inclusive")
         if len(values) > 1 else [values[0]] * 3)
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "q1": q[0], "q3": q[2], "spread": q[2] - q[0],
            "samples": values}


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1000:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--console", required=True)
    ap.add_argument("--records")
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--plot", required=True, help="FILE.svg or FILE.png")
    ap.add_argument("--command", default="make bench")
    ap.add_argument("--kernel", default="")
    a = ap.parse_args()

    data, fails, config = parse(a.console)
    rounds = config.get("rounds", 0)
    net_cpu(data)
    tracing = None
    with open(a.sizes) as f:
        for line in f:
            w = line.split()
            if len(w) == 4 and w[0] == "ours_tracing":
                tracing = {"bytes": int(w[1]), "text": int(w[2]), "data": int(w[3])}
            elif len(w) == 4:
                data.setdefault("f_size", {})[w[0]] = [
                    {"bytes": float(w[1]), "text": float(w[2]),
                     "data": float(w[3]), "round": 0}]

    figures, passed, failed = [], 0, 0
    for fid, title, key, unit, higher, target in FIGURES + IDLE:
        fig = {"id": fid, "title": title, "unit": unit,
               "better": "higher" if higher else "lower", "target": target}
        why = []
        for drv in DRIVERS:
            samples = data.get(fid, {}).get(drv, [])
            want = 1 if fid == "f_size" else (rounds * (2 if fid == "f_probe" else 1))
            if len(samples) < max(want, 1):
                why.append("%s: %d of %d samples" % (drv, len(samples), max(want, 1)))
            st = stats([s[key] for s in samples if key in s])
            per = {}
            for c in COUNTERS:
                vals = [s[c] for s in samples if c in s]
                if vals:
                    per[c] = statistics.median(vals)
            fig[drv] = st
            fig.setdefault("counters", {})[drv] = per
        for f_id, drv, rnd, reason in fails:
            if f_id == fid:
                why.append("round %d %s: %s" % (rnd, drv, reason))
        r, o = fig["reference"], fig["ours"]
        cpu = {drv: stats([x["net_cpu_us"] for x in data.get(fid, {}).get(drv, [])
                           if "net_cpu_us" in x]) for drv in DRIVERS}
        if cpu["reference"] and cpu["ours"] and cpu["reference"]["median"] > 0:
            fig["net_cpu_us"] = cpu
            fig["cpu_ratio"] = cpu["ours"]["median"] / cpu["reference"]["median"]
            fig["cpu_verdict"] = verdict(cpu["reference"], cpu["ours"], False,
                                         pair_diffs(data, fid, "net_cpu_us"))
        # Ratios of the pairs measured next to each other (same round).
        pr = [o / r for r, o in pairs(data, fid, key) if r]
        if pr:
            fig["paired_ratios"] = pr
        fig["measured"] = not why and r is not None and o is not None
        if why:
            fig["not_measured"] = why
        if r and o and r["median"] > 0:
            fig["ratio"] = o["median"] / r["median"]
            lo = o["q1"] / r["q3"] if r["q3"] > 0 else None
            hi = o["q3"] / r["q1"] if r["q1"] > 0 else None
            fig["ratio_range"] = [lo, hi]
            fig["verdict"] = (verdict(r, o, higher, pair_diffs(data, fid, key))
                              if fid != "f_size" else
                              verdict(r, o, higher, [o["median"] - r["median"]] * 5))
        passed += fig["measured"]
        failed += not fig["measured"]
        figures.append(fig)

    # The boot itself: module load at start and a clean kernel log.
    boot_fail = []
    if a.records and os.path.exists(a.records):
        with open(a.records) as f:
            for line in f:
                w = line.rstrip("\n").split("\t")
                if w[0] == "X" or (w[0] == "F" and w[1].startswith("boot")):
                    boot_fail.append(" ".join(w[1:]))
    failed += len(boot_fail)

    # The table.
    print()
    print("== make bench: ours / reference, %d round(s), %s ms per figure, kernel %s =="
          % (rounds, config.get("window_ms", "?"), a.kernel))
    def cell(st):
        if not st:
            return "-"
        if st["spread"] == 0:
            return fmt(st["median"])
        return "%s ±%s" % (fmt(st["median"]), fmt(st["spread"] / 2))

    def ratio(v):
        return fmt(v) + "x" if v else "-"
    print("%-38s %-7s %14s %14s %7s %-11s|%12s %12s %6s %-11s| %s" % (
        "figure", "unit", "reference", "ours", "ratio", "verdict",
        "cpu us/op ref", "ours", "ratio", "verdict", "target"))
    for fig in figures:
        cpu = fig.get("net_cpu_us", {})
        print("%-38s %-7s %14s %14s %7s %-11s|%12s %12s %6s %-11s| %s" % (
            fig["title"][:38], fig["unit"], cell(fig["reference"]), cell(fig["ours"]),
            ratio(fig.get("ratio")), fig.get("verdict", "NOT MEASURED")[:11],
            cell(cpu.get("reference")), cell(cpu.get("ours")), ratio(fig.get("cpu_ratio")),
            fig.get("cpu_verdict", ""), fig["target"]))
    print("(median ±half the interquartile range over the rounds; ratio = ours/reference;"
          " \"noise\": the\n spread is not smaller than the difference of the medians,"
          " or the rounds' pairs do not\n agree (sign test p > 0.1);"
          " cpu us/op: host CPU time of QEMU\n and the emulator per operation less the"
          " idle rate of the same load: the cost, lower is\n cheaper, much less"
          " affected by the machine's load than the rates)")
    print()
    print("per operation (medians)    driver     " + " ".join("%8s" % c[:8] for c in SHOWN))
    for fig in figures:
        for drv in DRIVERS:
            per = fig["counters"][drv]
            if not any(c in per for c in SHOWN):
                continue
            print("%-26s %-10s %s" % (fig["id"], drv, " ".join(
                "%8s" % fmt(per.get(c)) for c in SHOWN)))
    print()
    print("buffers per call (medians)           driver     copied_bytes  user_pages  host_pages")
    for fig in figures:
        if not fig["id"].startswith("b_"):
            continue
        for drv in DRIVERS:
            per = fig["counters"][drv]
            print("%-36s %-10s %12s %11s %11s" % (fig["id"], drv, fmt(per.get("copied_bytes")),
                                                  fmt(per.get("user_pages")),
                                                  fmt(per.get("host_pages"))))
    print()
    print("vboxsf per operation (a MiB for read/write; medians)"
          "                      buffer parameters by kind")
    print("%-14s %-10s %9s %10s %11s %9s %7s | %s" % (
        "figure", "driver", "hgcm_call", "host_pages", "moved_bytes", "copied_b",
        "user_pg", " ".join("%8s" % k for k in PARM_KINDS)))
    for fig in figures:
        if not fig["id"].startswith("h_"):
            continue
        for drv in DRIVERS:
            per = fig["counters"][drv]
            print("%-14s %-10s %9s %10s %11s %9s %7s | %s" % (
                fig["id"], drv, fmt(per.get("hgcm_calls")), fmt(per.get("host_pages")),
                fmt(per.get("moved_bytes")), fmt(per.get("copied_bytes")),
                fmt(per.get("user_pages")),
                " ".join("%8s" % fmt(per.get("parms_" + k)) for k in PARM_KINDS)))
    print("(copied_bytes, user_pages: the write's first 16 MiB overwritten with its"
          " page-cache pages on\n the emulator's watch list: bytes the host moved"
          " through other pages went through a copy)")
    probe = next(f for f in figures if f["id"] == "f_probe")
    for drv in DRIVERS:
        per = probe["counters"][drv]
        if per:
            print("probe %-10s %s requests, %s interrupts, %s trapped BAR1 reads (medians)" % (
                drv, fmt(per.get("requests")), fmt(per.get("irqs")), fmt(per.get("bar1_reads"))))
    size = next(f for f in figures if f["id"] == "f_size")
    for drv in DRIVERS:
        per = size["counters"][drv]
        if per:
            print("module %-10s %8s bytes, .text %s, .data %s" % (
                drv, fmt(size[drv]["median"]), fmt(per.get("text")), fmt(per.get("data"))))
    if tracing:
        size["ours_tracing"] = tracing
        print("module %-10s %8s bytes, .text %s, .data %s (ours built with"
              " VBOXGUEST_TRACING=y; the figure is the default build)" % (
                  "ours+trace", fmt(tracing["bytes"]), fmt(tracing["text"]), fmt(tracing["data"])))

    plotted = plot(figures, a.plot, a.command)
    out = {"command": a.command, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "kernel": a.kernel, "rounds": rounds, "window_ms": config.get("window_ms"),
           "order": "per round: reference, ours (fast-ack host), reference, ours (features 0x1)",
           "figures": figures, "boot_failures": boot_fail, "plot": a.plot if plotted else None,
           "passed": passed, "failed": failed}
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)
    print()
    for fig in figures:
        if not fig["measured"]:
            print("NOT MEASURED %s: %s" % (fig["id"], "; ".join(fig.get("not_measured", ["no data"]))))
    for b in boot_fail:
        print("FAILED %s" % b)
    if not plotted:
        print("FAILED plot: gnuplot missing or failed (make deps installs gnuplot-nox)")
        failed += 1
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    print("JSON %s, plot %s" % (os.path.relpath(a.json, root), os.path.relpath(a.plot, root)))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def plot(figures, path, command):
    """Advantage of ours per figure, > 1 where ours is better: ours/reference
    of a rate, reference/ours of a time or size; second series: the host
    CPU per operation, reference/ours.  Bars: interquartile ranges."""
    gp = shutil.which("gnuplot")
    if not gp:
        return False
    dat = path + ".dat"
    rows = [f for f in figures if f.get("ratio") and not f["id"].startswith("idle")]
    seen = [1.0]
    with open(dat, "w") as f:
        for i, fig in enumerate(rows):
            v, (lo, hi) = fig["ratio"], fig["ratio_range"]
            lo, hi = lo or v, hi or v
            if fig["better"] == "lower":
                v, lo, hi = 1 / v, 1 / hi, 1 / lo
            c = fig.get("net_cpu_us")
            if c:
                r, o = c["reference"], c["ours"]
                cv = r["median"] / o["median"]
                clo = r["q1"] / o["q3"] if o["q3"] > 0 else cv
                chi = r["q3"] / o["q1"] if o["q1"] > 0 else cv
            else:
                cv = clo = chi = "NaN"
            seen += [x for x in (v, lo, hi, cv, clo, chi) if x != "NaN" and x > 0]
            label = fig["id"] + ("" if fig["better"] == "higher" else " (ref/ours)")
            f.write('%d "%s" %s %s %s %s %s %s\n' % (i, label, v, lo, hi, cv, clo, chi))
    script = """
set terminal %s size 1100,600 font "sans,11" background rgb "white"
set output '%s'
set termoption noenhanced
set title "vboxguest, ours against Debian's vboxguest.ko (%s): above 1 = ours better"
set logscale y 2
set yrange [%g:%g]
set ylabel "ours/reference (rates); reference/ours (times, sizes, CPU)"
set xtics rotate by -40 nomirror
set grid ytics
set key below
set xrange [-0.7:%f]
plot 1 with lines lc rgb "gray" dt 2 notitle, \\
     '%s' using ($1-0.12):3:4:5:xtic(2) with yerrorbars pt 7 ps 1 lc rgb "#1f5fa0" \\
        title "figure (median, interquartile range)", \\
     '' using ($1-0.12):3:(sprintf("%%.2f", $3)) with labels right offset -0.6,0 \\
        font ",8" tc rgb "#1f5fa0" notitle, \\
     '' using ($1+0.12):6:7:8 with yerrorbars pt 5 ps 0.8 lc rgb "#d06010" \\
        title "host CPU per operation, reference/ours", \\
     '' using ($1+0.12):6:(sprintf("%%.2f", $6)) with labels left offset 0.6,0 \\
        font ",8" tc rgb "#d06010" notitle
""" % ("pngcairo" if path.endswith(".png") else "svg", path, command,
       min(seen) / 1.5, max(seen) * 1.5, len(rows) - 0.3, dat)
    try:
        subprocess.run([gp], input=script.encode(), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except (subprocess.CalledProcessError, OSError) as e:
        print("gnuplot: %s" % e, file=sys.stderr)
        return False
    return os.path.exists(path)


if __name__ == "__main__":
    sys.exit(main())
