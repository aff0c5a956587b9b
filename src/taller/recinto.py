"""El lado del recinto: el único proceso donde se importa y se ejecuta el código del estudiante.

Atiende, por un socket, las pocas operaciones que necesitan las comprobaciones (ver
``taller.puente``, su otro extremo): crear la app con una configuración, hacer una petición,
ejecutar una orden de la app, llamar a una función del módulo y un par de espías. No sabe
nada de las comprobaciones ni de los resultados: solo contesta, y lo que contesta se valida
al otro lado. Cuando este proceso arranca ya está dentro de la jaula (``taller.jaula``).
"""

from __future__ import annotations

import importlib
import socket
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from taller import protocolo
from taller.cargador import ErrorDeCarga, cargar_fabrica, cargar_modulo, linea_del_error

# Funciones que una comprobación puede espiar: cuántas veces (y con qué) las llama el objetivo.
ESPIABLES = {
    "bcrypt.checkpw": ("bcrypt", "checkpw"),
    "hmac.compare_digest": ("hmac", "compare_digest"),
    "secrets.compare_digest": ("secrets", "compare_digest"),
}


def describir_excepcion(e: BaseException) -> dict:
    """Clase, jerarquía y mensaje de una excepción, para reconstruirla al otro lado."""
    try:
        mensaje = str(e)
    except Exception:
        mensaje = f"<{type(e).__name__}>"
    return {
        "clase": type(e).__name__,
        "mensaje": mensaje[:2000],
        "mro": [[c.__module__, c.__name__] for c in type(e).__mro__][:20],
    }


class Recinto:
    """El estado del recinto: el objetivo cargado, sus apps, sus clientes y los espías."""

    def __init__(self) -> None:
        self.objetivo: Path | None = None
        self.fabrica: Callable | None = None
        self.modulo: types.ModuleType | None = None
        self.apps: list = []
        self.clientes: list = []
        self.excepciones: list[BaseException] = []
        self.espias: dict[str, list] = {}
        self.originales: dict[str, tuple] = {}

    # ── Operaciones ──

    def op_cargar(self, tipo: str, ruta: str, carpeta: str) -> dict:
        self.objetivo = Path(carpeta)
        try:
            if tipo == "app":
                self.fabrica = cargar_fabrica(Path(ruta))
                self.modulo = sys.modules.get(getattr(self.fabrica, "__module__", ""), None)
            else:
                self.modulo = cargar_modulo(Path(ruta))
        except ErrorDeCarga as e:
            return {"error": str(e)}
        return {}

    def op_crear_app(self, config: Any) -> dict:
        from flask import Flask, got_request_exception

        if self.fabrica is None:
            return {"error": "No hay ninguna app cargada."}
        try:
            app = self.fabrica(protocolo.decodificar(config))
        except Exception as e:
            lugar = linea_del_error(e, self.objetivo) if self.objetivo else None
            donde = f" ({lugar})" if lugar else ""
            return {
                "excepcion": describir_excepcion(e),
                "error": f"create_app(config) lanzó {type(e).__name__}{donde}: {e}",
            }
        if not isinstance(app, Flask):
            return {"error": f"create_app(config) debe devolver la aplicación Flask, y devolvió {type(app).__name__}."}
        got_request_exception.connect(self._anotar, app, weak=False)
        self.apps.append(app)
        return {"app": len(self.apps) - 1}

    def _anotar(self, sender: Any, exception: BaseException, **_: Any) -> None:
        self.excepciones.append(exception)

    def op_cliente(self, app: int) -> dict:
        self.clientes.append(self.apps[app].test_client())
        return {"cliente": len(self.clientes) - 1}

    def op_peticion(self, cliente: int, metodo: str, ruta: str, cabeceras: list, cuerpo: str | None) -> dict:
        antes = len(self.excepciones)
        argumentos: dict[str, Any] = {"headers": [tuple(c) for c in cabeceras]}
        if cuerpo is not None:
            argumentos["data"] = protocolo.binario(cuerpo)
        r = self.clientes[cliente].open(ruta, method=metodo, **argumentos)
        excepcion = None
        if len(self.excepciones) > antes:
            e = self.excepciones[-1]
            excepcion = f"{type(e).__name__}: {str(e)[:200]}"
        return {
            "estado": r.status_code,
            "cabeceras": [list(c) for c in r.headers.items()],
            "cuerpo": protocolo.a_base64(r.get_data()),
            "excepcion": excepcion,
        }

    def op_cli(self, app: int, args: list, entrada: str | None) -> dict:
        resultado = self.apps[app].test_cli_runner().invoke(args=[str(a) for a in args], input=entrada)
        e = resultado.exception
        return {
            "codigo": resultado.exit_code,
            "salida": resultado.output[-20_000:],
            "excepcion": None if e is None or isinstance(e, SystemExit) else describir_excepcion(e),
        }

    def op_ruta_de_prueba(self, app: int, ruta: str, tipo: str, mensaje: str = "") -> dict:
        """Añade a la app una ruta de las comprobaciones: ``abortar`` (abort(estado)) o ``fallo`` (una excepción)."""
        from flask import abort

        def abortar(estado: int) -> Any:
            abort(estado)

        def fallar() -> Any:
            raise RuntimeError(mensaje)

        vista = {"abortar": abortar, "fallo": fallar}[tipo]
        self.apps[app].add_url_rule(ruta, f"comprobacion_{tipo}_{len(self.apps)}", vista)
        return {}

    def op_servir(self, app: int, fds: list[int]) -> dict:
        """Sirve la app por HTTP en el socket que escucha ``fds[0]`` (lo crearon las comprobaciones, fuera)."""
        import threading

        from werkzeug.serving import WSGIRequestHandler, make_server

        class SinRegistroDeAccesos(WSGIRequestHandler):
            """Las peticiones son de las comprobaciones: su registro no es «la salida de tu programa»."""

            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass

        servidor = make_server(
            "127.0.0.1", 0, self.apps[app], threaded=True, fd=fds[0], request_handler=SinRegistroDeAccesos
        )
        threading.Thread(target=servidor.serve_forever, daemon=True).start()
        return {}

    def op_config(self, app: int, clave: str) -> dict:
        config = self.apps[app].config
        return {"existe": clave in config, "valor": protocolo.codificar(config.get(clave))}

    def op_sql(self, ruta: str, consulta: str, parametros: Any) -> dict:
        """Ejecuta una orden SQL de las comprobaciones en la base SQLite de la app (para cambiar datos)."""
        import sqlite3

        conexion = sqlite3.connect(ruta)
        try:
            with conexion:
                filas = conexion.execute(consulta, protocolo.decodificar(parametros)).fetchall()
        finally:
            conexion.close()
        return {"filas": protocolo.codificar(filas)}

    def op_describir(self, nombre: str) -> dict:
        if self.modulo is None or not hasattr(self.modulo, nombre):
            return {"tipo": "ninguno"}
        valor = getattr(self.modulo, nombre)
        if isinstance(valor, type):
            return {"tipo": "clase", "mro": [[c.__module__, c.__name__] for c in valor.__mro__][:20]}
        if isinstance(valor, types.ModuleType):
            return {"tipo": "modulo", "nombre": valor.__name__}
        if callable(valor):
            return {"tipo": "funcion"}
        return {"tipo": "valor", "valor": protocolo.codificar(valor)}

    def op_llamar(self, nombre: str, args: Any, kwargs: Any) -> dict:
        funcion = getattr(self.modulo, nombre, None)
        if not callable(funcion):
            return {"excepcion": describir_excepcion(AttributeError(f"el módulo no define {nombre}"))}
        try:
            valor = funcion(*protocolo.decodificar(args), **protocolo.decodificar(kwargs))
        except Exception as e:
            return {"excepcion": describir_excepcion(e)}
        return {"valor": protocolo.codificar(valor)}

    def op_modulos(self) -> dict:
        """Los nombres de los módulos a los que apuntan las variables globales del módulo objetivo."""
        nombres = [
            v.__name__ for v in vars(self.modulo or types.ModuleType("x")).values() if isinstance(v, types.ModuleType)
        ]
        return {"modulos": nombres}

    def op_espiar(self, nombre: str) -> dict:
        """Envuelve la función ``nombre`` (y sus copias en los módulos del objetivo) para contar sus llamadas."""
        if nombre not in ESPIABLES:
            return {"error": f"no se puede espiar {nombre}"}
        if nombre in self.espias:
            self.espias[nombre].clear()
            return {}
        modulo_lib, atributo = ESPIABLES[nombre]
        libreria = importlib.import_module(modulo_lib)
        original = getattr(libreria, atributo)
        llamadas: list = []
        self.espias[nombre] = llamadas

        def espia(*args: Any, **kwargs: Any) -> Any:
            llamadas.append(protocolo.codificar(args))
            return original(*args, **kwargs)

        setattr(libreria, atributo, espia)
        copias: list[tuple[types.ModuleType, str]] = []
        self.originales[nombre] = (original, copias)
        for modulo in list(sys.modules.values()):
            archivo = getattr(modulo, "__file__", None)
            if archivo and self.objetivo and Path(archivo).resolve().is_relative_to(self.objetivo.resolve()):
                for clave, valor in list(vars(modulo).items()):
                    if valor is original:  # «from bcrypt import checkpw»
                        setattr(modulo, clave, espia)
                        copias.append((modulo, clave))
        return {}

    def op_quitar_espias(self) -> dict:
        """Deja las funciones espiadas como estaban: un espía solo vale para una comprobación."""
        for nombre, (original, copias) in self.originales.items():
            modulo_lib, atributo = ESPIABLES[nombre]
            setattr(importlib.import_module(modulo_lib), atributo, original)
            for modulo, clave in copias:
                setattr(modulo, clave, original)
        self.originales.clear()
        self.espias.clear()
        return {}

    def op_llamadas(self, nombre: str) -> dict:
        return {"llamadas": self.espias.get(nombre, [])[-200:]}

    # ── Bucle ──

    def atender(self, conexion: socket.socket) -> None:
        while True:
            try:
                peticion, fds = protocolo.recibir_con_fds(conexion)
            except protocolo.ErrorDelRecinto:
                return
            if fds:
                peticion["fds"] = fds
            operacion = getattr(self, f"op_{peticion.pop('op', '')}", None)
            if operacion is None:
                respuesta: dict = {"error": "operación desconocida"}
            else:
                try:
                    respuesta = operacion(**peticion)
                except Exception as e:  # un fallo del objetivo en algo que no lo esperaba
                    lugar = linea_del_error(e, self.objetivo) if self.objetivo else None
                    donde = f" ({lugar})" if lugar else ""
                    respuesta = {
                        "error": f"{type(e).__name__}{donde}: {str(e)[:500]}",
                        "excepcion": describir_excepcion(e),
                    }
            try:
                protocolo.enviar(conexion, respuesta)
            except (OSError, ValueError):
                return


def main(conexion: socket.socket) -> None:
    """Atiende al puente hasta que se cierra la conexión."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    Recinto().atender(conexion)
