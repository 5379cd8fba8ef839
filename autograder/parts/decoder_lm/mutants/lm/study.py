"""Mutants and correct alternatives of Part 4's study functions in `lm.py` (next_token_accuracy,
mean_nll, pearson, top_k_continuations), a catalog of its own beside ../lm.py (hwbuild/catalogs.py reads mutants/lm.py and mutants/lm/*.py).
Format: hwbuild/mutants.py.
"""
from hwbuild.mutants import alternative as _a, mutant as _m

Q7 = "q4_7_next_token_accuracy"
Q8 = "q4_8_mean_nll"
Q9 = "q4_9_pearson"
Q10 = "q4_10_top_k_continuations"

ACC_RIGHT = "right = (logits.argmax(dim=-1) == targets) & keep"
ACC_RETURN = "return float(right.sum()) / float(keep.sum())"
LOGP = "logp = torch.log_softmax(logits.double(), dim=-1)"
NLL_RETURN = "return float(-(picked * keep).sum() / keep.sum())"
MEANS = "mx, my = sum(xs) / n, sum(ys) / n"
COV = "cov = sum(a * b for a, b in zip(dx, dy))"
R = "return cov / math.sqrt(sum(a * a for a in dx) * sum(b * b for b in dy))"
STEP_LOGITS = "logits, _ = model(idx[:, -model.block_size:])"
STEP_PROBS = "probs = torch.softmax(logits[0, -1].double(), dim=-1)"
STEP_TOP = "top = torch.topk(probs, k)"
STEP_RECORD = "out.append([(int(i), float(p)) for i, p in zip(top.indices, top.values)])"
STEP_APPEND = "idx = torch.cat([idx, top.indices[:1].reshape(1, 1)], dim=1)"
PROMPT = "idx = torch.tensor([list(prompt_ids)], dtype=torch.long)"


MUTANTS = [
    # ---- next_token_accuracy ------------------------------------------------------------------
    _m("next_token_accuracy", "pads counted in the denominator", [Q7], ACC_RETURN,
       "return float(right.sum()) / targets.numel()"),
    _m("next_token_accuracy", "pads counted as positions (right when the argmax is pad_id)", [Q7], ACC_RIGHT,
       "right = logits.argmax(dim=-1) == targets\n    keep = torch.ones_like(keep)"),
    _m("next_token_accuracy", "targets shifted once more (logits[:, :-1] against targets[:, 1:])", [Q7], code='''
def next_token_accuracy(logits, targets, pad_id):
    logits, targets = logits[:, :-1], targets[:, 1:]
    keep = targets != pad_id
    return float(((logits.argmax(dim=-1) == targets) & keep).sum()) / float(keep.sum())
'''),
    _m("next_token_accuracy", "mean of the per-sentence accuracies", [Q7], ACC_RETURN,
       "return float((right.sum(1).double() / keep.sum(1).clamp(min=1)).mean())"),
    _m("next_token_accuracy", "a percentage (x 100)", [Q7], ACC_RETURN,
       "return 100.0 * float(right.sum()) / float(keep.sum())"),

    # ---- mean_nll -----------------------------------------------------------------------------
    _m("mean_nll", "in bits (log base 2)", [Q8], NLL_RETURN,
       "return float(-(picked * keep).sum() / keep.sum()) / math.log(2)"),
    _m("mean_nll", "summed per sentence, averaged over sentences", [Q8], NLL_RETURN,
       "return float(-(picked * keep).sum() / targets.shape[0])"),
    _m("mean_nll", "summed over every token (no mean)", [Q8], NLL_RETURN, "return float(-(picked * keep).sum())"),
    _m("mean_nll", "pads not ignored", [Q8], NLL_RETURN, "return float(-picked.mean())"),
    _m("mean_nll", "mean of the per-sentence means", [Q8], NLL_RETURN,
       "return float((-(picked * keep).sum(1) / keep.sum(1)).mean())"),
    _m("mean_nll", "the perplexity exp(NLL) instead", [Q8], NLL_RETURN,
       "return math.exp(float(-(picked * keep).sum() / keep.sum()))"),
    _m("mean_nll", "log of the logits without the softmax's normalisation (logits as log-probabilities)", [Q8],
       LOGP, "logp = logits.double()"),

    # ---- pearson ------------------------------------------------------------------------------
    _m("pearson", "without centring (cosine similarity)", [Q9], MEANS, "mx, my = 0.0, 0.0"),
    _m("pearson", "covariance over n, standard deviations over n - 1", [Q9], R,
       "return (cov / n) / math.sqrt(sum(a * a for a in dx) / (n - 1) * sum(b * b for b in dy) / (n - 1))"),
    _m("pearson", "r squared", [Q9], R, "return cov ** 2 / (sum(a * a for a in dx) * sum(b * b for b in dy))"),
    _m("pearson", "absolute value", [Q9], R,
       "return abs(cov) / math.sqrt(sum(a * a for a in dx) * sum(b * b for b in dy))"),
    _m("pearson", "divided by the variances, not the standard deviations", [Q9], R,
       "return cov / (sum(a * a for a in dx) * sum(b * b for b in dy))"),
    _m("pearson", "the covariance only", [Q9], R, "return cov / (n - 1)"),
    _m("pearson", "x's deviation used twice in the denominator", [Q9], R,
       "return cov / sum(a * a for a in dx)"),

    # ---- top_k_continuations ------------------------------------------------------------------
    _m("top_k_continuations", "probabilities not normalised (exp of the logits)", [Q10], STEP_PROBS,
       "probs = torch.exp(logits[0, -1].double())"),
    _m("top_k_continuations", "probabilities renormalised over the k candidates", [Q10], STEP_RECORD,
       "out.append([(int(i), float(p / top.values.sum())) for i, p in zip(top.indices, top.values)])"),
    _m("top_k_continuations", "the path sampled rather than greedy", [Q10], STEP_APPEND,
       "idx = torch.cat([idx, torch.multinomial(probs, 1).reshape(1, 1)], dim=1)"),
    _m("top_k_continuations", "last prompt token dropped", [Q10], PROMPT,
       "idx = torch.tensor([list(prompt_ids)[:-1] or list(prompt_ids)], dtype=torch.long)"),
    _m("top_k_continuations", "prediction read one position early (logits[0, -2])", [Q10], STEP_PROBS,
       "probs = torch.softmax(logits[0, max(-2, -logits.shape[1])].double(), dim=-1)"),
    _m("top_k_continuations", "<s> prepended to the prompt", [Q10], PROMPT,
       "idx = torch.tensor([[1] + list(prompt_ids)], dtype=torch.long)"),
    _m("top_k_continuations", "least likely first", [Q10], STEP_TOP, "top = torch.topk(probs, k, largest=False)"),
    _m("top_k_continuations", "log-probabilities instead of probabilities", [Q10], STEP_RECORD,
       "out.append([(int(i), math.log(float(p))) for i, p in zip(top.indices, top.values)])"),
    _m("top_k_continuations", "no cropping to block_size (the positions run past it)", [Q10], STEP_LOGITS,
       "logits, _ = model(idx)"),
    _m("top_k_continuations", "the sequence is not extended (every step repeats the first)", [Q10], STEP_APPEND,
       "pass"),
]

ALTERNATIVES = [
    # ---- next_token_accuracy ------------------------------------------------------------------
    _a("next_token_accuracy", "boolean indexing of the non-pad positions, .mean() of floats", code='''
def next_token_accuracy(logits, targets, pad_id):
    mask = targets.ne(pad_id)
    pred = logits.argmax(-1)
    return (pred[mask] == targets[mask]).float().mean().item()
'''),
    _a("next_token_accuracy", "Python loops over the positions", code='''
def next_token_accuracy(logits, targets, pad_id):
    right = total = 0
    for b in range(targets.shape[0]):
        for t in range(targets.shape[1]):
            if int(targets[b, t]) != pad_id:
                total += 1
                right += int(torch.argmax(logits[b, t])) == int(targets[b, t])
    return right / total
'''),

    # ---- mean_nll -----------------------------------------------------------------------------
    _a("mean_nll", "F.cross_entropy with ignore_index", code='''
def mean_nll(logits, targets, pad_id):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad_id).item()
'''),
    _a("mean_nll", "logsumexp minus the target's logit, float32, boolean indexing", code='''
def mean_nll(logits, targets, pad_id):
    mask = targets != pad_id
    z = logits[mask]
    t = targets[mask]
    return float((torch.logsumexp(z, dim=-1) - z.gather(1, t[:, None]).squeeze(1)).mean())
'''),

    # ---- pearson ------------------------------------------------------------------------------
    _a("pearson", "torch tensors, sample covariance and standard deviations (n - 1 cancels)", code='''
def pearson(xs, ys):
    x = torch.tensor(xs, dtype=torch.float64)
    y = torch.tensor(ys, dtype=torch.float64)
    cov = ((x - x.mean()) * (y - y.mean())).sum() / (len(xs) - 1)
    return float(cov / (x.std() * y.std()))
'''),
    _a("pearson", "standardise, then average the products (population statistics)", code='''
def pearson(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs) / n)
    sy = math.sqrt(sum((y - my) ** 2 for y in ys) / n)
    return sum(((x - mx) / sx) * ((y - my) / sy) for x, y in zip(xs, ys)) / n
'''),

    # ---- top_k_continuations ------------------------------------------------------------------
    _a("top_k_continuations", "DecoderLM.generate for the path, sorted probabilities per step", code='''
def top_k_continuations(model, prompt_ids, n_steps, k):
    idx = torch.tensor(prompt_ids).long().unsqueeze(0)
    steps = []
    with torch.no_grad():
        for _ in range(n_steps):
            logits, _ = model(idx[:, -model.block_size:])
            p = F.softmax(logits[:, -1, :], dim=-1)[0]
            values, order = torch.sort(p, descending=True)
            steps.append(list(zip(order[:k].tolist(), values[:k].tolist())))
            idx = model.generate(idx, 1)
    return steps
'''),
    _a("top_k_continuations", "list of ids, log-softmax then exp, tuples built from tolist()", code='''
def top_k_continuations(model, prompt_ids, n_steps, k):
    ids = [int(i) for i in prompt_ids]
    result = []
    for _ in range(n_steps):
        ctx = torch.tensor(ids[-model.block_size:])[None]
        with torch.no_grad():
            logp = torch.log_softmax(model(ctx)[0][0, -1], dim=-1)
        vals, inds = logp.topk(k)
        result.append([(i, math.exp(v)) for i, v in zip(inds.tolist(), vals.tolist())])
        ids.append(result[-1][0][0])
    return result
'''),
]
