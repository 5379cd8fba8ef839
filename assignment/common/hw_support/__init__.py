"""Support code shared by the student release and the autograder: module loading, test checks."""
