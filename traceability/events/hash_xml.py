"""EPCIS 2.0 XML documents read into the JSON-LD shape the event hash takes (for test data).

The hash vectors come in both bindings; reading the XML ones into the same dictionaries as the
JSON-LD ones lets one `hashing.prehash` serve both, and shows that the two bindings of one event
hash the same. Only what the hash needs: events (EventList of an EPCISDocument or of an
EPCISQueryDocument's resultsBody), extension elements as `{namespace}name` members, the
document's `ignoreFields` list. Standard library ElementTree: trusted test data only (it does not
defend against entity expansion; captured XML is not read with it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

from traceability.events import vocabulary

# EPCIS 1.x wrappers whose content belongs to the element around them.
_WRAPPERS = frozenset({"extension", "baseExtension"})
# Lists whose elements are plain values (<epc>…</epc>).
_VALUE_LISTS = frozenset({"epcList", "inputEPCList", "outputEPCList", "childEPCs"})
# Lists of structures (<quantityElement>, <sensorElement>).
_ELEMENT_LISTS = frozenset(
    {
        "quantityList",
        "childQuantityList",
        "inputQuantityList",
        "outputQuantityList",
        "sensorElementList",
    }
)
# Lists of typed values: <bizTransaction type="…">value</bizTransaction>.
_PAIR_LISTS = {
    "bizTransactionList": "bizTransaction",
    "sourceList": "source",
    "destinationList": "destination",
}
# XML values may use these prefixes without declaring them for the hash (gs1:MT-Temperature).
XML_CONTEXT = [{"gs1": vocabulary.GS1_VOC, "cbv": vocabulary.CBV}]


@dataclass
class XmlDocument:
    events: list[dict]
    ignore_fields: list[str] = field(default_factory=list)
    context: list = field(default_factory=lambda: list(XML_CONTEXT))


def _name(tag: str) -> str:
    """A standard element's local name; an extension element keeps `{namespace}name`."""
    if tag.startswith("{") and tag[1:].startswith("urn:epcglobal:epcis"):
        return tag.rpartition("}")[2]
    return tag


def _unwrapped(element: ElementTree.Element) -> list[ElementTree.Element]:
    children: list[ElementTree.Element] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        if child.tag in _WRAPPERS:
            children.extend(_unwrapped(child))
        else:
            children.append(child)
    return children


def _text(element: ElementTree.Element) -> str:
    return (element.text or "").strip()


def _value(element: ElementTree.Element) -> object:
    """An element as a JSON value: its text, or a mapping of its attributes and children."""
    name = _name(element.tag)
    children = _unwrapped(element)
    if name in _VALUE_LISTS:
        return [_text(child) for child in children]
    if name in _ELEMENT_LISTS:
        return [_value(child) for child in children]
    if name in _PAIR_LISTS:
        pairs = []
        for child in children:
            pair = {"type": child.get("type")} if child.get("type") is not None else {}
            pair[_PAIR_LISTS[name]] = _text(child)
            pairs.append(pair)
        return pairs
    if not children and not element.attrib:
        return _text(element)
    result: dict[str, object] = {_name(key): value for key, value in element.attrib.items()}
    for child in children:
        key, value = _name(child.tag), _value(child)
        if key in result:
            previous = result[key]
            result[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result[key] = value
    return result


def _event(element: ElementTree.Element) -> dict:
    event = _value(element)
    if not isinstance(event, dict):
        event = {}
    # (A single child is a mapping, repeated ones a list: the hash treats both alike.)
    return {"type": _name(element.tag), **event}


def read(text: str) -> XmlDocument:
    """The events of an EPCIS XML document (EPCISDocument or EPCISQueryDocument)."""
    root = ElementTree.fromstring(text)  # noqa: S314 - trusted test data, see the docstring
    event_list = next((e for e in root.iter() if _name(e.tag) == "EventList"), None)
    events = [_event(child) for child in _unwrapped(event_list)] if event_list is not None else []
    ignore: list[str] = []
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.rpartition("}")[2] == "ignoreFields":
            ignore = [child.tag for child in element]
            break
    return XmlDocument(events=events, ignore_fields=ignore)
