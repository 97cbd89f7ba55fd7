"""The parts of the answer judge; :mod:`app.game.judge` is the entry point and the rules.

``text`` (surface normalisation) -> ``units`` (words and numbers, with the dictionary's view
from ``morph`` and the values from ``numbers``) -> ``pairing`` (the answer's units against a
variant's) -> ``align`` (what is left over decides).  ``words`` holds the closed word lists,
``reasons`` the verdict reasons.
"""
