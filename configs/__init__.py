"""Shipped presets: one YAML architecture file per model, installed as `paramcalc.presets`."""
