# Generado por «taller sincronizar» desde solutions/02_login_jwt/api/mensajes_http.py: edítalo allí.
"""El mensaje en español de cada error HTTP: ``errores.py`` los responde en JSON (la lección 07 les añade un código)."""

MENSAJES_HTTP = {
    400: "Petición incorrecta.",
    404: "La ruta no existe.",
    405: "Método no permitido en esta ruta.",
    413: "El cuerpo de la petición es demasiado grande (máximo 1 MB).",
    415: "Tipo de contenido no admitido.",
    429: "Demasiados intentos: espera un poco antes de volver a probar (mira la cabecera Retry-After).",
    431: "Las cabeceras de la petición son demasiado grandes (la cabecera Authorization admite 8 KB).",
    500: "Error interno del servidor.",
}
