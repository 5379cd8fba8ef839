import sys, os, json
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/assignment")
from hwbuild import part3, part3_data as pd
d = sys.argv[1]; ntr, ndev, nte = map(int, sys.argv[2].split(",")); epochs = int(sys.argv[3])
templates = sys.argv[4] if len(sys.argv) > 4 else "first"
pd.N_TRAIN, pd.N_DEV, pd.N_TEST = ntr, ndev, nte
dseed = int(sys.argv[5]) if len(sys.argv) > 5 else 0
if templates == "first":
    pd.BIRTH = ["{n} was born in {b}."]
elif templates == "mixed":
    pd.BIRTH = ["{n} was born in {b}.", "{n} was born in {b}.", "In {y}, {n} was born in {b}."]
data = pd.generate(dseed)
for name, text in pd.release_files(data).items():
    open(os.path.join(d, "data", name), "w").write(text)
print("baseline dev", pd.baseline(data["train"], data["dev"]), "test", pd.baseline(data["train"], data["test"]), flush=True)
with open(f"{d}.log", "w") as log:
    r = part3.experiment(d, 0, threads=1, log=log, variants=("vanilla",), nopretrain=False, epochs=epochs, data_seed=dseed)
json.dump(r, open(f"{d}.json", "w"), indent=1)
print(json.dumps(r))
