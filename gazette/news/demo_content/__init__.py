"""Texts of the demo newsroom, written for Gazette about an invented world.

Nothing here describes real people, places, companies or events: the republic of Veloria, its
port city Northport, its capital Sarenne, its neighbours (the kingdom of Astrelle, Tarvonia, the
Ombrine Isles) and every person quoted are made up. Links point at example.org only.
"""

from . import climate, economy, opinion, politics, technology, world
from .people import AGENCIES, AUTHORS, SECTIONS

HOME_INTRO = "Independent news from Northport and the world"
HOME_DESCRIPTION = (
    "The Northport Gazette: independent reporting on Veloria and the world, from the harbour "
    "to the capital, with analysis and opinion from our columnists."
)

# Section slug -> its articles, in the order the sections appear on the site.
ARTICLES_BY_SECTION = {
    "world": world.ARTICLES,
    "politics": politics.ARTICLES,
    "economy": economy.ARTICLES,
    "climate": climate.ARTICLES,
    "technology": technology.ARTICLES,
    "opinion": opinion.ARTICLES,
}

__all__ = ["AGENCIES", "ARTICLES_BY_SECTION", "AUTHORS", "HOME_DESCRIPTION", "HOME_INTRO",
           "SECTIONS"]
