"""How big each benchmark size is; `tiny` exists for the smoke test only."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    scale: str  # the `dangjian demo-data --scale` loaded for the data set
    import_rows: int  # rows of the roster file imported from empty
    runs: int  # warm requests timed per page
    baseline_sample: int  # rows saved one by one for the per-row baselines (the rate is extrapolated)
    baseline_budget_s: float  # time allowed for the per-organization baseline of the rollup


SIZES = {
    "tiny": Size("tiny", 60, 5, 20, 2.0),
    "small": Size("county", 2_000, 30, 2_000, 20.0),
    "medium": Size("prefecture", 20_000, 30, 2_000, 20.0),
    "large": Size("province", 100_000, 30, 2_000, 30.0),
}
