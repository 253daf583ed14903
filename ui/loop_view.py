"""The Loop section of the properties panel: run the node (or component) once per file of a folder,
per group of rows or per value of its parameters, its results collected into one table
(`docs/loops.md`). Applying or removing a loop is one undo step; the compile names any problem."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from . import actions, slots
from .kernel_api import LOOP, NodeSpec

KINDS = {"": "Once (no loop)", "files": "Once per file of a folder", "groups": "Once per group of rows",
         "values": "Once per value of its parameters"}
LOOPABLE = ("int", "float", "bool", "str")


def summary(loop: dict[str, Any]) -> str:
    """`files data/monthly/*.csv`, `groups by region`, `6 values of max_depth, model`: what a loop runs over."""
    over = loop.get("over")
    if over == "files":
        return f"files {loop.get('folder', '')}/{loop.get('pattern', '*')}"
    if over == "groups":
        return f"groups by {', '.join(map(str, loop.get('keys') or []))}"
    values = loop.get("values") if isinstance(loop.get("values"), dict) else {}
    sizes = [len(v) for v in values.values() if isinstance(v, list)]
    count = (sizes[0] if loop.get("combine") == "zip" else _product(sizes)) if sizes else 0
    return f"{count} combinations of {', '.join(values)}" if len(values) > 1 else f"{count} values of {', '.join(values)}"


def _product(sizes: list[int]) -> int:
    total = 1
    for size in sizes:
        total *= size
    return total


def render(node_id: str, body: NodeSpec) -> None:
    """Draw the section for node `node_id`, whose body (type or component) is `body`."""
    d = actions.doc()
    loop = d.workflow.nodes[node_id].extra.get(LOOP)
    loop = loop if isinstance(loop, dict) else {}
    title = f"Loop: {summary(loop)}" if loop else "Loop"
    # one section for every node, closed again when another node is shown (`slots`)
    box = st.expander(title, key=slots.closed("loop", node_id), on_change="rerun", icon=":material/repeat:")
    if not box.open:
        return
    with box:
        key = f"{node_id}@{d.revision}"
        kinds = list(KINDS)
        over = st.selectbox("Run this node", kinds, format_func=KINDS.get, key=f"loop_over:{key}",
                            index=kinds.index(loop.get("over", "")) if loop.get("over", "") in kinds else 0)
        try:
            made = _fields(over, loop if loop.get("over") == over else {}, body, key)
        except ValueError as exc:
            st.error(str(exc))
            return
        if st.button("Apply", key=f"loop_apply:{key}", type="primary" if made != (loop or None) else "secondary"):
            d.set_loop(node_id, made)
            st.rerun()


def _fields(over: str, loop: dict[str, Any], body: NodeSpec, key: str) -> dict[str, Any] | None:
    """The loop the fields describe (None: no loop); ValueError for values that cannot be read."""
    if over == "files":
        texts = [p.name for p in body.params if p.kind == "str"]
        if not texts:
            raise ValueError(f"{body.type_id} has no text parameter to take each file's path")
        paths = [p.name for p in body.params if p.kind == "str" and "path" in p.name] or texts
        param = st.selectbox("Each file's path goes to", texts, key=f"loop_param:{key}",
                             index=texts.index(loop.get("param", paths[0])) if loop.get("param", paths[0]) in texts else 0)
        folder = st.text_input("Folder (relative to the workflow's folder)", value=loop.get("folder", "data"),
                               key=f"loop_folder:{key}")
        pattern = st.text_input("File names matching", value=loop.get("pattern", "*.csv"), key=f"loop_pattern:{key}")
        column = st.text_input("Column naming the file", value=loop.get("item_column", "file"), key=f"loop_col:{key}")
        return {"over": "files", "folder": folder, "pattern": pattern, "param": param, "item_column": column}
    if over == "groups":
        ports = [p.name for p in body.inputs if p.type.name == "table"]
        if not ports:
            raise ValueError(f"{body.type_id} has no table input to take each group")
        port = st.selectbox("Each group goes to input", ports, key=f"loop_port:{key}",
                            index=ports.index(loop["port"]) if loop.get("port") in ports else 0)
        keys = st.text_input("Group by columns (comma-separated)", value=", ".join(loop.get("keys", [])),
                             key=f"loop_keys:{key}")
        return {"over": "groups", "port": port, "keys": [k.strip() for k in keys.split(",") if k.strip()]}
    if over == "values":
        params = [p for p in body.params if p.kind in LOOPABLE]
        values = loop.get("values") if isinstance(loop.get("values"), dict) else {}
        chosen = st.multiselect("Parameters to vary", [p.name for p in params], key=f"loop_params:{key}",
                                default=[n for n in values if n in {p.name for p in params}])
        lists = {}
        for param in params:
            if param.name not in chosen:
                continue
            text = st.text_input(f"Values of {param.name}, as a JSON list", key=f"loop_values:{param.name}:{key}",
                                 value=json.dumps(values.get(param.name, [param.default])))
            try:
                lists[param.name] = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"the values of {param.name} are not a JSON list: {exc.msg}") from None
        combine = st.radio("Combine", ["grid", "zip"], horizontal=True, key=f"loop_combine:{key}",
                           index=1 if loop.get("combine") == "zip" else 0,
                           format_func={"grid": "every combination", "zip": "side by side"}.get)
        return {"over": "values", "values": lists, **({"combine": "zip"} if combine == "zip" else {})}
    return None
