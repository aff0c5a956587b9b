"""La orden ``taller``: lecciones, ejecutar, comprobar y sincronizar."""

import json
import re
import socket
import sys
from datetime import datetime
from pathlib import Path

import click

from taller import calificar, classroom, ejercicios, informe, lecciones, moodle, motor

FORMATOS = ("texto", "json")


# ── Click en español ─────────────────────────────────────────────────────────


class ErrorDeUso(click.UsageError):
    """Un error de uso con mensaje en español."""


class OrdenEnEspanol(click.Command):
    """Una orden cuya ayuda está en español."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[OPCIONES]")
        super().__init__(*args, **kwargs)

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="Uso: ")

    def format_options(self, ctx, formatter):
        opciones = [r for p in self.get_params(ctx) if isinstance(p, click.Option) and (r := p.get_help_record(ctx))]
        if opciones:
            with formatter.section("Opciones"):
                formatter.write_dl(opciones)


class GrupoEnEspanol(OrdenEnEspanol, click.Group):
    """El grupo de órdenes ``taller``, con ayuda y errores en español."""

    command_class = OrdenEnEspanol

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", "ORDEN [ARGUMENTOS]...")
        super().__init__(*args, **kwargs)

    def format_options(self, ctx, formatter):
        OrdenEnEspanol.format_options(self, ctx, formatter)
        ordenes = [
            (n, orden.get_short_help_str(60)) for n in self.list_commands(ctx) if (orden := self.get_command(ctx, n))
        ]
        with formatter.section("Órdenes"):
            formatter.write_dl(ordenes)

    def resolve_command(self, ctx, args):
        nombre = args[0] if args else ""
        if nombre and not nombre.startswith("-") and self.get_command(ctx, nombre) is None:
            disponibles = ", ".join(self.list_commands(ctx))
            raise ErrorDeUso(f"la orden «{nombre}» no existe (órdenes: {disponibles})", ctx)
        return super().resolve_command(ctx, args)


def traducir(error):
    """El mensaje en español de un error de uso de Click."""
    if isinstance(error, ErrorDeUso):
        return error.message
    if isinstance(error, click.NoSuchOption):
        return f"la opción {error.option_name} no existe"
    if isinstance(error, click.MissingParameter):
        nombre = (error.param.human_readable_name if error.param else "un argumento").upper()
        return f"falta el argumento {nombre}"
    texto = error.format_message()
    if m := re.match(r"Option '(.+)' requires an argument", texto):
        return f"la opción {m[1]} necesita un valor"
    if m := re.match(r"Got unexpected extra arguments? \((.+)\)", texto):
        return f"sobra el argumento {m[1]}"
    if m := re.match(r"Option '(.+)' does not take a value", texto):
        return f"la opción {m[1]} no lleva valor"
    return texto


AYUDA = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=GrupoEnEspanol, context_settings=AYUDA)
@click.help_option("-h", "--help", help="Muestra esta ayuda y termina.")
def taller():
    """Taller de Flask, JWT y OAuth2: lecciones, apps de ejemplo y comprobación de ejercicios."""


def main(argumentos=None):
    """Punto de entrada: los errores de uso salen en una línea en español y con código 2."""
    try:
        codigo = taller.main(args=argumentos, prog_name="taller", standalone_mode=False)
    except getattr(click.exceptions, "NoArgsIsHelpError", ()) as e:
        click.echo(e.ctx.get_help())
        sys.exit(0)
    except click.UsageError as e:
        orden = e.ctx.command_path if e.ctx else "taller"
        click.echo(f"Error: {traducir(e)}. Consulta «{orden} --help».", err=True)
        sys.exit(2)
    except click.Abort:
        click.echo("Interrumpido.", err=True)
        sys.exit(130)
    sys.exit(codigo or 0)


def buscar_leccion(texto):
    try:
        return lecciones.buscar(texto)
    except (lecciones.LeccionDesconocida, FileNotFoundError) as e:
        raise ErrorDeUso(str(e)) from None


def ayuda(f):
    return click.help_option("-h", "--help", help="Muestra esta ayuda y termina.")(f)


# ── Estado del estudiante ────────────────────────────────────────────────────


def archivo_de_estado():
    return lecciones.raiz() / ".taller" / "estado.json"


def leer_estado():
    try:
        return json.loads(archivo_de_estado().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def guardar_resultado(leccion, documento):
    estado = leer_estado()
    estado[leccion.numero] = {
        "score": documento["score"],
        "max_score": documento["max_score"],
        "status": documento["status"],
        "fecha": datetime.now().isoformat(timespec="minutes"),
    }
    archivo = archivo_de_estado()
    archivo.parent.mkdir(exist_ok=True)
    archivo.write_text(json.dumps(estado, indent=2), encoding="utf-8")


def situacion(leccion, estado):
    """Cómo va el estudiante en una lección, en pocas palabras."""
    if not leccion.ejercicio.is_dir():
        return "sin ejercicio"
    if leccion.solucion.is_dir() and not ejercicios.diferencias(leccion.solucion, leccion.ejercicio):
        return "sin empezar"
    ultimo = estado.get(leccion.numero)
    if not ultimo:
        return "en curso · sin comprobar"
    marca = "✔ superada" if ultimo["status"] == "pass" else "en curso"
    return f"{marca} · {ultimo['score']}/{ultimo['max_score']} puntos ({ultimo['fecha'].replace('T', ' ')})"


# ── Órdenes ──────────────────────────────────────────────────────────────────


@taller.command("lecciones")
@ayuda
def orden_lecciones():
    """Lista las lecciones y cómo vas en cada una."""
    estado = leer_estado()
    todas = lecciones.todas()
    for leccion in todas:
        click.echo(f"{leccion.numero}  {leccion.titulo:<32} {situacion(leccion, estado)}")
    click.echo(
        f"\n{len(todas)} {'lección' if len(todas) == 1 else 'lecciones'}. "
        "Empieza con «taller ejecutar 01» y «taller comprobar 01»."
    )


def puerto_libre(puerto):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", puerto))
        except OSError:
            return False
    return True


def claves_de_desarrollo():
    """Pone en el entorno una clave aleatoria de 32 bytes para cada secreto que falte; devuelve sus nombres.

    Las apps del taller se niegan a arrancar sin secretos fuertes; ``taller ejecutar`` es
    una herramienta de desarrollo, así que los genera para esa ejecución y lo avisa.
    """
    import os
    import secrets

    faltan = [v for v in ("SECRET_KEY", "JWT_SECRET_KEY") if not os.environ.get(v)]
    for variable in faltan:
        os.environ[variable] = secrets.token_hex(32)
    return faltan


def rutas_de(app):
    """«GET, POST /api/articulos»: las rutas de la app, sin las de Flask (static)."""
    metodos: dict[str, set[str]] = {}
    for regla in app.url_map.iter_rules():
        if regla.endpoint != "static":
            metodos.setdefault(regla.rule, set()).update(regla.methods - {"HEAD", "OPTIONS"})
    return [f"{', '.join(sorted(m)):<24} {ruta}" for ruta, m in sorted(metodos.items())]


@taller.command("ejecutar")
@click.argument("leccion", metavar="LECCION")
@click.option("--ejercicio", "cual", flag_value="ejercicio", help="Tu ejercicio (lessons/NN_*/ejercicio).")
@click.option("--solucion", "cual", flag_value="solucion", help="La solución de referencia.")
@click.option("--puerto", default="5000", metavar="PUERTO", help="Puerto en 127.0.0.1 (por defecto, 5000).")
@ayuda
def orden_ejecutar(leccion, cual, puerto):
    """Sirve en 127.0.0.1 la app de ejemplo de la LECCION (o tu ejercicio, o la solución)."""
    from taller.cargador import ErrorDeCarga, cargar_fabrica, entrada_del_objetivo

    leccion = buscar_leccion(leccion)
    if not puerto.isdigit() or not 1 <= int(puerto) <= 65535:
        raise ErrorDeUso(f"el puerto debe ser un número entre 1 y 65535, no «{puerto}»")
    puerto = int(puerto)
    carpeta = {"ejercicio": leccion.ejercicio, "solucion": leccion.solucion}.get(cual, leccion.carpeta)
    if not puerto_libre(puerto):
        raise ErrorDeUso(f"el puerto {puerto} ya está en uso; prueba con --puerto {puerto + 1}")
    entrada = entrada_del_objetivo(carpeta)
    if not entrada.exists():
        n = leccion.numero
        otra = f"«taller ejecutar {n}»" if cual else f"«taller ejecutar {n} --ejercicio» (o --solucion)"
        raise ErrorDeUso(
            f"{mostrar_ruta(carpeta)} no tiene app.py ni el paquete api/: no es una app que se pueda "
            f"servir (prueba {otra} o «taller comprobar {n}»)"
        )
    generadas = claves_de_desarrollo()
    try:
        app = cargar_fabrica(entrada)()
    except ErrorDeCarga as e:
        click.echo(f"Error: {e}", err=True)
        return 1
    if generadas and "flask-jwt-extended" in app.extensions:
        click.echo(
            f"Aviso: sin {' ni '.join(generadas)} en el entorno; uso claves aleatorias solo para esta "
            "ejecución (los tokens dejan de valer al parar). Para fijarlas: "
            'export JWT_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))")'
        )
    click.echo(f"Lección {leccion.numero} · {leccion.titulo}: sirviendo {entrada}")
    click.echo(f"En http://127.0.0.1:{puerto} responden estas rutas (pulsa Ctrl+C para parar):")
    for ruta in rutas_de(app):
        click.echo(f"  {ruta}")
    click.echo()
    app.run(host="127.0.0.1", port=puerto, debug=False, load_dotenv=False)
    return 0


@taller.command("comprobar")
@click.argument("leccion", metavar="LECCION")
@click.option("--objetivo", metavar="CARPETA", help="Carpeta con el app.py a comprobar (por defecto, tu ejercicio).")
@click.option(
    "--formato", default="texto", metavar="texto|json", help="texto (por defecto) o json (documento de resultados)."
)
@ayuda
def orden_comprobar(leccion, objetivo, formato):
    """Comprueba tu ejercicio de la LECCION y muestra qué pasa y qué falla."""
    leccion = buscar_leccion(leccion)
    if formato not in FORMATOS:
        raise ErrorDeUso(f"el formato debe ser texto o json, no «{formato}»")
    carpeta = Path(objetivo).resolve() if objetivo else leccion.ejercicio
    if not carpeta.is_dir():
        raise ErrorDeUso(f"la carpeta {objetivo or carpeta} no existe")
    from taller import jaula

    if formato == "texto" and not jaula.jaula_disponible():
        click.echo(
            "Aislamiento: tu código corre en un proceso aparte (la jaula completa solo existe como root "
            "en Linux, al calificar).",
            err=True,
        )
    documento = motor.comprobar(leccion.comprobaciones, carpeta, ocultas=False)
    if objetivo is None:
        guardar_resultado(leccion, documento)
    if formato == "json":
        click.echo(json.dumps(documento, ensure_ascii=False, indent=2))
    else:
        click.echo(informe.texto(documento, f"Lección {leccion.numero} · {leccion.titulo}", mostrar_ruta(carpeta)))
    return 0 if documento["status"] == "pass" else 1


def mostrar_ruta(carpeta):
    try:
        return str(carpeta.relative_to(Path.cwd()))
    except ValueError:
        return str(carpeta)


@taller.command("calificar")
@click.argument("leccion", metavar="LECCION")
@click.argument("entregas", nargs=-1, metavar="ENTREGA...")
@click.option("--salida", metavar="CARPETA", help="Dónde escribir las notas (obligatoria).")
@click.option(
    "--trabajos",
    default=str(calificar.trabajos_por_defecto()),
    metavar="N",
    help="Entregas que se comprueban a la vez (por defecto, los núcleos, hasta 4).",
)
@click.option(
    "--limite-tiempo",
    default=str(int(motor.LIMITE_POR_COMPROBACION)),
    metavar="S",
    help="Segundos que puede durar cada comprobación (por defecto, 10).",
)
@click.option(
    "--comprobaciones",
    metavar="CARPETA",
    help="Otra carpeta de comprobaciones (por ejemplo, la tuya con comprobaciones ocultas).",
)
@click.option(
    "--formato",
    default="taller",
    metavar="taller|gradescope",
    help="gradescope: escribe además el results.json de Gradescope de cada entrega.",
)
@click.option(
    "--clase",
    is_flag=True,
    help="Cada ENTREGA es una clase (p. ej. la descarga de Moodle): cada carpeta o .zip de dentro, un estudiante.",
)
@click.option(
    "--presupuesto",
    default=str(int(motor.PRESUPUESTO)),
    metavar="S",
    help="Segundos de reloj para todas las comprobaciones de una entrega (por defecto, 60).",
)
@click.option(
    "--sin-aislamiento",
    is_flag=True,
    help="Califica aunque no haya jaula (sin root en Linux). Solo con entregas de confianza.",
)
@click.option(
    "--hoja",
    default="es",
    metavar="es|en",
    help="calificaciones_hoja.csv para una hoja de cálculo en español (punto y coma, coma decimal; por "
    "defecto) o en inglés (comas).",
)
@click.option(
    "--moodle",
    "moodle_hoja",
    metavar="HOJA.csv",
    help="La hoja de calificación que descargaste de Moodle: se devuelve rellena (nota y comentario).",
)
@click.option(
    "--nota-maxima",
    default="100",
    metavar="N",
    help="La calificación máxima de la tarea en Moodle si no das --moodle (por defecto, 100).",
)
@ayuda
def orden_calificar(
    leccion,
    entregas,
    salida,
    trabajos,
    limite_tiempo,
    comprobaciones,
    formato,
    clase,
    presupuesto,
    sin_aislamiento,
    hoja,
    moodle_hoja,
    nota_maxima,
):
    """Califica todas las ENTREGA (carpetas o .zip) de la LECCION: cada una, un estudiante (o una clase con --clase)."""
    import tempfile
    import time

    from taller import jaula

    leccion = buscar_leccion(leccion)
    if not entregas:
        raise ErrorDeUso("falta al menos una ENTREGA (una carpeta o un .zip)")
    if not salida:
        raise ErrorDeUso("falta --salida CARPETA, donde se escriben las notas")
    if not trabajos.isdigit() or int(trabajos) < 1:
        raise ErrorDeUso(f"--trabajos debe ser un número entero positivo, no «{trabajos}»")
    try:
        limite = float(limite_tiempo)
    except ValueError:
        limite = 0
    if limite <= 0:
        raise ErrorDeUso(f"--limite-tiempo debe ser un número de segundos positivo, no «{limite_tiempo}»")
    if formato not in ("taller", "gradescope"):
        raise ErrorDeUso(f"el formato debe ser taller o gradescope, no «{formato}»")
    try:
        presupuesto_s = float(presupuesto)
    except ValueError:
        presupuesto_s = 0
    if presupuesto_s <= 0:
        raise ErrorDeUso(f"--presupuesto debe ser un número de segundos positivo, no «{presupuesto}»")
    if hoja not in ("es", "en"):
        raise ErrorDeUso(f"--hoja debe ser es o en, no «{hoja}»")
    if moodle_hoja and not Path(moodle_hoja).is_file():
        raise ErrorDeUso(f"no existe la hoja de Moodle {moodle_hoja}")
    if moodle_hoja:
        try:
            moodle.leer_hoja(Path(moodle_hoja))
        except (ValueError, UnicodeError, OSError) as e:
            raise ErrorDeUso(str(e)) from None
    try:
        maxima = float(nota_maxima.replace(",", "."))
    except ValueError:
        maxima = 0
    if maxima <= 0:
        raise ErrorDeUso(f"--nota-maxima debe ser un número positivo, no «{nota_maxima}»")
    if not jaula.jaula_disponible() and not sin_aislamiento:
        raise ErrorDeUso(
            "sin root en Linux no hay jaula para el código de los estudiantes, que podría leer o "
            "cambiar lo que puedes leer o cambiar tú; ejecútalo como root (un servidor, CI) o añade "
            "--sin-aislamiento si confías en las entregas"
        )
    carpeta_comprobaciones = Path(comprobaciones).resolve() if comprobaciones else leccion.comprobaciones
    if not carpeta_comprobaciones.is_dir():
        raise ErrorDeUso(f"la carpeta de comprobaciones {comprobaciones} no existe")

    inicio = time.monotonic()
    motor.precargar()
    motor.fabrica()  # antes de abrir ninguna entrega: los recintos nacen de un proceso que no ha visto ninguna
    click.echo("Protecciones: " + "; ".join(jaula.protecciones(jaula.jaula_disponible())) + ".", err=True)
    with tempfile.TemporaryDirectory(prefix="taller-calificar-") as temporal:
        archivo = calificar.archivo_del_ejercicio(leccion)
        lista = calificar.descubrir(entregas, leccion, archivo, temporal, clase=clase)
        if not lista:
            raise ErrorDeUso("no se encontró ninguna entrega en lo indicado")
        for entrega in lista:
            if entrega.aviso:
                click.echo(f"Aviso: {entrega.aviso}", err=True)
        with click.progressbar(
            length=len(lista), label=f"Calificando {len(lista)} entregas", file=sys.stderr, item_show_func=lambda e: e
        ) as barra:

            def al_terminar(entrega, doc):
                barra.update(1, f"{entrega.estudiante}: {doc['score']}/{doc['max_score']}")

            resultados = calificar.calificar(
                lista, carpeta_comprobaciones, int(trabajos), limite, al_terminar, presupuesto_s
            )
        modelo = None
        if not any(d.get("tests") for d in resultados.values()):  # ninguna cargó: el máximo, del punto de partida
            modelo = calificar.calificar_una(
                calificar.Entrega("punto de partida", leccion.ejercicio), carpeta_comprobaciones, limite, presupuesto_s
            )
        calificar.completar(resultados, modelo if modelo and modelo.get("tests") else None)
        Path(salida).mkdir(parents=True, exist_ok=True)
        pares = calificar.escribir_parecidos(salida, leccion, lista)
    avisos = calificar.escribir(salida, leccion, resultados, formato, hoja, lista, moodle_hoja, maxima)
    for aviso in avisos:
        click.echo(f"Aviso: {motor.limpiar(aviso)}", err=True)

    errores = sorted(e for e, d in resultados.items() if d["status"] == "error")
    completas = sum(d["status"] == "pass" for d in resultados.values())
    click.echo(
        f"Calificadas {len(resultados)} entregas en {time.monotonic() - inicio:.1f} s: {completas} con todo "
        f"correcto, {len(resultados) - completas - len(errores)} con fallos, {len(errores)} sin poder comprobar."
    )
    for estudiante in errores:
        click.echo(f"  ✘ {estudiante}: {motor.limpiar(calificar.primera_linea(resultados[estudiante]['message']))}")
    click.echo(
        f"Notas en {Path(salida) / 'calificaciones.csv'} (y calificaciones_hoja.csv para una hoja de "
        "cálculo); detalles en resultados/ y retroalimentacion/."
    )
    if (Path(salida) / "moodle").is_dir():
        click.echo(
            f"Para Moodle: {Path(salida) / 'moodle' / 'hoja_de_calificacion.csv'} («Subir hoja de "
            f"calificación») y {Path(salida) / 'moodle' / 'retroalimentacion.zip'} («Subir varios archivos "
            "de retroalimentación en un zip»)."
        )
    click.echo(
        f"Entregas parecidas (solo para ti, no cambia ninguna nota): {len(pares)} pares en "
        f"{Path(salida) / 'parecidos.md'}."
    )
    return 1 if errores else 0


@taller.command("classroom")
@click.argument("leccion", metavar="LECCION")
@click.option(
    "--salida",
    default=".github/workflows/classroom.yml",
    metavar="ARCHIVO",
    help="Dónde escribir el flujo (por defecto, .github/workflows/classroom.yml).",
)
@ayuda
def orden_classroom(leccion, salida):
    """Escribe el flujo de GitHub Classroom que califica la LECCION en cada push."""
    leccion = buscar_leccion(leccion)
    destino = Path(salida).resolve()
    en_github = destino.parent.name == "workflows" and destino.parent.parent.name == ".github"
    raiz = destino.parent.parent.parent if en_github else Path.cwd()
    if not (raiz / "pyproject.toml").is_file():
        raise ErrorDeUso(
            f"{mostrar_ruta(raiz)} no es la raíz del taller (no tiene pyproject.toml): el flujo instala "
            "el taller con «pip install -e .» desde la raíz del repositorio; ejecuta «taller classroom» "
            "allí o da --salida RAIZ/.github/workflows/classroom.yml"
        )
    documento = motor.comprobar(leccion.comprobaciones, leccion.solucion, ocultas=False)
    if not classroom.puntuables(documento):
        raise ErrorDeUso(
            f"no se pudieron leer las comprobaciones de la lección {leccion.numero}: "
            f"{motor.limpiar(documento.get('message') or '')}"
        )
    destino.parent.mkdir(parents=True, exist_ok=True)
    destino.write_text(classroom.flujo(leccion, documento), encoding="utf-8")
    click.echo(f"Escrito {destino}: GitHub Classroom calificará la lección {leccion.numero} en cada push.")
    return 0


@taller.command("proveedor-oidc")
@click.option(
    "--puerto", default="9000", metavar="PUERTO", help="Puerto en 127.0.0.1 (por defecto, 9000; 0 elige uno libre)."
)
@click.option(
    "--redirect-uri",
    "redirect_uris",
    multiple=True,
    metavar="URI",
    help="Dirección de retorno del cliente; se repite para registrar varias y se compara exacta "
    "(por defecto, http://127.0.0.1:5000/auth/oidc/callback).",
)
@click.option(
    "--client-id",
    default="taller-demo",
    envvar="PROVEEDOR_OIDC_CLIENT_ID",
    metavar="ID",
    help="client_id del cliente (por defecto, taller-demo; o PROVEEDOR_OIDC_CLIENT_ID).",
)
@click.option(
    "--client-secret",
    envvar="PROVEEDOR_OIDC_CLIENT_SECRET",
    metavar="SECRETO",
    help="Su secreto, de 32 caracteres o más (o PROVEEDOR_OIDC_CLIENT_SECRET; si falta, uno aleatorio).",
)
@click.option("--clave", metavar="ARCHIVO", help="Clave RSA privada en PEM para firmar (si falta, una nueva cada vez).")
@click.option("--solo-sub", is_flag=True, help="El id_token solo lleva «sub»; el email y el nombre, solo en userinfo.")
@ayuda
def orden_proveedor_oidc(puerto, redirect_uris, client_id, client_secret, clave, solo_sub):
    """Sirve en 127.0.0.1 un proveedor OpenID Connect local para practicar sin Internet (lección 09).

    \b
    Usuarios de prueba (email, contraseña):
      ana@example.org   ana-demo    email verificado
      beto@example.org  beto-demo   email verificado
      eva@example.org   eva-demo    email sin verificar

    La sesión del proveedor se firma con PROVEEDOR_OIDC_SECRET_KEY (si falta, una clave aleatoria en cada arranque).
    """
    from taller.proveedor_oidc.arranque import OpcionIncorrecta, servir

    try:
        return servir(puerto, redirect_uris, client_id, client_secret, clave, solo_sub)
    except OpcionIncorrecta as e:
        raise ErrorDeUso(str(e)) from None


@taller.command("sincronizar")
@click.option("--verificar", is_flag=True, help="No escribe nada: falla si algo está desactualizado.")
@ayuda
def orden_sincronizar(verificar):
    """(Mantenimiento) Regenera los módulos heredados, los ejercicios y el código de los README."""
    from taller import fragmentos

    pendientes = []
    for leccion in lecciones.todas():
        if leccion.solucion.is_dir():
            try:
                heredados = ejercicios.heredados_desactualizados(leccion.solucion)
            except (ejercicios.ErrorDeHerencia, ejercicios.ErrorDeMarcas, OSError, ValueError) as e:
                raise click.ClickException(str(e)) from None
            if heredados and not verificar:
                ejercicios.escribir_heredados(leccion.solucion)
            pendientes += [f"{leccion.solucion.relative_to(leccion.base)}/{h} (heredado)" for h in heredados]
            olvidados = ejercicios.olvidados(leccion.solucion)
            if olvidados:
                raise click.ClickException(
                    f"{leccion.solucion.relative_to(leccion.base)} no tiene ni hereda {', '.join(olvidados)}: "
                    f"añádelos a su {ejercicios.HEREDA} o escríbelos"
                )
            sobran = ejercicios.sobrantes(leccion.solucion, leccion.ejercicio)
            if sobran and not verificar:
                for archivo in sobran:
                    (leccion.ejercicio / archivo).unlink()
            pendientes += [f"{leccion.ejercicio.relative_to(leccion.base)}/{s} (sobra)" for s in sobran]
            distintos = ejercicios.diferencias(leccion.solucion, leccion.ejercicio)
            if distintos and not verificar:
                ejercicios.generar_ejercicio(leccion.solucion, leccion.ejercicio)
            pendientes += [f"{leccion.ejercicio.relative_to(leccion.base)}/{d}" for d in distintos]
        readme = leccion.carpeta / "README.md"
        if readme.is_file():
            bloques = fragmentos.desactualizados(readme)
            if bloques and not verificar:
                fragmentos.sincronizar(readme)
            pendientes += [f"{readme.relative_to(leccion.base)}: {b}" for b in bloques]
    verbo = "desactualizado" if verificar else "regenerado"
    for p in pendientes:
        click.echo(f"{verbo}: {p}")
    if not pendientes:
        click.echo("Todo está sincronizado.")
    return 1 if verificar and pendientes else 0


if __name__ == "__main__":
    main()
