"""The scale-out benchmark: a generated history of 50M order lines, run once whole and once as a
plan of 16 shards that each read only their own lines, in one go:

    scripts/bench-venv.sh python benchmarks/analytics/scale.py
        [--lines 50000000] [--accounts 50000] [--skus 20000] [--shards 16]
        [--work DIR] [--portal BIN] [--skip-single]

`portal analytics generate` (seed 7, 2021-01-01 to 2025-01-01, once per size), then as of
2024-07-01: the single run (`analytics run`), the plan (`analytics plan --shards N`), each shard
(`analytics shard --shard i/N`) and the merge (`analytics merge`), one child process after the
other, each measured like bench.py's (wall time, CPU time, peak RSS of the process). The
sharded run's outputs (reorder_predictions.csv, accounts.csv, forecasts.csv and the run id)
must equal the single run's byte for byte. Everything goes to WORK/scale.json and
WORK/scale.md; the Markdown is printed too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import time
from pathlib import Path

from bench import add_portal_argument, measure, run_checked

COMPARED = ["reorder_predictions.csv", "accounts.csv", "forecasts.csv"]


def main() -> None:
    args = parse_args()
    portal = Path(args.portal)
    if not os.access(portal, os.X_OK):
        sys.exit(f"no portal binary at {portal}: build it or pass --portal / set PORTAL_BIN")
    work = Path(args.work).resolve()
    results = run(work, portal, args.lines, args.accounts, args.skus, args.shards,
                  args.skip_single)  # fmt: skip
    (work / "scale.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    markdown = report(results)
    (work / "scale.md").write_text(markdown)
    print(markdown)


def run(
    work: Path, portal: Path, lines: int, accounts: int, skus: int, shards: int,
    skip_single: bool = False,
) -> dict:  # fmt: skip
    """Generates the history once, then runs it whole and sharded; answers the measurements."""
    work.mkdir(parents=True, exist_ok=True)
    orders = work / f"S-{lines}-{accounts}-{skus}-seed7.parquet"
    if not orders.exists():  # once per size; not measured
        print(f"generating {orders.name} ...", flush=True)
        run_checked(
            [portal, "analytics", "generate", "--lines", lines, "--accounts", accounts,
             "--skus", skus, "--seed", "7", "--start", "2021-01-01", "--end", "2025-01-01",
             "--out", orders],
            work / "generate.log",
        )  # fmt: skip
    common = ["--orders", orders, "--as-of", "2024-07-01"]
    single, sharded = work / "single", work / "sharded"
    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "portal": str(portal),
        "orders": orders.name,
        "orders_mib": round(orders.stat().st_size / 2**20, 1),
        "shards": shards,
    }
    if not skip_single:
        shutil.rmtree(single, ignore_errors=True)
        print("[S] the whole input in one process ...", flush=True)
        results["single"] = measure(
            [portal, "analytics", "run", *common, "--out", single], work / "single.log"
        )
    shutil.rmtree(sharded, ignore_errors=True)
    print(f"[S] plan: globals and {shards} shards' lines ...", flush=True)
    results["plan"] = measure(
        [portal, "analytics", "plan", *common, "--out", sharded, "--shards", shards],
        work / "plan.log",
    )
    plan_dir = sharded / "plan"
    results["plan_files_mib"] = {
        "globals": round((plan_dir / "globals.json").stat().st_size / 2**20, 1),
        "lines_total": round(
            sum(p.stat().st_size for p in plan_dir.glob("lines-*.parquet")) / 2**20, 1
        ),
    }
    results["shard"] = []
    for index in range(1, shards + 1):
        shard = f"{index}/{shards}"
        print(f"[S] shard {shard} ...", flush=True)
        measured = measure(
            [portal, "analytics", "shard", "--out", sharded, "--shard", shard],
            work / f"shard-{index}.log",
        )
        measured["lines_mib"] = round(
            (plan_dir / f"lines-{index}-of-{shards}.parquet").stat().st_size / 2**20, 1
        )
        results["shard"].append(measured)
    print("[S] merge ...", flush=True)
    results["merge"] = measure([portal, "analytics", "merge", "--out", sharded], work / "merge.log")
    run_json = json.loads((sharded / "run.json").read_text())
    results["run_id"] = run_json["run_id"]
    results["timings_ms"] = run_json.get("timings_ms")
    if (single / "run.json").exists():
        whole = json.loads((single / "run.json").read_text())
        same = {f: (single / f).read_bytes() == (sharded / f).read_bytes() for f in COMPARED}
        same["run_id"] = whole["run_id"] == run_json["run_id"]
        results["identical"] = same
    return results


def report(r: dict) -> str:
    shards = r["shard"]
    peak = max(s["peak_rss_mib"] for s in shards)
    lines = [
        f"Scale-out: {r['orders']} ({r['orders_mib']} MiB), {r['shards']} shards:",
        "",
        "| step | wall s | CPU s | peak RSS MiB |",
        "|---|---:|---:|---:|",
    ]
    if "single" in r:
        s = r["single"]
        lines.append(f"| single run | {s['wall_s']:.1f} | {s['cpu_s']:.1f} | {s['peak_rss_mib']:,.0f} |")
    p = r["plan"]
    lines.append(f"| plan | {p['wall_s']:.1f} | {p['cpu_s']:.1f} | {p['peak_rss_mib']:,.0f} |")
    walls = [s["wall_s"] for s in shards]
    lines.append(
        f"| shards (each; min / median / max wall) | {min(walls):.1f} / "
        f"{sorted(walls)[len(walls) // 2]:.1f} / {max(walls):.1f} | "
        f"{sum(s['cpu_s'] for s in shards) / len(shards):.1f} (mean) | {peak:,.0f} (max) |"
    )
    m = r["merge"]
    lines.append(f"| merge | {m['wall_s']:.1f} | {m['cpu_s']:.1f} | {m['peak_rss_mib']:,.0f} |")
    lines += [
        "",
        f"Plan files: globals {r['plan_files_mib']['globals']} MiB, every shard's lines "
        f"{r['plan_files_mib']['lines_total']} MiB in all.",
        f"Largest shard's peak RSS: {peak:,.0f} MiB (target ≤ 3,072 MiB).",
    ]
    if "identical" in r:
        same = r["identical"]
        verdict = "identical" if all(same.values()) else "DIFFERENT"
        lines.append(f"Sharded outputs against the single run: {verdict} ({same}).")
    return "\n".join(lines) + "\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=50_000_000)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--shards", type=int, default=16)
    parser.add_argument("--skip-single", action="store_true", help="only the sharded run")
    parser.add_argument(
        "--work",
        default=os.path.expanduser("~/.cache/b2b-portal/bench-scale"),
        help="where the history and the outputs go",
    )
    add_portal_argument(parser)
    return parser.parse_args()


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"{time.perf_counter() - started:.0f} s in all")
