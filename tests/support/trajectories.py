"""Builders of realistic test trajectories shaped like GEM's refined output (GEM.md Stage 4 means:
~46 messages, ~16 calls, ~8.6 distinct tools): a retail support conversation over a small order
database, with a structured system prompt, a consistent user profile, one call per assistant round,
nested arguments, unique ids and an error-recovery step.

`refined_trajectory(seed)` varies store, user, products and ids with the seed, and the tool schemas
too (store name in descriptions, the seed's carriers in an enum), so different seeds exercise
different schemas — benchmarks can measure both cached and never-seen tool definitions."""

from __future__ import annotations

import json
import random
from typing import Any

from gem_spark.schema import Message, Tool, ToolCall, Trajectory

_STORES = ["Northwind Outfitters", "Blue Heron Books", "Cedar & Pine Home", "Voltline Electronics"]
_CARRIERS = ["UPS", "FedEx", "DHL", "USPS", "OnTrac", "LaserShip", "Purolator"]
_NAMES = ["Maya Okafor", "Lucas Brandt", "Priya Raman", "Tomás Ruiz", "Hana Sato", "Owen Fitzgerald"]
_PRODUCTS = [
    ("Trail Runner 4 shoes", 129.0),
    ("Merino base layer", 74.5),
    ("Insulated bottle 1L", 32.0),
    ("Headlamp 400lm", 45.99),
    ("Packable rain shell", 159.0),
    ("Wool hiking socks (3-pack)", 27.0),
]


def _id(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7))


def retail_tools(seed: int) -> list[Tool]:
    rng = random.Random(seed)
    store = _STORES[seed % len(_STORES)]
    carriers = rng.sample(_CARRIERS, 4)
    item = {
        "type": "object",
        "properties": {
            "item_id": {"type": "string", "description": "Line item id from get_order_details."},
            "quantity": {"type": "integer", "minimum": 1},
        },
        "required": ["item_id", "quantity"],
        "additionalProperties": False,
    }
    address = {
        "type": "object",
        "properties": {
            "street": {"type": "string"},
            "city": {"type": "string"},
            "postal_code": {"type": "string", "pattern": "^[0-9A-Z -]{3,10}$"},
            "country": {"type": "string", "minLength": 2, "maxLength": 2},
        },
        "required": ["street", "city", "postal_code", "country"],
    }

    def obj(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }

    email = {"type": "string", "description": "Account e-mail address."}
    order_id = {"type": "string", "description": f"{store} order id, e.g. 'ORD' + 7 characters."}
    return [
        Tool.of("authenticate_customer", f"Verify a {store} customer by e-mail and postcode.",
                obj({"email": email, "postal_code": {"type": "string"}}, ["email", "postal_code"])),
        Tool.of("get_customer_profile", f"Read a {store} customer's profile, addresses and payment methods.",
                obj({"customer_id": {"type": "string"}}, ["customer_id"])),
        Tool.of("list_orders", "List a customer's orders, newest first.",
                obj({"customer_id": {"type": "string"},
                     "status": {"type": "string", "enum": ["pending", "processed", "delivered", "cancelled"]},
                     "limit": {"type": "integer", "minimum": 1, "maximum": 50}}, ["customer_id"])),
        Tool.of("get_order_details", "Read one order with its line items, payment and shipment.",
                obj({"order_id": order_id}, ["order_id"])),
        Tool.of("search_products", f"Search the {store} catalogue.",
                obj({"query": {"type": "string", "minLength": 2},
                     "max_price": {"type": "number", "exclusiveMinimum": 0},
                     "in_stock_only": {"type": "boolean"}}, ["query"])),
        Tool.of("update_shipping_address", "Change the shipping address of a pending order.",
                obj({"order_id": order_id, "address": address}, ["order_id", "address"])),
        Tool.of("cancel_order", "Cancel a pending order; refunds go to the original payment method.",
                obj({"order_id": order_id, "reason": {"type": "string", "enum": ["no longer needed", "ordered by mistake"]}},
                    ["order_id", "reason"])),
        Tool.of("create_return", "Open a return for delivered items; a prepaid label is e-mailed.",
                obj({"order_id": order_id, "items": {"type": "array", "items": item, "minItems": 1},
                     "carrier": {"type": "string", "enum": carriers}}, ["order_id", "items", "carrier"])),
        Tool.of("get_return_status", "Read the status of a return.",
                obj({"return_id": {"type": "string"}}, ["return_id"])),
    ]  # fmt: skip


class _Script:
    """Writes the conversation turn by turn, one call per assistant round."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._calls = 0

    def say(self, role: str, text: str) -> None:
        self.messages.append(Message(role=role, content=text))  # type: ignore[arg-type]

    def call(self, name: str, arguments: dict[str, Any], response: Any, note: str = "") -> None:
        call = ToolCall(id=f"call_{self._calls}", name=name, arguments=arguments)
        self._calls += 1
        self.messages.append(Message(role="assistant", content=note, tool_calls=[call]))
        content = response if isinstance(response, str) else json.dumps(response)
        self.messages.append(Message(role="tool", content=content, tool_call_id=call.id, name=name))


def refined_trajectory(seed: int = 0) -> Trajectory:
    """51 messages, 16 calls, 9 tools defined and called: passes every rule of the refine stage."""
    rng = random.Random(seed)
    store = _STORES[seed % len(_STORES)]
    tools = retail_tools(seed)
    carrier = tools[7].function.parameters["properties"]["carrier"]["enum"][0]
    name = _NAMES[seed % len(_NAMES)]
    email = name.lower().replace(" ", ".").replace("á", "a") + "@mailbox.org"
    customer = _id(rng, "CUS")
    pending, delivered = _id(rng, "ORD"), _id(rng, "ORD")
    lines = [_id(rng, "LI") for _ in range(3)]
    products = rng.sample(_PRODUCTS, 3)
    return_id = _id(rng, "RET")
    pending_details = {
        "order_id": pending,
        "status": "pending",
        "items": [{"item_id": lines[0], "product": products[0][0], "quantity": 1, "price": products[0][1]}],
        "shipment": {"carrier": carrier, "tracking": None},
    }
    s = _Script()
    s.say(
        "system",
        f"You are the support assistant of {store}. Rules: authenticate the customer (e-mail + "
        "postcode) before reading or changing anything; only pending orders can be cancelled or re-addressed; "
        "returns are possible for delivered orders within 30 days; ask for explicit confirmation (yes) before "
        "any write. Database: customers(customer_id, name, email, addresses[]), orders(order_id, status, "
        "items[{item_id, product, quantity, price}], shipment{carrier, tracking}), returns(return_id, status).",
    )
    s.say(
        "user",
        f"Hi, I'm {name}. I need to change where my latest order ships and maybe return something "
        "from an older one, but only if the refund goes back to my card.",
    )
    s.call(
        "authenticate_customer", {"email": email, "postal_code": "94110"}, "Error: postcode does not match"
    )
    s.say(
        "assistant",
        "The postcode you have on file does not match 94110. Which postcode did you register with?",
    )
    s.say("user", "Oh, it's the old one: 94103.")
    s.call(
        "authenticate_customer",
        {"email": email, "postal_code": "94103"},
        {"customer_id": customer, "verified": True},
        "Thanks, checking again.",
    )
    s.call(
        "get_customer_profile",
        {"customer_id": customer},
        {
            "customer_id": customer,
            "name": name,
            "addresses": [{"label": "home", "city": "San Francisco"}],
            "payment_methods": ["visa_4242", "gift_card"],
        },
    )
    s.call(
        "list_orders",
        {"customer_id": customer, "limit": 5},
        {
            "orders": [
                {"order_id": pending, "status": "pending"},
                {"order_id": delivered, "status": "delivered"},
            ]
        },
    )
    s.say(
        "assistant",
        f"You are verified. I see a pending order {pending} and a delivered order {delivered}. "
        "Which address should the pending one go to?",
    )
    s.say("user", "Send it to my office: 500 Howard St, San Francisco, 94105, US.")
    s.call("get_order_details", {"order_id": pending}, pending_details)
    s.say(
        "assistant",
        f"{pending} is still pending, so it can be re-addressed to 500 Howard St, San Francisco "
        "94105, US. Shall I make that change? (yes/no)",
    )
    s.say("user", "Yes, go ahead.")
    new_address = {
        "street": "500 Howard St",
        "city": "San Francisco",
        "postal_code": "94105",
        "country": "US",
    }
    s.call(
        "update_shipping_address",
        {"order_id": pending, "address": new_address},
        {"order_id": pending, "status": "pending", "shipping_address": new_address},
    )
    s.call("get_order_details", {"order_id": pending}, pending_details)
    s.say(
        "assistant",
        f"Done: {pending} now ships to 500 Howard St. Now the return — which items from {delivered}?",
    )
    s.say("user", f"The {products[1][0]} and the {products[2][0]}. Is the refund going to my card?")
    s.call(
        "get_order_details",
        {"order_id": delivered},
        {
            "order_id": delivered,
            "status": "delivered",
            "items": [
                {"item_id": lines[1], "product": products[1][0], "quantity": 1, "price": products[1][1]},
                {"item_id": lines[2], "product": products[2][0], "quantity": 2, "price": products[2][1]},
            ],
            "shipment": {"carrier": carrier, "tracking": _id(rng, "TRK")},
        },
    )
    s.say(
        "assistant",
        f"{delivered} was paid with visa_4242, so a refund goes back to that card. You bought 2 of "
        f"the {products[2][0]}: return both? Please confirm the return of 1 × {products[1][0]} and "
        f"2 × {products[2][0]} via {carrier}.",
    )
    s.say("user", "Yes, both, confirmed.")
    items = [{"item_id": lines[1], "quantity": 1}, {"item_id": lines[2], "quantity": 2}]
    return_status = {"return_id": return_id, "status": "label_sent", "refund_to": "visa_4242"}
    s.call("create_return", {"order_id": delivered, "items": items, "carrier": carrier}, return_status)
    s.call("get_return_status", {"return_id": return_id}, return_status)
    s.say(
        "assistant",
        f"Return {return_id} is open and the label was e-mailed to {email}; the refund goes "
        "to visa_4242 once the parcel is scanned.",
    )
    s.say("user", "Great. Could you also find a lighter rain shell under $150 that is in stock?")
    s.call(
        "search_products",
        {"query": "rain shell", "max_price": 150, "in_stock_only": True},
        {"results": [{"sku": _id(rng, "SKU"), "name": "Featherlight shell", "price": 119.0}], "total": 1},
    )
    s.call(
        "search_products",
        {"query": "rain jacket lightweight", "max_price": 150, "in_stock_only": True},
        {"results": [], "total": 0},
    )
    s.say(
        "assistant",
        "One match: the Featherlight shell at $119, in stock. I cannot place new orders from "
        "support chat, but you can add it to your cart on the website.",
    )
    s.say("user", "And please cancel the pending order after all — I ordered it by mistake.")
    s.call("get_order_details", {"order_id": pending}, pending_details)
    s.say(
        "assistant",
        f"{pending} is still pending and can be cancelled (reason: ordered by mistake); the "
        "refund goes to visa_4242. Confirm the cancellation? (yes/no)",
    )
    s.say("user", "Yes.")
    s.call(
        "cancel_order",
        {"order_id": pending, "reason": "ordered by mistake"},
        {"order_id": pending, "status": "cancelled", "refund_to": "visa_4242"},
    )
    s.call(
        "list_orders",
        {"customer_id": customer, "status": "cancelled", "limit": 5},
        {"orders": [{"order_id": pending, "status": "cancelled"}]},
    )
    s.call("get_return_status", {"return_id": return_id}, return_status)
    s.say(
        "assistant",
        f"{pending} is cancelled with a refund to visa_4242, and return {return_id} is waiting "
        "for the parcel scan. Anything else?",
    )
    return Trajectory(tools=tools, messages=s.messages, stage="refine", segment_id=f"seg-{seed:04d}")
