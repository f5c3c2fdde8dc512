"""The cells of an Excel file as JSON-ready values, for comparing workbooks written by different processes."""

import io

import openpyxl


def workbook_cells(content):
    """``{sheet title: [[cell value as text, or None]]}`` of the xlsx file ``content`` (bytes)."""
    workbook = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
    return {
        sheet.title: [
            [value if value is None else str(value) for value in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        for sheet in workbook
    }
