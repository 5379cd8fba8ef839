import sys, re
d, mode = sys.argv[1], sys.argv[2]
m = open(f"{d}/model.py").read()
m = m.replace('    variant: str = "vanilla"  # or "synthesizer"\n', '    variant: str = "vanilla"  # or "synthesizer"\n    position: str = "learned"\n')
m = m.replace("x = self.drop(self.tok_emb(idx) + self.pos_emb[:, :t, :])",
 "x = self.tok_emb(idx)\n        if self.config.position == 'learned' or self.config.variant == 'synthesizer':\n            x = x + self.pos_emb[:, :t, :]\n        x = self.drop(x)")
open(f"{d}/model.py", "w").write(m)
a = open(f"{d}/attention.py").read()
a = a.replace("""        p = self.attn_drop.p if self.training else 0.0
        y = torch.nn.functional.scaled_dot_product_attention(""", """        if getattr(self, 'rope', False):
            q, k = rotate(q), rotate(k)
        p = self.attn_drop.p if self.training else 0.0
        y = torch.nn.functional.scaled_dot_product_attention(""")
a = a.replace("""        self.n_head = config.n_head

    def forward(self, x):
        B, T, C = x.size()
        h = self.n_head""", """        self.n_head = config.n_head
        self.rope = getattr(config, 'position', 'learned') == 'rope'

    def forward(self, x):
        B, T, C = x.size()
        h = self.n_head""", 1)
a += '''

def rotate(x, base=10000.0):
    """RoPE on (B, h, T, d)."""
    T, d = x.shape[-2], x.shape[-1]
    inv = base ** (-torch.arange(0, d, 2, dtype=torch.float32, device=x.device) / d)
    ang = torch.arange(T, dtype=torch.float32, device=x.device)[:, None] * inv[None]
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)
'''
open(f"{d}/attention.py", "w").write(a)
r = open(f"{d}/run.py").read()
r = r.replace('cfg["n_head"], cfg["n_embd"], variant=args.variant)', f'cfg["n_head"], cfg["n_embd"], variant=args.variant, position="{mode}")')
open(f"{d}/run.py", "w").write(r)
