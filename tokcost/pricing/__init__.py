"""Pricing: money, the dated price catalog, cost arithmetic, jobs from inputs, `cost()` and `check()`."""
