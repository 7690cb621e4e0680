"""The file formats django-import-export's admin export offers, with formula cells neutralised.

The library's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading "=" (changing the data and
missing "+", "-", "@", tab and CR); these formats instead prefix every such text cell with an apostrophe,
as the order and ranking exports do (`certification.exports.neutralise`), so `=HYPERLINK(...)` stays text.
"""

from import_export.formats import base_formats


class _Neutralising:
    def _escape_formulae(self, dataset):
        from .exports import neutralise  # imported late: settings import this module

        rows = [[neutralise(cell) for cell in row] for row in dataset]
        del dataset[:]  # keep headers, replace the rows
        for row in rows:
            dataset.append(row)


class CSV(_Neutralising, base_formats.CSV):
    pass


class XLSX(_Neutralising, base_formats.XLSX):
    pass
