"""Zero-shot question frame probe: pretrained params continue 'Where was NAME born? '."""
import sys, os, re, json, torch
d = sys.argv[1]; os.chdir(d); sys.path.insert(0, d)
torch.set_num_threads(1)
import model, utils, dataset
src = open("/work/main/autograder/parts/pretraining/tests/q3_3_accuracy.py").read()
ans = json.loads(re.search(r"^TEST_ANSWERS = (.*)$", src, re.M).group(1))
qs = json.loads(re.search(r"^TEST_QUESTIONS = (.*)$", src, re.M).group(1))
chars = json.loads(re.search(r"^VOCAB_CHARS = (.*)$", src, re.M).group(1))
FMTS = ["{q} ", "{q}⁇", "{n} was born in "]
for pf in sys.argv[2:]:
    params = torch.load(pf, weights_only=True)
    for fmt in FMTS:
        prompts = [fmt.format(q=q, n=q[len("Where was "):-len(" born?")]) for q in qs]
        conts = model.continue_prompts(params, chars, prompts)
        got = [re.split(r"[^A-Za-z]", c.strip(), 1)[0] for c in conts]
        print(pf, repr(fmt), round(100 * sum(g == a for g, a in zip(got, ans)) / len(ans), 1), conts[:2])
