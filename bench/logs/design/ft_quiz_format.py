"""Fine-tune in the quiz-line format 'Q PLACE⁇' (one MASK at the end) and answer from 'Q ' (design check)."""
import sys, os, io, re, torch, time
d = sys.argv[1]; os.chdir(d); sys.path.insert(0, ".")
torch.set_num_threads(1)
import dataset, model, trainer, utils
M, P = dataset.MASK_CHAR, dataset.PAD_CHAR
class Quiz(dataset.NameDataset):
    def __getitem__(self, idx):
        inp, oup = self.data[idx].split("\t"); inp += " "
        x = (inp + oup + M)[:self.block_size + 1]; x = x + P * (self.block_size + 1 - len(x))
        y = (P * (len(inp) - 1) + x[len(inp):])[:self.block_size]
        return torch.tensor([self.stoi[c] for c in x[:-1]]), torch.tensor([self.stoi[c] for c in y])
pre = dataset.CharCorruptionDataset(utils.read_text("data/wiki.txt"), 64)
chars = "".join(pre.itos[i] for i in range(2, pre.vocab_size))
params = torch.load(sys.argv[2], weights_only=True)
pairs = utils.read_tsv("data/birth_places_train.tsv"); dev = utils.read_tsv("data/birth_dev.tsv")
test = [(f"Where was {l.split(chr(9))[0]} born?", l.rstrip(chr(10)).split(chr(9))[1]) for l in open("test_answers.tsv", encoding="utf-8") if l.strip()]
def acc(p, rows):
    conts = model.continue_prompts(p, chars, [q + " " for q, _ in rows])
    got = [c.split(M)[0].split(".")[0].strip() for c in conts]
    return 100 * sum(g == a for g, (_, a) in zip(got, rows)) / len(rows)
print("zero-shot", acc(params, pairs[:100]), acc(params, dev), acc(params, test), flush=True)
for spec in sys.argv[3:]:
    ep, lr, bs, seed = spec.split(":"); ep, lr, bs, seed = int(ep), float(lr), int(bs), int(seed)
    torch.manual_seed(seed); g = model.model_from_params(params).train()
    ftd = Quiz(pre, "".join(f"{q}\t{a}\n" for q, a in pairs))
    losses = trainer.Trainer(g, ftd, trainer.TrainerConfig(max_epochs=ep, batch_size=bs, learning_rate=lr, warmup_steps=10, seed=seed, progress=False)).train()
    buf = io.BytesIO(); model.save_params(g, buf); buf.seek(0); p = torch.load(buf, weights_only=True)
    print(f"quiz-format ep {ep} lr {lr} bs {bs}: loss {losses[-1]:.3f} train {acc(p, pairs[:100]):.1f} dev {acc(p, dev):.1f} test {acc(p, test):.1f}", flush=True)
