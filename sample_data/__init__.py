"""Synthetic sample data: the generator and the committed small county."""
