import configparser

from explorer.ui.desktop import data_home, install


def test_the_menu_entry_and_icon_are_installed_where_desktops_look(tmp_path):
    written = install(command="/opt/venv/bin/derivative-explorer", home=tmp_path)
    entry = tmp_path / "applications" / "derivative-explorer.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "derivative-explorer.svg"
    assert set(written) == {entry, icon}
    assert icon.read_bytes().lstrip().startswith(b"<")  # the SVG itself
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.optionxform = str
    parsed.read_string(entry.read_text())
    section = parsed["Desktop Entry"]
    assert section["Type"] == "Application" and section["Exec"] == "/opt/venv/bin/derivative-explorer"
    assert section["Icon"] == "derivative-explorer" and "Education" in section["Categories"]


def test_data_home_follows_the_specification(tmp_path):
    assert data_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path
    assert data_home({"XDG_DATA_HOME": "relative/path"}).parts[-2:] == (".local", "share")
    assert data_home({}).parts[-2:] == (".local", "share")
