"""Stored documents, each rendered once: pick lists, waves, labels, packing slips, manifests, return labels.

A document lives in a FileField of its owner row, written through the default storage (a private folder or an
S3-compatible bucket; core.storage) under a random name. document_ensure renders it when it is missing or
out of date, holding the document's lock row (shipping.locks.document_lock), so that concurrent requests,
workers and machines asking for the same missing document wait for one render and then read its file. The file
is stored only after a successful render and the row points at it in the same transaction; a failure removes
what was written, and a replaced file is deleted after the commit. No orphan files.

Call these with no transaction open: a rollback of the caller's transaction would leave the written file behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.http import FileResponse
from django.utils import timezone

from core.documents import private_file_response
from core.storage import PrivateName, is_private_name
from shipping.locks import document_lock

logger = logging.getLogger(__name__)


def _always(obj, **options) -> bool:
    return True


def _nothing(obj, **options) -> dict:
    return {}


@dataclass(frozen=True)
class DocumentKind:
    """One kind of stored document: its owner model and FileField, how it renders and when it is stale."""

    model: type[models.Model]
    field: str
    render: Callable[..., bytes]  # (owner, **options) -> the document's bytes
    filename: Callable[[Any], str]  # the file's name, stored (after a random folder) and downloaded
    content_type: str = "application/pdf"
    is_current: Callable[..., bool] = _always  # (owner, **options): does the stored file still show what it should?
    stored_fields: Callable[..., dict] = _nothing  # (owner, **options): columns written with the new file
    rendered_at_field: str = ""  # set to when the render started: a change committed during it makes it stale
    load: Callable[[int], Any] | None = field(default=None)  # the owner row with what render needs

    def lock_key(self, pk: int) -> str:
        return f"{self.model._meta.label_lower}.{self.field}:{pk}"

    def owner(self, pk: int):
        return self.load(pk) if self.load else self.model.objects.get(pk=pk)


def _stored_and_current(kind: DocumentKind, owner, options: dict) -> bool:
    stored = getattr(owner, kind.field)
    return bool(stored.name) and kind.is_current(owner, **options) and stored.storage.exists(stored.name)


def _delete_quietly(storage, name: str) -> None:
    try:
        storage.delete(name)
        if isinstance(storage, FileSystemStorage):  # and its random folder, now empty (buckets have no folders)
            Path(storage.path(name)).parent.rmdir()
    except OSError:  # S3 errors are OSErrors too; a leftover file is logged, never a failed request
        logger.warning("could not delete the replaced document %s", name, exc_info=True)


def document_ensure(kind: DocumentKind, pk: int, **options):
    """Return the owner row with its document stored and current, rendering it first if needed (once).

    Raises the owner model's DoesNotExist, and whatever the render raises (nothing is stored then).
    """
    owner = kind.owner(pk)
    if _stored_and_current(kind, owner, options):
        return owner
    file_field = kind.model._meta.get_field(kind.field)
    storage = file_field.storage
    written = ""
    try:
        with transaction.atomic():
            document_lock(kind.lock_key(pk))
            owner = kind.owner(pk)  # fresh: another request may have rendered it while this one waited
            if _stored_and_current(kind, owner, options):
                return owner
            started_at = timezone.now()
            data = kind.render(owner, **options)
            written = storage.save(file_field.generate_filename(owner, kind.filename(owner)), ContentFile(data))
            replaced = getattr(owner, kind.field).name
            values = {kind.field: written, **kind.stored_fields(owner, **options)}
            if kind.rendered_at_field:
                values[kind.rendered_at_field] = started_at
            # update(), not save(): a new file is not a change of the owner (updated_at marks those).
            kind.model.objects.filter(pk=pk).update(**values)
            if replaced and replaced != written:
                transaction.on_commit(partial(_delete_quietly, storage, replaced))
    except BaseException:
        if written:
            _delete_quietly(storage, written)
        raise
    for name, value in values.items():
        setattr(owner, name, value)
    return owner


def document_forget(kind: DocumentKind, owner) -> None:
    """Empty the owner's document field (the caller saves it) because the stored file no longer shows what it
    should; the file is deleted after the commit. Call inside the transaction that changes the owner: it waits
    for a render in progress, so that render cannot store the old content after this change."""
    document_lock(kind.lock_key(owner.pk))
    stored = getattr(owner, kind.field)
    if stored.name:
        transaction.on_commit(partial(_delete_quietly, stored.storage, stored.name))
    setattr(owner, kind.field, "")


def document_bytes(kind: DocumentKind, pk: int, **options) -> bytes:
    """The stored document's bytes (rendered first if needed), e.g. to attach it to an email."""
    stored = getattr(document_ensure(kind, pk, **options), kind.field)
    with stored.storage.open(stored.name, "rb") as handle:
        return handle.read()


def document_response(kind: DocumentKind, pk: int, *, as_attachment: bool = False, **options) -> FileResponse:
    """Stream the stored document (rendered first if needed) to someone whose access the view has checked."""
    for attempt in range(2):
        owner = document_ensure(kind, pk, **options)
        stored = getattr(owner, kind.field)
        try:
            handle = stored.storage.open(stored.name, "rb")
        except FileNotFoundError:
            if attempt:  # replaced and deleted twice between the check and the read: give up loudly
                raise
            continue  # a concurrent re-render replaced it just now; take the new one
        return private_file_response(handle, filename=kind.filename(owner), content_type=kind.content_type,
                                     as_attachment=as_attachment)
    raise AssertionError("unreachable")


@dataclass
class PrivatizeReport:
    moved: list[str] = field(default_factory=list)  # "model.field:pk  old name -> new name"
    missing: list[str] = field(default_factory=list)  # rows whose old file is nowhere: re-rendered when asked for


def documents_make_private(*, source_dir: Path | None) -> PrivatizeReport:
    """Move every file stored under a guessable name (before documents were private: "labels/2025/05/label-1Z...
    .pdf", in the old media folder or in the storage itself) to a random name in the default storage, point its
    row at it and delete the old file. Safe to run twice; rows already private are left alone."""
    report = PrivatizeReport()
    for model in apps.get_models():
        for file_field in model._meta.get_fields():
            if not isinstance(file_field, models.FileField) or not isinstance(file_field.upload_to, PrivateName):
                continue
            rows = model.objects.exclude(**{file_field.name: ""}).values_list("pk", file_field.name).order_by("pk")
            for pk, name in rows.iterator():
                if is_private_name(name):
                    continue
                label = f"{model._meta.label_lower}.{file_field.name}:{pk}"
                moved = _move_to_private_name(model, file_field, pk, name, source_dir)
                if moved:
                    report.moved.append(f"{label}  {name} -> {moved}")
                else:
                    report.missing.append(f"{label}  {name}")
    return report


def _move_to_private_name(model, file_field, pk: int, name: str, source_dir: Path | None) -> str:
    storage = file_field.storage
    old_path = (source_dir / name) if source_dir else None
    if old_path is not None and old_path.resolve().is_relative_to(source_dir.resolve()) and old_path.is_file():
        data, remove = old_path.read_bytes(), old_path.unlink
    elif storage.exists(name):
        with storage.open(name, "rb") as handle:
            data = handle.read()
        remove = partial(storage.delete, name)
    else:
        return ""
    written = storage.save(file_field.generate_filename(model(pk=pk), PurePosixPath(name).name), ContentFile(data))
    with transaction.atomic():
        document_lock(f"{model._meta.label_lower}.{file_field.name}:{pk}")
        updated = model.objects.filter(pk=pk, **{file_field.name: name}).update(**{file_field.name: written})
    if not updated:  # the row got a new file meanwhile
        _delete_quietly(storage, written)
        return ""
    remove()
    return written
