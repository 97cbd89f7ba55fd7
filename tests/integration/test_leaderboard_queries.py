"""The leaderboard's statements (app/repositories/leaderboard.py) on real mirror rows: ranks
and ties, what counts as a played game, names, paging, the team's record and its streak."""

from __future__ import annotations

from app.db.pool import Pool
from app.repositories import leaderboard
from app.repositories.leaderboard import PlayerLine, Streak, TeamRecord
from tests.integration.leaderboard_rows import add_game, name_user

CHAT = 2000000801
OTHER = 2000000802
ANYA, BORYA, VERA, GLEB = 11, 12, 13, 14


async def ranking(pool: Pool, peer_id: int = CHAT, **page: int) -> tuple[list[PlayerLine], int]:
    async with pool.acquire() as conn:
        return await leaderboard.players(
            conn, peer_id, limit=page.get("limit", 20), offset=page.get("offset", 0)
        )


async def record(pool: Pool, peer_id: int = CHAT) -> TeamRecord:
    async with pool.acquire() as conn:
        return await leaderboard.team(conn, peer_id)


async def test_a_chat_without_games_has_no_players_and_no_record(pool: Pool) -> None:
    await add_game(pool, CHAT, [], status="closed")  # a lobby nobody joined
    assert await ranking(pool) == ([], 0)
    assert await record(pool) == TeamRecord(games=0, won=0, lost=0, drawn=0, streak=None)
    async with pool.acquire() as conn:
        assert await leaderboard.player(conn, CHAT, ANYA) == (None, 0)


async def test_players_rank_by_correct_answers_and_ties_share_a_rank(pool: Pool) -> None:
    team = [(ANYA, "Аня"), (BORYA, "Боря"), (VERA, "Вера"), (GLEB, "Глеб")]
    await add_game(pool, CHAT, team, [(ANYA, True), (ANYA, True), (BORYA, True), (VERA, False)])
    await add_game(pool, CHAT, team[:3], [(ANYA, True), (ANYA, False), (BORYA, True)])
    await add_game(pool, CHAT, team[1:2], [(BORYA, True), (None, False)], status="stopped")

    lines, total = await ranking(pool)
    assert total == 4
    # Аня and Боря both have 3 right: one rank, Аня (4 answers) listed first; then 2 skipped.
    assert lines == [
        PlayerLine(ANYA, "Аня", 1, correct=3, answers=4, games=2),
        PlayerLine(BORYA, "Боря", 1, correct=3, answers=3, games=3),
        PlayerLine(VERA, "Вера", 3, correct=0, answers=1, games=2),
        PlayerLine(GLEB, "Глеб", 3, correct=0, answers=0, games=1),
    ]
    async with pool.acquire() as conn:
        assert await leaderboard.player(conn, CHAT, VERA) == (lines[2], 4)
        assert await leaderboard.player(conn, CHAT, 99) == (None, 4)


async def test_only_this_chats_played_games_count(pool: Pool) -> None:
    await add_game(pool, CHAT, [(ANYA, "Аня")], [(ANYA, True)])
    await add_game(pool, OTHER, [(ANYA, "Аня"), (BORYA, "Боря")], [(ANYA, True), (BORYA, True)])
    await add_game(pool, CHAT, [(BORYA, "Боря")], status="closed")  # never began
    # A game under way counts as far as it went.
    await add_game(pool, CHAT, [(ANYA, "Аня")], [(ANYA, False)], status="active")

    assert await ranking(pool) == ([PlayerLine(ANYA, "Аня", 1, 1, 2, 2)], 1)
    assert (await record(pool)).games == 2
    async with pool.acquire() as conn:
        assert await leaderboard.player(conn, CHAT, BORYA) == (None, 1)
        other, _ = await leaderboard.player(conn, OTHER, BORYA)
    assert other == PlayerLine(BORYA, "Боря", 1, 1, 1, 1)


async def test_the_vk_name_wins_over_the_latest_game_name(pool: Pool) -> None:
    await add_game(pool, CHAT, [(ANYA, "Аня"), (BORYA, "Боря")])
    await add_game(pool, CHAT, [(ANYA, "Анна"), (BORYA, "Борис")])
    await name_user(pool, BORYA, "Борис", "Петров")
    lines, _ = await ranking(pool)
    assert {line.user_id: line.name for line in lines} == {ANYA: "Анна", BORYA: "Борис Петров"}


async def test_pages_keep_the_total_even_past_the_end(pool: Pool) -> None:
    players = [(100 + n, f"Игрок {n}") for n in range(5)]
    # Player n answers n rounds right: the best is the last one.
    await add_game(pool, CHAT, players, [(100 + n, True) for n in range(5) for _ in range(n)])
    first, total = await ranking(pool, limit=2)
    assert ([line.user_id for line in first], total) == ([104, 103], 5)
    last, total = await ranking(pool, limit=2, offset=4)
    assert ([(line.user_id, line.rank) for line in last], total) == ([(100, 5)], 5)
    assert await ranking(pool, limit=2, offset=5) == ([], 5)


async def test_the_record_counts_finished_games_and_the_latest_run(pool: Pool) -> None:
    solo = [(ANYA, "Аня")]
    won, lost, drawn = [(ANYA, True)], [(ANYA, False)], [(ANYA, True), (ANYA, False)]
    for rounds in (lost, won, drawn, lost, won):
        await add_game(pool, CHAT, solo, rounds)
    await add_game(pool, CHAT, solo, lost, status="stopped")  # cut short: skipped
    await add_game(pool, CHAT, solo, won)
    await add_game(pool, CHAT, solo, lost, status="active")  # under way: not a result yet
    assert await record(pool) == TeamRecord(8, won=3, lost=2, drawn=1, streak=Streak("won", 2))

    # A draw ends the run of wins and starts its own.
    await add_game(pool, CHAT, solo, drawn)
    assert (await record(pool)).streak == Streak("drawn", 1)
    await add_game(pool, CHAT, solo, drawn)
    assert await record(pool) == TeamRecord(10, won=3, lost=2, drawn=3, streak=Streak("drawn", 2))
    # Another chat's games are its own.
    assert await record(pool, OTHER) == TeamRecord(0, 0, 0, 0, None)


async def test_a_record_whose_every_finished_game_has_the_same_result(pool: Pool) -> None:
    for _ in range(3):
        await add_game(pool, CHAT, [(ANYA, "Аня")], [(ANYA, False)])
    assert await record(pool) == TeamRecord(3, won=0, lost=3, drawn=0, streak=Streak("lost", 3))


def test_numbered_turns_names_into_positions_and_leaves_casts() -> None:
    sql, names = leaderboard.numbered("SELECT :a::int, CAST(:b AS bigint), :a, 'x' || :c_d")
    assert sql == "SELECT $1::int, CAST($2 AS bigint), $1, 'x' || $3"
    assert names == ("a", "b", "c_d")
