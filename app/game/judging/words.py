"""The small closed word lists the judge needs beside the dictionary.

Everything here is written after normalisation: lower case, ``ё`` as ``е``.  Lists of
lemmas (``KIND_WORDS``, ``YEAR_WORDS``) are compared with the dictionary's lemmas; the others
with the word as typed, because they are short function words the dictionary adds nothing to.
The word lists are whitespace-separated strings: they read as lists of words, not of Python.
"""

from __future__ import annotations

# Phrases dropped from the *start* of an answer (and of an accepted variant) while something
# remains after them: what players type before the answer.  Kept as phrases (not single words)
# so that «может быть» goes but an answer «Быть» stays.
LEADING_FILLERS: frozenset[tuple[str, ...]] = frozenset(
    tuple(phrase.split())
    for phrase in (  # noqa: SIM905
        "ответ; наш ответ; это; наверное; наверно; может; может быть; думаю; думаю что; я думаю;"
        " я думаю что; мы думаем; мы думаем что; по моему; по нашему; мне кажется; нам кажется;"
        " кажется; в; во; на; о; об; обо; с; со; к; ко; у; из; от; до; по; за; the; a; an"
    ).split(";")
)

PREPOSITIONS = frozenset(
    """
    без в во возле для до за из к ко между на над о об обо около от перед по под при про с со у
    через
    """.split()  # noqa: SIM905
)

# Words that carry no answer anywhere in it: prepositions, particles, lead-ins.  An extra one
# is ignored; one missing from the given answer is not missed.  Names' particles («де», «фон»)
# are here too, so «Антуан де Сент-Экзюпери» is a fuller «Сент-Экзюпери».
FUNCTION_WORDS = PREPOSITIONS | frozenset(
    """
    a an of the аль бен бы быть ван вариант ведь вероятно версия видимо возможно вот всего де
    дер ди думаем думаю дю же значит ибн итак ка кажется конечно ла ле мне моему может мы
    наверно наверное нам наш наше нашему ну оглы ответ пожалуй полагаем полагаю скорее считаем
    считаю так то точно фон что эль эта это этот я
    """.split()  # noqa: SIM905
)

# A word that denies: an answer with more of them than the accepted variant is a denial.
NEGATIONS = frozenset({"не", "ни", "нет", "not", "no"})

# A word that offers alternatives: «X или Y», «то ли X, то ли Y», «либо X, либо Y».
HEDGE_WORDS = frozenset({"или", "либо", "ли", "or"})

# A word that joins a list: extra candidates after one of these make a hedge.
LIST_WORDS = frozenset({"и", "а", "но", "and"})

# Punctuation that separates candidates in a list («Пушкин, Лермонтов», «Пушкин/Лермонтов»).
LIST_MARKS = frozenset(",;/?")

# Generic words naming the kind of thing (lemmas).  Beside a proper name they are detail:
# «гора Эверест» = «Эверест», «река Волга» = «Волга», «король Лир» = «Лир».
KIND_WORDS = frozenset(
    """
    автомобиль адмирал актер актриса ансамбль апостол архипелаг астероид балет басня башня бог
    богиня броненосец бульвар бухта вершина водопад вокзал вулкан газета галактика генерал
    героиня герой герцог герцогиня герцогство гора город государство граф графиня графство
    группа дворец деревня долина журнал залив замок звезда игра изобретатель император
    императрица империя канал каньон картина книга княгиня княжество князь комета компания
    композитор континент корабль королева королевство король корпорация крейсер кремль крепость
    лагуна ледник линкор маршал математик материк мечеть монастырь море мост музей мультфильм
    мыс мюзикл набережная низменность область озеро океан округ опера оперетта орден остров
    папа парк партия певец певица переулок персонаж песня пик писатель планета плато площадь
    повесть подлодка полководец полотно полуостров порт поселок поэма поэт президент провинция
    пролив пророк проспект пустыня пьеса равнина район ракета рассказ регион режиссер река
    республика роман сад самолет святой село сериал симфония сказка скульптура собор созвездие
    спутник стадион станица статуя стихотворение столица страна судно султан театр улица ученый
    фараон физик философ фильм фирма фрегат хан химик храм хребет художник царица царь церковь
    шах штат
    """.split()  # noqa: SIM905
)

# Kinds that name a number: «1945 год», «XIX век».  Detail beside a number only.
YEAR_WORDS = frozenset({"год", "век", "столетие", "тысячелетие", "эра"})
# Their abbreviations after a number: «1945 г.», «XIX в.», «1941–1945 гг.».
YEAR_ABBREVIATIONS = {"г": "год", "гг": "год", "в": "век", "вв": "век"}

# Endings written after digits in ordinals: «2-й», «1812-го», «XX-м», «2й».
ORDINAL_SUFFIXES = frozenset(
    """
    ая го е его ем ему ий ими их й м ми му ого ое ой ом ому ую х ые ый ыми ых ь ье ью ья я
    """.split()  # noqa: SIM905
)

# Proper names the dictionary does not know, one letter away from a name it does know
# (capitals, countries, mountains, heroes).  Without them «Бразилиа» (the capital) would pass
# as a typo of «Бразилия» (the country), and «Парис» (of Troy) as a typo of «Париж».
EXTRA_KNOWN_WORDS = frozenset(
    """
    абеба абуджа аддис асмэра банжул батор белмопан бельмопан бисау богота бразилиа бриджтаун
    вадуц валетта велья виндхук вьентьян даби дарданеллы денали джомолунгма додома доминго
    жанейро кампала кракатау куала либревиль лобамба любляна маджуро маккинли малабо манш
    марино масеру морони морсби мумбаи нассау нейпьидо нукуалофа парамарибо парис подгорица
    прая пренс рияд розо санто сараево саяны спейн сува тайбэй тянь фудзи фудзияма фунафути
    хартум хониара шань эсватини яунде
    """.split()  # noqa: SIM905
)

__all__ = [
    "EXTRA_KNOWN_WORDS",
    "FUNCTION_WORDS",
    "HEDGE_WORDS",
    "KIND_WORDS",
    "LEADING_FILLERS",
    "LIST_MARKS",
    "LIST_WORDS",
    "NEGATIONS",
    "ORDINAL_SUFFIXES",
    "PREPOSITIONS",
    "YEAR_ABBREVIATIONS",
    "YEAR_WORDS",
]
