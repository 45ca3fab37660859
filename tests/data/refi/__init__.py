"""REFI-QDA fixtures (a package only so that pytest --doctest-modules can tell
this make_hostile.py from others of the same name)."""
