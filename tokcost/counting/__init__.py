"""Counting: inputs, decoding, exact cut points, text measures, the engine and pool, the count cache, `count()`."""
