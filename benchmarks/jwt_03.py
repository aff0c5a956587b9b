"""Cuánto tarda HS256 a mano (la solución de la lección 03) frente a PyJWT y a un HMAC pelado.

Uso (desde la raíz del repositorio)::

    .venv/bin/python benchmarks/jwt_03.py [--repeticiones 7] [--numero 2000]

Para el mismo payload y la misma clave de 32 bytes mide, con ``timeit``, el tiempo por
token de:

* codificar: ``jwt_manual.codificar`` y ``jwt.encode(..., algorithm="HS256")``;
* decodificar: ``jwt_manual.decodificar`` y ``jwt.decode(..., algorithms=["HS256"])``;
* la cota inferior: ``hmac.new(clave, entrada, hashlib.sha256).digest()`` sobre la misma
  entrada de la firma (lo único criptográfico de todo el proceso).

Cada medida se repite N veces (``timeit.repeat``) y se muestran el mejor y la mediana en
microsegundos por token. No escribe nada en el repositorio.
"""

import argparse
import hashlib
import hmac
import importlib.util
import secrets
import statistics
import sys
import timeit
from pathlib import Path

import jwt

RAIZ = Path(__file__).resolve().parent.parent
SOLUCION = RAIZ / "solutions" / "03_anatomia_jwt" / "jwt_manual.py"


def cargar_solucion():
    especificacion = importlib.util.spec_from_file_location("jwt_manual_benchmark", SOLUCION)
    modulo = importlib.util.module_from_spec(especificacion)
    sys.modules[especificacion.name] = modulo
    especificacion.loader.exec_module(modulo)
    return modulo


def medir(funcion, repeticiones, numero):
    """(mejor, mediana) en µs por llamada."""
    tiempos = [t / numero * 1e6 for t in timeit.repeat(funcion, repeat=repeticiones, number=numero)]
    return min(tiempos), statistics.median(tiempos)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeticiones", type=int, default=7)
    parser.add_argument("--numero", type=int, default=2000, help="llamadas por repetición")
    args = parser.parse_args(argv)

    jm = cargar_solucion()
    clave = secrets.token_bytes(32)
    payload = {
        "sub": "42",
        "rol": "editor",
        "iat": 1_700_000_000,
        "exp": 4_000_000_000,
        "jti": "5f0c1a3e-9d2b-4c1e-8f7a-2b6d9e0c4a11",
    }
    token = jm.codificar(payload, clave)
    assert token == jwt.encode(payload, clave, algorithm="HS256"), "los tokens deberían ser idénticos"
    assert jm.decodificar(token, clave) == jwt.decode(token, clave, algorithms=["HS256"]) == payload
    entrada = token.rsplit(".", 1)[0].encode("ascii")

    filas = [
        ("codificar · jwt_manual", lambda: jm.codificar(payload, clave)),
        ("codificar · PyJWT", lambda: jwt.encode(payload, clave, algorithm="HS256")),
        ("decodificar · jwt_manual", lambda: jm.decodificar(token, clave)),
        ("decodificar · PyJWT", lambda: jwt.decode(token, clave, algorithms=["HS256"])),
        ("solo hmac.new(...).digest()", lambda: hmac.new(clave, entrada, hashlib.sha256).digest()),
    ]
    print(f"Python {sys.version.split()[0]} · PyJWT {jwt.__version__} · token de {len(token)} caracteres")
    print(f"{args.repeticiones} repeticiones × {args.numero} llamadas; µs por token\n")
    print(f"{'operación':32} {'mejor':>8} {'mediana':>8}")
    resultados = {}
    for nombre, funcion in filas:
        mejor, mediana = medir(funcion, args.repeticiones, args.numero)
        resultados[nombre] = mediana
        print(f"{nombre:32} {mejor:8.2f} {mediana:8.2f}")
    base = resultados["solo hmac.new(...).digest()"]
    print(
        f"\nLa firma (HMAC) es {100 * base / resultados['decodificar · jwt_manual']:.0f} % de decodificar a mano "
        f"y {100 * base / resultados['decodificar · PyJWT']:.0f} % de jwt.decode: el resto es base64, JSON y "
        "comprobaciones."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
