"""PyTorch's own multi-head attention with identity projections: the yardstick for `self_attention`."""
import torch
import torch.nn.functional as F


def mha_reference(Q, K, V, n_heads=1, causal=False):
    """`F.multi_head_attention_forward` with identity in/out projections and no biases.

    Q, K, V: (B, T, C) -> (B, T, C), the same computation `self_attention` must do.
    """
    B, T, C = Q.shape
    eye = torch.eye(C, dtype=Q.dtype, device=Q.device)
    mask = None
    if causal:  # torch's boolean attn_mask: True = may NOT attend
        mask = torch.ones(T, T, dtype=torch.bool, device=Q.device).tril().logical_not()
    out, _ = F.multi_head_attention_forward(
        Q.transpose(0, 1), K.transpose(0, 1), V.transpose(0, 1), C, n_heads,
        in_proj_weight=eye.repeat(3, 1), in_proj_bias=None, bias_k=None, bias_v=None,
        add_zero_attn=False, dropout_p=0.0, out_proj_weight=eye, out_proj_bias=None,
        training=False, need_weights=False, attn_mask=mask)
    return out.transpose(0, 1)
