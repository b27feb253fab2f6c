"""Where generated documents and uploaded files are kept: STORAGES["default"], never a public folder.

Pick lists, labels, packing slips, manifests and return labels carry customers' names, addresses and items.
They are written through Django's storage API (the local folder below, or an S3-compatible bucket shared by
every web node and worker) under a name with a random segment, and read back only by views that check the
user's access (core.documents). No URL maps onto the folder or the bucket.
"""

from __future__ import annotations

import posixpath
import re
import secrets

from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

# "<folder>/<token>/<file name>", as PrivateName makes them.
PRIVATE_NAME_RE = re.compile(r"^[a-z0-9-]+/[A-Za-z0-9_-]{22,}/[^/]+$")


class NoPublicURL(ValueError):
    """A private file was asked for a public URL."""

    # The admin's file widget prints `value.url`; let it print nothing instead of failing the page.
    silent_variable_failure = True


class PrivateFileSystemStorage(FileSystemStorage):
    """Files in a local folder that no URL serves; read them through an access-checked view."""

    def url(self, name):
        raise NoPublicURL(f"{name!r} is private: serve it through a view that checks who is asking.")


@deconstructible
class PrivateName:
    """upload_to for private files: "<folder>/<random token>/<file name>", so that a stored name cannot be
    guessed from an order number, a tracking number or a date."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        return f"{self.folder}/{secrets.token_urlsafe(16)}/{posixpath.basename(filename)}"

    def __eq__(self, other) -> bool:
        return isinstance(other, PrivateName) and other.folder == self.folder


def is_private_name(name: str) -> bool:
    return bool(PRIVATE_NAME_RE.match(name or ""))


def s3_document_storage(*, bucket: str, endpoint_url: str | None = None, region: str | None = None,
                        access_key: str | None = None, secret_key: str | None = None, location: str = "",
                        addressing_style: str | None = None) -> dict:
    """STORAGES["default"] for an S3-compatible bucket (AWS, MinIO, Ceph...) that every web node and worker
    shares. Objects stay private: no ACL is set (the bucket's own policy applies) and any URL storage makes is
    signed; the app never hands one out anyway."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "access_key": access_key or None,  # None: boto3 finds credentials itself (instance role, ~/.aws)
            "secret_key": secret_key or None,
            "location": location,
            # S3-compatible servers want path-style addresses; AWS takes both.
            "addressing_style": addressing_style or ("path" if endpoint_url else None),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private"},
        },
    }
