"""The text normaliser: Snowball stems (PyStemmer) against pymorphy3's lemmas.

Speed: tokens per second and CPU seconds over a Russian/English service-desk text of
N tokens (process time, one core). Quality: pairs of a query word and a document word
a desk should match («почты» / «почта»), and pairs it should not («почта» / «почти»),
each judged by whether both normalise to one term.

    .venv/bin/python bench/normaliser.py --tokens 300000

Prints one JSON line per morphology. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import time

import pymorphy3
import snowballstemmer
import Stemmer

from zayavka.search.normalize import Morphology, Normaliser, snowball

WORDS = [
    "не",
    "уходит",
    "почта",
    "из",
    "outlook",
    "ошибка",
    "0x800CCC0F",
    "при",
    "отправке",
    "письма",
    "сервер",
    "не",
    "отвечает",
    "принтер",
    "не",
    "печатает",
    "замятие",
    "бумаги",
    "картридж",
    "закончился",
    "тонер",
    "ошибку",
    "E-02",
    "на",
    "экране",
    "бухгалтерия",
    "1С:Предприятие",
    "8.3",
    "не",
    "запускается",
    "лицензия",
    "не",
    "найдена",
    "обновление",
    "сайт",
    "выдаёт",
    "502",
    "Bad",
    "Gateway",
    "сертификат",
    "истёк",
    "браузер",
    "пишет",
    "ERR_CONNECTION_REFUSED",
    "anydesk",
    "не",
    "подключается",
    "к",
    "удалённому",
    "компьютеру",
    "vpn",
    "отключается",
    "каждые",
    "пять",
    "минут",
    "пароль",
    "от",
    "почты",
    "забыл",
    "учётная",
    "запись",
    "заблокирована",
    "после",
    "трёх",
    "попыток",
    "входа",
    "the",
    "printer",
    "is",
    "not",
    "printing",
    "the",
    "mail",
    "server",
    "rejects",
    "messages",
    "with",
    "5.7.1",
    "relay",
    "denied",
    "please",
    "reset",
    "my",
    "password",
    "outlook",
    "keeps",
    "asking",
    "for",
    "credentials",
    "thunderbird",
    "cannot",
    "connect",
    "smtp",
    "port",
    "587",
    "tls",
    "handshake",
    "failed",
    "certificate",
    "expired",
    "yesterday",
]

# (query word, document word): should match.
SAME = [
    ("почты", "почта"),
    ("почтой", "почта"),
    ("письма", "письмо"),
    ("письмами", "письмо"),
    ("сервером", "сервер"),
    ("серверы", "сервер"),
    ("принтеры", "принтер"),
    ("печатает", "печатать"),
    ("печатал", "печатает"),
    ("отправке", "отправка"),
    ("отправить", "отправка"),
    ("ошибку", "ошибка"),
    ("ошибок", "ошибка"),
    ("лицензии", "лицензия"),
    ("лицензий", "лицензия"),
    ("сертификата", "сертификат"),
    ("сертификаты", "сертификат"),
    ("подключается", "подключение"),
    ("подключиться", "подключается"),
    ("пароля", "пароль"),
    ("паролем", "пароль"),
    ("учетной", "учетная"),
    ("записи", "запись"),
    ("заблокирована", "заблокировать"),
    ("обновления", "обновление"),
    ("сайта", "сайт"),
    ("браузере", "браузер"),
    ("картриджа", "картридж"),
    ("бумаги", "бумага"),
    ("компьютера", "компьютер"),
    ("компьютеры", "компьютер"),
    ("удаленного", "удаленный"),
    ("бухгалтерии", "бухгалтерия"),
    ("Волкова", "Волков"),
    ("людей", "человек"),
    ("шел", "идти"),
    ("лучше", "хороший"),
    ("printers", "printer"),
    ("printing", "printer"),
    ("messages", "message"),
    ("certificates", "certificate"),
    ("expired", "expires"),
    ("connecting", "connection"),
    ("passwords", "password"),
    ("denied", "deny"),
    ("работает", "работать"),
    ("работы", "работа"),
    ("сети", "сеть"),
    ("сетевой", "сеть"),
]
# (query word, document word): should not match.
DIFFERENT = [
    ("почта", "почти"),
    ("печать", "печень"),
    ("сервер", "сервис"),
    ("ошибка", "ошибся"),
    ("лицензия", "лицей"),
    ("сайт", "сайга"),
    ("пароль", "паром"),
    ("принтер", "принц"),
    ("бумага", "бум"),
    ("сеть", "сесть"),
    ("мыло", "мыть"),
    ("стекло", "стекать"),
    ("port", "portal"),
    ("mail", "mailbox"),
    ("print", "princess"),
    ("server", "serve"),
    ("организация", "организм"),
    ("вход", "входить"),
    ("ключ", "ключица"),
    ("почта", "почтение"),
]


def pymorphy(cache: bool = True) -> Morphology:
    morph = pymorphy3.MorphAnalyzer()
    english = snowballstemmer.stemmer("english")

    def lemma(word: str) -> str:
        return str(morph.parse(word)[0].normal_form).replace("ё", "е")

    cached = functools.lru_cache(maxsize=100_000)(lemma) if cache else lemma
    return Morphology("pymorphy3", cached, english.stemWord)


def uncached_snowball() -> Morphology:
    russian = Stemmer.Stemmer("russian", 0)
    english = Stemmer.Stemmer("english", 0)
    return Morphology("snowball", russian.stemWord, english.stemWord)


def run(morphology: Morphology, tokens: int) -> dict[str, object]:
    normaliser = Normaliser(morphology)
    rng = random.Random(7)
    # Unique-ish words too (a suffix), so that caches do not make the text trivial.
    words = [rng.choice(WORDS) + ("" if rng.random() < 0.8 else "ами") for _ in range(tokens)]
    documents = [" ".join(words[i : i + 500]) for i in range(0, len(words), 500)]
    cpu, wall = time.process_time(), time.perf_counter()
    terms = [term for document in documents for term in normaliser.document(document)]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # Each distinct word once, with no cache: what a word the process has not seen costs.
    rng = random.Random(11)
    prefixes = ["", "пере", "под", "на", "за", "вы", "раз", "до", "от", "при"]
    endings = ["", "а", "ы", "ой", "ами", "ах", "ов", "ом", "у", "е", "ия", "ии", "ий", "ая"]
    distinct = sorted({p + w + e for p in prefixes for w in WORDS for e in endings if w.isalpha()})
    rng.shuffle(distinct)
    cold = Normaliser(uncached_snowball() if morphology.name == "snowball" else pymorphy(False))
    cold_cpu = time.process_time()
    for word in distinct:
        if word[0] >= "а":
            cold.morphology.russian(word)
        else:
            cold.morphology.english(word)
    cold_cpu = time.process_time() - cold_cpu
    same = sum(normaliser.query(a) == normaliser.query(b) for a, b in SAME)
    different = sum(normaliser.query(a) != normaliser.query(b) for a, b in DIFFERENT)
    return {
        "morphology": morphology.name,
        "tokens": tokens,
        "terms": len(terms),
        "tokens_per_second": round(tokens / wall),
        "cpu_seconds": round(cpu, 3),
        "cpu_us_per_token": round(cpu / tokens * 1e6, 2),
        "distinct_words": len(distinct),
        "cold_us_per_distinct_word": round(cold_cpu / len(distinct) * 1e6, 2),
        "should_match": f"{same}/{len(SAME)}",
        "should_not_match": f"{different}/{len(DIFFERENT)}",
        "missed": [f"{a}/{b}" for a, b in SAME if normaliser.query(a) != normaliser.query(b)],
        "confused": [
            f"{a}/{b}" for a, b in DIFFERENT if normaliser.query(a) == normaliser.query(b)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=300_000)
    args = parser.parse_args()
    load = time.perf_counter()
    pymorphy_morphology = pymorphy()
    pymorphy_morphology.russian("почта")
    load = time.perf_counter() - load
    for morphology in (snowball(), pymorphy_morphology):
        result = run(morphology, args.tokens)
        if morphology.name == "pymorphy3":
            result["load_seconds"] = round(load, 2)
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
