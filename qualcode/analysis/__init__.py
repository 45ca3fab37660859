"""Analysis: co-occurrence, networks, code × attribute matrices, queries, exports.

>>> import qualcode as qc
>>> from qualcode import analysis
>>> doc = qc.parse_transcript(b"R: No contract. We are afraid.\\nI: Why?", name="x.txt")
>>> cs = [qc.Coding(doc.id, "no_contract", 3, 15), qc.Coding(doc.id, "fear", 16, 30)]
>>> int(analysis.cooccurrence(cs, documents=[doc]).loc["fear", "no_contract"])
1
>>> G = analysis.cooccurrence_network(cs, documents=[doc], measure="jaccard")
>>> G.edges["fear", "no_contract"]["weight"]
1.0
"""

from .cooccurrence import CooccurrenceStats, cooccurrence, cooccurrence_stats, cooccurrence_table
from .export import NETWORK_FORMATS, read_network, write_network
from .figure import network_figure
from .html import network_html, write_html
from .matrices import code_attribute_matrix
from .measures import MEASURES, bh_qvalues, hypergeom_pvalue
from .network import bipartite_network, cooccurrence_network, difference_network, projections
from .powercube import DEFAULT_DIMENSIONS, PowerCube, heatmap_figure, power_cube_table
from .query import Excerpt, code_examples, excerpts_frame, query
from .segment import split_paragraphs, split_sentences
from .structure import backbone, centrality, communities
from .units import UNITS, Units, assign_units, incidence_matrix

__all__ = [
    "DEFAULT_DIMENSIONS",
    "MEASURES",
    "NETWORK_FORMATS",
    "UNITS",
    "CooccurrenceStats",
    "Excerpt",
    "PowerCube",
    "Units",
    "assign_units",
    "backbone",
    "bh_qvalues",
    "bipartite_network",
    "centrality",
    "code_attribute_matrix",
    "code_examples",
    "communities",
    "cooccurrence",
    "cooccurrence_network",
    "cooccurrence_stats",
    "cooccurrence_table",
    "difference_network",
    "excerpts_frame",
    "heatmap_figure",
    "hypergeom_pvalue",
    "incidence_matrix",
    "network_figure",
    "network_html",
    "power_cube_table",
    "projections",
    "query",
    "read_network",
    "split_paragraphs",
    "split_sentences",
    "write_html",
    "write_network",
]
