"""Hand-written Stage-1 outputs in the shapes real filter models produce."""

SELECT_OUTPUTS = [
    # 1 plain, exact tags
    (
        (
            "<multi_step>True</multi_step>\n<summary>Explains how to reset a Netgear router to factory settings and "
            "reconfigure Wi-Fi from the web admin page.</summary>\n<domain>computers_and_electronics</domain>\n"
            "<platform>computer</platform>\n<task>developer_tools</task>"
        ),
        {
            "multi_step": True,
            "domain": "computers_and_electronics",
            "platform": "computer",
            "task": "developer_tools",
        },
    ),
    # 2 Qwen3 thinking block first, spaced tags, capitalised values
    (
        (
            "<think>\nThe text walks through booking a train ticket on the SNCF app: search, pick fare, pay. "
            "That is multi-step on a phone.\n</think>\n\n<multi_step> TRUE </multi_step>\n"
            "<summary>Booking a TGV ticket in the SNCF Connect app, from search to e-ticket.</summary>\n"
            "<Domain>Travel and Transportation</Domain>\n<platform>Phone</platform>\n<task>travel_and_transportation</task>"
        ),
        {
            "multi_step": True,
            "domain": "travel_and_transportation",
            "platform": "phone",
            "task": "travel_and_transportation",
        },
    ),
    # 3 negative answer with a sentence around it
    (
        "This passage is a restaurant review with no procedure.\n<multi_step>False</multi_step>",
        {"multi_step": False, "domain": None},
    ),
    # 4 fenced answer, machine platform
    (
        (
            "```xml\n<multi_step>True</multi_step>\n<summary>Operating a Bosch dishwasher: loading, choosing the Eco "
            "program, delaying the start and clearing error E15.</summary>\n<domain>home_and_garden</domain>\n"
            "<platform>machine</platform>\n<task>smart_home</task>\n```"
        ),
        {"multi_step": True, "domain": "home_and_garden", "platform": "machine", "task": "smart_home"},
    ),
    # 5 label outside GEM.md's sets: recorded, not mapped
    (
        (
            "<multi_step>True</multi_step><summary>Filing a US tax extension online with IRS Free File.</summary>"
            "<domain>Taxes</domain><platform>computer</platform><task>finance</task>"
        ),
        {
            "multi_step": True,
            "domain": "taxes",
            "platform": "computer",
            "task": "finance",
            "invalid": ["domain", "task"],
        },
    ),
    # 6 "False" in lower case after an unclosed think (template opened it): only text after </think> counts
    (
        "The user wants me to classify... it is a poem.\n</think>\n<multi_step>false</multi_step>",
        {"multi_step": False, "domain": None},
    ),
]
