"""Stop words for counting the terms of comments, in English and French.

Small lists kept by hand: function words (articles, pronouns, prepositions, conjunctions,
auxiliaries and common adverbs) and their contractions, so that what is left is what people
talk about. Negations ("not", "pas") are stop words too: alone they say nothing about the
topic. Words of two letters or fewer are dropped anyway (see comments.text).
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH: frozenset[str] = _words(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each even ever every few for from further get got had hadn't
    has hasn't have haven't having he her here hers herself him himself his how i i'd i'll i'm
    i've if in into is isn't it it's its itself just let's me more most much must mustn't my
    myself no nor not now of off on once only or other our ours ourselves out over own really
    same she should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they're this those through to too under until up upon us very
    was wasn't we we're we've were weren't what when where which while who whom why will with
    won't would wouldn't yet you you're you've your yours yourself yourselves one two also still
    thing things lot way well quite bit like many since though via etc ok okay yes
    """
)

FRENCH: frozenset[str] = _words(
    """
    a à afin ai aie aient ainsi alors as au aucun aucune aujourd auquel aussi autre autres aux
    auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant bien c ça car ce
    ceci cela celle celles celui ces cet cette ceux chaque chez ci comme comment d dans de des
    depuis dès donc dont du elle elles en encore entre es est et étaient étais était étant été
    êtes étions être eu eue eurent eus eut faire fait fois font il ils j je jusqu l la là laquelle
    le lequel les lesquelles lesquels leur leurs lui m ma mais me même mêmes mes moi mon n ne ni
    nos notre nous on ont ou où par parce pas peu peut plus pour pourquoi qu quand que quel quelle
    quelles quels qui quoi s sa sans se sera serait ses si sien soi soit son sont sous suis sur t
    ta te tes toi ton tous tout toute toutes très tu un une vos votre vous y ai été fut oui non
    cela ceci chose choses vraiment déjà assez beaucoup trop aussi ensuite puis alors plutôt
    toujours jamais rien tout leur sinon afin lors vers selon etc
    """
)

BY_LANGUAGE: dict[str, frozenset[str]] = {"en": ENGLISH, "fr": FRENCH}
