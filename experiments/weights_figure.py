"""The Morris screening's heatmap: μ* of the top behavioural weights, scaled by each outcome's largest μ*.

`python -m experiments.weights_figure SENSITIVITY_CSV OUT_PNG [--top N]` draws it from the
`sensitivity.csv` that `borrowed-time analyze` writes for a Morris sweep (`weights-morris.toml`).
"""

from __future__ import annotations

import sys

import pandas as pd


def scaled_mu_star(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """Weights × outcomes table of μ* divided by the outcome's largest μ* (0 where no weight moves it)."""
    table = sensitivity.pivot_table(index="parameter", columns="outcome", values="mu_star", aggfunc="first")
    largest = table.max().where(lambda m: m > 0)
    scaled = (table / largest).fillna(0.0)
    return scaled.loc[scaled.mean(axis=1).sort_values(ascending=False).index]


def morris_heatmap(sensitivity: pd.DataFrame, top: int = 20):
    """The heatmap figure of the `top` weights by mean scaled μ*."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scaled = scaled_mu_star(sensitivity).head(top)
    figure, axis = plt.subplots(figsize=(9.5, 0.35 * len(scaled) + 2.6), layout="constrained")
    image = axis.imshow(scaled.to_numpy(), aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0)
    axis.set_yticks(range(len(scaled)), scaled.index, fontsize=9)
    axis.set_xticks(range(len(scaled.columns)), scaled.columns, rotation=40, ha="right", fontsize=9)
    axis.set_xlabel("Outcome")
    axis.set_ylabel("Behavioural weight")
    axis.set_title(f"Morris screening: top {len(scaled)} behavioural weights")
    figure.colorbar(image, ax=axis, label="μ* / largest μ* of the outcome")
    return figure


def main(argv: list[str] | None = None) -> int:
    """Draw the heatmap from a Morris sweep's sensitivity.csv into a PNG."""
    args = sys.argv[1:] if argv is None else argv
    top = 20
    if "--top" in args:
        at = args.index("--top")
        top = int(args[at + 1])
        args = args[:at] + args[at + 2 :]
    if len(args) != 2:
        print("usage: python -m experiments.weights_figure SENSITIVITY_CSV OUT_PNG [--top N]", file=sys.stderr)
        return 2
    sensitivity = pd.read_csv(args[0])
    if "mu_star" not in sensitivity.columns:
        print(f"error: {args[0]}: no mu_star column (not a Morris sweep's sensitivity.csv)", file=sys.stderr)
        return 2
    morris_heatmap(sensitivity[sensitivity["method"] == "morris"], top=top).savefig(args[1], dpi=100)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
