"""The release number, in one place: read by pyproject.toml, ``aurora.__version__`` and the User-Agent."""

__version__ = "0.1.0"
