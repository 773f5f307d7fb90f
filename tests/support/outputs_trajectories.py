"""Hand-written Stage-3 (generate), Stage-4 (refine) and synthesizer outputs, shaped like teacher output:
think blocks, fences, odd spacing and case, parallel calls in generate, one call per round after refine."""

from gem_spark.schema import Tool

ROUTER_TOOLS = [
    Tool.of("login_admin", "Log in to the router admin page.", {"type": "object", "properties": {
        "username": {"type": "string"}, "password": {"type": "string"}}, "required": ["username", "password"]}),
    Tool.of("get_wifi_settings", "Read wireless settings of one band.", {"type": "object", "properties": {
        "band": {"type": "string", "enum": ["2.4GHz", "5GHz"]}}, "required": ["band"]}),
    Tool.of("update_wifi_settings", "Change SSID or passphrase of one band.", {"type": "object", "properties": {
        "band": {"type": "string", "enum": ["2.4GHz", "5GHz"]}, "ssid": {"type": "string"},
        "passphrase": {"type": "string", "minLength": 8}}, "required": ["band"], "additionalProperties": False}),
    Tool.of("reboot_router", "Restart the router.", {"type": "object", "properties": {}}),
]  # fmt: skip

_SYSTEM = (
    "<system>You are the support assistant of HomeNet routers. Rules: the admin password is needed before any "
    "change; passphrases need at least 8 characters; confirm before rebooting.</system>"
)

GENERATE_OUTPUTS = [
    (
        _SYSTEM + "\n<user>My Wi-Fi is called NETGEAR77 and I want it to be Casa on both bands.</user>\n"
        "<assistant>I can do that. What is the router's admin password?</assistant>\n<user>It's Tr1cky-pass.</user>\n"
        '<assistant>Logging in first. <func>{"name": "login_admin", "arguments": {"username": "admin", "password": '
        '"Tr1cky-pass"}}</func></assistant>\n<tool>{"session": "s-81ac", "ok": true}</tool>\n'
        '<assistant><func>{"name": "update_wifi_settings", "arguments": {"band": "2.4GHz", "ssid": "Casa"}}</func>'
        '<func>{"name": "update_wifi_settings", "arguments": {"band": "5GHz", "ssid": "Casa"}}</func></assistant>\n'
        '<tool>{"band": "2.4GHz", "ssid": "Casa"}</tool>\n<tool>{"band": "5GHz", "ssid": "Casa"}</tool>\n'
        "<assistant>Both bands are now called Casa. Reboot now so devices reconnect? (yes/no)</assistant>\n"
        '<user>yes</user>\n<assistant><func>{"name": "reboot_router", "arguments": {}}</func></assistant>\n'
        '<tool>{"rebooting": true, "eta_seconds": 90}</tool>\n<assistant>The router is restarting and will be back in '
        "about 90 seconds.</assistant>",
        {"messages": 14, "calls": 4, "codes": []},
    ),
    (
        "<think>I need a conversation with an error recovery.</think>\n"
        + _SYSTEM
        + "\n<user>set my 5GHz password to abc</user>\n<assistant>Passphrases need at least 8 characters; could you pick a "
        "longer one? Also, what is the admin password?</assistant>\n<user>ok: sunny-garden-9, admin pw Tr1cky-pass</user>\n"
        '<assistant><func>{"name": "login_admin", "arguments": {"username": "admin", "password": "Tr1ky-pass"}}</func>'
        "</assistant>\n<tool>Error: invalid credentials</tool>\n"
        '<assistant>Let me retry with the exact password. <func>{"name": "login_admin", "arguments": {"username": '
        '"admin", "password": "Tr1cky-pass"}}</func></assistant>\n<tool>{"session": "s-2", "ok": true}</tool>\n'
        '<assistant><func>{"name": "update_wifi_settings", "arguments": {"band": "5GHz", "passphrase": '
        '"sunny-garden-9"}}</func></assistant>\n<tool>{"band": "5GHz", "ssid": "Casa-5G"}</tool>\n'
        "<assistant>Done: the 5GHz passphrase is now sunny-garden-9.</assistant>",
        {"messages": 11, "calls": 3, "codes": []},
    ),
    (
        "```\n"
        + _SYSTEM.upper().replace("<SYSTEM>", "< system >").replace("</SYSTEM>", "</ system>")
        + '\n<User>What band am I on?</User>\n<Assistant>Let me read it.\n<func>\n{"name": "get_wifi_settings", '
        '"arguments": {"band": "2.4GHz",}}\n</func>\n</Assistant>\n<Tool>\n```json\n{"band": "2.4GHz", "ssid": '
        '"Casa", "clients": 4}\n```\n</Tool>\n<Assistant>Your 2.4GHz network Casa has 4 clients.</Assistant>\n```',
        {"messages": 5, "calls": 1, "codes": [], "repairs": ["json_trailing_comma"]},
    ),
    (
        _SYSTEM
        + "<user>Reboot it.</user><assistant>Please confirm the reboot (yes/no).</assistant><user>yes</user>"
        '<assistant><func>{"name": "reboot_router", "arguments": {}}</func></assistant>'
        '<tool>{"rebooting": true, "eta_seconds": 90}</tool><assistant>Restarting now.</assistant>',
        {"messages": 7, "calls": 1, "codes": []},
    ),
    (
        _SYSTEM
        + "\n<user>Change the name of my 2.4 band to Attic.</user>\n<assistant>What is the admin password?"
        '</assistant>\n<user>Tr1cky-pass</user>\n<assistant><func>{"name": "login_admin", "arguments": {"username": '
        '"admin", "password": "Tr1cky-pass"}}</func></assistant>\n<tool>{"session": "s-9", "ok": true}</tool>\n'
        '<assistant><func>{"name": "update_wifi_settings", "arguments": "{\\"band\\": \\"2.4GHz\\", '
        '\\"ssid\\": \\"Attic\\"}"}</func></assistant>\n<tool>{"band": "2.4GHz", "ssid": "Attic"}</tool>\n'
        "<assistant>The 2.4GHz network is now called Attic.</assistant>",
        {"messages": 9, "calls": 2, "codes": [], "repairs": ["arguments_json_string"]},
    ),
]

_BANK_TOOLSET = """<toolsets>[
 {"type": "function", "function": {"name": "verify_identity", "description": "Verify a customer with date of birth and last 4 card digits.",
  "parameters": {"type": "object", "properties": {"customer_id": {"type": "string"}, "dob": {"type": "string", "pattern": "^\\\\d{4}-\\\\d{2}-\\\\d{2}$"},
  "card_last4": {"type": "string", "minLength": 4, "maxLength": 4}}, "required": ["customer_id", "dob", "card_last4"], "additionalProperties": false}}},
 {"type": "function", "function": {"name": "list_cards", "description": "List a customer's cards.", "parameters": {"type": "object",
  "properties": {"customer_id": {"type": "string"}}, "required": ["customer_id"]}}},
 {"type": "function", "function": {"name": "freeze_card", "description": "Freeze a card; reversible.", "parameters": {"type": "object",
  "properties": {"card_id": {"type": "string"}, "reason": {"type": "string", "enum": ["lost", "stolen", "suspicious_activity"]}},
  "required": ["card_id", "reason"]}}},
 {"type": "function", "function": {"name": "get_transactions", "description": "Recent card transactions.", "parameters": {"type": "object",
  "properties": {"card_id": {"type": "string"}, "days": {"type": "integer", "minimum": 1, "maximum": 90}}, "required": ["card_id"]}}}
]</toolsets>"""

_BANK_CONVERSATION = (
    "\n<system>You are the assistant of Lumen Bank. Verify identity (date of birth + last 4 digits) before reading "
    "anything. Freezing is allowed after verification; unfreezing needs a branch visit. Database: customers"
    "(customer_id, name), cards(card_id, last4, status), transactions(tx_id, amount, merchant, date).</system>\n"
    "<user>I think my card was stolen. I'm customer C-58213, born 1988-04-02, card ends 7741.</user>\n"
    '<assistant><func>{"name": "verify_identity", "arguments": {"customer_id": "C-58213", "dob": "1988-04-02", '
    '"card_last4": "7741"}}</func></assistant>\n<tool>{"verified": true, "customer_id": "C-58213"}</tool>\n'
    '<assistant><func>{"name": "list_cards", "arguments": {"customer_id": "C-58213"}}</func></assistant>\n'
    '<tool>{"cards": [{"card_id": "CRD-9QX2", "last4": "7741", "status": "active"}, {"card_id": "CRD-4MB8", '
    '"last4": "1180", "status": "active"}]}</tool>\n'
    '<assistant><func>{"name": "get_transactions", "arguments": {"card_id": "CRD-9QX2", "days": 3}}</func></assistant>\n'
    '<tool>{"transactions": [{"tx_id": "TX-77A1", "amount": 412.5, "merchant": "ElectroMart Online", "date": '
    '"2025-03-02"}]}</tool>\n<assistant>I see a 412.50 payment at ElectroMart Online yesterday. Shall I freeze '
    "card CRD-9QX2 (ending 7741) as stolen? Note that unfreezing later needs a branch visit.</assistant>\n"
    "<user>Yes freeze it. And unfreeze my other card too, it was frozen last week.</user>\n"
    '<assistant><func>{"name": "freeze_card", "arguments": {"card_id": "CRD-9QX2", "reason": "stolen"}}</func>'
    '</assistant>\n<tool>{"card_id": "CRD-9QX2", "status": "frozen"}</tool>\n<assistant>Card 7741 is frozen. Your '
    "other card (ending 1180) is active, not frozen, and unfreezing is not something I can do here in any case: "
    "that needs a branch visit.</assistant>"
)

REFINE_OUTPUTS = [
    (_BANK_TOOLSET + _BANK_CONVERSATION, {"messages": 13, "calls": 4, "tools": 4, "codes": []}),
    (
        "<think>Make it harder: add a pitfall (wrong card).</think>\n" + _BANK_TOOLSET + _BANK_CONVERSATION,
        {"messages": 13, "calls": 4, "tools": 4, "codes": []},
    ),
    (
        "```xml\n"
        + _BANK_TOOLSET.replace("<toolsets>", "<ToolSets>").replace("</toolsets>", "</ToolSets>")
        + _BANK_CONVERSATION
        + "\n```",
        {"messages": 13, "calls": 4, "tools": 4, "codes": []},
    ),
    (
        (
            '<toolsets>[{"name": "find_charger", "description": "Find EV chargers near a place.", "inputSchema": '
            '{"type": "dict", "properties": {"near": {"type": "str"}, "min_kw": {"type": "int"}}, "required": '
            '["near"]}}, {"name": "start_session", "description": "Start charging at a charger.", "inputSchema": '
            '{"type": "dict", "properties": {"charger_id": {"type": "str"}, "connector": {"type": "str"}}, '
            '"required": ["charger_id", "connector"]}}]</toolsets>\n<system>You help drivers of the VoltGo app. Only '
            "CCS connectors charge above 50 kW.</system>\n<user>I'm at Lyon Part-Dieu, need 150 kW.</user>\n<assistant>"
            '<func>{"name": "find_charger", "arguments": {"near": "Lyon Part-Dieu", "min_kw": 150}}</func>'
            '</assistant>\n<tool>{"chargers": [{"charger_id": "LY-PD-03", "kw": 150, "connectors": ["CCS"]}]}</tool>\n'
            "<assistant>LY-PD-03 has a 150 kW CCS connector. Plug in and tell me when to start.</assistant>\n<user>Plugged "
            'in.</user>\n<assistant><func>{"name": "start_session", "arguments": {"charger_id": "LY-PD-03", '
            '"connector": "CCS"}}</func></assistant>\n<tool>{"session_id": "SES-5521", "status": "charging"}</tool>\n'
            "<assistant>Charging started (session SES-5521).</assistant>"
        ),
        {"messages": 9, "calls": 2, "tools": 2, "codes": []},
    ),
    (
        _BANK_TOOLSET
        + "\n<system>Lumen Bank assistant. Verify first.</system>\n<user>Freeze card ending 1180, "
        'customer C-58213, born 1988-04-02.</user>\n<assistant><func>{"name": "verify_identity", "arguments": '
        '{"customer_id": "C-58213", "dob": "1988-04-02", "card_last4": "1180"}}</func></assistant>\n'
        '<tool>{"verified": true, "customer_id": "C-58213"}</tool>\n<assistant><func>{"name": "list_cards", '
        '"arguments": {"customer_id": "C-58213"}}</func></assistant>\n<tool>{"cards": [{"card_id": "CRD-4MB8", '
        '"last4": "1180", "status": "active"}]}</tool>\n<assistant>Card CRD-4MB8 ends 1180. Freeze it as lost or '
        'stolen?</assistant>\n<user>lost</user>\n<assistant><func>{"name": "freeze_card", "arguments": {"card_id": '
        '"CRD-4MB8", "reason": "lost"}}</func></assistant>\n<tool>{"card_id": "CRD-4MB8", "status": "frozen"}'
        "</tool>\n<assistant>Card 1180 is frozen.</assistant>",
        {"messages": 11, "calls": 3, "tools": 4, "codes": []},
    ),
]

# The synthesizer writes the same format in one call from raw text; these mimic a fine-tuned 8B model.
SYNTHESIZE_OUTPUTS = [
    (REFINE_OUTPUTS[3][0].replace("VoltGo", "ChargeMap"), REFINE_OUTPUTS[3][1]),
    (
        (
            '<toolsets>[{"name": "search_recipes", "description": "Search recipes by ingredient.", "parameters": '
            '{"type": "object", "properties": {"ingredient": {"type": "string"}, "max_minutes": {"type": '
            '"integer"}}, "required": ["ingredient"]}}, {"name": "add_to_shopping_list", "description": "Add items '
            'to the shopping list.", "parameters": {"type": "object", "properties": {"items": {"type": "array", '
            '"items": {"type": "string"}, "minItems": 1}}, "required": ["items"]}}]</toolsets>\n<system>You are a '
            "cooking assistant in the Panier app.</system>\n<user>Something quick with leeks, under 30 minutes?</user>\n"
            '<assistant><func>{"name": "search_recipes", "arguments": {"ingredient": "leek", "max_minutes": 30}}'
            '</func></assistant>\n<tool>{"recipes": [{"id": "RC-3301", "title": "Leek and potato soup", "minutes": '
            "25}]}</tool>\n<assistant>Leek and potato soup takes 25 minutes. Add potatoes and stock to your list?</assistant>\n"
            '<user>yes please</user>\n<assistant><func>{"name": "add_to_shopping_list", "arguments": {"items": '
            '["potatoes", "vegetable stock"]}}</func></assistant>\n<tool>{"list_size": 7, "added": 2}</tool>\n'
            "<assistant>Added potatoes and vegetable stock.</assistant>"
        ),
        {"messages": 9, "calls": 2, "tools": 2, "codes": []},
    ),
    (REFINE_OUTPUTS[0][0], REFINE_OUTPUTS[0][1]),
    (
        (
            '<think>\nA printer procedure.\n</think>\n<toolsets>\n```json\n[{"name": "get_printer_status", "description": '
            '"Status and ink levels.", "input_schema": {"type": "object", "properties": {"printer_id": {"type": '
            '"string"}}, "required": ["printer_id"]}}, {"name": "run_head_cleaning", "description": "Clean the print '
            'head.", "input_schema": {"type": "object", "properties": {"printer_id": {"type": "string"}, "level": '
            '{"type": "string", "enum": ["normal", "deep"]}}, "required": ["printer_id", "level"]}}]\n```\n'
            "</toolsets>\n<system>Epson support. Deep cleaning uses a lot of ink: confirm first.</system>\n<user>My prints "
            'have stripes. Printer EP-ET2850-114.</user>\n<assistant><func>{"name": "get_printer_status", "arguments": '
            '{"printer_id": "EP-ET2850-114"}}</func></assistant>\n<tool>{"printer_id": "EP-ET2850-114", "ink": '
            '{"black": 0.62, "cyan": 0.4}, "nozzle_check": "gaps"}</tool>\n<assistant>The nozzle check shows gaps. A '
            'normal cleaning first?</assistant>\n<user>ok</user>\n<assistant><func>{"name": "run_head_cleaning", '
            '"arguments": {"printer_id": "EP-ET2850-114", "level": "normal"}}</func></assistant>\n<tool>'
            '{"printer_id": "EP-ET2850-114", "result": "done"}</tool>\n<assistant>Cleaning done. Print a test page and '
            "tell me if stripes remain.</assistant>"
        ),
        {"messages": 9, "calls": 2, "tools": 2, "codes": []},
    ),
    (REFINE_OUTPUTS[4][0], REFINE_OUTPUTS[4][1]),
]

JUDGE_OUTPUTS = [
    ('{"R1": 1, "R2": 1, "R3": 1}', (1, 1, 1)),
    (
        (
            "<think>\nR1: the card id comes from list_cards, fine. R3: the assistant says 1180 is active, consistent.\n"
            '</think>\n{"R1":1,"R2":1,"R3":1}'
        ),
        (1, 1, 1),
    ),
    ('```json\n{"R1": 0, "R2": 1, "R3": 1}\n```', (0, 1, 1)),
    ('{"r1": "1", "r2": "0", "r3": "1"}', (1, 0, 1)),
    ('Scores: {"R1": 1, "R2": 1, "R3": 0, "explanation": "amount changes from 412.50 to 421.50"}', (1, 1, 0)),
]
