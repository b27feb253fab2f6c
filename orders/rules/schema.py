"""What a rule may say: its condition fields and operators, its action types, and their checks.

A rule is stored as JSON (`conditions`: [{"field", "op", "value"}], `actions`: [{"type", "value"}]);
`rule_definition_clean` turns what a manager typed (a page's text boxes or the API's JSON) into that canonical
form, or raises RuleDefinitionError with one message per bad entry, so that a rule that could never fire
(unknown field, impossible value, a hold with no reason) is never stored.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from inventory.models import Client, Product
from orders.choices import ChannelKind, OrderPriority, PaymentStatus, ServiceLevel
from orders.models import SalesChannel
from warehouses.models import Warehouse

MAX_LIST_ITEMS = 200
MAX_TEXT = 200
MAX_NUMBER = Decimal("100000000")


class RuleDefinitionError(Exception):
    """The conditions or actions of a rule make no sense; `errors` maps 'conditions'/'actions' to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs))
        self.errors = errors


class _Bad(Exception):
    pass


# --- condition fields ------------------------------------------------------------------------------------

SET_OPS = ("in", "not_in")
NUMBER_OPS = ("eq", "gt", "gte", "lt", "lte")
PREFIX_OPS = ("starts_with", "not_starts_with")
COLLECTION_OPS = ("any", "all", "none")
TEXT_OPS = ("contains", "not_contains", "equals")
BOOL_OPS = ("is",)

OP_LABELS = {
    "in": "is one of", "not_in": "is not one of", "eq": "=", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤",
    "starts_with": "starts with one of", "not_starts_with": "starts with none of", "any": "has any of",
    "all": "has all of", "none": "has none of", "contains": "contains", "not_contains": "does not contain",
    "equals": "equals", "is": "is",
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    ops: tuple[str, ...]
    value: str  # how the value is parsed: see _parse_condition_value
    help: str
    minimum: Decimal | None = None  # smallest value the fact can take, for spotting impossible ranges


CONDITION_FIELDS: dict[str, FieldSpec] = {f.name: f for f in [
    FieldSpec("channel", "Sales channel", SET_OPS, "channel_ids", "Channel ids, e.g. 3, 4"),
    FieldSpec("channel_kind", "Channel kind", SET_OPS, "channel_kinds",
              "One or more of " + ", ".join(ChannelKind.values)),
    FieldSpec("client", "Client", SET_OPS, "client_codes", "Client codes, e.g. CASCADE"),
    FieldSpec("ship_country", "Destination country", SET_OPS, "countries", "ISO codes, e.g. US, CA"),
    FieldSpec("ship_state", "Destination state", SET_OPS, "states", "State codes, e.g. AK, HI"),
    FieldSpec("ship_postal_code", "Destination postal code", PREFIX_OPS, "prefixes",
              "Prefixes, e.g. 995, 996"),
    FieldSpec("order_total", "Order total", NUMBER_OPS, "money", "Amount in the order's currency, e.g. 1000",
              minimum=Decimal(0)),
    FieldSpec("item_count", "Item count", NUMBER_OPS, "count", "Units ordered (inserts not counted)",
              minimum=Decimal(1)),
    FieldSpec("total_weight_g", "Total weight (g)", NUMBER_OPS, "count", "Grams, from the products' weights",
              minimum=Decimal(0)),
    FieldSpec("sku", "SKUs present", COLLECTION_OPS, "skus", "SKUs, e.g. CO-TNT-2P"),
    FieldSpec("tags", "Order tags", COLLECTION_OPS, "tags", "Tags, e.g. wholesale, vip"),
    FieldSpec("note", "Order note", TEXT_OPS, "text", "Words to look for (any case)"),
    FieldSpec("requested_shipping_method", "Requested shipping method", TEXT_OPS, "text",
              "As the storefront named it, e.g. Freight"),
    FieldSpec("requested_service_level", "Requested service level", SET_OPS, "service_levels",
              "One or more of " + ", ".join(ServiceLevel.values)),
    FieldSpec("customer_email_domain", "Customer email domain", SET_OPS, "domains", "e.g. example.com"),
    FieldSpec("first_order", "First order of this customer", BOOL_OPS, "bool", "yes or no"),
    FieldSpec("payment_status", "Storefront payment status", SET_OPS, "payment_statuses",
              "One or more of " + ", ".join(v or "none" for v in PaymentStatus.values)),
]}


# --- actions ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str
    value: str
    help: str
    repeatable: bool = False


ACTION_TYPES: dict[str, ActionSpec] = {a.name: a for a in [
    ActionSpec("set_warehouse", "Ship from warehouse", "warehouse", "Warehouse code, e.g. SLC"),
    ActionSpec("limit_warehouses", "Ship only from warehouses", "warehouses", "Warehouse codes, e.g. SLC, NSH"),
    ActionSpec("set_carrier", "Set carrier", "code", "Carrier code, e.g. ups"),
    ActionSpec("set_service", "Set carrier service", "code", "Service code, e.g. ground"),
    ActionSpec("set_box_type", "Set packaging (box type)", "code", "Box type code, e.g. CASCADE-BOX-M"),
    ActionSpec("add_tags", "Add tags", "tags", "Tags, e.g. wholesale", repeatable=True),
    ActionSpec("hold", "Put on hold", "reason", "Reason shown to managers (required)"),
    ActionSpec("hold_until", "Hold until a date", "until", "Days after arrival (e.g. 2) or a date (YYYY-MM-DD)"),
    ActionSpec("set_priority", "Set priority", "priority", "One of " + ", ".join(
        label.lower() for label in OrderPriority.labels)),
    ActionSpec("add_insert", "Add an insert item", "insert", "SKU and quantity, e.g. FLYER-01 x 1",
               repeatable=True),
]}

PRIORITY_BY_NAME = {label.lower(): value for value, label in OrderPriority.choices}
PRIORITY_NAME = {value: label.lower() for value, label in OrderPriority.choices}

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9 _:.\-/]{0,39}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
STATE_RE = re.compile(r"^[A-Z0-9]{1,3}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
INSERT_RE = re.compile(r"^(?P<sku>[^\s:]+)\s*(?:(?:x|×|:|\*)\s*(?P<qty>\d+))?$", re.IGNORECASE)


# --- parsing helpers -------------------------------------------------------------------------------------

def _as_list(raw) -> list:
    """A list from JSON (a list) or from a text box ('a, b; c' or one per line)."""
    if isinstance(raw, list | tuple):
        items = list(raw)
    elif isinstance(raw, str):
        items = [p for p in re.split(r"[,;\n]", raw)]
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        items = [raw]
    else:
        raise _Bad("expected a list of values")
    cleaned = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise _Bad("each value must be a word or a number")
        text = str(item).strip()
        if len(text) > MAX_TEXT:
            raise _Bad(f"value '{text[:20]}…' is too long")
        if text and text not in cleaned:
            cleaned.append(text)
    if not cleaned:
        raise _Bad("give at least one value")
    if len(cleaned) > MAX_LIST_ITEMS:
        raise _Bad(f"at most {MAX_LIST_ITEMS} values")
    return cleaned


def _as_text(raw) -> str:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise _Bad("expected text")
    text = str(raw).strip()
    if not text:
        raise _Bad("give a value")
    if len(text) > MAX_TEXT:
        raise _Bad(f"at most {MAX_TEXT} characters")
    return text


def _as_decimal(raw) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise _Bad("expected a number")
    try:
        value = Decimal(str(raw).strip().replace(",", "").lstrip("$"))
    except InvalidOperation as exc:
        raise _Bad(f"'{raw}' is not a number") from exc
    if not value.is_finite():
        raise _Bad("expected a finite number")
    if value < 0:
        raise _Bad("cannot be negative")
    if value > MAX_NUMBER:
        raise _Bad("is far too large")
    return value


def _as_bool(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in {"yes", "true", "1", "y"}:
            return True
        if text in {"no", "false", "0", "n"}:
            return False
    raise _Bad("expected yes or no")


def _choices(raw, allowed: list[str], what: str, aliases: dict[str, str] | None = None) -> list[str]:
    values = []
    for item in _as_list(raw):
        key = item.lower()
        key = (aliases or {}).get(key, key)
        if key not in allowed:
            raise _Bad(f"unknown {what} '{item}' (known: {', '.join(v or 'none' for v in allowed)})")
        values.append(key)
    return values


class _Context:
    """Lookups a definition needs (existing clients, channels, SKUs, warehouses), loaded once per check."""

    def __init__(self, client):
        self.client = client

    def client_codes(self) -> set[str]:
        return set(Client.objects.values_list("code", flat=True))

    def channels(self, ids: list[int]) -> dict[int, int]:
        return dict(SalesChannel.objects.filter(pk__in=ids).values_list("pk", "client_id"))

    def warehouse_codes(self) -> set[str]:
        return set(Warehouse.objects.filter(is_active=True).values_list("code", flat=True))

    def product_skus(self, skus: list[str]) -> set[str]:
        qs = Product.objects.filter(sku__in=skus)
        if self.client is not None:
            qs = qs.filter(client=self.client)
        return set(qs.values_list("sku", flat=True))


def _matching(raw, pattern: re.Pattern, what: str, normalize) -> list[str]:
    """A list of values, each normalized and then matched against `pattern`; the first that fails is named."""
    values = [normalize(v) for v in _as_list(raw)]
    bad = [v for v in values if not pattern.match(v)]
    if bad:
        raise _Bad(f"'{bad[0]}' is not {what}")
    return values


POSTAL_PREFIX_RE = re.compile(r"^[A-Z0-9\-]{1,10}$")


def _channel_ids(raw, ctx: _Context) -> list[int]:
    ids = []
    for item in _as_list(raw):
        try:
            channel_id = int(item)
        except ValueError as exc:
            raise _Bad(f"'{item}' is not a channel id") from exc
        if not 1 <= channel_id < 2**53:
            raise _Bad(f"'{item}' is not a channel id")
        ids.append(channel_id)
    found = ctx.channels(ids)
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise _Bad(f"no channel with id {', '.join(missing)}")
    if ctx.client is not None:
        foreign = [str(i) for i in ids if found[i] != ctx.client.pk]
        if foreign:
            raise _Bad(f"channel {', '.join(foreign)} belongs to another client than the rule's")
    return ids


def _client_codes(raw, ctx: _Context) -> list[str]:
    codes = [c.upper() for c in _as_list(raw)]
    known = ctx.client_codes()
    missing = [c for c in codes if c not in known]
    if missing:
        raise _Bad(f"no client with code {', '.join(missing)}")
    return codes


def _count(raw, ctx: _Context) -> int:
    value = _as_decimal(raw)
    if value != value.to_integral_value():
        raise _Bad("expected a whole number")
    return int(value)


def _skus(raw, ctx: _Context) -> list[str]:
    skus = _as_list(raw)
    known = ctx.product_skus(skus)
    missing = [s for s in skus if s not in known]
    if missing:
        whose = f"{ctx.client.code}'s" if ctx.client is not None else "any client's"
        raise _Bad(f"unknown SKU {', '.join(missing)} (not in {whose} catalogue)")
    return skus


def _tags(raw, ctx: _Context) -> list[str]:
    return _matching(raw, TAG_RE, "a tag (letters, digits, - _ : . / and spaces, up to 40)", str.lower)


# One parser per kind of condition value (FieldSpec.value): each takes the raw value and the lookups.
CONDITION_VALUE_PARSERS = {
    "channel_ids": _channel_ids,
    "channel_kinds": lambda raw, ctx: _choices(raw, list(ChannelKind.values), "channel kind"),
    "client_codes": _client_codes,
    "countries": lambda raw, ctx: _matching(raw, COUNTRY_RE, "a two-letter country code", str.upper),
    "states": lambda raw, ctx: _matching(raw, STATE_RE, "a state code", str.upper),
    "prefixes": lambda raw, ctx: _matching(raw, POSTAL_PREFIX_RE, "a postal code prefix",
                                           lambda p: re.sub(r"\s+", "", p).upper()),
    "money": lambda raw, ctx: str(_as_decimal(raw).quantize(Decimal("0.01"))),
    "count": _count,
    "skus": _skus,
    "tags": _tags,
    "text": lambda raw, ctx: _as_text(raw),
    "service_levels": lambda raw, ctx: _choices(raw, list(ServiceLevel.values), "service level"),
    "domains": lambda raw, ctx: _matching(raw, DOMAIN_RE, "an email domain", lambda d: d.lower().lstrip("@")),
    "bool": lambda raw, ctx: _as_bool(raw),
    "payment_statuses": lambda raw, ctx: _choices(raw, list(PaymentStatus.values), "payment status",
                                                  aliases={"none": "", "not_applicable": "", "n/a": ""}),
}


def _parse_condition_value(spec: FieldSpec, raw, ctx: _Context):
    parser = CONDITION_VALUE_PARSERS.get(spec.value)
    if parser is None:
        raise AssertionError(spec.value)
    return parser(raw, ctx)


def _warehouse(raw, ctx: _Context) -> str:
    code = _as_text(raw).upper()
    if code not in ctx.warehouse_codes():
        raise _Bad(f"no active warehouse with code {code}")
    return code


def _warehouses(raw, ctx: _Context) -> list[str]:
    codes = [c.upper() for c in _as_list(raw)]
    missing = [c for c in codes if c not in ctx.warehouse_codes()]
    if missing:
        raise _Bad(f"no active warehouse with code {', '.join(missing)}")
    return codes


def _code(raw, ctx: _Context) -> str:
    code = _as_text(raw)
    if not CODE_RE.match(code):
        raise _Bad(f"'{code}' is not a code (letters, digits, - _ . up to 40)")
    return code


def _reason(raw, ctx: _Context) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise _Bad("a hold needs a reason")
    return _as_text(raw)


def _until(raw, ctx: _Context) -> dict:
    if isinstance(raw, dict):
        keys = set(raw)
        if keys == {"days"}:
            raw = raw["days"]
        elif keys == {"date"}:
            raw = raw["date"]
        else:
            raise _Bad('give {"days": N} or {"date": "YYYY-MM-DD"}')
    if isinstance(raw, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", raw.strip()):
        return {"date": _future_date(raw).isoformat()}
    if isinstance(raw, str):
        raw = re.sub(r"\s*days?$", "", raw.strip(), flags=re.IGNORECASE)
    value = _as_decimal(raw)
    if value != value.to_integral_value() or not 1 <= value <= 365:
        raise _Bad("days must be a whole number from 1 to 365")
    return {"days": int(value)}


def _future_date(raw: str) -> datetime.date:
    try:
        date = datetime.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise _Bad(f"'{raw}' is not a date") from exc
    if date <= timezone.localdate():
        raise _Bad(f"{date} is not in the future, so the hold would end at once")
    return date


def _priority(raw, ctx: _Context) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool) and raw in PRIORITY_NAME:
        return PRIORITY_NAME[raw]
    name = _as_text(raw).lower()
    if name not in PRIORITY_BY_NAME:
        raise _Bad(f"unknown priority '{name}' (known: {', '.join(PRIORITY_BY_NAME)})")
    return name


def _insert_parts(raw) -> tuple[str, object]:
    """The SKU and the raw quantity of an insert, given as {"sku", "quantity"} or as text ("FLYER-01 x 2")."""
    if isinstance(raw, dict):
        if not set(raw) <= {"sku", "quantity"} or "sku" not in raw:
            raise _Bad('give {"sku": "...", "quantity": N}')
        return _as_text(raw["sku"]), raw.get("quantity", 1)
    match = INSERT_RE.match(_as_text(raw))
    if not match:
        raise _Bad("give a SKU and optionally a quantity, e.g. FLYER-01 x 2")
    return match["sku"], match["qty"] or 1


def _insert(raw, ctx: _Context) -> dict:
    sku, qty_raw = _insert_parts(raw)
    quantity = _as_decimal(qty_raw)
    if quantity != quantity.to_integral_value() or not 1 <= quantity <= 100:
        raise _Bad("the insert quantity must be a whole number from 1 to 100")
    if ctx.client is None:
        raise _Bad("an insert item is a client's SKU: set the rule's client first")
    if sku not in ctx.product_skus([sku]):
        raise _Bad(f"unknown SKU {sku} (not in {ctx.client.code}'s catalogue)")
    return {"sku": sku, "quantity": int(quantity)}


# One parser per kind of action value (ActionSpec.value).
ACTION_VALUE_PARSERS = {
    "warehouse": _warehouse,
    "warehouses": _warehouses,
    "code": _code,
    "tags": _tags,
    "reason": _reason,
    "until": _until,
    "priority": _priority,
    "insert": _insert,
}


def _parse_action_value(spec: ActionSpec, raw, ctx: _Context):
    parser = ACTION_VALUE_PARSERS.get(spec.value)
    if parser is None:
        raise AssertionError(spec.value)
    return parser(raw, ctx)


def _impossible_ranges(conditions: list[dict]) -> list[str]:
    """Name numeric fields whose conditions can never all hold (e.g. total > 500 and total < 100)."""
    problems = []
    for name, spec in CONDITION_FIELDS.items():
        if spec.ops != NUMBER_OPS:
            continue
        lo, lo_incl = spec.minimum, True
        hi, hi_incl = None, True
        for cond in conditions:
            if cond["field"] != name:
                continue
            v = Decimal(str(cond["value"]))
            op = cond["op"]
            if op in ("gt", "gte", "eq") and (lo is None or v > lo or (v == lo and op == "gt")):
                lo, lo_incl = v, op != "gt"
            if op in ("lt", "lte", "eq") and (hi is None or v < hi or (v == hi and op == "lt")):
                hi, hi_incl = v, op != "lt"
        if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lo_incl and hi_incl))):
            problems.append(f"The conditions on {spec.label.lower()} can never all hold.")
    return problems


def _clean_condition(prefix: str, cond, ctx: _Context) -> dict:
    """One condition in canonical form; raises _Bad with the whole message for the page."""
    if not isinstance(cond, dict):
        raise _Bad(f"{prefix}: must be an object with field, op and value.")
    extra = set(cond) - {"field", "op", "value"}
    if extra:
        raise _Bad(f"{prefix}: unknown key {', '.join(sorted(map(str, extra)))}.")
    field = cond.get("field")
    spec = CONDITION_FIELDS.get(field) if isinstance(field, str) else None
    if spec is None:
        raise _Bad(f"{prefix}: unknown field '{field}'. Known fields: {', '.join(CONDITION_FIELDS)}.")
    op = cond.get("op")
    if op is None and len(spec.ops) == 1:
        op = spec.ops[0]
    if op not in spec.ops:
        raise _Bad(f"{prefix} ({spec.label}): operator '{op}' is not one of {', '.join(spec.ops)}.")
    try:
        value = _parse_condition_value(spec, cond.get("value"), ctx)
    except _Bad as exc:
        raise _Bad(f"{prefix} ({spec.label}): {exc}.") from exc
    client = ctx.client
    if field == "client" and client is not None and (client.code in value) != (op == "in"):
        raise _Bad(f"{prefix} ({spec.label}): the rule is for {client.code} only, so this could never hold.")
    return {"field": field, "op": op, "value": value}


def _clean_conditions(conditions, ctx: _Context, errors: dict[str, list[str]]) -> list[dict]:
    if conditions is None:
        conditions = []
    if not isinstance(conditions, list):
        errors["conditions"] = ["Conditions must be a list of {field, op, value}."]
        conditions = []
    clean: list[dict] = []
    for i, cond in enumerate(conditions, start=1):
        try:
            clean.append(_clean_condition(f"Condition {i}", cond, ctx))
        except _Bad as exc:
            errors.setdefault("conditions", []).append(str(exc))
    if not errors.get("conditions") and (problems := _impossible_ranges(clean)):
        errors["conditions"] = problems
    return clean


def _clean_action(prefix: str, action, ctx: _Context, seen: set[str]) -> dict:
    """One action in canonical form (`seen`: the types before it); raises _Bad with the whole message."""
    if not isinstance(action, dict):
        raise _Bad(f"{prefix}: must be an object with type and value.")
    extra = set(action) - {"type", "value"}
    if extra:
        raise _Bad(f"{prefix}: unknown key {', '.join(sorted(map(str, extra)))}.")
    kind = action.get("type")
    spec = ACTION_TYPES.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise _Bad(f"{prefix}: unknown action '{kind}'. Known actions: {', '.join(ACTION_TYPES)}.")
    if kind in seen and not spec.repeatable:
        raise _Bad(f"{prefix} ({spec.label}): given twice; keep one.")
    seen.add(kind)
    try:
        value = _parse_action_value(spec, action.get("value"), ctx)
    except _Bad as exc:
        raise _Bad(f"{prefix} ({spec.label}): {exc}.") from exc
    return {"type": kind, "value": value}


def _clean_actions(actions, ctx: _Context, errors: dict[str, list[str]]) -> list[dict]:
    if not isinstance(actions, list):
        errors["actions"] = ["Actions must be a list of {type, value}."]
        actions = []
    elif not actions:
        errors["actions"] = ["A rule needs at least one action."]
    seen: set[str] = set()
    clean: list[dict] = []
    for i, action in enumerate(actions, start=1):
        try:
            clean.append(_clean_action(f"Action {i}", action, ctx, seen))
        except _Bad as exc:
            errors.setdefault("actions", []).append(str(exc))
    if not errors.get("actions"):
        forced = next((a["value"] for a in clean if a["type"] == "set_warehouse"), None)
        allowed = next((a["value"] for a in clean if a["type"] == "limit_warehouses"), None)
        if forced and allowed and forced not in allowed:
            errors["actions"] = [f"Warehouse {forced} is not among the allowed warehouses {', '.join(allowed)}."]
    return clean


def rule_definition_clean(*, conditions, actions, client=None) -> tuple[list[dict], list[dict]]:
    """Check a rule's conditions and actions and return them in canonical form.

    Raises RuleDefinitionError listing every problem (unknown fields or actions, bad or impossible values,
    a hold without a reason, a rule without actions).
    """
    ctx = _Context(client)
    errors: dict[str, list[str]] = {}
    clean_conditions = _clean_conditions(conditions, ctx, errors)
    clean_actions = _clean_actions(actions, ctx, errors)
    if errors:
        raise RuleDefinitionError(errors)
    return clean_conditions, clean_actions


# --- describing a rule in words --------------------------------------------------------------------------

def _value_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) if v != "" else "none" for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if "days" in value:
            return f"{value['days']} day(s) after arrival"
        if "date" in value:
            return value["date"]
        if "sku" in value:
            return f"{value['sku']} × {value['quantity']}"
    return str(value)


def condition_text(cond: dict) -> str:
    spec = CONDITION_FIELDS.get(cond.get("field"))
    label = spec.label if spec else str(cond.get("field"))
    return f"{label} {OP_LABELS.get(cond.get('op'), cond.get('op'))} {_value_text(cond.get('value'))}"


def action_text(action: dict) -> str:
    spec = ACTION_TYPES.get(action.get("type"))
    label = spec.label if spec else str(action.get("type"))
    return f"{label}: {_value_text(action.get('value'))}"
