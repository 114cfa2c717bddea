"""Shared test scaffolding: a small county tree with users at each level.

Lives in the package (not tests/) so that every app's tests, the browser tests and the
benchmarks build the same world."""
