"""Recovery: cases that earn an owner's wallet back through verification channels, and
the emergency temporary payment code an institution issues (seed 002)."""
