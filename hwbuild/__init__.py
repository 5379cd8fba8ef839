"""build.py's pipeline: render masters, assemble the release and solutions, make the autograder zip, grade."""
