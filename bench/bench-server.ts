import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

/** A server in a child process (bench/hotpath-server.ts); its CPU time is read over IPC. */
export class BenchServer {
  private constructor(private readonly child: ChildProcess) {}

  static async start(env: Record<string, string>): Promise<BenchServer> {
    const script = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'hotpath-server.js');
    const child = fork(script, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code} before it was ready`)));
    });
    return new BenchServer(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The server process's CPU time so far (user + system), ms. */
  cpuMs(): Promise<number> {
    return new Promise((resolve) => {
      this.child.once('message', (m: { ms: number }) => resolve(m.ms));
      this.child.send({ type: 'cpu' });
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
