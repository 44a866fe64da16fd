"""Reading a 903 return in its XML form into the same rows as its CSVs.

The layout is the validator's (VAL ``ingress.py::read_xml_from_text``, format.md 1):
root ``EXPSSDA903``, one ``CHILD`` per child holding one ``HEADER`` and its
``EPISODE`` elements; inside ``HEADER`` the header fields and repeated ``AREVIEW``,
``AMISSING``, ``OC2``, ``PERMANENCE`` and ``AD_PLACED`` elements. ``CHILDID`` is
CHILD and ``PL`` is PLACE. Reviews and Missing rows take DOB from the header, as
the validator does.

The file is streamed through expat (standard library) so that each element's line
and column are known. A document type declaration is refused: a 903 file has none,
and entity declarations are what XML bombs are made of (the same protection
defusedxml gives, without the dependency).
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn
from xml.parsers import expat

from .._errors import Problem
from ._ssda903_store import SPEC, Store
from ._ssda903_tables import TABLES

__all__ = ["read_xml"]

ROOT = "EXPSSDA903"
RECORDS = {
    "HEADER": "Header",
    "EPISODE": "Episodes",
    "AREVIEW": "Reviews",
    "AMISSING": "Missing",
    "OC2": "OC2",
    "PERMANENCE": "PrevPerm",
    "AD_PLACED": "PlacedAdoption",
}
RENAME = {"CHILDID": "CHILD", "PL": "PLACE"}
_FIELDS = {column for columns in TABLES.values() for column in columns} | set(RENAME) | {"UASC"}
# Tables the validator builds from header fields when they are filled in.
_FROM_HEADER = (("UASC", ("UASC", "DUC")), ("OC3", ("IN_TOUCH",)), ("AD1", ("DATE_INT",)))


class _Refused(Exception):
    pass


class _Record:
    __slots__ = ("table", "pos", "fields", "leaf")

    def __init__(self, table: str, pos: tuple[int, int]) -> None:
        self.table = table
        self.pos = pos
        self.fields: dict[str, str] = {}
        self.leaf: dict[str, tuple[int, int]] = {}


def read_xml(store: Store, path: Path, name: str, group: int) -> bool:
    """Read one XML return into the store; False when it is not a 903 XML file at all."""
    reader = _Reader(store, name, group)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    reader.parser = parser
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    try:
        with open(path, "rb") as handle:
            parser.ParseFile(handle)
    except OSError as exc:
        store.problems.append(Problem(f"cannot read the file: {exc.strerror or exc}", file=name, code="unreadable"))
        return False
    except expat.ExpatError as exc:
        if reader.root_seen or exc.code != expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS]:
            store.problems.append(
                Problem(
                    f"not well-formed XML ({expat.errors.messages[exc.code]}); the rest of the file is not read",
                    file=name,
                    line=exc.lineno,
                    column=exc.offset + 1,
                    code="bad-xml",
                )
            )
        else:
            store.problems.append(Problem("the file is empty: no XML elements", file=name, code="empty"))
    except _Refused:
        store.problems.append(
            Problem(
                "has a document type declaration; a 903 XML file has none, and entity declarations are refused "
                "(they can expand without limit): the file is not read",
                file=name,
                line=parser.CurrentLineNumber,
                code="bad-xml",
            )
        )
    except _NotA903:
        return False
    reader.finish()
    return reader.root_seen


def _refuse(*_: object) -> NoReturn:
    raise _Refused()


class _NotA903(Exception):
    pass


class _Reader:
    def __init__(self, store: Store, name: str, group: int) -> None:
        self.store = store
        self.name = name
        self.group = group
        self.parser: expat.XMLParserType | None = None
        self.stack: list[list] = []  # [tag, pos, text parts, has children]
        self.records: list[_Record] = []
        self.child: list[_Record] | None = None
        self.files: dict[str, int] = {}
        self.unmapped: dict[str, int] = {}
        self.unknown: dict[str, tuple[int, int]] = {}
        self.root_seen = False

    def start(self, tag: str, _attrs: dict[str, str]) -> None:
        assert self.parser is not None
        pos = (self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1)
        depth = len(self.stack)
        if self.stack:
            self.stack[-1][3] = True
        if depth == 0:
            if tag != ROOT:
                self.store.problems.append(
                    Problem(
                        f"the root element is <{tag}>, not <{ROOT}>: not a 903 XML file (format.md 1); the file is not read",
                        file=self.name,
                        line=pos[0],
                        column=pos[1],
                        code="unknown-table",
                    )
                )
                raise _NotA903()
            self.root_seen = True
        elif depth == 1:
            if tag == "CHILD":
                self.child = []
            else:
                self.unknown.setdefault(tag, pos)
        elif self.child is not None and tag in RECORDS:
            self.records.append(_Record(RECORDS[tag], pos))
        self.stack.append([tag, pos, [], False])

    def text(self, data: str) -> None:
        if self.stack:
            self.stack[-1][2].append(data)

    def end(self, tag: str) -> None:
        _, pos, parts, has_children = self.stack.pop()
        depth = len(self.stack)
        if depth >= 2 and tag in RECORDS and self.records and self.records[-1].pos == pos:
            record = self.records.pop()
            if self.child is not None:
                self.child.append(record)
        elif depth == 1 and tag == "CHILD":
            if self.child is not None:
                self._emit(self.child)
            self.child = None
        elif depth >= 2 and not has_children:
            if self.records and tag in _FIELDS:
                field = RENAME.get(tag, tag)
                self.records[-1].fields[field] = "".join(parts)
                self.records[-1].leaf[field] = pos
            elif tag not in _FIELDS:
                self.unknown.setdefault(tag, pos)
        elif depth >= 2 and tag not in RECORDS:
            self.unknown.setdefault(tag, pos)

    def _file(self, table: str) -> int:
        if table not in self.files:
            self.files[table] = self.store.add_file(self.name, table, self.group, None)
        return self.files[table]

    def _emit(self, records: list[_Record]) -> None:
        header = next((r for r in records if r.table == "Header"), None)
        child = header.fields.get("CHILD", "").strip().upper() if header is not None else ""
        dob = header.fields.get("DOB", "") if header is not None else ""
        if header is not None:
            for table, names in _FROM_HEADER:
                if any(header.fields.get(f, "").strip() for f in names):
                    self.unmapped[table] = self.unmapped.get(table, 0) + 1
        for record in records:
            table = record.table
            if table not in SPEC:
                self.unmapped[table] = self.unmapped.get(table, 0) + 1
                continue
            file = self._file(table)
            if not child:
                self.store.no_child(table, file, record.pos, header.leaf if header is not None and record is header else None)
                continue
            fields = record.fields
            if table in ("Reviews", "Missing") and "DOB" not in fields:
                fields["DOB"] = dob
            values = [fields.get(column, "") for column, _ in SPEC[table]]
            self.store.add_row(table, file, record.pos, child, values, record.leaf)

    def finish(self) -> None:
        for table, count in sorted(self.unmapped.items()):
            self._file(table)
            self.store.not_mapped(table, count)
            self.store.problems.append(
                Problem(
                    f"{table} ({count} rows) read but not used: no review obligation depends on it (mapping.md 1)",
                    file=self.name,
                    code="table-not-mapped",
                )
            )
        for tag, pos in sorted(self.unknown.items(), key=lambda item: item[1]):
            self.store.problems.append(
                Problem(
                    f"element <{tag}> is not part of the 903 XML (format.md 1); it is ignored",
                    file=self.name,
                    line=pos[0],
                    column=pos[1],
                    code="unknown-table",
                )
            )
