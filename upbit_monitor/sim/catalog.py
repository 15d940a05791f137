"""The simulated market list: codes, Korean/English names and starting prices.

The first entries are well-known coins with their real names and rough price levels; the list is
filled up to the requested number of KRW markets with generated coins whose names are built from
syllables (English + a matching Hangul reading), so every market has both names. BTC and USDT markets
reuse the KRW coins. Everything is derived from the seed, so a seed always yields the same list.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (symbol, english name, korean name, approximate KRW price)
KNOWN_COINS: tuple[tuple[str, str, str, float], ...] = (
    ("BTC", "Bitcoin", "비트코인", 142_350_000),
    ("ETH", "Ethereum", "이더리움", 5_120_000),
    ("XRP", "XRP", "엑스알피(리플)", 3_120),
    ("USDT", "Tether", "테더", 1_391),
    ("SOL", "Solana", "솔라나", 231_500),
    ("DOGE", "Dogecoin", "도지코인", 318),
    ("ADA", "Cardano", "에이다", 1_034),
    ("TRX", "TRON", "트론", 421),
    ("LINK", "Chainlink", "체인링크", 27_450),
    ("AVAX", "Avalanche", "아발란체", 36_800),
    ("XLM", "Stellar Lumens", "스텔라루멘", 566),
    ("SUI", "Sui", "수이", 5_210),
    ("BCH", "Bitcoin Cash", "비트코인캐시", 781_000),
    ("HBAR", "Hedera", "헤데라", 318),
    ("DOT", "Polkadot", "폴카닷", 5_980),
    ("ETC", "Ethereum Classic", "이더리움클래식", 29_870),
    ("SHIB", "Shiba Inu", "시바이누", 0.01814),
    ("NEAR", "NEAR Protocol", "니어프로토콜", 3_870),
    ("APT", "Aptos", "앱토스", 6_920),
    ("POL", "Polygon Ecosystem Token", "폴리곤에코시스템토큰", 353),
    ("ATOM", "Cosmos", "코스모스", 6_340),
    ("AAVE", "Aave", "에이브", 412_000),
    ("UNI", "Uniswap", "유니스왑", 14_230),
    ("ARB", "Arbitrum", "아비트럼", 612),
    ("SEI", "Sei", "세이", 412),
    ("ALGO", "Algorand", "알고랜드", 336),
    ("STX", "Stacks", "스택스", 1_021),
    ("ONDO", "Ondo", "온도파이낸스", 1_298),
    ("IMX", "Immutable", "이뮤터블엑스", 789),
    ("SAND", "The Sandbox", "샌드박스", 402),
    ("MANA", "Decentraland", "디센트럴랜드", 437),
    ("GRT", "The Graph", "더그래프", 134),
    ("EOS", "EOS", "이오스", 1_072),
    ("QTUM", "Qtum", "퀀텀", 3_450),
    ("ICX", "ICON", "아이콘", 182),
    ("NEO", "NEO", "네오", 9_340),
    ("THETA", "Theta Token", "쎄타토큰", 1_220),
    ("ZRX", "0x Protocol", "제로엑스", 355),
    ("BAT", "Basic Attention Token", "베이직어텐션토큰", 214),
    ("ENS", "Ethereum Name Service", "이더리움네임서비스", 31_400),
    ("CHZ", "Chiliz", "칠리즈", 58.4),
    ("PEPE", "Pepe", "페페", 0.01542),
    ("BONK", "Bonk", "봉크", 0.03128),
    ("WLD", "Worldcoin", "월드코인", 1_743),
    ("TAO", "Bittensor", "비트텐서", 583_000),
    ("RENDER", "Render", "렌더토큰", 5_630),
    ("INJ", "Injective", "인젝티브", 19_120),
    ("TIA", "Celestia", "셀레스티아", 2_410),
    ("FLOW", "Flow", "플로우", 521),
    ("XTZ", "Tezos", "테조스", 1_134),
    ("KAVA", "Kava", "카바", 498),
    ("VET", "VeChain", "비체인", 33.7),
    ("IOTA", "IOTA", "아이오타", 274),
    ("ZIL", "Zilliqa", "질리카", 17.9),
    ("STORJ", "Storj", "스토리지", 412),
    ("ANKR", "Ankr", "앵커", 24.8),
    ("CRO", "Cronos", "크로노스", 221),
    ("MOVE", "Movement", "무브먼트", 214),
    ("ENA", "Ethena", "에테나", 812),
    ("PENGU", "Pudgy Penguins", "펏지펭귄", 43.2),
    ("JUP", "Jupiter", "주피터", 712),
    ("PYTH", "Pyth Network", "피스네트워크", 176),
    ("W", "Wormhole", "웜홀", 121),
    ("ZRO", "LayerZero", "레이어제로", 2_870),
    ("MASK", "Mask Network", "마스크네트워크", 1_790),
    ("AXS", "Axie Infinity", "엑시인피니티", 3_520),
    ("GAS", "Gas", "가스", 3_980),
    ("BLUR", "Blur", "블러", 126),
    ("CELO", "Celo", "셀로", 448),
    ("STG", "Stargate Finance", "스타게이트파이낸스", 245),
)

# Syllables for generated coins: (latin, hangul reading).
_SYLLABLES: tuple[tuple[str, str], ...] = (
    ("ka", "카"), ("ko", "코"), ("ra", "라"), ("ro", "로"), ("mi", "미"), ("na", "나"),
    ("no", "노"), ("sa", "사"), ("so", "소"), ("ta", "타"), ("to", "토"), ("pa", "파"),
    ("po", "포"), ("ha", "하"), ("ho", "호"), ("da", "다"), ("do", "도"), ("ba", "바"),
    ("bo", "보"), ("ma", "마"), ("mo", "모"), ("ga", "가"), ("go", "고"), ("ja", "자"),
    ("ri", "리"), ("ni", "니"), ("si", "시"), ("ti", "티"), ("vi", "비"), ("lu", "루"),
    ("nu", "누"), ("ku", "쿠"), ("zen", "젠"), ("lex", "렉스"), ("rix", "릭스"), ("tan", "탄"),
)
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("", ""), (" Network", "네트워크"), (" Protocol", "프로토콜"), (" Chain", "체인"),
    (" Finance", "파이낸스"), (" Token", "토큰"), (" Coin", "코인"),
)

BTC_MARKET_BASES: tuple[str, ...] = (
    "ETH", "XRP", "SOL", "DOGE", "ADA", "TRX", "LINK", "AVAX", "XLM", "DOT",
    "ETC", "NEAR", "ATOM", "UNI", "AAVE", "ALGO", "SAND", "BCH", "HBAR", "SUI",
)
USDT_MARKET_BASES: tuple[str, ...] = ("BTC", "ETH", "XRP", "SOL", "DOGE", "ADA", "TRX", "LINK", "SUI", "AVAX")


@dataclass(frozen=True, slots=True)
class SimMarket:
    """The simulator's own facts about one market: its listing plus a start price and activity weight.

    Not the app's :class:`~upbit_monitor.models.MarketInfo`: the simulator serves that shape over REST.
    """

    code: str  # QUOTE-BASE, e.g. KRW-BTC
    korean_name: str
    english_name: str
    initial_price: float  # in the quote currency
    weight: float  # relative trading activity (Zipf-like, BTC busiest)
    warning: bool = False

    @property
    def quote(self) -> str:
        """Quote currency, e.g. ``KRW``."""
        return self.code.partition("-")[0]

    @property
    def base(self) -> str:
        """Base currency, e.g. ``BTC``."""
        return self.code.partition("-")[2]


def _generated_coin(rng: random.Random, taken: set[str]) -> tuple[str, str, str, float]:
    while True:
        parts = [rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))]
        latin = "".join(p[0] for p in parts)
        symbol = latin.upper()[: rng.randint(3, 5)]
        if symbol not in taken:
            break
    suffix = rng.choice(_SUFFIXES)
    english = latin.capitalize() + suffix[0]
    korean = "".join(p[1] for p in parts) + suffix[1]
    # Log-uniform prices from 0.5 KRW to 200,000 KRW, like the long tail of altcoins.
    price = 10 ** rng.uniform(-0.3, 5.3)
    return symbol, english, korean, price


def build_catalog(seed: int, n_krw: int = 200) -> tuple[SimMarket, ...]:
    """All markets for ``seed``: ``n_krw`` KRW markets, then BTC and USDT markets."""
    rng = random.Random(f"catalog-{seed}")
    coins = list(KNOWN_COINS[:n_krw])
    taken = {c[0] for c in coins}
    while len(coins) < n_krw:
        coin = _generated_coin(rng, taken)
        taken.add(coin[0])
        coins.append(coin)
    krw_price = {c[0]: c[3] for c in coins}
    names = {c[0]: (c[1], c[2]) for c in coins}
    btc_price = KNOWN_COINS[0][3]
    usdt_price = KNOWN_COINS[3][3]
    markets: list[SimMarket] = []
    for rank, (symbol, english, korean, price) in enumerate(coins, start=1):
        price *= 1 + rng.uniform(-0.05, 0.05)
        warning = rank > 20 and rng.random() < 0.03
        markets.append(SimMarket(f"KRW-{symbol}", korean, english, price, 1.0 / rank**1.1, warning))
    for rank, symbol in enumerate(b for b in BTC_MARKET_BASES if b in krw_price):
        english, korean = names[symbol]
        price = krw_price[symbol] / btc_price
        markets.append(SimMarket(f"BTC-{symbol}", korean, english, price, 0.02 / (rank + 1)))
    for rank, symbol in enumerate(b for b in USDT_MARKET_BASES if b in krw_price):
        english, korean = names[symbol]
        price = krw_price[symbol] / usdt_price
        markets.append(SimMarket(f"USDT-{symbol}", korean, english, price, 0.01 / (rank + 1)))
    return tuple(markets)
