"""Reading a table's header: the layout, every column's role, and the header problems.

A header problem (no activity column, an unknown letter heading a transposed column, two
columns for one function) stops reading before the rows: every row would otherwise repeat it.
"""

from __future__ import annotations

from ownership.imports.tables.cells import LETTERS, LetterReader, header_key, is_none_marker, name_key, plain_text
from ownership.imports.tables.grouping import describes, grouping_stage
from ownership.imports.tables.layout import (
    Column,
    ColumnValues,
    HeaderReading,
    HeaderRow,
    Layout,
    Role,
    TableOptions,
    find_header,
    header_text,
    letter_of_header,
    mentions_activity,
    named_role,
    names_ids,
)
from ownership.imports.tables.problems import UNKNOWN_LETTER, Place, ProblemLog, refuse, shorten
from ownership.imports.tables.source import SourceTable

_STANDARD_NAMES = (Role.JOURNEY, Role.STAGE, Role.TOUCHPOINT)


# The matrix file's columns, by their names as people read them ("Out of scope" is out_of_scope).
_STANDARD_COLUMNS = {
    "journey": Role.JOURNEY,
    "stage": Role.STAGE,
    "touchpoint": Role.TOUCHPOINT,
    "channel": Role.CHANNEL,
    "description": Role.DESCRIPTION,
    "importance": Role.IMPORTANCE,
    "out of scope": Role.OUT_OF_SCOPE,
}


def read_header(table: SourceTable, options: TableOptions, reader: LetterReader) -> HeaderReading:
    """Raises TableInvalid with the header's problems; rows are not looked at for errors here."""
    markup = table.markup
    header_row = find_header(table, markup)
    if header_row is None:
        raise refuse(
            "no_header",
            reason=f"{table.describe()} has no header row (a row naming two or more columns)",
            fix="Start the table with a row of column names: the activity, then one column per function",
        )
    width = max(len(header_row.cells), table.width)
    headers = [header_text(cell, markup) for cell in header_row.cells] + [""] * (width - len(header_row.cells))
    values = _column_values(table, header_row.last, width)
    notes = _header_notes(table, header_row)

    lenient = {index: named_role(header) for index, header in enumerate(headers) if header}
    strict = {index: _STANDARD_COLUMNS.get(name_key(header)) for index, header in enumerate(headers) if header}
    letters = {index: letter_of_header(header) for index, header in enumerate(headers) if header and not lenient[index]}
    letters = {index: letter for index, letter in letters.items() if letter}
    layout = options.layout or _detect(strict, letters, values, reader)
    # The matrix file's own layout reads exactly as it always has: its columns by their exact
    # names, every other named column a function. Synonyms are for the tables people write.
    named = strict if layout == Layout.STANDARD else lenient

    roles = _layout_roles(layout, headers, named, letters, header_row.number, reader, notes)
    # An id column ("ID" holding 1_0, 1_1) numbers the rows: neither the activity nor a function
    # (in the matrix file's layout too, where such a column could only be refused).
    for index, header in enumerate(headers):
        ids = index not in roles and names_ids(header) and values[index].letter_share(reader) < 0.5
        if ids and (layout != Layout.STANDARD or values[index].is_ids()):
            roles[index] = Role.IGNORED
    activity = _activity_column(layout, headers, named, roles, values, options, reader, header_row.number)
    roles[activity] = Role.TOUCHPOINT
    _named_roles(layout, headers, named, roles, values, reader)
    if layout == Layout.ACTIVITY and Role.STAGE not in roles.values():
        grouping_stage(headers, roles, activity, values, notes)
    _tell_apart_by_group(headers, roles, header_row.groups, notes)
    columns = tuple(
        Column(index, headers[index], roles[index], letters.get(index, "") if roles[index] == Role.LETTER else "")
        for index in range(width)
    )
    problems = ProblemLog()
    _check_functions(columns, header_row.number, values, reader, problems)
    problems.raise_if_any()
    notes.extend(_column_notes(columns, values))
    return HeaderReading(layout=layout, header_row=header_row, columns=columns, notes=tuple(notes))


def _header_notes(table: SourceTable, header_row: HeaderRow) -> list[str]:
    """What the reader should know about where the header was found."""
    notes: list[str] = []
    if header_row.number > 1:
        skipped = [header_text(cell, table.markup) for row in table.rows[: header_row.number - 1] for cell in row.cells]
        shown = "; ".join(shorten(text) for text in skipped if text)
        notes.append(f"Rows 1–{header_row.number - 1} above the header were skipped" + (f": {shown}" if shown else ""))
    if header_row.completed:
        named_below = ", ".join(f"'{text}'" for text in header_row.completed)
        notes.append(f"Row {header_row.last} completes the header, naming {named_below}")
    return notes


def _layout_roles(
    layout: Layout,
    headers: list[str],
    named: dict[int, Role | None],
    letters: dict[int, str],
    header_number: int,
    reader: LetterReader,
    notes: list[str],
) -> dict[int, Role]:
    """The roles the layout itself gives (the standard layout's unnamed columns, the transposed
    layout's letter columns); raises TableInvalid when its columns are not as it needs."""
    problems = ProblemLog()
    roles: dict[int, Role] = {}
    if layout == Layout.STANDARD:
        _require_standard_columns(named, header_number, problems)
        _refuse_repeated_columns(named, headers, header_number, problems)
        roles.update({index: Role.IGNORED for index, header in enumerate(headers) if not header})
    if layout == Layout.TRANSPOSED:
        if not letters:
            problems.add(
                "no_letter_columns",
                reason="a transposed table needs columns named R, A, C, I (or Responsible, Accountable, …)",
                fix="Rename the columns that list functions, or choose another layout",
                place=Place(header_number, "", " | ".join(header for header in headers if header)),
            )
        for index, letter in letters.items():
            roles[index] = Role.LETTER
            _check_letter_column(letter, headers[index], header_number, reader, problems, notes)
    problems.raise_if_any()
    return roles


def _named_roles(
    layout: Layout,
    headers: list[str],
    named: dict[int, Role | None],
    roles: dict[int, Role],
    values: list[ColumnValues],
    reader: LetterReader,
) -> None:
    """Give every column still without a role the one its name says, or else its values."""
    taken: set[Role] = {Role.TOUCHPOINT}
    for index, header in enumerate(headers):
        if index in roles:
            continue
        role = named.get(index)
        # "Notes" holding letters is a function that happens to be called so.
        if role in (Role.TOUCHPOINT, Role.NOTE, None) or role in taken:
            role = _role_from_values(layout, header, values[index], reader)
        roles[index] = role
        taken.add(role)


# Enough rows to tell letters from ids and notes; a column does not change its nature further down.
_SAMPLED_ROWS = 500


def _column_values(table: SourceTable, header_number: int, width: int) -> list[ColumnValues]:
    values = [ColumnValues() for _ in range(width)]
    sampled = 0
    for row in table.rows:
        if row.number <= header_number:
            continue
        sampled += 1
        if sampled > _SAMPLED_ROWS:
            break
        cells = [plain_text(cell, table.markup) for cell in row.cells]
        # Headings and blank rows say nothing about what a column holds.
        if sum(1 for cell in cells if cell) <= 1:
            continue
        for column in values[len(cells) :]:
            column.rows += 1
        for index, cell in enumerate(cells):
            column = values[index]
            column.rows += 1
            if cell:
                column.repeats += bool(column.filled) and column.filled[-1] == cell
                column.filled.append(cell)
    return values


def _detect(
    strict: dict[int, Role | None], letters: dict[int, str], values: list[ColumnValues], reader: LetterReader
) -> Layout:
    standard = all(role in strict.values() for role in _STANDARD_NAMES)
    raci = {index: letter for index, letter in letters.items() if letter in LETTERS}
    # Columns headed R, A, C, I name the functions holding that letter ("AI" is a role there) --
    # except in the matrix file's own layout, where columns holding letters are functions that
    # happen to be called so.
    if standard and not any(values[index].is_text(reader) for index in raci):
        return Layout.STANDARD
    if len(set(raci.values())) >= 2:
        return Layout.TRANSPOSED
    return Layout.STANDARD if standard else Layout.ACTIVITY


def _require_standard_columns(named: dict[int, Role | None], header_number: int, problems: ProblemLog) -> None:
    missing = [role.value for role in _STANDARD_NAMES if role not in named.values()]
    if missing:
        problems.add(
            "missing_column",
            reason=f"the standard layout needs journey, stage and touchpoint columns; missing: {', '.join(missing)}",
            fix="Add the missing columns, or let the layout be detected (activity-first tables need no journey column)",
            place=Place(header_number, "", ""),
        )


def _tell_apart_by_group(headers: list[str], roles: dict[int, Role], groups: tuple[str, ...], notes: list[str]) -> None:
    """Two function columns of one name under different group labels ("Project Manager" under
    Client and under Vendor) are two functions: each is named after its group."""
    by_key: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        if roles.get(index) == Role.FUNCTION and header:
            by_key.setdefault(name_key(header), []).append(index)
    renamed = []
    for indexes in by_key.values():
        labels = [groups[index] if index < len(groups) else "" for index in indexes]
        if len(indexes) > 1 and all(labels) and len(set(labels)) == len(labels):
            for index, label in zip(indexes, labels, strict=True):
                headers[index] = f"{headers[index]} ({label})"
                renamed.append(headers[index])
    if renamed:
        shown = ", ".join(f"'{name}'" for name in renamed)
        notes.append(f"Columns with one name under different group labels are told apart: {shown}")


def _refuse_repeated_columns(
    named: dict[int, Role | None], headers: list[str], header_number: int, problems: ProblemLog
) -> None:
    seen: dict[Role, int] = {}
    for index, role in named.items():
        if role is None:
            continue
        if role in seen:
            problems.add(
                "duplicate_column",
                reason=f"the {role.value} column appears twice (the first is column {seen[role] + 1})",
                fix="Remove or rename one of the two columns",
                place=Place(header_number, headers[index], ""),
            )
        else:
            seen[role] = index


def _check_letter_column(
    letter: str, header: str, header_number: int, reader: LetterReader, problems: ProblemLog, notes: list[str]
) -> None:
    reading = reader.read(letter)
    if reading.unknown:
        problems.add(
            UNKNOWN_LETTER,
            reason=f"the column '{header}' stands for the letter '{letter}', which is not R, A, C or I",
            fix=f"Map it in the letter map: {letter}=R to read it as Responsible, {letter}= to leave it out",
            place=Place(header_number, header, letter),
            subject=letter,
        )
    elif reading.mapped:
        target = "/".join(sorted(reading.letters)) or "nothing (left out)"
        notes.append(f"Column '{header}' ({letter}) read as {target} through the letter map")


def _activity_column(
    layout: Layout,
    headers: list[str],
    named: dict[int, Role | None],
    roles: dict[int, Role],
    values: list[ColumnValues],
    options: TableOptions,
    reader: LetterReader,
    header_number: int,
) -> int:
    """The column naming the activities (touchpoints), by option, by name, then by content."""
    free = [index for index in range(len(headers)) if index not in roles]
    if layout == Layout.STANDARD:
        return next(index for index in free if named.get(index) == Role.TOUCHPOINT)
    if options.touchpoint_column:
        wanted = header_key(options.touchpoint_column)
        for index in free:
            if header_key(headers[index]) == wanted:
                return index
        listed = ", ".join(f"'{header}'" for header in headers if header)
        raise refuse(
            "no_such_column",
            reason=f"there is no column '{options.touchpoint_column}' to read the activities from",
            fix=f"Choose one of the columns: {listed}",
            place=Place(header_number, options.touchpoint_column, ""),
        )
    touchpoint_named = [index for index in free if named.get(index) == Role.TOUCHPOINT]
    # "Touchpoint" itself first: a standard file may also have a "Task" column of notes.
    touchpoint_named.sort(key=lambda index: header_key(headers[index]) not in ("touchpoint", "touchpoints"))
    candidates = [
        touchpoint_named,
        [index for index in free if named.get(index) is None and mentions_activity(headers[index])],
        [index for index in free if named.get(index) is None and values[index].is_text(reader)],
        [
            index
            for index in free
            if named.get(index) in (Role.DESCRIPTION, Role.NOTE) and values[index].is_text(reader)
        ],
    ]
    for group in candidates:
        for index in group:
            if not values[index].is_ids():
                return index
    raise refuse(
        "no_activity_column",
        reason="no column names the activities: none is called touchpoint, activity, task, deliverable, "
        "decision, step, process or action, and none holds names rather than letters",
        fix="Rename the activity column's header to 'Activity', or say which column it is (touchpoint column option)",
        place=Place(header_number, "", " | ".join(header for header in headers if header)),
    )


def _role_from_values(layout: Layout, header: str, values: ColumnValues, reader: LetterReader) -> Role:
    if not header and all(is_none_marker(value) for value in values.filled):
        return Role.IGNORED  # nothing in it, or only "nobody"
    if layout != Layout.STANDARD and describes(header) and all(is_none_marker(value) for value in values.filled):
        return Role.IGNORED  # "Priority", left empty: no function is called so
    if values.is_ids():
        return Role.IGNORED
    if layout != Layout.TRANSPOSED and values.letter_share(reader) >= 0.5:
        return Role.FUNCTION
    return Role.NOTE


def _check_functions(
    columns: tuple[Column, ...],
    header_number: int,
    values: list[ColumnValues],
    reader: LetterReader,
    problems: ProblemLog,
) -> None:
    seen: dict[str, Column] = {}
    for column in columns:
        if column.role != Role.FUNCTION:
            continue
        if not column.header:
            problems.add(
                "unnamed_function",
                reason="a column holds letters but has no name, so it cannot say whose letters they are",
                fix="Write the function's name in the header of that column",
                place=Place(header_number, column.label(), next(iter(values[column.index].filled), "")),
            )
            continue
        key = name_key(column.header)
        if key in seen:
            problems.add(
                "duplicate_function",
                reason=f"two columns name the same function (the same as column {seen[key].index + 1}, "
                f"'{seen[key].header}'; names are compared ignoring case, spaces and hyphens)",
                fix="Merge the two columns into one, or rename one of them",
                place=Place(header_number, column.header, ""),
                subject=key,
            )
        else:
            seen[key] = column


def _column_notes(columns: tuple[Column, ...], values: list[ColumnValues]) -> list[str]:
    notes = []
    for column in columns:
        examples = values[column.index].examples()
        like = f" (values like {examples})" if examples else ""
        if column.role == Role.IGNORED and values[column.index].filled:
            notes.append(f"Column '{column.label()}' holds no RACI letters{like}: not a function, ignored")
        elif column.role == Role.NOTE:
            notes.append(
                f"Column '{column.label()}' holds no RACI letters{like}: not a function, kept in the description"
            )
    return notes
