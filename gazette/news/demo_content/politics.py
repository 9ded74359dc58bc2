"""Politics: the Velorian Assembly and Northport city hall (all people and events invented)."""

from .build import embed, facts, h, p, pull, q

ARTICLES = [
    {
        "slug": "vell-survives-confidence-vote",
        "title": "Prime minister Casimir Vell survives confidence vote by three seats",
        "standfirst": "The government held on after two independents backed it at the last "
                      "minute, but the coalition's fight over harbour funding is far from over.",
        "dateline": "SARENNE",
        "hours_ago": 0.75,
        "breaking": True,
        "authors": ["dario-vesk"],
        "tags": ["Assembly", "Casimir Vell", "Coalition"],
        "caption": "Members of the Assembly voted late into the evening in Sarenne.",
        "alt": "Abstract illustration of a columned parliament building at dusk.",
        "body": [
            p("Prime minister Casimir Vell survived a vote of confidence in the Velorian "
              "Assembly on Tuesday evening by 76 votes to 73, after two independent members "
              "announced during the debate that they would back the government."),
            p("The vote was called by the opposition Coastal Alliance after the Green Harbour "
              "party, the junior partner in Mr Vell's coalition, threatened to walk out over "
              "cuts to the flood-defence budget. In the end, five of its seven members "
              "abstained."),
            q("The Assembly has spoken and the government will get on with its work. I have "
              "heard the concerns of our partners and my door is open tonight.",
              "Casimir Vell, prime minister",
              "told the Assembly after the result was read"),
            p("Ines Harrow, leader of the Coastal Alliance, said the result showed the "
              "government had lost its majority in all but name."),
            q("Three votes, two of them bought with promises nobody has costed. This "
              "government is living day to day.",
              "Ines Harrow, leader of the opposition",
              "told reporters in the Assembly lobby"),
            h("What happens next"),
            p("The budget committee meets on Thursday to reconsider the flood-defence "
              "allocation. Green Harbour members said their support in any future vote "
              "would depend on the outcome."),
            p("This story is developing and will be updated."),
        ],
    },
    {
        "slug": "northport-mayor-proposes-free-night-buses",
        "title": "Northport mayor proposes free night buses for shift workers",
        "standfirst": "Teodor Blaine wants the city to pay for six night routes serving the "
                      "harbour, the hospital and the east side.",
        "dateline": "NORTHPORT",
        "hours_ago": 20,
        "authors": ["mara-quill"],
        "tags": ["Northport", "Transport", "City Council"],
        "caption": "Night buses currently run once an hour on two routes.",
        "alt": "Abstract illustration of a city hall with columns and lit windows.",
        "body": [
            p("The mayor of Northport, Teodor Blaine, proposed on Monday that the city run "
              "six free night bus routes between midnight and five in the morning, aimed at "
              "the thousands of people who work night shifts at the harbour and the general "
              "hospital."),
            p("At present only two night routes operate, once an hour, and fares are the same "
              "as during the day. Many shift workers drive, take taxis or walk long distances "
              "in the dark."),
            q("A nurse finishing at two in the morning should not have to choose between a "
              "taxi fare and a forty-minute walk. This is a city that works at night, and its "
              "buses should too.",
              "Teodor Blaine, mayor of Northport",
              "told the city council"),
            facts("The proposal",
                  "Six routes, every twenty minutes from midnight to 5 a.m.",
                  "Free to all passengers for an 18-month trial",
                  "Estimated cost: 4.2 million marks a year",
                  "Paid for from the city's parking revenue"),
            p("Opposition councillors questioned the cost and asked why the service should be "
              "free rather than cheaper. The council's finance committee will examine the plan "
              "next month."),
            q("Nobody is against night buses. But free is a price, and someone pays it.",
              "Greta Olmsund, leader of the Coastal Alliance group on the council",
              "said during the debate"),
            embed("northport/council/night-bus-proposal",
                  "Night bus proposal: report to the council",
                  "The mayor's office report with route maps and cost estimates.",
                  "Council document (PDF)"),
        ],
    },
    {
        "slug": "ines-harrow-coastal-housing-plan",
        "title": "Opposition leader Ines Harrow sets out plan for coastal housing",
        "standfirst": "The Coastal Alliance would build 40,000 homes on land away from the "
                      "flood line and buy out owners in the most exposed streets.",
        "dateline": "NORTHPORT",
        "hours_ago": 4 * 24 + 5,
        "authors": ["dario-vesk"],
        "tags": ["Coastal Alliance", "Housing", "Assembly"],
        "caption": "Ines Harrow presented the plan at a former shipyard in Northport.",
        "alt": "Abstract illustration of a parliament building with rows of houses.",
        "body": [
            p("Ines Harrow, the leader of the opposition Coastal Alliance, promised on "
              "Saturday that a government led by her party would build 40,000 homes on higher "
              "ground over ten years and offer to buy homes in streets that flood most "
              "often."),
            p("Speaking in a disused shipyard hall in Northport, Ms Harrow said the country "
              "could not keep rebuilding the same houses after every storm."),
            q("We ask families to mop out their ground floors every winter and call it "
              "resilience. It is not resilience. It is a slow emergency.",
              "Ines Harrow, leader of the Coastal Alliance",
              "said in her speech"),
            p("The plan would be paid for partly by a levy on second homes along the coast, "
              "which the party says would raise 300 million marks a year. The government "
              "said the figures did not add up."),
            q("Every opposition has a plan. This one is paid for by a tax that would "
              "collapse the moment it was introduced.",
              "Perrin Aldous, finance minister",
              "according to a statement released by the finance ministry"),
            pull("We ask families to mop out their ground floors every winter and call it "
                 "resilience.", "Ines Harrow"),
            p("Housing charities welcomed the focus on flood-prone streets but asked how "
              "the buyouts would be valued, and whether tenants would be protected."),
        ],
    },
    {
        "slug": "electoral-commission-weekend-voting-trial",
        "title": "Electoral commission to trial weekend voting in three provinces",
        "standfirst": "Polling stations in Lidwell, Calder and the northern islands will open "
                      "on Saturday and Sunday at the next local elections.",
        "dateline": "SARENNE",
        "hours_ago": 8 * 24 + 2,
        "agency": "coastal-wire-news",
        "comments_open": False,
        "tags": ["Elections", "Assembly"],
        "caption": "Turnout at the last local elections was the lowest on record.",
        "alt": "Abstract illustration of a columned building with ballot boxes.",
        "body": [
            p("Veloria's electoral commission will let voters in three provinces cast their "
              "ballots over a whole weekend at the next local elections, in an experiment "
              "meant to reverse a long fall in turnout."),
            p("Polling stations in Lidwell, Calder and the northern islands will open from "
              "eight in the morning on Saturday until six in the evening on Sunday. Ballot "
              "boxes will be sealed and guarded overnight."),
            q("People tell us they cannot get to a polling station on a working Tuesday. We "
              "want to find out whether that is the real reason, or only the easiest answer.",
              "Marit Sollen, chair of the electoral commission",
              "told Coastal Wire News"),
            p("Turnout at the last local elections was 47 percent, the lowest since the "
              "present constitution was adopted. In the northern islands it was below 40 "
              "percent."),
            p("The commission will publish a report after the elections comparing turnout "
              "in the trial provinces with the rest of the country."),
        ],
    },
    {
        "slug": "committee-questions-ministry-over-dredging-contract",
        "title": "Assembly committee questions ministry over delayed harbour dredging contract",
        "standfirst": "Members want to know why a contract to deepen Northport's main channel "
                      "is two years late and 30 percent over budget.",
        "dateline": "SARENNE",
        "hours_ago": 14 * 24 + 4,
        "updated_hours": 26,
        "authors": ["dario-vesk", "mara-quill"],
        "tags": ["Northport", "Harbour", "Assembly"],
        "caption": "The main channel must be deepened for the largest container ships.",
        "alt": "Abstract illustration of a parliament building beside a harbour.",
        "body": [
            p("Senior officials from the Ministry of Maritime Affairs faced three hours of "
              "questions from the Assembly's infrastructure committee on Wednesday over a "
              "contract to deepen the main shipping channel into Northport."),
            p("The work was meant to be finished two years ago. The committee heard that the "
              "cost has risen from 180 million marks to about 235 million, and that the "
              "contractor has been paid for work that has not yet been inspected."),
            q("I have read the contract three times and I still cannot tell you who decides "
              "when a stage of the work is finished. That cannot be right.",
              "Oskar Feldt, chair of the infrastructure committee",
              "said during the hearing"),
            p("The ministry's permanent secretary, Hanne Rook, said delays were caused by "
              "unexpected rock on the channel floor and by two winters of severe storms."),
            q("Nobody has been paid for work that was not done. Payments follow surveys, and "
              "the surveys are independent.",
              "Hanne Rook, permanent secretary at the Ministry of Maritime Affairs",
              "told the committee"),
            h("Update"),
            p("After the hearing, the ministry published the survey reports for the first "
              "two stages of the work and said it would ask the national audit office to "
              "review the contract."),
            embed("assembly/infrastructure-committee/dredging-hearing",
                  "Video: infrastructure committee hearing on the dredging contract",
                  "The full three-hour session, with the committee's written questions.",
                  "Video"),
        ],
    },
    {
        "slug": "young-voters-council-first-session",
        "title": "Young voters' council holds first session in Sarenne",
        "standfirst": "Sixty people aged 16 to 21, chosen by lot, will advise the Assembly on "
                      "education and housing for two years.",
        "dateline": "SARENNE",
        "hours_ago": 24 * 24 + 3,
        "authors": ["dario-vesk"],
        "tags": ["Elections", "Youth", "Assembly"],
        "caption": "Members of the council were chosen by lot from every province.",
        "alt": "Abstract illustration of a parliament building with a bright sky.",
        "body": [
            p("Sixty young people chosen by lot from across Veloria took their seats in the "
              "old chamber of the Assembly on Monday for the first session of the Young "
              "Voters' Council."),
            p("The council was created last year with support from every party. It has no "
              "power to pass laws, but the Assembly must respond in writing to each of its "
              "recommendations within three months."),
            q("I have never been inside this building before today, and now I have a seat "
              "in it. I intend to use it.",
              "Rafaela Minto, 17, a council member from Lidwell",
              "told the Gazette"),
            p("The council chose housing and school transport as its first two subjects. "
              "It will hold public hearings in Northport and the northern islands before "
              "making recommendations in the autumn."),
            q("Adults have been deciding what young people need for a very long time. It is "
              "overdue that we ask them.",
              "Adela Moranth, president of Veloria",
              "said at the opening ceremony"),
        ],
    },
]
