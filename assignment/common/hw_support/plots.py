"""Pictures for the notebooks: attention weights, attention maps, loss curves, accuracy bars.

Every function draws one matplotlib figure and shows it (`plt.show()`), so a notebook cell that
calls it gets exactly one picture. matplotlib is imported only here, when a notebook needs it.
"""
import numpy as np
import torch


def _plt():
    import matplotlib.pyplot as plt
    return plt


def _as_tensor(x):
    """A tensor, array or (nested) list of numbers as a float32 CPU tensor."""
    if isinstance(x, torch.Tensor):
        return x.detach().to("cpu", torch.float32)
    if isinstance(x, (list, tuple)) and any(isinstance(e, (torch.Tensor, np.ndarray, list, tuple)) for e in x):
        return torch.stack([_as_tensor(e) for e in x])
    return torch.as_tensor(np.asarray(x, dtype=np.float32))


def _annotate(ax, values, fmt="{:.2f}", vmin=None, vmax=None, dark_high=True):
    """Write each value on its square, white on the dark end of the colour map."""
    vmin = float(values.min()) if vmin is None else vmin
    vmax = float(values.max()) if vmax is None else vmax
    mid = 0.5 * (vmin + vmax)
    for (i, j), v in np.ndenumerate(values):
        dark = (v > mid) if dark_high else (v < mid)
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=8, color="white" if dark else "black")


def key_similarities(K, names=None):
    """Heatmap of the dot products k_i . k_j of the rows of K: which keys a query can tell apart."""
    plt = _plt()
    K = _as_tensor(K)
    names = names or [f"k_{i}" for i in range(K.shape[0])]
    sims = (K @ K.T).numpy()
    fig, ax = plt.subplots(figsize=(3.6, 3.2))
    im = ax.imshow(sims, cmap="viridis")
    _annotate(ax, sims, dark_high=False)
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    ax.set_title("dot products $k_i \\cdot k_j$")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    plt.show()


def query_attention(attention, q, K, V, target, title, tolerance=0.05):
    """Attention weights softmax(q K^T) of one query (bar chart) or of one query per row (heatmap),
    and the head's output `attention(q, K, V)` next to the target. Prints the max abs error."""
    plt = _plt()
    q, K, V, target = (_as_tensor(t) for t in (q, K, V, target))
    weights = torch.softmax(q @ K.T, dim=-1)
    out = _as_tensor(attention(q, K, V))
    err = (out - target).abs().max().item()
    keys = [f"k_{i}" for i in range(K.shape[0])]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    if q.dim() == 1:
        left.bar(keys, weights.numpy(), color="tab:blue")
        left.set_ylim(0, 1.05)
        left.set_ylabel("attention weight")
        for i, w in enumerate(weights.tolist()):
            left.text(i, w + 0.02, f"{w:.2f}", ha="center", fontsize=8)
        dims = np.arange(out.shape[-1])
        right.bar(dims - 0.2, out.numpy(), width=0.4, label="output")
        right.bar(dims + 0.2, target.numpy(), width=0.4, label="target")
        right.set_xticks(dims, [f"dim {d}" for d in dims])
        right.axhline(0, color="grey", lw=0.5)
        right.legend(fontsize=8)
    else:
        rows = [f"q_{i}" for i in range(q.shape[0])]
        left.imshow(weights.numpy(), vmin=0, vmax=1, cmap="Blues")
        _annotate(left, weights.numpy(), vmin=0, vmax=1)
        left.set_xticks(range(len(keys)), keys)
        left.set_yticks(range(len(rows)), rows)
        left.set_title("attention weights (row: query)")
        e = (out - target).abs().numpy()
        top = max(2 * tolerance, float(e.max()))
        right.imshow(e, vmin=0, vmax=top, cmap="Reds")
        _annotate(right, e, "{:.3f}", vmin=0, vmax=top)
        right.set_yticks(range(len(rows)), [f"out_{i}" for i in range(len(rows))])
        right.set_xticks(range(e.shape[1]), [f"dim {d}" for d in range(e.shape[1])])
        right.set_title("|output - target|")
    verdict = "within" if err <= tolerance else "NOT within"
    right.set_xlabel(f"max abs error {err:.4f} ({verdict} {tolerance})")
    fig.suptitle(title)
    fig.tight_layout()
    plt.show()
    print(f"{title}: max abs error {err:.4f}, {verdict} {tolerance}")


def attention_map(weights, tokens, title="attention weights", head_names=None):
    """Heatmaps of attention weights (T, T) or (h, T, T): row = query token, column = key token."""
    plt = _plt()
    w = _as_tensor(weights)
    if w.dim() == 2:
        w = w.unsqueeze(0)
    h = w.shape[0]
    head_names = head_names or [f"head {i}" for i in range(h)]
    fig, axes = plt.subplots(1, h, figsize=(3.8 * h, 3.8), squeeze=False)
    for ax, wh, name in zip(axes[0], w.numpy(), head_names):
        im = ax.imshow(wh, vmin=0, vmax=1, cmap="Blues")
        ax.set_xticks(range(len(tokens)), tokens, rotation=90)
        ax.set_yticks(range(len(tokens)), tokens)
        ax.set_xlabel("key (attended to)")
        ax.set_title(name)
    axes[0][0].set_ylabel("query")
    fig.colorbar(im, ax=axes[0].tolist(), fraction=0.03)
    fig.suptitle(title)
    plt.show()


def mask_picture(mask, title="causal mask"):
    """The mask as an image (any dtype; shown as numbers)."""
    plt = _plt()
    m = _as_tensor(torch.as_tensor(mask).to(torch.float32))
    fig, ax = plt.subplots(figsize=(3.2, 3.2))
    ax.imshow(m.numpy(), cmap="Greys")
    _annotate(ax, m.numpy(), "{:g}", vmin=0, vmax=1)
    ax.set_xlabel("key position j")
    ax.set_ylabel("query position i")
    ax.set_title(title)
    fig.tight_layout()
    plt.show()


def loss_curves(curves, title="training loss", xlabel="step", ylabel="loss", logy=False):
    """Line plot of {name: losses} or {name: [(step, loss), ...]}."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for name, values in curves.items():
        values = list(values)
        if values and isinstance(values[0], (list, tuple)):
            xs, ys = zip(*values)
        else:
            xs, ys = range(1, len(values) + 1), values
        ax.plot(list(xs), list(ys), label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if curves:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    plt.show()


def accuracy_bars(accuracies, title="accuracy", baseline=None, unit="%"):
    """Horizontal bars of {name: accuracy}; `baseline` (a number) is drawn as a dashed line."""
    plt = _plt()
    names = list(accuracies)
    values = [float(accuracies[n]) for n in names]
    fig, ax = plt.subplots(figsize=(6.5, 0.5 * len(names) + 1.2))
    ax.barh(names, values, color="tab:blue")
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.1f}{unit}", va="center", fontsize=8)
    if baseline is not None:
        ax.axvline(float(baseline), color="tab:red", ls="--", label=f"baseline {float(baseline):.1f}{unit}")
        ax.legend(fontsize=8, loc="lower right")
    ax.set_xlim(0, 1.2 * max([*values, float(baseline or 0), 1.0]))
    ax.invert_yaxis()
    ax.set_xlabel(f"accuracy ({unit})")
    ax.set_title(title)
    fig.tight_layout()
    plt.show()
