"""Servicekartan: access to everyday services in rural Sweden, from open data to dashboard."""

__version__ = "0.1.0"
