"""Part 5's pretrained model: a byte-level BPE tokenizer (`tokenizers`) and a small RobertaForMaskedLM
pretrained with masked language modelling on data/mlm_corpus.txt, both saved with save_pretrained
into assignment/parts/hf_finetune/release/data/pretrained/ (what students load).

    python autograder/parts/hf_finetune/calibration/pretrain.py [--seed 0] [--steps N] [--out DIR]

Run by `python build.py calibrate 5` (calibrate.py); deterministic given the seed on one thread.
"""
import argparse
import json
import os
import random
import sys
import time

import torch

PART_RELEASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..",
                            "assignment", "parts", "hf_finetune", "release")
DATA = os.path.normpath(os.path.join(PART_RELEASE, "data"))
DEFAULTS = {"vocab_size": 1000, "hidden_size": 128, "num_hidden_layers": 4, "num_attention_heads": 4,
            "intermediate_size": 512, "max_length": 48, "batch_size": 32, "steps": 4000, "lr": 2e-3,
            "warmup": 200, "mask_prob": 0.15, "focus_prob": 0.15}  # focus_prob = mask_prob: plain BERT masking
SPECIAL = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # RoBERTa's ids 0-4


def train_tokenizer(lines, vocab_size):
    """A RoBERTa-style byte-level BPE tokenizer trained on `lines`, as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import RobertaTokenizerFast
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(lines, trainer)
    tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")),
                                                      ("<s>", tok.token_to_id("<s>")), add_prefix_space=True)
    return RobertaTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>",
                                cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
                                add_prefix_space=True, model_max_length=DEFAULTS["max_length"])


def focus_ids(tokenizer):
    """Token ids of the sentiment-bearing words (polarity words and the reactions' words), masked more often."""
    import importlib.util
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
    if root not in sys.path:
        sys.path.insert(0, root)  # generate_data imports hwbuild
    spec = importlib.util.spec_from_file_location("generate_data", os.path.join(os.path.dirname(__file__), "..", "generate_data.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    neutral = {"i", "it", "we", "a", "not", "of", "will", "come", "back", "real", "every", "never"}
    words = set(gen.POS_COMMON + gen.NEG_COMMON + gen.POS_RARE + gen.NEG_RARE)
    words |= {w for r in gen.POS_REACTIONS + gen.NEG_REACTIONS for w in r.split()} - neutral
    ids = set()
    for w in words:
        ids |= set(tokenizer(" " + w, add_special_tokens=False)["input_ids"])
    return torch.tensor(sorted(ids))


def mask_tokens(ids, tokenizer, prob, generator, focus=None, focus_prob=0.0):
    """BERT's masking: of `prob` of the real tokens (`focus_prob` of the `focus` tokens), 80% <mask>,
    10% random, 10% kept; labels -100 elsewhere."""
    labels = ids.clone()
    special = (ids == tokenizer.pad_token_id) | (ids == tokenizer.bos_token_id) | (ids == tokenizer.eos_token_id)
    p = torch.full(ids.shape, prob)
    if focus is not None:
        p[torch.isin(ids, focus)] = focus_prob
    chosen = (torch.rand(ids.shape, generator=generator) < p) & ~special
    labels[~chosen] = -100
    ids = ids.clone()
    r = torch.rand(ids.shape, generator=generator)
    ids[chosen & (r < 0.8)] = tokenizer.mask_token_id
    rand = chosen & (r >= 0.8) & (r < 0.9)
    ids[rand] = torch.randint(len(SPECIAL), len(tokenizer), ids.shape, generator=generator)[rand]
    return ids, labels


def pretrain(out, seed=0, steps=None, log=print):
    from transformers import RobertaConfig, RobertaForMaskedLM
    cfg = dict(DEFAULTS, steps=steps or DEFAULTS["steps"])
    random.seed(seed)
    torch.manual_seed(seed)
    with open(os.path.join(DATA, "mlm_corpus.txt"), encoding="utf-8") as f:
        lines = [l.strip() for l in f if l.strip()]
    t0 = time.time()
    tokenizer = train_tokenizer(lines, cfg["vocab_size"])
    enc = tokenizer(lines, truncation=True, max_length=cfg["max_length"])["input_ids"]
    config = RobertaConfig(vocab_size=len(tokenizer), hidden_size=cfg["hidden_size"],
                           num_hidden_layers=cfg["num_hidden_layers"], num_attention_heads=cfg["num_attention_heads"],
                           intermediate_size=cfg["intermediate_size"], max_position_embeddings=cfg["max_length"] + 2,
                           type_vocab_size=1, pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                           eos_token_id=tokenizer.eos_token_id)
    model = RobertaForMaskedLM(config)
    focus = focus_ids(tokenizer)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / cfg["warmup"]) *
                                              max(0.0, 1 - s / cfg["steps"]))
    g = torch.Generator().manual_seed(seed)
    order, pos, curve, running = torch.randperm(len(enc), generator=g).tolist(), 0, [], []
    model.train()
    for step in range(cfg["steps"]):
        if pos + cfg["batch_size"] > len(order):
            order, pos = torch.randperm(len(enc), generator=g).tolist(), 0
        batch = tokenizer.pad({"input_ids": [enc[i] for i in order[pos:pos + cfg["batch_size"]]]}, return_tensors="pt")
        pos += cfg["batch_size"]
        ids, labels = mask_tokens(batch["input_ids"], tokenizer, cfg["mask_prob"], g, focus, cfg["focus_prob"])
        loss = model(input_ids=ids, attention_mask=batch["attention_mask"], labels=labels).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running.append(loss.item())
        if (step + 1) % 250 == 0:
            curve.append({"step": step + 1, "mlm_loss": round(sum(running) / len(running), 4)})
            running = []
            log(f"pretrain step {step + 1}: loss {curve[-1]['mlm_loss']:.3f} ({time.time() - t0:.0f} s)")
    model.eval()
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    n_params = sum(p.numel() for p in model.roberta.parameters())
    info = {"seed": seed, "defaults": cfg, "seconds": round(time.time() - t0, 1), "curve": curve,
            "encoder_params": n_params, "vocab_size": len(tokenizer)}
    with open(os.path.join(out, "pretraining.json"), "w") as f:
        json.dump(info, f, indent=1)
    return info


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--out", default=os.path.join(DATA, "pretrained"))
    for key in ("hidden_size", "num_hidden_layers", "intermediate_size", "lr", "mask_prob", "batch_size", "focus_prob"):
        p.add_argument("--" + key, type=type(DEFAULTS[key]), default=None)
    a = p.parse_args()
    DEFAULTS.update({k: getattr(a, k) for k in DEFAULTS if getattr(a, k, None) is not None and k != "steps"})
    torch.set_num_threads(1)
    print(json.dumps(pretrain(a.out, a.seed, a.steps), indent=1)[:2000])
