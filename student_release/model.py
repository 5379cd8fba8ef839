"""Part 3 (given, do not change): a small character-level GPT (after minGPT and CS224N A5).

`GPT(config)` uses `attention.CausalSelfAttention` (variant "vanilla", with rotary positions) or
your `attention.SynthesizerAttention` (variant "synthesizer", with learned absolute positions: its
scores are a function of the key's position anyway). Parameters are saved with `save_params`
as {"config": ..., "state_dict": ...} (float16, to keep the files small) and read back with
`load_params`; `predict_places` is what `run.py evaluate` and the autograder use to answer the
birthplace questions: greedy decoding of the characters after the MASK.
"""
import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
from torch.nn import functional as F

import attention

MASK_CHAR = "\u2047"
PAD_CHAR = "\u25A1"


@dataclass
class GPTConfig:
    vocab_size: int
    block_size: int
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 96
    embd_pdrop: float = 0.0
    resid_pdrop: float = 0.0
    attn_pdrop: float = 0.0
    variant: str = "vanilla"  # or "synthesizer"


class Block(nn.Module):
    """A pre-LayerNorm transformer block."""

    def __init__(self, config):
        super().__init__()
        self.ln1 = nn.LayerNorm(config.n_embd)
        self.ln2 = nn.LayerNorm(config.n_embd)
        if config.variant == "synthesizer":
            self.attn = attention.SynthesizerAttention(config)
        else:
            self.attn = attention.CausalSelfAttention(config)
        self.mlp = nn.Sequential(
            nn.Linear(config.n_embd, 4 * config.n_embd),
            nn.GELU(),
            nn.Linear(4 * config.n_embd, config.n_embd),
            nn.Dropout(config.resid_pdrop),
        )

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """Token embeddings, n_layer blocks, a final LayerNorm and a linear head.

    Positions: the vanilla variant rotates queries and keys (RoPE, in CausalSelfAttention) and adds
    nothing to the input. Learned absolute position embeddings, as in CS224N A5, made a small model
    bind each memorised fact to the offset its name was seen at, so fine-tuning on questions (the name
    at another offset) could not reach it (autograder/calibration/part3.md). The synthesizer keeps
    them: its attention scores come from the query alone, which needs to know where it is.
    """

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        self.pos_emb = (nn.Parameter(torch.zeros(1, config.block_size, config.n_embd))
                        if config.variant == "synthesizer" else None)
        self.drop = nn.Dropout(config.embd_pdrop)
        self.blocks = nn.Sequential(*[Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.block_size = config.block_size
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)

    def get_block_size(self):
        return self.block_size

    def num_params(self):
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx, targets=None):
        """idx: (B, T) ids -> (logits (B, T, vocab), loss or None); PAD (id 0) targets are ignored."""
        b, t = idx.size()
        assert t <= self.block_size, "Cannot forward, model block size is exhausted."
        x = self.tok_emb(idx)
        if self.pos_emb is not None:  # synthesizer only
            x = x + self.pos_emb[:, :t, :]
        x = self.drop(x)
        logits = self.head(self.ln_f(self.blocks(x)))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=0)
        return logits, loss


# ------------------------------------------------------------------------------------------------
# Saving, loading, answering


def save_params(model, path):
    """Write {"config": dict, "state_dict": float16 tensors} to `path`."""
    state = {k: (v.detach().to("cpu", torch.float16) if v.is_floating_point() else v.detach().cpu())
             for k, v in model.state_dict().items()}
    torch.save({"config": asdict(model.config), "state_dict": state}, path)


def model_from_params(params, device="cpu"):
    """A GPT in eval mode from a dict {"config", "state_dict"} (what `save_params` writes)."""
    config = GPTConfig(**params["config"])
    model = GPT(config)
    state = {k: v.float() if v.is_floating_point() else v for k, v in params["state_dict"].items()}
    model.load_state_dict(state)
    return model.to(device).eval()


def load_params(path, device="cpu"):
    """The GPT saved at `path` (weights only: never unpickles code)."""
    return model_from_params(torch.load(path, map_location="cpu", weights_only=True), device)


def vocabulary(chars):
    """(stoi, itos) of CharCorruptionDataset for a corpus whose sorted characters are `chars`."""
    itos = [PAD_CHAR, MASK_CHAR] + sorted(set(chars))
    return {c: i for i, c in enumerate(itos)}, itos


@torch.no_grad()
def greedy_answers(model, prompts, stoi, itos, steps=32, batch_size=256):
    """For each prompt, greedily decode up to `steps` characters; returns the generated strings.

    Batched: each sequence is right-padded and reads its own last position, which the causal model
    makes equal to decoding it alone.
    """
    model.eval()
    device = next(model.parameters()).device
    block = model.get_block_size()
    out = []
    for start in range(0, len(prompts), batch_size):
        chunk = [[stoi[c] for c in p if c in stoi][-block:] for p in prompts[start:start + batch_size]]
        lengths = torch.tensor([len(c) for c in chunk], device=device)
        buf = torch.zeros(len(chunk), block, dtype=torch.long, device=device)
        for i, c in enumerate(chunk):
            buf[i, :len(c)] = torch.tensor(c, dtype=torch.long)
        generated = torch.full((len(chunk), steps), -1, dtype=torch.long, device=device)
        done = torch.zeros(len(chunk), dtype=torch.bool, device=device)
        rows = torch.arange(len(chunk), device=device)
        for step in range(steps):
            active = (~done) & (lengths < block) & (lengths > 0)
            if not bool(active.any()):
                break
            t = int(lengths.max())
            logits, _ = model(buf[:, :t])
            nxt = logits[rows, (lengths - 1).clamp(min=0)].argmax(dim=-1)
            idx = rows[active]
            buf[idx, lengths[idx]] = nxt[idx]
            generated[idx, step] = nxt[idx]
            done |= active & (nxt <= 1)  # PAD, or the MASK that ends the answer
            lengths = lengths + active.long()
        generated = [[itos[i] for i in row if i >= 0] for row in generated.tolist()]
        out.extend("".join(g) for g in generated)
    return out


def answer_prompt(question):
    """What the model continues to answer `question`: the question and a space, as in the corpus's quiz
    lines and dataset.NameDataset's fine-tuning examples ("Where was NAME born? PLACE⁇")."""
    return question + " "


def answer_of(question, generated):
    """The predicted place: what the model wrote after answer_prompt(question), up to the MASK that
    ends it (one line)."""
    return generated.split(MASK_CHAR)[0].replace(PAD_CHAR, "").split("\n")[0].strip()


def predict_places(params, vocab_chars, questions, device="cpu", batch_size=256):
    """Answers to `questions` by the model `params` (a dict from `torch.load(..., weights_only=True)`).

    vocab_chars: the sorted characters of the pretraining corpus (they define the vocabulary).
    """
    model = model_from_params(params, device)
    stoi, itos = vocabulary(vocab_chars)
    prompts = [answer_prompt(q) for q in questions]
    generated = greedy_answers(model, prompts, stoi, itos, batch_size=batch_size)
    return [answer_of(q, g) for q, g in zip(questions, generated)]


def continue_prompts(params, vocab_chars, prompts, device="cpu", steps=32):
    """Greedy continuations (str, up to `steps` characters) of `prompts` by the model `params` (the
    cloze probe: hw_support/cloze.py)."""
    stoi, itos = vocabulary(vocab_chars)
    return greedy_answers(model_from_params(params, device), list(prompts), stoi, itos, steps=steps)
