// El script de la página de artículos. Nunca ve un token: los dos viajan en cookies HttpOnly
// que el navegador envía solo. Lo único que lee es la cookie CSRF, para copiarla en X-CSRF-TOKEN.
"use strict";

const DATOS = JSON.parse(document.getElementById("datos").textContent);
const RUTAS = DATOS.rutas;

function leerCookie(nombre) {
  const par = document.cookie.split("; ").find((c) => c.startsWith(nombre + "="));
  return par ? decodeURIComponent(par.slice(nombre.length + 1)) : "";
}

// POST /auth/refresh: el navegador envía la cookie del refresh token (solo a esa ruta);
// la respuesta trae una cookie nueva para el access token.
async function renovar() {
  const r = await fetch(RUTAS.refresh, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRF-TOKEN": leerCookie("csrf_refresh_token") },
  });
  return r.ok;
}

// fetch con la cabecera CSRF en las peticiones que cambian algo y, si el access token
// caducó, un refresco y un segundo intento: el usuario no nota nada.
async function api(ruta, opciones = {}, reintentar = true) {
  const metodo = (opciones.method || "GET").toUpperCase();
  const cabeceras = { ...(opciones.headers || {}) };
  if (metodo !== "GET") {
    cabeceras["X-CSRF-TOKEN"] = leerCookie("csrf_access_token");
  }
  const r = await fetch(ruta, { ...opciones, headers: cabeceras, credentials: "same-origin" });
  if (r.status === 401 && reintentar) {
    const cuerpo = await r.clone().json().catch(() => ({}));
    if (cuerpo.codigo === "TOKEN_EXPIRED" && (await renovar())) {
      return api(ruta, opciones, false);
    }
  }
  return r;
} // fin de api

function mostrar(usuario) {
  document.getElementById("entrar").hidden = Boolean(usuario);
  document.getElementById("sesion").hidden = !usuario;
  document.getElementById("nombre").textContent = usuario ? usuario.nombre : "";
  document.getElementById("estado").textContent = usuario ? "Sesión iniciada." : "No has iniciado sesión.";
}

// Un artículo nuevo en la lista, con textContent: su texto nunca se interpreta como HTML.
function pintarArticulo(articulo) {
  const li = document.createElement("li");
  li.dataset.id = articulo.id;
  const titulo = document.createElement("strong");
  titulo.textContent = articulo.titulo;
  const contenido = document.createElement("span");
  contenido.textContent = articulo.contenido;
  li.append(titulo, " ", contenido);
  document.getElementById("articulos").append(li);
}

async function alCargar() {
  const r = await api(RUTAS.perfil);
  mostrar(r.ok ? await r.json() : null);
}

document.getElementById("form-login").addEventListener("submit", async (evento) => {
  evento.preventDefault();
  const formulario = new FormData(evento.target);
  const r = await fetch(RUTAS.login, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: formulario.get("email"), password: formulario.get("password") }),
  });
  const cuerpo = await r.json();
  document.getElementById("error-login").textContent = r.ok ? "" : cuerpo.error;
  if (r.ok) {
    mostrar(cuerpo.usuario);
  }
});

document.getElementById("form-articulo").addEventListener("submit", async (evento) => {
  evento.preventDefault();
  const formulario = new FormData(evento.target);
  const r = await api(RUTAS.articulos, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ titulo: formulario.get("titulo"), contenido: formulario.get("contenido"), publicado: true }),
  });
  const cuerpo = await r.json();
  document.getElementById("error-articulo").textContent = r.ok ? "" : cuerpo.error;
  if (r.ok) {
    pintarArticulo(cuerpo);
    evento.target.reset();
  }
});

document.getElementById("salir").addEventListener("click", async () => {
  await api(RUTAS.logout, { method: "POST" });
  mostrar(null);
});

alCargar();
