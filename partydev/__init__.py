import os

# python-docx (documents/) brings lxml, and openpyxl switches to lxml whenever it is importable:
# other XML output and another parser under the upload guard. Keep openpyxl on the writer and the
# defusedxml parser the spreadsheet guard and the exports are built and tested on. Set before any
# import of openpyxl (this package is imported before its settings).
os.environ.setdefault("OPENPYXL_LXML", "False")
