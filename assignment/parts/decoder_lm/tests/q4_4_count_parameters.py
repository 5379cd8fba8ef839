from otter.test_files import test_case

OK_FORMAT = False
name = "q4_4_count_parameters"


def _built_count(lm, vocab_size, block_size, n_layer, n_embd, n_head, n_classes=None):
    """sum(p.numel()) of the given DecoderLM, built in your process."""
    model = lm.DecoderLM(vocab_size, block_size, n_layer, n_embd, n_head, n_classes=n_classes)
    return sum(p.numel() for p in model.parameters())


@test_case(name="count_parameters equals the parameters of the given DecoderLM (2 sizes, with and without a classifier)", points=1)
def public_matches_model(lm):
    for args, n_classes in (((60, 16, 2, 64, 4), None), ((60, 16, 2, 64, 4), 2), ((11, 5, 1, 6, 2), None)):
        want = _built_count(lm, *args, n_classes=n_classes)
        V, T, L, C, _ = args
        got = lm.count_parameters(V, T, L, C, n_classes=n_classes)
        assert isinstance(got, int) and not isinstance(got, bool), f"count_parameters should return an int, got {type(got).__name__}"
        assert got == want, (f"count_parameters(vocab_size={V}, block_size={T}, n_layer={L}, n_embd={C}, "
                             f"n_classes={n_classes}) = {got}, but the model has {want} parameters")
