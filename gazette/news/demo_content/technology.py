"""Technology: companies, code and regulation in Veloria (all companies and people invented)."""

from .build import embed, facts, figure, h, p, pull, q

ARTICLES = [
    {
        "slug": "kestrel-systems-open-source-flood-sensor",
        "title": "Kestrel Systems unveils open-source flood sensor for small towns",
        "standfirst": "The Northport start-up will publish the designs and software for a "
                      "river gauge that costs less than 200 marks to build.",
        "dateline": "NORTHPORT",
        "hours_ago": 3,
        "authors": ["nadia-sorel"],
        "tags": ["Open source", "Floods", "Startups"],
        "caption": "The sensor fits in a box the size of a paperback book.",
        "alt": "Abstract illustration of a circuit board pattern with a wave line.",
        "body": [
            p("Kestrel Systems, a Northport start-up of eleven people, unveiled on Wednesday "
              "a river-level sensor that towns can build themselves for less than 200 marks, "
              "and said it would publish the full designs and software under an open-source "
              "licence."),
            p("The solar-powered device measures water height with an ultrasonic sensor and "
              "sends readings over a long-range radio network every two minutes. Commercial "
              "gauges used by the national water agency cost about forty times as much."),
            q("Small towns flood first and get their warnings last. We want any school, "
              "any fire station, any village hall to be able to put one on a bridge.",
              "Ada Quennell, co-founder of Kestrel Systems",
              "told the Gazette"),
            facts("How it works",
                  "Ultrasonic sensor measures the distance to the water surface",
                  "Solar panel and battery last through two weeks of cloud",
                  "Readings are sent every two minutes by long-range radio",
                  "Designs and code are published under open licences"),
            p("Twelve sensors have been tested for a year on rivers around Lidwell. The "
              "company says readings were within two centimetres of the official gauges."),
            q("Cheap sensors are welcome as long as people know what they are looking at. "
              "We will work with the company so the data fits alongside ours.",
              "National water agency",
              "according to a statement released by the agency"),
            embed("kestrel/flood-sensor",
                  "Kestrel flood sensor: designs and code",
                  "Circuit diagrams, parts list and firmware for the river gauge.",
                  "Code repository"),
        ],
    },
    {
        "slug": "solvane-telecom-outage",
        "title": "Outage at Solvane Telecom leaves 200,000 without mobile service",
        "standfirst": "Calls, texts and data were down for most of the afternoon across "
                      "Northport and the coast; the company blamed a faulty software update.",
        "dateline": "NORTHPORT",
        "hours_ago": 33,
        "updated_hours": 5,
        "authors": ["nadia-sorel"],
        "agency": "coastal-wire-news",
        "tags": ["Solvane Telecom", "Outages", "Telecoms"],
        "caption": "Customers queued at Solvane shops to ask when service would return.",
        "alt": "Abstract illustration of a network of nodes with broken links.",
        "body": [
            p("About 200,000 customers of Solvane Telecom lost mobile service for up to six "
              "hours on Thursday, after what the company described as a faulty software "
              "update to its core network."),
            p("Calls, texts and mobile data failed across Northport and much of the coast "
              "from shortly after noon. Some card payment terminals that rely on Solvane's "
              "network also stopped working, and several shops in the city centre closed "
              "early."),
            q("We apologise to every customer affected. An update to our network was not "
              "properly tested, and we rolled it back as soon as we understood the problem.",
              "Solvane Telecom",
              "according to a statement released by the company"),
            p("Emergency calls could still be made because phones switch automatically to "
              "another operator's network for emergency numbers, the telecoms regulator "
              "said."),
            h("Update"),
            p("The telecoms regulator said in the evening that it had opened an inquiry and "
              "asked Solvane to explain by the end of the month how the update was approved. "
              "Solvane said affected customers would receive a credit of one week's charges."),
            q("An outage of this size should not come from a routine change. We want to "
              "understand what checks were skipped.",
              "Petra Holm, head of the telecoms regulator",
              "told Coastal Wire News"),
        ],
    },
    {
        "slug": "ticketing-app-fined-over-location-tracking",
        "title": "Data protection office fines ticketing app over location tracking",
        "standfirst": "Tixa collected passengers' precise locations every minute, even when "
                      "the app was closed, the regulator found.",
        "dateline": "SARENNE",
        "hours_ago": 7 * 24 + 3,
        "authors": ["nadia-sorel"],
        "tags": ["Privacy", "Regulation"],
        "caption": "The app is used for buses, trams and ferries in four cities.",
        "alt": "Abstract illustration of a circuit pattern with a location pin.",
        "body": [
            p("Veloria's data protection office fined the public transport ticketing app "
              "Tixa 2.4 million marks on Tuesday, saying it had collected users' precise "
              "locations every minute, even when the app was closed."),
            p("The app is used to buy tickets for buses, trams and ferries in Northport, "
              "Sarenne and two other cities. Its operator said the location data was used to "
              "show nearby stops and to detect fraud."),
            q("Nobody needs to know where a passenger is at three in the morning to sell "
              "them a bus ticket. Collecting this data was unnecessary, and keeping it for two "
              "years was unlawful.",
              "Data protection office",
              "according to the decision published by the office"),
            p("Tixa said it would appeal but had already stopped collecting location data in "
              "the background and deleted the data it held."),
            pull("Nobody needs to know where a passenger is at three in the morning to sell "
                 "them a bus ticket.", "The data protection office"),
            p("Passengers' groups asked the cities to allow paper and card tickets on every "
              "route, so that nobody has to use an app to travel."),
        ],
    },
    {
        "slug": "strait-council-common-charger-rules-ebikes",
        "title": "Strait Council agrees common charger rules for e-bikes",
        "standfirst": "From 2027, electric bikes and scooters sold in the four member "
                      "countries must use one standard charging connector.",
        "dateline": "SARENNE",
        "hours_ago": 11 * 24 + 6,
        "agency": "meridian-press-agency",
        "tags": ["Strait Council", "Regulation", "Transport"],
        "caption": "Riders now need a different charger for almost every brand.",
        "alt": "Abstract illustration of connected circuit lines and a plug.",
        "body": [
            p("Electric bikes and scooters sold in Veloria, Astrelle, Tarvonia and the "
              "Ombrine Isles will have to use a single standard charging connector from 2027, "
              "under rules agreed by Strait Council ministers on Monday."),
            p("The rules also require batteries to be replaceable without special tools and "
              "manufacturers to sell spare batteries for at least seven years after a model "
              "is discontinued."),
            q("People should not have to throw away a good bike because one part is no "
              "longer made. These rules are about repair as much as convenience.",
              "Ferdinand Oake, secretary-general of the Strait Council",
              "told the Meridian Press Agency"),
            p("Manufacturers had asked for a longer transition. An industry association said "
              "it supported a common standard but that the deadline would be hard for small "
              "firms to meet."),
        ],
    },
    {
        "slug": "university-opens-public-computing-lab-fish-market",
        "title": "University of Northport opens public computing lab in former fish market",
        "standfirst": "Anyone with a library card can use the lab's computers, 3D printers "
                      "and repair benches, and ask students for help.",
        "dateline": "NORTHPORT",
        "hours_ago": 19 * 24 + 2,
        "authors": ["nadia-sorel"],
        "tags": ["Northport", "Education", "Open source"],
        "caption": "The old fish market hall has been empty since 2009.",
        "alt": "Abstract illustration of a circuit pattern inside a market hall roofline.",
        "body": [
            p("The University of Northport opened a public computing lab on Saturday in the "
              "old fish market hall on the harbour front, which had stood empty for fifteen "
              "years."),
            p("Anyone with a city library card can book a computer, use the 3D printers or "
              "bring a broken laptop or phone to the repair benches, where computer science "
              "students volunteer in the evenings."),
            figure("Floor plan of the new lab in the former fish market hall.",
                   "Simple diagram of the lab's rooms laid out as a grid.", "circuit"),
            q("We spent years telling the city that the university belongs to it. Now you "
              "can walk in off the quay and prove it.",
              "Professor Linnea Carvel, head of the university's computing department",
              "said at the opening"),
            p("The first weekend's most popular sessions were on spotting online scams and "
              "on getting old phones to run again."),
            q("My grandson lives in Astrelle and I wanted to call him with video. In an hour "
              "a young woman here had my old phone working. I will be back.",
              "Edvin Marsh, 81",
              "told the Gazette"),
        ],
    },
    {
        "slug": "autonomous-tugboats-night-trials",
        "title": "Port of Northport tests autonomous tugboats in night trials",
        "standfirst": "Two tugs steered by software guided container ships to their berths, "
                      "with human crews on board ready to take over.",
        "dateline": "NORTHPORT",
        "hours_ago": 25 * 24 + 5,
        "authors": ["nadia-sorel", "tobias-renn"],
        "tags": ["Harbour", "Shipping", "Robotics"],
        "caption": "The trials take place between midnight and four in the morning.",
        "alt": "Abstract illustration of circuit lines tracing a path across water.",
        "body": [
            p("Two tugboats guided by software have been helping container ships into their "
              "berths at Northport at night, in trials the harbour authority says are the "
              "first of their kind in the region."),
            p("A full crew remains on board each tug and can take control at any moment. In "
              "forty manoeuvres so far, the crews intervened three times, each time because "
              "of small boats that had not switched on their identification beacons."),
            q("The software is very good at the routine and very cautious with the unusual. "
              "That is exactly what we want while we learn.",
              "Captain Freya Lundt, head of marine operations at the harbour authority",
              "told the Gazette"),
            p("The tug crews' union said it would not accept uncrewed tugs in the harbour "
              "and that safety at sea depended on experienced people on board."),
            q("Nobody is against tools that make the job safer. We are against the idea "
              "that the tools can be the job.",
              "Tug crews' union",
              "according to a statement released by the union"),
            p("The trials are due to run until the end of the year, when the harbour "
              "authority will report to the Ministry of Maritime Affairs."),
        ],
    },
]
