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

from orders.choices import ChannelKind, OrderPriority, PaymentStatus, ServiceLevel

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
        from inventory.models import Client

        return set(Client.objects.values_list("code", flat=True))

    def channels(self, ids: list[int]) -> dict[int, int]:
        from orders.models import SalesChannel

        return dict(SalesChannel.objects.filter(pk__in=ids).values_list("pk", "client_id"))

    def warehouse_codes(self) -> set[str]:
        from warehouses.models import Warehouse

        return set(Warehouse.objects.filter(is_active=True).values_list("code", flat=True))

    def product_skus(self, skus: list[str]) -> set[str]:
        from inventory.models import Product

        qs = Product.objects.filter(sku__in=skus)
        if self.client is not None:
            qs = qs.filter(client=self.client)
        return set(qs.values_list("sku", flat=True))


def _parse_condition_value(spec: FieldSpec, raw, ctx: _Context):
    kind = spec.value
    if kind == "channel_ids":
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
    if kind == "channel_kinds":
        return _choices(raw, list(ChannelKind.values), "channel kind")
    if kind == "client_codes":
        codes = [c.upper() for c in _as_list(raw)]
        known = ctx.client_codes()
        missing = [c for c in codes if c not in known]
        if missing:
            raise _Bad(f"no client with code {', '.join(missing)}")
        return codes
    if kind == "countries":
        codes = [c.upper() for c in _as_list(raw)]
        bad = [c for c in codes if not COUNTRY_RE.match(c)]
        if bad:
            raise _Bad(f"'{bad[0]}' is not a two-letter country code")
        return codes
    if kind == "states":
        codes = [c.upper() for c in _as_list(raw)]
        bad = [c for c in codes if not STATE_RE.match(c)]
        if bad:
            raise _Bad(f"'{bad[0]}' is not a state code")
        return codes
    if kind == "prefixes":
        prefixes = [re.sub(r"\s+", "", p).upper() for p in _as_list(raw)]
        bad = [p for p in prefixes if not re.match(r"^[A-Z0-9\-]{1,10}$", p)]
        if bad:
            raise _Bad(f"'{bad[0]}' is not a postal code prefix")
        return prefixes
    if kind == "money":
        return str(_as_decimal(raw).quantize(Decimal("0.01")))
    if kind == "count":
        value = _as_decimal(raw)
        if value != value.to_integral_value():
            raise _Bad("expected a whole number")
        return int(value)
    if kind == "skus":
        skus = _as_list(raw)
        known = ctx.product_skus(skus)
        missing = [s for s in skus if s not in known]
        if missing:
            whose = f"{ctx.client.code}'s" if ctx.client is not None else "any client's"
            raise _Bad(f"unknown SKU {', '.join(missing)} (not in {whose} catalogue)")
        return skus
    if kind == "tags":
        tags = [t.lower() for t in _as_list(raw)]
        bad = [t for t in tags if not TAG_RE.match(t)]
        if bad:
            raise _Bad(f"'{bad[0]}' is not a tag (letters, digits, - _ : . / and spaces, up to 40)")
        return tags
    if kind == "text":
        return _as_text(raw)
    if kind == "service_levels":
        return _choices(raw, list(ServiceLevel.values), "service level")
    if kind == "domains":
        domains = [d.lower().lstrip("@") for d in _as_list(raw)]
        bad = [d for d in domains if not DOMAIN_RE.match(d)]
        if bad:
            raise _Bad(f"'{bad[0]}' is not an email domain")
        return domains
    if kind == "bool":
        return _as_bool(raw)
    if kind == "payment_statuses":
        return _choices(raw, list(PaymentStatus.values), "payment status",
                        aliases={"none": "", "not_applicable": "", "n/a": ""})
    raise AssertionError(kind)


def _parse_action_value(spec: ActionSpec, raw, ctx: _Context):
    kind = spec.value
    if kind == "warehouse":
        code = _as_text(raw).upper()
        if code not in ctx.warehouse_codes():
            raise _Bad(f"no active warehouse with code {code}")
        return code
    if kind == "warehouses":
        codes = [c.upper() for c in _as_list(raw)]
        missing = [c for c in codes if c not in ctx.warehouse_codes()]
        if missing:
            raise _Bad(f"no active warehouse with code {', '.join(missing)}")
        return codes
    if kind == "code":
        code = _as_text(raw)
        if not CODE_RE.match(code):
            raise _Bad(f"'{code}' is not a code (letters, digits, - _ . up to 40)")
        return code
    if kind == "tags":
        return _parse_condition_value(CONDITION_FIELDS["tags"], raw, ctx)
    if kind == "reason":
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise _Bad("a hold needs a reason")
        return _as_text(raw)
    if kind == "until":
        if isinstance(raw, dict):
            keys = set(raw)
            if keys == {"days"}:
                raw = raw["days"]
            elif keys == {"date"}:
                raw = raw["date"]
            else:
                raise _Bad('give {"days": N} or {"date": "YYYY-MM-DD"}')
        if isinstance(raw, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", raw.strip()):
            try:
                date = datetime.date.fromisoformat(raw.strip())
            except ValueError as exc:
                raise _Bad(f"'{raw}' is not a date") from exc
            if date <= timezone.localdate():
                raise _Bad(f"{date} is not in the future, so the hold would end at once")
            return {"date": date.isoformat()}
        if isinstance(raw, str):
            raw = re.sub(r"\s*days?$", "", raw.strip(), flags=re.IGNORECASE)
        value = _as_decimal(raw)
        if value != value.to_integral_value() or not 1 <= value <= 365:
            raise _Bad("days must be a whole number from 1 to 365")
        return {"days": int(value)}
    if kind == "priority":
        if isinstance(raw, int) and not isinstance(raw, bool) and raw in PRIORITY_NAME:
            return PRIORITY_NAME[raw]
        name = _as_text(raw).lower()
        if name not in PRIORITY_BY_NAME:
            raise _Bad(f"unknown priority '{name}' (known: {', '.join(PRIORITY_BY_NAME)})")
        return name
    if kind == "insert":
        if isinstance(raw, dict):
            if not set(raw) <= {"sku", "quantity"} or "sku" not in raw:
                raise _Bad('give {"sku": "...", "quantity": N}')
            sku = _as_text(raw["sku"])
            qty_raw = raw.get("quantity", 1)
        else:
            match = INSERT_RE.match(_as_text(raw))
            if not match:
                raise _Bad("give a SKU and optionally a quantity, e.g. FLYER-01 x 2")
            sku, qty_raw = match["sku"], match["qty"] or 1
        quantity = _as_decimal(qty_raw)
        if quantity != quantity.to_integral_value() or not 1 <= quantity <= 100:
            raise _Bad("the insert quantity must be a whole number from 1 to 100")
        if ctx.client is None:
            raise _Bad("an insert item is a client's SKU: set the rule's client first")
        if sku not in ctx.product_skus([sku]):
            raise _Bad(f"unknown SKU {sku} (not in {ctx.client.code}'s catalogue)")
        return {"sku": sku, "quantity": int(quantity)}
    raise AssertionError(kind)


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


def rule_definition_clean(*, conditions, actions, client=None) -> tuple[list[dict], list[dict]]:
    """Check a rule's conditions and actions and return them in canonical form.

    Raises RuleDefinitionError listing every problem (unknown fields or actions, bad or impossible values,
    a hold without a reason, a rule without actions).
    """
    ctx = _Context(client)
    errors: dict[str, list[str]] = {}
    clean_conditions: list[dict] = []
    if conditions is None:
        conditions = []
    if not isinstance(conditions, list):
        errors["conditions"] = ["Conditions must be a list of {field, op, value}."]
        conditions = []
    for i, cond in enumerate(conditions, start=1):
        prefix = f"Condition {i}"
        if not isinstance(cond, dict):
            errors.setdefault("conditions", []).append(f"{prefix}: must be an object with field, op and value.")
            continue
        extra = set(cond) - {"field", "op", "value"}
        if extra:
            errors.setdefault("conditions", []).append(f"{prefix}: unknown key {', '.join(sorted(map(str, extra)))}.")
            continue
        field = cond.get("field")
        spec = CONDITION_FIELDS.get(field) if isinstance(field, str) else None
        if spec is None:
            errors.setdefault("conditions", []).append(
                f"{prefix}: unknown field '{field}'. Known fields: {', '.join(CONDITION_FIELDS)}.")
            continue
        op = cond.get("op")
        if op is None and len(spec.ops) == 1:
            op = spec.ops[0]
        if op not in spec.ops:
            errors.setdefault("conditions", []).append(
                f"{prefix} ({spec.label}): operator '{op}' is not one of {', '.join(spec.ops)}.")
            continue
        try:
            value = _parse_condition_value(spec, cond.get("value"), ctx)
        except _Bad as exc:
            errors.setdefault("conditions", []).append(f"{prefix} ({spec.label}): {exc}.")
            continue
        if field == "client" and client is not None and (client.code in value) != (op == "in"):
            errors.setdefault("conditions", []).append(
                f"{prefix} ({spec.label}): the rule is for {client.code} only, so this could never hold.")
            continue
        clean_conditions.append({"field": field, "op": op, "value": value})
    if not errors.get("conditions"):
        if problems := _impossible_ranges(clean_conditions):
            errors["conditions"] = problems

    clean_actions: list[dict] = []
    if not isinstance(actions, list):
        errors["actions"] = ["Actions must be a list of {type, value}."]
        actions = []
    elif not actions:
        errors["actions"] = ["A rule needs at least one action."]
    seen: set[str] = set()
    for i, action in enumerate(actions, start=1):
        prefix = f"Action {i}"
        if not isinstance(action, dict):
            errors.setdefault("actions", []).append(f"{prefix}: must be an object with type and value.")
            continue
        extra = set(action) - {"type", "value"}
        if extra:
            errors.setdefault("actions", []).append(f"{prefix}: unknown key {', '.join(sorted(map(str, extra)))}.")
            continue
        kind = action.get("type")
        spec = ACTION_TYPES.get(kind) if isinstance(kind, str) else None
        if spec is None:
            errors.setdefault("actions", []).append(
                f"{prefix}: unknown action '{kind}'. Known actions: {', '.join(ACTION_TYPES)}.")
            continue
        if kind in seen and not spec.repeatable:
            errors.setdefault("actions", []).append(f"{prefix} ({spec.label}): given twice; keep one.")
            continue
        seen.add(kind)
        try:
            value = _parse_action_value(spec, action.get("value"), ctx)
        except _Bad as exc:
            errors.setdefault("actions", []).append(f"{prefix} ({spec.label}): {exc}.")
            continue
        clean_actions.append({"type": kind, "value": value})
    if not errors.get("actions"):
        forced = next((a["value"] for a in clean_actions if a["type"] == "set_warehouse"), None)
        allowed = next((a["value"] for a in clean_actions if a["type"] == "limit_warehouses"), None)
        if forced and allowed and forced not in allowed:
            errors["actions"] = [f"Warehouse {forced} is not among the allowed warehouses {', '.join(allowed)}."]
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
