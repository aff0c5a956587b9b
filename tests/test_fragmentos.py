"""El extractor de fragmentos: los README muestran el código de sus archivos, sin copias desfasadas."""

from pathlib import Path
from textwrap import dedent

import pytest

from taller import fragmentos
from taller.fragmentos import ErrorDeFragmento

RAIZ = Path(__file__).resolve().parents[1]
README_LECCIONES = sorted(RAIZ.glob("lessons/*/README.md"))

APP = dedent('''\
    """Módulo de ejemplo."""
    import os


    def decorador(f):
        return f


    @decorador
    def suelta(x):
        """Una función de primer nivel."""
        return x + 1


    class Modelo:
        """Una clase."""

        def a_dict(self):
            return {}


    def create_app(config=None):
        app = object()

        @decorador
        @decorador
        def crear_item():
            return "creado", 201

        def a_dict():
            return "otra"

        return app
''')


@pytest.fixture
def carpeta(tmp_path):
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


def readme(carpeta, marcador, contenido="```python\nviejo\n```\n"):
    ruta = carpeta / "README.md"
    ruta.write_text(
        f"# Título\n\nAntes.\n\n<!-- código: {marcador} -->\n{contenido}<!-- fin del código -->\n\nDespués.\n",
        encoding="utf-8",
    )
    return ruta


def test_archivo_entero(carpeta):
    assert fragmentos.extraer("app.py", carpeta) == APP


def test_funcion_de_primer_nivel_con_su_decorador(carpeta):
    assert fragmentos.extraer("app.py función=suelta", carpeta) == dedent('''\
        @decorador
        def suelta(x):
            """Una función de primer nivel."""
            return x + 1
    ''')


def test_funcion_anidada_sin_sangria_y_con_todos_sus_decoradores(carpeta):
    assert fragmentos.extraer("app.py función=crear_item", carpeta) == dedent("""\
        @decorador
        @decorador
        def crear_item():
            return "creado", 201
    """)


def test_clase(carpeta):
    codigo = fragmentos.extraer("app.py clase=Modelo", carpeta)
    assert codigo.startswith("class Modelo:\n") and codigo.endswith("        return {}\n")


def test_nombre_con_puntos_para_elegir_entre_definiciones_repetidas(carpeta):
    assert fragmentos.extraer("app.py función=create_app.a_dict", carpeta) == 'def a_dict():\n    return "otra"\n'
    assert "return {}" in fragmentos.extraer("app.py función=Modelo.a_dict", carpeta)


def test_desde_hasta_incluye_las_dos_lineas(carpeta):
    assert fragmentos.extraer('app.py desde="class Modelo" hasta="def a_dict"', carpeta) == dedent('''\
        class Modelo:
            """Una clase."""

            def a_dict(self):
    ''')


def test_sincronizar_reescribe_solo_los_bloques_y_dice_si_ha_cambiado(carpeta):
    ruta = readme(carpeta, "app.py función=suelta")
    assert fragmentos.desactualizados(ruta) == ["app.py función=suelta"]

    assert fragmentos.sincronizar(ruta) is True
    texto = ruta.read_text(encoding="utf-8")
    assert texto.startswith("# Título\n\nAntes.\n\n<!-- código: app.py función=suelta -->\n```python\n@decorador\n")
    assert texto.endswith("    return x + 1\n```\n<!-- fin del código -->\n\nDespués.\n")
    assert fragmentos.desactualizados(ruta) == []
    assert fragmentos.sincronizar(ruta) is False


def test_un_cambio_en_el_codigo_deja_el_bloque_desactualizado(carpeta):
    ruta = readme(carpeta, "app.py función=suelta")
    fragmentos.sincronizar(ruta)
    (carpeta / "app.py").write_text(APP.replace("x + 1", "x + 2"), encoding="utf-8")
    assert fragmentos.desactualizados(ruta) == ["app.py función=suelta"]
    fragmentos.sincronizar(ruta)
    assert "return x + 2" in ruta.read_text(encoding="utf-8")


def test_un_bloque_vacio_tambien_se_rellena(carpeta):
    ruta = readme(carpeta, "app.py clase=Modelo", contenido="")
    assert fragmentos.sincronizar(ruta) is True
    assert "```python\nclass Modelo:\n" in ruta.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("marcador", "mensaje"),
    [
        ("no_existe.py", "apunta a un archivo que no existe"),
        ("app.py función=no_existe", "No encuentro la función «no_existe»"),
        ("app.py clase=NoExiste", "No encuentro la clase «NoExiste»"),
        ("app.py clase=suelta", "No encuentro la clase «suelta»"),
        ("app.py función=create_app.no_existe", "No encuentro la función «create_app.no_existe»"),
        ("app.py función=a_dict", "Hay 2 definiciones de «a_dict»"),
        ('app.py desde="no está" hasta="return"', "No encuentro el texto desde=«no está»"),
        ('app.py desde="class Modelo" hasta="no está"', "No encuentro el texto hasta=«no está»"),
        ('app.py desde="class Modelo"', "necesita «desde» y «hasta» a la vez"),
        ("app.py lineas=1-3", "Opción desconocida «lineas=1-3»"),
        ("app.py función=suelta clase=Modelo", "mezcla opciones"),
    ],
)
def test_marcadores_imposibles_dan_un_error_claro(carpeta, marcador, mensaje):
    ruta = readme(carpeta, marcador)
    with pytest.raises(ErrorDeFragmento, match=mensaje):
        fragmentos.sincronizar(ruta)
    with pytest.raises(ErrorDeFragmento, match=mensaje):
        fragmentos.desactualizados(ruta)


def test_un_marcador_sin_cierre_es_un_error(carpeta):
    ruta = carpeta / "README.md"
    ruta.write_text("<!-- código: app.py -->\n```python\n```\n", encoding="utf-8")
    with pytest.raises(ErrorDeFragmento, match="no tiene su «<!-- fin del código -->»"):
        fragmentos.sincronizar(ruta)


def test_hay_readmes_de_lecciones():
    assert README_LECCIONES, "No se ha encontrado ningún lessons/*/README.md"


@pytest.mark.parametrize("ruta", README_LECCIONES, ids=lambda r: r.parent.name)
def test_los_bloques_de_cada_leccion_estan_al_dia(ruta):
    desfasados = fragmentos.desactualizados(ruta)
    assert not desfasados, (
        f"{ruta.relative_to(RAIZ)} tiene bloques que no coinciden con el código: {desfasados}. "
        f"Actualízalos con: python -m taller.fragmentos {ruta.relative_to(RAIZ)}"
    )
