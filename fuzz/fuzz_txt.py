"""atheris target: the txt parser (see fuzz/_harness.py). Not run by make test."""

from _harness import main

if __name__ == "__main__":
    main("txt")
