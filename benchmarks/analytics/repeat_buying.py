"""The public repeat-buying benchmark: CDNOW through `portal analytics run`, against BG/NBD and
Pareto/NBD.

The data set (Fader, Hardie & Lee) is the CD purchases of the 23,570 customers who first bought
at CDNOW in the first quarter of 1997, to the end of June 1998; the `lifetimes` package ships it
(`CDNOW_master.txt`). The standard split: the first 39 weeks (1997-01-01 to 1997-09-30) are
history, the next 39 weeks (1997-10-01 to 1998-06-30, 273 days) are held out.

- **Ours**: every purchase becomes an order line of account = customer, SKU `CD`, quantity =
  CDs; `portal analytics run --as-of 1997-10-01 --horizon-days 273 --bucket week --periods 39`.
  Its `p_reorder` per customer is the probability of at least one purchase in the holdout. No
  origin before as-of is followed by a whole holdout, so the run has no labels to learn from.
- **BG/NBD and Pareto/NBD**: lifetimes' fitters on each customer's repeat purchases (distinct
  purchase days less one), recency and age in weeks; the probability of at least one purchase
  in the 39 weeks is P(alive) · (1 − ((α + T) / (α + T + h))^(r + x)) for both (in either
  model a customer alive at the end of the history buys at the gamma-Poisson rate; Pareto/NBD
  may also drop out within the holdout, which this ignores, as BG/NBD's form does). Each is
  also ranked by its expected number of purchases in the holdout, lifetimes' usual output:
  not a probability, but on this data it ranks better than either model's probability, so
  the bar is the best of all four.

Scores: ROC-AUC, PR-AUC (average precision) and Brier score of each on the outcome "bought in
the holdout", over all 23,570 customers. Also the time each side took.

    scripts/bench-venv.sh python benchmarks/analytics/repeat_buying.py [--work DIR] [--portal BIN]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

AS_OF = dt.date(1997, 10, 1)
HOLDOUT_DAYS = 273
HOLDOUT_WEEKS = HOLDOUT_DAYS / 7


def main() -> None:
    args = parse_args()
    results = run(Path(args.work), Path(args.portal))
    print("\n".join(table(results)))


def run(work: Path, portal: Path) -> dict:
    """Runs both sides and scores them; the results also go to WORK/repeat_buying.json."""
    work.mkdir(parents=True, exist_ok=True)
    purchases = cdnow()
    orders = work / "cdnow_orders.csv"
    purchases.select(
        pl.col("customer").alias("account_id"),
        pl.lit("CD").alias("sku"),
        pl.col("date").alias("order_date"),
        pl.col("cds").cast(pl.Float64).alias("quantity"),
    ).write_csv(orders)
    history = purchases.filter(pl.col("date") < AS_OF)
    outcome = (
        history.select("customer")
        .unique()
        .join(
            purchases.filter(pl.col("date") >= AS_OF).select("customer").unique()
            .with_columns(bought=pl.lit(True)),
            on="customer",
            how="left",
        )
        .with_columns(pl.col("bought").fill_null(False))
        .sort("customer")
    )  # fmt: skip

    out = work / "ours"
    command = [portal, "analytics", "run", "--orders", orders, "--as-of", str(AS_OF),
               "--horizon-days", str(HOLDOUT_DAYS), "--bucket", "week", "--periods", "39",
               "--out", out]  # fmt: skip
    start = time.perf_counter()
    with (work / "ours.log").open("w") as log:
        subprocess.run([str(c) for c in command], stdout=log, stderr=subprocess.STDOUT, check=True)
    ours_s = time.perf_counter() - start
    ours = pl.read_csv(out / "reorder_predictions.csv", schema_overrides={"account_id": pl.String})
    run = json.loads((out / "run.json").read_text())
    ours = ours.select(pl.col("account_id").alias("customer"), pl.col("p_reorder").alias("p"))

    rfm = summary(history)
    models = {}
    for name in ("BG/NBD", "Pareto/NBD"):
        start = time.perf_counter()
        p, expected = btyd(name, rfm)
        seconds = time.perf_counter() - start
        models[name] = {"p": p, "seconds": seconds}
        models[f"{name}, ranked by expected purchases"] = {"p": expected, "seconds": seconds}

    scored = outcome.join(ours, on="customer", how="left")
    missing = scored["p"].null_count()
    if missing:
        sys.exit(f"ours has no p_reorder for {missing} customers")
    y = scored["bought"].to_numpy()
    rows = {"ours": score(y, scored["p"].to_numpy()) | {"seconds": ours_s}}
    for name, model in models.items():
        p = rfm.select("customer").with_columns(p=pl.Series(model["p"]))
        p = outcome.join(p, on="customer", how="left")["p"].to_numpy()
        rows[name] = score(y, p) | {"seconds": model["seconds"]}
    results = {
        "date": dt.date.today().isoformat(),
        "customers": outcome.height,
        "bought_in_holdout": int(y.sum()),
        "calibration": run["calibration"],
        "scores": rows,
    }
    (work / "repeat_buying.json").write_text(json.dumps(results, indent=2, default=str))
    return results


def table(results: dict) -> list[str]:
    """The results as Markdown."""
    fit = results["calibration"].get("likelihood") or {}
    out = [
        f"CDNOW: {results['customers']:,} customers, {results['bought_in_holdout']:,} bought in "
        f"the 39-week holdout. Ours calibrated by `{results['calibration']['method']}`"
        + (f" (short origin {fit['short_origin']}, {fit['short_horizon_days']} days)" if fit else "")
        + ".",
        "",
        "| model | ROC-AUC | PR-AUC | Brier | seconds |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in results["scores"].items():
        brier = f"{r['brier']:.4f}" if "expected" not in name else "(not a probability)"
        out.append(f"| {name} | {r['roc_auc']:.3f} | {r['pr_auc']:.3f} | {brier} | "
                   f"{r['seconds']:.1f} |")  # fmt: skip
    return out


def parse_args() -> argparse.Namespace:
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/b2b-portal/target"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default=str(Path.home() / ".cache/b2b-portal/bench-cdnow"))
    parser.add_argument(
        "--portal", default=os.environ.get("PORTAL_BIN", f"{target}/local/portal"),
        help="our binary (default: $PORTAL_BIN, else the local profile's portal)",
    )  # fmt: skip
    return parser.parse_args()


def cdnow() -> pl.DataFrame:
    """CDNOW_master.txt as customer (string), date and cds, one row per purchase."""
    import lifetimes

    path = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_master.txt"
    rows = [line.split() for line in path.read_text().splitlines()]
    rows = [r for r in rows if r and r[0].isdigit()]  # the header and blank lines out
    return pl.DataFrame(
        {
            "customer": [r[0] for r in rows],
            "date": [dt.datetime.strptime(r[1], "%Y%m%d").date() for r in rows],
            "cds": [int(r[2]) for r in rows],
        }
    )


def summary(history: pl.DataFrame) -> pl.DataFrame:
    """Per customer: repeat purchase days (x), recency (t_x) and age (T) in weeks, by customer."""
    return (
        history.select("customer", "date")
        .unique()
        .group_by("customer")
        .agg(
            x=pl.len() - 1,
            t_x=(pl.col("date").max() - pl.col("date").min()).dt.total_days() / 7,
            T=(pl.lit(AS_OF) - pl.col("date").min()).dt.total_days() / 7,
        )
        .sort("customer")
    )


def btyd(name: str, rfm: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The model's probability of a purchase in the holdout, and its expected number of
    purchases there (a score, not a probability, that ranks customers better on this data)."""
    from lifetimes import BetaGeoFitter, ParetoNBDFitter

    x, t_x, T = (rfm[c].to_numpy().astype(float) for c in ("x", "t_x", "T"))
    fitter = (BetaGeoFitter if name == "BG/NBD" else ParetoNBDFitter)().fit(x, t_x, T)
    r, alpha = fitter.params_["r"], fitter.params_["alpha"]
    alive = np.asarray(fitter.conditional_probability_alive(x, t_x, T), dtype=float)
    none_if_alive = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + HOLDOUT_WEEKS)))
    print(f"{name}: {dict(fitter.params_)}", flush=True)
    expected = fitter.conditional_expected_number_of_purchases_up_to_time(HOLDOUT_WEEKS, x, t_x, T)
    return np.clip(alive * (1.0 - none_if_alive), 0.0, 1.0), np.asarray(expected, dtype=float)


def score(y: np.ndarray, p: np.ndarray) -> dict:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, np.clip(p, 0.0, 1.0))),
    }


if __name__ == "__main__":
    main()
