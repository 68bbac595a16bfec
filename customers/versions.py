"""The edit-form version check, shared by every app: salesrecord/versions.py."""

from salesrecord.versions import VersionedForm, lock_unchanged, version_of

__all__ = ["VersionedForm", "lock_unchanged", "version_of"]
