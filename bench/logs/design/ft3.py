"""Fine-tune sweep (design, 2026-12-06): python ft3.py DIR PARAMS spec... ; spec = ep:lr:bs[:seed[:wd[:mix]]]"""
import sys, os, io, torch, time
d = sys.argv[1]; os.chdir(d); sys.path.insert(0, ".")
torch.set_num_threads(1)
import dataset, model, trainer, utils
text = utils.read_text("data/wiki.txt")
pre = dataset.CharCorruptionDataset(text, 64)
params = torch.load(sys.argv[2], weights_only=True)
pairs = utils.read_tsv("data/birth_places_train.tsv"); dev = utils.read_tsv("data/birth_dev.tsv")
test = [(f"Where was {l.split(chr(9))[0]} born?", l.rstrip(chr(10)).split(chr(9))[1]) for l in open("test_answers.tsv", encoding="utf-8") if l.strip()]
chars = "".join(pre.itos[i] for i in range(2, pre.vocab_size))
ftd = dataset.NameDataset(pre, "".join(f"{q}\t{a}\n" for q, a in pairs))
def acc(p, rows):
    preds = model.predict_places(p, chars, [q for q, _ in rows])
    return 100 * sum(x == a for x, (_, a) in zip(preds, rows)) / len(rows)
for spec in sys.argv[3:]:
    parts = spec.split(":"); ep, lr, bs = int(parts[0]), float(parts[1]), int(parts[2])
    seed = int(parts[3]) if len(parts) > 3 else 0
    wd = float(parts[4]) if len(parts) > 4 else 0.0
    mix = float(parts[5]) if len(parts) > 5 else 0.0
    torch.manual_seed(seed)
    g = model.model_from_params(params).train()
    data = ftd
    if mix:
        k = int(mix * len(ftd))
        idx = torch.randperm(len(pre), generator=torch.Generator().manual_seed(seed))[:k].tolist()
        data = torch.utils.data.ConcatDataset([ftd, torch.utils.data.Subset(pre, idx)])
    t = time.time()
    losses = trainer.Trainer(g, data, trainer.TrainerConfig(max_epochs=ep, batch_size=bs, learning_rate=lr, warmup_steps=10, seed=seed, weight_decay=wd, progress=False)).train()
    buf = io.BytesIO(); model.save_params(g, buf); buf.seek(0); p = torch.load(buf, weights_only=True)
    print(f"mix {mix} ep {ep} lr {lr} bs {bs} seed {seed} wd {wd}: steps {len(losses)} {time.time()-t:.0f}s loss {losses[-1]:.3f} train {acc(p, pairs[:100]):.1f} dev {acc(p, dev):.1f} test {acc(p, test):.1f}", flush=True)
