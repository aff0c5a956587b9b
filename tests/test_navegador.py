"""``taller.navegador``: sin Chromium, las pruebas del navegador fallan con un mensaje en español."""

import pytest

from taller import navegador
from taller.navegador import ChromiumNoDisponible


def test_sin_chromium_en_el_path_falla_diciendo_como_instalarlo(monkeypatch, tmp_path):
    monkeypatch.delenv("TALLER_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ChromiumNoDisponible, match="no encuentro Chromium.*apt-get install chromium"):
        navegador.ruta_de_chromium()


def test_taller_chromium_que_no_es_un_programa(monkeypatch, tmp_path):
    monkeypatch.setenv("TALLER_CHROMIUM", str(tmp_path / "no-existe"))
    with pytest.raises(ChromiumNoDisponible, match="no es un programa ejecutable"):
        navegador.ruta_de_chromium()


def test_un_fallo_de_navegador_es_un_fallo_de_comprobacion():
    """En las comprobaciones se ve como un fallo con su mensaje, no como un error inesperado con traza."""
    from taller.comprobaciones import FalloDeComprobacion

    assert issubclass(ChromiumNoDisponible, FalloDeComprobacion)


def test_la_fixture_abre_paginas_con_limite(navegador):
    pagina = navegador.pagina()
    pagina.set_content("<p id=hola>Hola</p>")
    assert pagina.text_content("#hola") == "Hola"
    assert navegador.limite_ms == 10_000


def test_con_un_limite_de_memoria_virtual_que_no_se_puede_quitar_lo_explica(monkeypatch):
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda _: (2 * 1024**3, 2 * 1024**3))

    def no_se_puede(*_):
        raise ValueError("not allowed to raise maximum limit")

    monkeypatch.setattr(resource, "setrlimit", no_se_puede)
    with pytest.raises(ChromiumNoDisponible, match="RLIMIT_AS.*2.0 GB.*96 GB"):
        with navegador.SinLimiteDeMemoria():
            pass
