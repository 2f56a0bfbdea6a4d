"""Scores `portal analytics run` and the Python baseline on the actual future of the orders file:

    score.py --orders FILE --as-of D --horizon-days H --bucket month|week --periods N
             --ours DIR --baseline DIR --out FILE.json

Forecasts (SKU totals only: our rows with an empty division)
    The actual demand of a forecast period is the sum of the SKU's lines in that period (the
    first forecast period holds as-of; with as-of on a period's first day, as in the benchmark,
    that is exactly the lines on and after as-of). The training series are built as both sides
    build them (orderlines.py). Per series:
      RMSSE  = sqrt(mean_test (y - f)^2 / mean_train (y_t - y_{t-1})^2), f the mean forecast;
      scaled pinball(tau) = mean_test pinball_tau(y, q_tau) / mean_train |y_t - y_{t-1}|,
               for tau = 0.5 (q50), 0.9 (q90), 0.95 (q95); "pinball" is their average.
    Series whose scale is 0 (fewer than two training periods, or a flat history) are left out
    of RMSSE and pinball; bias = (sum f - sum y) / sum y is taken over every series of a class.
    Classes (Syntetos-Boylan-Croston) from the training series: ADI = periods / periods with
    demand, CV^2 = population variance / mean^2 of the non-zero demands; ADI < 1.32 and
    CV^2 < 0.49 smooth, ADI < 1.32 erratic, CV^2 < 0.49 intermittent, else lumpy; no-demand
    when the history is all zeros. Reported per class and for "all": ours, every statsforecast
    model, and the best statsforecast model of the class (by RMSSE, and by pinball).

Reorders
    Outcome: the pair has a line of quantity > 0 in [as-of, as-of + H days). Scored over the
    pairs of our reorder_predictions.csv (baseline probabilities joined on account_id and sku;
    a missing one is 0): average precision (PR-AUC), ROC-AUC and Brier score of our p_reorder,
    the baseline's p_bgnbd and p_classifier.

Accounts at risk (ours only; the baseline has no such output)
    Outcome: the account has no line of quantity > 0 in [as-of, as-of + H days). Over the
    accounts of our accounts.csv: how many are flagged at_risk, the share of those that indeed
    ordered nothing (precision), and the share of the accounts that ordered nothing that were
    flagged (recall).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl

from orderlines import future_demand, parse_date, read_orders, shift_periods, training_series

TAUS = {"q50": 0.5, "q90": 0.9, "q95": 0.95}
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
CLASSES = ["smooth", "erratic", "intermittent", "lumpy", "no-demand", "all"]
OURS = "ours"


def main() -> None:
    args = parse_args()
    orders = read_orders(args.orders)
    result = {
        "params": {
            "orders": str(args.orders),
            "as_of": args.as_of.isoformat(),
            "horizon_days": args.horizon_days,
            "bucket": args.bucket,
            "periods": args.periods,
        },
        "forecasts": score_forecasts(orders, args),
        "reorders": score_reorders(orders, args),
        "accounts": score_accounts(orders, args),
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"scores -> {args.out}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", required=True, help="order lines, .csv or .parquet")
    parser.add_argument("--as-of", required=True, type=parse_date, help="YYYY-MM-DD")
    parser.add_argument("--horizon-days", type=int, default=30)
    parser.add_argument("--bucket", choices=["month", "week"], default="month")
    parser.add_argument("--periods", type=int, default=6)
    parser.add_argument("--ours", required=True, help="the output folder of portal analytics run")
    parser.add_argument("--baseline", required=True, help="the output folder of baseline.py")
    parser.add_argument("--out", required=True, help="the scores, JSON")
    parser.add_argument(
        "--truth",
        help="the generator's pair truth (portal analytics generate --truth): adds the oracles",
    )
    return parser.parse_args()


# --- Forecasts ------------------------------------------------------------------------------


def demand_class(y: np.ndarray) -> str:
    """The Syntetos-Boylan-Croston class of a training series."""
    sizes = y[y > 0]
    if sizes.size == 0:
        return "no-demand"
    adi = y.size / sizes.size
    cv2 = sizes.var() / sizes.mean() ** 2
    if adi < ADI_CUTOFF:
        return "smooth" if cv2 < CV2_CUTOFF else "erratic"
    return "intermittent" if cv2 < CV2_CUTOFF else "lumpy"


def pinball(y: pl.Expr, q: pl.Expr, tau: float) -> pl.Expr:
    """The pinball loss of quantile forecasts q of y at level tau."""
    diff = y - q
    return pl.when(diff >= 0).then(tau * diff).otherwise((tau - 1.0) * diff)


def score_forecasts(orders: pl.DataFrame, args: argparse.Namespace) -> dict:
    train = training_series(orders, args.as_of, args.bucket)
    skus = train["sku"].unique()
    actual = future_demand(orders, args.as_of, args.bucket, args.periods, skus)
    first = shift_periods(train["ds"].max(), args.bucket, 1) if train.height else None

    # Our SKU totals, and every baseline model: method -> frame of sku, ds, mean, q50, q90, q95.
    ours = (
        pl.read_csv(
            Path(args.ours) / "forecasts.csv",
            schema_overrides={"sku": pl.String, "division": pl.String, "period_start": pl.String},
        )
        .filter(pl.col("division").is_null() | (pl.col("division") == ""))
        .select(
            "sku",
            pl.col("period_start").str.to_date("%Y-%m-%d").alias("ds"),
            "mean",
            "q50",
            "q90",
            "q95",
            "demand_class",
        )
    )
    base = pl.read_csv(
        Path(args.baseline) / "forecasts.csv",
        schema_overrides={"sku": pl.String, "period_start": pl.String},
    ).with_columns(pl.col("period_start").str.to_date("%Y-%m-%d").alias("ds"))
    models = sorted({c.rsplit("_", 1)[0] for c in base.columns if c.endswith("_mean")})
    methods = {OURS: ours.drop("demand_class")}
    for model in models:
        methods[model] = base.select(
            "sku", "ds", *[pl.col(f"{model}_{k}").alias(k) for k in ("mean", *TAUS)]
        )

    # The scored series: those of the training data that every method forecast.
    covered = {name: set(frame["sku"].to_list()) for name, frame in methods.items()}
    train_skus = set(skus.to_list())
    scored = train_skus.intersection(*covered.values())
    coverage = {
        "training_series": len(train_skus),
        "scored_series": len(scored),
        "missing": {name: len(train_skus - got) for name, got in covered.items()},
        "extra": {name: len(got - train_skus) for name, got in covered.items()},
        "first_forecast_period": first.isoformat() if first else None,
        "last_line_date": str(orders["order_date"].max()),
    }

    # Per-series scales and classes from the training series.
    rows = []
    for (sku,), group in train.group_by("sku", maintain_order=True):
        if sku in scored:
            y = group["y"].to_numpy()
            d = np.diff(y)
            scale2, scale1 = (float(np.mean(d**2)), float(np.mean(np.abs(d)))) if d.size else (0, 0)
            rows.append((sku, demand_class(y), scale2, scale1))
    info = pl.DataFrame(
        rows,
        schema={"sku": pl.String, "class": pl.String, "scale2": pl.Float64, "scale1": pl.Float64},
        orient="row",
    )
    # Does our run see the same classes? A check that both sides build the same series.
    agree = info.join(ours.select("sku", "demand_class").unique("sku"), on="sku", how="left")
    coverage["class_agreement_with_ours"] = (
        agree.select((pl.col("class") == pl.col("demand_class")).mean()).item()
        if info.height
        else None
    )

    # One long frame: every method's forecasts beside the actuals, met on SKU and period start
    # (a misaligned or missing period is an error).
    actual = actual.join(info, on="sku", how="inner")
    frames = []
    for name, frame in methods.items():
        joined = actual.join(frame, on=["sku", "ds"], how="left")
        missing = joined["mean"].null_count()
        if missing:
            raise SystemExit(f"{name}: {missing} forecast periods of scored series are missing")
        frames.append(joined.with_columns(method=pl.lit(name)))
    both_outcomes = pl.col("scale2") > 0
    per_series = (
        pl.concat(frames)
        .group_by("method", "sku")
        .agg(
            pl.col("class", "scale2", "scale1").first(),
            mse=((pl.col("y") - pl.col("mean")) ** 2).mean(),
            f_sum=pl.col("mean").sum(),
            y_sum=pl.col("y").sum(),
            **{f"loss_{t}": pinball(pl.col("y"), pl.col(t), tau).mean() for t, tau in TAUS.items()},
        )
        .with_columns(
            rmsse=pl.when(both_outcomes).then((pl.col("mse") / pl.col("scale2")).sqrt()),
            **{
                f"pinball_{t}": pl.when(both_outcomes).then(pl.col(f"loss_{t}") / pl.col("scale1"))
                for t in TAUS
            },
        )
    )
    # Per class and for all: mean per-series metrics over the scaled series, bias over all.
    summary = (
        pl.concat([per_series, per_series.with_columns(pl.lit("all").alias("class"))])
        .group_by("method", "class")
        .agg(
            series=pl.len(),
            scaled_series=pl.col("rmsse").count(),
            rmsse=pl.col("rmsse").mean(),
            **{f"pinball_{t}": pl.col(f"pinball_{t}").mean() for t in TAUS},
            f_sum=pl.col("f_sum").sum(),
            y_sum=pl.col("y_sum").sum(),
        )
        .with_columns(
            pinball=pl.mean_horizontal(*[f"pinball_{t}" for t in TAUS]),
            bias=pl.when(pl.col("y_sum") > 0).then(
                (pl.col("f_sum") - pl.col("y_sum")) / pl.col("y_sum")
            ),
        )
    )
    metrics = ["rmsse", "pinball", *[f"pinball_{t}" for t in TAUS], "bias"]
    found = {(r["method"], r["class"]): r for r in summary.iter_rows(named=True)}

    by_class = {}
    for c in CLASSES:
        some = next((found[m, c] for m in methods if (m, c) in found), None)
        entry = {
            "series": some["series"] if some else 0,
            "scaled_series": some["scaled_series"] if some else 0,
            "methods": {
                m: {k: found[m, c][k] if (m, c) in found else None for k in metrics}
                for m in methods
            },
        }
        for metric in ("rmsse", "pinball"):
            candidates = [
                (entry["methods"][m][metric], m)
                for m in models
                if entry["methods"][m][metric] is not None
            ]
            value, model = min(candidates) if candidates else (None, None)
            entry[f"best_statsforecast_{metric}"] = {"model": model, "value": value}
        by_class[c] = entry
    return {"coverage": coverage, "models": models, "classes": by_class}


# --- Reorders -------------------------------------------------------------------------------


def in_horizon(orders: pl.DataFrame, args: argparse.Namespace) -> pl.DataFrame:
    """The lines of quantity > 0 in [as-of, as-of + H days): the outcome both sides are scored on."""
    end = args.as_of + dt.timedelta(days=args.horizon_days)
    return orders.filter(
        (pl.col("order_date") >= args.as_of)
        & (pl.col("order_date") < end)
        & (pl.col("quantity") > 0)
    )


def score_reorders(orders: pl.DataFrame, args: argparse.Namespace) -> dict:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    reordered = (
        in_horizon(orders, args)
        .select("account_id", "sku")
        .unique()
        .with_columns(outcome=pl.lit(1, pl.Int8))
    )
    keys = {"account_id": pl.String, "sku": pl.String}
    ours = pl.read_csv(Path(args.ours) / "reorder_predictions.csv", schema_overrides=keys)
    base = pl.read_csv(Path(args.baseline) / "reorder_predictions.csv", schema_overrides=keys)
    joined = (
        ours.select("account_id", "sku", "p_reorder")
        .join(base, on=["account_id", "sku"], how="left")
        .join(reordered, on=["account_id", "sku"], how="left")
        .with_columns(
            pl.col("outcome").fill_null(0), pl.col("p_bgnbd", "p_classifier").fill_null(0.0)
        )
    )
    y = joined["outcome"].to_numpy()
    out: dict = {
        "pairs": joined.height,
        "reordered": int(y.sum()),
        "base_rate": float(y.mean()) if y.size else None,
        "baseline_pairs_missing": ours.join(base, on=["account_id", "sku"], how="anti").height,
        "baseline_pairs_extra": base.join(ours, on=["account_id", "sku"], how="anti").height,
        "methods": {},
    }
    methods = [(OURS, "p_reorder"), ("bgnbd", "p_bgnbd"), ("classifier", "p_classifier")]
    if args.truth:
        joined = joined.join(oracle(orders, args), on=["account_id", "sku"], how="left")
        oracles = ["p_oracle", "p_rhythm_ended", "p_history", "p_rhythm"]
        joined = joined.with_columns(pl.col(oracles).fill_null(0.0))
        methods += [
            ("oracle", "p_oracle"),
            ("rhythm_ended", "p_rhythm_ended"),
            ("history", "p_history"),
            ("rhythm", "p_rhythm"),
        ]
    for name, column in methods:
        p = joined[column].to_numpy().astype(float)
        both = 0 < y.sum() < y.size  # the rank metrics need both outcomes
        out["methods"][name] = {
            "pr_auc": float(average_precision_score(y, p)) if both else None,
            "roc_auc": float(roc_auc_score(y, p)) if both else None,
            "brier": float(brier_score_loss(y, p)) if y.size else None,
            "mean_p": float(p.mean()) if y.size else None,
        }
    return out


def score_accounts(orders: pl.DataFrame, args: argparse.Namespace) -> dict | None:
    path = Path(args.ours) / "accounts.csv"
    if not path.exists():
        return None
    ordered = (
        in_horizon(orders, args)
        .select("account_id")
        .unique()
        .with_columns(ordered=pl.lit(True))
    )
    accounts = (
        pl.read_csv(path, schema_overrides={"account_id": pl.String})
        .join(ordered, on="account_id", how="left")
        .with_columns(pl.col("ordered").fill_null(False))
    )
    flagged = accounts["at_risk"].to_numpy()
    silent = ~accounts["ordered"].to_numpy()
    return {
        "accounts": accounts.height,
        "silent_in_horizon": int(silent.sum()),
        "at_risk": int(flagged.sum()),
        "precision": float((flagged & silent).sum() / flagged.sum()) if flagged.any() else None,
        "recall": float((flagged & silent).sum() / silent.sum()) if silent.any() else None,
    }


# The chance a pair goes on after an order: the generator draws each pair's dropout uniformly
# from 0 to 4 % per order.
MEAN_CONTINUATION = 0.98
# The generator's endings (analytics/src/synthetic.rs): a fifth of the accounts churn, on a day
# drawn uniformly from the last three quarters of the history's span; 15 % of the SKUs are
# discontinued, on a day drawn uniformly from 90 days after their launch to the end.
CHURN_SHARE, CHURN_FROM = 0.2, 0.25
DISCONTINUED_SHARE, DISCONTINUED_AFTER_DAYS = 0.15, 90


def oracle(orders: pl.DataFrame, args: argparse.Namespace) -> pl.DataFrame:
    """Probabilities of an order in the horizon computed from the generator's truth, three ways:

    - p_oracle knows everything the generator decided: each pair's gap distribution and season,
      whether it has already dropped out, and when its account churns or its SKU is
      discontinued, even in the horizon. No method can rank better on average: its PR-AUC is the
      ceiling of the synthetic set.
    - p_rhythm knows each pair's true gap distribution and season, and nothing about endings: a
      pair may have dropped out after its last order with the generator's mean dropout rate.
      This is the best a renewal model with perfect parameters can do from the history's dates.
    - p_rhythm_ended also knows which accounts had churned and which SKUs had been discontinued
      before as-of (not those in the horizon).
    - p_history knows the true rhythms and seasons and the generator's rates of churn and
      discontinuation, and infers from the history alone whether each account and SKU has
      ended, by Bayes' rule on the joint silence of all its pairs (`ended_posterior`). It is what
      perfect parameters can reach from the history: a model that must estimate each pair's
      rhythm from its own orders ranks below it.

    The generator draws the gap after an order on day d as max(1, round(G / s(d))) with
    G ~ Gamma(shape, mean_gap / shape) and s(d) = 1 + amplitude * cos(2 pi (doy(d) - peak) / 365),
    and places no order on or after the cut. With e = as_of - last order and
    u = min(e + h, cut - last order):
        P = P(e <= gap < u) / P(gap >= e).
    """
    from scipy.stats import gamma

    truth = pl.read_csv(
        args.truth,
        schema_overrides={
            "account_id": pl.String,
            "sku": pl.String,
            "ended": pl.Date,
            "cut": pl.Date,
            "dropped_after": pl.Date,
        },
    )
    last = (
        orders.filter((pl.col("order_date") < args.as_of) & (pl.col("quantity") > 0))
        .group_by("account_id", "sku")
        .agg(last=pl.col("order_date").max())
    )
    t = last.join(truth, on=["account_id", "sku"], how="inner")
    as_of = pl.lit(args.as_of)
    t = t.with_columns(
        e=(as_of - pl.col("last")).dt.total_days().cast(pl.Float64),
        cut_days=(pl.col("cut") - pl.col("last")).dt.total_days().cast(pl.Float64),
        season=1.0
        + pl.col("season_amplitude")
        * (
            2.0
            * np.pi
            * (pl.col("last").dt.ordinal_day().cast(pl.Float64) - pl.col("season_peak"))
            / 365.0
        ).cos(),
        dead=pl.col("dropped_after").is_not_null() & (pl.col("dropped_after") < args.as_of),
    )
    e = t["e"].to_numpy()
    cut = t["cut_days"].fill_null(np.inf).to_numpy()
    shape = t["shape"].to_numpy()
    scale = t["mean_gap_days"].to_numpy() / shape
    s = t["season"].to_numpy()

    def below(days: np.ndarray) -> np.ndarray:
        """P(gap < days): gap >= k <=> G / s >= k - 0.5 (k >= 2; every gap is at least 1 day)."""
        return np.where(days >= 2, gamma.cdf(s * (days - 0.5), shape, scale=scale), 0.0)

    below_e = below(e)
    survive = 1.0 - below_e
    u = np.minimum(e + args.horizon_days, cut)
    with np.errstate(divide="ignore", invalid="ignore"):
        below_u = np.where(u > e, below(u), below_e)
        within_cut = np.where(survive > 0, (below_u - below_e) / survive, 1.0)
        within = np.where(survive > 0, (below(e + args.horizon_days) - below_e) / survive, 0.0)
    p_oracle = np.where(t["dead"].to_numpy() | (u <= e), 0.0, np.clip(within_cut, 0.0, 1.0))
    # Bayes' rule on the silence since the last order: still buying, or dropped out after it.
    active = MEAN_CONTINUATION * survive / (MEAN_CONTINUATION * survive + 1.0 - MEAN_CONTINUATION)
    p_rhythm = np.clip(active * np.nan_to_num(within), 0.0, 1.0)
    p_rhythm_ended = np.where(cut <= e, 0.0, p_rhythm)

    def log_quiet(days: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """log P(no order in the days - 1 days after the last one), for a pair that may have
        dropped out: days has one row per pair in rows, one column per candidate ending day."""
        below_days = np.where(
            days >= 2,
            gamma.cdf(s[rows, None] * (days - 0.5), shape[rows, None], scale=scale[rows, None]),
            0.0,
        )
        return np.log(1.0 - MEAN_CONTINUATION * below_days)

    # The history's span and each SKU's launch, as the generator drew them (near enough: its
    # first order is within two gaps of launch).
    first = orders["order_date"].min()
    span = (orders["order_date"].max() - first).days + 1
    as_of_day = args.as_of.toordinal()
    last_day = np.array([d.toordinal() for d in t["last"].to_list()])
    accounts = t["account_id"].to_numpy()
    skus = t["sku"].to_numpy()
    launch = dict(orders.group_by("sku").agg(pl.col("order_date").min()).iter_rows())
    churn_days = span - int(CHURN_FROM * span)
    churn = (first.toordinal() + int(CHURN_FROM * span), CHURN_SHARE / churn_days)
    account_windows = {a: churn for a in np.unique(accounts)}
    sku_windows = {}
    for k in np.unique(skus):
        start = launch[k].toordinal() + DISCONTINUED_AFTER_DAYS
        sku_windows[k] = (start, DISCONTINUED_SHARE / max(first.toordinal() + span - start, 1))
    ctx = (last_day, as_of_day, log_quiet)
    account_alive = ended_posterior(accounts, account_windows, np.ones(len(t)), ctx)
    sku_alive = ended_posterior(skus, sku_windows, account_alive, ctx)
    account_alive = ended_posterior(accounts, account_windows, sku_alive, ctx)
    p_history = p_rhythm * account_alive * sku_alive
    return t.select("account_id", "sku").with_columns(
        p_oracle=pl.Series(p_oracle),
        p_rhythm=pl.Series(p_rhythm),
        p_rhythm_ended=pl.Series(p_rhythm_ended),
        p_history=pl.Series(p_history),
    )


def ended_posterior(groups: np.ndarray, windows: dict, other_alive: np.ndarray, ctx) -> np.ndarray:
    """Per pair: the probability that its group (its account, or its SKU) still buys at as-of.

    A group ends on a day drawn uniformly from its window (windows[g] = (first day, chance per
    day)); no pair orders on or after it. Each pair of a group is silent from its last order to
    a day c with probability q(c) (log_quiet; 1 where the pair's other group has ended, which
    has probability 1 - other_alive), so the history's likelihood of an ending on day c is the
    product of q over the group's pairs, and P(still buying) follows by Bayes' rule over every
    day from the group's last order to as-of (daily for 60 days, then weekly)."""
    from scipy.special import logsumexp

    last_day, as_of, log_quiet = ctx
    alive = np.ones(len(groups))
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.r_[True, groups[order][1:] != groups[order][:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        rows = order[lo:hi]
        start, rate = windows[groups[rows[0]]]
        first_day = max(last_day[rows].max() + 1, start)
        if first_day > as_of:
            continue
        days = np.arange(first_day, as_of + 1)
        if days.size > 90:
            days = np.r_[days[:60], days[60::7]]
        weight = np.diff(np.r_[days, as_of + 1]).astype(float)
        other = np.clip(other_alive[rows, None], 1e-12, 1.0 - 1e-12)

        def log_silent(until: np.ndarray) -> np.ndarray:
            quiet = log_quiet((until[None, :] - last_day[rows, None]).astype(float), rows)
            return np.logaddexp(np.log1p(-other), np.log(other) + quiet).sum(axis=0)

        ended = logsumexp(np.log(rate * weight) + log_silent(days))
        going = np.log(max(1.0 - rate * (as_of - start), 1e-9)) + log_silent(np.array([as_of]))[0]
        alive[rows] = np.exp(going - np.logaddexp(going, ended))
    return alive


if __name__ == "__main__":
    main()
