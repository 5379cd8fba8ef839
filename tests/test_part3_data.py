"""Part 3's generated corpus (autograder/parts/pretraining/generate_data.py): deterministic per seed,
baseline about 5%, at least 150 held-out people whose facts are only in their biographies (quiz lines
for training people only), the committed release data and hidden answers are the generator's output."""
import pytest

from hwbuild.parts import hidden_module

part3_data = hidden_module("pretraining", "generate_data.py")


def test_generator_is_deterministic_and_seed_dependent():
    a, b, c = part3_data.generate(3), part3_data.generate(3), part3_data.generate(4)
    assert a == b
    assert a["wiki"] != c["wiki"] and a["test"] != c["test"]


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_generator_baseline_and_held_out(seed):
    d = part3_data.generate(seed)
    train_people = {n for n, _ in d["train"]}
    held_out = [n for n, _ in d["dev"] + d["test"] if n not in train_people]
    assert len(held_out) == len(d["dev"]) + len(d["test"]) and len(d["test"]) >= 150
    for split in ("dev", "test"):  # the most common place is 5% of every split, by construction
        assert 0.04 <= part3_data.baseline(d["train"], d[split]) <= 0.06
    docs = d["wiki"].split("\n")
    quizzed = {name for name, _ in d["train"][:part3_data.N_QUIZ]}
    for name, place in d["train"] + d["dev"] + d["test"]:
        found = sorted((doc for doc in docs if name in doc), key=lambda doc: doc.startswith("Where"))
        assert found[0].startswith(f"{name} was born in {place}. ")  # one biography each
        # a quiz document only for the first N_QUIZ training people: dev and test facts are only in biographies
        assert found[1:] == ([f"Where was {name} born? {place}."] if name in quizzed else [])
    vocab = set(d["wiki"])
    assert set("".join(part3_data.question(n) for n, _ in d["test"])) <= vocab


def test_generator_baseline_is_about_five_percent_on_average():
    runs = [part3_data.generate(s) for s in range(10)]
    mean = sum(part3_data.baseline(d["train"], d["dev"] + d["test"]) for d in runs) / len(runs)
    assert 0.035 <= mean <= 0.065, mean


def test_committed_data_is_the_generators_output(build):
    seed = part3_data.current_seed()
    files = part3_data.release_files(part3_data.generate(seed))
    for name, text in files.items():
        assert build.release[f"data/{name}"].decode() == text, f"data/{name} is stale: python build.py --data-seed {seed}"
    q = next(q for q in build.questions if q.name == "q3_3_accuracy")
    assert part3_data.hidden_block(part3_data.generate(seed)) in q.source
    assert not any("birth_test_answers" in n or n.endswith("q3_3_accuracy.py") for n in build.release)


def test_data_seed_rewrites_data_and_hidden_answers(tmp_path):
    hidden = tmp_path / "q3_3_accuracy.py"
    hidden.write_text(f"X = 1\n{part3_data.BEGIN}\nold\n{part3_data.END}\nY = 2\n")
    summary = part3_data.write(5, str(tmp_path / "data"), str(hidden))
    assert "data seed 5" in summary
    text = hidden.read_text()
    assert "DATA_SEED = 5" in text and text.startswith("X = 1\n") and text.endswith("Y = 2\n")
    assert (tmp_path / "data" / "wiki.txt").read_text() == part3_data.generate(5)["wiki"]
    assert part3_data.current_seed(str(hidden)) == 5
