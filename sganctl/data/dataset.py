"""The in-memory form every dataset takes; defined in the plugin API so dataset plugins can build it."""

from ..api import DataSplits, ImageSet

__all__ = ["DataSplits", "ImageSet"]
