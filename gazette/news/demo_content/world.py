"""World: Veloria's neighbours across the strait (all places, people and events invented)."""

from .build import embed, facts, figure, h, p, q

ARTICLES = [
    {
        "slug": "strait-council-agrees-ferry-corridor",
        "title": "Strait Council agrees ferry corridor after all-night talks in Sarenne",
        "standfirst": "The four members will share one timetable and one ticket across the "
                      "strait from next spring, ending a decade of duplicated routes.",
        "dateline": "SARENNE",
        "hours_ago": 30,
        "authors": ["oren-tallis"],
        "tags": ["Strait Council", "Diplomacy", "Shipping"],
        "caption": "Foreign ministers of the four Strait Council members met until dawn.",
        "alt": "Abstract illustration of a globe with ferry routes drawn across a strait.",
        "body": [
            p("Foreign ministers from Veloria, Astrelle, Tarvonia and the Ombrine Isles agreed "
              "early on Thursday to run the strait's passenger ferries as a single network, "
              "after talks that began at lunchtime on Wednesday and ended shortly before six "
              "in the morning."),
            p("Under the agreement, ferries operated by the four national companies will share "
              "one timetable, one ticket and one booking system. Passengers travelling from "
              "Northport to Port Lisle, which can take three changes today, should be able to "
              "make the crossing on a single fare from April."),
            q("We spent ten years competing for the same passengers on the same water. From "
              "now on we will compete on service, not on who sails first.",
              "Lena Kaspary, Velorian foreign minister",
              "told reporters outside the council building"),
            p("The deal was nearly derailed by a dispute over fuel standards. Tarvonia wanted "
              "a longer transition for its older vessels, and negotiators eventually agreed "
              "that ships built before 2010 may operate on the corridor for five more years "
              "if they fit exhaust filters."),
            h("What changes for passengers"),
            facts("The ferry corridor in brief",
                  "Nine routes and 31 vessels come under one timetable",
                  "A single ticket will cover any connection made within six hours",
                  "Ships older than 2010 must fit exhaust filters by 2030",
                  "A joint office in Northport will handle complaints"),
            p("Astrelle's foreign minister, Mathis Ebrel, said the corridor would also make "
              "it easier to divert ships during winter storms, when one port is closed and "
              "another is open."),
            q("When the weather turns, the sea does not check which flag a ferry flies. "
              "Now our dispatchers will not have to either.",
              "Mathis Ebrel, Astrellan foreign minister",
              "according to a statement released by the Astrellan foreign ministry"),
            p("The agreement still needs the approval of the four national parliaments. The "
              "Velorian Assembly is expected to vote on it before the summer recess."),
        ],
    },
    {
        "slug": "astrelle-reopens-mountain-border-crossing",
        "title": "Astrelle reopens mountain border crossing closed by landslide",
        "standfirst": "The Col de Varne pass, the main road link between Astrelle and "
                      "Tarvonia, reopened to cars after three weeks of repairs.",
        "dateline": "VALCOUR",
        "hours_ago": 9,
        "agency": "coastal-wire-news",
        "tags": ["Astrelle", "Tarvonia", "Transport"],
        "caption": "The Col de Varne road was buried under rock and mud in a spring storm.",
        "alt": "Abstract illustration of a globe above a mountain horizon.",
        "body": [
            p("Astrelle reopened the Col de Varne mountain crossing to cars on Friday morning, "
              "three weeks after a landslide buried four hundred metres of road under rock "
              "and mud and cut the busiest land route between Astrelle and Tarvonia."),
            p("Lorries over twelve tonnes will remain barred until engineers finish a new "
              "retaining wall, the Astrellan interior ministry said. Hauliers have been using "
              "a coastal detour that adds about five hours to the journey."),
            q("The road is safe for cars and buses. We will not open it to heavy traffic "
              "until we are certain the slope will hold through the next rains.",
              "Astrellan interior ministry",
              "according to a statement released by the ministry"),
            p("Villages on both sides of the pass had been cut off from their nearest "
              "hospital. Residents of Santerre, on the Astrellan side, said ambulances had "
              "been replaced by a helicopter shuttle that could only fly in daylight."),
            q("For three weeks, if you fell ill at night you waited for morning. Nobody here "
              "will forget that quickly.",
              "Amélie Dorsan, pharmacist in Santerre",
              "told Coastal Wire News"),
            p("Tarvonian officials welcomed the reopening and said customs posts at the "
              "border would return to round-the-clock staffing from Saturday."),
        ],
    },
    {
        "slug": "ombrine-isles-vote-to-join-regional-grid",
        "title": "Ombrine Isles vote to join regional power grid",
        "standfirst": "A referendum approved an undersea cable to Veloria that would end the "
                      "islands' dependence on diesel generators.",
        "dateline": "PORT LISLE",
        "hours_ago": 5 * 24 + 3,
        "authors": ["oren-tallis"],
        "agency": "meridian-press-agency",
        "tags": ["Ombrine Isles", "Energy", "Strait Council"],
        "caption": "Most of the islands' electricity still comes from diesel generators.",
        "alt": "Abstract illustration of a globe with a cable line drawn to a group of islands.",
        "body": [
            p("Voters in the Ombrine Isles approved a plan on Sunday to connect the "
              "archipelago to the mainland power grid by an undersea cable, with 61 percent "
              "in favour on a turnout of 72 percent."),
            p("The 140-kilometre cable would run from the largest island to a substation "
              "south of Northport. The islands currently generate almost all of their "
              "electricity by burning imported diesel, and households pay some of the "
              "highest power prices in the region."),
            q("Tonight the islands chose to stop burning money in the harbour every time a "
              "tanker arrives. This is the most important vote of my lifetime.",
              "Léonie Farrant, chief minister of the Ombrine Isles",
              "said in a televised address"),
            p("Opponents had warned that the islands would lose control over their own "
              "energy and that the cable could be damaged by fishing trawlers. The No "
              "campaign won a majority on the two smallest islands, where fishing is the main "
              "employer."),
            h("Who pays"),
            p("The cable is expected to cost about 410 million Velorian marks. The Strait "
              "Council's infrastructure fund will cover half, with the rest shared by the "
              "island government and Veloria's grid operator."),
            q("We will bury the cable two metres under the seabed wherever trawlers work. "
              "We have listened to the fishermen and the design reflects it.",
              "Pieter Galland, project director at the Velorian grid operator",
              "told the Meridian Press Agency"),
            embed("ombrine/referendum-results",
                  "Referendum results by island",
                  "Official results published by the Ombrine electoral office.",
                  "Results table"),
        ],
    },
    {
        "slug": "festival-des-marees-ombrine",
        "title": "Les îles Ombrine accueillent le premier festival des marées",
        "standfirst": "Pendant trois jours, musiciens, pêcheurs et scientifiques ont célébré "
                      "les grandes marées d'équinoxe à Port Lisle.",
        "dateline": "PORT LISLE",
        "hours_ago": 12 * 24 + 5,
        "language": "fr",
        "agency": "meridian-press-agency",
        "tags": ["Ombrine Isles", "Culture"],
        "caption": "Les grandes marées ont découvert des kilomètres de sable autour du port.",
        "alt": "Illustration abstraite d'un globe au-dessus de vagues.",
        "body": [
            p("Le premier festival des marées des îles Ombrine s'est achevé dimanche soir à "
              "Port Lisle, après trois jours de concerts sur le port, de promenades guidées "
              "sur l'estran et de conférences sur la montée des eaux."),
            p("Les organisateurs ont choisi le week-end des grandes marées d'équinoxe, "
              "lorsque la mer se retire de près de deux kilomètres autour de l'île "
              "principale. Des centaines de visiteurs ont marché jusqu'aux anciens parcs à "
              "huîtres, accompagnés de pêcheurs à pied."),
            q("Nos grands-parents vivaient au rythme de la marée. Nous voulions que les "
              "enfants la regardent de nouveau, au lieu de la craindre.",
              "Sabine Morvel, directrice du festival",
              "a déclaré à l'agence Meridian Press"),
            p("Des chercheurs de l'observatoire côtier ont installé sur le quai une "
              "exposition sur les relevés de niveau de la mer, tenus à la main depuis 1893 "
              "par les gardiens du phare."),
            q("Ces carnets sont notre mémoire. Ils montrent que la mer a monté d'une "
              "vingtaine de centimètres en un siècle.",
              "Hugo Vannier, océanographe",
              "selon un communiqué de l'observatoire"),
            p("La mairie de Port Lisle a annoncé que le festival reviendrait l'an prochain, "
              "avec une journée consacrée aux écoles de l'archipel."),
        ],
    },
    {
        "slug": "tarvonia-frees-detained-fishing-crew",
        "title": "Tarvonia frees detained Velorian fishing crew",
        "standfirst": "The seven crew of the trawler Gull's Reach were released after eleven "
                      "days, as both governments agreed to redraw a disputed fishing line.",
        "dateline": "NORTHPORT",
        "hours_ago": 3 * 24 + 2,
        "updated_hours": 7,
        "authors": ["mara-quill"],
        "agency": "coastal-wire-news",
        "tags": ["Tarvonia", "Fishing", "Diplomacy"],
        "caption": "Families waited on the north quay for the Gull's Reach to come home.",
        "alt": "Abstract illustration of a globe over the sea with a small boat.",
        "body": [
            p("The seven crew of the Northport trawler Gull's Reach were released by "
              "Tarvonian authorities on Monday, eleven days after their boat was stopped by a "
              "coastguard patrol in waters both countries claim."),
            p("The trawler returned to Northport under its own power late in the evening. "
              "Around two hundred people, many of them relatives of the crew, waited on the "
              "north quay in the rain."),
            q("We were treated correctly, we were fed, and we were never told how long we "
              "would stay. The not knowing was the worst of it.",
              "Aldo Pennick, skipper of the Gull's Reach",
              "told reporters on the quay"),
            p("The release followed a meeting between the two countries' fisheries "
              "ministers, who agreed to ask a joint commission to redraw the boundary in the "
              "disputed area within six months. Until then, boats from both countries will "
              "be allowed to fish there under a shared catch limit."),
            q("The crew have done nothing that fishermen on both sides have not done for "
              "generations. The problem was a line on a map, and we have agreed to fix it.",
              "Anka Moravi, spokesperson for the Tarvonian foreign ministry",
              "according to a statement released by the ministry"),
            h("Update"),
            p("The Velorian fisheries ministry later confirmed that the Gull's Reach would "
              "not be fined and that its catch, seized during the detention, would be "
              "returned or paid for."),
        ],
    },
    {
        "slug": "aid-convoy-reaches-flooded-valleys-tarvonia",
        "title": "Aid convoy reaches flood-hit valleys in eastern Tarvonia",
        "standfirst": "Lorries carrying water purifiers and tents arrived after a week in "
                      "which the valleys could only be reached by helicopter.",
        "dateline": "DRESK",
        "hours_ago": 18 * 24 + 6,
        "authors": ["oren-tallis"],
        "tags": ["Tarvonia", "Floods", "Humanitarian"],
        "caption": "The River Osk burst its banks after five days of continuous rain.",
        "alt": "Abstract illustration of a globe above a flooded valley.",
        "body": [
            p("A convoy of forty lorries reached the flooded valleys of eastern Tarvonia on "
              "Tuesday, bringing water purifiers, tents and medicines to villages that had "
              "been cut off since the River Osk burst its banks a week ago."),
            p("The Tarvonian emergency service says about 18,000 people left their homes. "
              "Most are staying with relatives or in school buildings on higher ground."),
            figure("Daily rainfall at the Osk valley gauge rose sharply in the week before "
                   "the flood.",
                   "Bar chart showing daily rainfall rising over seven days.", "chart"),
            q("The water is going down, but the wells are contaminated and the roads are "
              "broken. The next two weeks are the dangerous ones.",
              "Dr Selma Irvane, coordinator for the Strait Relief Society",
              "told the Gazette by telephone from the valley"),
            p("Veloria sent two water-treatment units and a team of engineers from Northport "
              "on Saturday. The Ombrine Isles and Astrelle have pledged money to rebuild "
              "bridges."),
            q("Our neighbours asked for help and help is on the road. We will stay for as "
              "long as we are needed.",
              "Bram Ostlund, Velorian interior minister",
              "according to a statement released by the interior ministry"),
            p("Meteorologists warned that more rain is forecast for the mountains at the "
              "weekend, though in smaller amounts."),
        ],
    },
]
