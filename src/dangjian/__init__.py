"""基层党建工作平台 (dangjian)."""

__version__ = "0.1.0"
