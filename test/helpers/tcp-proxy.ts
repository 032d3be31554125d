import net from 'node:net';

/**
 * A TCP proxy between a client and a server (MariaDB) for connection-loss tests:
 * - `cut()`: destroy every open connection (both sides see a reset at once);
 * - `blackhole()`: keep the connections open but forward nothing, and refuse new ones — what a dead
 *   switch or a frozen peer looks like: only timeouts notice;
 * - `heal()`: forward again (new connections only; black-holed ones stay dead).
 */
export class TcpProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private holed = false;
  /** Sockets of black-holed connections whose other side closed: held open, as a dead network would. */
  private readonly zombies = new Set<net.Socket>();

  constructor(
    private readonly target: { host: string; port: number },
    readonly port = 0,
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async start(): Promise<number> {
    await new Promise<void>((res) => this.server.listen(this.port, '127.0.0.1', res));
    return (this.server.address() as net.AddressInfo).port;
  }

  private accept(client: net.Socket): void {
    if (this.holed) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (d) => {
        if (!this.holed && !to.destroyed) to.write(d);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      this.pairs.delete(pair);
      if (this.holed) {
        for (const s of pair) if (!s.destroyed) this.zombies.add(s);
        return;
      }
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }

  get connections(): number {
    return this.pairs.size;
  }

  cut(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  blackhole(): void {
    this.holed = true;
  }

  heal(): void {
    this.holed = false;
  }

  async close(): Promise<void> {
    this.cut();
    for (const s of this.zombies) s.destroy();
    await new Promise<void>((res) => this.server.close(() => res()));
  }
}
