"""The side-by-side benchmark of `portal analytics run` against the Python baseline, in one go:

    scripts/bench-venv.sh python benchmarks/analytics/bench.py
        [--lines 5000000] [--accounts 5000] [--skus 20000] [--skip-5m]
        [--carparts PATH] [--work DIR] [--portal BIN]

Dataset A: `portal analytics generate` (seed 7, 2021-01-01 to 2025-01-01) as Parquet, as of
2024-07-01. Dataset B: the car-parts series (--carparts, a CSV of part, month (YYYY-MM) and
units; rows without units are skipped), as order lines of one account, as of 2001-10-01; its
reorder side means nothing and is not reported. For A, score.py also scores an oracle that
knows the generator's truth per pair (the ceiling no model can pass on average), and three that
know each pair's true rhythm but not, or only partly, when relationships end (one of them
inferring endings from the history, as a model must).
Dataset C: the public repeat-buying data (CDNOW), see repeat_buying.py. Dataset B12: the car
parts with their last 12 months held out, as of 2001-04-01, forecast 12
periods at once. Dataset W: the other shape, many accounts with few SKUs each, in weekly
buckets (`generate` with --w-accounts 25,000 and --w-skus 17,000, the same lines and seed), as
of 2024-07-01, 13 weekly periods. All others: bucket month, 6 periods (B12: 12), horizon 30
days. On A and W the lean stack (baseline.py --lean: statsforecast's models and BG/NBD only)
runs too, measured but not scored, and so does the deployed build (--deployed, the release
profile's analytics-job, which SAM deploys), measured and checked to write the same outputs.
Dataset S: the scale-out run of scale.py (50M generated lines, whole and in 16 shards that each
read only their own lines; --scale-work).

For each dataset, ours and the baseline run as child processes, one after the other, each
measured for wall time, CPU time (user + system, its children included), the peak RSS of its
largest process (wait4's ru_maxrss) and the peak RSS of its whole process tree (sampled from
/proc every 0.2 s: the baseline forks statsforecast workers). score.py then scores both on the
actual future. Everything goes to WORK/results.json and WORK/results.md; the Markdown is
printed too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CLASS_ORDER = ["smooth", "erratic", "intermittent", "lumpy", "no-demand", "all"]
PACKAGES = ["polars", "statsforecast", "lifetimes", "scikit-learn", "pandas", "numpy", "scipy"]


def main() -> None:
    args = parse_args()
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    portal = Path(args.portal)
    if not os.access(portal, os.X_OK):
        sys.exit(f"no portal binary at {portal}: build it or pass --portal / set PORTAL_BIN")
    started = time.perf_counter()

    datasets = []
    wanted = (
        args.datasets.split(",") if args.datasets else ["A", "W", "B", "B12", "B1", "C", "S"]
    )
    deployed = Path(args.deployed) if args.deployed else None
    if deployed and not os.access(deployed, os.X_OK):
        print(f"no deployed build at {deployed}: not measured", file=sys.stderr)
        deployed = None
    shapes = [
        ("A", args.accounts, args.skus, "month", 6),
        ("W", args.w_accounts, args.w_skus, "week", 13),
    ]
    for key, accounts, skus, bucket, periods in shapes:
        if args.skip_5m or key not in wanted:
            continue
        name = f"{key}-{args.lines}-{accounts}-{skus}-seed7.parquet"
        orders = work / name
        truth = work / name.replace(".parquet", "-truth.csv")
        if not (orders.exists() and truth.exists()):  # once per size; not measured
            run_checked(
                [portal, "analytics", "generate", "--lines", args.lines, "--accounts",
                 accounts, "--skus", skus, "--seed", "7", "--start", "2021-01-01",
                 "--end", "2025-01-01", "--out", orders, "--truth", truth],
                work / "generate.log",
            )  # fmt: skip
        datasets.append(
            {
                "name": key,
                "title": f"synthetic, {args.lines:,} lines, {accounts:,} accounts, "
                f"{skus:,} SKUs, {bucket}ly",
                "orders": orders,
                "as_of": "2024-07-01",
                "bucket": bucket,
                "periods": periods,
                "reorders": True,
                "lean": True,
                "truth": truth,
            }
        )
    carparts = Path(args.carparts)
    if carparts.exists():
        orders = carparts_orders(carparts, work / "B-carparts.csv")
        title = f"car parts ({carparts.name}), monthly units of one account"
        datasets.append(
            {"name": "B", "title": title, "orders": orders, "as_of": "2001-10-01",
             "reorders": False}
        )  # fmt: skip
        # The last 12 months held out, forecast 12 steps ahead at once.
        datasets.append(
            {"name": "B12", "title": f"{title}, 12 months held out", "orders": orders,
             "as_of": "2001-04-01", "periods": 12, "reorders": False}
        )  # fmt: skip
    else:
        print(f"skipping dataset B: no {carparts} (pass --carparts)", file=sys.stderr)

    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "portal": str(portal),
        "packages": {p: version(p) for p in PACKAGES},
        "datasets": {},
    }
    datasets = [d for d in datasets if d["name"] in wanted]
    for dataset in datasets:
        results["datasets"][dataset["name"]] = bench_dataset(dataset, portal, work, deployed)
    if "B1" in wanted and carparts.exists():
        print("[B1] car parts one step ahead, 12 origins ...", flush=True)
        results["one_step"] = one_step(work / "B-carparts.csv", portal, work / "B1")
    if "C" in wanted:
        import repeat_buying

        print("[C] CDNOW, ours and BG/NBD, Pareto/NBD ...", flush=True)
        results["repeat_buying"] = repeat_buying.run(work / "C", portal)
    if "S" in wanted:
        import scale

        scale_work = Path(args.scale_work).resolve()
        results["scale"] = scale.run(scale_work, portal, 50_000_000, 50_000, 20_000, 16)
    results["seconds"] = round(time.perf_counter() - started, 1)

    (work / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    markdown = report(results, datasets)
    (work / "results.md").write_text(markdown)
    print(markdown)
    print(f"results: {work / 'results.json'}, {work / 'results.md'}")


def parse_args() -> argparse.Namespace:
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/b2b-portal/target"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=5_000_000, help="dataset A's order lines")
    parser.add_argument("--accounts", type=int, default=5_000, help="dataset A's accounts")
    parser.add_argument("--skus", type=int, default=20_000, help="dataset A's SKUs")
    parser.add_argument("--w-accounts", type=int, default=25_000, help="dataset W's accounts")
    parser.add_argument("--w-skus", type=int, default=17_000, help="dataset W's SKUs")
    parser.add_argument("--skip-5m", action="store_true", help="run the car-parts sets only")
    parser.add_argument(
        "--datasets", help="a comma-separated choice of A, W, B, B12, B1, C, S (default all)"
    )
    parser.add_argument(
        "--carparts",
        default=str(REPO.parent / "shared" / "data" / "carparts.csv"),
        help="dataset B's CSV (part, month, units); default: shared/data/carparts.csv beside "
        "the repository",
    )
    parser.add_argument(
        "--work",
        default=os.path.expanduser("~/.cache/b2b-portal/bench-analytics"),
        help="data, outputs, logs and results",
    )
    parser.add_argument(
        "--deployed",
        default=os.environ.get("DEPLOYED_BIN", os.path.join(target, "release", "analytics-job")),
        help="the deployed build of the job (default $DEPLOYED_BIN, else the release profile's "
        "analytics-job; measured on A and W when it exists)",
    )
    parser.add_argument(
        "--scale-work",
        default=os.path.expanduser("~/.cache/b2b-portal/bench-scale"),
        help="dataset S's folder (its 50M-line history is generated there once)",
    )
    add_portal_argument(parser)
    return parser.parse_args()


def add_portal_argument(parser: argparse.ArgumentParser) -> None:
    """`--portal`: our binary, by default the local profile's build in the target folder."""
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/b2b-portal/target"))
    parser.add_argument(
        "--portal",
        default=os.environ.get("PORTAL_BIN", os.path.join(target, "local", "portal")),
        help="the portal binary (default $PORTAL_BIN, else the local profile's build)",
    )


def version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def carparts_orders(source: Path, out: Path) -> Path:
    """The car-parts series as order lines: account CARPARTS, sku = part, order_date = the
    month's first day, quantity = units (zeros kept, missing units skipped)."""
    import polars as pl

    (
        pl.read_csv(source, schema_overrides={"part": pl.String, "month": pl.String})
        .filter(pl.col("units").is_not_null())
        .select(
            pl.lit("CARPARTS").alias("account_id"),
            pl.col("part").alias("sku"),
            (pl.col("month") + "-01").alias("order_date"),
            pl.col("units").cast(pl.Float64).alias("quantity"),
        )
        .write_csv(out)
    )
    return out


def one_step(orders: Path, portal: Path, work: Path) -> dict:
    """B12's held-out year forecast one month ahead at a time: both sides run as of each of its
    12 months with one period, each scored by score.py; per class and model, the mean over the
    origins of the per-origin means, weighted by the series scored (bias: of the sums)."""
    totals: dict = {}
    models: list = []
    for m in range(12):
        as_of = f"{2001 + (3 + m) // 12}-{(3 + m) % 12 + 1:02d}-01"
        folder = work / as_of
        folder.mkdir(parents=True, exist_ok=True)
        common = ["--orders", orders, "--as-of", as_of, "--horizon-days", "30", "--bucket",
                  "month", "--periods", "1"]  # fmt: skip
        run_checked([portal, "analytics", "run", *common, "--out", folder / "ours"],
                    folder / "ours.log")  # fmt: skip
        run_checked([sys.executable, HERE / "baseline.py", *common, "--out", folder / "baseline"],
                    folder / "baseline.log")  # fmt: skip
        run_checked([sys.executable, HERE / "score.py", *common, "--ours", folder / "ours",
                     "--baseline", folder / "baseline", "--out", folder / "scores.json"],
                    folder / "score.log")  # fmt: skip
        forecasts = json.loads((folder / "scores.json").read_text())["forecasts"]
        models = forecasts["models"]
        for c, entry in forecasts["classes"].items():
            t = totals.setdefault(c, {"series": 0, "origins": 0, "methods": {}})
            t["series"] += entry["series"]
            t["origins"] += 1
            for name, v in entry["methods"].items():
                acc = t["methods"].setdefault(name, {"rmsse": [0.0, 0], "pinball": [0.0, 0]})
                for metric in ("rmsse", "pinball"):
                    if v.get(metric) is not None:
                        acc[metric][0] += v[metric] * entry.get("scaled_series", entry["series"])
                        acc[metric][1] += entry.get("scaled_series", entry["series"])
    classes = {}
    for c, t in totals.items():
        methods = {
            name: {metric: (a[0] / a[1] if a[1] else None) for metric, a in acc.items()}
            | {"bias": None}
            for name, acc in t["methods"].items()
        }
        entry = {"series": round(t["series"] / max(t["origins"], 1)), "methods": methods}
        for metric in ("rmsse", "pinball"):
            peers = [(v[metric], k) for k, v in methods.items() if k != "ours" and v[metric]]
            best = min(peers) if peers else (None, None)
            entry[f"best_statsforecast_{metric}"] = {"value": best[0], "model": best[1]}
        classes[c] = entry
    return {"models": models, "classes": classes}


# --- Running and measuring ------------------------------------------------------------------


def bench_dataset(dataset: dict, portal: Path, work: Path, deployed: Path | None) -> dict:
    name, orders, as_of = dataset["name"], dataset["orders"], dataset["as_of"]
    folder = work / name
    folder.mkdir(exist_ok=True)
    periods = str(dataset.get("periods", 6))
    common = ["--orders", orders, "--as-of", as_of, "--horizon-days", "30", "--bucket",
              dataset.get("bucket", "month"), "--periods", periods]  # fmt: skip
    runs = {}
    sides = [
        ("ours", [portal, "analytics", "run", *common]),
        ("baseline", [sys.executable, HERE / "baseline.py", *common]),
    ]
    if dataset.get("lean"):
        sides.append(("lean", [sys.executable, HERE / "baseline.py", *common, "--lean"]))
        if deployed:
            sides.insert(1, ("deployed", [deployed, "run", *common]))
    for side, command in sides:
        out = folder / side
        clear(out)
        print(f"[{name}] {side} ...", flush=True)
        runs[side] = measure([*command, "--out", out], folder / f"{side}.log")
        print(f"[{name}] {side}: {runs[side]['wall_s']:.1f} s, "
              f"peak RSS {runs[side]['peak_rss_mib']:.0f} MiB", flush=True)  # fmt: skip
    for side in ("baseline", "lean"):
        if side in runs:
            runs[side]["stages_s"] = json.loads((folder / side / "timings.json").read_text())
    if "deployed" in runs:
        runs["deployed"]["same_outputs"] = all(
            (folder / "ours" / f).read_bytes() == (folder / "deployed" / f).read_bytes()
            for f in ("reorder_predictions.csv", "forecasts.csv", "accounts.csv")
        )
    scores = folder / "scores.json"
    run_checked(
        [sys.executable, HERE / "score.py", *common, "--ours", folder / "ours", "--baseline",
         folder / "baseline", "--out", scores,
         *(["--truth", dataset["truth"]] if dataset.get("truth") else [])],
        folder / "score.log",
    )  # fmt: skip
    ours, base = runs["ours"], runs["baseline"]
    return {
        "title": dataset["title"],
        "orders": str(orders),
        "as_of": as_of,
        "periods": int(periods),
        "runs": runs,
        "ratios_baseline_over_ours": {
            key: base[key] / ours[key] if ours[key] else None
            for key in ("wall_s", "cpu_s", "peak_rss_mib", "peak_tree_rss_mib")
        },
        "ratios_lean_over_ours": {
            key: runs["lean"][key] / ours[key] if ours[key] else None
            for key in ("wall_s", "cpu_s", "peak_rss_mib", "peak_tree_rss_mib")
        }
        if "lean" in runs
        else None,
        "scores": json.loads(scores.read_text()),
    }


def clear(folder: Path) -> None:
    """Removes an output folder, so that no stale output is ever scored."""
    shutil.rmtree(folder, ignore_errors=True)


def run_checked(command: list, log: Path) -> None:
    """Runs an unmeasured step, its output to `log`; a failure stops the benchmark."""
    with log.open("w") as out:
        code = subprocess.call([str(c) for c in command], stdout=out, stderr=subprocess.STDOUT)
    if code:
        sys.exit(f"{command[0]} failed ({code}), see {log}:\n{tail(log)}")


def measure(command: list, log: Path) -> dict:
    """Runs `command`, its output to `log`, and measures it: wall time, CPU time and peak RSS
    from wait4 (the rusage of the child and its waited-for descendants; ru_maxrss is the largest
    single process), and the peak summed RSS of the process tree, sampled from /proc."""
    with log.open("w") as out:
        start = time.perf_counter()
        child = subprocess.Popen([str(c) for c in command], stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        sampler.stop()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"{command[0]} failed ({child.returncode}), see {log}:\n{tail(log)}")
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mib": usage.ru_maxrss / 1024,  # Linux reports KiB
        "peak_tree_rss_mib": max(sampler.peak, usage.ru_maxrss * 1024) / 2**20,
    }


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants, keeping the peak (bytes)."""

    def __init__(self, root: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.root, self.interval, self.peak = root, interval, 0
        self.done = threading.Event()
        self.page = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self.sample())
            self.done.wait(self.interval)

    def stop(self) -> None:
        self.done.set()
        self.join()

    def sample(self) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    stat = f.read()
                with open(f"/proc/{entry.name}/statm") as f:
                    pages = int(f.read().split()[1])
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
            # The command name may hold spaces and parentheses: fields follow the last ")".
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            rss[int(entry.name)] = pages * self.page
        tree, frontier = {self.root}, [self.root]
        while frontier:
            pid = frontier.pop()
            for child, parent in parents.items():
                if parent == pid and child not in tree:
                    tree.add(child)
                    frontier.append(child)
        return sum(rss.get(pid, 0) for pid in tree)


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# --- The report -----------------------------------------------------------------------------


def report(results: dict, datasets: list[dict]) -> str:
    out = [
        "# portal analytics run vs the Python baseline",
        "",
        f"{results['date']}, {results['machine']['cpus']} CPUs, {results['machine']['platform']}, "
        f"Python {results['machine']['python']}; "
        + ", ".join(f"{p} {v}" for p, v in results["packages"].items())
        + f". Total {results['seconds']:.0f} s.",
    ]
    if "one_step" in results:
        out += ["", "## Dataset B12 one step ahead: 12 origins, 2001-04 to 2002-03", "",
                "Mean over the origins of each class's mean per-series RMSSE and scaled pinball "
                "(series per origin on average; bias not aggregated):", ""]  # fmt: skip
        out += accuracy_table(results["one_step"], ("rmsse", "pinball"))
    if "repeat_buying" in results:
        import repeat_buying

        out += ["", "## Dataset C: CDNOW repeat buying, 39 weeks held out", ""]
        out += repeat_buying.table(results["repeat_buying"])
    if "scale" in results:
        import scale

        out += ["", "## Dataset S: scale-out by memory", "", scale.report(results["scale"])]
    for dataset in datasets:
        r = results["datasets"][dataset["name"]]
        out += ["", f"## Dataset {dataset['name']}: {r['title']}, as of {r['as_of']}", ""]
        out += resources_table(r)
        forecasts = r["scores"]["forecasts"]
        cov = forecasts["coverage"]
        out += [
            "",
            f"Forecasts: {cov['scored_series']:,} SKU series scored over {r['periods']} periods "
            f"from "
            f"{cov['first_forecast_period']} (demand classes agreeing with ours: "
            f"{fmt_pct(cov['class_agreement_with_ours'])}). Mean per-series RMSSE and scaled "
            "pinball (mean of tau 0.5, 0.9, 0.95; lower is better), bias of the sums:",
            "",
        ]
        out += accuracy_table(forecasts)
        if dataset["reorders"]:
            out += ["", *reorder_table(r["scores"]["reorders"])]
            if r["scores"].get("accounts"):
                out += ["", account_line(r["scores"]["accounts"])]
    return "\n".join(out) + "\n"


def resources_table(r: dict) -> list[str]:
    ours, base, ratio = r["runs"]["ours"], r["runs"]["baseline"], r["ratios_baseline_over_ours"]
    rows = [
        ("wall time", "wall_s", "s", 1),
        ("CPU time (user + sys)", "cpu_s", "s", 1),
        ("peak RSS, largest process", "peak_rss_mib", "MiB", 0),
        ("peak RSS, process tree", "peak_tree_rss_mib", "MiB", 0),
    ]
    lean, lean_ratio = r["runs"].get("lean"), r.get("ratios_lean_over_ours")
    head = "| | ours | baseline | baseline / ours |"
    rule = "|---|---:|---:|---:|"
    if lean:
        head += " lean stack | lean / ours |"
        rule += "---:|---:|"
    lines = [head, rule]
    for label, key, unit, digits in rows:
        row = (
            f"| {label} | {ours[key]:,.{digits}f} {unit} | {base[key]:,.{digits}f} {unit} | "
            f"{ratio[key]:.1f}x |"
        )
        if lean:
            row += f" {lean[key]:,.{digits}f} {unit} | {lean_ratio[key]:.1f}x |"
        lines.append(row)
    if "deployed" in r["runs"]:
        d = r["runs"]["deployed"]
        lines += [
            "",
            f"Deployed build (release analytics-job): {d['wall_s']:.2f} s wall, "
            f"{d['peak_rss_mib']:,.0f} MiB; {d['wall_s'] / ours['wall_s']:.2f}x the local "
            f"profile's time; outputs {'identical' if d['same_outputs'] else 'DIFFERENT'}.",
        ]
    for side in ("baseline", "lean"):
        if side in r["runs"]:
            stages = r["runs"][side]["stages_s"].items()
            listed = ", ".join(f"{k} {v:.1f} s" for k, v in stages if k != "total")
            lines += ["", f"{'Baseline' if side == 'baseline' else 'Lean stack'} stages: {listed}."]
    return lines


def accuracy_table(forecasts: dict, metrics: tuple = ("rmsse", "pinball", "bias")) -> list[str]:
    models = forecasts["models"]
    classes = [c for c in CLASS_ORDER if c in forecasts["classes"] and forecasts["classes"][c]["series"]]
    lines = []
    labels = {"rmsse": "RMSSE", "pinball": "scaled pinball", "bias": "bias"}
    for metric, label in ((m, labels[m]) for m in metrics):
        header = f"| {label} | series | ours |"
        if metric != "bias":
            header += " best statsforecast |"
        header += "".join(f" {m} |" for m in models)
        lines += [header, "|---|" + "---:|" * (header.count("|") - 2)]
        for c in classes:
            entry = forecasts["classes"][c]
            methods = entry["methods"]
            row = f"| {c} | {entry['series']:,} | **{fmt(methods['ours'][metric])}** |"
            if metric != "bias":
                best = entry[f"best_statsforecast_{metric}"]
                model = f" ({best['model']})" if best["model"] else ""
                row += f" {fmt(best['value'])}{model} |"
            row += "".join(f" {fmt(methods[m][metric])} |" for m in models)
            lines.append(row)
        lines.append("")
    return lines[:-1]


def reorder_table(reorders: dict) -> list[str]:
    lines = [
        f"Reorders: {reorders['pairs']:,} pairs, {reorders['reordered']:,} ordered within 30 days "
        f"(base rate {fmt_pct(reorders['base_rate'])}).",
        "",
        "| reorder model | PR-AUC | ROC-AUC | Brier | mean p |",
        "|---|---:|---:|---:|---:|",
    ]
    labels = {"ours": "ours (p_reorder)", "bgnbd": "BG/NBD (lifetimes)",
              "classifier": "HistGradientBoosting (scikit-learn)",
              "oracle": "oracle: knows the generator's truth (the ceiling)",
              "rhythm_ended": "oracle: true rhythms and seasons, endings before as-of",
              "history": "oracle: true rhythms and seasons, endings inferred from the history",
              "rhythm": "oracle: true rhythms and seasons, no endings"}  # fmt: skip
    for name, m in reorders["methods"].items():
        lines.append(
            f"| {labels[name]} | {fmt(m['pr_auc'])} | {fmt(m['roc_auc'])} | {fmt(m['brier'])} | "
            f"{fmt(m['mean_p'])} |"
        )
    return lines


def account_line(a: dict) -> str:
    return (
        f"Accounts at risk (ours): {a['at_risk']:,} of {a['accounts']:,} flagged; "
        f"{a['silent_in_horizon']:,} ordered nothing within 30 days. Precision "
        f"{fmt_pct(a['precision'])}, recall {fmt_pct(a['recall'])}."
    )


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def fmt_pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


if __name__ == "__main__":
    main()
