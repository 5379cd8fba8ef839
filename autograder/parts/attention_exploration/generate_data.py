"""Part 1's keys K and values V for the term: UW's published ones, or drawn from a seed.

The term chooses in assignment/assignment.yml, in Part 1's entry (part.yml's `options` lists the choices):

    matrices: uw          UW CSE 447/517's 4x3 K and V (their worked answers are public)
    matrices: {seed: N}   K and V drawn from seed N (`python build.py --data-seed N` writes this choice)

`term_data(options)` gives the build {"matrices", "K", "V"}; it goes to hw_support/part_data.json,
which query_crafting.setup_k_and_v, the tests (hw_support/exploration.py) and the notebook read.

A draw is kept only if `problems(K, V)` is empty:
- the reference solution (assignment/parts/attention_exploration/query_crafting.py) solves every
  exercise with half the tolerance to spare;
- the keys are far from degenerate (their differences span R^3, so only the zero query weighs all
  four equally, as written question 1.3 expects) and any two values differ by more than 0.15;
- the exercise that cannot be done reliably in general stays so: a small query that averages v_0
  and v_1 well, 5 (k_0 + k_1), leaves no unit-norm k_2 that selects v_2 (written 1.6, the catalog's
  scale-5 mutant);
- UW's public answers, hard-coded, fail every exercise whose answer depends on K (select_first,
  select_all, average_first_two, new_k2_average_first_three);
- the mutant catalog (mutants/query_crafting.py) stays right for the six exercises on K and V, as
  `build.py verify` will check: every
  mutant fails the questions of its caught_by and every alternative passes, graded here as the tests
  grade (`graded`); e.g. 200 (k_0 + k_1) must tip the balance of k_0 and k_1 (written 1.4), and v_0
  used as a query must not select v_0.
"""
import functools
import random
import re

import numpy as np
import torch
import yaml

from hwbuild import parts

PART = "attention_exploration"
TOLERANCE = 0.05  # query_crafting.TOLERANCE: max abs error of the attention output
MARGIN = TOLERANCE / 2  # the reference solution's largest error on a drawn term
MIN_SPAN = 0.2  # |det(k_1 - k_0, k_2 - k_0, k_3 - k_0)|: the differences of the keys span R^3
MAX_ATTEMPTS = 100_000
UW = {"K": [[0.47, 0.65, 0.60], [0.64, 0.50, -0.59], [-0.03, -0.48, -0.88], [0.43, -0.83, 0.35]],
      "V": [[-0.07, -0.88, 0.47], [0.37, -0.93, -0.07], [-0.25, -0.75, 0.61], [0.94, 0.20, 0.28]]}


def attend(q, keys, V):
    """softmax(q keys^T) V in float64 (as hw_support/exploration.py grades, in numpy: drawing tries many)."""
    scores = q @ keys.T
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return (w / w.sum(axis=-1, keepdims=True)) @ V


def with_k2(K, k2):
    keys = K.copy()
    keys[2] = k2
    return keys


def error(K, V, name, a, q=None):
    """The max abs error of answer `a` to exercise `name` on K, V (float64 arrays), as the tests grade;
    the key exercises with the query q."""
    targets = {"select_first": V[0], "select_all": V, "average_all": V.mean(0), "average_first_two": (V[0] + V[1]) / 2,
               "new_k2_average_first_three": V[:3].mean(0), "new_k2_select_third": V[2]}
    out = attend(q, with_k2(K, a), V) if name.startswith("new_k2") else attend(a, K, V)
    return float(np.abs(out - targets[name]).max())


def errors(K, V, answers):
    """{exercise: max abs error} of `answers` ({exercise: array}); the key exercises use
    answers["average_first_two"] as q."""
    return {name: error(K, V, name, a, answers["average_first_two"]) for name, a in answers.items()}


def reference_answers(K):
    """The reference solution's answers (query_crafting.py's solution blocks) for keys K."""
    q = 20.0 * (K[0] + K[1])
    return {"select_first": 20.0 * K[0], "select_all": 20.0 * K, "average_all": np.zeros(3),
            "average_first_two": q, "new_k2_average_first_three": K[0].copy(), "new_k2_select_third": q / np.linalg.norm(q)}


SHAPES = {"select_first": (3,), "select_all": (4, 3), "average_all": (3,), "average_first_two": (3,),
          "new_k2_average_first_three": (3,), "new_k2_select_third": (3,)}


def _array(x):
    """An answer (tensor, array, number or nested list of them) as a float64 array."""
    if isinstance(x, (list, tuple)) and any(isinstance(e, (torch.Tensor, np.ndarray, list, tuple)) for e in x):
        return np.stack([_array(e) for e in x])
    if isinstance(x, torch.Tensor):
        x = x.detach().to("cpu", torch.float64).numpy()
    return np.asarray(x, dtype=np.float64)


def graded(K, V, functions):
    """{exercise: passes} of the reference solution with `functions` ({exercise: fn(K, V[, q])}) in its
    place, as the tests grade: float32 inputs, shape, finite values, error <= TOLERANCE, the key
    exercises with this q (the average_first_two answer) and |k2| = 1 within 0.001 for select_third."""
    K32, V32 = torch.tensor(K, dtype=torch.float32), torch.tensor(V, dtype=torch.float32)
    ref = reference_answers(K)

    def answer(name, *q):
        try:
            a = _array(functions[name](K32.clone(), V32.clone(), *q)) if name in functions else None
        except Exception:
            return None
        if a is None:
            q0 = q[0].double().numpy() if q else None
            a = q0 / np.linalg.norm(q0) if name == "new_k2_select_third" else ref[name]
        return a if a.shape == SHAPES[name] and np.isfinite(a).all() else None

    answers = {name: answer(name) for name in SHAPES if not name.startswith("new_k2")}
    q = answers["average_first_two"]
    for name in ("new_k2_average_first_three", "new_k2_select_third"):
        answers[name] = None if q is None else answer(name, torch.tensor(q, dtype=torch.float32))
    out = {}
    for name, a in answers.items():
        if a is None or (name.startswith("new_k2") and q is None):
            out[name] = False
            continue
        err = error(K, V, name, a, q)
        out[name] = err <= TOLERANCE and (name != "new_k2_select_third" or abs(np.linalg.norm(a) - 1) <= 1e-3)
    return out


_CATALOG = []  # [(kind, name, exercises it must fail, {exercise: fn})], compiled once


def catalog():
    """Part 1's mutants and alternatives (mutants/query_crafting.py), each as its functions."""
    if not _CATALOG:
        cat = parts.hidden_module(PART, "mutants/query_crafting.py")
        for kind, variants in (("mutant", cat.MUTANTS), ("alternative", cat.ALTERNATIVES)):
            for v in variants:
                if v.function not in SHAPES:  # the general math (copy_query, ...): graded on random keys, not K, V
                    continue
                if v.code is None:
                    raise ValueError(f"{v.name}: generate_data.py checks variants given as code= only")
                namespace = {"torch": torch}
                exec(compile(v.code, f"<{kind} {v.name}>", "exec"), namespace)
                functions = {n: f for n, f in namespace.items() if n in SHAPES}
                must_fail = [re.sub(r"^q\d+_\d+_", "", q) for q in getattr(v, "caught_by", [])]
                _CATALOG.append((kind, v.name, must_fail, functions))
    return _CATALOG


def catalog_problems(K, V):
    """The first of the catalog's variants that K, V would let through: a mutant that passes a question it
    must lose points in, or an alternative that fails one (`build.py verify` on the term would fail).
    The variant found moves to the front, so that the next draws try the likely failures first."""
    variants = catalog()
    for i, (kind, name, must_fail, functions) in enumerate(variants):
        passes = graded(K, V, functions)
        if (kind == "mutant" and any(passes[e] for e in must_fail)) or (kind == "alternative" and not all(passes.values())):
            variants.insert(0, variants.pop(i))
            return [f"the {kind} '{name}' " + ("passes" if kind == "mutant" else "fails")]
    return []


def problems(K, V):
    """Why K, V (float64 arrays, (4, 3)) would not make a good term; [] when they do (the first reason found
    when the reference solution fails: drawing tries many)."""
    found = [f"the reference {name} has error {err:.3f} > {MARGIN}"
             for name, err in errors(K, V, reference_answers(K)).items() if not err <= MARGIN]
    if found:
        return found
    gap = min(float(np.abs(V[i] - V[j]).max()) for i in range(4) for j in range(i))
    if gap <= 3 * TOLERANCE:
        found.append(f"two values differ by at most {gap:.2f} everywhere: picking the wrong one could pass")
    span = abs(float(np.linalg.det(K[1:] - K[0])))
    if span < MIN_SPAN:
        found.append(f"the key differences nearly lie in a plane (|det| {span:.3f} < {MIN_SPAN})")
    small = 5.0 * (K[0] + K[1])  # balanced but small: averages v_0, v_1 yet leaves q . k_2 <= |q| too small
    if not errors(K, V, {**reference_answers(K), "average_first_two": small})["average_first_two"] <= TOLERANCE:
        found.append("the small query 5 (k_0 + k_1) does not average v_0 and v_1")
    best = errors(K, V, {**reference_answers(K), "average_first_two": small,
                         "new_k2_select_third": small / np.linalg.norm(small)})  # the largest score q . k2
    if not best["new_k2_select_third"] > 2 * TOLERANCE:
        found.append("with the small query 5 (k_0 + k_1), a unit-norm k_2 still selects v_2")
    uw_K = np.array(UW["K"])
    if not np.array_equal(K, uw_K):
        hard_coded = errors(K, V, reference_answers(uw_K))
        for name in ("select_first", "select_all", "average_first_two", "new_k2_average_first_three"):
            if not hard_coded[name] > 2 * TOLERANCE:
                found.append(f"UW's {name} answer, hard-coded, has error {hard_coded[name]:.3f} <= {2 * TOLERANCE}")
    return found or catalog_problems(K, V)


@functools.lru_cache(maxsize=None)
def draw(seed):
    """(K, V, attempts) for `seed`: unit keys and values in [-1, 1], two decimals (tuples of rows), redrawn
    until problems() is empty. Deterministic (random.Random); cached (a build asks twice)."""
    rng = random.Random(seed)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        keys = []
        for _ in range(4):
            g = [rng.gauss(0, 1) for _ in range(3)]
            norm = sum(x * x for x in g) ** 0.5
            keys.append([round(x / norm, 2) + 0.0 for x in g])  # + 0.0: no -0.0
        values = [[round(rng.uniform(-1, 1), 2) + 0.0 for _ in range(3)] for _ in range(4)]
        if not problems(np.array(keys), np.array(values)):
            return tuple(map(tuple, keys)), tuple(map(tuple, values)), attempt
    raise RuntimeError(f"seed {seed}: no good K, V in {MAX_ATTEMPTS} draws")


def term_data(options):
    """{"matrices": "uw" or "seed N", "K": rows, "V": rows} for the part's options (part.yml, assignment.yml)."""
    choice = options["matrices"]
    if choice == "uw":
        return {"matrices": "uw", **UW}
    K, V, _ = draw(choice["seed"])
    return {"matrices": f"seed {choice['seed']}", "K": [list(k) for k in K], "V": [list(v) for v in V]}


def write(seed, config=parts.CONFIG):
    """`python build.py --data-seed N`: set Part 1's entry of `config` to `matrices: {seed: N}`; a summary."""
    with open(config, encoding="utf-8") as f:
        text = f.read()
    root = yaml.compose(text)
    entries = next((v.value for k, v in root.value if k.value == "parts"), [])
    entry = next((e for e in entries if isinstance(e, yaml.MappingNode)
                  and any(k.value == "part" and v.value == PART for k, v in e.value)), None)
    value = entry and next((v for k, v in entry.value if k.value == "matrices"), None)
    if value is None:
        raise parts.MasterError(parts.rel(config), entry.start_mark.line + 1 if entry else 1,
                                f"--data-seed: give {PART}'s entry a `matrices:` key (e.g. matrices: uw) to draw into")
    new = text[:value.start_mark.index] + f"{{seed: {seed}}}" + text[value.end_mark.index:]
    with open(config, "w", encoding="utf-8") as f:
        f.write(new)
    K, V, attempts = draw(seed)
    return (f"Part {PART}: {parts.rel(config)} now draws K and V with seed {seed} (draw {attempts} kept; "
            f"`matrices: uw` restores UW's): K = {[list(k) for k in K]}, V = {[list(v) for v in V]}")
