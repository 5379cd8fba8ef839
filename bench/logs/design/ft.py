import sys, os, copy, torch, time
d = sys.argv[1]; os.chdir(d); sys.path.insert(0, ".")
torch.set_num_threads(1)
import dataset, model, trainer, utils
text = utils.read_text("data/wiki.txt")
pre = dataset.CharCorruptionDataset(text, 64)
params = torch.load("vanilla.pretrain.params", weights_only=True)
pairs = utils.read_tsv("data/birth_places_train.tsv"); dev = utils.read_tsv("data/birth_dev.tsv")
chars = "".join(pre.itos[i] for i in range(2, pre.vocab_size))
ftd = dataset.NameDataset(pre, "".join(f"{q}\t{a}\n" for q, a in pairs))
def acc(p, rows):
    preds = model.predict_places(p, chars, [q for q, _ in rows])
    return 100 * sum(x == a for x, (_, a) in zip(preds, rows)) / len(rows)
for spec in sys.argv[2:]:
    parts = spec.split(":"); ep, lr, bs = int(parts[0]), float(parts[1]), int(parts[2]); freeze = parts[3] if len(parts) > 3 else ""
    torch.manual_seed(0)
    g = model.model_from_params(params).train()
    for n, p_ in g.named_parameters():
        if freeze and any(f in n for f in freeze.split(",")):
            p_.requires_grad_(False)
    losses = trainer.Trainer(g, ftd, trainer.TrainerConfig(max_epochs=ep, batch_size=bs, learning_rate=lr, warmup_steps=10, progress=False)).train()
    import io; buf = io.BytesIO(); model.save_params(g, buf); buf.seek(0); p = torch.load(buf, weights_only=True)
    print(f"{freeze} ep {ep} lr {lr} bs {bs}: steps {len(losses)} loss {losses[-1]:.3f} train {acc(p, pairs[:120]):.1f} dev {acc(p, dev):.1f}", flush=True)
