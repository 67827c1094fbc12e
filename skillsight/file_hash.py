"""Old home of file_sha256, kept so that code written against it still imports.

The one implementation lives in skillsight.base.hashing (below every layer); import it from there.
"""

from skillsight.base.hashing import file_sha256

__all__ = ["file_sha256"]
