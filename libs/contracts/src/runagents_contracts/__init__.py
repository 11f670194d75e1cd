"""Shapes that cross a boundary, defined once: the analyzer and the deployer, the platform and the runtime."""
