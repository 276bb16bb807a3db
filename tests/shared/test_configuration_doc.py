"""docs/configuration.md names every setting."""

from pathlib import Path

from shared.settings import Settings


def test_every_setting_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in text]
    assert missing == []
