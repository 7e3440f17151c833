"""shoutu (守土): an outbreak prevention-and-control platform."""

# The one place the version is written: pyproject.toml reads it from here (setuptools'
# dynamic version), so start-up needs no importlib.metadata.
__version__ = "0.1.0"

__all__ = ["__version__"]
