import pytest

from hwbuild.markers import MasterError, render

MASTER = '''\
def f(x):
    """Doc."""
    # BEGIN SOLUTION add one
    return x + 1
    # END SOLUTION


def g():
    # BEGIN SOLUTION NO PROMPT
    y = 2
    # END SOLUTION
    # BEGIN PROMPT
    # y = ...
    # END PROMPT
    return y
'''


def test_solution_keeps_code_and_drops_markers():
    r = render(MASTER, "m.py")
    assert "return x + 1" in r.solution and "y = 2" in r.solution
    assert "BEGIN" not in r.solution and "END" not in r.solution and "y = ..." not in r.solution


def test_stub_gets_prompts():
    r = render(MASTER, "m.py")
    assert "raise NotImplementedError('f: add one')" in r.stub
    assert "return x + 1" not in r.stub and "y = 2" not in r.stub
    assert "    y = ...\n" in r.stub
    assert "BEGIN" not in r.stub


@pytest.mark.parametrize("text, line, words", [
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    pass\n    # END SOLUTION\n", 3, "inside"),
    ("def f():\n    pass\n    # END SOLUTION\n", 3, "without a matching BEGIN"),
    ("def f():\n    # BEGIN SOLUTION\n    pass\n", 2, "never closed"),
    ("def f():\n    # BEGIN SOLUTION\n    pass\n    # END PROMPT\n", 4, "closes the SOLUTION block"),
    ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", 1, "outside a function"),
    ("def f():\n    # BEGIN PROMPT\n    x = 1\n    # END PROMPT\n", 3, "must be comments"),
])
def test_malformed_masters_name_file_and_line(text, line, words):
    with pytest.raises(MasterError) as e:
        render(text, "assignment/m.py")
    assert str(e.value).startswith(f"assignment/m.py:{line}: ")
    assert words in str(e.value)
