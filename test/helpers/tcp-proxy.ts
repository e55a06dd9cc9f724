import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

/**
 * A TCP proxy a fault test controls, put in front of PostgreSQL or Redis:
 * - `cut()` destroys every open connection and refuses new ones (the server is down);
 * - `cut("blackhole")` destroys every open connection, then accepts new ones and never answers
 *   (a network partition: connects hang until the client's own timeout);
 * - `restore()` forwards again on the same port.
 */
export interface TcpProxy {
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string;
  cut(mode?: "refuse" | "blackhole"): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
  /** Connections accepted so far (forwarded or held). */
  readonly accepted: number;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: "forward" | "blackhole" = "forward";
  let accepted = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const onConnection = (client: Socket) => {
    accepted++;
    track(client);
    if (mode === "blackhole") return; // hold it, say nothing
    const upstream = tcpConnect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        const addr = server.address();
        resolve(typeof addr === "object" && addr ? addr.port : port);
      });
    });
  const port = await listen(0);
  let listening = true;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
    });
  const destroyAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };

  return {
    port,
    get accepted() {
      return accepted;
    },
    url(url: string) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    async cut(how = "refuse") {
      if (how === "blackhole") {
        mode = "blackhole";
        destroyAll();
        if (!listening) {
          server = createServer(onConnection);
          await listen(port);
          listening = true;
        }
        return;
      }
      mode = "forward";
      const closed = stopListening();
      destroyAll();
      await closed;
    },
    async restore() {
      if (mode === "blackhole") destroyAll();
      mode = "forward";
      if (!listening) {
        server = createServer(onConnection);
        await listen(port);
        listening = true;
      }
    },
    async close() {
      const closed = stopListening();
      destroyAll();
      await closed;
    },
  };
}
