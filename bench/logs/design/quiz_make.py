"""Quiz corpus: wiki.txt plus one 'Where was NAME born? PLACE.' document for the first K train people."""
import random, sys, os
sys.path.insert(0, "/work/main")
from hwbuild.parts import hidden_module
g = hidden_module("pretraining", "generate_data.py")
d = g.generate(0)
k = int(sys.argv[2])
rng = random.Random(1)
docs = open(sys.argv[3] if len(sys.argv) > 3 else "/work/p3/base/data/wiki.txt").read().rstrip("\n").split("\n")
for name, birth in d["train"][:k]:
    docs.append(f"Where was {name} born? {birth}.")
rng.shuffle(docs)
open(os.path.join(sys.argv[1], "data", "wiki.txt"), "w").write("\n".join(docs) + "\n")
print(len(docs), "documents")
