"""Old home of the atomic writers, kept so that code written against it still imports.

The one implementation lives in skillsight.base.atomic (below every layer); import it from there.
"""

from skillsight.base.atomic import write_bytes_atomic, write_json_atomic, write_text_atomic

__all__ = ["write_bytes_atomic", "write_json_atomic", "write_text_atomic"]
