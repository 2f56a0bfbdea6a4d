"""Order lines and the per-SKU demand series, with polars, for the baseline and the scorer.

The series construction is the one `portal analytics run` documents: per SKU, demand summed
per period (a calendar month, or an ISO week starting on Monday), from the SKU's first period
with any line before as-of (lines of quantity 0 count for that start) to the last complete
period before as-of. The period holding as-of is not history: it is the first forecast period.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

# Polars' duration strings for the two buckets; truncating to "1w" gives the Monday.
INTERVAL = {"month": "1mo", "week": "1w"}
# Periods per year: the season of the seasonal models.
SEASON = {"month": 12, "week": 52}


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD command-line date."""
    return dt.date.fromisoformat(text)


def read_orders(path: str | Path) -> pl.DataFrame:
    """The order lines of a CSV or Parquet file (by extension), as account_id and sku (strings),
    order_date (a date) and quantity (a float). Other columns are dropped."""
    path = Path(path)
    columns = ["account_id", "sku", "order_date", "quantity"]
    if path.suffix.lower() in (".parquet", ".pq"):
        frame = pl.read_parquet(path, columns=columns)
    else:
        # Keys are text even when they look like numbers (car-part numbers do).
        frame = pl.read_csv(
            path,
            columns=columns,
            schema_overrides={"account_id": pl.String, "sku": pl.String, "order_date": pl.String},
        )
    date = pl.col("order_date")
    if frame.schema["order_date"] != pl.Date:
        date = date.cast(pl.String).str.to_date("%Y-%m-%d")
    return frame.select(
        pl.col("account_id").cast(pl.String),
        pl.col("sku").cast(pl.String),
        date.alias("order_date"),
        pl.col("quantity").cast(pl.Float64),
    )


def period_start(date: dt.date, bucket: str) -> dt.date:
    """The first day of the period holding `date`."""
    if bucket == "month":
        return date.replace(day=1)
    return date - dt.timedelta(days=date.weekday())


def shift_periods(start: dt.date, bucket: str, n: int) -> dt.date:
    """The first day of the period `n` periods after the one starting on `start`."""
    if bucket == "month":
        months = start.year * 12 + start.month - 1 + n
        return dt.date(months // 12, months % 12 + 1, 1)
    return start + dt.timedelta(weeks=n)


def training_series(orders: pl.DataFrame, as_of: dt.date, bucket: str) -> pl.DataFrame:
    """The demand series before `as_of`: one row per SKU and period, columns sku, ds (the
    period's first day) and y, ordered by SKU and period. SKUs without a complete period before
    as-of are left out; periods without lines inside a series have y = 0."""
    first_forecast = period_start(as_of, bucket)
    last = shift_periods(first_forecast, bucket, -1)
    demand = (
        orders.lazy()
        .filter(pl.col("order_date") < as_of)
        .with_columns(ds=pl.col("order_date").dt.truncate(INTERVAL[bucket]))
        .filter(pl.col("ds") < first_forecast)
        .group_by("sku", "ds")
        .agg(y=pl.col("quantity").sum())
    )
    grid = (
        demand.group_by("sku")
        .agg(first=pl.col("ds").min())
        .select("sku", ds=pl.date_ranges("first", pl.lit(last), INTERVAL[bucket]))
        .explode("ds")
    )
    return (
        grid.join(demand, on=["sku", "ds"], how="left")
        .with_columns(pl.col("y").fill_null(0.0))
        .sort("sku", "ds")
        .collect()
    )


def future_demand(
    orders: pl.DataFrame, as_of: dt.date, bucket: str, periods: int, skus: pl.Series
) -> pl.DataFrame:
    """The actual demand of `skus` in the `periods` forecast periods (the first holds as-of):
    columns sku, ds, y, one row per SKU and period, zeros where there were no lines."""
    first = period_start(as_of, bucket)
    starts = [shift_periods(first, bucket, k) for k in range(periods)]
    end = shift_periods(first, bucket, periods)
    demand = (
        orders.lazy()
        .filter((pl.col("order_date") >= first) & (pl.col("order_date") < end))
        .with_columns(ds=pl.col("order_date").dt.truncate(INTERVAL[bucket]))
        .group_by("sku", "ds")
        .agg(y=pl.col("quantity").sum())
    )
    grid = pl.LazyFrame({"sku": skus.unique()}).join(
        pl.LazyFrame({"ds": starts}, schema={"ds": pl.Date}), how="cross"
    )
    return (
        grid.join(demand, on=["sku", "ds"], how="left")
        .with_columns(pl.col("y").fill_null(0.0))
        .sort("sku", "ds")
        .collect()
    )
