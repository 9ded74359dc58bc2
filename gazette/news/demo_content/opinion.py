"""Opinion: columns and guest essays about an invented city and country."""

from .build import h, p, pull, q

ARTICLES = [
    {
        "slug": "confidence-vote-settles-nothing",
        "title": "The confidence vote settles nothing",
        "standfirst": "Casimir Vell kept his job tonight. He has not yet kept his coalition, "
                      "and the harbour budget will decide whether he does.",
        "dateline": "SARENNE",
        "hours_ago": 0.5,
        "authors": ["celia-brandt"],
        "tags": ["Assembly", "Casimir Vell", "Coalition"],
        "caption": "Three votes separated the government from defeat.",
        "alt": "Abstract illustration of overlapping speech bubbles.",
        "body": [
            p("A government that wins a confidence vote by three seats has not won a "
              "confidence vote. It has been granted a postponement. Casimir Vell knows this "
              "better than anyone in the chamber, which is why his first words after the "
              "result were about an open door rather than a victory."),
            p("The arithmetic is not complicated. The coalition's junior partner abstained "
              "because it believes the government is cutting the one budget line that "
              "protects the homes of its voters. Nothing in tonight's debate changed that "
              "belief."),
            q("My door is open tonight.",
              "Casimir Vell, prime minister",
              "speaking in the Assembly after the result"),
            p("An open door is a start. But the Green Harbour members did not walk in "
              "through the main entrance of this government; they were carried in by "
              "a promise on flood defences. If the budget committee breaks that promise on "
              "Thursday, no amount of open doors will keep them in the room."),
            pull("A confidence vote won by three seats is a postponement, not a victory."),
            p("The prime minister should treat the next three days as if his majority "
              "depended on them. It does."),
        ],
    },
    {
        "slug": "keep-night-buses-pay-honestly",
        "title": "Keep the night buses, but pay for them honestly",
        "standfirst": "The mayor is right that Northport needs buses at 2 a.m. He is wrong "
                      "to pretend that parking fees make them free.",
        "dateline": "NORTHPORT",
        "hours_ago": 16,
        "authors": ["celia-brandt"],
        "tags": ["Northport", "Transport", "Budget"],
        "caption": "Only two night bus routes run in Northport today.",
        "alt": "Abstract illustration of speech bubbles above a bus route line.",
        "body": [
            p("There is a particular kind of tiredness that belongs to people who finish "
              "work when everyone else is asleep. Anyone who has watched nurses, cleaners "
              "and dockers wait for the hourly night bus in the rain outside the general "
              "hospital knows what it looks like."),
            p("So Teodor Blaine's plan for six night routes is welcome, and overdue. What is "
              "less welcome is the word free."),
            q("Free is a price, and someone pays it.",
              "Greta Olmsund, Coastal Alliance councillor",
              "said in the council debate"),
            p("Ms Olmsund is right, even if her party has spent years opposing every bus "
              "lane in the city. The money will come from parking revenue that today pays for "
              "road repairs. If the buses are worth having, and they are, the council should "
              "say what it will stop doing to pay for them."),
            h("A modest proposal"),
            p("Charge a night fare of one mark, make it free for anyone with a hospital or "
              "harbour staff pass, and publish the accounts every six months. That is less "
              "exciting than free. It is also more likely to survive the next budget."),
        ],
    },
    {
        "slug": "our-harbour-deserves-a-plan",
        "title": "Our harbour deserves a plan, not a patchwork",
        "standfirst": "The barrier works, the cranes are busy and the channel is late. "
                      "Northport needs one strategy for the water instead of three.",
        "dateline": "NORTHPORT",
        "hours_ago": 6 * 24 + 6,
        "authors": ["celia-brandt"],
        "tags": ["Northport", "Harbour"],
        "caption": "Three authorities share responsibility for Northport's waterfront.",
        "alt": "Abstract illustration of speech bubbles over a harbour line.",
        "body": [
            p("Northport's harbour is managed by the harbour authority, dredged on behalf of "
              "the Ministry of Maritime Affairs and defended from the sea by the city. Each "
              "has its own budget, its own plans and its own press office. Sometimes they "
              "talk to one another."),
            p("The results are visible to anyone who walks along the quay. The new cranes "
              "are breaking records; the channel that the largest ships need is two years "
              "late; and the barrier protects the old quay while the villages to the south "
              "depend on sea walls built in the 1970s."),
            q("I have read the contract three times and I still cannot tell you who decides "
              "when a stage of the work is finished.",
              "Oskar Feldt, chair of the Assembly's infrastructure committee",
              "said at a hearing on the dredging contract"),
            p("If the chair of a parliamentary committee cannot tell who is responsible, "
              "residents have no chance. Northport needs a single waterfront plan, written "
              "in public, with one person accountable for it."),
            pull("Each has its own budget, its own plans and its own press office."),
        ],
    },
    {
        "slug": "why-i-stopped-driving-to-work",
        "title": "Why I stopped driving to work in Northport",
        "standfirst": "A planner's year of walking, cycling and waiting at bus stops taught "
                      "her more about the east side than any traffic model.",
        "dateline": "NORTHPORT",
        "hours_ago": 15 * 24 + 3,
        "authors": ["halima-voss"],
        "comments_open": False,
        "tags": ["Northport", "Transport", "Urban planning"],
        "caption": "The walk from the east side to the centre takes about forty minutes.",
        "alt": "Abstract illustration of speech bubbles and a winding path.",
        "body": [
            p("For eleven years I drove to work. I am a transport planner, so I had good "
              "reasons: meetings across the city, site visits, a daughter to collect from "
              "school. Last year I sold the car, mostly to save money, and discovered how "
              "little I knew about the streets I had been planning."),
            p("From behind a windscreen, the east side is a set of junctions. On foot, it is "
              "a set of obstacles: pavements that end without warning, crossings timed for "
              "athletes, bus shelters without a roof."),
            q("You planners always come in cars. Come on a Tuesday morning with a "
              "pushchair and see how you get on.",
              "A resident at a public meeting on Eastgate Road",
              "as I recorded it in my notes at the time"),
            p("I took her advice. It took me twenty-five minutes to cross two roads and "
              "reach the tram stop. I have not forgotten it."),
            h("What I would change"),
            p("Start with the small things that cost little: longer crossing times, dropped "
              "kerbs, shelters with roofs and benches. They do not make headlines. They make "
              "the difference between a neighbourhood you can walk in and one you can only "
              "drive through."),
        ],
    },
    {
        "slug": "letters-to-a-young-reporter-tide-tables",
        "title": "Letters to a young reporter: check the tide tables",
        "standfirst": "After fifteen years on the Northport beat, a bureau chief's advice to "
                      "this year's trainees fits on a postcard.",
        "dateline": "NORTHPORT",
        "hours_ago": 21 * 24 + 4,
        "authors": ["mara-quill"],
        "tags": ["Journalism", "Northport"],
        "caption": "The Gazette's first newsroom overlooked the fish market.",
        "alt": "Abstract illustration of speech bubbles over lines of type.",
        "body": [
            p("Every autumn a new group of trainees arrives in the newsroom and every autumn "
              "someone asks me for advice. Here it is, in the order I learned it."),
            p("Check the tide tables. In a port city, half the stories you will cover happen "
              "at the water's edge, and the water decides when. I once missed a flood because "
              "I went to lunch at high tide."),
            q("Write down who said it, where they said it and whether they meant it for "
              "print. Then ask them again.",
              "My first editor, Gus Mallory",
              "on my first day, and on most days after"),
            p("Say where your information comes from. If a minister said it in a statement, "
              "write that. If you heard it from a friend of a friend, do not write it at all."),
            pull("Say where your information comes from.", "Mara Quill"),
            p("And go outside. The city is not in your inbox."),
        ],
    },
]
