"""A participant's journey, end to end: the real bot against the local Bot API server."""

from __future__ import annotations

from bot.sandbox.server import Sandbox
from storage.models import Territory
from tests.bot.harness import RunningBot


async def test_join_by_deep_link_consent_and_first_question(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    amina = sandbox.user(501, "Aminata", "fr")
    await amina.send_text(f"/start {territory.join_code}")
    [consent] = await amina.wait_new()
    assert "Dakar <Plateau> & Co" in consent.text
    assert "&amp;" in consent.markup and "&lt;Plateau&gt;" in consent.markup
    assert [b["text"] for b in consent.buttons][:2] == ["J'accepte", "Non, merci"]
    await amina.press("J'accepte")
    [menu] = await amina.wait_new()
    assert menu.text.startswith("Bienvenue\u202f! Vous participez pour Dakar <Plateau> & Co.")
    assert consent.buttons == [] and consent.text.endswith("\n\n✓ J'accepte")
    assert [b["text"] for b in menu.buttons][:2] == ["Votre territoire", "Cadres juridiques"]
    await amina.press("Cadres juridiques")
    [path] = await amina.wait_new()
    assert path.text.startswith("Cadres juridiques et institutionnels\n\nLes lois")
    assert "<b>Cadres juridiques et institutionnels</b>" in path.markup
    assert path.text.endswith("Quelle version de ce bloc choisissez-vous\u202f?")
    assert [b["text"] for b in path.buttons] == [
        "Courte (environ 3 minutes)",
        "Complète (toutes les questions)",
    ]
    await amina.press("Complète (toutes les questions)")
    [question] = await amina.wait_new()
    assert path.buttons == [] and path.text.endswith("✓ Complète (toutes les questions)")
    assert question.text.startswith("Question 1 sur 14\n\nVotre collectivité a-t-elle un texte")
    await amina.press("2 · Adopté, peu appliqué")
    [second] = await amina.wait_new()
    assert second.text.startswith("Question 2 sur 14")
    assert question.buttons == [] and question.text.endswith("✓ 2 · Adopté, peu appliqué")
