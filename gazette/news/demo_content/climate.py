"""Climate: storms, sea level and heat around Veloria (all places and people invented)."""

from .build import embed, facts, figure, h, p, pull, q

ARTICLES = [
    {
        "slug": "tidal-barrier-passes-first-storm-test",
        "title": "Northport's tidal barrier passes its first winter storm test",
        "standfirst": "The gates closed for nine hours as a surge pushed the sea higher than "
                      "in any storm since 2014, and the old quay stayed dry.",
        "dateline": "NORTHPORT",
        "hours_ago": 14,
        "authors": ["ilse-marrow"],
        "tags": ["Northport", "Sea level", "Storms"],
        "caption": "The barrier's six gates rose from the river bed at four in the morning.",
        "alt": "Abstract illustration of high waves against a line of gates at dawn.",
        "body": [
            p("Northport's new tidal barrier closed for the first time in a real storm on "
              "Sunday night, holding back a surge that pushed the sea 1.9 metres above the "
              "normal high-tide mark, the highest level recorded in the harbour for a "
              "decade."),
            p("The six steel gates rose from the river bed at about four in the morning and "
              "stayed closed for nine hours. The old quay, which flooded four times last "
              "winter, stayed dry."),
            q("Everything did what it was designed to do. The real test is the next fifty "
              "years, but tonight was a very good start.",
              "Ewan Porlock, Northport harbour master",
              "told the Gazette at the barrier control room"),
            facts("The barrier",
                  "Six gates, each 40 metres wide",
                  "Approved by the harbour council after two years of debate",
                  "Designed for a sea-level rise of up to one metre",
                  "Expected to close about eight times a year by 2050"),
            p("Residents of streets behind the quay said it was the first storm in years "
              "they had slept through."),
            q("Last winter I moved my furniture upstairs three times. This time I watched "
              "the water on the webcam and went to bed.",
              "Pilar Neves, who lives on Quay Street",
              "said"),
            h("Not the whole coast"),
            p("Outside the barrier, the storm damaged sea walls in two villages south of the "
              "city and flooded a coastal road for several hours. The environment ministry "
              "said it would publish an assessment of the damage this week."),
            embed("northport/harbour/barrier-live-levels",
                  "Live water levels at the tidal barrier",
                  "Readings from the harbour authority's gauges, updated every five minutes.",
                  "Data page"),
        ],
    },
    {
        "slug": "seagrass-returns-to-calder-bay",
        "title": "Seagrass meadows return to Calder Bay after ten-year ban on trawling",
        "standfirst": "Divers found meadows covering four times the area mapped in 2015, "
                      "along with the fish that shelter in them.",
        "dateline": "CALDER BAY",
        "hours_ago": 5 * 24 + 8,
        "authors": ["ilse-marrow"],
        "tags": ["Oceans", "Fishing", "Biodiversity"],
        "caption": "Seagrass shelters young fish and stores carbon in the seabed.",
        "alt": "Abstract illustration of layered blue waves with green strands below.",
        "body": [
            p("Seagrass has returned to large parts of Calder Bay ten years after the "
              "government banned bottom trawling there, according to a survey by divers "
              "from the University of Northport."),
            p("The meadows now cover about 2,300 hectares, four times the area mapped when "
              "the ban began. Divers also counted far more young cod, pipefish and "
              "cuttlefish than in previous surveys."),
            figure("Seagrass cover in Calder Bay, in hectares, from the university's surveys.",
                   "Chart showing seagrass area rising over ten years.", "chart"),
            q("When we started, you could swim for an hour over bare sand. Now you swim "
              "through forests. I did not expect to see this in my career.",
              "Dr Nell Ashgrove, marine biologist at the University of Northport",
              "told the Gazette"),
            p("The ban was fiercely opposed by trawler owners when it was introduced. Some "
              "local fishermen, who use pots and lines, now say their catches have improved "
              "outside the protected area."),
            q("I was against it. I was wrong. My lobster pots have never been so full.",
              "Rune Kallis, a fisherman from Calder village",
              "told Coastal Wire News"),
            pull("When we started, you could swim for an hour over bare sand. Now you swim "
                 "through forests.", "Dr Nell Ashgrove"),
        ],
    },
    {
        "slug": "heatwave-warning-inland-provinces",
        "title": "Heatwave warning issued for inland provinces",
        "standfirst": "Temperatures in Lidwell could reach 38C on Thursday, and forecasters "
                      "say nights will stay unusually warm.",
        "dateline": "LIDWELL",
        "hours_ago": 40,
        "agency": "coastal-wire-news",
        "comments_open": False,
        "tags": ["Heatwave", "Lidwell", "Weather"],
        "caption": "The warning covers the Lidwell plain and the eastern hills.",
        "alt": "Abstract illustration of a large orange sun over heat haze.",
        "body": [
            p("The national weather service issued an amber heatwave warning on Tuesday for "
              "the inland provinces, with temperatures expected to reach 38C in Lidwell on "
              "Thursday and to stay above 22C overnight."),
            p("Health authorities asked people to check on elderly neighbours, to avoid "
              "strenuous work in the afternoon and to keep windows shaded during the day."),
            q("It is the warm nights that harm people most. The body never gets a chance to "
              "recover.",
              "National weather service",
              "according to a statement released by the service"),
            p("Lidwell's council said it would keep three public libraries and the sports "
              "hall open until ten at night as cool rooms. Coastal areas, including "
              "Northport, are expected to stay several degrees cooler."),
        ],
    },
    {
        "slug": "astrelle-inaugura-parque-solar",
        "title": "Astrelle inaugura su mayor parque solar en las laderas del norte",
        "standfirst": "La instalación de Montvelle abastecerá a unos 90.000 hogares y "
                      "comparte el terreno con rebaños de ovejas.",
        "dateline": "MONTVELLE",
        "hours_ago": 9 * 24 + 4,
        "language": "es",
        "agency": "meridian-press-agency",
        "tags": ["Astrelle", "Energy", "Solar"],
        "caption": "Los paneles se montaron a más altura para que pasten las ovejas.",
        "alt": "Ilustración abstracta de un sol sobre colinas y olas.",
        "body": [
            p("El reino de Astrelle inauguró el lunes su mayor parque solar en las laderas "
              "de Montvelle, al norte del país. Con 310.000 paneles, la instalación podrá "
              "abastecer a unos 90.000 hogares."),
            p("Los paneles están montados a más de dos metros del suelo para que los rebaños "
              "de ovejas de la zona puedan seguir pastando debajo. Los ganaderos reciben un "
              "alquiler anual por el uso de sus tierras."),
            q("Al principio pensábamos que nos quitarían los pastos. Ahora las ovejas buscan "
              "la sombra de los paneles en verano.",
              "Joan Ferrús, ganadero de Montvelle",
              "dijo a la agencia Meridian Press"),
            p("El gobierno de Astrelle quiere que la mitad de su electricidad proceda de "
              "fuentes renovables dentro de seis años. El parque de Montvelle supone por sí "
              "solo casi el cuatro por ciento del consumo nacional."),
            q("Este parque demuestra que la energía limpia y el campo pueden convivir.",
              "Ministerio de Energía de Astrelle",
              "según un comunicado del ministerio"),
        ],
    },
    {
        "slug": "lidwell-farmers-test-drought-tolerant-barley",
        "title": "Farmers in the Lidwell plain test drought-tolerant barley",
        "standfirst": "Forty farms are growing an old mountain variety crossed with modern "
                      "seed, after three dry summers in a row.",
        "dateline": "LIDWELL",
        "hours_ago": 13 * 24 + 7,
        "authors": ["ilse-marrow"],
        "tags": ["Agriculture", "Drought", "Lidwell"],
        "caption": "Barley fields on the Lidwell plain after a dry spring.",
        "alt": "Abstract illustration of a sun over dry, layered fields.",
        "body": [
            p("Forty farms on the Lidwell plain are sowing a new barley this spring, bred "
              "from an old mountain variety that survives long dry spells, after three "
              "summers in which rainfall fell far below average."),
            p("The seed was developed over eight years by the agricultural college in "
              "Lidwell, which crossed a hardy Astrellan landrace with modern high-yield "
              "barley."),
            q("It yields a little less in a good year and a great deal more in a bad one. "
              "Farmers here have had more bad years than good ones lately.",
              "Dr Tomas Ferrant, plant breeder at the Lidwell agricultural college",
              "told the Gazette"),
            p("Brewers in Northport have agreed to buy the first harvest at a guaranteed "
              "price, so that farmers do not carry all the risk of the trial."),
            q("If it makes good beer, we will buy it every year. If it does not, we will "
              "still have learned something.",
              "Saskia Brunn, head brewer at the Harbour Light brewery",
              "said"),
        ],
    },
    {
        "slug": "northport-plants-street-trees-east-side",
        "title": "City plants 4,000 street trees to cool the east side",
        "standfirst": "The east side is up to five degrees hotter than leafier districts on "
                      "summer afternoons, a city study found.",
        "dateline": "NORTHPORT",
        "hours_ago": 27 * 24 + 2,
        "authors": ["ilse-marrow", "mara-quill"],
        "tags": ["Northport", "Heatwave", "Urban planning"],
        "caption": "Many east side streets have no trees at all.",
        "alt": "Abstract illustration of a city skyline under a hot sun with trees.",
        "motif": "skyline",
        "body": [
            p("Northport began planting 4,000 street trees in its east side on Monday, in "
              "the city's largest planting programme for half a century."),
            p("A study by the city's environment office last summer found that some east "
              "side streets were five degrees hotter on summer afternoons than tree-lined "
              "streets in the west of the city, where incomes are higher."),
            q("Shade should not depend on your postcode. In ten years, every child on the "
              "east side should be able to walk to school under trees.",
              "Teodor Blaine, mayor of Northport",
              "said at the first planting"),
            p("Residents chose the species at a series of public meetings. Limes, maples "
              "and a salt-tolerant pine will be planted near the seafront."),
            q("We asked for trees for twenty years. I will believe it when they are taller "
              "than me, but this is a good day.",
              "Dora Vance, chair of the Eastgate residents' association",
              "told the Gazette"),
        ],
    },
]
