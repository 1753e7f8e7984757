/**
 * A loopback TCP proxy in front of the API server that a test can cut: `cut()` resets every open
 * connection and every new one until `restore()`, as a network partition between weft and the
 * API server would (TLS passes through untouched).
 */
import net from 'node:net';

export class CutProxy {
  private readonly sockets = new Set<net.Socket>();
  private isCut = false;

  private constructor(private readonly server: net.Server, readonly url: string) {}

  static async start(target: string): Promise<CutProxy> {
    const { hostname, port } = new URL(target);
    let proxy: CutProxy | undefined;
    const server = net.createServer((client) => proxy!.accept(client, hostname, Number(port)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new CutProxy(server, `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    return proxy;
  }

  private accept(client: net.Socket, host: string, port: number): void {
    if (this.isCut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => (s === client ? upstream : client).destroy());
    }
    client.pipe(upstream).pipe(client);
  }

  /** Resets every connection now open and refuses (resets) new ones. */
  cut(): void {
    this.isCut = true;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
