"""Adapters on a base model: LoRA's trainable parameters, as PEFT counts them."""
