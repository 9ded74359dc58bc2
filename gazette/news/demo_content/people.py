"""The demo newsroom's sections, staff and wire agencies (all invented)."""

from typing import Any

SECTIONS: list[dict[str, Any]] = [
    {"slug": "world", "title": "World",
     "intro": "Veloria's neighbours across the strait and the wider world.",
     "motif": "globe", "colours": ((18, 52, 86), (64, 140, 170))},
    {"slug": "politics", "title": "Politics",
     "intro": "The Assembly in Sarenne, Northport city hall and the people who vote for both.",
     "motif": "columns", "colours": ((92, 24, 40), (196, 98, 72))},
    {"slug": "economy", "title": "Economy",
     "intro": "Jobs, prices, the harbour and the Velorian mark.",
     "motif": "chart", "colours": ((20, 66, 54), (120, 170, 96))},
    {"slug": "climate", "title": "Climate",
     "intro": "Storms, sea level, heat and the people adapting to all three.",
     "motif": "waves", "colours": ((12, 70, 110), (240, 170, 90))},
    {"slug": "technology", "title": "Technology",
     "intro": "The companies, code and rules shaping life online in Veloria.",
     "motif": "circuit", "colours": ((34, 26, 78), (70, 150, 200))},
    {"slug": "opinion", "title": "Opinion",
     "intro": "Argument and analysis from our columnists and guest writers.",
     "motif": "bubbles", "colours": ((70, 44, 20), (226, 176, 96))},
]

AUTHORS: list[dict[str, Any]] = [
    {"slug": "mara-quill", "name": "Mara Quill", "role": "Northport bureau chief",
     "colour": (176, 64, 52),
     "bio": "Mara has covered Northport's harbour, courts and city hall for fifteen years. "
            "She started on the night desk and still checks the tide tables every morning."},
    {"slug": "tobias-renn", "name": "Tobias Renn", "role": "Economics correspondent",
     "colour": (40, 110, 80),
     "bio": "Tobias writes about prices, wages and the Bank of Veloria. Before journalism he "
            "spent six years as a statistician at the Velorian Statistics Office."},
    {"slug": "ilse-marrow", "name": "Ilse Marrow", "role": "Climate and environment editor",
     "colour": (28, 96, 150),
     "bio": "Ilse reports on the coast, the weather and the long arguments about both. She "
            "has sailed every inlet between Northport and Calder Bay."},
    {"slug": "dario-vesk", "name": "Dario Vesk", "role": "Political editor",
     "colour": (120, 40, 96),
     "bio": "Dario follows the Assembly in Sarenne, where he has watched four governments "
            "rise and fall. He keeps a list of every promise made at a campaign rally."},
    {"slug": "nadia-sorel", "name": "Nadia Sorel", "role": "Technology reporter",
     "colour": (70, 60, 160),
     "bio": "Nadia covers software, telecoms and privacy. She taught herself to program by "
            "repairing the ticket machines at her family's ferry kiosk."},
    {"slug": "oren-tallis", "name": "Oren Tallis", "role": "World affairs correspondent",
     "colour": (150, 110, 30),
     "bio": "Oren has reported from all four members of the Strait Council and speaks the "
            "languages of three of them. He is based in Sarenne."},
    {"slug": "celia-brandt", "name": "Celia Brandt", "role": "Opinion editor and columnist",
     "colour": (160, 80, 20),
     "bio": "Celia edits the Opinion pages and writes a weekly column on politics and the "
            "city. Readers who disagree with her are, she says, the best part of the job."},
    {"slug": "halima-voss", "name": "Halima Voss", "role": "Guest contributor",
     "colour": (30, 130, 130),
     "bio": "Halima is an urban planner in Northport's east side and chairs a residents' "
            "association for safer streets. She writes for the Gazette as a guest."},
]

AGENCIES: list[dict[str, Any]] = [
    {"slug": "coastal-wire-news", "name": "Coastal Wire News", "short_name": "CWN",
     "url": "https://example.org/cwn/",
     "description": "A cooperative news agency owned by eleven newspapers along the Velorian "
                    "coast. Fast on storms, shipping and the courts."},
    {"slug": "meridian-press-agency", "name": "Meridian Press Agency", "short_name": "MPA",
     "url": "https://example.org/mpa/",
     "description": "An international agency with bureaus in every Strait Council capital, "
                    "publishing in several languages."},
    {"slug": "isthmus-newswire", "name": "Isthmus Newswire", "short_name": "INW",
     "url": "https://example.org/inw/",
     "description": "A small agency specialising in markets, commodities and company results."},
]
