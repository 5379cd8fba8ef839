"""Run the public tests: `python check.py` (all) or `python check.py attention` (one module).

Exits non-zero when a test fails. The autograder runs these tests and hidden ones.
"""
from hw_support.local_check import main

if __name__ == "__main__":
    main()
