"""Sources of kind "storage": the files of a folder of an fs_storage (local, SFTP, FTP, S3...)."""

import fnmatch
import io
import json
import logging
import posixpath
from datetime import datetime

from odoo import api, fields, models
from odoo.addons.consumption_billing.models.consumption_source import SourceError
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

DONE_FOLDER = "done"
FAILED_FOLDER = "failed"
ERROR_REPORT_SUFFIX = ".error.txt"


def _modified(info):
    """A sortable modification time of an fsspec file entry (each protocol names it its own way)."""
    for key in ("mtime", "LastModified", "last_modified", "modified", "time", "created"):
        value = info.get(key)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float):
            return float(value)
    return 0.0


class ConsumptionSource(models.Model):
    _inherit = "consumption.source"

    kind = fields.Selection(
        selection_add=[("storage", "Files in a storage")], ondelete={"storage": "cascade"}
    )
    storage_id = fields.Many2one(
        "fs.storage",
        ondelete="restrict",
        help="Where the files are: a local folder, an SFTP, FTP or S3 server... (Settings > Technical > "
        "FS Storage).",
    )
    folder = fields.Char(help="Folder of the storage holding the files; empty: its root.")
    file_pattern = fields.Char(default="*.csv", help="Names of the files to read, e.g. *.csv or cdr_*.json.")

    @api.constrains("kind", "storage_id", "folder", "file_pattern")
    def _check_storage(self):
        for source in self.filtered(lambda source: source.kind == "storage"):
            folder_parts = (source.folder or "").split("/")
            if not source.storage_id or not source.file_pattern:
                raise ValidationError(
                    self.env._("Source %(name)s: choose the storage and the file pattern.", name=source.name)
                )
            if ".." in folder_parts or "/" in source.file_pattern or source.file_pattern in (".", ".."):
                raise ValidationError(
                    self.env._(
                        "Source %(name)s: the folder must stay inside the storage (no ..) and the pattern "
                        "names files of that folder (no /).",
                        name=source.name,
                    )
                )

    def _feed_units(self, started_at):
        if self.kind == "storage":
            return self._storage_units()
        return super()._feed_units(started_at)

    def _storage_folder(self):
        return (self.folder or "").strip().strip("/")

    def _storage_fs(self):
        try:
            # sudo: reading a storage's connection options is for administrators; the source only uses it.
            return self.storage_id.sudo().fs
        except Exception as error:
            raise SourceError(
                self.env._(
                    "The storage %(storage)s cannot be opened: %(error)s",
                    storage=self.storage_id.name,
                    error=error,
                )
            ) from None

    def _storage_files(self, fs):
        """The files of the folder matching the pattern, oldest first."""
        folder = self._storage_folder()
        try:
            entries = fs.ls(folder, detail=True)
        except Exception as error:
            raise SourceError(
                self.env._(
                    "The folder %(folder)s of the storage %(storage)s cannot be read: %(error)s",
                    folder=folder or "/",
                    storage=self.storage_id.name,
                    error=error,
                )
            ) from None
        files = [
            entry
            for entry in entries
            if entry.get("type") == "file"
            and fnmatch.fnmatch(posixpath.basename(entry["name"]), self.file_pattern)
        ]
        files.sort(key=lambda entry: (_modified(entry), posixpath.basename(entry["name"])))
        return [posixpath.join(folder, posixpath.basename(entry["name"])) for entry in files]

    def _storage_units(self):
        """One unit per file; CSV files are streamed (read as the batches go), JSON files read whole.
        Files move to done/ or failed/ when the transaction that recorded them commits."""
        fs = self._storage_fs()
        for path in self._storage_files(fs):
            name = posixpath.basename(path)
            label = self.env._("File %(file)s", file=name)
            yield {
                "label": label,
                "ref_base": path,
                "rows": self._storage_rows(fs, path, label),
                "commit_batches": True,
                "reread": lambda path=path, label=label: self._storage_rows(fs, path, label),
                "done": lambda path=path: self._after_commit(self._storage_move, fs, path, DONE_FOLDER),
                "failed": lambda error, path=path: self._after_commit(self._storage_fail, fs, path, error),
            }

    def _storage_rows(self, fs, path, label):
        try:
            with fs.open(path, "rb") as binary:
                if self.file_format == "json":
                    try:
                        body = json.load(binary)
                    except (ValueError, UnicodeDecodeError) as error:
                        raise SourceError(
                            self.env._("%(unit)s: invalid JSON: %(error)s", unit=label, error=error)
                        ) from None
                    rows, _next_url = self._json_rows(body, label)
                    yield from rows
                else:
                    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
                    yield from self._csv_rows(text, label)
        except OSError as error:
            raise SourceError(
                self.env._("%(unit)s cannot be read: %(error)s", unit=label, error=error)
            ) from None

    def _after_commit(self, move, *args):
        """Files move once what was read from them is committed: a rolled back run leaves them in place,
        to be read again (their references make that harmless)."""
        self.env.cr.postcommit.add(lambda: self._storage_safely(move, *args))

    @api.model
    def _storage_safely(self, move, fs, path, *args):
        try:
            move(fs, path, *args)
        except Exception:
            _logger.warning("Consumption source: %s could not be moved after its run", path, exc_info=True)

    @api.model
    def _storage_move(self, fs, path, target_folder):
        folder = posixpath.dirname(path)
        target = posixpath.join(folder, target_folder) if folder else target_folder
        fs.makedirs(target, exist_ok=True)
        fs.mv(path, posixpath.join(target, posixpath.basename(path)))

    @api.model
    def _storage_fail(self, fs, path, error):
        self._storage_move(fs, path, FAILED_FOLDER)
        folder = posixpath.dirname(path)
        report = posixpath.join(folder, FAILED_FOLDER, posixpath.basename(path) + ERROR_REPORT_SUFFIX)
        fs.pipe_file(report, (error + "\n").encode())
