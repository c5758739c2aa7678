"""Grasp records (DexGYSNet format), readers and writers."""
