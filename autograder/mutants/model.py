"""`model.py` is given code (no student-written function): no mutants, no alternatives.

Its tests (q3_3_accuracy) grade the submitted predictions; the student-written parts they depend on
(dataset.py, attention.SynthesizerAttention) have their own catalogs.
"""
MUTANTS = []
ALTERNATIVES = []
