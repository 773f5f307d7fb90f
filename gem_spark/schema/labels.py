"""GEM.md's Stage-1 label sets, exactly as the paper defines them (values outside them are recorded invalid)."""

from __future__ import annotations

PLATFORMS: frozenset[str] = frozenset({"operator", "computer", "phone", "machine", "other"})

DOMAINS: frozenset[str] = frozenset(
    {
        "adult",
        "arts_and_entertainment",
        "autos_and_vehicles",
        "beauty_and_fitness",
        "books_and_literature",
        "business_and_industrial",
        "computers_and_electronics",
        "finance",
        "food_and_drink",
        "games",
        "health",
        "hobbies_and_leisure",
        "home_and_garden",
        "internet_and_telecom",
        "jobs_and_education",
        "law_and_government",
        "news",
        "online_communities",
        "people_and_society",
        "pets_and_animals",
        "real_estate",
        "science",
        "sensitive_subjects",
        "shopping",
        "sports",
        "travel_and_transportation",
    }
)

TASKS: frozenset[str] = frozenset(
    {
        "databases",
        "multimedia_processing",
        "cloud_platforms",
        "calendar_management",
        "cryptocurrency",
        "location_services",
        "communication",
        "search",
        "file_systems",
        "web_scraping",
        "ecommerce_and_retail",
        "customer_data_platforms",
        "developer_tools",
        "virtualization",
        "version_control",
        "research_and_data",
        "aigc",
        "travel_and_transportation",
        "note_taking",
        "language_translation",
        "rag_systems",
        "security_and_iam",
        "social_media",
        "monitoring",
        "weather_services",
        "customer_support",
        "blockchain",
        "knowledge_and_memory",
        "financial_trading",
        "marketing",
        "enterprise_business_intelligence",
        "transportation_logistics",
        "iphone_android",
        "smart_home",
        "education_elearning",
        "robot_control",
        "website_control",
        "gaming_entertainment",
    }
)

# Selection field name → the label set its value must belong to.
LABEL_SETS: dict[str, frozenset[str]] = {"domain": DOMAINS, "platform": PLATFORMS, "task": TASKS}
