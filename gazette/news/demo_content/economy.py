"""Economy: prices, jobs and the harbour in Veloria (all companies and people invented)."""

from .build import embed, facts, figure, h, p, pull, q

ARTICLES = [
    {
        "slug": "bank-of-veloria-holds-rates",
        "title": "Bank of Veloria holds rates at 3.25% as inflation eases",
        "standfirst": "The central bank kept borrowing costs unchanged for a third meeting and "
                      "signalled that cuts could come before the end of the year.",
        "dateline": "SARENNE",
        "hours_ago": 26,
        "authors": ["tobias-renn"],
        "tags": ["Bank of Veloria", "Inflation", "Interest rates"],
        "caption": "Annual inflation fell to 2.9 percent last month.",
        "alt": "Abstract illustration of a line chart falling towards a target band.",
        "body": [
            p("The Bank of Veloria left its main interest rate at 3.25 percent on Wednesday, "
              "as expected, but said that falling inflation could allow it to lower borrowing "
              "costs later in the year."),
            p("Annual inflation fell to 2.9 percent last month from 3.4 percent, according to "
              "the Velorian Statistics Office, driven by cheaper fuel and a slower rise in "
              "food prices. The bank's target is 2 percent."),
            q("We are not there yet, and we will not declare victory early. But the direction "
              "is the right one, and if it continues, the case for lower rates will grow.",
              "Halvard Quist, governor of the Bank of Veloria",
              "told a news conference after the decision"),
            facts("The decision in numbers",
                  "Main rate: 3.25 percent, unchanged since last autumn",
                  "Vote of the rate committee: six to one",
                  "Inflation last month: 2.9 percent",
                  "Bank's growth forecast for this year: 1.4 percent"),
            p("One of the seven members of the rate committee voted for an immediate cut of "
              "a quarter of a point, arguing that high rates were hurting small builders."),
            h("Mortgages and savings"),
            p("Most Velorian mortgages are on fixed rates of five years or less, so the "
              "bank's decisions reach households quickly. Lenders said fixed-rate offers had "
              "already started to fall in anticipation of cuts."),
            embed("bank-of-veloria/monetary-policy-statement",
                  "Monetary policy statement",
                  "The rate committee's statement and the minutes of its vote.",
                  "Central bank document (PDF)"),
        ],
    },
    {
        "slug": "northport-container-volumes-record",
        "title": "Northport container volumes hit record as new cranes come online",
        "standfirst": "The port handled more containers in the first quarter than in any "
                      "three months in its history.",
        "dateline": "NORTHPORT",
        "hours_ago": 6 * 24 + 1,
        "authors": ["tobias-renn"],
        "agency": "meridian-press-agency",
        "tags": ["Northport", "Shipping", "Harbour"],
        "caption": "Four new cranes on the east terminal started work in January.",
        "alt": "Abstract illustration of a bar chart rising over a harbour skyline.",
        "motif": "skyline",
        "body": [
            p("The port of Northport handled 412,000 containers in the first three months of "
              "the year, a record, as four new cranes on the east terminal cut the time ships "
              "spend waiting at anchor."),
            figure("Containers handled per quarter at Northport, in thousands.",
                   "Bar chart of quarterly container volumes rising to a record.", "chart"),
            p("Volumes were up 14 percent on the same period last year. The Northport Harbour "
              "Authority said that about a third of the increase came from ships that used to "
              "unload in Tarvonian ports."),
            q("Shipping lines go where the cranes are quick. For years we lost business "
              "because a ship could wait two days for a berth. Now the wait is hours.",
              "Rosa Demny, chief executive of the Northport Harbour Authority",
              "told the Meridian Press Agency"),
            p("Unions welcomed the new work but warned that the night shift was stretched. "
              "The dockers' union said it would ask for sixty more permanent posts in "
              "negotiations next month."),
            q("Record volumes are made by people, not just cranes. We want the record to "
              "show up in contracts as well as in press releases.",
              "Luka Brennan, secretary of the Northport dockers' union",
              "said in a statement"),
        ],
    },
    {
        "slug": "orla-foods-to-close-lidwell-plant",
        "title": "Orla Foods to close Lidwell bakery plant, 340 jobs at risk",
        "standfirst": "The company will move bread production to a new automated site near "
                      "Northport, in a blow to the inland town's biggest employer.",
        "dateline": "LIDWELL",
        "hours_ago": 46,
        "authors": ["tobias-renn"],
        "tags": ["Jobs", "Lidwell", "Manufacturing"],
        "caption": "The Lidwell plant has baked bread since 1962.",
        "alt": "Abstract illustration of a falling line chart over a factory roof.",
        "body": [
            p("Orla Foods said on Tuesday that it would close its bakery plant in Lidwell by "
              "the end of next year, putting 340 jobs at risk in a town where the company is "
              "the largest private employer."),
            p("Production will move to an automated plant being built near Northport, which "
              "the company says will need about 150 workers. Staff in Lidwell will be offered "
              "jobs there, but the sites are two hours apart by road."),
            q("This is a painful decision. The Lidwell plant is sixty years old and cannot be "
              "modernised at a reasonable cost.",
              "Orla Foods",
              "according to a statement released by the company"),
            q("My father worked here, and his father. They are telling us to move to "
              "Northport or go. Most of us can't afford to live in Northport.",
              "Jana Koller, a line supervisor at the plant for 22 years",
              "told the Gazette outside the factory gates"),
            p("The mayor of Lidwell said she would ask the government to help find a buyer "
              "for the site. The regional development agency said it had already been in "
              "contact with two food companies."),
            pull("Most of us can't afford to live in Northport.", "Jana Koller"),
        ],
    },
    {
        "slug": "velorian-mark-steadies",
        "title": "Velorian mark steadies after week of swings",
        "standfirst": "The currency recovered most of its losses after the finance ministry "
                      "confirmed its borrowing plans for the year.",
        "dateline": "SARENNE",
        "hours_ago": 10 * 24 + 2,
        "agency": "isthmus-newswire",
        "tags": ["Bank of Veloria", "Markets"],
        "caption": "Currency traders had been unsettled by talk of extra borrowing.",
        "alt": "Abstract illustration of a zig-zag line chart levelling off.",
        "body": [
            p("The Velorian mark steadied on Friday after its most volatile week in two "
              "years, recovering most of the ground it lost when reports suggested the "
              "government would increase its borrowing to pay for flood defences."),
            p("The finance ministry confirmed on Thursday evening that its borrowing plans "
              "for the year were unchanged and that any new spending on defences would be "
              "covered by savings elsewhere."),
            q("The market had priced in a plan that did not exist. Once the ministry put "
              "numbers on paper, the selling stopped.",
              "Elsa Varnholt, chief economist at Marrisford Bank",
              "told Isthmus Newswire"),
            p("Government bond yields also eased. The yield on ten-year bonds fell to 3.6 "
              "percent from a peak of 3.9 percent on Tuesday."),
        ],
    },
    {
        "slug": "old-quarter-shops-share-delivery-bikes",
        "title": "Small shops in the old quarter try a shared delivery bike fleet",
        "standfirst": "Thirty independent businesses have pooled their deliveries on twelve "
                      "cargo bikes to compete with online giants.",
        "dateline": "NORTHPORT",
        "hours_ago": 16 * 24 + 5,
        "authors": ["mara-quill"],
        "tags": ["Northport", "Small business", "Transport"],
        "caption": "The cargo bikes are kept in a former chandlery on Rope Walk.",
        "alt": "Abstract illustration of a rising chart above old rooftops.",
        "body": [
            p("A bookshop, a cheesemonger, two hardware stores and a florist are among thirty "
              "small businesses in Northport's old quarter now sharing a fleet of twelve "
              "electric cargo bikes to deliver their goods."),
            p("The cooperative, called Rope Walk Deliveries after the street where the bikes "
              "are kept, promises delivery within three hours anywhere in the city centre. "
              "Each shop pays a monthly fee and a small charge per parcel."),
            q("On my own I could never offer same-day delivery. Together we can, and our "
              "customers do not have to choose between convenience and their local shop.",
              "Tamsin Orle, owner of the Driftwood bookshop",
              "told the Gazette"),
            p("The scheme received a start-up grant of 90,000 marks from the city. Its "
              "organisers say it should cover its own costs within two years if it adds "
              "twenty more members."),
            h("Narrow streets, quick bikes"),
            p("Riders say the old quarter's narrow streets, closed to most vans since last "
              "year, make bikes faster than motor vehicles for short trips."),
            q("A van spends half its day looking for somewhere to stop. I just lift the bike "
              "onto the pavement and I am at the door.",
              "Milo Strand, a rider for the cooperative",
              "said"),
        ],
    },
    {
        "slug": "budget-watchdog-warns-on-pension-top-up",
        "title": "Budget watchdog warns on cost of pension top-up",
        "standfirst": "The Fiscal Council says the government's promised increase for older "
                      "pensioners will cost twice as much as forecast within a decade.",
        "dateline": "SARENNE",
        "hours_ago": 22 * 24 + 1,
        "authors": ["tobias-renn"],
        "tags": ["Budget", "Pensions", "Assembly"],
        "caption": "About one Velorian in five is over 65.",
        "alt": "Abstract illustration of a rising cost curve on a chart.",
        "body": [
            p("Veloria's independent budget watchdog warned on Monday that a pension top-up "
              "promised by the government would cost about 1.1 billion marks a year within a "
              "decade, nearly twice the figure in the finance ministry's own forecast."),
            p("The Fiscal Council said the ministry had assumed that fewer pensioners would "
              "claim the top-up than actually qualify for it, and had not allowed for the "
              "growing number of people over eighty."),
            q("We are not saying the policy is wrong. We are saying its price is higher than "
              "the Assembly has been told, and the Assembly should vote knowing that.",
              "Dr Ingrid Haavel, chair of the Fiscal Council",
              "told reporters"),
            q("The Fiscal Council does valuable work, and we will study its report. Our "
              "estimates are based on the best data available to us.",
              "Finance ministry",
              "according to a statement released by the ministry"),
            p("The top-up, worth 60 marks a month for pensioners over 75 on low incomes, was "
              "a central promise of the governing coalition at the last election."),
        ],
    },
]
