"""A RoBERTa sequence classifier in plain torch (what transformers' RobertaForSequenceClassification
computes in eval mode), run from a state dict with Hugging Face's parameter names and a config dict.

The grader uses it without transformers: to compute reference steps for the small test models and to
rerun a submitted fine-tuned model. Shapes: input_ids and attention_mask (B, T) long -> logits (B, C).
"""
import math

import torch
import torch.nn.functional as F

INT_LIMITS = {"vocab_size": (5, 50_000), "hidden_size": (4, 1024), "num_hidden_layers": (1, 12),
              "num_attention_heads": (1, 16), "intermediate_size": (4, 4096),
              "max_position_embeddings": (4, 1024), "pad_token_id": (0, 50_000), "type_vocab_size": (1, 4)}


def check_config(cfg):
    """The fields the forward uses, checked (a submitted config is untrusted): {field: value}."""
    if not isinstance(cfg, dict):
        raise ValueError("the config is not a JSON object")
    out = {}
    for key, (low, high) in INT_LIMITS.items():
        value = cfg.get(key, 1 if key == "type_vocab_size" else None)
        if type(value) is not int or not low <= value <= high:
            raise ValueError(f"config {key} = {value!r} is not an int in [{low}, {high}]")
        out[key] = value
    eps = cfg.get("layer_norm_eps", 1e-12)
    if not isinstance(eps, (int, float)) or not 0 < eps < 1:
        raise ValueError("config layer_norm_eps is not a small positive number")
    if out["hidden_size"] % out["num_attention_heads"]:
        raise ValueError("config hidden_size is not a multiple of num_attention_heads")
    if cfg.get("hidden_act", "gelu") != "gelu":
        raise ValueError("config hidden_act is not gelu")
    out["layer_norm_eps"] = float(eps)
    return out


def expected_shapes(cfg, num_labels=2):
    """{parameter name: shape} of RobertaForSequenceClassification(cfg) (no pooler)."""
    H, I, L = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    e = "roberta.embeddings."
    shapes = {e + "word_embeddings.weight": (cfg["vocab_size"], H),
              e + "position_embeddings.weight": (cfg["max_position_embeddings"], H),
              e + "token_type_embeddings.weight": (cfg["type_vocab_size"], H),
              e + "LayerNorm.weight": (H,), e + "LayerNorm.bias": (H,),
              "classifier.dense.weight": (H, H), "classifier.dense.bias": (H,),
              "classifier.out_proj.weight": (num_labels, H), "classifier.out_proj.bias": (num_labels,)}
    for i in range(L):
        p = f"roberta.encoder.layer.{i}."
        for lin, (o, n) in {"attention.self.query": (H, H), "attention.self.key": (H, H),
                            "attention.self.value": (H, H), "attention.output.dense": (H, H),
                            "intermediate.dense": (I, H), "output.dense": (H, I)}.items():
            shapes[p + lin + ".weight"], shapes[p + lin + ".bias"] = (o, n), (o,)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[p + ln + ".weight"], shapes[p + ln + ".bias"] = (H,), (H,)
    return shapes


def check_state(state, cfg, num_labels=2):
    """Every parameter the forward uses is there with its shape, as a finite float tensor."""
    for key, shape in expected_shapes(cfg, num_labels).items():
        t = state.get(key)
        if not isinstance(t, torch.Tensor) or tuple(t.shape) != shape:
            got = "missing" if t is None else f"of shape {tuple(t.shape)}"
            raise ValueError(f"{key} is {got}; expected shape {shape}")
        if not t.is_floating_point() or not torch.isfinite(t).all():
            raise ValueError(f"{key} is not a finite float tensor")


def random_state(cfg, seed, num_labels=2, std=0.2):
    """Random float32 weights of every parameter (normal with std `std`; LayerNorm weights near 1)."""
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in expected_shapes(cfg, num_labels).items():
        t = torch.randn(shape, generator=g) * std
        state[key] = t + 1 if "LayerNorm.weight" in key else t
    return state


def _linear(state, prefix, x):
    return F.linear(x, state[prefix + ".weight"], state[prefix + ".bias"])


def _layer_norm(state, prefix, x, eps):
    return F.layer_norm(x, x.shape[-1:], state[prefix + ".weight"], state[prefix + ".bias"], eps)


def logits(state, cfg, input_ids, attention_mask):
    """(B, C) logits of the classifier (eval mode: no dropout); differentiable in the state's tensors."""
    H, nh, eps, pad = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"], cfg["pad_token_id"]
    B, T = input_ids.shape
    keep = input_ids.ne(pad).long()
    positions = torch.cumsum(keep, dim=1) * keep + pad
    e = "roberta.embeddings."
    x = (state[e + "word_embeddings.weight"][input_ids] + state[e + "position_embeddings.weight"][positions]
         + state[e + "token_type_embeddings.weight"][0])
    x = _layer_norm(state, e + "LayerNorm", x, eps)
    bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
    d = H // nh
    for i in range(cfg["num_hidden_layers"]):
        p = f"roberta.encoder.layer.{i}."
        q, k, v = (_linear(state, p + "attention.self." + n, x).view(B, T, nh, d).transpose(1, 2)
                   for n in ("query", "key", "value"))
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d) + bias, dim=-1)
        y = (a @ v).transpose(1, 2).reshape(B, T, H)
        x = _layer_norm(state, p + "attention.output.LayerNorm", _linear(state, p + "attention.output.dense", y) + x, eps)
        h = F.gelu(_linear(state, p + "intermediate.dense", x))
        x = _layer_norm(state, p + "output.LayerNorm", _linear(state, p + "output.dense", h) + x, eps)
    c = torch.tanh(_linear(state, "classifier.dense", x[:, 0]))
    return _linear(state, "classifier.out_proj", c)


def loss_and_logits(state, cfg, batch):
    out = logits(state, cfg, batch["input_ids"], batch["attention_mask"])
    return F.cross_entropy(out, batch["labels"]), out
