"""gunicorn para la API final: ``ENTORNO=produccion gunicorn -c gunicorn.conf.py`` desde esta carpeta.

Antes del primer arranque (y tras cada cambio del esquema), una vez:
``flask --app api db upgrade``. Los procesos comparten la revocación y los
límites en Redis (``REDIS_URL``) y la base de datos (``DATABASE_URL``).
"""

import os

wsgi_app = "api:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # detrás de un proxy (nginx…) que pone el TLS
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # procesos: de 2 a 4 por núcleo
os.environ["WEB_CONCURRENCY"] = str(workers)  # la app lo lee (PROCESOS): con varios, nada en memoria
timeout = 30  # segundos: un proceso colgado más tiempo se reinicia
graceful_timeout = 20  # al parar, lo que tienen las peticiones en curso para terminar
keepalive = 5
# Sin max_requests: con él, los dos procesos llegaban a la vez a su cuota y se reiniciaban juntos, y
# durante ese arranque (un hash bcrypt de coste 12, las importaciones) nadie atendía (benchmarks/api_10.py).
accesslog = None  # la app escribe su propia línea JSON por petición, sin cabeceras ni query
errorlog = "-"
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190  # una cabecera Authorization enorme no llega a la app
control_socket_disable = True  # gunicorn ≥ 25 abre uno en ~/.gunicorn, el mismo para todos sus servidores
