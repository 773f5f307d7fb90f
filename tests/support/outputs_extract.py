"""Hand-written Stage-2 outputs: workflows with steps, graphs, actions and tools in the formats models use."""

_ROUTER_TOOLS = """[
  {"name": "login_admin", "description": "Log in to the router admin page.", "inputSchema": {"type": "object",
   "properties": {"username": {"type": "string"}, "password": {"type": "string"}}, "required": ["username", "password"]}},
  {"name": "get_wifi_settings", "description": "Read the current wireless settings.", "inputSchema": {"type": "object", "properties": {"band": {"type": "string", "enum": ["2.4GHz", "5GHz"]}}, "required": ["band"]}},
  {"name": "update_wifi_settings", "description": "Change SSID, password or channel of one band.", "inputSchema": {"type": "object",
   "properties": {"band": {"type": "string", "enum": ["2.4GHz", "5GHz"]}, "ssid": {"type": "string"}, "passphrase": {"type": "string", "minLength": 8}, "channel": {"type": "integer"}}, "required": ["band"]}},
  {"name": "reboot_router", "description": "Restart the router.", "inputSchema": {"type": "object", "properties": {}}}
]"""

EXTRACT_OUTPUTS = [
    (
        (
            "<workflow>\n<description>Change the Wi-Fi name and password of a home router.</description>\n"
            "<steps>Step1: Log in to the admin page with the admin password.\nStep2: Read the 2.4GHz and 5GHz settings.\n"
            "Step3: Update SSID and passphrase (at least 8 characters) per band.\nStep4: Reboot so clients reconnect.</steps>\n"
            "<execution_graph>(login_admin)->(get_wifi_settings)->(update_wifi_settings)->(reboot_router)</execution_graph>\n"
            '<actions>[{"name": "login_admin", "arguments": {"username": "admin", "password": "Tr1cky-pass"}},'
            ' {"name": "update_wifi_settings", "arguments": {"band": "5GHz", "ssid": "Casa-5G", "passphrase": "blue-otter-42"}}]</actions>\n'
            f"<tools>{_ROUTER_TOOLS}</tools>\n</workflow>"
        ),
        {"count": 1, "nodes": 4, "edges": 3, "tools": 4, "actions": 2},
    ),
    (
        (
            "<think>Two procedures: returns and exchanges. They share the order lookup.</think>\n"
            "<workflow><description>Return an item bought online.</description><steps>1. Find the order\n2. Check it is "
            "within 30 days\n3. Create the return and print the label</steps><execution_graph>(find_order)->(check_return_window)"
            '->(create_return)</execution_graph><actions>[]</actions><tools>[{"type": "function", "function": '
            '{"name": "find_order", "description": "Look up an order by number.", "parameters": {"type": "object", '
            '"properties": {"order_number": {"type": "string"}}, "required": ["order_number"]}}}, {"name": '
            '"check_return_window", "description": "Days left to return an order.", "input_schema": {"type": "object", '
            '"properties": {"order_number": {"type": "string"}}}}, {"name": "create_return", "description": '
            '"Open a return.", "parameters": {"type": "dict", "properties": {"order_number": {"type": "str"}, '
            '"items": {"type": "List[str]"}}, "required": ["order_number", "items"]}}]</tools></workflow>\n'
            "<workflow><description>Exchange an item for another size.</description><steps>Step1: find the order Step2: "
            "check stock of the new size Step3: create the exchange</steps><execution_graph>(find_order)->(check_stock, "
            'check_return_window)->(create_exchange)</execution_graph><tools>[{"name": "find_order", "description": '
            '"Look up an order by number.", "parameters": {"type": "object", "properties": {"order_number": '
            '{"type": "string"}}}}, {"name": "check_stock", "description": "Stock for a SKU and size.", '
            '"parameters": {"type": "object", "properties": {"sku": {"type": "string"}, "size": {"type": '
            '"string"}}}}, {"name": "check_return_window", "description": "Days left.", "parameters": {"type": '
            '"object", "properties": {"order_number": {"type": "string"}}}}, {"name": "create_exchange", '
            '"description": "Exchange items.", "parameters": {"type": "object", "properties": {"order_number": '
            '{"type": "string"}, "new_size": {"type": "string"}}}},]</tools></workflow>'
        ),
        {"count": 2, "nodes": 3, "edges": 2, "tools": 3, "actions": 0, "repairs": ["schema_type_alias"]},
    ),
    (
        (
            "```\n<WORKFLOW>\n<Description>Schedule a recurring backup on a Synology NAS.</Description>\n<Steps>\n- Open Hyper "
            "Backup\n- Create a task for the Photos folder\n- Set a weekly schedule\n</Steps>\n<Execution_Graph>(open_backup_app)"
            '->(create_backup_task)->(set_schedule)</Execution_Graph>\n<Actions>[{"name": "set_schedule", "arguments": '
            '{"task_id": "hb-photos", "weekday": "sunday", "time": "02:00"}}]</Actions>\n<Tools>[{"name": '
            '"open_backup_app", "description": "Open Hyper Backup.", "inputSchema": {"type": "object", "properties": {}}},'
            ' {"name": "create_backup_task", "description": "Create a backup task for a folder.", "inputSchema": {"type": '
            '"object", "properties": {"folder": {"type": "string"}, "destination": {"type": "string"}}, "required": '
            '["folder"]}}, {"name": "set_schedule", "description": "Set when a task runs.", "inputSchema": {"type": '
            '"object", "properties": {"task_id": {"type": "string"}, "weekday": {"type": "string"}, "time": '
            '{"type": "string"}}, "required": ["task_id"]}}]</Tools>\n</WORKFLOW>\n```'
        ),
        {"count": 1, "nodes": 3, "edges": 2, "tools": 3, "actions": 1},
    ),
    (
        (
            "Here is the workflow.\n<workflow><description>Pay a parking fine online.</description><steps>Step1: look up the "
            "fine by ticket number. Step2: pay by card.</steps><execution_graph>(lookup_fine)->(pay_fine)</execution_graph>"
            "<actions>[{'name': 'lookup_fine', 'arguments': {'ticket_number': 'PK-88231'}}]</actions><tools>[{\"name\": "
            '"lookup_fine", "description": "Find a fine.", "parameters": {"type": "object", "properties": '
            '{"ticket_number": {"type": "string"}}, "required": ["ticket_number"]}}, {"name": "pay_fine", '
            '"description": "Pay a fine.", "parameters": {"type": "object", "properties": {"ticket_number": '
            '{"type": "string"}, "card_token": {"type": "string"}}, "required": ["ticket_number", "card_token"]}}]'
            "</tools></workflow>"
        ),
        {"count": 1, "nodes": 2, "edges": 1, "tools": 2, "actions": 1, "repairs": ["python_literal"]},
    ),
    (
        (
            "<workflow><description>Elevator maintenance mode.</description><steps>Step1: insert key Step2: switch to "
            "inspection Step3: run car to top floor</steps><execution_graph>(enable_inspection_mode)->(move_car)\n"
            '(enable_inspection_mode)->(log_inspection)</execution_graph><actions>[]</actions><tools>[{"name": '
            '"enable_inspection_mode", "description": "Switch the controller to inspection mode.", "parameters": '
            '{"type": "object", "properties": {"key_id": {"type": "string"}}, "required": ["key_id"]}}, '
            '{"name": "move_car", "description": "Move the car.", "parameters": {"type": "object", "properties": '
            '{"floor": {"type": "integer"}}, "required": ["floor"]}}, {"name": "log_inspection", "description": '
            '"Record an inspection.", "parameters": {"type": "object", "properties": {"notes": {"type": "string"}}}}]'
            "</tools>"
        ),
        {"count": 1, "nodes": 3, "edges": 2, "tools": 3, "actions": 0, "repairs": ["workflow_unclosed"]},
    ),
]
