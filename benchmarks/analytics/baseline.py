"""The Python baseline of `portal analytics run`: the same work done with a typical data-team
stack (polars, statsforecast, lifetimes, scikit-learn), with the same command-line contract:

    baseline.py --orders FILE --as-of YYYY-MM-DD --out DIR
                [--horizon-days 30] [--bucket week|month] [--periods 6] [--lean]

With --lean, the lean stack: statsforecast's models and BG/NBD only. Every series goes through
one StatsForecast call for the models' point forecasts (no conformal intervals, no interval
levels; Naive stands in where AutoETS refuses a series), the quantiles are the history's (the
fallback below), and there is no classifier (the reorder file has p_bgnbd alone).

It writes DIR/forecasts.csv (sku, period_start, and for every statsforecast model
<model>_mean, <model>_q50, <model>_q90, <model>_q95), DIR/reorder_predictions.csv (account_id,
sku, p_bgnbd, p_classifier), DIR/timings.json (seconds per stage) and DIR/run.json (parameters,
counts, fitted parameters and the fallbacks that were needed).

Forecasts
    Every SKU's total series (built as in orderlines.py) is forecast by CrostonClassic,
    CrostonSBA, TSB (alpha_d = alpha_p = 0.1), ADIDA, IMAPA, AutoETS and SeasonalNaive (season
    12 for months, 52 for weeks), for `periods` periods. q50 is the point forecast; q90 is the
    upper end of the 80 % interval and q95 that of the 90 % interval. AutoETS and SeasonalNaive
    have intervals of their own; the intermittent-demand models get conformal intervals
    (statsforecast's ConformalIntervals, 2 windows of `periods`). Those need at least
    2 * periods + 1 periods of history, so the shorter series go through a second pass without
    them, and these fallbacks apply (run.json counts them):
      - an interval that cannot be had (the intermittent models on short series, SeasonalNaive
        on less than a season) is the empirical 90 % / 95 % quantile of the series' history;
      - a point forecast statsforecast leaves undefined (SeasonalNaive on less than a season)
        is the last value, as Naive's;
      - where AutoETS refuses a short series ("tiny datasets"), Naive stands in, with its own
        intervals (statsforecast's fallback_model; used in the short-series pass only, since it
        would otherwise silently replace a whole model that cannot give intervals).
    Every figure is clamped at 0, and q50 <= q90 <= q95 is enforced.

Reorder probabilities, per (account, SKU) pair with an order (quantity > 0) before as-of;
same-day lines are one order.
    BG/NBD (lifetimes' BetaGeoFitter) on frequency (repeat orders), recency (days from the first
    to the last order) and T (days from the first order to as-of); when the fit does not
    converge, it is redone with a small penalizer (0.0001, then 0.001, then 0.01), as lifetimes
    advises. The probability of at least one order in the h = horizon-days days after as-of:
    a customer still alive at T cannot drop out before ordering again (BG/NBD drops a customer
    only just after an order), and an alive customer's order rate has the posterior
    Gamma(r + x, alpha + T), so
        P(no order in (T, T + h] | alive) = ((alpha + T) / (alpha + T + h)) ** (r + x)
        p_bgnbd = P(alive | x, t_x, T) * (1 - ((alpha + T) / (alpha + T + h)) ** (r + x))
    with P(alive) from lifetimes' conditional_probability_alive. (For small h it agrees with
    lifetimes' conditional_expected_number_of_purchases_up_to_time, as it must.)
    Classifier: scikit-learn's HistGradientBoostingClassifier on snapshot features of every pair
    at the origins as_of - k * h (k = 1..4), labelled by whether the pair ordered in
    [origin, origin + h); it then scores the same features at as-of. (Should the training
    rows hold one class only, their rate is every pair's probability.)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl

from orderlines import INTERVAL, SEASON, parse_date, read_orders, training_series

# The statsforecast models, in the order of the output columns.
MODELS = [
    "CrostonClassic", "CrostonSBA", "TSB", "ADIDA", "IMAPA", "HistoricAverage", "AutoETS",
    "SeasonalNaive",
]  # fmt: skip
# Calibration windows of the conformal intervals.
CONFORMAL_WINDOWS = 2
# Interval levels: the upper end of the 80 % interval is the 90 % quantile, of the 90 % the 95 %.
LEVELS = {"q90": 80, "q95": 90}
# BG/NBD penalizers, tried in turn until the fit converges (lifetimes' advice on failure: the
# unpenalised likelihood can be flat along a/(a+b) when few pairs drop out, and scipy's BFGS
# then stops on "precision loss" at the optimum).
BGNBD_PENALIZERS = (0.0, 1e-4, 1e-3, 1e-2)
# Earlier origins whose snapshots train the classifier.
ORIGINS = 4


def main() -> None:
    args = parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    notes: dict[str, object] = {}
    started = time.perf_counter()

    def stage(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 3)
        return now

    t = time.perf_counter()
    orders = read_orders(args.orders)
    t = stage("read", t)

    series = training_series(orders, args.as_of, args.bucket)
    t = stage("series", t)

    forecasts, notes["forecast"] = forecast(series, args.bucket, args.periods, args.lean)
    t = stage("forecast", t)

    days = order_days(orders, args.as_of)
    p_bgnbd, notes["bgnbd"] = bgnbd(days, args.as_of, args.horizon_days)
    t = stage("bgnbd", t)

    if args.lean:
        reorders = p_bgnbd
    else:
        p_classifier, notes["classifier"] = classifier(days, args.as_of, args.horizon_days)
        t = stage("classifier", t)
        reorders = p_bgnbd.join(p_classifier, on=["account_id", "sku"], how="left")

    forecasts.write_csv(out / "forecasts.csv")
    reorders.sort("account_id", "sku").write_csv(out / "reorder_predictions.csv")
    t = stage("write", t)
    timings["total"] = round(t - started, 3)

    (out / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    run = {
        "params": {
            "orders": str(args.orders),
            "as_of": args.as_of.isoformat(),
            "horizon_days": args.horizon_days,
            "bucket": args.bucket,
            "periods": args.periods,
            "lean": args.lean,
        },
        "input": {"lines": orders.height, "series": series["sku"].n_unique()},
        **notes,
    }
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    print(
        f"baseline as of {args.as_of}: {p_bgnbd.height} reorder predictions, "
        f"{forecasts.height} forecast rows -> {out} ({timings['total']:.1f} s)"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", required=True, help="order lines, .csv or .parquet")
    parser.add_argument("--as-of", required=True, type=parse_date, help="YYYY-MM-DD")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--horizon-days", type=int, default=30)
    parser.add_argument("--bucket", choices=["month", "week"], default="month")
    parser.add_argument("--periods", type=int, default=6)
    parser.add_argument(
        "--lean", action="store_true", help="statsforecast's models and BG/NBD only"
    )
    return parser.parse_args()


# --- Forecasts ------------------------------------------------------------------------------


def forecast(
    series: pl.DataFrame, bucket: str, periods: int, lean: bool = False
) -> tuple[pl.DataFrame, dict]:
    """Every model's forecasts of every series: sku, period_start and the model columns."""
    # statsforecast's own warnings (e.g. about short series) are expected here.
    warnings.filterwarnings("ignore", module="statsforecast")
    from statsforecast import StatsForecast
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        TSB,
        AutoETS,
        CrostonClassic,
        CrostonSBA,
        HistoricAverage,
        Naive,
        SeasonalNaive,
    )
    from statsforecast.utils import ConformalIntervals

    class CountingNaive(Naive):
        """statsforecast's fallback model, counting the series it stands in for (it replaces
        the failing model silently otherwise)."""

        calls = 0

        def forecast(self, *args, **kwargs):
            CountingNaive.calls += 1
            return super().forecast(*args, **kwargs)

    def intermittent(intervals):
        return [
            CrostonClassic(prediction_intervals=intervals),
            CrostonSBA(prediction_intervals=intervals),
            TSB(alpha_d=0.1, alpha_p=0.1, prediction_intervals=intervals),
            ADIDA(prediction_intervals=intervals),
            IMAPA(prediction_intervals=intervals),
            HistoricAverage(prediction_intervals=intervals),
        ]

    def with_intervals():
        season = SEASON[bucket]
        return [AutoETS(season_length=season), SeasonalNaive(season_length=season)]

    data = series.rename({"sku": "unique_id"})
    lengths = data.group_by("unique_id").len()
    min_conformal = CONFORMAL_WINDOWS * periods + 1
    long_ids = lengths.filter(pl.col("len") >= min_conformal)["unique_id"].implode()
    long = data.filter(pl.col("unique_id").is_in(long_ids))
    short = data.filter(~pl.col("unique_id").is_in(long_ids))
    levels = list(LEVELS.values())
    freq = INTERVAL[bucket]

    parts = []
    if lean:
        points = StatsForecast(
            models=intermittent(None) + with_intervals(), freq=freq, n_jobs=-1,
            fallback_model=Naive(),
        )  # fmt: skip
        parts.append(points.forecast(df=data, h=periods))
    elif long.height:
        # One call for the long series: conformal intervals for the intermittent models. No
        # fallback model: a failure here is a failure of the baseline.
        conformal = ConformalIntervals(h=periods, n_windows=CONFORMAL_WINDOWS)
        sf = StatsForecast(models=intermittent(conformal) + with_intervals(), freq=freq, n_jobs=-1)
        parts.append(sf.forecast(df=long, h=periods, level=levels))
    if short.height and not lean:
        # The short series: the intermittent models' points only (no interval can be had for
        # them), then AutoETS and SeasonalNaive with theirs, Naive standing in where AutoETS
        # refuses a series. Single process, so that the stand-ins can be counted.
        points = StatsForecast(models=intermittent(None), freq=freq, n_jobs=-1)
        rest = StatsForecast(
            models=with_intervals(), freq=freq, n_jobs=1, fallback_model=CountingNaive()
        )
        parts.append(
            points.forecast(df=short, h=periods).join(
                rest.forecast(df=short, h=periods, level=levels),
                on=["unique_id", "ds"],
                how="inner",
            )
        )
    raw = pl.concat(parts, how="diagonal_relaxed") if parts else empty_forecast()

    # The fallbacks: the last value where a point forecast is undefined, the history's own
    # quantiles where an interval is.
    history = data.group_by("unique_id").agg(
        last=pl.col("y").sort_by("ds").last(),
        hist_q90=pl.col("y").quantile(0.9, interpolation="linear"),
        hist_q95=pl.col("y").quantile(0.95, interpolation="linear"),
    )
    raw = raw.join(history, on="unique_id", how="left")
    for model in MODELS:
        for level in levels:
            if f"{model}-hi-{level}" not in raw.columns:
                raw = raw.with_columns(pl.lit(None, pl.Float64).alias(f"{model}-hi-{level}"))
    columns = [pl.col("unique_id").alias("sku"), pl.col("ds").alias("period_start")]
    fallback_rows: dict[str, dict[str, int]] = {}
    for model in MODELS:
        point = pl.col(model).fill_nan(None)
        fallback_rows[model] = {"point_from_last_value": raw.select(point.null_count()).item()}
        mean = pl.coalesce(point, pl.col("last")).clip(lower_bound=0.0)
        columns += [mean.alias(f"{model}_mean"), mean.alias(f"{model}_q50")]
        previous = mean
        for name, level in LEVELS.items():
            upper = pl.col(f"{model}-hi-{level}").fill_nan(None)
            fallback_rows[model][f"{name}_from_history"] = raw.select(upper.null_count()).item()
            # Clamped at 0 and never below the quantile before it.
            quantile = pl.max_horizontal(pl.coalesce(upper, pl.col(f"hist_{name}")), previous)
            quantile = quantile.clip(lower_bound=0.0)
            columns.append(quantile.alias(f"{model}_{name}"))
            previous = quantile
    out = raw.select(columns).sort("sku", "period_start")
    notes = {
        "models": MODELS,
        "series": lengths.height,
        "series_with_conformal_intervals": 0
        if lean
        else long.select(pl.col("unique_id").n_unique()).item(),
        "min_periods_for_conformal": min_conformal,
        "autoets_series_replaced_by_naive": CountingNaive.calls,
        "fallback_rows": fallback_rows,
    }
    return out, notes


def empty_forecast() -> pl.DataFrame:
    columns = {"unique_id": pl.String, "ds": pl.Date}
    for model in MODELS:
        columns[model] = pl.Float64
        for level in LEVELS.values():
            columns[f"{model}-hi-{level}"] = pl.Float64
    return pl.DataFrame(schema=columns)


# --- Reorder probabilities ------------------------------------------------------------------


def order_days(orders: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Every pair's orders before as-of, one row per pair and order day (quantities summed),
    with the gap in days since the pair's previous order (null for its first)."""
    return (
        orders.lazy()
        .filter((pl.col("order_date") < as_of) & (pl.col("quantity") > 0))
        .group_by("account_id", "sku", "order_date")
        .agg(quantity=pl.col("quantity").sum())
        .sort("account_id", "sku", "order_date")
        .with_columns(
            gap=(pl.col("order_date") - pl.col("order_date").shift(1))
            .dt.total_days()
            .over("account_id", "sku")
        )
        .collect()
    )


def bgnbd(days: pl.DataFrame, as_of: dt.date, horizon: int) -> tuple[pl.DataFrame, dict]:
    """p_bgnbd per pair (see the module's documentation for the formula)."""
    from lifetimes import BetaGeoFitter
    from lifetimes.utils import ConvergenceError

    rfm = (
        days.group_by("account_id", "sku")
        .agg(
            frequency=pl.len() - 1,
            recency=(pl.col("order_date").max() - pl.col("order_date").min()).dt.total_days(),
            T=(pl.lit(as_of) - pl.col("order_date").min()).dt.total_days(),
        )
        .sort("account_id", "sku")
    )
    x = rfm["frequency"].to_numpy().astype(float)
    t_x = rfm["recency"].to_numpy().astype(float)
    T = rfm["T"].to_numpy().astype(float)
    fitter, failures = None, []
    for penalizer in BGNBD_PENALIZERS:
        # On failure lifetimes prints scipy's result and raises; the result goes to run.json.
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                fitter = BetaGeoFitter(penalizer_coef=penalizer).fit(x, t_x, T)
            break
        except ConvergenceError:
            message = next((ln for ln in printed.getvalue().splitlines() if "message" in ln), "")
            failures.append({"penalizer_coef": penalizer, "scipy": message.strip()})
    if fitter is None:
        raise RuntimeError(f"BG/NBD did not converge: {failures}")
    r, alpha = fitter.params_["r"], fitter.params_["alpha"]
    alive = np.asarray(fitter.conditional_probability_alive(x, t_x, T), dtype=float)
    p_none_if_alive = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + horizon)))
    p = np.clip(alive * (1.0 - p_none_if_alive), 0.0, 1.0)
    out = rfm.select("account_id", "sku").with_columns(p_bgnbd=pl.Series(p))
    notes = {
        "pairs": rfm.height,
        "params": {k: float(v) for k, v in fitter.params_.items()},
        "time_unit": "days",
        "penalizer_coef": fitter.penalizer_coef,
        "failed_fits": failures,
    }
    return out, notes


def snapshot(days: pl.DataFrame, origin: dt.date) -> pl.DataFrame:
    """The features of every pair with an order before `origin`, from those orders only."""
    before = days.lazy().filter(pl.col("order_date") < origin)
    since = (pl.lit(origin) - pl.col("order_date")).dt.total_days()
    pairs = before.group_by("account_id", "sku").agg(
        orders=pl.len(),
        days_since_last=since.min(),
        days_since_first=since.max(),
        mean_gap=pl.col("gap").mean(),
        gap_std=pl.col("gap").std(),
        last_gap=pl.col("gap").last(),
        orders_90d=(since <= 90).sum(),
        orders_365d=(since <= 365).sum(),
        mean_quantity=pl.col("quantity").mean(),
    )
    # How active the account is overall lately: lapsing accounts stop ordering everything.
    accounts = before.group_by("account_id").agg(
        account_days_90d=pl.col("order_date").filter(since <= 90).n_unique(),
        account_skus_90d=pl.col("sku").filter(since <= 90).n_unique(),
    )
    return (
        pairs.join(accounts, on="account_id", how="left")
        .with_columns(overdue=pl.col("days_since_last") / pl.col("mean_gap"))
        .sort("account_id", "sku")
        .collect()
    )


FEATURES = [
    "orders",
    "days_since_last",
    "days_since_first",
    "mean_gap",
    "gap_std",
    "last_gap",
    "orders_90d",
    "orders_365d",
    "mean_quantity",
    "account_days_90d",
    "account_skus_90d",
    "overdue",
]


def classifier(days: pl.DataFrame, as_of: dt.date, horizon: int) -> tuple[pl.DataFrame, dict]:
    """p_classifier per pair: trained on snapshots at earlier origins, scored at as-of."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    train = []
    for k in range(1, ORIGINS + 1):
        origin = as_of - dt.timedelta(days=k * horizon)
        ordered = (
            days.filter(
                (pl.col("order_date") >= origin)
                & (pl.col("order_date") < origin + dt.timedelta(days=horizon))
            )
            .select("account_id", "sku")
            .unique()
            .with_columns(label=pl.lit(1, pl.Int8))
        )
        train.append(
            snapshot(days, origin)
            .join(ordered, on=["account_id", "sku"], how="left")
            .with_columns(pl.col("label").fill_null(0))
        )
    train_frame = pl.concat(train)
    now = snapshot(days, as_of)
    x_train = train_frame.select(FEATURES).to_numpy().astype(float)
    y_train = train_frame["label"].to_numpy()
    x_now = now.select(FEATURES).to_numpy().astype(float)
    notes: dict[str, object] = {
        "train_rows": int(len(y_train)),
        "train_positive_rate": float(y_train.mean()) if len(y_train) else None,
        "origins": ORIGINS,
        "features": FEATURES,
    }
    if len(np.unique(y_train)) < 2:
        # One class only (no rows, or every pair behaved alike): its frequency is the estimate.
        p = np.full(now.height, float(y_train.mean()) if len(y_train) else 0.0)
        notes["fallback"] = "a single class in training: its rate for every pair"
    else:
        model = HistGradientBoostingClassifier(random_state=0)
        model.fit(x_train, y_train)
        p = model.predict_proba(x_now)[:, 1]
        notes["iterations"] = int(model.n_iter_)
    return now.select("account_id", "sku").with_columns(p_classifier=pl.Series(p)), notes


if __name__ == "__main__":
    main()
