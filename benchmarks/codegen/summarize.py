#!/usr/bin/python3
"""Markdown tables from codegen_benchmark's JSON output: medians, GB/s and speed vs nlohmann.

  codegen_benchmark --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \\
      --benchmark_out=codegen.json --benchmark_out_format=json
  benchmarks/codegen/summarize.py codegen.json

Uses the "median" aggregate of every benchmark (or the plain run when there are no
repetitions) and CPU time, like Google Benchmark's own bytes_per_second: on a shared machine
wall time also counts the time the benchmark thread waited for a core. "x nlohmann" is
nlohmann's time / the contestant's time on the same input and operation: 10 means ten times as
fast.
"""

import json
import sys


def main(path):
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        op, contestant, dataset = b["run_name"].split("/")[:3]
        rows[(op, dataset, contestant)] = b
    for ctx_key in ("simdjson", "checks", "generated_contestant"):
        if ctx_key in data["context"]:
            print(f"- {ctx_key}: {data['context'][ctx_key]}")
    for key, value in sorted(data["context"].items()):
        if key.startswith("input_"):
            print(f"- {key[6:]}: {value}")
    print()
    for op in ("parse", "serialize"):
        datasets = []
        for (o, d, _c) in rows:
            if o == op and d not in datasets:
                datasets.append(d)
        print(f"| {op} | contestant | CPU µs | GB/s | x nlohmann | heap allocs/iter |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for d in datasets:
            base = rows.get((op, d, "nlohmann"))
            for (o, dd, c), b in rows.items():
                if o != op or dd != d:
                    continue
                scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
                t = b["cpu_time"] * scale[b["time_unit"]]
                ratio = base["cpu_time"] * scale[base["time_unit"]] / t if base else None
                gbs = b.get("bytes_per_second", 0) / 1e9
                allocs = b.get("allocs/iter")
                shown = f"{t:,.3f}" if t < 100 else f"{t:,.0f}"
                print(f"| {d} | {c} | {shown} | {gbs:.3f} | "
                      f"{'-' if ratio is None else f'{ratio:.1f}'} | "
                      f"{'-' if allocs is None else f'{allocs:.2f}'} |")
        print()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
