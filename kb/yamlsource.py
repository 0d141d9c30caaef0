"""Read YAML and remember where every value came from, so errors can name file, line and field."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .knowledge import SourceError  # noqa: F401 (where it was first defined)


@dataclass
class Located:
    data: Any
    lines: dict[tuple, int]  # path (tuple of keys / indexes) -> 1-based line

    def line_of(self, path: tuple) -> int:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def _construct(node: yaml.Node, path: tuple, lines: dict[tuple, int], file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError(file, key_node.start_mark.line + 1, ".".join(map(str, path)), "keys must be plain strings")
            key = key_node.value
            if key in out:
                raise SourceError(file, key_node.start_mark.line + 1, ".".join(map(str, path + (key,))), "duplicate key")
            out[key] = _construct(value_node, path + (key,), lines, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, path + (i,), lines, file) for i, v in enumerate(node.value)]
    # scalars: resolve with the safe loader's rules (ints, floats, bools, null, strings)
    return yaml.safe_load(yaml.serialize(node)) if node.tag != "tag:yaml.org,2002:str" else node.value


def load_located(text: str, file: str) -> Located:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SourceError(file, mark.line + 1 if mark else 0, "", f"invalid YAML: {problem}") from None
    if node is None:
        raise SourceError(file, 1, "", "empty file")
    lines: dict[tuple, int] = {}
    data = _construct(node, (), lines, file)
    return Located(data, lines)
