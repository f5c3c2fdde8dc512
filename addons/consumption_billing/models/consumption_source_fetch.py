"""Fetching a consumption source: HTTP pages, JSON/CSV parsing, mapping to ingest() rows, ingestion.

Kept apart from the source's definition: it is the pipeline feed -> units (pages, files) -> mapped rows
-> ``consumption.record.ingest()`` in batches, each unit all or nothing.
"""

import csv
import hashlib
import io
import math
from datetime import datetime
from urllib.parse import quote, urljoin, urlsplit

import requests

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import split_every

from .consumption_record_ingest import EXTERNAL_REF_MAX_LENGTH, INGEST_MAX_ROWS
from .consumption_source import SourceError

# Rows listed in a failure message; the others are counted.
MAX_REPORTED_ERRORS = 20
REQUIRED_KEYS = ("partner", "product", "date", "quantity")
NUMBER_KEYS = ("quantity", "rate")
TEXT_KEYS = ("uom", "external_ref", "description")


def _origin(url):
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


class ConsumptionSource(models.Model):
    _inherit = "consumption.source"

    # ------------------------------------------------------------------------------------------------
    # Units: ingest one page or file all or nothing
    # ------------------------------------------------------------------------------------------------

    def _fetch_and_ingest(self, started_at, stats, commit):
        """Units with a ``failed`` callback (files) fail alone and the run goes on; any other failure
        (a page) stops the run, so the cursor never moves past it."""
        failures = []
        for unit in self._feed_units(started_at):
            try:
                self._ingest_unit(unit, stats, commit)
            except SourceError as failure:
                if not unit.get("failed"):
                    raise
                unit["failed"](str(failure))
                failures.append(str(failure))
                if commit:
                    self.env["ir.cron"]._commit_progress(0)
        if failures:
            raise SourceError("\n".join(failures))

    def _ingest_unit(self, unit, stats, commit):
        """Ingest one unit in batches of at most INGEST_MAX_ROWS rows, all or nothing; when committing, a
        unit marked ``commit_batches`` (a large file) is committed batch by batch instead, after a first
        reading of all its rows (``reread``) checked their mapping."""
        Record = self._ingest_model()
        mapping = self._mapping()
        counts = {"rows_created": 0, "rows_skipped": 0}
        if commit and unit.get("commit_batches"):
            self._ingest_unit_by_batch(Record, unit, mapping, stats, counts)
        else:
            with self.env.cr.savepoint():
                for batch in self._mapped_batches(unit, mapping, stats):
                    self._ingest_batch(Record, unit, batch, mapping, counts)
        stats["rows_created"] += counts["rows_created"]
        stats["rows_skipped"] += counts["rows_skipped"]
        stats["units"] += 1
        if unit.get("done"):
            unit["done"]()
        if commit:
            self.env["ir.cron"]._commit_progress(0)

    def _ingest_unit_by_batch(self, Record, unit, mapping, stats, counts):
        if unit.get("reread"):
            for _batch in self._mapped_batches(dict(unit, rows=unit["reread"]()), mapping, {"rows_read": 0}):
                pass
        recorded = 0
        for batch in self._mapped_batches(unit, mapping, stats):
            try:
                with self.env.cr.savepoint():
                    self._ingest_batch(Record, unit, batch, mapping, counts)
            except SourceError as error:
                if not recorded:
                    raise
                stats["rows_created"] += counts["rows_created"]
                stats["rows_skipped"] += counts["rows_skipped"]
                raise SourceError(
                    self.env._(
                        "%(error)s\nThe %(count)s rows before this batch were recorded; the file dropped "
                        "again once fixed skips them.",
                        error=error,
                        count=recorded,
                    )
                ) from None
            recorded += len(batch)
            self.env["ir.cron"]._commit_progress(0)

    def _ingest_batch(self, Record, unit, batch, mapping, counts):
        try:
            result = Record.ingest([values for _number, values in batch])
        except UserError as error:
            raise SourceError(f"{unit['label']}: {error}") from error
        if result["errors"]:
            raise SourceError(self._ingest_errors_message(unit["label"], batch, result["errors"], mapping))
        counts["rows_created"] += result["created"]
        counts["rows_skipped"] += result["skipped"]

    def _ingest_model(self):
        """consumption.record as the responsible user, in the source's company only."""
        user = self.user_id
        if self.company_id not in user.company_ids:
            raise SourceError(
                self.env._(
                    "The responsible %(user)s is not allowed in %(company)s any more: choose another "
                    "responsible.",
                    user=user.name,
                    company=self.company_id.name,
                )
            )
        return (
            self.env["consumption.record"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_id.ids)
        )

    def _mapped_batches(self, unit, mapping, stats, batch_size=INGEST_MAX_ROWS):
        """Batches of (row number, ingest row); a batch with a badly written row raises SourceError."""
        for batch in split_every(batch_size, enumerate(unit["rows"], start=unit.get("first_row", 1))):
            stats["rows_read"] += len(batch)
            errors = []
            mapped = [
                (number, self._map_row(raw, number, mapping, unit["ref_base"], errors))
                for number, raw in batch
            ]
            if errors:
                raise SourceError(self._errors_message(unit["label"], errors))
            yield mapped

    # ------------------------------------------------------------------------------------------------
    # Mapping: one raw row (a JSON object, a CSV line) -> one ingest() row
    # ------------------------------------------------------------------------------------------------

    def _map_row(self, raw, number, mapping, ref_base, errors):
        """The ingest() row of ``raw``; appends (row number, feed key, message) to ``errors``."""
        if not isinstance(raw, dict):
            errors.append((number, None, self.env._("The row is not an object.")))
            return None
        if None in raw:
            errors.append((number, None, self.env._("The line has more values than the header has columns.")))
            return None
        row = {}
        invalid = set()
        for key, feed_key in mapping.items():
            value = raw.get(feed_key)
            if isinstance(value, str):
                value = value.strip() or None
            if value is None:
                continue
            try:
                row[key] = self._convert_value(key, value)
            except ValueError as error:
                invalid.add(key)
                errors.append((number, feed_key, str(error)))
        if "partner" not in row and self.constant_partner_id:
            row["partner"] = self.constant_partner_id.id
        if "product" not in row and self.constant_product_id:
            row["product"] = self.constant_product_id.id
        for key in REQUIRED_KEYS:
            if key not in row and key not in invalid:
                errors.append(
                    (
                        number,
                        mapping[key],
                        self.env._("Missing. The row has: %(keys)s.", keys=", ".join(map(str, raw)) or "-"),
                    )
                )
        if "external_ref" not in row:
            row["external_ref"] = self._generated_ref(ref_base, number)
        return row

    def _convert_value(self, key, value):
        """The value ingest() expects for ``key``; raises ValueError with a message for the user."""
        if key == "date" and isinstance(value, str):
            try:
                return datetime.strptime(value, self.date_format).date()
            except ValueError:
                raise ValueError(
                    self.env._(
                        "%(value)s does not match the date format %(format)s.",
                        value=value,
                        format=self.date_format,
                    )
                ) from None
        if key in NUMBER_KEYS and isinstance(value, str):
            text = value.replace(" ", "").replace("\u00a0", "")
            if self.decimal_separator == ",":
                text = text.replace(",", ".", 1) if "." not in text else "?"
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise ValueError(
                    self.env._(
                        "%(value)s is not a number written with the decimal separator %(separator)s.",
                        value=value,
                        separator=self.decimal_separator,
                    )
                )
            return number
        if key in TEXT_KEYS and isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value

    def _generated_ref(self, ref_base, number):
        """The reference of a row that has none: the source, its page or file, its row number."""
        ref = f"source-{self.id}:{ref_base}#{number}"
        if len(ref) > EXTERNAL_REF_MAX_LENGTH:
            ref = f"source-{self.id}:{hashlib.sha256(ref_base.encode()).hexdigest()}#{number}"
        return ref

    def _errors_message(self, label, errors):
        lines = [
            self.env._(
                "%(unit)s: %(count)s invalid rows, nothing of it was recorded.", unit=label, count=len(errors)
            )
        ]
        for number, feed_key, message in errors[:MAX_REPORTED_ERRORS]:
            if feed_key is None:
                lines.append(self.env._("Row %(row)s: %(message)s", row=number, message=message))
            else:
                lines.append(
                    self.env._(
                        "Row %(row)s, field %(field)s: %(message)s",
                        row=number,
                        field=feed_key,
                        message=message,
                    )
                )
        if len(errors) > MAX_REPORTED_ERRORS:
            lines.append(self.env._("… and %(count)s more.", count=len(errors) - MAX_REPORTED_ERRORS))
        return "\n".join(lines)

    def _ingest_errors_message(self, label, batch, ingest_errors, mapping):
        """ingest()'s errors (0-based indexes in ``batch``) told with the feed's row numbers and keys."""
        errors = [
            (batch[error["index"]][0], mapping.get(error["field"], error["field"]), error["message"])
            for error in ingest_errors
        ]
        return self._errors_message(label, errors)

    # ------------------------------------------------------------------------------------------------
    # Parsing
    # ------------------------------------------------------------------------------------------------

    def _json_rows(self, body, label):
        """(rows, next page URL or None) of a parsed JSON body."""
        if self.rows_key:
            if not isinstance(body, dict) or self.rows_key not in body:
                keys = ", ".join(map(str, body)) if isinstance(body, dict) else "-"
                raise SourceError(
                    self.env._(
                        "%(unit)s: the body has no key %(key)s (keys: %(keys)s).",
                        unit=label,
                        key=self.rows_key,
                        keys=keys,
                    )
                )
            rows = body[self.rows_key]
        elif isinstance(body, dict):
            raise SourceError(
                self.env._(
                    "%(unit)s: the body is an object (keys: %(keys)s): set the Rows Key to the key holding "
                    "the rows.",
                    unit=label,
                    keys=", ".join(map(str, body)),
                )
            )
        else:
            rows = body
        if not isinstance(rows, list):
            raise SourceError(self.env._("%(unit)s: the rows are not a JSON list.", unit=label))
        next_url = body.get(self.next_key) if isinstance(body, dict) and self.next_key else None
        if next_url is not None and not isinstance(next_url, str):
            raise SourceError(
                self.env._("%(unit)s: the next page %(key)s is not a URL.", unit=label, key=self.next_key)
            )
        return rows, next_url or None

    def _csv_rows(self, stream, label):
        """Rows of a CSV text stream, read lazily (bounded memory); checks the header against the
        mapping first."""
        reader = csv.DictReader(stream, delimiter=self.csv_delimiter)
        try:
            header = reader.fieldnames or []
            mapping = self._mapping()
            constants = {"partner": self.constant_partner_id, "product": self.constant_product_id}
            missing = [
                mapping[key] for key in REQUIRED_KEYS if mapping[key] not in header and not constants.get(key)
            ]
            if header and missing:
                raise SourceError(
                    self.env._(
                        "%(unit)s: no column %(missing)s in the header (columns: %(columns)s). Fix the "
                        "mapping of the source or the file.",
                        unit=label,
                        missing=", ".join(missing),
                        columns=", ".join(header),
                    )
                )
            yield from reader
        except csv.Error as error:
            raise SourceError(
                self.env._(
                    "%(unit)s: invalid CSV at line %(line)s: %(error)s",
                    unit=label,
                    line=reader.line_num,
                    error=error,
                )
            ) from error
        except UnicodeDecodeError as error:
            raise SourceError(self.env._("%(unit)s: the file is not UTF-8 text.", unit=label)) from error

    # ------------------------------------------------------------------------------------------------
    # HTTP(S)
    # ------------------------------------------------------------------------------------------------

    def _http_units(self, started_at):
        """One unit per page, following the ``next`` key or the ``Link: rel="next"`` header; a page is
        fetched only once the previous one is ingested."""
        since = self._since()
        url = self.url.replace("{since}", since)
        origin = _origin(url)
        headers = {"Accept": "text/csv" if self.file_format == "csv" else "application/json"}
        auth_header = self.sudo().auth_header
        if auth_header:
            name, value = self._split_auth_header(auth_header)
            headers[name] = value
        seen = set()
        page = 0
        while url:
            seen.add(url)
            page += 1
            label = self.env._("Page %(page)s (%(url)s)", page=page, url=url)
            response = self._http_get(url, headers, label)
            if self.file_format == "csv":
                try:
                    text = response.content.decode("utf-8-sig")
                except UnicodeDecodeError as error:
                    raise SourceError(
                        self.env._("%(unit)s: the page is not UTF-8 text.", unit=label)
                    ) from error
                rows, next_url = self._csv_rows(io.StringIO(text, newline=""), label), None
            else:
                try:
                    body = response.json()
                except ValueError as error:
                    raise SourceError(
                        self.env._("%(unit)s: invalid JSON: %(error)s", unit=label, error=error)
                    ) from error
                rows, next_url = self._json_rows(body, label)
            next_url = next_url or response.links.get("next", {}).get("url")
            yield {
                "label": label,
                "ref_base": url.replace(quote(since, safe=""), "{since}").replace(since, "{since}"),
                "rows": rows,
            }
            url = urljoin(url, next_url) if next_url else None
            if url and _origin(url) != origin:
                raise SourceError(
                    self.env._(
                        "%(unit)s: the next page %(url)s is on another server; it is not followed (the "
                        "authentication header is sent to the source's server only).",
                        unit=label,
                        url=url,
                    )
                )
            if url in seen:
                raise SourceError(
                    self.env._(
                        "%(unit)s: the next page %(url)s was already read: stopped.", unit=label, url=url
                    )
                )

    def _http_get(self, url, headers, label):
        try:
            response = requests.get(url, headers=headers, timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise SourceError(
                self.env._(
                    "%(unit)s: no answer within %(timeout)s seconds.", unit=label, timeout=self.timeout
                )
            ) from None
        except requests.RequestException as error:
            raise SourceError(
                self.env._("%(unit)s: the server cannot be reached: %(error)s", unit=label, error=error)
            ) from None
        if response.is_redirect:
            raise SourceError(
                self.env._(
                    "%(unit)s: the server redirects to %(location)s; write that address in the source.",
                    unit=label,
                    location=response.headers.get("Location"),
                )
            )
        if response.status_code != 200:
            raise SourceError(
                self.env._(
                    "%(unit)s: the server answered HTTP %(status)s %(reason)s: %(body)s",
                    unit=label,
                    status=response.status_code,
                    reason=response.reason,
                    body=response.text[:200],
                )
            )
        return response

    # ------------------------------------------------------------------------------------------------
    # Preview
    # ------------------------------------------------------------------------------------------------

    def _preview_values(self, unit, raw_rows):
        """Summary and table of ``raw_rows`` mapped and checked by ingest() in a savepoint rolled back."""
        mapping = self._mapping()
        errors = []
        mapped = [
            (number, self._map_row(raw, number, mapping, unit["ref_base"], errors))
            for number, raw in enumerate(raw_rows, start=1)
        ]
        valid = [(number, row) for number, row in mapped if not any(error[0] == number for error in errors)]
        result = {"created": 0, "skipped": 0}
        if valid:
            with self.env.cr.savepoint() as savepoint:
                result = self._ingest_model().ingest([row for _number, row in valid])
                savepoint.close(rollback=True)
            errors += [
                (valid[error["index"]][0], mapping.get(error["field"], error["field"]), error["message"])
                for error in result["errors"]
            ]
        errors_by_row = {}
        for number, feed_key, message in errors:
            errors_by_row.setdefault(number, []).append(f"{feed_key}: {message}" if feed_key else message)
        if errors_by_row:
            summary = self.env._(
                "%(unit)s: %(count)s rows shown, %(invalid)s with errors: it would fail. Nothing was "
                "written.",
                unit=unit["label"],
                count=len(mapped),
                invalid=len(errors_by_row),
            )
        else:
            summary = self.env._(
                "%(unit)s: %(count)s rows shown, all valid: %(created)s new, %(skipped)s already recorded. "
                "Nothing was written.",
                unit=unit["label"],
                count=len(mapped),
                created=result["created"],
                skipped=result["skipped"],
            )
        return {
            "summary": summary,
            "rows_html": self.env["consumption.source.preview"]._render_rows(mapped, errors_by_row),
        }
