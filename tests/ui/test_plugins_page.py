"""The Plugins page says what is wrong with a plugin: a hook no spec declares, by plugin and hook
name with a "did you mean", and lists the viewers a pack gives the app."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.helpers import install_module_pack

MISSPELT = """
from dataflow.sdk import hookimpl

@hookimpl
def register_node(register):
    pass
"""


def _plugins_page():
    from dataflow.ui import page_plugins

    page_plugins.render()


def test_a_misspelt_hook_is_shown_on_the_plugins_page_with_the_plugin_the_hook_and_a_suggestion(
        app_env, tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    install_module_pack(site, "typo", MISSPELT)
    monkeypatch.syspath_prepend(str(site))
    page = AppTest.from_function(_plugins_page, default_timeout=60).run()
    assert not page.exception
    assert any("typo" in w.value and "have problems" in w.value for w in page.warning)
    card = next(e for e in page.expander if e.label.split(" — ")[0].endswith(" typo"))
    (problem,) = [w.value for w in card.warning]
    assert problem == ("hook 'register_node' is declared by no hookspec of DataFlow or of a loaded plugin, "
                       "so it is never called (did you mean `register_nodes`?)")


def test_the_viewers_a_pack_gives_the_app_are_listed_under_it(app_env):
    page = AppTest.from_function(_plugins_page, default_timeout=60).run()
    card = next(e for e in page.expander if " testpack — " in e.label)
    assert any(m.value == "**Viewers**: `params`" for m in card.markdown)
    assert not [w.value for w in card.warning]
