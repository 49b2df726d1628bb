"""Comparison: the bundled corpora, the tokenizer x corpus analysis and its Markdown/HTML reports."""
