"""YAML definitions -> validated, frozen definition objects."""
