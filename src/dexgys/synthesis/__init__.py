"""Intent-conditioned grasp synthesis: intent catalogue, energies, optimisation, validation."""
