"""Reading VRPTW instances in the VRPLIB text format (CVRPLIB's Solomon and Homberger files).

A small reader of our own, so the library and the command line need no optional dependency.
Specifications are ``KEY : VALUE`` lines; sections start with ``NAME_SECTION`` and hold one node
per line (``id value…``, ids 1-based). Node 1 must be the only depot, which becomes index 0.
"""

from __future__ import annotations

from optimizer.vrptw import VrptwInstance

_SECTIONS = {
    "NODE_COORD_SECTION": 2,
    "DEMAND_SECTION": 1,
    "TIME_WINDOW_SECTION": 2,
    "SERVICE_TIME_SECTION": 1,
}


def _number(token: str, line_no: int | None) -> float:
    try:
        return float(token)
    except ValueError:
        where = f"line {line_no}: " if line_no is not None else ""
        raise ValueError(f"{where}expected a number, got {token!r}") from None


def _integer(value: float, what: str, line_no: int | None) -> int:
    if value != int(value):
        where = f"line {line_no}: " if line_no is not None else ""
        raise ValueError(f"{where}{what} must be a whole number, got {value}")
    return int(value)


def parse_vrplib(text: str, *, default_name: str = "instance") -> VrptwInstance:
    """Parse a single-depot CVRPTW instance in VRPLIB format.

    Args:
        text: The file's text.
        default_name: Name used when the file has no ``NAME`` line.

    Returns:
        The validated instance, depot at index 0.

    Raises:
        ValueError: On a missing specification or section, a malformed or repeated line, a node
            id out of range, or a depot other than node 1; the message names the line.
    """
    specs: dict[str, str] = {}
    sections: dict[str, dict[int, tuple[float, ...]]] = {}
    depots: list[int] = []
    current: str | None = None
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head = line.split()[0].rstrip(":").upper()
        if head == "EOF":
            break
        if head.endswith("_SECTION"):
            if head != "DEPOT_SECTION" and head not in _SECTIONS:
                raise ValueError(f"line {line_no}: unsupported section {head}")
            if head in sections or (head == "DEPOT_SECTION" and depots):
                raise ValueError(f"line {line_no}: section {head} appears twice")
            current = head
            if head != "DEPOT_SECTION":
                sections[head] = {}
            continue
        if ":" in line and not line[0].isdigit() and line[0] != "-":
            key, _, value = line.partition(":")
            specs[key.strip().upper()] = value.strip()
            current = None
            continue
        if current is None:
            raise ValueError(f"line {line_no}: data outside any section: {line!r}")
        tokens = line.split()
        if current == "DEPOT_SECTION":
            for token in tokens:
                node = _integer(_number(token, line_no), "a depot id", line_no)
                if node == -1:
                    current = None
                    break
                depots.append(node)
            continue
        width = _SECTIONS[current]
        if len(tokens) != width + 1:
            raise ValueError(
                f"line {line_no}: {current} lines hold an id and {width} value(s), got {line!r}"
            )
        node = _integer(_number(tokens[0], line_no), "a node id", line_no)
        if node in sections[current]:
            raise ValueError(f"line {line_no}: node {node} appears twice in {current}")
        sections[current][node] = tuple(_number(token, line_no) for token in tokens[1:])

    for key in ("DIMENSION", "CAPACITY"):
        if key not in specs:
            raise ValueError(f"missing specification {key}")
    try:
        dimension = int(specs["DIMENSION"])
        capacity = int(specs["CAPACITY"])
    except ValueError:
        raise ValueError("DIMENSION and CAPACITY must be whole numbers") from None
    if dimension < 2:
        raise ValueError(f"DIMENSION must be at least 2, got {dimension}")
    weight_type = specs.get("EDGE_WEIGHT_TYPE", "EUC_2D").upper()
    if weight_type != "EUC_2D":
        raise ValueError(f"EDGE_WEIGHT_TYPE {weight_type} is not supported (only EUC_2D)")
    if depots and depots != [1]:
        raise ValueError(f"only a single depot at node 1 is supported, got depots {depots}")
    for name in ("NODE_COORD_SECTION", "DEMAND_SECTION", "TIME_WINDOW_SECTION"):
        if name not in sections:
            raise ValueError(f"missing section {name}")
    for name, rows in sections.items():
        missing = sorted(set(range(1, dimension + 1)) - rows.keys())
        extra = sorted(rows.keys() - set(range(1, dimension + 1)))
        if extra:
            raise ValueError(f"{name} has node ids {extra[:5]} outside 1..{dimension}")
        if missing:
            raise ValueError(f"{name} lacks node ids {missing[:5]}")

    nodes = range(1, dimension + 1)
    if "SERVICE_TIME_SECTION" in sections:
        service = [sections["SERVICE_TIME_SECTION"][i][0] for i in nodes]
    elif "SERVICE_TIME" in specs:
        shared = _number(specs["SERVICE_TIME"], None)
        service = [0.0] + [shared] * (dimension - 1)
    else:
        service = [0.0] * dimension
    demands = [
        _integer(sections["DEMAND_SECTION"][i][0], f"demand of node {i}", None) for i in nodes
    ]
    vehicles = (
        _integer(_number(specs["VEHICLES"], None), "VEHICLES", None)
        if "VEHICLES" in specs
        else dimension - 1
    )
    coords = sections["NODE_COORD_SECTION"]
    windows = sections["TIME_WINDOW_SECTION"]
    return VrptwInstance(
        name=specs.get("NAME", default_name),
        coords=tuple((coords[i][0], coords[i][1]) for i in nodes),
        demands=tuple(demands),
        earliest=tuple(windows[i][0] for i in nodes),
        latest=tuple(windows[i][1] for i in nodes),
        service=tuple(service),
        capacity=capacity,
        vehicles=vehicles,
    )
