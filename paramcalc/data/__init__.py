"""Data files shipped with paramcalc (the GPU table)."""
