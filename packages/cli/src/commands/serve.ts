/**
 * `vmscope serve`: serve the built web page (packages/web/dist) over HTTP on this machine.
 *
 * A deliberately small static server: GET and HEAD of files under one directory, with their
 * content types; anything else is a 404 (or 405 for other methods). It binds to 127.0.0.1 unless
 * told otherwise, so the page is not offered to the network by accident.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT_OK, InputError } from "../errors.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".vms": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
};

/** Where the web package puts its build, seen from this file (dist/src/commands/serve.js). */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL("../../../../web/dist/", import.meta.url));
}

export interface ServeOptions {
  port?: string;
  host?: string;
  dir?: string;
}

/** Start serving `root`; resolves once the server listens. */
export async function startServer(root: string, port: number, host: string): Promise<Server> {
  const base = resolve(root);
  const server = createServer((request, response) => {
    const method = request.method ?? "GET";
    if (method !== "GET" && method !== "HEAD") {
      response.writeHead(405, { "content-type": "text/plain; charset=utf-8", allow: "GET, HEAD" });
      response.end("method not allowed\n");
      return;
    }
    void serveFile(base, request.url ?? "/", method === "HEAD", response);
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      done();
    });
  });
  return server;
}

async function serveFile(
  base: string,
  url: string,
  headOnly: boolean,
  response: ServerResponse,
): Promise<void> {
  const notFound = () => {
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    response.end("not found\n");
  };
  let path: string;
  try {
    path = decodeURIComponent(new URL(url, "http://localhost").pathname);
  } catch {
    notFound();
    return;
  }
  if (path.endsWith("/")) path += "index.html";
  const file = normalize(join(base, path));
  // Never leave the served directory (`..`, encoded or not).
  if (file !== base && !file.startsWith(base + sep)) {
    notFound();
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) {
      notFound();
      return;
    }
    response.writeHead(200, {
      "content-type": CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
      "content-length": info.size,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    });
    if (headOnly) {
      response.end();
      return;
    }
    createReadStream(file).pipe(response);
  } catch {
    notFound();
  }
}

/** `vmscope serve [--port N] [--host H] [--dir D]`: runs until interrupted. */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const port = Number(options.port ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InputError(`--port must be a whole number from 0 to 65535, not ${options.port}`);
  const host = options.host ?? "127.0.0.1";
  const root = options.dir ?? defaultWebRoot();
  try {
    const info = await stat(join(root, "index.html"));
    if (!info.isFile()) throw new Error("not a file");
  } catch {
    throw new InputError(
      `no built page in ${root} (build it with \`npm run build\` at the repository root)`,
    );
  }
  let server: Server;
  try {
    server = await startServer(root, port, host);
  } catch (error) {
    throw new InputError(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  process.stdout.write(`vmscope: serving on http://${shownHost}:${address.port}/\n`);
  const stop = () => server.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await new Promise<void>((done) => server.once("close", done));
  return EXIT_OK;
}
