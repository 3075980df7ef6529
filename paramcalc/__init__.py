"""paramcalc: exact parameter counts of transformer architectures, group by group."""

__version__ = "0.1.0"
