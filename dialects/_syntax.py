"""Parsing/printing helpers shared by the snaxc dialects' attributes."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, IntAttr
from xdsl.parser import AttrParser
from xdsl.printer import Printer


def int_array(values: Sequence[int]) -> ArrayAttr[IntAttr]:
    return ArrayAttr(IntAttr(v) for v in values)


def ints(array: ArrayAttr[IntAttr]) -> tuple[int, ...]:
    return tuple(a.data for a in array)


def parse_named_int_list(parser: AttrParser, name: str) -> ArrayAttr[IntAttr]:
    """Parse `name = [1, -2, 3]`."""
    parser.parse_identifier(name)
    parser.parse_punctuation("=")
    return int_array(
        parser.parse_comma_separated_list(
            parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False)
        )
    )


def print_named_int_list(printer: Printer, name: str, values: ArrayAttr[IntAttr]) -> None:
    printer.print_string(f"{name} = [")
    printer.print_string(", ".join(str(v) for v in ints(values)))
    printer.print_string("]")
