"""Part 2's experiment kit (given): the pictures and the table of `experiment.py`.

Every plotting function draws one matplotlib figure and saves it as a PNG (no window: the Agg backend),
so it also works over SSH and in the package's tests. matplotlib is imported only here.
"""
import json
import os


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    _plt().close(fig)


def curves(metrics, path):
    """Training loss and validation perplexity (at the training length) against the step."""
    plt = _plt()
    steps = [c["step"] for c in metrics["curve"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    left.plot(steps, [c["train_loss"] for c in metrics["curve"]], marker="o")
    left.set_xlabel("step")
    left.set_ylabel("training loss (nats)")
    right.plot(steps, [c["val_ppl"] for c in metrics["curve"]], marker="o", color="tab:orange")
    right.set_xlabel("step")
    right.set_ylabel("validation perplexity")
    fig.suptitle(metrics["name"])
    _save(fig, path)


def _positions_axes(ax, block_size):
    ax.axvline(block_size - 0.5, color="grey", ls="--", lw=1)
    ax.text(block_size - 0.5, ax.get_ylim()[1], " training length", va="top", fontsize=8, color="grey")
    ax.set_xlabel("position in the window")
    ax.set_ylabel("validation loss (nats)")


def positions(metrics, path):
    """Validation loss at each position of the longer windows; the dashed line is the training length."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.plot(metrics["loss_by_position"])
    _positions_axes(ax, metrics["config"]["block_size"])
    ax.set_title(f"{metrics['name']}: windows of {metrics['eval_len']} tokens")
    _save(fig, path)


def load(run):
    """A run's metrics from its folder or its metrics.json."""
    path = os.path.join(run, "metrics.json") if os.path.isdir(run) else run
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def table(runs):
    """A Markdown table: one row per run."""
    rows = ["| run | parameters | val. perplexity (train length) | val. perplexity (longer) | train time (s) |",
            "|---|---|---|---|---|"]
    for m in runs:
        rows.append(f"| {m['name']} | {m['n_parameters']} | {m['val_ppl']:.3f} | {m['val_ppl_long']:.3f} "
                    f"(len {m['eval_len']}) | {m['train_seconds']:.0f} |")
    return "\n".join(rows) + "\n"


def compare(run_paths, out):
    """Both comparison plots and compare.md for the runs, written to `out`; returns the runs' metrics."""
    plt = _plt()
    runs = [load(r) for r in run_paths]
    os.makedirs(out, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for m in runs:
        ax.plot([c["step"] for c in m["curve"]], [c["val_ppl"] for c in m["curve"]], marker="o", ms=3, label=m["name"])
    ax.set_xlabel("step")
    ax.set_ylabel("validation perplexity")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    _save(fig, os.path.join(out, "compare_perplexity.png"))
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for m in runs:
        ax.plot(m["loss_by_position"], label=m["name"])
    _positions_axes(ax, runs[0]["config"]["block_size"])
    ax.legend(fontsize=8)
    _save(fig, os.path.join(out, "compare_positions.png"))
    with open(os.path.join(out, "compare.md"), "w", encoding="utf-8") as f:
        f.write(table(runs))
    print(table(runs) + f"Wrote {out}/compare_perplexity.png, compare_positions.png, compare.md")
    return runs
