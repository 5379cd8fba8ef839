"""Part 4: a decoder-only language model and a classification head.

You write `TransformerBlock.forward`, `lm_collate_fn`, `sample_next_token` and `count_parameters`, then
the study's tools: `next_token_accuracy`, `mean_nll`, `pearson` and `top_k_continuations`.
`DecoderLM` (given) stacks your blocks into a GPT-style language model with an optional classifier
head; `train_lm.py` (given) pretrains it on data/lm_train.txt, fine-tunes it on the sentiment set and
writes the result files you submit. Shapes: B = batch, T = tokens, C = n_embd, V = vocabulary size.
Run `python check.py lm` to test your work.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD_ID = 0  # the id of <pad> in hw_support/lm_data.py's vocabulary


class TransformerBlock(nn.Module):
    """A pre-LayerNorm causal transformer block (GPT-2 style). x: (B, T, C) -> (B, T, C).

        x = x + dropout(c_proj(causal multi-head self-attention of ln_1(x)))
        x = x + mlp(ln_2(x))

    `c_attn` maps C channels to 3C: its output splits along the last dim into the queries, keys and
    values, in that order, each (B, T, C); attention uses `n_head` heads of C // n_head channels
    (head k gets channels k*d .. (k+1)*d - 1), and token i attends only to tokens 0..i. You may call
    your Part 2 function (`from attention import self_attention`) or write the attention here.

    `__init__` is given: keep the names of the submodules, the tests load weights by name.
    """

    def __init__(self, n_embd, n_head, mlp_ratio=4, dropout=0.0):
        super().__init__()
        assert n_embd % n_head == 0, "n_embd must be divisible by n_head"
        self.n_embd, self.n_head = n_embd, n_head
        self.ln_1 = nn.LayerNorm(n_embd)
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)  # queries, keys, values
        self.c_proj = nn.Linear(n_embd, n_embd)  # the attention's output projection
        self.resid_dropout = nn.Dropout(dropout)  # on the attention output, before the residual
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, mlp_ratio * n_embd), nn.GELU(),
                                 nn.Linear(mlp_ratio * n_embd, n_embd), nn.Dropout(dropout))

    def forward(self, x):
        raise NotImplementedError('forward: attention of ln_1(x) with a residual, then mlp of ln_2(x) with a residual')


def lm_collate_fn(batch, pad_id):
    """Pad a batch of (x, y) pairs to one length, for a DataLoader's `collate_fn`.

    batch: a list of B pairs (x, y) of 1-D LongTensors, x and y of the same length, the length
    varying from pair to pair. Returns (X, Y), two LongTensors of shape (B, T_max), T_max the longest
    x in the batch: row i holds x_i (y_i) followed by pad_id up to T_max (right padding, so that
    position t of every row is token t of its sentence).
    """
    raise NotImplementedError('lm_collate_fn: fill (B, T_max) tensors with pad_id, then copy each x and y to the start of its row')


def sample_next_token(logits, temperature=1.0, top_k=None, do_sample=False, generator=None):
    """The next token of each sequence: logits (B, V) -> (B,) LongTensor of token ids.

    do_sample=False: greedy, the argmax of each row (temperature and top_k do not change it).
    do_sample=True: divide the logits by `temperature`; if top_k is given, keep only the top_k largest
    logits of each row (the others get probability 0); draw one token from the softmax of what is
    left, with torch.multinomial (pass it `generator`) or an equivalent.
    """
    raise NotImplementedError('sample_next_token: argmax when greedy; else logits / temperature, keep the top_k, softmax, torch.multinomial')


def count_parameters(vocab_size, block_size, n_layer, n_embd, n_classes=None):
    """The number of parameters of `DecoderLM(vocab_size, block_size, n_layer, n_embd, n_head,
    n_classes=n_classes)` (learned positional embeddings, mlp_ratio 4), in closed form: do not build the model (the tests ask about
    models far too large to build). It must equal sum(p.numel() for p in model.parameters()).
    Count every weight and bias: embeddings, each block's LayerNorms, attention and MLP, the final
    LayerNorm, the LM head (no bias) and, when n_classes is given, the classifier head (with bias).
    """
    raise NotImplementedError('count_parameters: embeddings + n_layer blocks + final LayerNorm + heads, biases included')


# ------------------------------------------------------------------------------ the study's tools

def next_token_accuracy(logits, targets, pad_id):
    """Top-1 reconstruction accuracy: the fraction of the targets that are not pad_id whose token is
    the argmax of its logits. logits (B, T, V), targets (B, T) -> a Python float in [0, 1].

    Every non-pad position counts once (a long sentence weighs more than a short one); pad positions
    count neither as right nor as wrong. `targets` holds at least one token that is not pad_id.
    """
    raise NotImplementedError('next_token_accuracy: argmax over the vocabulary, compare with the targets, average over the non-pad positions')


def mean_nll(logits, targets, pad_id):
    """The mean negative log-likelihood per token, in nats: -log softmax(logits)[target] averaged over
    the positions whose target is not pad_id. logits (B, T, V), targets (B, T) -> a Python float.

    exp(mean_nll) is the perplexity. Like next_token_accuracy, every non-pad token counts once.
    """
    raise NotImplementedError("mean_nll: log_softmax, pick each target's log-probability, average minus that over the non-pad positions")


def pearson(xs, ys):
    """Pearson's correlation coefficient of two lists of n >= 2 numbers (not all equal in either):

        r = sum_i (x_i - mean x)(y_i - mean y) / sqrt(sum_i (x_i - mean x)^2 * sum_i (y_i - mean y)^2)

    Returns a Python float in [-1, 1]. Write the formula yourself (no np.corrcoef, torch.corrcoef or
    scipy.stats.pearsonr).
    """
    raise NotImplementedError('pearson: centre both lists, then covariance over the product of the standard deviations')


@torch.no_grad()
def top_k_continuations(model, prompt_ids, n_steps, k):
    """Greedy generation from `prompt_ids` (a list of token ids) that reports, at each of n_steps steps,
    the k most likely next tokens and their probabilities under `model`.

    At each step run `model` (a DecoderLM: model(idx) -> (logits, loss), idx of shape (1, T)) on the
    sequence so far, cropped to its last model.block_size tokens as DecoderLM.generate does; the next
    token's distribution is the softmax of the logits at the last position, over the whole vocabulary.
    Record its k most likely tokens, then append the most likely one (greedy) and go on.

    Returns a list of n_steps lists, each of k pairs (token_id, probability) as (int, float), most
    likely first: result[s][0][0] is the token appended at step s.
    """
    raise NotImplementedError('top_k_continuations: run the model on the last block_size tokens, softmax of the last logits, topk, append the argmax')


class DecoderLM(nn.Module):
    """Given. A GPT-style decoder: token + learned positional embeddings -> n_layer TransformerBlocks
    -> LayerNorm -> LM head (no bias), and with n_classes a classifier head on the last real token.

    forward(idx, targets=None, classify=False) -> (logits, loss):
      - idx (B, T) right-padded with pad_id. Language modelling: logits (B, T, V), loss the mean
        cross-entropy over the targets (B, T) that are not pad_id.
      - classify=True: logits (B, n_classes) read at each row's last token that is not pad_id,
        loss the cross-entropy with the labels `targets` (B,).
    pos_emb=False leaves out the positional embeddings (for the comparison in the notebook).
    """

    def __init__(self, vocab_size, block_size, n_layer, n_embd, n_head, n_classes=None, dropout=0.0,
                 pos_emb=True, pad_id=PAD_ID):
        super().__init__()
        self.block_size, self.pad_id = block_size, pad_id
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd) if pos_emb else None
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([TransformerBlock(n_embd, n_head, dropout=dropout) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.classifier_head = nn.Linear(n_embd, n_classes) if n_classes else None
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, mean=0.0, std=0.02)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx, targets=None, classify=False):
        B, T = idx.shape
        assert T <= self.block_size, f"sequence of length {T} longer than block_size {self.block_size}"
        x = self.wte(idx)
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(T, device=idx.device))
        x = self.drop(x)
        for block in self.blocks:
            x = block(x)
        x = self.ln_f(x)
        if classify:
            assert self.classifier_head is not None, "build the model with n_classes to classify"
            last = ((idx != self.pad_id).sum(dim=1) - 1).clamp(min=0)
            logits = self.classifier_head(x[torch.arange(B, device=idx.device), last])
            loss = F.cross_entropy(logits, targets) if targets is not None else None
            return logits, loss
        logits = self.lm_head(x)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=self.pad_id)
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, do_sample=False, top_k=None, generator=None):
        """Append max_new_tokens tokens to idx (B, T), each from sample_next_token on the last logits."""
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.block_size:])
            nxt = sample_next_token(logits[:, -1, :], temperature=temperature, top_k=top_k,
                                    do_sample=do_sample, generator=generator)
            idx = torch.cat([idx, nxt.reshape(-1, 1).to(idx.dtype)], dim=1)
        return idx


def sample_many(logits, n, seed, **kwargs):
    """Given (the tests call it): n draws of `sample_next_token(logits, **kwargs)` for every row of
    logits (B, V), with torch's random numbers seeded by `seed`. Returns an (n, B) LongTensor."""
    torch.manual_seed(seed)
    generator = torch.Generator(device=logits.device).manual_seed(seed)
    B = logits.shape[0]
    out = sample_next_token(logits.repeat(n, 1), generator=generator, **kwargs)
    return torch.as_tensor(out).reshape(n, B)
