"""ocopflow engine: an interpreter of workflow, form and role definitions."""

__version__ = "0.1.0"
