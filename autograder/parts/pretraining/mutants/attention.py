"""Mutants and correct alternatives of Part 3's `SynthesizerAttention.forward` (in `attention.py`).

Part 3 writes this class in attention.py (a fragment appended to Part 2's module); verify merges
the catalogs of a module from every selected part. Format: hwbuild/mutants.py.
"""
from hwbuild.mutants import Alternative, Mutant


def _m(function, name, caught_by, old, new):
    return Mutant(function=function, name=name, caught_by=caught_by, replace=(old, new))


# ---- Part 3: SynthesizerAttention.forward ----------------------------------------------------------
QS = "q3_2_synthesizer"
SYN_A = "a = torch.relu(self.w1(x)).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, h, T, d)"
SYN_SCORES = "scores = a @ self.w2[:, :T] + self.b2[:T]  # (B, h, T, T)"
SYN_MASK = 'scores = scores.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))'
SYN_ATT = "att = self.attn_drop(torch.softmax(scores, dim=-1))"
SYN_V = "v = self.value(x).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)"
SYN_OUT = "return self.resid_drop(self.proj(y))"
SYN_Y = "y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)"
SYN_INIT = '''
class SynthesizerAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        config = as_config(config)
        assert config.n_embd % config.n_head == 0
        self.w1 = nn.Linear(config.n_embd, config.n_embd)
        self.w2 = nn.Parameter(torch.zeros(config.n_embd // config.n_head, config.block_size))
        self.b2 = nn.Parameter(torch.zeros(config.block_size))
        self.value = nn.Linear(config.n_embd, config.n_embd)
        self.attn_drop = nn.Dropout(config.attn_pdrop)
        self.resid_drop = nn.Dropout(config.resid_pdrop)
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.register_buffer("mask", torch.tril(torch.ones(config.block_size, config.block_size))
                             .view(1, 1, config.block_size, config.block_size))
        self.n_head = config.n_head
        self.block_size = config.block_size
        nn.init.uniform_(self.w2, -0.001, 0.001)
'''

MUTANTS = [
    _m("SynthesizerAttention", "no ReLU", [QS], SYN_A,
       "a = self.w1(x).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)"),
    _m("SynthesizerAttention", "no causal mask", [QS], SYN_MASK, "pass"),
    _m("SynthesizerAttention", "softmax over dim -2", [QS], SYN_ATT,
       "att = self.attn_drop(torch.softmax(scores, dim=-2))"),
    _m("SynthesizerAttention", "mask applied after the softmax (rows no longer sum to 1)", [QS],
       SYN_MASK + "\n        " + SYN_ATT,
       "att = self.attn_drop(torch.softmax(scores, dim=-1) * self.mask[:, :, :T, :T])"),
    _m("SynthesizerAttention", "w2 and b2 not sliced to T (fails for T < block_size)", [QS], SYN_SCORES,
       "scores = a @ self.w2 + self.b2"),
    _m("SynthesizerAttention", "b2 left out", [QS], SYN_SCORES, "scores = a @ self.w2[:, :T]"),
    _m("SynthesizerAttention", "output projection left out", [QS], SYN_OUT, "return self.resid_drop(y)"),
    _m("SynthesizerAttention", "heads split as (d, h) instead of (h, d)", [QS], SYN_A,
       "a = torch.relu(self.w1(x)).view(B, T, C // self.n_head, self.n_head).transpose(1, 2).transpose(2, 3)"),
    _m("SynthesizerAttention", "attends over x instead of the values", [QS], SYN_V,
       "v = x.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)"),
    _m("SynthesizerAttention", "scores scaled by 1/sqrt(d) as in dot-product attention", [QS], SYN_SCORES,
       "scores = (a @ self.w2[:, :T] + self.b2[:T]) / math.sqrt(C // self.n_head)"),
    _m("SynthesizerAttention", "heads merged without moving the head axis back", [QS], SYN_Y,
       "y = (att @ v).reshape(B, T, C)"),
]

ALTERNATIVES = [
    Alternative(function="SynthesizerAttention", name="einsum, mask with -1e10 as in CS224N", code=SYN_INIT + '''
    def forward(self, x):
        B, T, C = x.size()
        h = self.n_head
        a = torch.relu(self.w1(x)).reshape(B, T, h, C // h)
        scores = torch.einsum("bthd,ds->bhts", a, self.w2[:, :T]) + self.b2[:T]
        scores = scores.masked_fill(self.mask[:, :, :T, :T] == 0, -1e10)
        att = self.attn_drop(torch.nn.functional.softmax(scores, dim=-1))
        v = self.value(x).reshape(B, T, h, C // h)
        y = torch.einsum("bhts,bshd->bthd", att, v).reshape(B, T, C)
        return self.resid_drop(self.proj(y))
'''),
    Alternative(function="SynthesizerAttention", name="a loop over the heads", code=SYN_INIT + '''
    def forward(self, x):
        B, T, C = x.size()
        d = C // self.n_head
        hidden = torch.relu(self.w1(x))
        values = self.value(x)
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool, device=x.device))
        outs = []
        for i in range(self.n_head):
            s = hidden[:, :, i * d:(i + 1) * d] @ self.w2[:, :T] + self.b2[:T]
            s = s.masked_fill(~causal, float("-inf"))
            w = self.attn_drop(torch.softmax(s, dim=-1))
            outs.append(w @ values[:, :, i * d:(i + 1) * d])
        return self.resid_drop(self.proj(torch.cat(outs, dim=-1)))
'''),
]
