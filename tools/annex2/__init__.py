"""Converter for Annex II of Decision 26/2026/QĐ-TTg: the 26 OCOP scoring forms to YAML."""
